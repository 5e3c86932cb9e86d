//! The client behind trusted reverse proxies: `Forwarded` (RFC 7239) or `X-Forwarded-For`,
//! read only when the connection comes from a trusted proxy. Each proxy appends the address it
//! got the request from, so the list is read from the right: trusted proxies are skipped and
//! the first address that is not one is the client (anything to its left was written by the
//! client and may be forged).

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The client of a request that came from `peer`.
pub fn client(peer: IpAddr, trusted: &[IpNet], headers: &HeaderMap) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded_for(headers);
    // From the right: past the trusted proxies, the first other address is the client. An
    // entry that is not an address (`unknown`, an obfuscated name) ends the walk at the last
    // trusted hop: nothing left of it can be believed.
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) if is_trusted(ip) => client = *ip,
            Some(ip) => return *ip,
            None => return client,
        }
    }
    client
}

/// The addresses the proxies recorded, oldest first (`None`: an entry that is not an address).
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<Option<IpAddr>> = headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| node(value.trim()))
            })
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| node(hop.trim()))
        .collect()
}

/// An address as a proxy writes it: `192.0.2.60`, `"192.0.2.60:4711"`, `"[2001:db8::1]:4711"`,
/// `2001:db8::1`.
fn node(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim_matches('"');
    if let Ok(ip) = raw.parse() {
        return Some(ip);
    }
    if let Some(rest) = raw.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    raw.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxy_may_name_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()];
        let forged = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // Straight from a client: its own address, whatever it writes.
        assert_eq!(
            client(ip("198.51.100.7"), &trusted, &forged),
            ip("198.51.100.7")
        );
        // Through the load balancer.
        assert_eq!(client(ip("10.0.0.2"), &trusted, &forged), ip("203.0.113.9"));
        // A client that forges a hop before the proxy's own entry: the proxy's entry wins.
        let chained = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7")]);
        assert_eq!(
            client(ip("10.0.0.2"), &trusted, &chained),
            ip("198.51.100.7")
        );
        // Two trusted proxies in a row.
        let two = headers(&[("x-forwarded-for", "198.51.100.7, 10.1.1.1")]);
        assert_eq!(client(ip("::1"), &trusted, &two), ip("198.51.100.7"));
        // Several header lines read as one list.
        let lines = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "198.51.100.8"),
        ]);
        assert_eq!(client(ip("10.0.0.2"), &trusted, &lines), ip("198.51.100.8"));
        // Nothing forwarded, or nothing readable: the proxy itself.
        assert_eq!(
            client(ip("10.0.0.2"), &trusted, &HeaderMap::new()),
            ip("10.0.0.2")
        );
        let junk = headers(&[("x-forwarded-for", "1.2.3.4, not-an-address")]);
        assert_eq!(client(ip("10.0.0.2"), &trusted, &junk), ip("10.0.0.2"));
        // Nobody trusted (the default): headers never count.
        assert_eq!(client(ip("10.0.0.2"), &[], &forged), ip("10.0.0.2"));
    }

    #[test]
    fn the_standard_forwarded_header_is_read_first() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let both = headers(&[
            (
                "forwarded",
                "for=192.0.2.43;proto=https, for=\"[2001:db8:cafe::17]:4711\"",
            ),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(
            client(ip("10.0.0.2"), &trusted, &both),
            ip("2001:db8:cafe::17")
        );
        let port = headers(&[("forwarded", "For=\"192.0.2.60:8080\";by=10.0.0.2")]);
        assert_eq!(client(ip("10.0.0.2"), &trusted, &port), ip("192.0.2.60"));
        let hidden = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client(ip("10.0.0.2"), &trusted, &hidden), ip("10.0.0.2"));
    }
}
