//! The client address behind trusted reverse proxies.
//!
//! Per-IP limits need the client's address, which a proxy in front of the service hides. The
//! `X-Forwarded-For` header names it, but anyone can send that header, so it counts only when
//! the connection comes from a proxy the operator listed: the client is then the rightmost
//! address of the header that is not itself a trusted proxy. Without the layer, or from any
//! other peer, the header is ignored and the peer address is the client.

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// An address block, `10.0.0.0/8`, `fd00::/8`, or one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(s: &str) -> Result<IpNet, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| format!("{s} is not an IP address or block"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{s}: bad prefix length"))?,
        };
        Ok(IpNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 peer may arrive as an IPv4-mapped IPv6 address on a dual-stack socket.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` the service believes.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        TrustedProxies(Arc::new(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client of a request that came from `peer` with these `X-Forwarded-For` values.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        // Right to left: each hop was added by the proxy before it; stop at the first address
        // no trusted proxy could have vouched for.
        for hop in forwarded_for.iter().rev().flat_map(|v| v.rsplit(',')) {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else { break };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// The client address as [`layer`] resolved it; absent without the layer.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// Records the client address of each request as a [`ClientIp`] extension.
async fn resolve(State(proxies): State<TrustedProxies>, mut req: Request, next: Next) -> Response {
    if let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) {
        let values: Vec<&str> =
            req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        let client = proxies.client(peer, &values);
        req.extensions_mut().insert(ClientIp(client));
    }
    next.run(req).await
}

/// The router with the client address resolved behind `proxies` (the composition root adds it
/// when the operator names trusted proxies).
pub fn with_trusted_proxies(router: Router, proxies: TrustedProxies) -> Router {
    router.layer(axum::middleware::from_fn_with_state(proxies, resolve))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn blocks_parse_and_match() {
        let n = IpNet::parse("10.1.0.0/16").expect("net");
        assert!(n.contains(ip("10.1.200.3")) && !n.contains(ip("10.2.0.1")));
        assert!(n.contains(ip("::ffff:10.1.0.9")), "IPv4-mapped");
        assert!(IpNet::parse("fd00::/8").expect("v6").contains(ip("fd12::1")));
        assert!(IpNet::parse("0.0.0.0/0").expect("all").contains(ip("203.0.113.9")));
        assert!(IpNet::parse("127.0.0.1").expect("one").contains(ip("127.0.0.1")));
        for bad in ["10.0.0.0/33", "::/129", "proxy.local", "10.0.0.0/x", ""] {
            assert!(IpNet::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let p = TrustedProxies::new(vec![IpNet::parse("10.0.0.0/8").expect("net")]);
        // From an untrusted peer, the header is a claim anyone can make.
        assert_eq!(p.client(ip("198.51.100.7"), &["203.0.113.1"]), ip("198.51.100.7"));
        // From the proxy: the rightmost address the proxies did not add themselves.
        assert_eq!(p.client(ip("10.0.0.2"), &["203.0.113.1"]), ip("203.0.113.1"));
        assert_eq!(p.client(ip("10.0.0.2"), &["1.1.1.1, 203.0.113.1, 10.0.0.5"]), ip("203.0.113.1"));
        assert_eq!(p.client(ip("10.0.0.2"), &["1.1.1.1", "203.0.113.1"]), ip("203.0.113.1"), "two header lines");
        // Garbage stops the walk at the last good hop; no header means the proxy itself.
        assert_eq!(p.client(ip("10.0.0.2"), &["evil, 10.0.0.9"]), ip("10.0.0.9"));
        assert_eq!(p.client(ip("10.0.0.2"), &[]), ip("10.0.0.2"));
        // No trusted proxies: the header never counts.
        assert_eq!(TrustedProxies::default().client(ip("10.0.0.2"), &["203.0.113.1"]), ip("10.0.0.2"));
    }
}
