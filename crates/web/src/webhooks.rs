//! The HTTP client of event delivery: sends the signed requests the application builds
//! ([`dinhdanh_app::outbox::WebhookRequest`]) over HTTPS (Mozilla's root certificates) or, for
//! loopback endpoints allowed in development, plain HTTP.

use async_trait::async_trait;
use dinhdanh_app::outbox::{WebhookRequest, WebhookSender};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// Answers larger than this are not read further (a receiver's answer only needs its status).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

pub struct HttpSender {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl HttpSender {
    pub fn new(timeout: Duration) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        HttpSender { client: Client::builder(TokioExecutor::new()).build(https), timeout }
    }
}

#[async_trait]
impl WebhookSender for HttpSender {
    async fn send(&self, req: WebhookRequest) -> Result<u16, String> {
        let mut b = hyper::Request::post(req.url.as_str());
        for (name, value) in &req.headers {
            b = b.header(*name, value.as_str());
        }
        let request = b.body(Full::new(Bytes::from(req.body))).map_err(|e| format!("request: {e}"))?;
        let attempt = async {
            let resp = self.client.request(request).await.map_err(|e| format!("connection: {e}"))?;
            let status = resp.status().as_u16();
            // Read (a bounded part of) the answer so the connection can be reused.
            let _ = http_body_util::Limited::new(resp.into_body(), MAX_ANSWER_BYTES).collect().await;
            Ok(status)
        };
        tokio::time::timeout(self.timeout, attempt).await.map_err(|_| "timeout".to_owned())?
    }
}
