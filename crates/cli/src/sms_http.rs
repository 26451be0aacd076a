//! The generic HTTP SMS gateway: one POST per message to a provider's URL, with an
//! authorization header and a body made from a template, all from configuration.
//!
//! Placeholders in the template: `{phone}` (national form, `0xxxxxxxxx`), `{phone_intl}`
//! (`84xxxxxxxxx`) and `{text}`. Values are escaped for the body's content type (JSON strings
//! for `application/json`, percent-encoding for `application/x-www-form-urlencoded`), so a
//! message can never change the shape of the request. Any 2xx answer is a delivery to the
//! provider; anything else, a timeout or a refused connection is an error the use case reports.
//!
//! TLS is not built in: the URL is `http://`. In production the gateway is reached through a
//! TLS-originating relay on the same host (the URL then names a loopback address); a plain URL
//! to another host is accepted with a warning, as the header would cross the network in clear.

use anyhow::{Context, bail};
use async_trait::async_trait;
use dinhdanh_app::eid::sms::{SmsError, SmsGateway};
use dinhdanh_domain::codes::Phone;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use std::time::Duration;

/// Settings of the HTTP gateway, as the command line gives them.
#[derive(Clone, Debug)]
pub struct HttpSmsConfig {
    pub url: String,
    /// `Name: value`, e.g. `Authorization: Bearer …`; optional.
    pub auth_header: Option<String>,
    pub body_template: String,
    pub content_type: String,
    pub timeout: Duration,
}

/// The default body: a JSON object with the number and the text.
pub const DEFAULT_TEMPLATE: &str = r#"{"to":"{phone_intl}","text":"{text}"}"#;

pub struct HttpSmsGateway {
    host: String,
    port: u16,
    /// Path and query of the URL.
    target: String,
    authority: String,
    auth: Option<(HeaderName, HeaderValue)>,
    template: String,
    content_type: HeaderValue,
    escape: Escape,
    timeout: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    Json,
    Form,
    None,
}

impl std::fmt::Debug for HttpSmsGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The authorization header is a secret.
        f.debug_struct("HttpSmsGateway").field("authority", &self.authority).field("target", &self.target).finish()
    }
}

impl HttpSmsGateway {
    pub fn new(c: HttpSmsConfig) -> anyhow::Result<Self> {
        let url = c.url.trim();
        let Some(rest) = url.strip_prefix("http://") else {
            if url.starts_with("https://") {
                bail!(
                    "the SMS gateway URL {url} is https://, and TLS is not built in: run a TLS-originating relay \
                     on this host and give its http://127.0.0.1:PORT/… address"
                );
            }
            bail!("the SMS gateway URL {url} must start with http://");
        };
        let (authority, target) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') {
            bail!("the SMS gateway URL {url} must name a host (and no user name)");
        }
        let (host, port) = split_authority(authority).with_context(|| format!("host and port of {url}"))?;
        let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            tracing::warn!(host, "the SMS gateway is reached over plain HTTP on the network");
        }
        let auth = match c.auth_header.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            None => None,
            Some(h) => {
                let (name, value) = h.split_once(':').context("the SMS auth header must read `Name: value`")?;
                let name = HeaderName::from_bytes(name.trim().as_bytes()).context("name of the SMS auth header")?;
                let mut value = HeaderValue::from_str(value.trim()).context("value of the SMS auth header")?;
                value.set_sensitive(true);
                Some((name, value))
            }
        };
        if !c.body_template.contains("{text}") {
            bail!("the SMS body template must contain {{text}}");
        }
        if !c.body_template.contains("{phone}") && !c.body_template.contains("{phone_intl}") {
            bail!("the SMS body template must contain {{phone}} or {{phone_intl}}");
        }
        let media = c.content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        let escape = if media == "application/json" || media.ends_with("+json") {
            Escape::Json
        } else if media == "application/x-www-form-urlencoded" {
            Escape::Form
        } else {
            Escape::None
        };
        Ok(HttpSmsGateway {
            host,
            port,
            target: target.to_owned(),
            authority: authority.to_owned(),
            auth,
            template: c.body_template,
            content_type: HeaderValue::from_str(&c.content_type).context("the SMS content type")?,
            escape,
            timeout: c.timeout,
        })
    }

    /// The request body for one message.
    pub fn body(&self, phone: &Phone, text: &str) -> String {
        let national = phone.as_str();
        let intl = format!("84{}", national.strip_prefix('0').unwrap_or(national));
        // One pass over the template, so a value that contains a placeholder is not expanded.
        let mut out = String::with_capacity(self.template.len() + text.len());
        let mut rest = self.template.as_str();
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            let (value, len) = if tail.starts_with("{phone_intl}") {
                (Some(intl.as_str()), "{phone_intl}".len())
            } else if tail.starts_with("{phone}") {
                (Some(national), "{phone}".len())
            } else if tail.starts_with("{text}") {
                (Some(text), "{text}".len())
            } else {
                (None, 1)
            };
            match value {
                Some(v) => self.escape_into(&mut out, v),
                None => out.push('{'),
            }
            rest = &tail[len..];
        }
        out.push_str(rest);
        out
    }

    fn escape_into(&self, out: &mut String, v: &str) {
        match self.escape {
            Escape::None => out.push_str(v),
            Escape::Json => {
                let quoted = serde_json::to_string(v).unwrap_or_default();
                out.push_str(&quoted[1..quoted.len() - 1]);
            }
            Escape::Form => {
                for b in v.bytes() {
                    match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
                        b' ' => out.push('+'),
                        _ => out.push_str(&format!("%{b:02X}")),
                    }
                }
            }
        }
    }

    async fn post(&self, body: String) -> anyhow::Result<(hyper::StatusCode, String)> {
        let stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port)).await?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        let conn = tokio::spawn(conn);
        let mut req = hyper::Request::post(self.target.as_str())
            .header(hyper::header::HOST, self.authority.as_str())
            .header(hyper::header::CONTENT_TYPE, self.content_type.clone())
            .header(hyper::header::USER_AGENT, "dinhdanh-sms");
        if let Some((name, value)) = &self.auth {
            req = req.header(name, value.clone());
        }
        let resp = sender.send_request(req.body(Full::new(Bytes::from(body)))?).await?;
        let status = resp.status();
        let bytes = resp.into_body().collect().await?.to_bytes();
        conn.abort();
        let excerpt: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
        Ok((status, excerpt))
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` → (host, port).
fn split_authority(a: &str) -> Option<(String, u16)> {
    let (host, port) = if let Some(v6) = a.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match a.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (a, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => 80,
    };
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

#[async_trait]
impl SmsGateway for HttpSmsGateway {
    async fn send(&self, phone: &Phone, text: &str) -> Result<(), SmsError> {
        let body = self.body(phone, text);
        match tokio::time::timeout(self.timeout, self.post(body)).await {
            Err(_) => Err(SmsError::Failed(format!("no answer within {} s", self.timeout.as_secs()))),
            Ok(Err(e)) => Err(SmsError::Failed(format!("{}: {e}", self.authority))),
            Ok(Ok((status, _))) if status.is_success() => Ok(()),
            Ok(Ok((status, excerpt))) => Err(SmsError::Failed(format!("HTTP {status}: {excerpt}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway(template: &str, content_type: &str) -> HttpSmsGateway {
        HttpSmsGateway::new(HttpSmsConfig {
            url: "http://127.0.0.1:9/send?x=1".into(),
            auth_header: Some("Authorization: Bearer k".into()),
            body_template: template.into(),
            content_type: content_type.into(),
            timeout: Duration::from_secs(1),
        })
        .expect("config")
    }

    #[test]
    fn bodies_escape_values_for_their_content_type() {
        let phone = Phone::parse("0913572468").expect("phone");
        let text = "Ma \"x\" {phone} & 1+1\n";
        let json = gateway(DEFAULT_TEMPLATE, "application/json; charset=utf-8").body(&phone, text);
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!((v["to"].as_str(), v["text"].as_str()), (Some("84913572468"), Some(text)));
        let form = gateway("to={phone}&msg={text}", "application/x-www-form-urlencoded").body(&phone, text);
        assert_eq!(form, "to=0913572468&msg=Ma+%22x%22+%7Bphone%7D+%26+1%2B1%0A");
        let plain = gateway("{phone}|{text}|{other}", "text/plain").body(&phone, "hi");
        assert_eq!(plain, "0913572468|hi|{other}");
    }

    #[test]
    fn configuration_is_checked() {
        let c = |url: &str, header: Option<&str>, template: &str| HttpSmsConfig {
            url: url.into(),
            auth_header: header.map(Into::into),
            body_template: template.into(),
            content_type: "application/json".into(),
            timeout: Duration::from_secs(1),
        };
        for bad in [
            c("https://sms.example/send", None, DEFAULT_TEMPLATE),
            c("ftp://x/", None, DEFAULT_TEMPLATE),
            c("http:///send", None, DEFAULT_TEMPLATE),
            c("http://u:p@host/", None, DEFAULT_TEMPLATE),
            c("http://127.0.0.1:8/", Some("no colon"), DEFAULT_TEMPLATE),
            c("http://127.0.0.1:8/", None, r#"{"to":"{phone}"}"#),
            c("http://127.0.0.1:8/", None, r#"{"text":"{text}"}"#),
            c("http://127.0.0.1:99999/", None, DEFAULT_TEMPLATE),
        ] {
            assert!(HttpSmsGateway::new(bad.clone()).is_err(), "{bad:?}");
        }
        let g = HttpSmsGateway::new(c("http://[::1]:8025", Some("X-Key: s"), DEFAULT_TEMPLATE)).expect("ok");
        assert_eq!((g.host.as_str(), g.port, g.target.as_str()), ("::1", 8025, "/"));
        assert!(!format!("{g:?}").contains("X-Key"), "no secret in Debug");
        assert_eq!(split_authority("sms.example"), Some(("sms.example".into(), 80)));
        assert_eq!(split_authority("[::1]"), Some(("::1".into(), 80)));
        assert_eq!(split_authority("h:x"), None);
    }

    /// What the receiver saw: (path and query, headers, body).
    type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, axum::http::HeaderMap, String)>>>;

    /// A real HTTP receiver on a free local port, answering `status` after `delay`.
    async fn receiver(status: u16, delay: Duration) -> (std::net::SocketAddr, Seen) {
        let seen: Seen = Default::default();
        let s2 = seen.clone();
        let app =
            axum::Router::new().fallback(move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: String| {
                let seen = s2.clone();
                async move {
                    seen.lock().expect("lock").push((uri.to_string(), headers, body));
                    tokio::time::sleep(delay).await;
                    (axum::http::StatusCode::from_u16(status).expect("status"), "{\"ok\":false,\"why\":\"quota\"}")
                }
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (addr, seen)
    }

    fn to(addr: std::net::SocketAddr, timeout: Duration) -> HttpSmsGateway {
        HttpSmsGateway::new(HttpSmsConfig {
            url: format!("http://{addr}/v1/sms?account=dd"),
            auth_header: Some("Authorization: Bearer s3cret".into()),
            body_template: DEFAULT_TEMPLATE.into(),
            content_type: "application/json".into(),
            timeout,
        })
        .expect("config")
    }

    #[tokio::test]
    async fn sends_to_a_real_receiver_and_reports_its_refusals() {
        let phone = Phone::parse("0913572468").expect("phone");
        let (addr, seen) = receiver(202, Duration::ZERO).await;
        to(addr, Duration::from_secs(5)).send(&phone, "Ma xac thuc: 123456").await.expect("delivered");
        let (target, headers, body) = seen.lock().expect("lock").pop().expect("one request");
        assert_eq!(target, "/v1/sms?account=dd");
        assert_eq!(headers.get("authorization").and_then(|v| v.to_str().ok()), Some("Bearer s3cret"));
        assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
        let v: serde_json::Value = serde_json::from_str(&body).expect("JSON body");
        assert_eq!(v, serde_json::json!({"to": "84913572468", "text": "Ma xac thuc: 123456"}));

        // A refusal is an error that carries the provider's answer.
        let (addr, _) = receiver(429, Duration::ZERO).await;
        let e = to(addr, Duration::from_secs(5)).send(&phone, "x").await.expect_err("refused");
        assert!(e.to_string().contains("429") && e.to_string().contains("quota"), "{e}");
        // So is a receiver that does not answer in time, and one that is not there.
        let (addr, _) = receiver(200, Duration::from_secs(5)).await;
        let e = to(addr, Duration::from_millis(200)).send(&phone, "x").await.expect_err("timeout");
        assert!(e.to_string().contains("no answer"), "{e}");
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
        assert!(to(closed, Duration::from_secs(5)).send(&phone, "x").await.is_err());
    }
}
