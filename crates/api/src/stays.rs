//! Stay notifications (lưu trú) on the wire: the batch a host sends, its answer, the police's list.

use crate::parse::{Check, address, text};
use crate::requests::AddressInput;
use dinhdanh_domain::date::parse_full_date;
use dinhdanh_domain::error::{Invalid, Rule};
use dinhdanh_domain::name::PersonName;
use dinhdanh_domain::pin::PersonalNumber;
use dinhdanh_domain::stay::{Guest, MAX_STAY_TEXT};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;
use uuid::Uuid;

/// A batch of 1 to 100 guests from one host. All or nothing: if any guest is refused, the answer
/// lists every error (`guests[i].field`) and nothing is stored.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "idempotency_key": "hotel-42-2026-09-01-0001",
    "host_kind": "establishment",
    "host_name": "Khách sạn Bến Thành",
    "guests": [{
        "pin": "079090001234",
        "name": "Nguyễn Văn An",
        "place": {"unit": "2025:26743", "detail": "Phòng 305, 12 Lê Lợi"},
        "arrival_at": "2026-09-01T14:30:00+07:00",
        "departure_on": "2026-09-04",
        "reason": "Du lịch"
    }]
}))]
pub struct StayBatchRequest {
    /// Optional, 1–64 of `A–Z a–z 0–9 . _ -`: the same batch sent again under the same key answers
    /// with the batch stored the first time (`replayed: true`); other content under a used key is 409.
    pub idempotency_key: Option<String>,
    /// `household` (hộ gia đình) or `establishment` (cơ sở lưu trú).
    pub host_kind: Option<String>,
    /// The household's head or the establishment's name.
    pub host_name: Option<String>,
    pub guests: Vec<GuestInput>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuestInput {
    /// The guest's 12-digit personal identification number.
    pub pin: Option<String>,
    /// Full name in NFC, as the register holds it (letter case aside).
    pub name: Option<String>,
    /// Where the guest stays: a commune of the 2025 catalogue and the detail (street, room).
    pub place: Option<AddressInput>,
    /// Arrival, RFC 3339 (with its offset).
    pub arrival_at: Option<String>,
    /// Planned day of departure, `YYYY-MM-DD`; fewer than 30 days after the arrival's day.
    pub departure_on: Option<String>,
    /// Reason for the stay (tourism, work, family visit …).
    pub reason: Option<String>,
}

fn instant(s: &str) -> Result<OffsetDateTime, Rule> {
    OffsetDateTime::parse(s.trim(), &Rfc3339).map_err(|_| Rule::DateTimeFormat)
}

/// Parses one guest, every broken rule under its field name.
pub fn guest(g: &GuestInput) -> Result<Guest, Invalid> {
    let mut c = Check::new();
    let pin = c.req("pin", &g.pin, |s| PersonalNumber::parse(s.trim()));
    let name = c.req("name", &g.name, PersonName::parse);
    let place = match &g.place {
        Some(a) => address(&mut c, "place", a, true),
        None => {
            c.push("place", Rule::Required);
            None
        }
    };
    let arrival = c.req("arrival_at", &g.arrival_at, instant);
    let departure = c.req("departure_on", &g.departure_on, |s| parse_full_date(s.trim()));
    let reason = c.opt("reason", &g.reason, text(MAX_STAY_TEXT)).unwrap_or_default();
    c.finish()?;
    match (pin, name, place, arrival, departure) {
        (Some(pin), Some(name), Some(place), Some(arrival), Some(departure)) => {
            Ok(Guest { pin, name, place, arrival, departure, reason })
        }
        _ => Err(Invalid::one("", Rule::Required)),
    }
}

/// One guest's notification as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StayNotification {
    pub id: Uuid,
    pub batch_id: Uuid,
    pub pin: String,
    /// The name as the register holds it.
    pub name: String,
    pub host_kind: String,
    pub host_name: String,
    /// `2025:CODE`.
    pub place_unit: String,
    pub place_detail: String,
    /// RFC 3339.
    pub arrival_at: String,
    pub departure_on: String,
    pub reason: String,
    /// When the notification was due (23:00 the day of arrival, or 08:00 the next day for an
    /// arrival at or after 23:00, Vietnam time).
    pub deadline: String,
    pub notified_at: String,
    /// Sent at or after the deadline: accepted, and flagged.
    pub late: bool,
    pub notified_by: String,
}

/// The answer to a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StayBatchResponse {
    pub batch_id: Uuid,
    pub idempotency_key: Option<String>,
    /// True when the batch was stored earlier under the same key (nothing new was written).
    pub replayed: bool,
    /// How many guests were notified late.
    pub late: usize,
    pub notifications: Vec<StayNotification>,
}

/// Query of the police's list.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StayListQuery {
    /// A 2025 commune code (5 digits); by default every commune of the caller's jurisdiction.
    pub commune: Option<String>,
    /// First day of arrivals, `YYYY-MM-DD` (Vietnam time); default today.
    pub from: Option<String>,
    /// Last day of arrivals, `YYYY-MM-DD`, inclusive; default `from`.
    pub to: Option<String>,
    /// At most this many (1–500, default 100), newest arrival first.
    pub limit: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> GuestInput {
        GuestInput {
            pin: Some("079090001234".into()),
            name: Some("Nguyễn Văn An".into()),
            place: Some(AddressInput { unit: Some("2025:26743".into()), detail: Some("Phòng 305".into()) }),
            arrival_at: Some("2026-09-01T14:30:00+07:00".into()),
            departure_on: Some("2026-09-04".into()),
            reason: None,
        }
    }

    #[test]
    fn a_guest_parses_and_every_bad_field_is_named() {
        let g = guest(&ok()).unwrap();
        assert_eq!(g.pin.as_str(), "079090001234");
        let bad = GuestInput {
            pin: Some("12".into()),
            place: Some(AddressInput { unit: Some("legacy:26734".into()), detail: None }),
            arrival_at: Some("2026-09-01 14:30".into()),
            departure_on: None,
            ..ok()
        };
        let fields: Vec<(String, Rule)> = guest(&bad).unwrap_err().0.into_iter().map(|f| (f.field, f.rule)).collect();
        assert_eq!(
            fields,
            [
                ("pin".to_owned(), Rule::PinFormat),
                ("place.unit".to_owned(), Rule::UnitLegacyNotAllowed),
                ("arrival_at".to_owned(), Rule::DateTimeFormat),
                ("departure_on".to_owned(), Rule::Required),
            ]
        );
    }
}
