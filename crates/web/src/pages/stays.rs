//! Officer page of stay notifications (thông báo lưu trú): the list of arrivals in the officer's
//! jurisdiction, and a form to notify guests at one place. Both go through the same audited use
//! cases as `/api/v1/stays`, and the form is parsed by the API's own guest parser so the page and
//! the API accept and refuse alike.

use super::forms::{FormErrors, full_date, opt};
use super::i18n::Tr;
use super::session::form_csrf;
use super::{Auth, Nav, app_error_page, enc, query_param, render};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dinhdanh_api::requests::AddressInput;
use dinhdanh_api::stays::{self as wire, GuestInput};
use dinhdanh_app::AppError;
use dinhdanh_app::stay::{self, StayNotification};
use dinhdanh_domain::admin::catalogue;
use dinhdanh_domain::date::iso;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::stay::{HostKind, VIETNAM};
use std::collections::HashSet;
use time::{Duration, Time};

/// Guest rows the form offers; empty rows are skipped.
const ROWS: usize = 3;
/// Rows the list shows at most.
const LIST_LIMIT: u32 = 200;
/// Inputs of one guest row, named `g<row>-<field>` (the field as the API names it).
const GUEST_FIELDS: [(&str, &str); 5] =
    [("pin", "text"), ("name", "text"), ("arrival_at", "datetime-local"), ("departure_on", "date"), ("reason", "text")];

fn when(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(VIETNAM);
    format!("{} {:02}:{:02}", iso(t.date()), t.hour(), t.minute())
}

pub(crate) struct Row {
    pub arrival: String,
    pub pin: String,
    pub name: String,
    pub host: String,
    pub place: String,
    pub departure: String,
    pub reason: String,
    pub late: bool,
    pub notified: String,
}

pub(crate) struct Input {
    pub name: String,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "stays.html")]
struct StaysTpl {
    tr: Tr,
    nav: Option<Nav>,
    csrf: String,
    commune: String,
    from: String,
    to: String,
    rows: Vec<Row>,
    filter_error: Option<&'static str>,
    done: bool,
    kinds: Vec<(&'static str, &'static str, bool)>,
    host_name: String,
    place_unit: String,
    place_detail: String,
    guests: Vec<Vec<Input>>,
    errors: FormErrors,
}

impl StaysTpl {
    fn unit_name(&self) -> String {
        super::forms::unit_name(&self.place_unit).unwrap_or_default()
    }
}

fn row(tr: Tr, n: &StayNotification) -> Row {
    let kind = if tr.code() == "en" { n.host_kind.code() } else { n.host_kind.name_vi() };
    Row {
        arrival: when(n.arrival_at),
        pin: n.pin.to_string(),
        name: n.guest_name.clone(),
        host: format!("{kind}: {}", n.host_name),
        place: format!("{}, {}", n.place.detail, catalogue().display_name(&n.place.unit)),
        departure: iso(n.departure_on),
        reason: n.reason.clone(),
        late: n.late,
        notified: format!("{} · {}", when(n.notified_at), n.notified_by.name),
    }
}

/// The filters of the list as typed, and the query to put back in links.
struct Filter {
    commune: String,
    from: String,
    to: String,
}

async fn page(
    state: &AppState,
    auth: &Auth,
    filter: Filter,
    form: &[(String, String)],
    errors: FormErrors,
    done: bool,
    status: StatusCode,
) -> Response {
    let tr = auth.tr();
    let today = state.app.clock.today();
    // A week of arrivals up to today unless asked otherwise.
    let day = |s: &str, default: time::Date| match opt(s) {
        None => Ok(default),
        Some(_) => full_date(s),
    };
    let mut filter_error = None;
    let from = day(&filter.from, today - Duration::days(7)).unwrap_or_else(|r| {
        filter_error = Some(tr.rule(r));
        today
    });
    let to = day(&filter.to, today).unwrap_or_else(|r| {
        filter_error = Some(tr.rule(r));
        today
    });
    let rows = if filter_error.is_some() {
        Vec::new()
    } else {
        let start = from.with_time(Time::MIDNIGHT).assume_offset(VIETNAM);
        let end = to.with_time(Time::MIDNIGHT).assume_offset(VIETNAM) + Duration::days(1);
        let commune = opt(&filter.commune).map(|c| c.strip_prefix("2025:").unwrap_or(c));
        match state.app.stays(&auth.principal, commune, start, end, LIST_LIMIT).await {
            Ok(list) => list.iter().map(|n| row(tr, n)).collect(),
            Err(AppError::Invalid(inv)) => {
                filter_error = inv.0.first().map(|e| tr.rule(e.rule));
                Vec::new()
            }
            Err(e) => return app_error_page(auth, e),
        }
    };
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let kind = get("host_kind");
    let guests = (0..ROWS)
        .map(|i| {
            GUEST_FIELDS
                .iter()
                .map(|(f, k)| {
                    let name = format!("g{i}-{f}");
                    Input {
                        label: tr.s(&format!("stay.f.{f}")),
                        kind: k,
                        value: get(&name),
                        error: errors.get(&name),
                        name,
                    }
                })
                .collect()
        })
        .collect();
    let t = StaysTpl {
        tr,
        nav: Some(Nav::of(auth)),
        csrf: auth.csrf.clone(),
        commune: filter.commune,
        from: iso(from),
        to: iso(to),
        rows,
        filter_error,
        done,
        kinds: HostKind::ALL
            .iter()
            .map(|k| (k.code(), if tr.code() == "en" { k.code() } else { k.name_vi() }, k.code() == kind))
            .collect(),
        host_name: get("host_name"),
        place_unit: get("place_unit"),
        place_detail: get("place_detail"),
        guests,
        errors,
    };
    render(status, &t)
}

pub(crate) async fn list(State(state): State<AppState>, auth: Auth, RawQuery(q): RawQuery) -> Response {
    let q = q.unwrap_or_default();
    let p = |k: &str| query_param(&q, k).unwrap_or_default();
    let filter = Filter { commune: p("commune"), from: p("from"), to: p("to") };
    let done = p("done") == "1";
    page(&state, &auth, filter, &[], FormErrors::new(auth.tr()), done, StatusCode::OK).await
}

/// `datetime-local` sends `YYYY-MM-DDTHH:MM[:SS]` without an offset: the time is Vietnam's.
fn arrival(s: &str) -> String {
    let s = s.trim();
    match s.len() {
        16 => format!("{s}:00+07:00"),
        19 => format!("{s}+07:00"),
        _ => s.to_owned(),
    }
}

/// The use case's field (`guests[i].place.unit`) as the input it came from.
fn input_name(field: &str, sent: &[usize]) -> String {
    let Some(rest) = field.strip_prefix("guests[") else {
        return if field == "guests" { "g0-pin".to_owned() } else { field.replace('.', "_") };
    };
    let (i, f) = rest.split_once("].").unwrap_or((rest.trim_end_matches(']'), "pin"));
    let row = i.parse::<usize>().ok().and_then(|i| sent.get(i).copied()).unwrap_or(0);
    match f {
        "place" | "place.unit" => "place_unit".to_owned(),
        "place.detail" => "place_detail".to_owned(),
        f => format!("g{row}-{f}"),
    }
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    if !auth.csrf_ok(form_csrf(&f)) {
        return auth.csrf_refused();
    }
    let get = |k: &str| f.iter().find(|(n, _)| n == k).and_then(|(_, v)| opt(v)).map(str::to_owned);
    let place = || AddressInput {
        unit: get("place_unit").map(|u| if u.contains(':') { u } else { format!("2025:{u}") }),
        detail: get("place_detail"),
    };
    // Rows the officer filled in, by their index in the form.
    let sent: Vec<usize> =
        (0..ROWS).filter(|i| GUEST_FIELDS.iter().any(|(n, _)| get(&format!("g{i}-{n}")).is_some())).collect();
    let guests: Vec<GuestInput> = sent
        .iter()
        .map(|i| {
            let g = |n: &str| get(&format!("g{i}-{n}"));
            GuestInput {
                pin: g("pin"),
                name: g("name"),
                place: Some(place()),
                arrival_at: g("arrival_at").map(|a| arrival(&a)),
                departure_on: g("departure_on"),
                reason: g("reason"),
            }
        })
        .collect();
    let batch = stay::StayBatchRequest {
        idempotency_key: None,
        host_kind: get("host_kind").as_deref().map_or(Err(Rule::Required), HostKind::parse),
        host_name: get("host_name").unwrap_or_default(),
        guests: guests.iter().map(wire::guest).collect(),
    };
    let filter = Filter { commune: String::new(), from: String::new(), to: String::new() };
    let mut errors = FormErrors::new(auth.tr());
    match state.app.notify_stays(&auth.principal, batch).await {
        Ok(out) => {
            let day = out.batch.notifications.iter().map(|n| n.arrival_at.to_offset(VIETNAM).date()).min();
            let from = day.map(iso).unwrap_or_default();
            Redirect::to(&format!("/stays?done=1&from={}", enc(&from))).into_response()
        }
        Err(AppError::Invalid(inv)) => {
            // Every guest shares the place: say its error once.
            let mut seen = HashSet::new();
            for e in &inv.0 {
                let name = input_name(&e.field, &sent);
                if seen.insert((name.clone(), e.rule)) {
                    errors.rule(&name, e.rule);
                }
            }
            page(&state, &auth, filter, &f, errors, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => app_error_page(&auth, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_the_use_case_map_to_inputs() {
        let sent = [0, 2];
        assert_eq!(input_name("guests[1].pin", &sent), "g2-pin");
        assert_eq!(input_name("guests[0].place.unit", &sent), "place_unit");
        assert_eq!(input_name("guests[0].place.detail", &sent), "place_detail");
        assert_eq!(input_name("host_name", &sent), "host_name");
        assert_eq!(input_name("guests", &sent), "g0-pin");
        assert_eq!(arrival("2026-09-01T08:00"), "2026-09-01T08:00:00+07:00");
    }
}
