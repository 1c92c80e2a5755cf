//! Where Clientele may connect on a tenant's behalf (SMTP servers, and every outgoing connection
//! after them): public addresses only, unless the operator allows a network. A tenant who could
//! point a connection at `127.0.0.1`, a private network or a cloud metadata address could probe
//! the operator's own machines. Names are resolved here and the connection goes to the address
//! that was checked, so a name cannot pass the check with one address and connect to another.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// The operator's setting that allows a network, for the refusal to name.
pub const SETTING: &str = "`outbound_allow` (CLIENTELE_OUTBOUND_ALLOW)";

/// The destinations the operator allows beyond the public internet.
#[derive(Clone, Debug, Default)]
pub struct Destinations(Arc<[IpNet]>);

impl Destinations {
    pub fn new(allowed: Vec<IpNet>) -> Self {
        Self(allowed.into())
    }

    /// Whether a connection to `address` is allowed.
    pub fn allows(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        is_public(address) || self.0.iter().any(|network| network.contains(&address))
    }

    /// Why `host` is refused when it is an address (or `localhost`) outside what is allowed;
    /// names are checked again each time they are resolved.
    pub fn refusal_for_literal(&self, host: &str) -> Option<String> {
        let address = match host.parse::<IpAddr>() {
            Ok(address) => address,
            Err(_) if host.eq_ignore_ascii_case("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Err(_) => return None,
        };
        (!self.allows(address)).then(|| refusal(host))
    }

    /// The address to connect to for `host:port`: every address the name resolves to must be
    /// allowed, so a name that mixes public and private addresses is refused too.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<SocketAddr, String> {
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| format!("`{host}` could not be resolved"))?
            .collect();
        if addresses.iter().any(|a| !self.allows(a.ip())) {
            return Err(refusal(host));
        }
        addresses
            .first()
            .copied()
            .ok_or_else(|| format!("`{host}` could not be resolved"))
    }
}

/// Resolves names for the HTTP client only to allowed addresses, so a webhook URL cannot
/// reach the operator's network by name, nor by a name that changes its address later.
#[derive(Clone, Debug)]
struct CheckedResolver(Destinations);

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let destinations = self.0.clone();
        Box::pin(async move {
            let host = name.as_str();
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
            if addresses.iter().any(|a| !destinations.allows(a.ip())) {
                return Err(refusal(host).into());
            }
            let addresses: reqwest::dns::Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// Makes ring this process's TLS provider, for every HTTP client built after it (ours and
/// any other's); a second call changes nothing.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The client outgoing HTTP requests are made with: names resolve only to allowed addresses
/// (URLs with literal addresses are checked by the caller, [`Destinations::refusal_for_literal`]),
/// redirects are not followed (they could lead anywhere), and no proxy is used.
pub fn http_client(
    destinations: &Destinations,
    timeout: Duration,
) -> Result<reqwest::Client, Box<dyn std::error::Error + Send + Sync>> {
    install_tls_provider();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(rustls::RootCertStore::from_iter(
        webpki_roots::TLS_SERVER_ROOTS.iter().cloned(),
    ))
    .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .dns_resolver(CheckedResolver(destinations.clone()))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .user_agent("Clientele-Webhooks/1")
        .build()?)
}

fn refusal(host: &str) -> String {
    format!(
        "`{host}` is a loopback, private, link-local or otherwise non-public address; \
         the server's operator can allow a network with {SETTING}"
    )
}

/// Whether `address` is on the public internet.
pub(crate) fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(address: Ipv4Addr) -> bool {
    let [a, b, ..] = address.octets();
    !(address.is_unspecified()
        || address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_broadcast()
        || address.is_documentation()
        || address.is_multicast()
        || a == 0
        // Shared address space (carrier-grade NAT), benchmarking, reserved.
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (18..20).contains(&b))
        || a >= 240
        || (a == 192 && b == 0 && address.octets()[2] == 0))
}

fn is_public_v6(address: Ipv6Addr) -> bool {
    let segments = address.segments();
    // Addresses that carry an IPv4 address are judged by it: NAT64 and 6to4.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., c, d] = address.octets().map(u32::from);
        let embedded = Ipv4Addr::from(u32::from(segments[6]) << 16 | (c << 8) | d);
        return is_public_v4(embedded);
    }
    if segments[0] == 0x2002 {
        let v4 = (u32::from(segments[1]) << 16) | u32::from(segments[2]);
        return is_public_v4(Ipv4Addr::from(v4));
    }
    !(address.is_unspecified()
        || address.is_loopback()
        || address.is_multicast()
        || address.is_unique_local()
        || address.is_unicast_link_local()
        // Documentation.
        || segments[..2] == [0x2001, 0xdb8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_allowed_by_default() {
        let destinations = Destinations::default();
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
        ] {
            assert!(!destinations.allows(refused.parse().unwrap()), "{refused}");
        }
        for allowed in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "64:ff9b::101:101",
        ] {
            assert!(destinations.allows(allowed.parse().unwrap()), "{allowed}");
        }
    }

    #[test]
    fn the_operator_can_allow_a_network() {
        let destinations = Destinations::new(vec!["10.0.0.0/8".parse().unwrap()]);
        assert!(destinations.allows("10.9.9.9".parse().unwrap()));
        assert!(!destinations.allows("192.168.1.1".parse().unwrap()));
        assert!(destinations.refusal_for_literal("localhost").is_some());
        assert!(destinations.refusal_for_literal("10.0.0.5").is_none());
        assert!(
            destinations
                .refusal_for_literal("smtp.example.com")
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_name_is_judged_by_every_address_it_resolves_to() {
        let refused = Destinations::default()
            .resolve("localhost", 25)
            .await
            .unwrap_err();
        assert!(refused.contains(SETTING), "{refused}");
        let allowed = Destinations::new(vec![
            "127.0.0.0/8".parse().unwrap(),
            "::1/128".parse().unwrap(),
        ]);
        assert!(
            allowed
                .resolve("localhost", 25)
                .await
                .unwrap()
                .ip()
                .is_loopback()
        );
    }
}
