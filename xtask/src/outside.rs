//! The outside checks of DESIGN.md §5 that apply so far: schemathesis against our OpenAPI
//! document, the officer pages and the citizen app in headless Chromium driven by
//! playwright-core, identity cards read by independent Python tools
//! (`xtask/python/check_cards.py`), and event deliveries verified by the `standardwebhooks`
//! package (`xtask/webhooks/receiver.py`). Tools are installed into `target/xtask/` (a virtualenv, an
//! npm folder); Chromium comes from Debian.

use crate::test::{cargo, step};
use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SCHEMATHESIS: &str = "schemathesis==4.32.5";
const PLAYWRIGHT: &str = "playwright-core@1.65.1";
const STANDARDWEBHOOKS: &str = "standardwebhooks==1.3.0";

/// A server started for the checks; killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One HTTP/1.1 request over a fresh connection: (status, body).
pub fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> Result<(u16, String)> {
    http_as(addr, method, path, None, body)
}

/// Like [`http`], with a bearer token.
pub fn http_as(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)?;
    let status = resp.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = resp.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}

/// Builds and starts `dinhdanh serve --demo N` in a fresh data directory and waits for /healthz.
pub fn start_server(root: &Path, demo: usize) -> Result<Server> {
    let mut build = cargo();
    build.args(["build", "--locked", "-p", "dinhdanh-cli", "--bin", "dinhdanh"]);
    step(root, "build the dinhdanh binary", build)?;
    let exe = crate::target_dir(root).join("debug/dinhdanh");
    let data_dir = root.join("target/xtask/outside-data");
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir)?;
    let port = free_port()?;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let log = std::fs::File::create(data_dir.with_extension("log"))?;
    let child = Command::new(exe)
        .args(["serve", "--listen", &addr.to_string(), "--demo", &demo.to_string()])
        // Passkeys need a host name; the citizen app is tested at http://localhost:PORT.
        .args(["--public-url", &format!("http://localhost:{port}")])
        .arg("--data-dir")
        .arg(&data_dir)
        .env_remove("DINHDANH_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("cannot start dinhdanh serve")?;
    let server = Server { child, addr, data_dir };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok((200, _)) = http(addr, "GET", "/healthz", None) {
            return Ok(server);
        }
        if Instant::now() > deadline {
            bail!("the server did not answer /healthz within 120 s (log: target/xtask/outside-data.log)");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// (username, password) of a demo account with the given role.
pub fn demo_credentials(server: &Server, role: &str) -> Result<(String, String)> {
    let text = std::fs::read_to_string(server.data_dir.join("demo-credentials.txt"))?;
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f.len() >= 3 && f[2] == role && f.get(3) == Some(&"national"))
        .map(|f| (f[0].to_owned(), f[1].to_owned()))
        .with_context(|| format!("no national {role} in demo-credentials.txt"))
}

pub fn api_token(server: &Server, user: &str, password: &str) -> Result<String> {
    let body = serde_json::json!({"username": user, "password": password}).to_string();
    let (status, resp) = http(server.addr, "POST", "/api/v1/auth/login", Some(&body))?;
    if status != 200 {
        bail!("login as {user} failed: {status} {resp}");
    }
    let v: serde_json::Value = serde_json::from_str(&resp)?;
    v["token"].as_str().map(str::to_owned).context("login answer without token")
}

/// The newest six-digit code in the demo server's SMS outbox page.
fn last_sms_code(server: &Server) -> Result<String> {
    let (status, page) = http(server.addr, "GET", "/citizen/dev/sms", None)?;
    if status != 200 {
        bail!("the demo SMS outbox answered {status}");
    }
    // Newest first; a code is the first run of exactly six digits in a message cell.
    page.split("class=\"sms\"")
        .skip(1)
        .find_map(|cell| {
            let text = cell.split("</td>").next().unwrap_or("");
            text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_owned)
        })
        .context("no code in the demo SMS outbox")
}

/// A fully signed-in e-ID holder's token on the demo server: an officer grants level 2 to an
/// adult of the demo register, the holder activates with the SMS code, signs in with the password
/// and completes the second factor with another SMS code.
pub fn citizen_token(server: &Server, officer: &str) -> Result<String> {
    let json = |s: &str| -> Result<serde_json::Value> { Ok(serde_json::from_str(s)?) };
    let (_, found) = http_as(server.addr, "GET", "/api/v1/persons?q=Nguy%E1%BB%85n&year=1980", Some(officer), None)?;
    let pin = json(&found)?["items"][0]["pin"].as_str().context("an adult named Nguyễn born in 1980")?.to_owned();
    let grant = serde_json::json!({"pin": pin, "phone": "0911222333", "card_checked": true, "person_checked": true});
    let (status, resp) =
        http_as(server.addr, "POST", "/api/v1/eid/accounts/level2", Some(officer), Some(&grant.to_string()))?;
    if status != 200 {
        bail!("level-2 grant: {status} {resp}");
    }
    let password = "sông Hồng chảy qua cầu Long Biên";
    let activate =
        serde_json::json!({"pin": pin, "code": last_sms_code(server)?, "password": password, "passcode": "270418"});
    let (status, resp) = http(server.addr, "POST", "/api/v1/eid/activation", Some(&activate.to_string()))?;
    if status != 204 {
        bail!("activation: {status} {resp}");
    }
    let login = serde_json::json!({"pin": pin, "password": password});
    let (status, resp) = http(server.addr, "POST", "/api/v1/eid/login", Some(&login.to_string()))?;
    if status != 200 {
        bail!("sign-in: {status} {resp}");
    }
    let partial = json(&resp)?["token"].as_str().context("a second-factor token")?.to_owned();
    let (status, resp) = http_as(server.addr, "POST", "/api/v1/eid/login/sms-code", Some(&partial), None)?;
    if status != 202 {
        bail!("sign-in code: {status} {resp}");
    }
    let second = serde_json::json!({"method": "sms", "code": last_sms_code(server)?});
    let (status, resp) =
        http_as(server.addr, "POST", "/api/v1/eid/login/second-factor", Some(&partial), Some(&second.to_string()))?;
    if status != 200 {
        bail!("second factor: {status} {resp}");
    }
    json(&resp)?["token"].as_str().map(str::to_owned).context("a full session token")
}

fn tools_dir(root: &Path) -> PathBuf {
    root.join("target/xtask")
}

fn ensure_schemathesis(root: &Path) -> Result<PathBuf> {
    let venv = tools_dir(root).join("venv");
    let st = venv.join("bin/st");
    if !st.exists() {
        step(root, "python venv", {
            let mut c = Command::new("python3");
            c.args(["-m", "venv"]).arg(&venv);
            c
        })?;
        step(root, &format!("pip install {SCHEMATHESIS}"), {
            let mut c = Command::new(venv.join("bin/pip"));
            c.args(["install", "--quiet", "--disable-pip-version-check", SCHEMATHESIS]);
            c
        })?;
    }
    Ok(st)
}

fn ensure_chromium(root: &Path) -> Result<()> {
    if Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    // Debian's package: test tools must not download their own browsers (no network at run time).
    step(root, "apt-get install chromium", {
        let mut c = Command::new("apt-get");
        c.args(["install", "-y", "-qq", "--no-install-recommends", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        c
    })
    .or_else(|_| {
        step(root, "apt-get update", {
            let mut c = Command::new("apt-get");
            c.args(["update", "-qq"]);
            c
        })?;
        step(root, "apt-get install chromium", {
            let mut c = Command::new("apt-get");
            c.args(["install", "-y", "-qq", "--no-install-recommends", "chromium"])
                .env("DEBIAN_FRONTEND", "noninteractive");
            c
        })
    })
}

fn ensure_playwright(root: &Path) -> Result<PathBuf> {
    let dir = tools_dir(root).join("node");
    if !dir.join("node_modules/playwright-core").exists() {
        std::fs::create_dir_all(&dir)?;
        step(root, &format!("npm install {PLAYWRIGHT}"), {
            let mut c = Command::new("npm");
            c.args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"]).arg(&dir).arg(PLAYWRIGHT);
            c
        })?;
    }
    Ok(dir)
}

/// Only the event-delivery check (`cargo xtask outside webhooks`).
pub fn run_webhooks(root: &Path) -> Result<()> {
    let server = start_server(root, 0)?;
    let (user, password) = demo_credentials(&server, "supervisor")?;
    let token = api_token(&server, &user, &password)?;
    webhooks(root, &server, &token)
}

pub fn run(root: &Path) -> Result<()> {
    let st = ensure_schemathesis(root)?;
    ensure_chromium(root)?;
    let node_dir = ensure_playwright(root)?;
    let server = start_server(root, 300)?;
    let (user, password) = demo_credentials(&server, "supervisor")?;
    let token = api_token(&server, &user, &password)?;
    let base = format!("http://{}", server.addr);

    // The holder's routes first, while the per-IP sign-in budget of 127.0.0.1 is untouched: a
    // signed-in e-ID holder's token opens `/api/v1/eid/me…`. Self-locking and deleting one session
    // by id are left out: either can end the run's own session, and every later call would be 401.
    let citizen = citizen_token(&server, &token)?;
    step(root, "schemathesis: the e-ID holder's routes with a holder's session", {
        let mut c = Command::new(&st);
        c.args(["run", &format!("{base}/api/v1/openapi.json")])
            .args(["--checks", "not_a_server_error,response_schema_conformance,status_code_conformance"])
            .args(["--max-examples", "25", "--seed", "2025"])
            .args(["--include-path-regex", "^/api/v1/eid/me"])
            .args(["--exclude-path-regex", "me/lock$|me/sessions/"])
            .args(["--header", &format!("Authorization: Bearer {citizen}")])
            .env("SCHEMATHESIS_HOOKS", "")
            .env("NO_COLOR", "1");
        c
    })?;

    step(root, "schemathesis: no server errors, responses match the OpenAPI document", {
        let mut c = Command::new(&st);
        c.args(["run", &format!("{base}/api/v1/openapi.json")])
            .args(["--checks", "not_a_server_error,response_schema_conformance,status_code_conformance"])
            .args(["--max-examples", "25", "--seed", "2025"])
            // Logging out would end the session the run authenticates with.
            .args(["--exclude-path-regex", "auth/logout$"])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .env("SCHEMATHESIS_HOOKS", "")
            .env("NO_COLOR", "1");
        c
    })?;

    cards(root, &server)?;
    webhooks(root, &server, &token)?;

    let artifacts = root.join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts)?;
    // ES modules resolve packages from the script's own folder, so the script runs from there.
    let script = node_dir.join("pages.mjs");
    std::fs::copy(root.join("xtask/browser/pages.mjs"), &script)?;
    step(root, "pages in headless Chromium (playwright-core)", {
        let mut c = Command::new("node");
        c.arg(&script)
            .env("BASE_URL", &base)
            .env("OFFICER_USER", &user)
            .env("OFFICER_PASSWORD", &password)
            .env("ARTIFACTS", &artifacts);
        c
    })?;
    // The citizen app gets a server of its own: schemathesis has just spent the per-IP sign-in
    // budget of 127.0.0.1 on the first one, and a throttled sign-in never reaches its next page.
    drop(server);
    let server = start_server(root, 300)?;
    let (user, password) = demo_credentials(&server, "supervisor")?;
    let script = node_dir.join("eid.mjs");
    std::fs::copy(root.join("xtask/browser/eid.mjs"), &script)?;
    step(root, "citizen app in headless Chromium (playwright-core, virtual WebAuthn authenticator)", {
        let mut c = Command::new("node");
        // An RP ID cannot be an IP address: the citizen app is tested at http://localhost:PORT.
        c.arg(&script)
            .env("BASE_URL", format!("http://localhost:{}", server.addr.port()))
            .env("OFFICER_USER", &user)
            .env("OFFICER_PASSWORD", &password)
            .env("ARTIFACTS", &artifacts);
        c
    })?;
    println!("screenshots in {}", artifacts.display());
    Ok(())
}

/// Python packages of the independent card checks (xtask/python/check_cards.py).
const CARD_CHECKERS: &[&str] =
    &["asn1crypto==1.5.1", "cryptography==51.0.1", "mrz==0.6.2", "zxing-cpp==3.1.1", "pillow==13.0.0"];

fn ensure_card_checkers(root: &Path) -> Result<PathBuf> {
    let venv = tools_dir(root).join("venv-cards");
    let python = venv.join("bin/python");
    let marker = venv.join(format!(".installed-{}", CARD_CHECKERS.join("-")));
    if !marker.exists() {
        step(root, "python venv for the card checks", {
            let mut c = Command::new("python3");
            c.args(["-m", "venv"]).arg(&venv);
            c
        })?;
        step(root, &format!("pip install {}", CARD_CHECKERS.join(" ")), {
            let mut c = Command::new(venv.join("bin/pip"));
            c.args(["install", "--quiet", "--disable-pip-version-check"]).args(CARD_CHECKERS);
            c
        })?;
        std::fs::write(&marker, "")?;
    }
    Ok(python)
}

/// Cards checked by tools that share no code with ours: sample cards (`card samples`, with their
/// QR images) and cards the demo server produced through the real application steps
/// (`card export`), read by `xtask/python/check_cards.py` (mrz's TD1 checker; EF.SOD, the chain,
/// the CRL and the hashes on asn1crypto and cryptography; zxing-cpp for the QR).
pub fn cards(root: &Path, server: &Server) -> Result<()> {
    let python = ensure_card_checkers(root)?;
    let exe = crate::target_dir(root).join("debug/dinhdanh");
    let work = tools_dir(root).join("cards");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let samples = work.join("samples");
    step(root, "card samples", {
        let mut c = Command::new(&exe);
        c.args(["card", "samples"]).arg(&samples).args(["--count", "30"]);
        c
    })?;
    // Demo cards: every person of the demo register, exported when they hold a card.
    let persons = work.join("persons.jsonl");
    step(root, "export the demo register", {
        let mut c = Command::new(&exe);
        c.arg("export").arg(&persons).arg("--data-dir").arg(&server.data_dir).env_remove("DINHDANH_DATABASE_URL");
        c
    })?;
    let demo = work.join("demo");
    let mut exported = 0;
    for line in std::fs::read_to_string(&persons)?.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let Some(pin) = v["pin"].as_str() else { continue };
        let out = Command::new(&exe)
            .args(["card", "export", pin])
            .arg(demo.join(pin))
            .arg("--data-dir")
            .arg(&server.data_dir)
            .env_remove("DINHDANH_DATABASE_URL")
            .output()?;
        if out.status.success() {
            exported += 1;
            if exported == 1 {
                std::fs::copy(demo.join(pin).join("CSCA.der"), demo.join("CSCA.der"))?;
                std::fs::copy(demo.join(pin).join("CRL.der"), demo.join("CRL.der"))?;
            }
        }
        if exported == 20 {
            break;
        }
    }
    if exported == 0 {
        bail!("the demo register has no card to export");
    }
    for (what, dir) in [("sample cards and their QR images", &samples), ("demo cards", &demo)] {
        step(root, &format!("{what}: mrz, asn1crypto + cryptography, zxing-cpp"), {
            let mut c = Command::new(&python);
            c.arg(root.join("xtask/python/check_cards.py")).arg(dir);
            c
        })?;
    }
    Ok(())
}

/// A receiver kept by the check; killed when dropped.
struct Receiver(Child);

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Event delivery checked by an independent implementation of the Standard Webhooks scheme: an
/// administrator subscribes a receiver written on the `standardwebhooks` PyPI package, a
/// supervisor registers a birth, and the receiver must get it with a valid signature (and refuse
/// the same delivery with one byte added).
fn webhooks(root: &Path, server: &Server, supervisor_token: &str) -> Result<()> {
    let venv = tools_dir(root).join("venv");
    if !venv.join("bin/python").exists() {
        step(root, "python venv", {
            let mut c = Command::new("python3");
            c.args(["-m", "venv"]).arg(&venv);
            c
        })?;
    }
    let python = venv.join("bin/python");
    let installed =
        Command::new(&python).args(["-c", "import standardwebhooks"]).stderr(Stdio::null()).status()?.success();
    if !installed {
        step(root, &format!("pip install {STANDARDWEBHOOKS}"), {
            let mut c = Command::new(venv.join("bin/pip"));
            c.args(["install", "--quiet", "--disable-pip-version-check", STANDARDWEBHOOKS]);
            c
        })?;
    }
    println!("\n==> event delivery verified by standardwebhooks (PyPI)");
    let (admin, password) = demo_credentials(server, "administrator")?;
    let admin = api_token(server, &admin, &password)?;
    let port = free_port()?;
    let sub = serde_json::json!({
        "name": "Cơ quan thuế (kiểm thử)",
        "url": format!("http://127.0.0.1:{port}/hook"),
        "kinds": ["person.birth"],
        "fields": ["pin", "full_name", "date_of_birth"],
        "legal_basis": "Luật Quản lý thuế 2019",
    })
    .to_string();
    let (status, resp) = http_as(server.addr, "POST", "/api/v1/admin/subscriptions", Some(&admin), Some(&sub))?;
    if status != 201 {
        bail!("subscription refused: {status} {resp}");
    }
    let v: serde_json::Value = serde_json::from_str(&resp)?;
    let secret = v["secret"].as_str().context("secret")?.to_owned();
    let id = v["subscription"]["id"].as_str().context("id")?.to_owned();
    let results = root.join("target/xtask/webhook-results.jsonl");
    let _ = std::fs::remove_file(&results);
    let _receiver = Receiver(
        Command::new(&python)
            .arg(root.join("xtask/webhooks/receiver.py"))
            .env("WEBHOOK_SECRET", &secret)
            .env("RESULTS", &results)
            .env("PORT", port.to_string())
            .spawn()
            .context("cannot start the Python receiver")?,
    );
    let path = format!("/api/v1/admin/subscriptions/{id}/approve");
    let (status, resp) = http_as(server.addr, "POST", &path, Some(&admin), None)?;
    if status != 200 {
        bail!("approval refused: {status} {resp}");
    }
    let birth = serde_json::json!({
        "birth_name": "Đặng Thị Ánh Tuyết",
        "date_of_birth": "2026-08-03",
        "sex": "F",
        "registration": {"unit": "2025:26743"},
        "nationality": ["VNM"],
        "legal_basis": "Luật Hộ tịch 2014, Điều 16",
    })
    .to_string();
    let (status, resp) = http_as(server.addr, "POST", "/api/v1/births", Some(supervisor_token), Some(&birth))?;
    if status != 201 {
        bail!("birth refused: {status} {resp}");
    }
    let pin = serde_json::from_str::<serde_json::Value>(&resp)?["person"]["pin"].as_str().context("pin")?.to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(&results).unwrap_or_default();
        for line in text.lines() {
            let r: serde_json::Value = serde_json::from_str(line)?;
            if r["ok"] != true {
                bail!("standardwebhooks refused a delivery: {line}");
            }
            if r["data"]["pin"] == pin.as_str() {
                if r["tamper_refused"] != true {
                    bail!("standardwebhooks accepted a changed body: {line}");
                }
                if r["data"]["full_name"] != "Đặng Thị Ánh Tuyết" || r["data"].get("sex").is_some() {
                    bail!("the payload does not carry exactly the allowed fields: {line}");
                }
                println!("<== event delivery verified by standardwebhooks: ok");
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            bail!("the birth event did not reach the receiver within 60 s ({})", results.display());
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}
