//! The generic HTTP SMS gateway: one POST per message to a provider's URL, with an
//! authorization header and a body made from a template, all from configuration.
//!
//! Placeholders in the template: `{phone}` (national form, `0xxxxxxxxx`), `{phone_intl}`
//! (`84xxxxxxxxx`) and `{text}`. Values are escaped for the body's content type (JSON strings
//! for `application/json`, percent-encoding for `application/x-www-form-urlencoded`), so a
//! message can never change the shape of the request. Any 2xx answer is a delivery to the
//! provider; anything else, a timeout or a refused connection is an error the use case reports.
//!
//! The gateway is reached over HTTPS (rustls, Mozilla's root certificates). Plain `http://` is
//! accepted only for a loopback address (a relay on the same host, or a test receiver): the
//! authorization header must not cross a network in clear.

use anyhow::{Context, bail};
use async_trait::async_trait;
use dinhdanh_app::eid::sms::{SmsError, SmsGateway};
use dinhdanh_domain::codes::Phone;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// Answers larger than this are not read further (only the status and an excerpt matter).
const MAX_ANSWER_BYTES: usize = 16 * 1024;

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
    url: hyper::Uri,
    auth: Option<(HeaderName, HeaderValue)>,
    template: String,
    content_type: HeaderValue,
    escape: Escape,
    timeout: Duration,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
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
        f.debug_struct("HttpSmsGateway").field("url", &self.url).finish_non_exhaustive()
    }
}

impl HttpSmsGateway {
    pub fn new(c: HttpSmsConfig) -> anyhow::Result<Self> {
        let url = c.url.trim();
        let uri: hyper::Uri = url.parse().with_context(|| format!("the SMS gateway URL {url}"))?;
        let host = uri.host().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            bail!("the SMS gateway URL {url} must name a host (and no user name)");
        }
        let authority = uri.authority().map_or("", |a| a.as_str());
        let after_host = authority.rsplit_once(']').map_or(authority, |(_, rest)| rest);
        if let Some((_, port)) = after_host.rsplit_once(':')
            && port.parse::<u16>().is_err()
        {
            bail!("the port of the SMS gateway URL {url} is not a port number");
        }
        let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if loopback => {}
            Some("http") => bail!("the SMS gateway URL {url} must be https:// (http:// only for a loopback address)"),
            _ => bail!("the SMS gateway URL {url} must start with https://"),
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
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(c.timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(HttpSmsGateway {
            url: uri,
            auth,
            template: c.body_template,
            content_type: HeaderValue::from_str(&c.content_type).context("the SMS content type")?,
            escape,
            timeout: c.timeout,
            client: Client::builder(TokioExecutor::new()).build(https),
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
        let mut req = hyper::Request::post(self.url.clone())
            .header(hyper::header::CONTENT_TYPE, self.content_type.clone())
            .header(hyper::header::USER_AGENT, "dinhdanh-sms");
        if let Some((name, value)) = &self.auth {
            req = req.header(name, value.clone());
        }
        let resp = self.client.request(req.body(Full::new(Bytes::from(body)))?).await?;
        let status = resp.status();
        let bytes = http_body_util::Limited::new(resp.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let excerpt: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
        Ok((status, excerpt))
    }
}

#[async_trait]
impl SmsGateway for HttpSmsGateway {
    async fn send(&self, phone: &Phone, text: &str) -> Result<(), SmsError> {
        let body = self.body(phone, text);
        match tokio::time::timeout(self.timeout, self.post(body)).await {
            Err(_) => Err(SmsError::Failed(format!("no answer within {} s", self.timeout.as_secs()))),
            Ok(Err(e)) => Err(SmsError::Failed(format!("{}: {e}", self.url.host().unwrap_or("")))),
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
            url: "https://sms.example/send?x=1".into(),
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
            c("http://sms.example/send", None, DEFAULT_TEMPLATE),
            c("ftp://x/", None, DEFAULT_TEMPLATE),
            c("https:///send", None, DEFAULT_TEMPLATE),
            c("https://u:p@host/", None, DEFAULT_TEMPLATE),
            c("https://sms.example/", Some("no colon"), DEFAULT_TEMPLATE),
            c("https://sms.example/", None, r#"{"to":"{phone}"}"#),
            c("https://sms.example/", None, r#"{"text":"{text}"}"#),
            c("http://127.0.0.1:99999/", None, DEFAULT_TEMPLATE),
        ] {
            assert!(HttpSmsGateway::new(bad.clone()).is_err(), "{bad:?}");
        }
        for good in ["https://sms.example/v1/send", "http://127.0.0.1:8025/", "http://[::1]:8025", "http://localhost/x"]
        {
            let g = HttpSmsGateway::new(c(good, Some("X-Key: s3cret"), DEFAULT_TEMPLATE)).expect(good);
            assert!(!format!("{g:?}").contains("s3cret"), "no secret in Debug");
        }
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
