//! The document's lab: SEIL (172.16.0.1, LAN 192.168.0.0/24) and NEC IX (172.16.0.2, LAN
//! 192.168.1.0/24) on one WAN switch, a host on each LAN, and each LAN routed to the other over a
//! tunnel interface: SEIL's `ipsec0` (IP-in-IP) and IX's `Tunnel0.0` (route-based VPN). Until the
//! engine exists the tunnels are plain IP-in-IP, which is what those interfaces carry under ESP.

use std::net::Ipv4Addr;

use crate::{
    HostConfig, InterfaceConfig, Ipv4Net, Lab, LabConfig, LinkId, LinkParams, NoIpsec, NodeId,
    RouteConfig, RouterConfig, SecurityStack, SimError, TunnelConfig, TunnelKind, Via,
};

/// SEIL's WAN address.
pub const SEIL_WAN: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 1);
/// IX's WAN address.
pub const IX_WAN: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 2);
/// SEIL's LAN address (the LAN's gateway).
pub const SEIL_LAN: Ipv4Addr = Ipv4Addr::new(192, 168, 0, 1);
/// IX's LAN address.
pub const IX_LAN: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 1);
/// The host on SEIL's LAN.
pub const SEIL_HOST: Ipv4Addr = Ipv4Addr::new(192, 168, 0, 10);
/// The host on IX's LAN.
pub const IX_HOST: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);

fn net(addr: Ipv4Addr, len: u8) -> Ipv4Net {
    Ipv4Net {
        addr,
        prefix_len: len,
    }
}

/// SEIL: `lan0` inside, `lan1` on the WAN, `ipsec0` to IX, 192.168.1.0/24 over `ipsec0`.
pub fn seil_config() -> RouterConfig {
    RouterConfig {
        name: "seil".into(),
        interfaces: vec![
            InterfaceConfig::new("lan0", net(SEIL_LAN, 24)),
            InterfaceConfig::new("lan1", net(SEIL_WAN, 24)),
        ],
        tunnels: vec![TunnelConfig::new(
            "ipsec0",
            SEIL_WAN,
            IX_WAN,
            TunnelKind::IpInIp,
        )],
        routes: vec![RouteConfig {
            dest: net(Ipv4Addr::new(192, 168, 1, 0), 24),
            via: Via::Interface("ipsec0".into()),
        }],
    }
}

/// IX: `FastEthernet0/0.0` on the WAN, `FastEthernet1/0.0` inside, `Tunnel0.0` to SEIL,
/// 192.168.0.0/24 over `Tunnel0.0`.
pub fn ix_config() -> RouterConfig {
    RouterConfig {
        name: "ix".into(),
        interfaces: vec![
            InterfaceConfig::new("FastEthernet0/0.0", net(IX_WAN, 24)),
            InterfaceConfig::new("FastEthernet1/0.0", net(IX_LAN, 24)),
        ],
        tunnels: vec![TunnelConfig::new(
            "Tunnel0.0",
            IX_WAN,
            SEIL_WAN,
            TunnelKind::IpsecTunnel,
        )],
        routes: vec![RouteConfig {
            dest: net(Ipv4Addr::new(192, 168, 0, 0), 24),
            via: Via::Interface("Tunnel0.0".into()),
        }],
    }
}

/// The links of the document's lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocumentLinks {
    /// SEIL `lan1` to the WAN switch.
    pub wan_seil: LinkId,
    /// IX `FastEthernet0/0.0` to the WAN switch.
    pub wan_ix: LinkId,
    /// SEIL `lan0` to its host.
    pub lan_seil: LinkId,
    /// IX `FastEthernet1/0.0` to its host.
    pub lan_ix: LinkId,
}

/// The document's lab, built and ready to script.
pub struct DocumentLab {
    /// The lab.
    pub lab: Lab,
    /// The SEIL router.
    pub seil: NodeId,
    /// The NEC IX router.
    pub ix: NodeId,
    /// The WAN switch.
    pub wan: NodeId,
    /// The host on SEIL's LAN (192.168.0.10).
    pub seil_host: NodeId,
    /// The host on IX's LAN (192.168.1.10).
    pub ix_host: NodeId,
    /// The links.
    pub links: DocumentLinks,
}

/// Per-link parameters of the document's lab.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DocumentLinkParams {
    /// Both WAN links.
    pub wan: LinkParams,
    /// Both LAN links.
    pub lan: LinkParams,
}

/// Builds the document's lab with default links.
pub fn document_lab(config: LabConfig) -> Result<DocumentLab, SimError> {
    document_lab_with(
        config,
        DocumentLinkParams::default(),
        seil_config(),
        ix_config(),
    )
}

/// Builds the document's lab with these links and router configurations (the parsers of SEIL
/// and IX configurations will supply the latter).
pub fn document_lab_with(
    config: LabConfig,
    params: DocumentLinkParams,
    seil: RouterConfig,
    ix: RouterConfig,
) -> Result<DocumentLab, SimError> {
    document_lab_with_stacks(
        config,
        params,
        seil,
        ix,
        Box::new(NoIpsec),
        Box::new(NoIpsec),
    )
}

/// Builds the document's lab with these links, router configurations and security stacks (the
/// scenarios crate plugs in the engine with each router's personality).
pub fn document_lab_with_stacks(
    config: LabConfig,
    params: DocumentLinkParams,
    seil: RouterConfig,
    ix: RouterConfig,
    seil_stack: Box<dyn SecurityStack>,
    ix_stack: Box<dyn SecurityStack>,
) -> Result<DocumentLab, SimError> {
    let mut lab = Lab::new(config);
    let seil_ifaces = (
        seil.interfaces.first().map(|i| i.name.clone()),
        seil.interfaces.get(1).map(|i| i.name.clone()),
    );
    let ix_ifaces = (
        ix.interfaces.first().map(|i| i.name.clone()),
        ix.interfaces.get(1).map(|i| i.name.clone()),
    );
    let seil_id = lab.add_router_with_stack(seil, seil_stack)?;
    let ix_id = lab.add_router_with_stack(ix, ix_stack)?;
    let wan = lab.add_switch("wan")?;
    let seil_host = lab.add_host(HostConfig::new(
        "host-seil",
        net(SEIL_HOST, 24),
        Some(SEIL_LAN),
    ))?;
    let ix_host = lab.add_host(HostConfig::new("host-ix", net(IX_HOST, 24), Some(IX_LAN)))?;
    let missing = |r: &str| SimError::Config(format!("{r} needs two interfaces"));
    let (Some(seil_lan), Some(seil_wan)) = seil_ifaces else {
        return Err(missing("seil"));
    };
    let (Some(ix_wan), Some(ix_lan)) = ix_ifaces else {
        return Err(missing("ix"));
    };
    let wan_seil = lab.connect("wan-seil", (seil_id, seil_wan.as_str()), wan, params.wan)?;
    let wan_ix = lab.connect("wan-ix", (ix_id, ix_wan.as_str()), wan, params.wan)?;
    let lan_seil = lab.connect(
        "lan-seil",
        (seil_id, seil_lan.as_str()),
        seil_host,
        params.lan,
    )?;
    let lan_ix = lab.connect("lan-ix", (ix_id, ix_lan.as_str()), ix_host, params.lan)?;
    Ok(DocumentLab {
        lab,
        seil: seil_id,
        ix: ix_id,
        wan,
        seil_host,
        ix_host,
        links: DocumentLinks {
            wan_seil,
            wan_ix,
            lan_seil,
            lan_ix,
        },
    })
}
