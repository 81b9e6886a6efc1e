//! Phase-2 IDs of two routers compared: what kind of difference (swapped, prefix length, host
//! against subnet, 0.0.0.0/0 on one side, a local ID without a remote one, protocol or port),
//! and how well each side's IDs fit its own and its peer's addresses, so that the fix goes to
//! the side whose config contradicts itself.

use ikelab_peers::ike::QmId;
use ikelab_peers::prefix::Ipv4Net;

use super::FindingKind;
use super::sides::Side;

/// One side's IDs: (local, remote) as it sends them.
pub type Ids<'a> = (&'a QmId, &'a QmId);

/// What kind of difference there is between what `proposer` sends and what the responder
/// expects to receive (both seen from the proposer: local, remote).
pub fn classify(proposed: Ids<'_>, expected: Ids<'_>) -> FindingKind {
    let (pl, pr) = proposed;
    let (el, er) = expected;
    if pl == er && pr == el && pl != pr {
        return FindingKind::Phase2IdsSwapped;
    }
    let pairs = [(pl, el), (pr, er)];
    let differing: Vec<(&QmId, &QmId)> = pairs.into_iter().filter(|(a, b)| a != b).collect();
    if differing
        .iter()
        .any(|(a, b)| a.protocol != b.protocol || a.port != b.port)
    {
        return FindingKind::Phase2IdProtocolDiffers;
    }
    let net = |q: &QmId| q.data.ipv4_net();
    let any = |q: &QmId| net(q) == Some(Ipv4Net::ANY);
    // One side sends a specific local ID and leaves its remote ID at 0.0.0.0/0.
    let half = |(l, r): Ids<'_>| !any(l) && any(r);
    if (half(proposed) && !any(er)) || (half((er, el)) && !any(pr)) {
        return FindingKind::Phase2LocalIdWithoutRemote;
    }
    if differing.iter().any(|(a, b)| any(a) != any(b)) {
        return FindingKind::Phase2IdAnyOnOneSide;
    }
    for (a, b) in &differing {
        let (Some(a), Some(b)) = (net(a), net(b)) else {
            continue;
        };
        let host = |n: Ipv4Net| n.prefix_len == 32;
        let related = a.contains(b.addr) || b.contains(a.addr);
        if host(a) != host(b) && related {
            return FindingKind::Phase2IdTypeDiffers;
        }
        if a.prefix_len != b.prefix_len && related {
            return FindingKind::Phase2IdPrefixDiffers;
        }
    }
    FindingKind::Phase2IdsRefused
}

/// How well `(local, remote)` IDs of `side` fit the addresses they should name: its own for the
/// local ID, `peer`'s for the remote one. 2 for each ID that is 0.0.0.0/0, one of the
/// addresses or exactly one of the connected networks, 1 for a prefix that holds one of them,
/// 0 for one that names none (a typo, a swap).
pub fn fit(side: &Side<'_>, peer: &Side<'_>, (local, remote): Ids<'_>) -> u8 {
    score(side, local) + score(peer, remote)
}

fn score(owner: &Side<'_>, id: &QmId) -> u8 {
    let Some(n) = id.data.ipv4_net() else {
        return 0;
    };
    if n == Ipv4Net::ANY {
        return 2;
    }
    let nets: Vec<Ipv4Net> = owner.networks().collect();
    if n.prefix_len == 32 {
        return if nets.iter().any(|a| a.addr == n.addr) {
            2
        } else {
            0
        };
    }
    if nets.iter().any(|a| a.trunc() == n.trunc()) {
        2
    } else if nets.iter().any(|a| n.contains(a.addr)) {
        1
    } else {
        0
    }
}

/// How an ID reads in a diagnosis: `10.1.0.0/24 (subnet)`, `10.0.0.2 (host)`.
pub fn show(id: &QmId) -> String {
    let what = match id.data.ipv4_net() {
        Some(n) if n.prefix_len == 32 => "host, ID_IPV4_ADDR",
        Some(_) => "subnet, ID_IPV4_ADDR_SUBNET",
        None => "not an IPv4 prefix",
    };
    format!("{id} ({what})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ikelab_peers::ike::Selector;
    use std::net::Ipv4Addr;

    fn id(s: &str) -> QmId {
        let (a, l) = s.split_once('/').unwrap_or((s, "32"));
        Selector::net(a.parse::<Ipv4Addr>().unwrap(), l.parse().unwrap()).to_id()
    }

    #[test]
    fn each_kind_of_difference_is_named() {
        let (a, b) = (id("10.1.0.0/24"), id("10.2.0.0/24"));
        let k =
            |p: (&str, &str), e: (&str, &str)| classify((&id(p.0), &id(p.1)), (&id(e.0), &id(e.1)));
        assert_eq!(classify((&a, &b), (&b, &a)), FindingKind::Phase2IdsSwapped);
        assert_eq!(
            k(
                ("10.1.0.0/24", "10.2.0.0/24"),
                ("10.1.0.0/24", "10.2.0.0/25")
            ),
            FindingKind::Phase2IdPrefixDiffers
        );
        assert_eq!(
            k(("10.1.0.1", "10.2.0.0/24"), ("10.1.0.0/24", "10.2.0.0/24")),
            FindingKind::Phase2IdTypeDiffers
        );
        assert_eq!(
            k(("0.0.0.0/0", "0.0.0.0/0"), ("10.1.0.0/24", "10.2.0.0/24")),
            FindingKind::Phase2IdAnyOnOneSide
        );
        assert_eq!(
            k(("10.1.0.0/24", "0.0.0.0/0"), ("10.1.0.0/24", "10.2.0.0/24")),
            FindingKind::Phase2LocalIdWithoutRemote
        );
        assert_eq!(
            k(("10.1.0.3", "10.2.0.0/24"), ("10.1.0.2", "10.2.0.0/24")),
            FindingKind::Phase2IdsRefused
        );
        let mut tcp = id("10.1.0.0/24");
        tcp.protocol = 6;
        assert_eq!(
            classify((&tcp, &b), (&a, &b)),
            FindingKind::Phase2IdProtocolDiffers
        );
    }
}
