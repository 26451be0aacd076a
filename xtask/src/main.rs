//! Developer tasks, run as `cargo xtask <task> …` (alias in `.cargo/config.toml`).

mod admin_data;
mod bench;
mod outside;
mod test;
mod tidy;

use anyhow::{Result, bail};
use std::path::PathBuf;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  test [--quick]                 format, lints, the whole test suite (PostgreSQL too when
                                 TEST_DATABASE_URL is set), layering invariants and the outside
                                 checks (schemathesis, Chromium); --quick skips the outside checks
  bench [ARGS…]                  whole-system benchmark (release build; PostgreSQL too when
                                 TEST_DATABASE_URL is set); ARGS go to `dinhdanh bench`
  tidy                           layering invariants only
  outside [webhooks]             the outside checks only (webhooks: only event delivery checked
                                 by the standardwebhooks package)
  admin-data <SHARED_DATA_DIR>   regenerate crates/domain/data/ from the administrative-unit JSON files";

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Where cargo puts build output: `CARGO_TARGET_DIR` when set, else `target/` in the workspace.
pub fn target_dir(root: &std::path::Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() { d } else { root.join(d) }
        }
        _ => root.join("target"),
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("test") => test::run(&root, args[1..].iter().any(|a| a == "--quick")),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("tidy") => tidy::run(&root),
        Some("outside") if args.get(1).is_some_and(|a| a == "webhooks") => outside::run_webhooks(&root),
        Some("outside") => outside::run(&root),
        Some("admin-data") => admin_data::run(&args[1..]),
        Some(other) => bail!("unknown task {other:?}\n\n{USAGE}"),
        None => bail!("no task given\n\n{USAGE}"),
    }
}
