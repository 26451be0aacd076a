//! Developer tasks, run as `cargo xtask <task> …` (alias in `.cargo/config.toml`).

mod admin_data;

use anyhow::{Result, bail};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  admin-data <SHARED_DATA_DIR>   regenerate crates/domain/data/ from the administrative-unit JSON files";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("admin-data") => admin_data::run(&args[1..]),
        Some(other) => bail!("unknown task {other:?}\n\n{USAGE}"),
        None => bail!("no task given\n\n{USAGE}"),
    }
}
