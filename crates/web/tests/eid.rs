//! e-ID accounts over HTTP: the `/api/v1/eid` routes and the citizen pages, on every backend.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dinhdanh_app::accounts::NewOfficer;
use dinhdanh_app::auth::{Principal, Role};
use dinhdanh_app::import::ImportRow;
use dinhdanh_domain::person::Jurisdiction;
use dinhdanh_testkit::{TestApp, sample};
use dinhdanh_web::AppState;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tower::ServiceExt;

const PHONE: &str = "0913572468";
const PASSWORD: &str = "mây trắng bay qua đồi chè";
const PASSCODE: &str = "270418";

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
    json: Value,
}

async fn send(router: &Router, req: Request<Body>) -> Resp {
    let res = router.clone().oneshot(req).await.expect("router answers");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(!text.contains("[?]"), "a string is missing from the tables: {text}");
    Resp { status, headers, json: serde_json::from_slice(&bytes).unwrap_or(Value::Null), text }
}

async fn api(router: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<Value>) -> Resp {
    let mut b = Request::builder().method(method).uri(uri).header(header::USER_AGENT, "test-agent");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    send(router, req).await
}

/// An officer of Bến Thành's session token, and a seeded adult.
async fn setup(t: &TestApp) -> (Router, String) {
    let system = Principal::system("test");
    let rows = vec![ImportRow { line: 1, person: Ok(sample::adult_man()) }];
    t.app.import_batch(&system, rows, "test").await.unwrap();
    let n = NewOfficer {
        username: "canbo".into(),
        display_name: "Cán bộ".into(),
        password: "mật khẩu cán bộ đủ dài".into(),
        role: Role::Officer,
        jurisdiction: Jurisdiction::parse(&format!("commune:{}", sample::BEN_THANH)).unwrap(),
    };
    t.app.create_officer(&system, n).await.unwrap();
    let router = dinhdanh_web::router(AppState { app: t.app.clone(), secure_cookies: false });
    let r = api(
        &router,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "canbo", "password": "mật khẩu cán bộ đủ dài"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (router, r.json["token"].as_str().unwrap().to_owned())
}

fn pin() -> String {
    sample::adult_man().pin.to_string()
}

#[tokio::test]
async fn api_level2_activation_second_factor_and_lockout() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (router, officer) = setup(&t).await;
        // Officers grant level 2; the checks must be confirmed.
        let r = api(
            &router,
            "POST",
            "/api/v1/eid/accounts/level2",
            Some(&officer),
            Some(json!({"pin": pin(), "phone": PHONE})),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{e:?} {}", r.text);
        let codes: Vec<&str> =
            r.json["fields"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["eid.checks_required", "eid.checks_required"]);
        let body = json!({"pin": pin(), "phone": PHONE, "card_checked": true, "person_checked": true});
        let r = api(&router, "POST", "/api/v1/eid/accounts/level2", Some(&officer), Some(body)).await;
        assert_eq!(
            (r.status, r.json["state"].as_str(), r.json["level"].as_u64()),
            (StatusCode::OK, Some("approved"), Some(2)),
            "{}",
            r.text
        );
        // A citizen token is no officer token and the reverse.
        let r = api(&router, "GET", "/api/v1/eid/me", Some(&officer), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);

        let code = t.outbox.last_code(PHONE).expect("activation code");
        let weak = json!({"pin": pin(), "code": code, "password": "password", "passcode": "123456"});
        let r = api(&router, "POST", "/api/v1/eid/activation", None, Some(weak)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let fields: Vec<(&str, &str)> = r.json["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
            .collect();
        assert_eq!(fields, [("password", "eid.password.common"), ("passcode", "eid.passcode.weak")]);
        assert!(r.json["fields"][0]["message_vi"].as_str().unwrap().contains("phổ biến"));
        let ok = json!({"pin": pin(), "code": code, "password": PASSWORD, "passcode": PASSCODE});
        let r = api(&router, "POST", "/api/v1/eid/activation", None, Some(ok.clone())).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);

        // Password, then the SMS code at once; the second-factor token opens nothing else.
        t.clock.advance(time::Duration::seconds(3));
        let r =
            api(&router, "POST", "/api/v1/eid/login", None, Some(json!({"pin": pin(), "password": PASSWORD}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!((r.json["stage"].as_str(), r.json["methods"].clone()), (Some("second_factor"), json!(["sms"])));
        let partial = r.json["token"].as_str().unwrap().to_owned();
        assert!(partial.starts_with("dde_"));
        assert_eq!(api(&router, "GET", "/api/v1/eid/me", Some(&partial), None).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            api(&router, "POST", "/api/v1/eid/login/sms-code", Some(&partial), None).await.status,
            StatusCode::ACCEPTED
        );
        let code = t.outbox.last_code(PHONE).unwrap();
        let r = api(
            &router,
            "POST",
            "/api/v1/eid/login/second-factor",
            Some(&partial),
            Some(json!({"method": "sms", "code": code})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let full = r.json["token"].as_str().unwrap().to_owned();
        let me = api(&router, "GET", "/api/v1/eid/me", Some(&full), None).await;
        assert_eq!(
            (me.status, me.json["state"].as_str(), me.json["phone"].as_str()),
            (StatusCode::OK, Some("active"), Some("•••••••468")),
            "{}",
            me.text
        );
        let profile = api(&router, "GET", "/api/v1/eid/me/profile", Some(&full), None).await;
        assert_eq!(profile.json["pin"].as_str(), Some(pin().as_str()), "{}", profile.text);
        let h = api(&router, "GET", "/api/v1/eid/me/history", Some(&full), None).await;
        let actions: Vec<&str> = h.json.as_array().unwrap().iter().map(|x| x["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"eid_login") && actions.contains(&"eid_account"), "{actions:?}");
        let s = api(&router, "GET", "/api/v1/eid/me/sessions", Some(&full), None).await;
        assert_eq!(s.json.as_array().unwrap().len(), 1, "{}", s.text);
        assert_eq!(s.json[0]["current"], json!(true));
        // TOTP enrolment answers an otpauth URI.
        let r = api(&router, "POST", "/api/v1/eid/me/totp", Some(&full), None).await;
        assert!(r.json["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/"), "{}", r.text);
        // Passkey options: ES256 and EdDSA, user verification, no attestation.
        let r = api(&router, "POST", "/api/v1/eid/me/passkeys/options", Some(&full), None).await;
        assert_eq!(
            (r.json["algorithms"].clone(), r.json["attestation"].as_str()),
            (json!([-7, -8]), Some("none")),
            "{}",
            r.text
        );

        // Wrong passwords: 401 each, 429 with Retry-After inside a delay, then 423 at the lock —
        // and an unknown number behaves the same.
        for number in [pin(), "079190009999".to_owned()] {
            let mut statuses = Vec::new();
            for i in 0..6 {
                t.clock.advance(time::Duration::seconds(10));
                let r = api(
                    &router,
                    "POST",
                    "/api/v1/eid/login",
                    None,
                    Some(json!({"pin": number, "password": "sai mật khẩu"})),
                )
                .await;
                statuses.push(r.status.as_u16());
                if i == 1 {
                    let r = api(
                        &router,
                        "POST",
                        "/api/v1/eid/login",
                        None,
                        Some(json!({"pin": number, "password": "sai"})),
                    )
                    .await;
                    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
                    assert_eq!(r.headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("1"));
                }
            }
            assert_eq!(statuses, [401, 401, 401, 401, 423, 423], "{e:?} {number}");
        }
        assert_eq!(
            api(&router, "GET", "/api/v1/eid/me", Some(&full), None).await.status,
            StatusCode::UNAUTHORIZED,
            "a lock ends sessions"
        );
        // The officer sees the lock and lifts it with a reason.
        let r = api(&router, "GET", &format!("/api/v1/eid/accounts/{}", pin()), Some(&officer), None).await;
        assert_eq!(
            (r.json["state"].as_str(), r.json["locked_by"].as_str()),
            (Some("locked"), Some("failures")),
            "{}",
            r.text
        );
        let r = api(
            &router,
            "POST",
            &format!("/api/v1/eid/accounts/{}/unlock", pin()),
            Some(&officer),
            Some(json!({"reason": ""})),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = api(
            &router,
            "POST",
            &format!("/api/v1/eid/accounts/{}/unlock", pin()),
            Some(&officer),
            Some(json!({"reason": "đã xác minh tại quầy"})),
        )
        .await;
        assert_eq!(r.json["state"].as_str(), Some("active"), "{}", r.text);
    }
}

/// A browser for the citizen pages: keeps cookies and sends them back.
struct Browser {
    router: Router,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    async fn go(&mut self, method: &str, uri: &str, form: &[(&str, &str)]) -> Resp {
        let mut b = Request::builder().method(method).uri(uri).header(header::USER_AGENT, "test-browser");
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        if !cookie.is_empty() {
            b = b.header(header::COOKIE, cookie);
        }
        let req = if method == "POST" {
            let body = serde_urlencoded::to_string(form).unwrap();
            b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(body)).unwrap()
        } else {
            b.body(Body::empty()).unwrap()
        };
        let r = send(&self.router, req).await;
        self.keep_cookies(&r);
        r
    }

    fn keep_cookies(&mut self, r: &Resp) {
        for c in r.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let (k, v) = c.split(';').next().unwrap().split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
    }

    /// A `multipart/form-data` POST, as a form with file inputs sends it.
    async fn multipart(&mut self, uri: &str, fields: &[(&str, &[u8])]) -> Resp {
        const BOUNDARY: &str = "----dinhdanh-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
            );
            if matches!(*name, "reading" | "selfie") {
                body.extend_from_slice(
                    format!("; filename=\"{name}\"\r\nContent-Type: application/octet-stream").as_bytes(),
                );
            }
            body.extend_from_slice(b"\r\n\r\n");
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::USER_AGENT, "test-browser")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Body::from(body))
            .unwrap();
        let r = send(&self.router, req).await;
        self.keep_cookies(&r);
        r
    }

    /// The value of a hidden input of the page.
    fn hidden(r: &Resp, name: &str) -> String {
        let key = format!("name=\"{name}\" value=\"");
        let at = r.text.find(&key).unwrap_or_else(|| panic!("no {name} field")) + key.len();
        r.text[at..at + r.text[at..].find('"').unwrap()].to_owned()
    }

    fn csrf(r: &Resp) -> String {
        let at = r.text.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
        r.text[at..at + r.text[at..].find('"').unwrap()].to_owned()
    }
}

#[tokio::test]
async fn citizen_pages_activation_sign_in_lockout_and_security() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (router, officer) = setup(&t).await;
        let body = json!({"pin": pin(), "phone": PHONE, "card_checked": true, "person_checked": true});
        assert_eq!(
            api(&router, "POST", "/api/v1/eid/accounts/level2", Some(&officer), Some(body)).await.status,
            StatusCode::OK
        );
        let mut b = Browser { router: router.clone(), cookies: BTreeMap::new() };

        // Signed-out pages lead to sign-in; the page is Vietnamese first, English on request.
        let r = b.go("GET", "/citizen/", &[]).await;
        assert_eq!(
            (r.status, r.headers.get(header::LOCATION).unwrap().to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/citizen/login")
        );
        let r = b.go("GET", "/citizen/login", &[]).await;
        assert!(r.text.contains("Đăng nhập tài khoản định danh điện tử"), "{e:?}");
        assert!(b.go("GET", "/citizen/login?lang=en", &[]).await.text.contains("Sign in to your e-ID account"));
        let _ = b.go("GET", "/citizen/login?lang=vi", &[]).await;
        // The SMS outbox page exists only on demo servers.
        assert_eq!(b.go("GET", "/citizen/dev/sms", &[]).await.status, StatusCode::NOT_FOUND);

        // Activation in two steps, seconds after the grant (its code is the one to type); a weak
        // password is refused on the page.
        t.clock.advance(time::Duration::seconds(3));
        let r = b.go("GET", "/citizen/activate", &[]).await;
        let r = b
            .go(
                "POST",
                "/citizen/activate",
                &[("csrf", &Browser::csrf(&r)), ("step", "1"), ("pin", &pin()), ("phone", PHONE)],
            )
            .await;
        assert!(r.text.contains("name=\"code\""), "{e:?}: step 2 follows: {}", r.text);
        let code = t.outbox.last_code(PHONE).unwrap();
        let form = |csrf: &str, pw: &str| {
            vec![
                ("csrf".to_owned(), csrf.to_owned()),
                ("step".to_owned(), "2".to_owned()),
                ("pin".to_owned(), pin()),
                ("phone".to_owned(), PHONE.to_owned()),
                ("code".to_owned(), code.clone()),
                ("password".to_owned(), pw.to_owned()),
                ("passcode".to_owned(), PASSCODE.to_owned()),
            ]
        };
        let f = form(&Browser::csrf(&r), "matkhau1");
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = b.go("POST", "/citizen/activate", &pairs).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{e:?}");
        assert!(r.text.contains("Mật khẩu"), "{}", r.text);
        let f = form(&Browser::csrf(&r), PASSWORD);
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = b.go("POST", "/citizen/activate", &pairs).await;
        assert!(r.text.contains("Tài khoản đã được kích hoạt"), "{e:?}: {}", r.text);

        // Sign-in at once: password, then the SMS code on the second page; asking twice within
        // the minute sends nothing new.
        t.clock.advance(time::Duration::seconds(3));
        let r = b.go("GET", "/citizen/login", &[]).await;
        let r = b
            .go("POST", "/citizen/login", &[("csrf", &Browser::csrf(&r)), ("pin", &pin()), ("password", PASSWORD)])
            .await;
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/citizen/second", "{e:?}: {}", r.text);
        let cookie = r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("dd_eid="))
            .unwrap()
            .to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/citizen"),
            "{cookie}"
        );
        let r = b.go("GET", "/citizen/second", &[]).await;
        let csrf = Browser::csrf(&r);
        let r = b.go("POST", "/citizen/second/sms", &[("csrf", &csrf)]).await;
        assert!(r.text.contains("Đã gửi mã"), "{}", r.text);
        let sent = t.outbox.messages().len();
        let r = b.go("POST", "/citizen/second/sms", &[("csrf", &csrf)]).await;
        assert!(r.text.contains("vẫn còn hiệu lực"), "{}", r.text);
        assert_eq!(t.outbox.messages().len(), sent);
        let code = t.outbox.last_code(PHONE).unwrap();
        let r = b.go("POST", "/citizen/second", &[("csrf", &csrf), ("method", "sms"), ("code", &code)]).await;
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/citizen/", "{}", r.text);
        let r = b.go("GET", "/citizen/", &[]).await;
        assert!(r.text.contains("Nguyễn Văn An") && r.text.contains("pwd+sms"), "{}", r.text);
        assert!(b.go("GET", "/citizen/history", &[]).await.text.contains("Đăng nhập"));
        // The security page: enrolling an app shows an inline SVG QR code.
        let r = b.go("GET", "/citizen/security", &[]).await;
        let csrf = Browser::csrf(&r);
        let r = b.go("POST", "/citizen/security", &[("csrf", &csrf), ("action", "totp_begin")]).await;
        assert!(r.text.contains("<svg") && r.text.contains("id=\"totp-secret\""), "{}", r.text);
        // A form without the session's token changes nothing.
        let r = b.go("POST", "/citizen/security", &[("csrf", "forged"), ("action", "sessions_revoke")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = b.go("POST", "/citizen/logout", &[("csrf", &csrf)]).await;
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/citizen/login");

        // Five wrong passwords: the page says the account is locked.
        let mut last = String::new();
        for _ in 0..5 {
            t.clock.advance(time::Duration::seconds(10));
            let r = b.go("GET", "/citizen/login", &[]).await;
            last = b
                .go(
                    "POST",
                    "/citizen/login",
                    &[("csrf", &Browser::csrf(&r)), ("pin", &pin()), ("password", "sai mật khẩu")],
                )
                .await
                .text;
        }
        assert!(last.contains("Tài khoản đang bị khóa"), "{e:?}: {last}");

        // Officer pages: the account shows as locked; level 2 and the review list are there.
        let acct = t.app.store.eid_account_by_pin(&sample::adult_man().pin).await.unwrap().unwrap();
        assert_eq!(acct.state, dinhdanh_domain::eid::AccountState::Locked);
    }
}

/// `POST /api/v1/eid/activation/code` as it arrives from `peer`, with an optional
/// X-Forwarded-For header.
async fn code_request(router: &Router, peer: &str, forwarded_for: Option<&str>) -> StatusCode {
    let body = json!({"pin": "079190009999", "phone": "0987000111"}).to_string();
    let mut b = Request::builder()
        .method("POST")
        .uri("/api/v1/eid/activation/code")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(x) = forwarded_for {
        b = b.header("x-forwarded-for", x);
    }
    let mut req = b.body(Body::from(body)).unwrap();
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    send(router, req).await.status
}

#[tokio::test]
async fn per_ip_limits_see_the_client_behind_a_trusted_proxy_only() {
    use dinhdanh_web::proxy::{IpNet, TrustedProxies, with_trusted_proxies};
    let t = TestApp::all().await.remove(0);
    let proxies = TrustedProxies::new(vec![IpNet::parse("10.0.0.0/8").unwrap()]);
    let router =
        with_trusted_proxies(dinhdanh_web::router(AppState { app: t.app.clone(), secure_cookies: false }), proxies);
    let limit = t.app.config.eid.ip_attempts;
    // A client behind the proxy spends its own budget...
    for _ in 0..limit {
        assert_eq!(code_request(&router, "10.0.0.2", Some("203.0.113.1")).await, StatusCode::ACCEPTED);
    }
    assert_eq!(code_request(&router, "10.0.0.2", Some("203.0.113.1")).await, StatusCode::TOO_MANY_REQUESTS);
    // ...and not the other clients of the same proxy.
    assert_eq!(code_request(&router, "10.0.0.2", Some("198.51.100.9, 10.0.0.7")).await, StatusCode::ACCEPTED);
    // A peer that is not a trusted proxy cannot spread its attempts over invented addresses.
    for i in 0..limit {
        let fake = format!("192.0.2.{}", i % 250);
        assert_eq!(code_request(&router, "198.51.100.7", Some(&fake)).await, StatusCode::ACCEPTED);
    }
    assert_eq!(code_request(&router, "198.51.100.7", Some("192.0.2.251")).await, StatusCode::TOO_MANY_REQUESTS);
    // Without the layer the header is never read: the peer is the client, whatever it claims.
    let plain = dinhdanh_web::router(AppState { app: t.app.clone(), secure_cookies: false });
    assert_eq!(code_request(&plain, "198.51.100.7", Some("203.0.113.77")).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code_request(&plain, "10.0.0.2", Some("203.0.113.1")).await, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn level1_registration_by_chip_over_the_api() {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use dinhdanh_app::cards::chipdata::{CardDates, issue_card_bundle};
    for t in TestApp::all().await {
        let (router, _) = setup(&t).await;
        let p = sample::adult_man();
        let dates = CardDates { issued_on: time::macros::date!(2024 - 07 - 01), expires_on: None };
        let now = dinhdanh_app::ports::Clock::now(&*t.clock);
        let card = issue_card_bundle(&t.pki, &p, dates, None, now).unwrap();
        let body = |challenge: &Value, dg13: Vec<u8>| {
            let bytes = URL_SAFE_NO_PAD.decode(challenge["challenge"].as_str().unwrap()).unwrap();
            let mut dgs: BTreeMap<String, String> =
                card.chip.data_groups.iter().map(|(n, b)| (n.to_string(), STANDARD.encode(b))).collect();
            dgs.insert("13".into(), STANDARD.encode(dg13));
            json!({
                "pin": pin(), "phone": PHONE, "challenge_id": challenge["challenge_id"],
                "aa_signature": URL_SAFE_NO_PAD.encode(card.answer_challenge(&bytes).unwrap()),
                "sod": STANDARD.encode(&card.chip.sod), "data_groups": dgs,
            })
        };
        let c = api(&router, "POST", "/api/v1/eid/register/challenge", None, None).await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.text);
        let mut tampered = card.chip.data_groups[&13].clone();
        let last = tampered.len() - 2;
        tampered[last] ^= 1;
        let r = api(&router, "POST", "/api/v1/eid/register", None, Some(body(&c.json, tampered))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.json["fields"][0]["field"], "data_groups.13", "{}", r.text);
        assert_eq!(r.json["fields"][0]["code"], "eid.chip.invalid", "{}", r.text);
        let c = api(&router, "POST", "/api/v1/eid/register/challenge", None, None).await;
        let r =
            api(&router, "POST", "/api/v1/eid/register", None, Some(body(&c.json, card.chip.data_groups[&13].clone())))
                .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        assert_eq!(r.json, json!({"state": "pending", "level": 1}));
        let r = api(&router, "POST", "/api/v1/eid/register", None, Some(json!({"pin": pin()}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    }
}

#[tokio::test]
async fn level1_registration_page_with_a_card_reading_and_a_selfie() {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use dinhdanh_app::cards::chipdata::{CardDates, issue_card_bundle};
    for t in TestApp::all().await {
        let e = t.store.engine;
        let (router, officer) = setup(&t).await;
        let p = sample::adult_man();
        let dates = CardDates { issued_on: time::macros::date!(2024 - 07 - 01), expires_on: None };
        let now = dinhdanh_app::ports::Clock::now(&*t.clock);
        let portrait = dinhdanh_testkit::synth::face::portrait_jpeg(7, false);
        let card = issue_card_bundle(&t.pki, &p, dates, Some(&portrait), now).unwrap();
        let selfie = dinhdanh_testkit::synth::face::portrait_jpeg(9, false);
        let mut b = Browser { router: router.clone(), cookies: BTreeMap::new() };
        // The virtual card reader exists only on demo servers.
        assert_eq!(b.go("GET", "/citizen/dev/card?pin=1&challenge_id=x", &[]).await.status, StatusCode::NOT_FOUND);
        assert!(b.go("GET", "/citizen/login", &[]).await.text.contains("/citizen/register"), "{e:?}: linked");

        // The page shows a fresh challenge; the reader app answers it.
        let reading = |page: &Resp| {
            let hex = page.text.split("id=\"challenge\" class=\"code\">").nth(1).unwrap().split('<').next().unwrap();
            let bytes: Vec<u8> =
                (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
            assert_eq!(bytes.len(), 8, "{e:?}: an 8-byte challenge");
            let dgs: BTreeMap<String, String> =
                card.chip.data_groups.iter().map(|(n, b)| (n.to_string(), STANDARD.encode(b))).collect();
            json!({"sod": STANDARD.encode(&card.chip.sod), "data_groups": dgs,
                "aa_signature": URL_SAFE_NO_PAD.encode(card.answer_challenge(&bytes).unwrap())})
            .to_string()
        };
        let page = b.go("GET", "/citizen/register", &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{e:?}");
        assert!(page.text.contains("enctype=\"multipart/form-data\""), "{e:?}");
        // A file that is not a card reading: refused on the form, nothing registered.
        let (csrf, cid) = (Browser::csrf(&page), Browser::hidden(&page, "challenge_id"));
        let r = b
            .multipart(
                "/citizen/register",
                &[
                    ("csrf", csrf.as_bytes()),
                    ("challenge_id", cid.as_bytes()),
                    ("pin", pin().as_bytes()),
                    ("phone", PHONE.as_bytes()),
                    ("reading", b"{\"not\": \"a reading\"}"),
                    ("selfie", &selfie),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{e:?}");
        assert!(r.text.contains("Tệp đọc thẻ không hợp lệ"), "{e:?}: {}", r.text);
        // The answer to the page's challenge, with a selfie: accepted, waiting for review.
        let (csrf, cid) = (Browser::csrf(&r), Browser::hidden(&r, "challenge_id"));
        let file = reading(&r);
        let r = b
            .multipart(
                "/citizen/register",
                &[
                    ("csrf", csrf.as_bytes()),
                    ("challenge_id", cid.as_bytes()),
                    ("pin", pin().as_bytes()),
                    ("phone", PHONE.as_bytes()),
                    ("reading", file.as_bytes()),
                    ("selfie", &selfie),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{e:?}: {}", r.text);
        assert!(r.text.contains("Đã nhận đăng ký"), "{e:?}");

        // The officer sees both images and opens them.
        let list = api(&router, "GET", "/api/v1/eid/reviews", Some(&officer), None).await;
        assert_eq!(list.json[0]["evidence"], json!(["chip_portrait", "selfie"]), "{e:?}: {}", list.text);
        let req = Request::builder()
            .uri(format!("/api/v1/eid/reviews/{}/evidence/selfie", pin()))
            .header(header::AUTHORIZATION, format!("Bearer {officer}"))
            .body(Body::empty())
            .unwrap();
        let res = router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{e:?}");
        assert_eq!(res.headers()[header::CONTENT_TYPE], "image/jpeg", "{e:?}");
        assert_eq!(res.into_body().collect().await.unwrap().to_bytes().to_vec(), selfie, "{e:?}");
        let r =
            api(&router, "GET", &format!("/api/v1/eid/reviews/{}/evidence/fingerprint", pin()), Some(&officer), None)
                .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{e:?}");
    }
}
