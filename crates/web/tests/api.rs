//! The REST API driven in-process through the whole router, on every backend of the run
//! (SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set).

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dinhdanh_app::accounts::NewOfficer;
use dinhdanh_app::auth::{Principal, Role, Scope};
use dinhdanh_app::import::ImportRow;
use dinhdanh_domain::admin::{self, Catalogue, Conversion};
use dinhdanh_domain::person::{BirthRegistration, Field, Jurisdiction, Person, PersonId};
use dinhdanh_testkit::TestApp;
use dinhdanh_testkit::sample::{self, BA_DINH, BEN_THANH};
use dinhdanh_web::AppState;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use tower::ServiceExt;
use unicode_normalization::UnicodeNormalization;

#[path = "api/confirmations.rs"]
mod confirmations;
#[path = "api/stays.rs"]
mod stays;
#[path = "api/webhooks.rs"]
mod webhooks;

const MAN: &str = "079090001234";
const WOMAN: &str = "079193004321";
const FULL: &str = "001185000777";
/// Lives and was registered in Hà Nội only.
const HANOI: &str = "001090005678";
/// Subject of the death tests, in Hồ Chí Minh City.
const DYING: &str = "079085002222";
const PASSWORD: &str = "mật-khẩu-đủ-dài-2026";

/// Every route of the API, as the OpenAPI document must list it.
const EXPECTED_ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/persons"),
    ("get", "/api/v1/persons/{pin}"),
    ("get", "/api/v1/persons/{pin}/history"),
    ("post", "/api/v1/births"),
    ("post", "/api/v1/persons/{pin}/events/marriage"),
    ("post", "/api/v1/persons/{pin}/events/divorce"),
    ("post", "/api/v1/persons/{pin}/events/death"),
    ("post", "/api/v1/persons/{pin}/events/missing"),
    ("post", "/api/v1/persons/{pin}/events/correction"),
    ("get", "/api/v1/adjudication"),
    ("get", "/api/v1/adjudication/{id}"),
    ("post", "/api/v1/adjudication/{id}/decision"),
    ("get", "/api/v1/admin-units/provinces"),
    ("get", "/api/v1/admin-units/provinces/{code}/communes"),
    ("get", "/api/v1/admin-units/communes/{code}"),
    ("get", "/api/v1/admin/clients"),
    ("post", "/api/v1/admin/clients"),
    ("delete", "/api/v1/admin/clients/{id}"),
    ("get", "/api/v1/admin/subscriptions"),
    ("post", "/api/v1/admin/subscriptions"),
    ("get", "/api/v1/admin/subscriptions/{id}"),
    ("post", "/api/v1/admin/subscriptions/{id}/approve"),
    ("post", "/api/v1/admin/subscriptions/{id}/suspend"),
    ("get", "/api/v1/admin/subscriptions/{id}/dead-letters"),
    ("post", "/api/v1/admin/subscriptions/{id}/dead-letters/redeliver"),
    ("post", "/api/v1/admin/subscriptions/{id}/replay"),
    ("post", "/api/v1/eid/register/challenge"),
    ("post", "/api/v1/eid/register"),
    ("post", "/api/v1/eid/activation/code"),
    ("post", "/api/v1/eid/activation"),
    ("post", "/api/v1/eid/reset/code"),
    ("post", "/api/v1/eid/reset"),
    ("post", "/api/v1/eid/login"),
    ("post", "/api/v1/eid/login/sms-code"),
    ("post", "/api/v1/eid/login/second-factor"),
    ("post", "/api/v1/eid/login/passkey/options"),
    ("post", "/api/v1/eid/login/passkey"),
    ("post", "/api/v1/eid/passkey-login/options"),
    ("post", "/api/v1/eid/passkey-login"),
    ("post", "/api/v1/eid/logout"),
    ("get", "/api/v1/eid/me"),
    ("get", "/api/v1/eid/me/profile"),
    ("get", "/api/v1/eid/me/history"),
    ("get", "/api/v1/eid/me/sessions"),
    ("delete", "/api/v1/eid/me/sessions"),
    ("delete", "/api/v1/eid/me/sessions/{id}"),
    ("post", "/api/v1/eid/me/password"),
    ("post", "/api/v1/eid/me/passcode"),
    ("post", "/api/v1/eid/me/lock"),
    ("post", "/api/v1/eid/me/totp"),
    ("post", "/api/v1/eid/me/totp/confirm"),
    ("post", "/api/v1/eid/me/totp/remove"),
    ("get", "/api/v1/eid/me/passkeys"),
    ("post", "/api/v1/eid/me/passkeys"),
    ("post", "/api/v1/eid/me/passkeys/options"),
    ("post", "/api/v1/eid/me/passkeys/{id}/remove"),
    ("get", "/api/v1/eid/me/dependants"),
    ("get", "/api/v1/eid/me/dependants/{pin}"),
    ("get", "/api/v1/eid/me/organisations"),
    ("post", "/api/v1/eid/organisations"),
    ("post", "/api/v1/eid/organisations/{code}/members"),
    ("post", "/api/v1/eid/organisations/{code}/members/{pin}/remove"),
    ("post", "/api/v1/eid/accounts/level2"),
    ("get", "/api/v1/eid/accounts/{pin}"),
    ("post", "/api/v1/eid/accounts/{pin}/lock"),
    ("post", "/api/v1/eid/accounts/{pin}/unlock"),
    ("get", "/api/v1/eid/reviews"),
    ("post", "/api/v1/eid/reviews/{pin}/decision"),
    ("get", "/api/v1/eid/reviews/{pin}/evidence/{kind}"),
    ("post", "/api/v1/cards/applications"),
    ("get", "/api/v1/cards/applications/{id}"),
    ("post", "/api/v1/cards/applications/{id}/steps"),
    ("get", "/api/v1/persons/{pin}/biometrics"),
    ("post", "/api/v1/persons/{pin}/biometrics/{kind}"),
    ("get", "/api/v1/persons/{pin}/cards"),
    ("post", "/api/v1/persons/{pin}/cards/lost"),
    ("get", "/api/v1/persons/{pin}/cards/current/qr"),
    ("get", "/api/v1/persons/{pin}/cards/current/qr/{variant}"),
    ("get", "/api/v1/persons/{pin}/cards/current/image/{side}"),
    ("post", "/api/v1/cards/{id}/revoke"),
    ("post", "/api/v1/cards/status"),
    ("post", "/api/v1/cards/verify"),
    ("get", "/api/v1/cards/qr-keys"),
    ("post", "/api/v1/cards/qr/verify"),
    ("post", "/api/v1/residence/dossiers"),
    ("get", "/api/v1/residence/dossiers/{id}"),
    ("post", "/api/v1/residence/dossiers/{id}/steps"),
    ("get", "/api/v1/households/{id}"),
    ("get", "/api/v1/persons/{pin}/residence"),
    ("get", "/api/v1/residence/absence-candidates"),
    ("get", "/api/v1/admin-units/legacy-communes/{code}/conversion"),
    ("post", "/api/v1/stays"),
    ("get", "/api/v1/stays"),
    ("post", "/api/v1/persons/{pin}/residence-confirmations"),
    ("get", "/api/v1/residence-confirmations/{id}"),
    ("post", "/api/v1/residence-confirmations/verify"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/docs"),
];

struct Env {
    t: TestApp,
    router: Router,
    tokens: HashMap<&'static str, String>,
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
    text: String,
}

impl Env {
    fn token(&self, who: &str) -> Option<&str> {
        match who {
            "none" => None,
            "bad_session" => Some("dds_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            "bad_client" => Some("ddk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            "garbage" => Some("not-a-token"),
            w => Some(self.tokens.get(w).unwrap_or_else(|| panic!("no token for {w}")).as_str()),
        }
    }

    async fn call(&self, method: &str, uri: &str, who: &str, body: Option<Value>) -> Resp {
        let bytes = body.map(|b| b.to_string().into_bytes());
        self.raw(method, uri, who, bytes, "application/json").await
    }

    async fn raw(&self, method: &str, uri: &str, who: &str, body: Option<Vec<u8>>, content_type: &str) -> Resp {
        let mut b = Request::builder().method(method.to_uppercase().as_str()).uri(uri);
        if let Some(t) = self.token(who) {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(bytes) => b.header(header::CONTENT_TYPE, content_type).body(Body::from(bytes)).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers, body, text }
    }

    async fn expect(&self, method: &str, uri: &str, who: &str, body: Option<Value>, status: u16) -> Value {
        let r = self.call(method, uri, who, body).await;
        assert_eq!(r.status.as_u16(), status, "{method} {uri} as {who} on {:?}: {}", self.t.store.engine, r.text);
        if status >= 400 {
            assert_error_format(&r.body);
        }
        r.body
    }

    async fn version(&self, pin: &str) -> i64 {
        self.expect("get", &format!("/api/v1/persons/{pin}"), "supervisor", None, 200).await["version"]
            .as_i64()
            .unwrap()
    }

    async fn persons(&self) -> u64 {
        self.t.app.store.count_persons().await.unwrap()
    }
}

/// The one error body: code, both messages, and fields with both messages.
fn assert_error_format(v: &Value) {
    let obj = v.as_object().unwrap_or_else(|| panic!("error body is not a JSON object: {v}"));
    let keys: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["code", "message_vi", "message_en", "fields"]), "{v}");
    for k in ["code", "message_vi", "message_en"] {
        assert!(v[k].as_str().is_some_and(|s| !s.is_empty()), "{k} in {v}");
    }
    assert_ne!(v["message_vi"], v["message_en"], "{v}");
    for f in v["fields"].as_array().unwrap() {
        for k in ["field", "code", "message_vi", "message_en"] {
            assert!(f[k].is_string(), "{k} in {f}");
        }
        assert!(!f["message_vi"].as_str().unwrap().is_empty() && !f["message_en"].as_str().unwrap().is_empty());
    }
}

/// (field, code) of each field error.
fn field_codes(v: &Value) -> Vec<(String, String)> {
    v["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| (f["field"].as_str().unwrap().to_owned(), f["code"].as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn has_field(v: &Value, field: &str, code: &str) -> bool {
    field_codes(v).iter().any(|(f, c)| f == field && c == code)
}

fn person(id: u128, pin: &str, name: &str, dob: time::Date, commune: &str) -> Person {
    let mut p = sample::adult_man();
    p.id = PersonId(uuid::Uuid::from_u128(id));
    p.pin = sample::pin(pin);
    p.birth_name = sample::name(name);
    p.date_of_birth = dinhdanh_domain::date::PartialDate::Full(dob);
    p.birth_registration = Some(BirthRegistration::Unit(sample::unit(commune)));
    p.permanent_residence = Some(sample::address(commune, "1 Tràng Tiền"));
    p
}

async fn env(t: TestApp) -> Env {
    let system = Principal::system("test");
    let people = vec![
        sample::adult_man(),
        sample::adult_woman(),
        sample::full_record(),
        person(10, HANOI, "Phạm Văn Hùng", time::macros::date!(1990 - 01 - 10), BA_DINH),
        person(11, DYING, "Võ Văn Tâm", time::macros::date!(1985 - 05 - 05), BEN_THANH),
    ];
    let rows = people.into_iter().enumerate().map(|(i, p)| ImportRow { line: i as u64 + 1, person: Ok(p) }).collect();
    t.app.import_batch(&system, rows, "test").await.unwrap();

    let router = dinhdanh_web::router(AppState { app: t.app.clone(), secure_cookies: false });
    let mut e = Env { t, router, tokens: HashMap::new() };
    let officers = [
        ("officer", Role::Officer, "commune:26743"),
        ("officer_hn", Role::Officer, "province:01"),
        ("supervisor", Role::Supervisor, "national"),
        ("admin", Role::Administrator, "national"),
    ];
    for (name, role, j) in officers {
        let n = NewOfficer {
            username: name.replace('_', "-"),
            display_name: format!("Cán bộ {name}"),
            password: PASSWORD.to_owned(),
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
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.body["expires_at"].as_str().unwrap().starts_with("2026-09-01T11:00:00"), "{}", r.text);
        assert_eq!(r.body["officer"]["role"], role.code());
        e.tokens.insert(name, r.body["token"].as_str().unwrap().to_owned());
    }
    let clients = [
        ("client_read", vec![Scope::PersonsRead], "province:79"),
        ("client_search", vec![Scope::PersonsSearch], "national"),
        ("client_events", vec![Scope::EventsWrite, Scope::PersonsRead], "province:79"),
    ];
    for (name, scopes, j) in clients {
        let (_, token) =
            e.t.app.create_api_client(&system, name, scopes, Jurisdiction::parse(j).unwrap()).await.unwrap();
        assert!(token.starts_with("ddk_"));
        e.tokens.insert(name, token);
    }
    e
}

async fn envs() -> Vec<Env> {
    let mut out = Vec::new();
    for t in TestApp::all().await {
        out.push(env(t).await);
    }
    out
}

fn birth(name: &str) -> Value {
    json!({
        "birth_name": name,
        "date_of_birth": "2026-08-20",
        "sex": "M",
        "registration": {"unit": "2025:26743"},
        "ethnicity": "01",
        "nationality": ["VNM"],
        "father": {"pin": MAN},
        "mother": {"pin": WOMAN},
        "permanent_residence": {"unit": "2025:26743", "detail": "12 Lê Lợi"},
        "legal_basis": "Luật Hộ tịch 2014, Điều 16"
    })
}

/// Operations that need no token: sign-in, e-ID activation and reset, and the documentation.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/api/v1/auth/login"
            | "/api/v1/openapi.json"
            | "/api/v1/docs"
            | "/api/v1/eid/register/challenge"
            | "/api/v1/eid/register"
            | "/api/v1/eid/activation/code"
            | "/api/v1/eid/activation"
            | "/api/v1/eid/reset/code"
            | "/api/v1/eid/reset"
            | "/api/v1/eid/login"
            | "/api/v1/eid/passkey-login/options"
            | "/api/v1/eid/passkey-login"
            | "/api/v1/cards/qr-keys"
            | "/api/v1/residence-confirmations/verify"
    )
}

#[tokio::test]
async fn openapi_document_lists_every_mounted_route() {
    let e = env(TestApp::new(dinhdanh_testkit::TestStore::sqlite().await)).await;
    let doc = e.expect("get", "/api/v1/openapi.json", "none", None, 200).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let mut listed = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            listed.insert((method.clone(), path.clone()));
        }
    }
    let expected: BTreeSet<(String, String)> =
        EXPECTED_ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(listed, expected);
    let mounted: BTreeSet<(String, String)> =
        dinhdanh_web::api::ROUTES.iter().map(|(m, p)| (m.to_string(), format!("/api/v1{p}"))).collect();
    assert_eq!(mounted, expected);

    // The contract under review: any change to it shows up as a snapshot diff.
    insta::assert_json_snapshot!("openapi", doc);

    // Bearer security everywhere except the public operations (sign-in, activation, docs); one error schema.
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(doc["security"], json!([{"bearer": []}]));
    assert!(doc["components"]["schemas"]["ErrorBody"]["properties"]["message_vi"].is_object());
    for (m, p) in EXPECTED_ROUTES {
        let op = &doc["paths"][p][m];
        let public = is_public(p);
        assert_eq!(op["security"] == json!([{}]), public, "{m} {p}");
        assert!(
            op["responses"]["500"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .is_some_and(|r| r.ends_with("/ErrorBody")),
            "{m} {p}"
        );
        for (status, r) in op["responses"].as_object().unwrap() {
            assert!(r["description"].as_str().is_some_and(|d| !d.is_empty()), "{m} {p} {status} needs a description");
        }
        if !public {
            assert!(op["responses"]["401"].is_object() && op["responses"]["403"].is_object(), "{m} {p}");
        }
    }

    // Each documented route is really mounted: no route-not-found and no method-not-allowed.
    for (m, p) in EXPECTED_ROUTES {
        let uri = p
            .replace("{pin}", MAN)
            .replace("{id}", &uuid::Uuid::nil().to_string())
            .replace("{code}", "79")
            .replace("{kind}", "face")
            .replace("{variant}", "legacy")
            .replace("{side}", "front");
        let body = (*m != "get" && *m != "delete").then(|| json!({}));
        let r = e.call(m, &uri, "none", body).await;
        assert!(
            r.body["code"] != "route.not_found" && r.status != StatusCode::METHOD_NOT_ALLOWED,
            "{m} {uri}: {}",
            r.text
        );
        if !is_public(p) {
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{m} {uri} without a token: {}", r.text);
            assert_eq!(r.headers.get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
        }
    }

    // The page renders the document: every path, the error schema, no scripts.
    let page = e.raw("get", "/api/v1/docs", "none", None, "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    for (_, p) in EXPECTED_ROUTES {
        assert!(page.text.contains(p), "{p} missing from the docs page");
    }
    assert!(page.text.contains("id=\"schema-ErrorBody\"") && page.text.contains("message_vi"));
    assert!(!page.text.contains("<script") && !page.text.contains("http://") && !page.text.contains("https://"));
}

#[tokio::test]
async fn error_format_for_unknown_routes_methods_and_bodies() {
    let e = env(TestApp::new(dinhdanh_testkit::TestStore::sqlite().await)).await;
    let r = e.call("get", "/api/v1/no/such/route", "officer", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/json");
    insta::assert_json_snapshot!("unknown_route", r.body);

    for uri in ["/api/v1", "/api/v1/", "/api/v1/persons/079090001234/events"] {
        let r = e.call("get", uri, "officer", None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}: {}", r.text);
        assert_eq!(r.body["code"], "route.not_found", "{uri}: {}", r.text);
    }

    let r = e.call("delete", "/api/v1/persons", "officer", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{}", r.text);
    assert_eq!(r.body["code"], "method.not_allowed");
    assert_error_format(&r.body);
    assert!(r.headers.contains_key(header::ALLOW));

    // Malformed JSON is 400, a wrong content type 415, an oversized body 413: all in the format.
    let r = e.raw("post", "/api/v1/births", "officer", Some(b"{\"birth_name\": ".to_vec()), "application/json").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_error_format(&r.body);
    insta::assert_json_snapshot!("malformed_json", r.body);

    let r = e
        .raw("post", "/api/v1/births", "officer", Some(b"birth_name=An".to_vec()), "application/x-www-form-urlencoded")
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
    assert_eq!(r.body["code"], "request.content_type");

    let big = json!({"birth_name": "A".repeat(dinhdanh_web::MAX_BODY_BYTES + 1)}).to_string().into_bytes();
    let r = e.raw("post", "/api/v1/births", "officer", Some(big), "application/json").await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert_error_format(&r.body);
    assert_eq!(r.body["code"], "request.too_large");

    // Shape errors name the field when JSON can: unknown and missing fields, else the position.
    let r = e.call("post", "/api/v1/births", "officer", Some(json!({"birth_nam": "An"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(has_field(&r.body, "birth_nam", "field.unknown"), "{}", r.text);
    let r = e.call("post", "/api/v1/births", "officer", Some(json!({"birth_name": 5}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(has_field(&r.body, "", "json.type"), "{}", r.text);
    let r = e.call("post", "/api/v1/auth/login", "none", Some(json!({"username": "officer"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(has_field(&r.body, "password", "required"), "{}", r.text);
    assert_eq!(e.persons().await, 5);
}

#[tokio::test]
async fn role_and_jurisdiction_matrix() {
    for e in envs().await {
        let p = |pin: &str| format!("/api/v1/persons/{pin}");
        // (who, method, uri, body, status). Denials come before the successful write they guard.
        let reads: Vec<(&str, &str, String, Option<Value>, u16)> = vec![
            ("officer", "get", p(MAN), None, 200),
            ("officer_hn", "get", p(MAN), None, 403),
            ("supervisor", "get", p(MAN), None, 200),
            ("admin", "get", p(MAN), None, 403),
            ("client_read", "get", p(MAN), None, 200),
            ("client_search", "get", p(MAN), None, 403),
            ("none", "get", p(MAN), None, 401),
            ("bad_session", "get", p(MAN), None, 401),
            ("bad_client", "get", p(MAN), None, 401),
            ("garbage", "get", p(MAN), None, 401),
            ("officer", "get", p(HANOI), None, 403),
            ("officer_hn", "get", p(HANOI), None, 200),
            ("client_read", "get", p(HANOI), None, 403),
            // The full record lives in Hà Nội and in Hồ Chí Minh City: both see it.
            ("officer", "get", p(FULL), None, 200),
            ("officer_hn", "get", p(FULL), None, 200),
            ("officer", "get", format!("{}/history", p(MAN)), None, 200),
            ("officer_hn", "get", format!("{}/history", p(MAN)), None, 403),
            ("admin", "get", format!("{}/history", p(MAN)), None, 403),
            ("client_search", "get", format!("{}/history", p(MAN)), None, 403),
            ("none", "get", format!("{}/history", p(MAN)), None, 401),
            ("officer", "get", "/api/v1/persons?q=Nguy%E1%BB%85n%20V%C4%83n%20An".into(), None, 200),
            ("admin", "get", "/api/v1/persons?q=nguyen%20van%20an".into(), None, 403),
            ("client_read", "get", "/api/v1/persons?q=nguyen%20van%20an".into(), None, 403),
            ("client_search", "get", "/api/v1/persons?q=nguyen%20van%20an".into(), None, 200),
            ("none", "get", "/api/v1/persons?q=nguyen%20van%20an".into(), None, 401),
            ("officer", "get", "/api/v1/adjudication".into(), None, 403),
            ("supervisor", "get", "/api/v1/adjudication".into(), None, 200),
            ("admin", "get", "/api/v1/adjudication".into(), None, 403),
            ("client_read", "get", "/api/v1/adjudication".into(), None, 403),
            ("none", "get", "/api/v1/adjudication".into(), None, 401),
            ("officer", "get", "/api/v1/admin/clients".into(), None, 403),
            ("supervisor", "get", "/api/v1/admin/clients".into(), None, 403),
            ("admin", "get", "/api/v1/admin/clients".into(), None, 200),
            ("client_read", "get", "/api/v1/admin/clients".into(), None, 403),
            ("none", "get", "/api/v1/admin/clients".into(), None, 401),
            ("officer", "get", "/api/v1/admin-units/provinces".into(), None, 200),
            ("admin", "get", "/api/v1/admin-units/provinces".into(), None, 200),
            ("client_search", "get", "/api/v1/admin-units/provinces".into(), None, 200),
            ("none", "get", "/api/v1/admin-units/provinces".into(), None, 401),
            ("none", "get", "/api/v1/openapi.json".into(), None, 200),
        ];
        for (who, m, uri, body, status) in reads {
            e.expect(m, &uri, who, body, status).await;
        }

        // Births: registration in Phường Bến Thành.
        let before = e.persons().await;
        for who in ["officer_hn", "admin", "client_read", "client_search"] {
            e.expect("post", "/api/v1/births", who, Some(birth("Nguyễn Minh Khang")), 403).await;
        }
        e.expect("post", "/api/v1/births", "none", Some(birth("Nguyễn Minh Khang")), 401).await;
        assert_eq!(e.persons().await, before, "a denied birth wrote nothing");
        let r = e.call("post", "/api/v1/births", "officer", Some(birth("Nguyễn Minh Khang"))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let child = r.body["person"]["pin"].as_str().unwrap().to_owned();
        assert!(child.starts_with("079226"), "{child}");
        assert_eq!(r.headers[header::LOCATION], format!("/api/v1/persons/{child}"));
        e.expect("post", "/api/v1/births", "client_events", Some(birth("Nguyễn Minh Khôi")), 201).await;
        assert_eq!(e.persons().await, before + 2);

        // Death of a person in Hồ Chí Minh City.
        let death = json!({"date": "2026-08-01", "legal_basis": "Trích lục khai tử 12/2026"});
        let v = e.version(DYING).await;
        for who in ["officer_hn", "admin", "client_read", "client_search"] {
            e.expect("post", &format!("{}/events/death", p(DYING)), who, Some(death.clone()), 403).await;
        }
        e.expect("post", &format!("{}/events/death", p(DYING)), "none", Some(death.clone()), 401).await;
        assert_eq!(e.version(DYING).await, v, "denied deaths wrote nothing");
        let r = e.expect("post", &format!("{}/events/death", p(DYING)), "officer", Some(death.clone()), 200).await;
        assert_eq!(r["updated"][0]["status"], json!({"code": "dead", "date": "2026-08-01"}));
        // Recorded twice: refused with the field and both languages, nothing written.
        let v = e.version(DYING).await;
        let r = e.expect("post", &format!("{}/events/death", p(DYING)), "officer", Some(death), 422).await;
        assert!(has_field(&r, "pin", "person.dead"), "{r}");
        assert_eq!(r["fields"][0]["message_vi"], "Người này đã chết; không thể thực hiện thao tác.");
        assert_eq!(e.version(DYING).await, v);

        // Declaration of missing: only inside the jurisdiction, and not twice.
        let gone = json!({"date": "2026-07", "legal_basis": "Quyết định tuyên bố mất tích của Tòa án"});
        for who in ["officer", "admin", "client_read"] {
            e.expect("post", &format!("{}/events/missing", p(HANOI)), who, Some(gone.clone()), 403).await;
        }
        let r = e.expect("post", &format!("{}/events/missing", p(HANOI)), "officer_hn", Some(gone.clone()), 200).await;
        assert_eq!(r["updated"][0]["status"], json!({"code": "missing", "date": "2026-07"}));
        let r = e.expect("post", &format!("{}/events/missing", p(HANOI)), "officer_hn", Some(gone), 422).await;
        assert!(has_field(&r, "pin", "person.missing"), "{r}");

        // Marriage and divorce: an officer of either spouse's area; nobody without the permission.
        let wed = json!({"spouse_pin": WOMAN, "date": "2026-06-01"});
        for who in ["officer_hn", "admin", "client_read", "client_search"] {
            e.expect("post", &format!("{}/events/marriage", p(MAN)), who, Some(wed.clone()), 403).await;
        }
        e.expect("post", &format!("{}/events/marriage", p(MAN)), "client_events", Some(wed.clone()), 200).await;
        for who in ["officer_hn", "admin", "client_read"] {
            e.expect("post", &format!("{}/events/divorce", p(MAN)), who, Some(wed.clone()), 403).await;
        }
        let r = e
            .expect(
                "post",
                &format!("{}/events/divorce", p(WOMAN)),
                "officer",
                Some(json!({"spouse_pin": MAN, "date": "2026-08-15"})),
                200,
            )
            .await;
        assert!(r["updated"].as_array().unwrap().iter().all(|u| u["marital_status"] == "divorced"), "{r}");

        // Corrections need a supervisor (or the events:correct scope).
        let fix = json!({"phone": "0912345678", "reason": "Bổ sung số điện thoại", "legal_basis": "Luật Căn cước 2023, Điều 9"});
        for who in ["officer", "officer_hn", "admin", "client_events"] {
            e.expect("post", &format!("{}/events/correction", p(MAN)), who, Some(fix.clone()), 403).await;
        }
        let r = e.expect("post", &format!("{}/events/correction", p(MAN)), "supervisor", Some(fix), 200).await;
        assert_eq!(r["event"], "correction");

        // API clients: administrators only.
        let nc = json!({"name": "Bệnh viện Chợ Rẫy", "scopes": ["persons:read"], "jurisdiction": "province:79"});
        for who in ["officer", "supervisor", "client_read"] {
            e.expect("post", "/api/v1/admin/clients", who, Some(nc.clone()), 403).await;
        }
        let r = e.expect("post", "/api/v1/admin/clients", "admin", Some(nc), 201).await;
        assert!(r["token"].as_str().unwrap().starts_with("ddk_"));
        assert_eq!(r["client"]["scopes"], json!(["persons:read"]));
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_field_errors_and_writes_nothing() {
    for e in envs().await {
        let before = e.persons().await;
        let r = e.expect("get", "/api/v1/persons/07909000123", "officer", None, 422).await;
        assert!(has_field(&r, "pin", "pin.format"), "{r}");
        assert_eq!(r["fields"][0]["message_vi"], "Số định danh cá nhân phải gồm đúng 12 chữ số.");
        assert_eq!(r["fields"][0]["message_en"], "A personal identification number has exactly 12 digits.");
        let r = e.expect("get", &format!("/api/v1/persons/{MAN}?as_of=2026-02-30"), "officer", None, 422).await;
        assert!(has_field(&r, "as_of", "date.impossible"), "{r}");
        // Unknown but well-formed numbers are simply not found.
        e.expect("get", "/api/v1/persons/079090999999", "officer", None, 404).await;

        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"date_of_birth": "2026-02-30"}), "date_of_birth", "date.impossible"),
            (json!({"date_of_birth": "2027-01-01"}), "date_of_birth", "date.in_future"),
            (json!({"permanent_residence": {"unit": "2025:99999"}}), "permanent_residence.unit", "unit.unknown"),
            (
                json!({"permanent_residence": {"unit": "legacy:26734"}}),
                "permanent_residence.unit",
                "unit.legacy_not_allowed",
            ),
            (json!({"registration": {"unit": "79-26743"}}), "registration.unit", "unit.format"),
            (json!({"birth_name": "Nguyễn Minh Khang".nfd().collect::<String>()}), "birth_name", "name.not_nfc"),
            (json!({"birth_name": ""}), "birth_name", "name.empty"),
            (json!({"birth_name": "   "}), "birth_name", "name.empty"),
            (json!({"sex": "X"}), "sex", "sex.invalid"),
            (json!({"father": {"pin": "079090999999"}}), "father.pin", "pin.unknown"),
            (json!({"mother": {"name": "Lê Thị\u{0007}"}}), "mother.name", "name.characters"),
            (json!({"legal_basis": " "}), "legal_basis", "legal_basis.required"),
        ];
        for (patch, field, code) in cases {
            let mut b = birth("Nguyễn Minh Khang");
            for (k, v) in patch.as_object().unwrap() {
                b[k] = v.clone();
            }
            let r = e.expect("post", "/api/v1/births", "officer", Some(b), 422).await;
            assert!(has_field(&r, field, code), "{field} {code}: {r}");
            let f = r["fields"].as_array().unwrap().iter().find(|f| f["field"] == field).unwrap();
            assert_ne!(f["message_vi"], f["message_en"]);
        }
        // Several problems at once are all reported.
        let r = e
            .expect(
                "post",
                "/api/v1/births",
                "officer",
                Some(json!({"birth_name": "", "sex": "?", "date_of_birth": "x"})),
                422,
            )
            .await;
        let codes = field_codes(&r);
        for want in [
            ("birth_name", "name.empty"),
            ("sex", "sex.invalid"),
            ("date_of_birth", "date.format"),
            ("registration", "required"),
            ("legal_basis", "required"),
        ] {
            assert!(codes.contains(&(want.0.into(), want.1.into())), "{want:?} in {codes:?}");
        }
        assert_eq!(e.persons().await, before, "refused births wrote nothing");

        // Marriage: a married person cannot marry again; errors name the request's fields.
        let wed = json!({"spouse_pin": WOMAN, "date": "2026-06-01", "legal_basis": "Luật Hôn nhân và gia đình 2014"});
        let r = e
            .expect("post", &format!("/api/v1/persons/{MAN}/events/marriage"), "officer_hn", Some(wed.clone()), 403)
            .await;
        assert_eq!(r["code"], "forbidden");
        let r = e
            .expect("post", &format!("/api/v1/persons/{MAN}/events/marriage"), "officer", Some(wed.clone()), 200)
            .await;
        assert_eq!(r["updated"].as_array().unwrap().len(), 2);
        assert!(r["updated"].as_array().unwrap().iter().all(|u| u["marital_status"] == "married"));
        let (vm, vw) = (e.version(MAN).await, e.version(WOMAN).await);
        let r = e.expect("post", &format!("/api/v1/persons/{MAN}/events/marriage"), "officer", Some(wed), 422).await;
        assert!(
            has_field(&r, "pin", "marriage.already_married") && has_field(&r, "spouse_pin", "marriage.already_married"),
            "{r}"
        );
        assert_eq!((e.version(MAN).await, e.version(WOMAN).await), (vm, vw), "nothing written");
        let r = e
            .expect(
                "post",
                &format!("/api/v1/persons/{MAN}/events/marriage"),
                "officer",
                Some(json!({"spouse_pin": "1", "date": "2026-13-01"})),
                422,
            )
            .await;
        assert!(has_field(&r, "spouse_pin", "pin.format") && has_field(&r, "date", "date.impossible"), "{r}");
        let r = e
            .expect(
                "post",
                &format!("/api/v1/persons/{MAN}/events/divorce"),
                "officer",
                Some(json!({"spouse_pin": FULL, "date": "2026-07-01"})),
                422,
            )
            .await;
        assert!(has_field(&r, "spouse_pin", "divorce.not_married"), "{r}");

        // Corrections: reason and legal basis are required; unknown fields are refused.
        let uri = format!("/api/v1/persons/{MAN}/events/correction");
        let r = e.expect("post", &uri, "supervisor", Some(json!({"phone": "12"})), 422).await;
        let codes = field_codes(&r);
        for want in [("phone", "phone.format"), ("reason", "required"), ("legal_basis", "required")] {
            assert!(codes.contains(&(want.0.into(), want.1.into())), "{want:?} in {codes:?}");
        }
        let r = e
            .expect(
                "post",
                &uri,
                "supervisor",
                Some(json!({"pin": "079090001235", "reason": "x", "legal_basis": "y"})),
                422,
            )
            .await;
        assert!(has_field(&r, "pin", "field.unknown"), "{r}");
        let r = e.expect("post", &uri, "supervisor", Some(json!({"email": "dao.le@example.vn", "birth_name": "Nguyễn Văn An", "reason": "x", "legal_basis": "y", "reestablish_pin": true})), 422).await;
        assert!(has_field(&r, "", "pin.nothing_to_reestablish"), "{r}");

        // Search needs a selective filter for short name queries; paging is bounded.
        let r = e.expect("get", "/api/v1/persons?q=an", "officer", None, 422).await;
        assert!(has_field(&r, "q", "search.too_broad"), "{r}");
        let r = e.expect("get", "/api/v1/persons?q=an&per_page=500&page=0&year=19x", "officer", None, 422).await;
        assert!(
            has_field(&r, "per_page", "page.invalid")
                && has_field(&r, "page", "page.invalid")
                && has_field(&r, "year", "date.format"),
            "{r}"
        );
        let r = e.expect("get", "/api/v1/persons", "officer", None, 422).await;
        assert!(has_field(&r, "q", "required"), "{r}");

        // Clients: scopes and jurisdiction are checked field by field.
        let r = e
            .expect(
                "post",
                "/api/v1/admin/clients",
                "admin",
                Some(json!({"name": "", "scopes": ["persons:write"], "jurisdiction": "province:99"})),
                422,
            )
            .await;
        assert!(
            has_field(&r, "scopes.0", "scope.invalid") && has_field(&r, "jurisdiction", "jurisdiction.invalid"),
            "{r}"
        );
        assert_eq!(e.persons().await, before);
    }
}

#[tokio::test]
async fn person_json_carries_every_field_history_and_pin_changes() {
    for e in envs().await {
        let full = e.expect("get", &format!("/api/v1/persons/{FULL}"), "supervisor", None, 200).await;
        for f in Field::ALL {
            assert!(full.get(f.name()).is_some(), "{} missing in {full}", f.name());
        }
        assert_eq!(full["birth_name"], "Lê Thị Hồng Đào");
        assert_eq!(full["sex"], "F");
        assert_eq!(full["date_of_birth"], "1985-02-28");
        assert_eq!(full["ethnicity"], json!({"code": "01", "name": "Kinh"}));
        assert_eq!(full["nationality"], json!(["VNM", "FRA"]));
        assert_eq!(full["blood_group"], "AB+");
        assert_eq!(full["marital_status"], "divorced");
        assert_eq!(full["status"], json!({"code": "alive", "date": null}));
        assert_eq!(full["permanent_residence"]["unit"]["ref"], "2025:00004");
        assert_eq!(full["permanent_residence"]["unit"]["name"], "Phường Ba Đình, Thành phố Hà Nội");
        assert_eq!(full["permanent_residence"]["display"], "5 Đội Cấn, Phường Ba Đình, Thành phố Hà Nội");
        assert_eq!(full["birth_registration"]["unit"]["catalogue"], "legacy");
        assert_eq!(full["cards"][0]["kind"], "cccd_chip");
        assert_eq!(full["cards"][0]["issued_on"], "2021-05");

        // A birth links parents and child both ways, with kind, PIN and name.
        let r = e.expect("post", "/api/v1/births", "officer", Some(birth("Nguyễn Minh Khang")), 201).await;
        let child = r["person"]["pin"].as_str().unwrap().to_owned();
        assert_eq!(r["outcome"], "registered");
        let rel = &r["person"]["relatives"];
        assert_eq!(
            rel[0],
            json!({"kind": "father", "pin": MAN, "name": "Nguyễn Văn An", "cmnd9": null, "nationality": "VNM"})
        );
        assert_eq!(rel[1]["kind"], "mother");
        let man = e.expect("get", &format!("/api/v1/persons/{MAN}"), "officer", None, 200).await;
        assert_eq!(man["relatives"][0]["kind"], "child");
        assert_eq!(man["relatives"][0]["pin"], child);

        // The same birth again is a possible duplicate for adjudication.
        let r = e.call("post", "/api/v1/births", "officer", Some(birth("Nguyễn Minh Khang"))).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let case = r.body["case_id"].as_str().unwrap().to_owned();
        let list = e.expect("get", "/api/v1/adjudication?status=pending", "supervisor", None, 200).await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["candidate"]["birth_name"], "Nguyễn Minh Khang");
        e.expect("get", "/api/v1/adjudication?status=open", "supervisor", None, 422).await;
        e.expect("get", &format!("/api/v1/adjudication/{case}"), "supervisor", None, 200).await;
        e.expect("get", &format!("/api/v1/adjudication/{case}"), "officer", None, 403).await;
        e.expect("get", "/api/v1/adjudication/not-a-uuid", "supervisor", None, 404).await;
        let r = e
            .expect(
                "post",
                &format!("/api/v1/adjudication/{case}/decision"),
                "supervisor",
                Some(json!({"decision": "maybe"})),
                422,
            )
            .await;
        assert!(has_field(&r, "decision", "adjudication.decision"), "{r}");
        let r = e
            .expect(
                "post",
                &format!("/api/v1/adjudication/{case}/decision"),
                "supervisor",
                Some(json!({"decision": "duplicate", "note": "Trùng"})),
                200,
            )
            .await;
        assert_eq!(r["status"], "duplicate");
        let r = e
            .expect(
                "post",
                &format!("/api/v1/adjudication/{case}/decision"),
                "supervisor",
                Some(json!({"decision": "create"})),
                422,
            )
            .await;
        assert!(has_field(&r, "decision", "adjudication.decided"), "{r}");

        // Marriage, then "as of" before it shows the earlier state; history lists the event.
        let wed = json!({"spouse_pin": WOMAN, "date": "2026-06-01", "legal_basis": "Luật Hôn nhân và gia đình 2014"});
        e.expect("post", &format!("/api/v1/persons/{MAN}/events/marriage"), "officer", Some(wed), 200).await;
        let now = e.expect("get", &format!("/api/v1/persons/{MAN}"), "officer", None, 200).await;
        assert_eq!(now["marital_status"], "married");
        assert!(now["relatives"].as_array().unwrap().iter().any(|r| r["kind"] == "spouse" && r["pin"] == WOMAN));
        let then = e.expect("get", &format!("/api/v1/persons/{MAN}?as_of=2026-05-31"), "officer", None, 200).await;
        assert_eq!(then["marital_status"], "single");
        assert_eq!(then["as_of"], "2026-05-31");
        let h = e.expect("get", &format!("/api/v1/persons/{MAN}/history"), "officer", None, 200).await;
        let kinds: Vec<&str> =
            h["entries"].as_array().unwrap().iter().map(|x| x["event_kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"marriage") && kinds.contains(&"birth_registration"), "{kinds:?}");
        let marriage = h["entries"].as_array().unwrap().iter().find(|x| x["event_kind"] == "marriage").unwrap();
        assert!(
            marriage["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["field"] == "marital_status" && c["new"] == "Đã kết hôn")
        );

        // Correcting the year of birth re-establishes the PIN; the old one still leads to the person.
        let fix = json!({"date_of_birth": "1991-03-15", "reason": "Sai năm sinh", "legal_basis": "Luật Hộ tịch 2014, Điều 26"});
        let r =
            e.expect("post", &format!("/api/v1/persons/{MAN}/events/correction"), "supervisor", Some(fix), 200).await;
        assert_eq!(r["event"], "pin_reestablishment");
        let new_pin = r["updated"][0]["pin"].as_str().unwrap().to_owned();
        assert!(new_pin.starts_with("079091") && new_pin != MAN, "{new_pin}");
        let p = e.expect("get", &format!("/api/v1/persons/{MAN}"), "supervisor", None, 200).await;
        assert_eq!(p["pin"], new_pin);
        assert_eq!(p["cancelled_pins"][0]["pin"], MAN);
        assert_eq!(p["cancelled_pins"][0]["cancelled_on"], "2026-09-01");
        // Relatives' links follow the new number.
        let wife = e.expect("get", &format!("/api/v1/persons/{WOMAN}"), "supervisor", None, 200).await;
        assert!(
            wife["relatives"].as_array().unwrap().iter().any(|r| r["kind"] == "spouse" && r["pin"] == new_pin.as_str())
        );

        // Search finds by folded name words with a filter, and by PIN; paging is 1-based.
        let s = e.expect("get", "/api/v1/persons?q=tran%20thi%20bich%20hoa", "officer", None, 200).await;
        assert_eq!(s["total"], 1);
        assert_eq!(
            s["items"][0],
            json!({"pin": WOMAN, "name": "Trần Thị Bích Hòa", "date_of_birth": "1993-07-02", "sex": "F", "status": "alive"})
        );
        assert_eq!((s["page"].as_u64(), s["per_page"].as_u64()), (Some(1), Some(20)));
        let s = e.expect("get", &format!("/api/v1/persons?q={HANOI}"), "officer", None, 200).await;
        assert_eq!(s["total"], 0, "outside the jurisdiction a PIN search finds nothing");
        let s = e.expect("get", &format!("/api/v1/persons?q={HANOI}"), "officer_hn", None, 200).await;
        assert_eq!(s["items"][0]["pin"], HANOI);
    }
}

#[tokio::test]
async fn administrative_units_and_conversion() {
    let e = env(TestApp::new(dinhdanh_testkit::TestStore::sqlite().await)).await;
    let p = e.expect("get", "/api/v1/admin-units/provinces", "officer", None, 200).await;
    assert_eq!(p.as_array().unwrap().len(), 34);
    assert!(p.as_array().unwrap().iter().any(|x| x["ref"] == "2025:79" && x["name"] == "Thành phố Hồ Chí Minh"));
    let p = e.expect("get", "/api/v1/admin-units/provinces?catalogue=legacy", "officer", None, 200).await;
    assert_eq!(p.as_array().unwrap().len(), 63);
    assert!(p.as_array().unwrap().iter().any(|x| x["code"] == "79" && x["id_number_code"] == "079"));
    let r = e.expect("get", "/api/v1/admin-units/provinces?catalogue=2030", "officer", None, 422).await;
    assert!(has_field(&r, "catalogue", "catalogue.invalid"), "{r}");

    let c = e.expect("get", "/api/v1/admin-units/provinces/79/communes", "officer", None, 200).await;
    assert!(
        c.as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == BEN_THANH && x["display_name"] == "Phường Bến Thành, Thành phố Hồ Chí Minh")
    );
    e.expect("get", "/api/v1/admin-units/provinces/99/communes", "officer", None, 404).await;
    let c = e.expect("get", &format!("/api/v1/admin-units/communes/{BEN_THANH}"), "officer", None, 200).await;
    assert_eq!(c["ref"], "2025:26743");
    assert_eq!(c["conversion"], Value::Null);

    // Legacy communes convert uniquely, split into candidates, or are unknown: as the catalogue says.
    let cat = admin::catalogue();
    let mut seen = BTreeSet::new();
    for prov in cat.provinces(Catalogue::Legacy) {
        for com in cat.communes_of_province(Catalogue::Legacy, prov.code) {
            let (status, candidates): (&str, Vec<&str>) = match cat.convert_commune(com.code) {
                Conversion::Unique(x) => ("unique", vec![x.code]),
                Conversion::Split(xs) => ("split", xs.iter().map(|x| x.code).collect()),
                Conversion::Unknown => ("unknown", vec![]),
            };
            if !seen.insert(status) {
                continue;
            }
            let uri = format!("/api/v1/admin-units/communes/{}?catalogue=legacy", com.code);
            let r = e.expect("get", &uri, "client_search", None, 200).await;
            assert_eq!(r["catalogue"], "legacy");
            assert_eq!(r["conversion"]["status"], status, "{r}");
            let got: Vec<&str> =
                r["conversion"]["candidates"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
            assert_eq!(got, candidates);
            let same = e
                .expect("get", &format!("/api/v1/admin-units/communes/legacy:{}", com.code), "officer", None, 200)
                .await;
            assert_eq!(same, r);
        }
    }
    assert_eq!(seen.len(), 3, "examples of unique, split and unknown: {seen:?}");
    e.expect("get", "/api/v1/admin-units/communes/99999", "officer", None, 404).await;
}

#[tokio::test]
async fn sessions_and_client_revocation() {
    for e in envs().await {
        let r = e
            .call(
                "post",
                "/api/v1/auth/login",
                "none",
                Some(json!({"username": "officer", "password": "sai mật khẩu rồi"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.body["code"], "unauthenticated");
        let r = e
            .call("post", "/api/v1/auth/login", "none", Some(json!({"username": "nobody", "password": PASSWORD})))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let unknown = r.body.clone();

        // A locked account answers exactly like a wrong password or an unknown name: the API
        // does not reveal which accounts exist or are locked.
        for _ in 0..e.t.app.config.lockout_threshold {
            let wrong = json!({"username": "supervisor", "password": "sai mật khẩu rồi"});
            e.call("post", "/api/v1/auth/login", "none", Some(wrong)).await;
        }
        let r = e
            .call("post", "/api/v1/auth/login", "none", Some(json!({"username": "supervisor", "password": PASSWORD})))
            .await;
        assert_eq!((r.status, &r.body), (StatusCode::UNAUTHORIZED, &unknown), "{}", r.text);

        // Logout ends the session at once; API client tokens cannot log out.
        e.expect("post", "/api/v1/auth/logout", "client_read", None, 403).await;
        e.expect("post", "/api/v1/auth/logout", "officer", None, 204).await;
        e.expect("get", &format!("/api/v1/persons/{MAN}"), "officer", None, 401).await;

        // Revoking a client stops its token.
        let list = e.expect("get", "/api/v1/admin/clients", "admin", None, 200).await;
        let id = list.as_array().unwrap().iter().find(|c| c["name"] == "client_read").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        e.expect("get", &format!("/api/v1/persons/{MAN}"), "client_read", None, 200).await;
        e.expect("delete", &format!("/api/v1/admin/clients/{id}"), "supervisor", None, 403).await;
        e.expect("delete", &format!("/api/v1/admin/clients/{id}"), "admin", None, 204).await;
        e.expect("get", &format!("/api/v1/persons/{MAN}"), "client_read", None, 401).await;
        let list = e.expect("get", "/api/v1/admin/clients", "admin", None, 200).await;
        let c = list.as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).unwrap();
        assert!(c["revoked_at"].is_string());
    }
}
