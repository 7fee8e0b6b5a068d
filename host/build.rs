//! Records the target triple lee is built for (`LEE_TARGET`): the loader compares it with
//! the target a `.cwasm` was precompiled for, and `lee precompile` uses it as the default.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=LEE_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
