//! `static-home ENTITIES PADDING`: serves a generated home (see `lee_e2e::static_home`)
//! on 127.0.0.1 from its own process, so that the memory of the generated documents is
//! never counted in the figures of the `lee` processes a test or harness measures. Prints
//! `port <n>` and `light <entity id>` on stdout, serves until stdin closes.

use std::io::{BufRead, Write};

use lee_e2e::static_home::{Shape, StaticHome};

fn main() {
    let mut args = std::env::args().skip(1);
    let number = |arg: Option<String>| arg.and_then(|a| a.parse::<usize>().ok());
    let (Some(entities), Some(padding)) = (number(args.next()), number(args.next())) else {
        eprintln!("usage: static-home ENTITIES PADDING");
        std::process::exit(2);
    };
    let home = StaticHome::start(Shape { entities, padding });
    let light = home
        .documents
        .entity_ids
        .iter()
        .find(|id| id.starts_with("light."))
        .cloned()
        .unwrap_or_default();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "port {}", home.port);
    let _ = writeln!(out, "states_bytes {}", home.documents.states.len());
    let _ = writeln!(out, "light {light}");
    let _ = out.flush();
    drop(out);
    // Serve until the parent closes stdin (or dies).
    for line in std::io::stdin().lock().lines() {
        if line.is_err() {
            break;
        }
    }
}
