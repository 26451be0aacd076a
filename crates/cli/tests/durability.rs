//! An acknowledged write survives `kill -9` of the server: births registered through the API are
//! all there after the process is killed without warning and started again. Runs on SQLite, and
//! on PostgreSQL when `TEST_DATABASE_URL` is set.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hải", "Hiếu", "Hùng", "Khoa", "Long", "Minh", "Nam", "Phong",
    "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Vinh",
];

fn http(addr: SocketAddr, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let body = body.unwrap_or("");
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    let status = resp.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = resp.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

fn start(data_dir: &Path, database_url: Option<&str>) -> (Child, SocketAddr) {
    let port = TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dinhdanh"));
    cmd.args(["serve", "--demo", "0", "--listen", &addr.to_string()])
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DINHDANH_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let mut child = cmd.spawn().expect("start dinhdanh serve");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if TcpStream::connect(addr).is_ok() && http(addr, "GET", "/healthz", None, None).0 == 200 {
            return (child, addr);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not become ready");
}

fn login(addr: SocketAddr, data_dir: &Path) -> String {
    let creds = std::fs::read_to_string(data_dir.join("demo-credentials.txt")).expect("credentials file");
    let line = creds.lines().find(|l| l.starts_with("canbo.hcm\t")).expect("canbo.hcm");
    let password = line.split('\t').nth(1).expect("password");
    let body = serde_json::json!({"username": "canbo.hcm", "password": password}).to_string();
    let (status, resp) = http(addr, "POST", "/api/v1/auth/login", None, Some(&body));
    assert_eq!(status, 200, "{resp}");
    let v: serde_json::Value = serde_json::from_str(&resp).expect("json");
    v["token"].as_str().expect("token").to_owned()
}

/// The first `pin` anywhere in a JSON document.
fn find_pin(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Object(m) => {
            m.get("pin").and_then(|p| p.as_str().map(str::to_owned)).or_else(|| m.values().find_map(find_pin))
        }
        serde_json::Value::Array(a) => a.iter().find_map(find_pin),
        _ => None,
    }
}

fn acknowledged_births_survive_kill_9(database_url: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut server, addr) = start(dir.path(), database_url);
    let token = login(addr, dir.path());
    let mut registered = Vec::new();
    for given in GIVEN {
        let name = format!("Trần Minh {given}");
        let body = serde_json::json!({
            "birth_name": name,
            "date_of_birth": "2026-08-01",
            "sex": "M",
            "registration": {"unit": "2025:26743"},
            "nationality": ["VNM"],
            "permanent_residence": {"unit": "2025:26743", "detail": "12 Lê Lợi"},
            "legal_basis": "Luật Hộ tịch 2014, Điều 16",
        })
        .to_string();
        let (status, resp) = http(addr, "POST", "/api/v1/births", Some(&token), Some(&body));
        assert!(status == 200 || status == 201, "{status} {resp}");
        let v: serde_json::Value = serde_json::from_str(&resp).expect("json");
        registered.push((find_pin(&v).expect("the answer names the new PIN"), name));
    }
    // No shutdown, no flush: SIGKILL right after the last acknowledgement.
    server.kill().expect("kill -9");
    server.wait().expect("reaped");

    let (mut server, addr) = start(dir.path(), database_url);
    let token = login(addr, dir.path());
    for (pin, name) in &registered {
        let (status, resp) = http(addr, "GET", &format!("/api/v1/persons/{pin}"), Some(&token), None);
        assert_eq!(status, 200, "{pin} lost after kill -9: {resp}");
        assert!(resp.contains(name.as_str()), "{pin}: {resp}");
    }
    server.kill().expect("stop");
    let _ = server.wait();
}

#[test]
fn sqlite_keeps_acknowledged_writes_after_kill_9() {
    acknowledged_births_survive_kill_9(None);
}

#[test]
fn postgres_keeps_acknowledged_writes_after_kill_9() {
    let Some(admin) = std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL part skipped");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let name = format!("dinhdanh_kill9_{}", std::process::id());
    let url = rt.block_on(dinhdanh_store::SqlStore::create_postgres_database(&admin, &name)).expect("create database");
    acknowledged_births_survive_kill_9(Some(&url));
    rt.block_on(dinhdanh_store::SqlStore::drop_postgres_database(&admin, &name)).expect("drop database");
}

/// A receiver of webhook deliveries on a fixed port: records each request's `webhook-id` and
/// body, answers 204. Runs until the test process ends.
fn receive_on(addr: SocketAddr) -> std::sync::Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>> {
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let listener = TcpListener::bind(addr).expect("receiver port");
    let out = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut s) = conn else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Headers, then Content-Length bytes of body.
            let (head, body_start) = loop {
                let Ok(n) = s.read(&mut chunk) else { break (String::new(), 0) };
                if n == 0 {
                    break (String::new(), 0);
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break (String::from_utf8_lossy(&buf[..i]).into_owned(), i + 4);
                }
            };
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case(name)))
                    .map(|(_, v)| v.trim().to_owned())
            };
            let len: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
            while buf.len() < body_start + len {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            if let (Some(id), Ok(v)) = (header("webhook-id"), serde_json::from_slice(&buf[body_start.min(buf.len())..]))
            {
                out.lock().unwrap().push((id, v));
            }
            let _ = s.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        }
    });
    got
}

fn token_of(addr: SocketAddr, data_dir: &Path, user: &str) -> String {
    let creds = std::fs::read_to_string(data_dir.join("demo-credentials.txt")).expect("credentials file");
    let line = creds.lines().find(|l| l.starts_with(&format!("{user}\t"))).expect("demo user");
    let password = line.split('\t').nth(1).expect("password");
    let body = serde_json::json!({"username": user, "password": password}).to_string();
    let (status, resp) = http(addr, "POST", "/api/v1/auth/login", None, Some(&body));
    assert_eq!(status, 200, "{resp}");
    let v: serde_json::Value = serde_json::from_str(&resp).expect("json");
    v["token"].as_str().expect("token").to_owned()
}

/// Events committed while the agency's receiver is down, then `kill -9` before any delivery
/// succeeded: after a restart every event still reaches the receiver.
fn committed_events_survive_kill_9(database_url: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let receiver: SocketAddr = {
        let port = TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        format!("127.0.0.1:{port}").parse().expect("addr")
    };
    let (mut server, addr) = start(dir.path(), database_url);
    let admin = token_of(addr, dir.path(), "admin");
    let sub = serde_json::json!({
        "name": "Bảo hiểm y tế",
        "url": format!("http://{receiver}/hook"),
        "kinds": ["person.birth"],
        "fields": ["pin"],
        "legal_basis": "Luật Bảo hiểm y tế 2008",
    })
    .to_string();
    let (status, resp) = http(addr, "POST", "/api/v1/admin/subscriptions", Some(&admin), Some(&sub));
    assert_eq!(status, 201, "{resp}");
    let id = serde_json::from_str::<serde_json::Value>(&resp).expect("json")["subscription"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, resp) = http(addr, "POST", &format!("/api/v1/admin/subscriptions/{id}/approve"), Some(&admin), None);
    assert_eq!(status, 200, "{resp}");
    let token = login(addr, dir.path());
    let mut pins = std::collections::BTreeSet::new();
    for given in &GIVEN[..6] {
        let body = serde_json::json!({
            "birth_name": format!("Lê Thu {given}"),
            "date_of_birth": "2026-08-02",
            "sex": "F",
            "registration": {"unit": "2025:26743"},
            "nationality": ["VNM"],
            "legal_basis": "Luật Hộ tịch 2014, Điều 16",
        })
        .to_string();
        let (status, resp) = http(addr, "POST", "/api/v1/births", Some(&token), Some(&body));
        assert!(status == 200 || status == 201, "{status} {resp}");
        pins.insert(find_pin(&serde_json::from_str(&resp).expect("json")).expect("pin"));
    }
    // The receiver is not listening yet: nothing can have been delivered.
    server.kill().expect("kill -9");
    server.wait().expect("reaped");

    let got = receive_on(receiver);
    let (mut server, _) = start(dir.path(), database_url);
    let deadline = Instant::now() + Duration::from_secs(90);
    let received = loop {
        let received: std::collections::BTreeSet<String> = got
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, v)| v["type"] == "person.birth")
            .filter_map(|(_, v)| v["data"]["pin"].as_str().map(str::to_owned))
            .collect();
        if received.is_superset(&pins) || Instant::now() > deadline {
            break received;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    server.kill().expect("stop");
    let _ = server.wait();
    assert!(received.is_superset(&pins), "lost events: {:?}", pins.difference(&received).collect::<Vec<_>>());
}

#[test]
fn sqlite_delivers_committed_events_after_kill_9() {
    committed_events_survive_kill_9(None);
}

#[test]
fn postgres_delivers_committed_events_after_kill_9() {
    let Some(admin) = std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL part skipped");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let name = format!("dinhdanh_kill9_events_{}", std::process::id());
    let url = rt.block_on(dinhdanh_store::SqlStore::create_postgres_database(&admin, &name)).expect("create database");
    committed_events_survive_kill_9(Some(&url));
    rt.block_on(dinhdanh_store::SqlStore::drop_postgres_database(&admin, &name)).expect("drop database");
}
