//! `lee` / `bootstrap`: see [`lee::cli`].

use std::time::Instant;

use clap::Parser;

fn main() {
    let process_start = Instant::now();
    let cli = lee::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("lee: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    match runtime.block_on(lee::cli::run(cli, process_start)) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("lee: {e:#}");
            std::process::exit(1);
        }
    }
}
