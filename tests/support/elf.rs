//! What a Lambda `bootstrap` needs from the system, read from its ELF file with the
//! `object` crate: the machine it is for and the `GLIBC_x.y` symbol versions it requires
//! (`.gnu.version_r`). provided.al2023 has glibc 2.34; a bootstrap that needs a newer
//! version fails to start there ("version `GLIBC_2.35' not found").

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use object::read::elf::{FileHeader, SectionTable};
use object::{Endianness, elf};

/// The glibc of Lambda's provided.al2023 runtime.
pub const LAMBDA_GLIBC: (u32, u32) = (2, 34);

/// What an executable needs.
#[derive(Debug)]
pub struct Needs {
    /// `e_machine` (`object::elf::EM_AARCH64`, `EM_X86_64`).
    pub machine: u16,
    /// Every `GLIBC_x.y` version it requires, as `(x, y)`, sorted.
    pub glibc: Vec<(u32, u32)>,
}

impl Needs {
    /// The versions newer than `limit`, as `GLIBC_x.y` names.
    pub fn newer_than(&self, limit: (u32, u32)) -> Vec<String> {
        self.glibc
            .iter()
            .filter(|v| **v > limit)
            .map(|(major, minor)| format!("GLIBC_{major}.{minor}"))
            .collect()
    }
}

/// Reads the machine and the required glibc symbol versions of a 64-bit ELF file.
pub fn needs(path: &Path) -> Result<Needs> {
    let data = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
    let data = data.as_slice();
    let header = elf::FileHeader64::<Endianness>::parse(data)
        .map_err(|e| anyhow!("{} is not a 64-bit ELF file: {e}", path.display()))?;
    let endian = header.endian().map_err(|e| anyhow!("{e}"))?;
    let sections: SectionTable<elf::FileHeader64<Endianness>> = header
        .sections(endian, data)
        .map_err(|e| anyhow!("{}: sections: {e}", path.display()))?;
    let mut glibc = Vec::new();
    if let Some((mut needed, link)) = sections
        .gnu_verneed(endian, data)
        .map_err(|e| anyhow!("{}: .gnu.version_r: {e}", path.display()))?
    {
        let strings = sections
            .strings(endian, data, link)
            .map_err(|e| anyhow!("{}: version strings: {e}", path.display()))?;
        while let Some((_, mut versions)) = needed.next().map_err(|e| anyhow!("{e}"))? {
            while let Some(version) = versions.next().map_err(|e| anyhow!("{e}"))? {
                let name = version.name(endian, strings).map_err(|e| anyhow!("{e}"))?;
                if let Some(parsed) = parse_glibc(&String::from_utf8_lossy(name)) {
                    glibc.push(parsed);
                }
            }
        }
    }
    glibc.sort_unstable();
    glibc.dedup();
    Ok(Needs {
        machine: header.e_machine(endian),
        glibc,
    })
}

/// `GLIBC_2.34` -> `(2, 34)`; `GLIBC_2.2.5` -> `(2, 2)`; other names -> `None`.
fn parse_glibc(name: &str) -> Option<(u32, u32)> {
    let mut parts = name.strip_prefix("GLIBC_")?.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}
