//! Whole-process figures of a child `lee`: wall time and peak resident memory (the
//! kernel's `ru_maxrss` from `wait4`, which counts the guests' linear memory too),
//! for the big-home suite and its harness.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// What one measured run produced.
#[derive(Debug)]
pub struct Measured {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
    pub wall: Duration,
    /// Peak resident set size in KiB.
    pub peak_rss_kib: u64,
}

impl Measured {
    pub fn peak_rss_mib(&self) -> f64 {
        self.peak_rss_kib as f64 / 1024.0
    }
}

/// Runs `command` with `stdin` fed in, waits with `wait4` and returns its figures.
pub fn run(mut command: Command, stdin: &[u8]) -> Result<Measured> {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().context("spawn")?;
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin)?;
    }
    let (stdout, stderr) = drain(&mut child);
    let (status, peak_rss_kib) = wait4(&child)?;
    Ok(Measured {
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        status,
        wall: started.elapsed(),
        peak_rss_kib,
    })
}

type Reader = std::thread::JoinHandle<String>;

fn drain(child: &mut Child) -> (Reader, Reader) {
    fn read(mut pipe: impl Read + Send + 'static) -> Reader {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    }
    let stdout = child.stdout.take().map(read);
    let stderr = child.stderr.take().map(read);
    let empty = || std::thread::spawn(String::new);
    (stdout.unwrap_or_else(empty), stderr.unwrap_or_else(empty))
}

/// Waits for `child` and returns its exit status and `ru_maxrss` (KiB).
pub fn wait4(child: &Child) -> Result<(i32, u64)> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: plain syscall on our own child with valid out-pointers.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if waited != pid {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    Ok((code, usage.ru_maxrss as u64))
}
