//! The OpenAPI document and a small server-rendered page that lists its operations and schemas
//! (no scripts, nothing fetched from elsewhere).

use super::{ApiDoc, PublicErrors};
use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use std::fmt::Write;
use std::sync::OnceLock;
use utoipa::OpenApi;

/// The document as JSON, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    // Serializing utoipa's own types cannot fail; an empty object would be the honest fallback.
    DOC.get_or_init(|| serde_json::to_value(ApiDoc::openapi()).unwrap_or_default())
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "docs", security(()),
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json",
        body = Object), PublicErrors))]
pub async fn openapi_json() -> Json<&'static Value> {
    Json(document())
}

/// Human-readable documentation of the API.
#[utoipa::path(get, path = "/api/v1/docs", tag = "docs", security(()),
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String), PublicErrors))]
pub async fn docs_page() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    let html = PAGE.get_or_init(|| render(document())).clone();
    let mut resp = Html(html).into_response();
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    resp
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn anchor(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

/// A schema as one line of HTML: links for references, `T[]` for arrays, `A | B` for unions.
fn type_html(s: &Value) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{}\">{}</a>", anchor(name), esc(name));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(items) = s.get(key).and_then(Value::as_array) {
            let sep = if key == "allOf" { " &amp; " } else { " | " };
            return items.iter().map(type_html).collect::<Vec<_>>().join(sep);
        }
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        return values.iter().map(|v| format!("<code>{}</code>", esc(&v.to_string()))).collect::<Vec<_>>().join(" | ");
    }
    let types: Vec<String> = match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => vec![],
    };
    let types: Vec<String> = types
        .into_iter()
        .map(|t| match (t.as_str(), s.get("items")) {
            ("array", Some(items)) => format!("{}[]", type_html(items)),
            _ => esc(&t),
        })
        .collect();
    if types.is_empty() { "any".to_owned() } else { types.join(" | ") }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).map(esc).unwrap_or_default()
}

fn render(doc: &Value) -> String {
    let mut h = String::new();
    let title = doc.pointer("/info/title").and_then(Value::as_str).unwrap_or("API");
    let version = doc.pointer("/info/version").and_then(Value::as_str).unwrap_or("");
    let _ = write!(
        h,
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}}\
         table{{border-collapse:collapse;margin:.5rem 0}}td,th{{border:1px solid #ccc;padding:.2rem .5rem;\
         text-align:left;vertical-align:top}}code{{background:#f4f4f4}}.op{{border-top:1px solid #999;\
         margin-top:1.5rem}}.m{{font-weight:bold;text-transform:uppercase}}</style></head><body>\
         <h1>{t} <small>{v}</small></h1><p>{d}</p>\
         <p>Tài liệu máy đọc / machine-readable: <a href=\"/api/v1/openapi.json\">openapi.json</a>. \
         Xác thực / authentication: <code>Authorization: Bearer &lt;token&gt;</code>.</p><h2>Thao tác / Operations</h2>",
        t = esc(title),
        v = esc(version),
        d = text(doc.pointer("/info").unwrap_or(&Value::Null), "description"),
    );
    let empty = serde_json::Map::new();
    let paths = doc.get("paths").and_then(Value::as_object).unwrap_or(&empty);
    let mut list: Vec<(&String, &Value)> = paths.iter().collect();
    list.sort_by(|a, b| a.0.cmp(b.0));
    for (path, item) in list {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let _ = write!(
                h,
                "<section class=\"op\" id=\"{id}\"><h3><span class=\"m\">{m}</span> <code>{p}</code></h3><p>{s}</p>",
                id = anchor(&format!("{method}{path}")),
                m = method,
                p = esc(path),
                s = [text(op, "summary"), text(op, "description")].join(" ").trim(),
            );
            if op
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(|o| o.is_empty())))
            {
                h.push_str("<p><em>Không cần xác thực / no authentication.</em></p>");
            }
            if let Some(params) = op.get("parameters").and_then(Value::as_array).filter(|p| !p.is_empty()) {
                h.push_str(
                    "<table><tr><th>Tham số / parameter</th><th>in</th><th>type</th><th>required</th><th></th></tr>",
                );
                for p in params {
                    let _ = write!(
                        h,
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        text(p, "name"),
                        text(p, "in"),
                        p.get("schema").map(type_html).unwrap_or_default(),
                        if p.get("required").and_then(Value::as_bool).unwrap_or(false) { "yes" } else { "" },
                        text(p, "description"),
                    );
                }
                h.push_str("</table>");
            }
            if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                let _ = write!(h, "<p>Request body (application/json): {}</p>", type_html(schema));
            }
            if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                h.push_str("<table><tr><th>status</th><th>body</th><th></th></tr>");
                for (status, r) in responses {
                    let body = r
                        .get("content")
                        .and_then(Value::as_object)
                        .and_then(|c| c.values().next())
                        .and_then(|m| m.get("schema"))
                        .map(type_html)
                        .unwrap_or_default();
                    let _ = write!(
                        h,
                        "<tr><td>{}</td><td>{body}</td><td>{}</td></tr>",
                        esc(status),
                        text(r, "description")
                    );
                }
                h.push_str("</table>");
            }
            h.push_str("</section>");
        }
    }
    h.push_str("<h2>Lược đồ / Schemas</h2>");
    if let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) {
        let mut list: Vec<(&String, &Value)> = schemas.iter().collect();
        list.sort_by(|a, b| a.0.cmp(b.0));
        for (name, s) in list {
            let _ = write!(
                h,
                "<section id=\"schema-{}\"><h3>{}</h3><p>{}</p>",
                anchor(name),
                esc(name),
                text(s, "description")
            );
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            // Flattened schemas (allOf) list the properties of each part.
            let parts: Vec<&Value> = match s.get("allOf").and_then(Value::as_array) {
                Some(all) => all.iter().collect(),
                None => vec![s],
            };
            for part in parts {
                if let Some(props) = part.get("properties").and_then(Value::as_object) {
                    let req: Vec<&str> = part
                        .get("required")
                        .and_then(Value::as_array)
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    h.push_str("<table><tr><th>field</th><th>type</th><th>required</th><th></th></tr>");
                    for (prop, ps) in props {
                        let _ = write!(
                            h,
                            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            esc(prop),
                            type_html(ps),
                            if required.contains(&prop.as_str()) || req.contains(&prop.as_str()) { "yes" } else { "" },
                            text(ps, "description"),
                        );
                    }
                    h.push_str("</table>");
                } else if part.get("$ref").is_some() {
                    let _ = write!(h, "<p>Includes {}</p>", type_html(part));
                } else if part.get("properties").is_none() {
                    let _ = write!(h, "<p>{}</p>", type_html(part));
                }
            }
            h.push_str("</section>");
        }
    }
    h.push_str("</body></html>");
    h
}
