//! A parsed config in plain words, whatever its dialect (`ikelab check-config`).

use ikelab_peers::personality::RouterConfig;

/// A readable account of a parsed config (`ikelab check-config`).
pub fn describe(c: &RouterConfig) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "vendor: {}", c.vendor);
    if let Some(h) = &c.hostname {
        let _ = writeln!(s, "hostname: {h}");
    }
    let _ = writeln!(s, "interfaces:");
    for i in &c.interfaces {
        let addr = i
            .address
            .map(|a| a.to_string())
            .or_else(|| i.unnumbered.as_ref().map(|u| format!("unnumbered ({u})")));
        let _ = writeln!(
            s,
            "  {} {:?} {}{}",
            i.name,
            i.kind,
            addr.unwrap_or_else(|| "unnumbered".into()),
            if i.up { "" } else { " (shutdown)" }
        );
    }
    let _ = writeln!(s, "routes:");
    for r in &c.routes {
        let _ = writeln!(s, "  {} via {:?}", r.prefix, r.via);
    }
    let _ = writeln!(s, "ike peers:");
    for p in &c.engine.peers {
        let remote = p.remote.map_or("any".to_string(), |r| r.to_string());
        let _ = writeln!(
            s,
            "  {}: {} -> {remote}, {:?} mode, psk {} bytes, NAT-T {:?}",
            p.name,
            p.local,
            p.mode,
            p.psk.len(),
            p.nat_traversal
        );
        for pr in &p.proposals {
            let _ = writeln!(
                s,
                "    proposal {} {} {} lifetime {}s",
                pr.cipher,
                pr.hash,
                pr.group,
                pr.lifetime.as_secs()
            );
        }
    }
    let _ = writeln!(s, "ipsec policies:");
    for p in &c.engine.policies {
        let (l, r) = p.qm_ids();
        let _ = writeln!(
            s,
            "  {} (peer {}): protect {} -> {} {:?}, phase-2 IDs {l} <-> {r}, PFS {}, {}",
            p.name,
            p.peer,
            p.local.prefix,
            p.remote.prefix,
            p.mode,
            p.pfs.map_or("none".to_string(), |g| g.to_string()),
            if p.auto_start {
                "starts by itself"
            } else {
                "on traffic or when asked"
            }
        );
        for pr in &p.proposals {
            let _ = writeln!(
                s,
                "    proposal {} {} lifetime {}s",
                pr.cipher,
                pr.integ,
                pr.lifetime.as_secs()
            );
        }
    }
    s
}
