//! Headless Chromium over WebDriver for the browser tests: Debian's `chromedriver` started on a
//! free loopback port, a fresh profile per session, and the flags this machine's closed network
//! needs (no background networking, no component updates, no QUIC).
//!
//! The tests run when `FEDKIT_CHROMEDRIVER` names the driver (`.ci/run` sets it) and fail when
//! it is set but unusable; screenshots go to `FEDKIT_TEST_ARTIFACTS` (default
//! `target/test-artifacts`).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running chromedriver, killed on drop.
pub struct Driver {
    child: Child,
    /// Its WebDriver URL.
    pub url: String,
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The chromedriver to use, or `None` (with a line saying so) when `FEDKIT_CHROMEDRIVER` is unset.
pub fn driver_path() -> Option<PathBuf> {
    match std::env::var_os("FEDKIT_CHROMEDRIVER") {
        Some(path) => Some(PathBuf::from(path)),
        None => {
            eprintln!("FEDKIT_CHROMEDRIVER not set: the headless Chromium test is not run here");
            None
        }
    }
}

/// Starts chromedriver and waits until it listens.
pub fn start(path: &PathBuf) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "FEDKIT_CHROMEDRIVER={} is set but unusable: {e}",
                path.display()
            )
        });
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("started successfully") => break,
            Some(Ok(_)) if Instant::now() < deadline => continue,
            other => panic!("chromedriver did not start: {other:?}"),
        }
    }
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        profile: tempfile::tempdir().expect("profile dir"),
    }
}

/// The capabilities of a headless session with a fresh profile.
pub fn capabilities(driver: &Driver) -> serde_json::Map<String, serde_json::Value> {
    let binary = std::env::var("FEDKIT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let options = serde_json::json!({
        "binary": binary,
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--window-size=1280,900",
            format!("--user-data-dir={}", driver.profile.path().display()),
        ],
    });
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "chrome".into());
    caps.insert("goog:chromeOptions".into(), options);
    caps
}

/// Where screenshots go.
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("FEDKIT_TEST_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
                .join("test-artifacts")
        });
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}
