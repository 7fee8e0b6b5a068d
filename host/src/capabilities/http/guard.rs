//! What the outbound HTTP capability refuses on its own, whatever the grant: headers the
//! host must set itself (`Host`, which would hop virtual hosts behind a shared front end,
//! and the hop-by-hop headers), and addresses a granted name must not resolve to (a DNS
//! resolver for reqwest that drops loopback, private, link-local and other non-public
//! addresses unless the grant allows them).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Request headers a component may not set.
pub const FORBIDDEN_HEADERS: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// Is `name` a header only the host may set (those above, and every `Proxy-*`)?
pub fn forbidden_header(name: &str) -> bool {
    let name = name.trim();
    name.get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("proxy-"))
        || FORBIDDEN_HEADERS
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
}

/// Is `ip` an address on the public internet (not loopback, private, link-local,
/// carrier-grade NAT, unspecified, multicast, broadcast or documentation)?
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)))
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
}

/// The refusal the resolver reports (found again in reqwest's error chain).
#[derive(Debug)]
pub struct PrivateAddress(pub String);

impl std::fmt::Display for PrivateAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resolves only to loopback, private or link-local addresses (grant allow_private to reach them)",
            self.0
        )
    }
}

impl std::error::Error for PrivateAddress {}

/// Resolves with the system resolver and keeps only the addresses the policy allows.
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allow_private || is_public(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(PrivateAddress(host)) as Box<_>);
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// Did the request fail because its name resolved only to refused addresses?
pub fn refused_address(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<PrivateAddress>() {
            return Some(refused.to_string());
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_private_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        assert!(forbidden_header("Host") && forbidden_header(" transfer-encoding"));
        assert!(forbidden_header("Proxy-Foo") && forbidden_header("PROXY-authorization"));
        assert!(!forbidden_header("X-Api-Key") && !forbidden_header("Prox"));
    }

    #[tokio::test]
    async fn localhost_is_refused_unless_allowed() {
        let name: Name = "localhost".parse().unwrap();
        let refused = GuardedResolver {
            allow_private: false,
        }
        .resolve(name)
        .await;
        let error = refused.err().expect("refused");
        assert!(refused_address(&*error).is_some(), "{error}");
        let name: Name = "localhost".parse().unwrap();
        let allowed = GuardedResolver {
            allow_private: true,
        }
        .resolve(name)
        .await;
        assert!(allowed.is_ok());
    }
}
