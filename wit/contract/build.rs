//! The crate reads `../gateway.wit` (the package version) with `include_str!`; tell cargo
//! to rebuild when it changes, since it lies outside the crate's folder.

fn main() {
    println!("cargo:rerun-if-changed=../gateway.wit");
}
