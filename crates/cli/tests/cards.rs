//! The card commands as an operator or a relying party runs them: `card samples`, `card verify`
//! (a valid card, then each way a card must fail, with the failure named), `qr verify`, and
//! `card export` of a card that `serve --demo` produced through the real application steps.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn dinhdanh(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dinhdanh"))
        .args(args)
        .env_remove("DINHDANH_DATABASE_URL")
        .env_remove("DINHDANH_DATA_DIR")
        .output()
        .expect("run dinhdanh")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The card folders a samples directory holds.
fn card_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn verify(card: &Path, csca: &Path, crl: &Path) -> Output {
    dinhdanh(&["card", "verify", s(card), "--csca", s(csca), "--crl", s(crl)])
}

#[test]
fn card_verify_accepts_a_good_card_and_names_each_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let ours = tmp.path().join("ours");
    let theirs = tmp.path().join("theirs");
    let o = dinhdanh(&["card", "samples", s(&ours), "--count", "2", "--seed", "11"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = dinhdanh(&["card", "samples", s(&theirs), "--count", "1", "--seed", "12"]);
    assert!(o.status.success(), "{}", text(&o));
    let (csca, crl) = (ours.join("CSCA.der"), ours.join("CRL.der"));
    let cards = card_dirs(&ours);
    assert_eq!(cards.len(), 2);
    for card in &cards {
        for f in ["EF.COM.bin", "DG1.bin", "DG2.bin", "DG13.bin", "DG15.bin", "EF.SOD.bin", "qr.txt", "qr.png"] {
            assert!(card.join(f).exists(), "{} lacks {f}", card.display());
        }
        let o = verify(card, &csca, &crl);
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).trim_end().ends_with("VALID") && !text(&o).contains("FAIL"), "{}", text(&o));
    }

    // One byte of DG13 changed: exit code 1, and the report names DG13's hash.
    let changed = tmp.path().join("changed");
    copy_dir(&cards[0], &changed);
    let mut dg13 = std::fs::read(changed.join("DG13.bin")).unwrap();
    let i = dg13.len() / 2;
    dg13[i] ^= 0x20;
    std::fs::write(changed.join("DG13.bin"), dg13).unwrap();
    let o = verify(&changed, &csca, &crl);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("FAIL  DG13 matches its hash in EF.SOD"), "{}", text(&o));
    assert!(text(&o).contains("dg13_hash"), "{}", text(&o));
    assert!(text(&o).contains("PASS  DG1 matches its hash in EF.SOD"), "{}", text(&o));

    // Another CSCA (same name, another key): the chain fails and says so.
    let o = verify(&cards[0], &theirs.join("CSCA.der"), &theirs.join("CRL.der"));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("FAIL  a trusted CSCA issued the document signer certificate"), "{}", text(&o));
    assert!(text(&o).contains("failed: csca_found"), "{}", text(&o));

    // A truncated EF.SOD: the structure fails, nothing else is claimed.
    let truncated = tmp.path().join("truncated");
    copy_dir(&cards[0], &truncated);
    let sod = std::fs::read(truncated.join("EF.SOD.bin")).unwrap();
    std::fs::write(truncated.join("EF.SOD.bin"), &sod[..sod.len() - 40]).unwrap();
    let o = verify(&truncated, &csca, &crl);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("FAIL  EF.SOD is CMS SignedData"), "{}", text(&o));

    // Without a CRL the revocation check cannot pass.
    let o = dinhdanh(&["card", "verify", s(&cards[0]), "--csca", s(&csca)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("FAIL  the document signer certificate is not revoked"), "{}", text(&o));

    // Missing files are a clear error, not a report.
    let o = dinhdanh(&["card", "verify", s(&tmp.path().join("nothing")), "--csca", s(&csca)]);
    assert!(!o.status.success());
    assert!(text(&o).contains("cannot read"), "{}", text(&o));
}

#[test]
fn qr_verify_checks_the_signature_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cards");
    assert!(dinhdanh(&["card", "samples", s(&dir), "--count", "1"]).status.success());
    let card = &card_dirs(&dir)[0];
    let signed = std::fs::read_to_string(card.join("qr-signed.txt")).unwrap();
    let keys = dir.join("qr-keys.json");
    let o = dinhdanh(&["qr", "verify", &signed, "--key", s(&keys)]);
    assert!(o.status.success(), "{}", text(&o));
    let pin = card.file_name().unwrap().to_str().unwrap();
    assert!(text(&o).starts_with("VALID") && text(&o).contains(&format!("pin: {pin}")), "{}", text(&o));

    // The payload of another card under this card's signature.
    let other = tempfile::tempdir().unwrap();
    assert!(dinhdanh(&["card", "samples", s(other.path()), "--count", "2", "--seed", "99"]).status.success());
    let foreign = std::fs::read_to_string(card_dirs(other.path())[1].join("qr-signed.txt")).unwrap();
    let parts: Vec<&str> = signed.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], foreign.split('.').nth(1).unwrap(), parts[2]);
    let o = dinhdanh(&["qr", "verify", &forged, "--key", s(&keys)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("signature does not verify"), "{}", text(&o));
    // Signed by someone else's key; not a JWS at all.
    let o = dinhdanh(&["qr", "verify", &foreign, "--key", s(&keys)]);
    assert!(text(&o).contains("NOT VALID") && text(&o).contains("key id"), "{}", text(&o));
    let legacy = std::fs::read_to_string(card.join("qr.txt")).unwrap();
    let o = dinhdanh(&["qr", "verify", &legacy, "--key", s(&keys)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn a_demo_card_exports_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_dinhdanh"))
        .args(["serve", "--demo", "12", "--listen", &addr.to_string(), "--data-dir", s(&data)])
        .env_remove("DINHDANH_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The demo (register, cards, officers) is seeded before the server listens.
    let deadline = Instant::now() + Duration::from_secs(120);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "the demo server did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let persons = tmp.path().join("persons.jsonl");
    let o = dinhdanh(&["export", s(&persons), "--data-dir", s(&data)]);
    assert!(o.status.success(), "{}", text(&o));
    let mut exported = 0;
    for line in std::fs::read_to_string(&persons).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let pin = v["pin"].as_str().unwrap();
        let out = tmp.path().join(pin);
        let o = dinhdanh(&["card", "export", pin, s(&out), "--data-dir", s(&data)]);
        if !o.status.success() {
            assert!(text(&o).contains("no card for"), "{}", text(&o));
            continue;
        }
        for f in ["EF.COM.bin", "DG1.bin", "DG2.bin", "DG13.bin", "EF.SOD.bin", "CSCA.der", "CRL.der"] {
            assert!(out.join(f).exists(), "{f} missing");
        }
        let o = dinhdanh(&["card", "verify", s(&out), "--csca", s(&out.join("CSCA.der"))]);
        assert!(o.status.success(), "{pin}: {}", text(&o));
        exported += 1;
    }
    assert!(exported >= 5, "only {exported} demo cards");
    let o = dinhdanh(&["card", "export", "079090001234", s(&tmp.path().join("x")), "--data-dir", s(&data)]);
    assert!(!o.status.success(), "{}", text(&o));
}
