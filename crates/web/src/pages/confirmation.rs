//! The printable residence confirmation (xác nhận thông tin về cư trú) for the officer who issued
//! it: what the signed document states, and its QR (the signed document itself). Written by hand
//! rather than from a template: a print page has no navigation and one fixed layout, in Vietnamese
//! as the document is.

use super::{Auth, app_error_page, error_page};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dinhdanh_app::residence_confirmation::ResidenceLine;
use dinhdanh_domain::stay::VIETNAM;
use std::fmt::Write as _;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn day(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month() as u8, d.year())
}

fn kind_vi(kind: &str) -> &'static str {
    if kind == "permanent" { "Thường trú" } else { "Tạm trú" }
}

fn rows(lines: &[ResidenceLine]) -> String {
    let mut s = String::new();
    for l in lines {
        let to = match (l.to, l.until) {
            (Some(t), _) => format!("đến {}", day(t)),
            (None, Some(u)) => format!("thời hạn đến {}", day(u)),
            (None, None) => "nay".to_owned(),
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>từ {} {}</td></tr>",
            kind_vi(&l.kind),
            esc(&l.address),
            day(l.from),
            esc(&to)
        );
    }
    if lines.is_empty() {
        s.push_str("<tr><td colspan=\"3\">Không có</td></tr>");
    }
    s
}

pub(crate) async fn page(auth: Auth, State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = uuid::Uuid::parse_str(id.trim()) else { return error_page(auth.tr(), None, StatusCode::NOT_FOUND) };
    let c = match s.app.residence_confirmation(&auth.principal, id).await {
        Ok(c) => c,
        Err(e) => return app_error_page(&auth, e),
    };
    let qr = crate::render::qr_svg(&c.token)
        .unwrap_or_else(|_| "<p>Mã QR không tạo được; dùng mã văn bản bên dưới.</p>".to_owned());
    let d = &c.claims;
    let household = match &d.household {
        Some(h) => format!(
            "<p>Hộ gia đình: {} — quan hệ với chủ hộ: {} (từ {})</p>",
            esc(&h.address),
            esc(&h.relation_vi),
            day(h.since)
        ),
        None => "<p>Hộ gia đình: không có</p>".to_owned(),
    };
    let at = |t: time::OffsetDateTime| {
        let t = t.to_offset(VIETNAM);
        format!("{:02}:{:02} ngày {}", t.hour(), t.minute(), day(t.date()))
    };
    let html = format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <title>Xác nhận thông tin về cư trú — {pin}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
         <body class=\"print\"><main>\
         <p>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</p>\
         <h1>XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ</h1>\
         <p>Số: {id}</p>\
         <p>Họ, chữ đệm và tên: <strong>{name}</strong><br>Ngày sinh: {dob}<br>Số định danh cá nhân: {pin}</p>\
         <h2>Nơi cư trú hiện tại</h2><table>{current}</table>\
         <h2>Nơi cư trú trước đây</h2><table>{earlier}</table>\
         {household}\
         <p>Cơ quan xác nhận: {issuer}<br>Cấp lúc {issued}; có giá trị đến {expires}, \
         và hết giá trị ngay khi thông tin về cư trú thay đổi.</p>\
         <figure>{qr}<figcaption>Kiểm tra tại /api/v1/residence-confirmations/verify \
         hoặc bằng khóa công khai /api/v1/cards/qr-keys</figcaption></figure>\
         <p class=\"token\"><code>{token}</code></p>\
         </main></body></html>",
        pin = esc(&d.pin),
        id = d.id,
        name = esc(&d.name),
        dob = esc(&d.date_of_birth),
        current = rows(&d.current),
        earlier = rows(&d.earlier),
        issuer = esc(&d.issuer),
        issued = at(d.issued_at),
        expires = at(d.expires_at),
        token = esc(&c.token),
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}
