//! Stay notifications over HTTP: a host's API client sends a batch, repeats it under its key, has
//! a bad batch refused whole with per-guest errors in both languages, and cannot leave its
//! jurisdiction; the commune police list what arrived.

use super::{Env, MAN, WOMAN, envs, field_codes};
use dinhdanh_app::auth::{Principal, Scope};
use dinhdanh_domain::person::Jurisdiction;
use serde_json::{Value, json};

fn guest(pin: &str, name: &str, unit: &str, arrival: &str, departure: &str) -> Value {
    json!({
        "pin": pin, "name": name, "place": {"unit": unit, "detail": "Phòng 305, 12 Lê Lợi"},
        "arrival_at": arrival, "departure_on": departure, "reason": "Du lịch"
    })
}

fn batch(key: &str, guests: Vec<Value>) -> Value {
    json!({"idempotency_key": key, "host_kind": "establishment", "host_name": "Khách sạn Bến Thành", "guests": guests})
}

async fn hotel(e: &mut Env) {
    let (_, token) =
        e.t.app
            .create_api_client(
                &Principal::system("test"),
                "khach-san-ben-thanh",
                vec![Scope::StaysWrite],
                Jurisdiction::parse("commune:26743").unwrap(),
            )
            .await
            .unwrap();
    e.tokens.insert("client_hotel", token);
}

async fn listed(e: &Env, who: &str) -> usize {
    e.expect("get", "/api/v1/stays?from=2026-08-31&to=2026-09-01", who, None, 200).await.as_array().unwrap().len()
}

#[tokio::test]
async fn hosts_notify_stays_in_batches_and_the_commune_police_list_them() {
    for mut e in envs().await {
        hotel(&mut e).await;
        let good = || {
            batch(
                "ks-bt-0001",
                vec![
                    guest(MAN, "Nguyễn Văn An", "2025:26743", "2026-09-01T08:00:00+07:00", "2026-09-03"),
                    guest(WOMAN, "Trần Thị Bích Hòa", "2025:26743", "2026-08-31T20:00:00+07:00", "2026-09-02"),
                ],
            )
        };
        let first = e.expect("post", "/api/v1/stays", "client_hotel", Some(good()), 201).await;
        assert_eq!(first["replayed"], false);
        assert_eq!(first["late"], 1, "20:00 yesterday was due at 23:00 yesterday: {first}");
        assert_eq!(first["notifications"][1]["deadline"], "2026-08-31T23:00:00+07:00");
        assert_eq!(first["notifications"][0]["name"], "Nguyễn Văn An");
        // The same batch again: the stored answer, nothing new.
        let again = e.expect("post", "/api/v1/stays", "client_hotel", Some(good()), 200).await;
        assert_eq!((again["replayed"].clone(), again["batch_id"].clone()), (json!(true), first["batch_id"].clone()));
        let mut other = good();
        other["guests"][0]["departure_on"] = json!("2026-09-04");
        let r = e.expect("post", "/api/v1/stays", "client_hotel", Some(other), 409).await;
        assert_eq!(r["fields"][0]["code"], "idempotency_key.reused");
        assert_eq!(listed(&e, "officer").await, 2);

        // One bad guest refuses the batch; every error is named per guest, in both languages.
        let bad = batch(
            "ks-bt-0002",
            vec![
                guest(MAN, "Nguyễn Văn An", "2025:26743", "2026-09-01T08:00:00+07:00", "2026-09-03"),
                guest("079090009999", "Lê Văn Tám", "2025:26743", "2026-09-01T08:00:00+07:00", "2026-09-03"),
                guest(WOMAN, "Trần Thị Hòa", "2025:26743", "2026-09-01T08:00:00+07:00", "2026-08-30"),
                guest(MAN, "Nguyễn Văn An", "2025:99999", "2026-09-01 08:00", "2026-10-15"),
            ],
        );
        let r = e.expect("post", "/api/v1/stays", "client_hotel", Some(bad), 422).await;
        let codes = field_codes(&r);
        let want = [
            ("guests[1].pin", "pin.unknown"),
            ("guests[2].name", "stay.name_mismatch"),
            ("guests[2].departure_on", "stay.departure_before_arrival"),
            ("guests[3].place.unit", "unit.unknown"),
            ("guests[3].arrival_at", "datetime.format"),
        ];
        for (f, c) in want {
            assert!(codes.contains(&(f.to_owned(), c.to_owned())), "{f} {c} missing from {codes:?}");
        }
        assert_eq!(codes.len(), want.len(), "{codes:?}");
        for f in r["fields"].as_array().unwrap() {
            assert!(!f["message_vi"].as_str().unwrap().is_empty() && f["message_vi"] != f["message_en"]);
        }
        let too_long = batch(
            "ks-bt-0003",
            vec![guest(MAN, "Nguyễn Văn An", "2025:26743", "2026-09-01T08:00:00+07:00", "2026-10-01")],
        );
        let r = e.expect("post", "/api/v1/stays", "client_hotel", Some(too_long), 422).await;
        assert_eq!(field_codes(&r), [("guests[0].departure_on".to_owned(), "stay.too_long".to_owned())]);
        let many: Vec<Value> = (0..101)
            .map(|_| guest(MAN, "Nguyễn Văn An", "2025:26743", "2026-09-01T08:00:00+07:00", "2026-09-03"))
            .collect();
        let r = e.expect("post", "/api/v1/stays", "client_hotel", Some(batch("ks-bt-0004", many)), 422).await;
        assert_eq!(field_codes(&r), [("guests".to_owned(), "stay.batch_size".to_owned())]);
        assert_eq!(listed(&e, "officer").await, 2, "nothing of the refused batches was written");

        // Outside the host's commune, or without the scope: refused.
        let hanoi = batch(
            "ks-bt-0005",
            vec![guest(MAN, "Nguyễn Văn An", "2025:00004", "2026-09-01T08:00:00+07:00", "2026-09-03")],
        );
        e.expect("post", "/api/v1/stays", "client_hotel", Some(hanoi), 403).await;
        e.expect("post", "/api/v1/stays", "client_read", Some(good()), 403).await;
        e.expect("post", "/api/v1/stays", "none", Some(good()), 401).await;

        // The list: the commune police of the place; Hà Nội's officers see none; hosts cannot list.
        assert_eq!(listed(&e, "officer_hn").await, 0);
        assert_eq!(listed(&e, "supervisor").await, 2);
        e.expect("get", "/api/v1/stays", "client_hotel", None, 403).await;
        e.expect("get", "/api/v1/stays?commune=26743", "officer_hn", None, 403).await;
        let r = e.expect("get", "/api/v1/stays?from=yesterday", "officer", None, 422).await;
        assert_eq!(r["fields"][0]["field"], "from");
    }
}
