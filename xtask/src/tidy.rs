//! The workspace's layering, checked from `cargo metadata` and the manifests. These are the
//! invariants docs/ARCHITECTURE.md states; `cargo xtask test` and this crate's tests enforce them.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// (crate, workspace crates it may depend on at run time, outside crates it must not use).
const LAYERS: &[(&str, &[&str], &[&str])] = &[
    ("dinhdanh-domain", &[], IO_CRATES),
    ("dinhdanh-crypto", &[], &["sqlx", "axum", "hyper", "askama", "utoipa"]),
    ("dinhdanh-icao", &[], IO_CRATES),
    ("dinhdanh-synth", &["dinhdanh-domain"], IO_CRATES),
    (
        "dinhdanh-app",
        &["dinhdanh-domain", "dinhdanh-crypto", "dinhdanh-icao"],
        &["sqlx", "axum", "hyper", "askama", "utoipa"],
    ),
    ("dinhdanh-store", &["dinhdanh-domain", "dinhdanh-app"], &["axum", "hyper", "askama", "utoipa"]),
    ("dinhdanh-api", &["dinhdanh-domain"], &["sqlx", "tokio", "axum", "hyper", "askama"]),
    (
        "dinhdanh-web",
        &["dinhdanh-domain", "dinhdanh-crypto", "dinhdanh-icao", "dinhdanh-app", "dinhdanh-api"],
        &["sqlx"],
    ),
];

/// Crates that do I/O or know a protocol; the pure core must not see them.
const IO_CRATES: &[&str] = &["sqlx", "tokio", "axum", "hyper", "askama", "utoipa", "tower", "reqwest"];

/// Problems found, one line each; empty when the workspace is in order.
pub fn violations(metadata: &Value, root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let empty = Vec::new();
    let packages = metadata["packages"].as_array().unwrap_or(&empty);
    let workspace: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    for p in packages {
        let name = p["name"].as_str().unwrap_or("?");
        let deps = p["dependencies"].as_array().unwrap_or(&empty);
        let normal: Vec<&str> =
            deps.iter().filter(|d| d["kind"].is_null()).filter_map(|d| d["name"].as_str()).collect();
        // Test support never reaches production code.
        if normal.contains(&"dinhdanh-testkit") {
            out.push(format!("{name} depends on dinhdanh-testkit outside [dev-dependencies]"));
        }
        if let Some((_, allowed, banned)) = LAYERS.iter().find(|(n, _, _)| *n == name) {
            for d in &normal {
                if workspace.contains(d) && !allowed.contains(d) {
                    out.push(format!("{name} must not depend on {d} (allowed: {})", allowed.join(", ")));
                }
                if banned.contains(d) {
                    out.push(format!("{name} must not depend on {d}"));
                }
            }
        }
        // Only the composition root wires storage and HTTP together.
        if name != "dinhdanh-cli" && normal.contains(&"dinhdanh-store") && normal.contains(&"dinhdanh-web") {
            out.push(format!("{name} depends on both store and web; only dinhdanh-cli may"));
        }
        // Every crate inherits the workspace lints (unsafe_code = "forbid" among them).
        if let Some(manifest) = p["manifest_path"].as_str() {
            let text = std::fs::read_to_string(manifest).unwrap_or_default();
            if !text.contains("[lints]\nworkspace = true") {
                let shown = Path::new(manifest).strip_prefix(root).unwrap_or(Path::new(manifest));
                out.push(format!("{} does not inherit the workspace lints", shown.display()));
            }
        }
    }
    out
}

pub fn metadata(root: &Path) -> Result<Value> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(root)
        .output()
        .context("cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

pub fn run(root: &Path) -> Result<()> {
    let v = violations(&metadata(root)?, root);
    if !v.is_empty() {
        bail!("workspace invariants broken:\n  {}", v.join("\n  "));
    }
    println!("workspace invariants hold");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_workspace_keeps_its_layers() {
        let root = crate::workspace_root();
        let v = violations(&metadata(&root).expect("metadata"), &root);
        assert!(v.is_empty(), "{v:#?}");
    }

    #[test]
    fn a_forbidden_edge_is_reported() {
        let m = json!({"packages": [
            {"name": "dinhdanh-domain", "dependencies": [{"name": "sqlx", "kind": null}]},
            {"name": "dinhdanh-app", "dependencies": [{"name": "dinhdanh-store", "kind": null},
                                                       {"name": "dinhdanh-testkit", "kind": null}]},
            {"name": "dinhdanh-store", "dependencies": []},
            {"name": "dinhdanh-testkit", "dependencies": []},
        ]});
        let v = violations(&m, Path::new("/"));
        assert_eq!(v.len(), 4, "{v:#?}");
        assert!(v[0].contains("dinhdanh-domain must not depend on sqlx"));
        assert!(v.iter().any(|s| s.contains("dinhdanh-app must not depend on dinhdanh-store")));
        assert!(v.iter().any(|s| s.contains("dinhdanh-testkit outside")));
    }
}
