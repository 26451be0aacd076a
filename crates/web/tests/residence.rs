//! Residence over HTTP, on every backend: procedures filed as dossiers and approved, households
//! with their members' history, residence as of a date, bad input with field errors and nothing
//! written, jurisdiction, the 12-month-absence candidates and the conversion of old communes.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use dinhdanh_app::accounts::NewOfficer;
use dinhdanh_app::auth::{Principal, Role};
use dinhdanh_app::import::ImportRow;
use dinhdanh_domain::person::Jurisdiction;
use dinhdanh_testkit::{TestApp, sample};
use dinhdanh_web::AppState;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use tower::ServiceExt;

const MAN: &str = "079090001234";
const WOMAN: &str = "079193004321";
const PASSWORD: &str = "mật-khẩu-đủ-dài-2026";

struct Env {
    t: TestApp,
    router: Router,
    tokens: HashMap<&'static str, String>,
}

impl Env {
    async fn call(&self, method: &str, uri: &str, who: &str, body: Option<Value>, status: u16) -> Value {
        let mut b = Request::builder().method(method.to_uppercase().as_str()).uri(uri);
        b = b.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[who]));
        let req = match body {
            Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let res = self.router.clone().oneshot(req).await.unwrap();
        let got = res.status().as_u16();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        assert_eq!(
            got,
            status,
            "{method} {uri} as {who} on {:?}: {}",
            self.t.store.engine,
            String::from_utf8_lossy(&bytes)
        );
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    }

    /// Files, starts and approves a dossier; answers the approved dossier.
    async fn through(&self, body: Value) -> Value {
        let d = self.call("post", "/api/v1/residence/dossiers", "officer", Some(body), 201).await;
        let steps = format!("/api/v1/residence/dossiers/{}/steps", d["id"].as_str().unwrap());
        self.call("post", &steps, "officer", Some(json!({"action": "start"})), 200).await;
        self.call("post", &steps, "supervisor", Some(json!({"action": "approve"})), 200).await
    }
}

async fn env(t: TestApp) -> Env {
    let system = Principal::system("test");
    let rows = vec![
        ImportRow { line: 1, person: Ok(sample::adult_man()) },
        ImportRow { line: 2, person: Ok(sample::adult_woman()) },
    ];
    t.app.import_batch(&system, rows, "test").await.unwrap();
    let router = dinhdanh_web::router(AppState { app: t.app.clone(), secure_cookies: false });
    let mut e = Env { t, router, tokens: HashMap::new() };
    for (name, role, j) in [
        ("officer", Role::Officer, "commune:26743"),
        ("supervisor", Role::Supervisor, "commune:26743"),
        ("officer_hn", Role::Supervisor, "commune:00004"),
    ] {
        let n = NewOfficer {
            username: name.replace('_', "-"),
            display_name: format!("Cán bộ {name}"),
            password: PASSWORD.into(),
            role,
            jurisdiction: Jurisdiction::parse(j).unwrap(),
        };
        e.t.app.create_officer(&system, n).await.unwrap();
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"username": name.replace('_', "-"), "password": PASSWORD}).to_string()))
            .unwrap();
        let res = e.router.clone().oneshot(req).await.unwrap();
        let v: Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        e.tokens.insert(name, v["token"].as_str().unwrap().to_owned());
    }
    e
}

fn field_codes(v: &Value) -> Vec<(String, String)> {
    v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_owned(), f["code"].as_str().unwrap().to_owned()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[tokio::test]
async fn residence_procedures_over_http() {
    for t in TestApp::all().await {
        let e = env(t).await;
        let ben_thanh = json!({"unit": "2025:26743", "detail": "12 Lê Lợi"});

        // Bad input: every broken rule at once, in both languages, nothing written.
        let r = e
            .call(
                "post",
                "/api/v1/residence/dossiers",
                "officer",
                Some(json!({"kind": "permanent", "pin": MAN, "address": {"unit": "2025:99999", "detail": "x"},
                    "proof": "bought"})),
                422,
            )
            .await;
        assert_eq!(field_codes(&r), pairs(&[("address.unit", "unit.unknown"), ("proof", "residence.proof")]));
        assert!(r["fields"][0]["message_vi"].as_str().unwrap().contains("đơn vị hành chính"), "{r}");
        let r = e
            .call("post", "/api/v1/residence/dossiers", "officer", Some(json!({"kind": "houseboat", "pin": MAN})), 422)
            .await;
        assert_eq!(field_codes(&r), pairs(&[("kind", "dossier.kind")]));
        let r = e
            .call(
                "post",
                "/api/v1/residence/dossiers",
                "officer",
                Some(json!({"kind": "permanent", "pin": "079090009999", "address": ben_thanh, "proof": "owned"})),
                422,
            )
            .await;
        assert_eq!(field_codes(&r), pairs(&[("pin", "pin.unknown")]));
        let none = e.t.app.store.registrations_of(sample::adult_man().id).await.unwrap();
        assert!(none.is_empty());

        // The man registers (new household), the woman joins as his wife.
        let d = e
            .through(json!({"kind": "permanent", "pin": MAN, "address": ben_thanh, "proof": "owned",
                "applicant": {"relation": "self", "contact": "0912000111"}}))
            .await;
        assert_eq!((d["status"].as_str(), d["kind"].as_str()), (Some("approved"), Some("residence.permanent")));
        let asof = e.call("get", &format!("/api/v1/persons/{MAN}/residence"), "officer", None, 200).await;
        let household = asof["household_id"].as_str().unwrap().to_owned();
        assert_eq!(asof["permanent"]["unit"], "2025:26743", "{asof}");
        assert_eq!(asof["relation"], "head");
        // Joining as a second head is refused.
        let r = e
            .call(
                "post",
                "/api/v1/residence/dossiers",
                "officer",
                Some(json!({"kind": "permanent", "pin": WOMAN, "address": ben_thanh, "proof": "consent",
                    "household_id": household, "relation": "head"})),
                422,
            )
            .await;
        assert_eq!(field_codes(&r), pairs(&[("relation", "household.has_head")]));
        e.through(json!({"kind": "permanent", "pin": WOMAN, "address": ben_thanh, "proof": "consent",
            "household_id": household, "relation": "wife",
            "applicant": {"relation": "household_head", "pin": MAN}}))
            .await;
        // Change of head, then the household with its members' history.
        e.through(json!({"kind": "change_head", "pin": WOMAN, "former_head_relation": "husband",
            "applicant": {"relation": "household_head", "pin": MAN}}))
            .await;
        let h = e.call("get", &format!("/api/v1/households/{household}"), "officer", None, 200).await;
        let rows: Vec<(String, String, bool)> = h["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["pin"].as_str().unwrap().to_owned(),
                    m["relation"].as_str().unwrap().to_owned(),
                    m["valid_to"].is_null(),
                )
            })
            .collect();
        assert_eq!(rows.len(), 4, "{h}");
        assert!(rows.contains(&(MAN.into(), "head".into(), false)), "{h}");
        assert!(rows.contains(&(WOMAN.into(), "head".into(), true)), "{h}");
        assert!(rows.contains(&(MAN.into(), "husband".into(), true)), "{h}");
        // Jurisdiction: the Ba Đình police neither see the household nor decide its dossiers.
        e.call("get", &format!("/api/v1/households/{household}"), "officer_hn", None, 403).await;

        // Temporary registration: in his own permanent commune it is refused.
        let r = e
            .call(
                "post",
                "/api/v1/residence/dossiers",
                "officer",
                Some(
                    json!({"kind": "temporary", "pin": MAN, "address": {"unit": "2025:26743", "detail": "9 Hàm Nghi"},
                    "valid_until": "2026-12-01"}),
                ),
                422,
            )
            .await;
        assert_eq!(field_codes(&r), pairs(&[("address.unit", "temporary.in_permanent_commune")]));
        let d = e
            .call(
                "post",
                "/api/v1/residence/dossiers",
                "officer_hn",
                Some(json!({"kind": "temporary", "pin": MAN, "address": {"unit": "2025:00004", "detail": "8 Kim Mã"},
                    "valid_until": "2028-09-02"})),
                422,
            )
            .await;
        assert_eq!(field_codes(&d), pairs(&[("valid_until", "temporary.term_too_long")]));
        let d = e
            .call(
                "post",
                "/api/v1/residence/dossiers",
                "officer_hn",
                Some(json!({"kind": "temporary", "pin": MAN, "address": {"unit": "2025:00004", "detail": "8 Kim Mã"},
                    "valid_until": "2027-09-01"})),
                201,
            )
            .await;
        assert!(d["code"].as_str().unwrap().starts_with("TAM-00004-"), "{d}");
        let id = d["id"].as_str().unwrap();
        e.call("get", &format!("/api/v1/residence/dossiers/{id}"), "officer", None, 403).await;
        let steps = format!("/api/v1/residence/dossiers/{id}/steps");
        e.call("post", &steps, "officer_hn", Some(json!({"action": "start"})), 200).await;
        e.call("post", &steps, "officer_hn", Some(json!({"action": "approve"})), 200).await;
        e.call("post", &steps, "officer_hn", Some(json!({"action": "return_result"})), 200).await;
        let v = e.call("get", &format!("/api/v1/residence/dossiers/{id}"), "officer_hn", None, 200).await;
        assert_eq!(v["status"], "done");
        let actions: Vec<&str> = v["log"].as_array().unwrap().iter().map(|l| l["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["receive", "start", "approve", "return_result"]);
        let asof = e.call("get", &format!("/api/v1/persons/{MAN}/residence?on=2026-09-01"), "officer", None, 200).await;
        assert_eq!(asof["temporary"][0]["unit"], "2025:00004", "{asof}");
        let before =
            e.call("get", &format!("/api/v1/persons/{MAN}/residence?on=2026-08-31"), "officer", None, 200).await;
        assert!(before["permanent"].is_null(), "{before}");
        e.call("get", &format!("/api/v1/persons/{MAN}/residence?on=31-08-2026"), "officer", None, 422).await;
    }
}

#[tokio::test]
async fn old_communes_and_absence_candidates_over_http() {
    let e = env(TestApp::new(dinhdanh_testkit::TestStore::sqlite().await)).await;
    // 00007 was split between 00008 and 00025: the officer is asked, then the choice accepted.
    let r = e.call("get", "/api/v1/admin-units/legacy-communes/00007/conversion", "officer", None, 200).await;
    assert_eq!(r["status"], "choose_split", "{r}");
    let units: Vec<&str> = r["candidates"].as_array().unwrap().iter().map(|c| c["unit"].as_str().unwrap()).collect();
    assert_eq!(units, ["2025:00008", "2025:00025"]);
    let r =
        e.call("get", "/api/v1/admin-units/legacy-communes/00007/conversion?choice=00025", "officer", None, 200).await;
    assert_eq!((r["status"].as_str(), r["commune"]["unit"].as_str()), (Some("converted"), Some("2025:00025")));
    let r =
        e.call("get", "/api/v1/admin-units/legacy-communes/00007/conversion?choice=00097", "officer", None, 422).await;
    assert_eq!(field_codes(&r), pairs(&[("choice", "unit.conversion_choice")]));
    let r = e.call("get", "/api/v1/admin-units/legacy-communes/00001/conversion", "officer", None, 200).await;
    assert_eq!(r["commune"]["unit"], "2025:00097");
    e.call("get", "/api/v1/admin-units/legacy-communes/99999/conversion", "officer", None, 404).await;

    // Candidates: the commune is required, in the caller's jurisdiction.
    let r = e.call("get", "/api/v1/residence/absence-candidates", "officer", None, 422).await;
    assert_eq!(field_codes(&r), pairs(&[("commune", "required")]));
    e.call("get", "/api/v1/residence/absence-candidates?commune=00004", "officer", None, 403).await;
    let r = e.call("get", "/api/v1/residence/absence-candidates?commune=26743", "officer", None, 200).await;
    assert_eq!(r["candidates"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(r["since"], "2025-09-01");
}
