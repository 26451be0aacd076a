//! `cargo xtask test`: everything CI checks, in the order that fails fastest.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs a command in the workspace, echoing it, and fails with its name if it fails.
pub fn step(root: &Path, title: &str, mut cmd: Command) -> Result<()> {
    let started = Instant::now();
    println!("\n==> {title}");
    let status = cmd.current_dir(root).status().with_context(|| format!("cannot start: {title}"))?;
    if !status.success() {
        bail!("failed: {title} ({status})");
    }
    println!("<== {title}: ok in {:.0?}", started.elapsed());
    Ok(())
}

fn has_nextest() -> bool {
    cargo().args(["nextest", "--version"]).output().map(|o| o.status.success()).unwrap_or(false)
}

pub fn run(root: &Path, quick: bool) -> Result<()> {
    let started = Instant::now();
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    step(root, "cargo fmt --check", fmt)?;

    crate::tidy::run(root)?;

    let mut clippy = cargo();
    clippy.args(["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"]);
    step(root, "cargo clippy -D warnings", clippy)?;

    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            println!("PostgreSQL conformance suite: on (TEST_DATABASE_URL is set)")
        }
        _ => println!(
            "PostgreSQL conformance suite: off (set TEST_DATABASE_URL to run every store test on PostgreSQL too)"
        ),
    }
    if has_nextest() {
        let mut t = cargo();
        t.args(["nextest", "run", "--workspace", "--locked", "--no-fail-fast", "--failure-output", "final"]);
        step(root, "tests (nextest)", t)?;
        let mut doc = cargo();
        doc.args(["test", "--workspace", "--locked", "--doc"]);
        step(root, "doc tests", doc)?;
    } else {
        let mut t = cargo();
        t.args(["test", "--workspace", "--locked", "--no-fail-fast"]);
        step(root, "tests (cargo test)", t)?;
    }

    if quick {
        println!("\n--quick: outside checks skipped");
    } else {
        crate::outside::run(root)?;
    }
    println!("\nall checks passed in {:.0?}", started.elapsed());
    Ok(())
}
