//! Residence confirmations over HTTP: an officer issues one, anyone verifies it (valid, bad
//! signature, malformed, void once the residence changed, expired), and the officer prints it.

use super::{Env, MAN, envs};
use axum::body::Body;
use axum::http::{Request, header};
use dinhdanh_app::residence::TemporaryRequest;
use dinhdanh_testkit::officer;
use dinhdanh_testkit::sample::{self, BA_DINH};
use http_body_util::BodyExt;
use serde_json::json;
use time::macros::date;
use tower::ServiceExt;

async fn verdict(e: &Env, token: &str) -> serde_json::Value {
    e.expect("post", "/api/v1/residence-confirmations/verify", "none", Some(json!({"token": token})), 200).await
}

#[tokio::test]
async fn officers_issue_confirmations_anyone_verifies_them() {
    for e in envs().await {
        let path = format!("/api/v1/persons/{MAN}/residence-confirmations");
        let issued = e.expect("post", &path, "officer_hn", None, 201).await;
        let token = issued["token"].as_str().unwrap().to_owned();
        assert_eq!(issued["document"]["pin"], MAN);
        assert!(issued["document"]["expires_at"].as_str().unwrap().starts_with("2027-09-01"), "{issued}");
        // API clients and administrators may not issue; an unknown number is a field error.
        e.expect("post", &path, "client_read", None, 403).await;
        e.expect("post", &path, "admin", None, 403).await;
        e.expect("post", "/api/v1/persons/079090009999/residence-confirmations", "officer", None, 422).await;

        let v = verdict(&e, &token).await;
        assert_eq!(v["verdict"], "valid", "{v}");
        assert_eq!(v["document"]["name"], "Nguyễn Văn An");
        // One character inside the signed content changed (not the last of a part, whose
        // low bits are padding).
        let at = token.find('.').unwrap() + 5;
        let mut bad = token.clone().into_bytes();
        bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(verdict(&e, &bad).await["verdict"], "bad_signature");
        assert_eq!(verdict(&e, "not a token").await["verdict"], "malformed");
        assert!(verdict(&e, "x.y.z").await["document"].is_null());
        e.expect("post", "/api/v1/residence-confirmations/verify", "none", Some(json!({})), 422).await;

        // The printable page, for the officer's session.
        let id = issued["document"]["id"].as_str().unwrap();
        let req = Request::get(format!("/residence-confirmations/{id}"))
            .header(header::COOKIE, format!("dd_session={}", e.token("officer").unwrap()))
            .body(Body::empty())
            .unwrap();
        let resp = e.router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let html = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        assert!(html.contains("XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ") && html.contains("<svg"), "{html}");
        assert!(html.contains(&token), "the page carries the signed document");
        e.expect("get", &format!("/api/v1/residence-confirmations/{id}"), "client_read", None, 403).await;
        let again = e.expect("get", &format!("/api/v1/residence-confirmations/{id}"), "supervisor", None, 200).await;
        assert_eq!(again["token"], issued["token"]);

        // The residence changes: void. A year and a day later: expired.
        e.t.app
            .register_temporary(
                &officer(dinhdanh_app::auth::Role::Officer, "province:01"),
                TemporaryRequest {
                    pin: sample::pin(MAN),
                    address: sample::address(BA_DINH, "5 Tràng Tiền"),
                    valid_from: date!(2026 - 09 - 01),
                    valid_until: date!(2026 - 12 - 31),
                    legal_basis: "Luật Cư trú 2020".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(verdict(&e, &token).await["verdict"], "void_residence_changed");
        e.t.clock.advance(time::Duration::days(366));
        assert_eq!(verdict(&e, &token).await["verdict"], "expired");
    }
}
