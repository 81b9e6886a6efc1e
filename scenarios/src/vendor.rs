//! The one place that maps a vendor name to its personality: config parser and log renderer.

use ikelab_peers::personality::{
    ConfigErrors, LogRenderer, RouterConfig, Vendor, WallClock, ix, seil,
};

/// The vendor a scenario names (`seil`, `ix`).
pub fn by_name(name: &str) -> Option<Vendor> {
    match name.to_ascii_lowercase().as_str() {
        "seil" => Some(Vendor::Seil),
        "ix" | "nec-ix" | "ix2015" => Some(Vendor::Ix),
        _ => None,
    }
}

/// Parses a config in the vendor's dialect.
pub fn parse(vendor: Vendor, file: &str, text: &str) -> Result<RouterConfig, ConfigErrors> {
    match vendor {
        Vendor::Seil => seil::parse(file, text),
        Vendor::Ix => ix::parse(file, text),
    }
}

/// The vendor's log renderer for a router with this config.
pub fn renderer(vendor: Vendor, config_text: &str, clock: WallClock) -> Box<dyn LogRenderer> {
    match vendor {
        Vendor::Seil => Box::new(seil::SeilLog::new(clock, 1)),
        Vendor::Ix => match ix::parse_ix("config", config_text) {
            Ok(cfg) => Box::new(ix::IxLog::for_config(
                &cfg,
                ix::IxTimestamp { clock, year: 2016 },
            )),
            // The config parsed once already; without it, log as the document's IX does.
            Err(_) => Box::new(ix::IxLog::new(ix::IxLogOptions {
                debug: true,
                timestamp: None,
            })),
        },
    }
}

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
            .map(|(a, l)| format!("{a}/{l}"))
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
        let _ = writeln!(s, "  {}/{} via {:?}", r.prefix, r.len, r.via);
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
            "  {} (peer {}): protect {}/{} -> {}/{} {:?}, phase-2 IDs {l} <-> {r}, PFS {}, {}",
            p.name,
            p.peer,
            p.local.addr,
            p.local.prefix,
            p.remote.addr,
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
