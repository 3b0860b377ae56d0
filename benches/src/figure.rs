//! The shared peer harness's timing loop and output format (`../shared/peers/README.md`), so
//! our figures and the peers' come out of one method and merge into one table:
//!
//! `PEERS_TRIALS` (default 3) trials of `PEERS_TRIAL_SECS` (default 2) seconds after a warm-up of
//! a quarter trial (at most 0.3 s); each trial calls the closure until its time is up and counts
//! the units it reports; the line carries the median, min, max and spread = (max − min) / median:
//!
//! `FIG <figure> <who> median=<v> <unit> min=<v> max=<v> spread=<pct>% trials=<n>x<secs>s`
//!
//! Written here rather than included from the harness with `#[path]`, so that the benches
//! compile on a clone without `../shared` beside it.
//!
//! For profiling (`valgrind --tool=callgrind`, whose instruction counts repeat where timings do
//! not): `FEDKIT_FIG_ONLY=<figure>[,<figure>…]` skips every other figure, and `FEDKIT_FIG_UNITS=<n>` runs the
//! work until `n` units are done, without timing or warm-up, and prints `COUNT` instead of `FIG`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Trials per figure (`PEERS_TRIALS`, default 3, at least 1).
pub fn trials() -> usize {
    (env_f64("PEERS_TRIALS", 3.0) as usize).max(1)
}

/// Seconds per trial (`PEERS_TRIAL_SECS`, default 2).
pub fn trial_secs() -> f64 {
    env_f64("PEERS_TRIAL_SECS", 2.0)
}

/// Calls `work` until `secs` have passed; `work` returns the units it did. Returns units/s.
fn run_for(work: &mut impl FnMut() -> u64, secs: f64) -> f64 {
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut units = 0u64;
    loop {
        units += work();
        let t = Instant::now();
        if t >= deadline {
            return units as f64 / (t - start).as_secs_f64();
        }
    }
}

/// Times `work` (one batch per call, returning its units) and prints its `FIG` line; `scale`
/// turns units/s into `unit` (bytes/s to MB/s: 1e-6). Returns the median.
pub fn measure(
    figure: &str,
    who: &str,
    unit: &str,
    scale: f64,
    mut work: impl FnMut() -> u64,
) -> f64 {
    if !selected(figure) {
        return 0.0;
    }
    if let Some(target) = std::env::var("FEDKIT_FIG_UNITS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        let mut units = 0;
        while units < target {
            units += work();
        }
        println!("COUNT {figure} {who} units={units}");
        return 0.0;
    }
    let secs = trial_secs();
    run_for(&mut work, (secs / 4.0).min(0.3));
    let rates: Vec<f64> = (0..trials())
        .map(|_| run_for(&mut work, secs) * scale)
        .collect();
    emit(figure, who, &rates, unit, &format!("{}s", trial_secs()))
}

/// Whether `figure` is to be measured (`FEDKIT_FIG_ONLY` unset, or a comma-separated list
/// naming it).
pub fn selected(figure: &str) -> bool {
    std::env::var("FEDKIT_FIG_ONLY").map_or(true, |only| only.split(',').any(|f| f == figure))
}

/// Prints the `FIG` line for already measured `values` (`trials` says how each was taken, e.g.
/// `2s` or `1run`) and returns their median.
pub fn emit(figure: &str, who: &str, values: &[f64], unit: &str, trials: &str) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let (Some(&lo), Some(&hi)) = (v.first(), v.last()) else {
        return 0.0;
    };
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    let spread = if median > 0.0 {
        (hi - lo) / median * 100.0
    } else {
        0.0
    };
    println!(
        "FIG {figure} {who} median={} {unit} min={} max={} spread={spread:.1}% trials={n}x{trials}",
        format_value(median),
        format_value(lo),
        format_value(hi),
    );
    median
}

/// Prints a `NOTE` line (versions, accepted filters, match counts).
pub fn note(figure: &str, who: &str, text: &str) {
    println!("NOTE {figure} {who} {text}");
}

/// Three significant figures or more, as the harness prints them.
pub fn format_value(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// The shared folder: `$FEDKIT_SHARED`, else `../shared` beside the checkout.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("FEDKIT_SHARED") {
        Some(dir) => dir.into(),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// The peers' fixtures: `$PEERS_FIXTURES` (as the harness sets it), else `peers/fixtures` in the
/// shared folder.
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("PEERS_FIXTURES") {
        Some(dir) => dir.into(),
        None => shared_dir().join("peers/fixtures"),
    }
}

/// Reads one fixture; exits with a message naming the path when it is missing.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join(name);
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!(
                "reading {}: {e} (set FEDKIT_SHARED or PEERS_FIXTURES, or put shared/ beside the checkout)",
                path.display()
            );
            std::process::exit(2);
        }
    }
}
