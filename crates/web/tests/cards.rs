//! Identity cards over HTTP, on every backend: an application through the workflow with a face
//! upload, the card's status for relying parties, passive authentication of its chip data,
//! QR codes, loss; with the jurisdiction and scope checks of each route.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use dinhdanh_app::accounts::NewOfficer;
use dinhdanh_app::auth::{Principal, Role, Scope};
use dinhdanh_app::import::ImportRow;
use dinhdanh_domain::person::Jurisdiction;
use dinhdanh_testkit::{TestApp, officer, sample};
use dinhdanh_web::AppState;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use tower::ServiceExt;

const MAN: &str = "079090001234";
const PASSWORD: &str = "mật-khẩu-đủ-dài-2026";

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
    json: Value,
}

struct Env {
    t: TestApp,
    router: Router,
    tokens: HashMap<&'static str, String>,
}

impl Env {
    async fn raw(&self, method: &str, uri: &str, who: &str, body: Option<(Vec<u8>, &str)>) -> Resp {
        let mut b = Request::builder().method(method.to_uppercase().as_str()).uri(uri);
        if who != "none" {
            b = b.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[who]));
        }
        let req = match body {
            Some((bytes, ct)) => b.header(header::CONTENT_TYPE, ct).body(Body::from(bytes)).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers, bytes, json }
    }

    async fn call(&self, method: &str, uri: &str, who: &str, body: Option<Value>, status: u16) -> Value {
        let r = self.raw(method, uri, who, body.map(|b| (b.to_string().into_bytes(), "application/json"))).await;
        assert_eq!(
            r.status.as_u16(),
            status,
            "{method} {uri} as {who} on {:?}: {}",
            self.t.store.engine,
            String::from_utf8_lossy(&r.bytes)
        );
        r.json
    }
}

async fn env(t: TestApp) -> Env {
    let system = Principal::system("test");
    let mut hanoi = sample::adult_woman();
    hanoi.id = dinhdanh_domain::person::PersonId(uuid::Uuid::from_u128(77));
    hanoi.pin = sample::pin("001090005678");
    hanoi.birth_registration = Some(dinhdanh_domain::person::BirthRegistration::Unit(sample::unit(sample::BA_DINH)));
    hanoi.permanent_residence = Some(sample::address(sample::BA_DINH, "1 Tràng Tiền"));
    let rows = vec![ImportRow { line: 1, person: Ok(sample::adult_man()) }, ImportRow { line: 2, person: Ok(hanoi) }];
    t.app.import_batch(&system, rows, "test").await.unwrap();
    let router = dinhdanh_web::router(AppState { app: t.app.clone(), secure_cookies: false });
    let mut e = Env { t, router, tokens: HashMap::new() };
    for (name, role, j) in [
        ("officer", Role::Officer, "commune:26743"),
        ("officer_hn", Role::Officer, "province:01"),
        ("supervisor", Role::Supervisor, "province:79"),
    ] {
        let n = NewOfficer {
            username: name.replace('_', "-"),
            display_name: format!("Cán bộ {name}"),
            password: PASSWORD.into(),
            role,
            jurisdiction: Jurisdiction::parse(j).unwrap(),
        };
        e.t.app.create_officer(&system, n).await.unwrap();
        let r = e
            .call(
                "post",
                "/api/v1/auth/login",
                "none",
                Some(json!({"username": name.replace('_', "-"), "password": PASSWORD})),
                200,
            )
            .await;
        e.tokens.insert(name, r["token"].as_str().unwrap().to_owned());
    }
    for (name, scopes) in [
        ("bank_status", vec![Scope::CardsStatus]),
        ("bank_verify", vec![Scope::CardsVerify]),
        ("client_read", vec![Scope::PersonsRead]),
    ] {
        let (_, token) =
            e.t.app.create_api_client(&system, name, scopes, Jurisdiction::parse("national").unwrap()).await.unwrap();
        e.tokens.insert(name, token);
    }
    e
}

fn application(pin: &str) -> Value {
    json!({"pin": pin, "kind": "first_issue", "handling_unit": "2025:26743",
        "applicant": {"relation": "self", "contact": "0912000111"}})
}

fn field_codes(v: &Value) -> Vec<(String, String)> {
    v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_owned(), f["code"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_card_from_application_to_relying_parties() {
    for t in TestApp::all().await {
        let e = env(t).await;
        let apps = "/api/v1/cards/applications";
        // Receipt: only inside the officer's jurisdiction; bad input names each field.
        e.call("post", apps, "officer_hn", Some(application(MAN)), 403).await;
        e.call("post", apps, "bank_status", Some(application(MAN)), 403).await;
        e.call("post", apps, "none", Some(application(MAN)), 401).await;
        let bad = e.call("post", apps, "officer", Some(json!({"pin": "12", "kind": "new"})), 422).await;
        assert_eq!(
            field_codes(&bad),
            vec![
                ("pin".into(), "pin.format".into()),
                ("kind".into(), "card.application_kind".into()),
                ("handling_unit".into(), "required".into())
            ]
        );
        let d = e.call("post", apps, "officer", Some(application(MAN)), 201).await;
        assert_eq!(d["status"], "received");
        assert!(d["code"].as_str().unwrap().starts_with("CC-26743-"), "{d}");
        assert_eq!(d["name"], "Nguyễn Văn An");
        let again = e.call("post", apps, "officer", Some(application(MAN)), 422).await;
        assert_eq!(field_codes(&again), vec![("kind".into(), "card.application_open".into())]);
        let id = d["id"].as_str().unwrap().to_owned();
        let steps = format!("{apps}/{id}/steps");

        // No face yet.
        let r = e.call("post", &steps, "officer", Some(json!({"action": "capture_biometrics"})), 422).await;
        assert_eq!(field_codes(&r), vec![("face".into(), "card.face_required".into())]);
        // The face upload: the file itself, checked, inside the jurisdiction only.
        let face = dinhdanh_testkit::synth::face::portrait_jpeg(5, false);
        let upload = format!("/api/v1/persons/{MAN}/biometrics/face");
        let r = e.raw("post", &upload, "officer_hn", Some((face.clone(), "image/jpeg"))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = e.raw("post", &upload, "officer", Some((face.clone(), "text/plain"))).await;
        assert_eq!(field_codes(&r.json), vec![("content_type".into(), "biometric.content_type".into())]);
        let r = e.raw("post", &upload, "officer", Some((b"not a jpeg".to_vec(), "image/jpeg"))).await;
        assert_eq!(field_codes(&r.json), vec![("data".into(), "biometric.face_format".into())]);
        let r = e.raw("post", &upload, "officer", Some((vec![0xFF; 600 * 1024], "image/jpeg"))).await;
        assert_eq!(field_codes(&r.json), vec![("data".into(), "biometric.face_size".into())]);
        let r = e.raw("post", &upload, "officer", Some((vec![0; 2 * 1024 * 1024], "image/jpeg"))).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        let r = e
            .raw(
                "post",
                &format!("/api/v1/persons/{MAN}/biometrics/nose"),
                "officer",
                Some((face.clone(), "image/jpeg")),
            )
            .await;
        assert_eq!(field_codes(&r.json), vec![("kind".into(), "biometric.kind".into())]);
        let r = e.raw("post", &upload, "officer", Some((face.clone(), "image/jpeg"))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.bytes));
        assert_eq!((r.json["width"].as_u64(), r.json["kind"].as_str()), (Some(240), Some("face")));
        let list = e.call("get", &format!("/api/v1/persons/{MAN}/biometrics"), "officer", None, 200).await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert!(list[0].get("data").is_none(), "the image is never listed");

        // The steps, each by the role that may take it.
        e.call("post", &steps, "officer", Some(json!({"action": "capture_biometrics"})), 200).await;
        e.call("post", &steps, "officer", Some(json!({"action": "approve"})), 403).await;
        e.call("post", &steps, "officer_hn", Some(json!({"action": "produce"})), 403).await;
        let r = e.call("post", &steps, "supervisor", Some(json!({"action": "fly"})), 422).await;
        assert_eq!(field_codes(&r), vec![("action".into(), "dossier.action".into())]);
        let approved = e.call("post", &steps, "supervisor", Some(json!({"action": "approve"})), 200).await;
        assert_eq!(approved["next_steps"][0]["action"], "refuse");
        let stale = json!({"action": "produce", "expected_version": 1});
        e.call("post", &steps, "officer", Some(stale), 409).await;
        let produced = e.call("post", &steps, "officer", Some(json!({"action": "produce"})), 200).await;
        assert_eq!(produced["status"], "produced");
        let view = e.call("get", &format!("{apps}/{id}"), "officer", None, 200).await;
        let log: Vec<&str> = view["log"].as_array().unwrap().iter().map(|l| l["action"].as_str().unwrap()).collect();
        assert_eq!(log, vec!["receive", "capture_biometrics", "approve", "produce"]);
        e.call("get", &format!("{apps}/{id}"), "officer_hn", None, 403).await;
        e.call("get", &format!("{apps}/{}", uuid::Uuid::nil()), "officer", None, 404).await;

        // The card.
        let cards = e.call("get", &format!("/api/v1/persons/{MAN}/cards"), "officer", None, 200).await;
        assert_eq!(cards.as_array().unwrap().len(), 1);
        assert_eq!(
            (cards[0]["status"].as_str(), cards[0]["document_number"].as_str()),
            (Some("active"), Some("090001234"))
        );
        e.call("get", &format!("/api/v1/persons/{MAN}/cards"), "officer_hn", None, 403).await;

        // A relying party asks for the status: the status only, with the right scope only.
        let q = json!({"pin": MAN, "document_number": "090001234"});
        let st = e.call("post", "/api/v1/cards/status", "bank_status", Some(q.clone()), 200).await;
        assert_eq!(st, json!({"status": "active", "valid": true}));
        for who in ["bank_verify", "client_read", "officer", "supervisor"] {
            e.call("post", "/api/v1/cards/status", who, Some(q.clone()), 403).await;
        }
        e.call("post", "/api/v1/cards/status", "none", Some(q.clone()), 401).await;
        e.call(
            "post",
            "/api/v1/cards/status",
            "bank_status",
            Some(json!({"pin": MAN, "document_number": "090001235"})),
            404,
        )
        .await;
        let r = e
            .call("post", "/api/v1/cards/status", "bank_status", Some(json!({"pin": MAN, "document_number": "9"})), 422)
            .await;
        assert_eq!(field_codes(&r), vec![("document_number".into(), "card.document_number".into())]);

        // Passive authentication of the chip data as a reader got it.
        let chip = e.t.app.export_card(&officer(Role::Supervisor, "national"), &sample::pin(MAN)).await.unwrap().chip;
        let body = |dgs: &std::collections::BTreeMap<u8, Vec<u8>>| {
            let map: serde_json::Map<String, Value> =
                dgs.iter().map(|(n, b)| (n.to_string(), Value::String(STANDARD.encode(b)))).collect();
            json!({"sod": STANDARD.encode(&chip.sod), "data_groups": map})
        };
        let report = e.call("post", "/api/v1/cards/verify", "bank_verify", Some(body(&chip.data_groups)), 200).await;
        assert_eq!(report["valid"], true, "{report}");
        assert!(report["checks"].as_array().unwrap().iter().all(|c| c["outcome"] == "passed"), "{report}");
        let mut changed = chip.data_groups.clone();
        let dg13 = changed.get_mut(&13).unwrap();
        let last = dg13.len() - 1;
        dg13[last] ^= 1;
        let report = e.call("post", "/api/v1/cards/verify", "bank_verify", Some(body(&changed)), 200).await;
        assert_eq!(report["valid"], false);
        let failed: Vec<&str> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["outcome"] == "failed")
            .map(|c| c["check"].as_str().unwrap())
            .collect();
        assert_eq!(failed, vec!["dg13_hash"]);
        e.call("post", "/api/v1/cards/verify", "bank_status", Some(body(&chip.data_groups)), 403).await;
        let r = e
            .call(
                "post",
                "/api/v1/cards/verify",
                "bank_verify",
                Some(json!({"sod": "%%", "data_groups": {"0": "AA=="}})),
                422,
            )
            .await;
        assert_eq!(
            field_codes(&r),
            vec![("sod".into(), "card.chip_file".into()), ("data_groups.0".into(), "card.data_group_number".into())]
        );

        // QR codes: texts and images for supervisors; the key set for anyone; verification for
        // relying parties.
        let qr_uri = format!("/api/v1/persons/{MAN}/cards/current/qr");
        e.call("get", &qr_uri, "officer", None, 403).await;
        let qr = e.call("get", &qr_uri, "supervisor", None, 200).await;
        let legacy = qr["legacy"].as_str().unwrap();
        assert!(legacy.starts_with("079090001234||NGUYỄN VĂN AN|15031990|Nam|"), "{legacy}");
        assert!(legacy.ends_with("|01092026"), "{legacy}");
        assert_eq!(legacy.split('|').count(), 7);
        let png = e.raw("get", &format!("{qr_uri}/legacy?format=png"), "supervisor", None).await;
        assert_eq!(png.status, StatusCode::OK);
        assert_eq!(png.headers[header::CONTENT_TYPE], "image/png");
        assert!(png.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let svg = e.raw("get", &format!("{qr_uri}/signed"), "supervisor", None).await;
        assert_eq!(svg.headers[header::CONTENT_TYPE], "image/svg+xml");
        assert_eq!(svg.headers[header::CACHE_CONTROL], "no-store");
        e.call("get", &format!("{qr_uri}/legacy?format=gif"), "supervisor", None, 422).await;
        e.call("get", &format!("{qr_uri}/other"), "supervisor", None, 404).await;
        // The printable card: photo, labels in both languages, the QR and the MRZ.
        let front = e.raw("get", &format!("/api/v1/persons/{MAN}/cards/current/image/front"), "supervisor", None).await;
        assert_eq!(front.status, StatusCode::OK);
        let front = String::from_utf8(front.bytes).unwrap();
        for needle in [
            "CĂN CƯỚC",
            "IDENTITY CARD",
            "Personal identification number",
            MAN,
            "NGUYỄN VĂN AN",
            "data:image/jpeg;base64,",
        ] {
            assert!(front.contains(needle), "{needle} missing from the front");
        }
        let back = e.raw("get", &format!("/api/v1/persons/{MAN}/cards/current/image/back"), "supervisor", None).await;
        let back = String::from_utf8(back.bytes).unwrap();
        let line1 = back.split("class=\"mrz\">").nth(1).unwrap_or_default();
        assert!(line1.starts_with("IDVNM090001234") && line1.contains("079090001234&lt;&lt;"), "the MRZ: {line1}");
        assert!(back.contains("Place of residence") && back.contains("Date of expiry"));
        e.call("get", &format!("/api/v1/persons/{MAN}/cards/current/image/side"), "supervisor", None, 422).await;
        e.call("get", &format!("/api/v1/persons/{MAN}/cards/current/image/front"), "officer", None, 403).await;
        let keys = e.call("get", "/api/v1/cards/qr-keys", "none", None, 200).await;
        assert_eq!(keys["keys"][0]["crv"], "P-256");
        let signed = qr["signed"].as_str().unwrap();
        let v = e.call("post", "/api/v1/cards/qr/verify", "bank_verify", Some(json!({"qr": signed})), 200).await;
        assert_eq!(v["valid"], true, "{v}");
        assert_eq!(v["claims"]["document_number"], "090001234");
        assert_eq!(v["claims"]["date_of_birth"], "15/03/1990");
        assert_eq!(v["kid"], keys["keys"][0]["kid"]);
        let forged = format!("{}x", signed);
        let v = e.call("post", "/api/v1/cards/qr/verify", "bank_verify", Some(json!({"qr": forged})), 200).await;
        assert_eq!((v["valid"].as_bool(), v["error"].as_str()), (Some(false), Some("qr.malformed")), "{v}");
        e.call("post", "/api/v1/cards/qr/verify", "client_read", Some(json!({"qr": signed})), 403).await;

        // Reported lost: the status says so at once.
        e.call("post", &format!("/api/v1/persons/{MAN}/cards/lost"), "officer_hn", None, 403).await;
        let lost = e.call("post", &format!("/api/v1/persons/{MAN}/cards/lost"), "officer", None, 200).await;
        assert_eq!(lost["status"], "lost");
        let st = e.call("post", "/api/v1/cards/status", "bank_status", Some(q.clone()), 200).await;
        assert_eq!(st, json!({"status": "lost", "valid": false}));
        let card_id = lost["id"].as_str().unwrap();
        let r = e
            .call(
                "post",
                &format!("/api/v1/cards/{card_id}/revoke"),
                "supervisor",
                Some(json!({"reason": "gian lận"})),
                422,
            )
            .await;
        assert_eq!(field_codes(&r), vec![("card".into(), "card.not_active".into())]);
        e.call("post", &format!("/api/v1/cards/{card_id}/revoke"), "officer", Some(json!({"reason": "x"})), 403).await;
    }
}

#[tokio::test]
async fn revoking_an_active_card() {
    let e = env(TestApp::new(dinhdanh_testkit::TestStore::sqlite().await)).await;
    let d = e.call("post", "/api/v1/cards/applications", "officer", Some(application(MAN)), 201).await;
    let face = dinhdanh_testkit::synth::face::portrait_jpeg(9, false);
    let r =
        e.raw("post", &format!("/api/v1/persons/{MAN}/biometrics/face"), "officer", Some((face, "image/jpeg"))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let steps = format!("/api/v1/cards/applications/{}/steps", d["id"].as_str().unwrap());
    for (who, action) in
        [("officer", "capture_biometrics"), ("supervisor", "approve"), ("officer", "produce"), ("officer", "deliver")]
    {
        e.call("post", &steps, who, Some(json!({"action": action})), 200).await;
    }
    let cards = e.call("get", &format!("/api/v1/persons/{MAN}/cards"), "supervisor", None, 200).await;
    assert!(cards[0]["delivered_at"].is_string());
    let uri = format!("/api/v1/cards/{}/revoke", cards[0]["id"].as_str().unwrap());
    let r = e.call("post", &uri, "supervisor", Some(json!({})), 422).await;
    assert_eq!(field_codes(&r), vec![("reason".into(), "required".into())]);
    let revoked = e.call("post", &uri, "supervisor", Some(json!({"reason": "cấp nhầm"})), 200).await;
    assert_eq!((revoked["status"].as_str(), revoked["status_reason"].as_str()), (Some("revoked"), Some("cấp nhầm")));
    let st = e
        .call(
            "post",
            "/api/v1/cards/status",
            "bank_status",
            Some(json!({"pin": MAN, "document_number": "090001234"})),
            200,
        )
        .await;
    assert_eq!(st["status"], "revoked");
}
