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
