//! `cargo xtask bench`: builds the release binary and runs `dinhdanh bench` on SQLite and, when
//! `TEST_DATABASE_URL` is set, on PostgreSQL; the table goes to stdout and the figures to
//! `target/bench/results.json`.

use crate::test::{cargo, step};
use anyhow::Result;
use std::path::Path;
use std::process::Command;

pub fn run(root: &Path, extra: &[String]) -> Result<()> {
    let mut build = cargo();
    build.args(["build", "--release", "--locked", "-p", "dinhdanh-cli", "--bin", "dinhdanh"]);
    step(root, "build the release binary", build)?;
    let mut bench = Command::new(crate::target_dir(root).join("release/dinhdanh"));
    bench.args(["bench", "--work-dir", "target/bench", "--json", "target/bench/results.json"]);
    if let Ok(url) = std::env::var("TEST_DATABASE_URL")
        && !url.trim().is_empty()
    {
        bench.args(["--postgres", &url]);
    }
    bench.args(extra);
    step(root, "dinhdanh bench", bench)
}
