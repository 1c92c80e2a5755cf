//! Which peers may tell us a client's address: `X-Forwarded-For` and `X-Forwarded-Proto`
//! count only when the connection comes from a configured proxy. Anyone else could write
//! any address there and escape the per-address sign-in throttle.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;
use std::sync::Arc;

/// The networks of the reverse proxies in front of this server; empty trusts none.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks.into())
    }

    /// Parses `10.0.0.0/8` or a single address (`127.0.0.1`, `::1`).
    pub fn parse_network(text: &str) -> Result<IpNet, String> {
        let text = text.trim();
        text.parse::<IpNet>()
            .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| format!("`{text}` is neither an address nor a network like 10.0.0.0/8"))
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
    /// address in `X-Forwarded-For` that is not itself a trusted proxy (entries further left
    /// were written by the client and prove nothing).
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer.to_canonical();
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|entry| entry.trim().parse::<IpAddr>())
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        forwarded
            .iter()
            .rev()
            .find(|address| !self.trusts(**address))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer)
            .to_canonical()
    }

    /// Whether a trusted proxy says the client reached it over HTTPS.
    pub fn forwarded_https(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        peer.is_some_and(|peer| self.trusts(peer))
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(forwarded_for: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_str(forwarded_for).unwrap(),
        );
        headers
    }

    fn proxies(networks: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            networks
                .iter()
                .map(|n| TrustedProxies::parse_network(n).unwrap())
                .collect(),
        )
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let address = proxies(&["10.0.0.0/8"]).client_address(peer, &headers("198.51.100.1"));
        assert_eq!(address, peer);
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let proxies = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let chain = headers("6.6.6.6, 198.51.100.7, 10.1.2.3");
        assert_eq!(
            proxies.client_address(peer, &chain),
            "198.51.100.7".parse::<IpAddr>().unwrap(),
            "the left-most entry was written by the client"
        );
        let garbage = headers("not-an-address");
        assert_eq!(proxies.client_address(peer, &garbage), peer);
    }

    #[test]
    fn networks_and_single_addresses_parse_and_nonsense_does_not() {
        assert!(TrustedProxies::parse_network("192.168.0.0/16").is_ok());
        assert!(TrustedProxies::parse_network("::1").is_ok());
        assert!(TrustedProxies::parse_network("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse_network("proxy.internal").is_err());
    }
}
