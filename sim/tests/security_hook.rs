//! The IPsec hook, driven by a toy stack that behaves like the engine will: the first tunnel
//! packet finds no SA, is dropped and starts "IKE" on UDP 500; the responder is ready at once, the
//! initiator after a 4-second "phase-2 delay" (a stack timer); then tunnel packets leave as
//! "ESP" (protocol 50) and come back in through `inbound_esp`; unprotected IP-in-IP is refused by
//! inbound policy; a derived key lands in the run's key file.

mod common;

use core::time::Duration;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::rc::Rc;

use common::{ip_protocol, out_dir};
use ikelab_sim::Counter;
use ikelab_sim::packet::{
    ETHERTYPE_IPV4, Ipv4Build, PROTO_ESP, PROTO_IPIP, PROTO_UDP, eth_frame, icmp_echo, ipv4_packet,
    parse_ipv4,
};
use ikelab_sim::topology::{
    DocumentLinkParams, IX_HOST, IX_WAN, SEIL_HOST, SEIL_WAN, ix_config, seil_config,
};
use ikelab_sim::{
    Injector, Instant, KeyLine, LabConfig, Outbound, OutboundContext, PingSpec, SecurityStack,
    TunnelKind, document_lab_with_stacks,
};

#[derive(Default)]
struct Calls {
    outbound: Vec<(String, Option<(String, TunnelKind)>)>,
    udp: Vec<(SocketAddrV4, SocketAddrV4, Vec<u8>)>,
    esp_in: usize,
    refused_plain: usize,
    timeouts: Vec<Instant>,
}

struct ToyStack {
    local: Ipv4Addr,
    peer: Ipv4Addr,
    started: bool,
    ready: bool,
    timer: Option<Instant>,
    udp_out: VecDeque<(SocketAddrV4, SocketAddrV4, Vec<u8>)>,
    keys: VecDeque<KeyLine>,
    log: VecDeque<String>,
    calls: Rc<RefCell<Calls>>,
}

impl ToyStack {
    fn new(local: Ipv4Addr, peer: Ipv4Addr) -> (Self, Rc<RefCell<Calls>>) {
        let calls = Rc::new(RefCell::new(Calls::default()));
        let s = ToyStack {
            local,
            peer,
            started: false,
            ready: false,
            timer: None,
            udp_out: VecDeque::new(),
            keys: VecDeque::new(),
            log: VecDeque::new(),
            calls: calls.clone(),
        };
        (s, calls)
    }

    fn ike(&mut self, payload: &[u8]) {
        self.udp_out.push_back((
            SocketAddrV4::new(self.local, 500),
            SocketAddrV4::new(self.peer, 500),
            payload.to_vec(),
        ));
    }
}

impl SecurityStack for ToyStack {
    fn udp_received(&mut self, now: Instant, src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) {
        self.calls
            .borrow_mut()
            .udp
            .push((src, dst, payload.to_vec()));
        match payload {
            b"main-mode" => {
                self.ready = true;
                self.ike(b"quick-mode");
            }
            b"quick-mode" => self.timer = Some(now + Duration::from_secs(4)),
            _ => {}
        }
    }

    fn outbound(&mut self, _now: Instant, ctx: &OutboundContext<'_>, packet: Vec<u8>) -> Outbound {
        self.calls.borrow_mut().outbound.push((
            ctx.interface.to_string(),
            ctx.tunnel.map(|t| (t.name.to_string(), t.kind)),
        ));
        let Some(t) = ctx.tunnel else {
            return Outbound::Pass(packet);
        };
        if !self.ready {
            if !self.started {
                self.started = true;
                self.ike(b"main-mode");
            }
            return Outbound::Drop("no SA: negotiating".into());
        }
        // "ESP": outer header with protocol 50, a 4-byte SPI, then the inner packet.
        let info = parse_ipv4(&packet).unwrap();
        let mut esp = 0x1000_u32.to_be_bytes().to_vec();
        esp.extend_from_slice(&packet[info.header_len..info.total_len]);
        let b = Ipv4Build {
            src: t.local,
            dst: t.remote,
            protocol: PROTO_ESP,
            ttl: 64,
            id: info.id,
            df: false,
        };
        Outbound::Protected(ipv4_packet(&b, &esp).unwrap())
    }

    fn inbound_esp(&mut self, _now: Instant, packet: &[u8]) -> Option<Vec<u8>> {
        self.calls.borrow_mut().esp_in += 1;
        let info = parse_ipv4(packet).ok()?;
        let inner = packet.get(info.header_len + 4..info.total_len)?;
        let b = Ipv4Build {
            src: info.src,
            dst: info.dst,
            protocol: PROTO_IPIP,
            ttl: info.ttl,
            id: info.id,
            df: false,
        };
        ipv4_packet(&b, inner)
    }

    fn accept_plain(&mut self, _now: Instant, packet: &[u8]) -> bool {
        let plain_tunnel = parse_ipv4(packet).is_ok_and(|i| i.protocol == PROTO_IPIP);
        if plain_tunnel {
            self.calls.borrow_mut().refused_plain += 1;
        }
        !plain_tunnel
    }

    fn poll_udp(&mut self) -> Option<(SocketAddrV4, SocketAddrV4, Vec<u8>)> {
        self.udp_out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.timer
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.calls.borrow_mut().timeouts.push(now);
        self.timer = None;
        self.ready = true;
        self.log.push_back("phase 2 up".into());
        self.keys.push_back(KeyLine::Ikev1(
            "0011223344556677,00112233445566778899aabbccddeeff".into(),
        ));
    }

    fn poll_log(&mut self) -> Option<String> {
        self.log.pop_front()
    }

    fn poll_key(&mut self) -> Option<KeyLine> {
        self.keys.pop_front()
    }
}

#[test]
fn the_hook_carries_ike_esp_policy_timers_and_keys() {
    let (seil_stack, seil_calls) = ToyStack::new(SEIL_WAN, IX_WAN);
    let (ix_stack, ix_calls) = ToyStack::new(IX_WAN, SEIL_WAN);
    let mut d = document_lab_with_stacks(
        LabConfig::with_seed(8),
        DocumentLinkParams::default(),
        seil_config(),
        ix_config(),
        Box::new(seil_stack),
        Box::new(ix_stack),
    )
    .unwrap();

    // A spoofer on the WAN switch sends SEIL plain IP-in-IP "from IX" once SAs are up.
    let mut spoofer = Injector::new("spoofer");
    let seil_wan_mac = d.lab.router(d.seil).unwrap().interfaces().nth(1).unwrap().2;
    let inner = ipv4_packet(
        &Ipv4Build {
            src: IX_HOST,
            dst: SEIL_HOST,
            protocol: 1,
            ttl: 64,
            id: 1,
            df: false,
        },
        &icmp_echo(false, 9, 9, b"spoof"),
    )
    .unwrap();
    let outer = ipv4_packet(
        &Ipv4Build {
            src: IX_WAN,
            dst: SEIL_WAN,
            protocol: PROTO_IPIP,
            ttl: 64,
            id: 2,
            df: false,
        },
        &inner,
    )
    .unwrap();
    let t = |s| Instant::ZERO + Duration::from_secs(s);
    spoofer.send_at(
        t(20),
        eth_frame(seil_wan_mac, spoofer.mac(), ETHERTYPE_IPV4, &outer),
    );
    let spoofer = d.lab.add_node(Box::new(spoofer)).unwrap();
    d.lab
        .connect("wan-spoofer", spoofer, d.wan, Default::default())
        .unwrap();

    let p = d
        .lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST).count(10))
        .unwrap();
    d.lab.run();

    // Requests until the initiator's 4 s delay is over are dropped; the rest are answered.
    let r = d.lab.ping_report(p).unwrap();
    let seqs: Vec<u16> = r.replies.iter().map(|x| x.seq).collect();
    assert_eq!(seqs, [6, 7, 8, 9, 10], "{r:?}");

    let seil = seil_calls.borrow();
    let ix = ix_calls.borrow();
    // IKE: SEIL's first tunnel packet started it; both sides saw one message on UDP 500.
    assert_eq!(ix.udp.len(), 1);
    assert_eq!(ix.udp[0].0, SocketAddrV4::new(SEIL_WAN, 500));
    assert_eq!(ix.udp[0].2, b"main-mode");
    assert_eq!(seil.udp.len(), 1);
    assert_eq!(seil.udp[0].1, SocketAddrV4::new(SEIL_WAN, 500));
    // The timer fired once, 4 s after the answer came.
    assert_eq!(seil.timeouts.len(), 1);
    assert!(seil.timeouts[0] > t(4) && seil.timeouts[0] < t(4) + Duration::from_millis(5));
    // Every packet leaving went through `outbound`, with the tunnel named for tunnel traffic.
    let seil_tunnel = (
        "lan1".to_string(),
        Some(("ipsec0".to_string(), TunnelKind::IpInIp)),
    );
    assert_eq!(
        seil.outbound.iter().filter(|o| **o == seil_tunnel).count(),
        10
    );
    assert!(seil.outbound.iter().any(|o| o.0 == "lan0" && o.1.is_none()));
    let ix_tunnel = (
        "FastEthernet0/0.0".to_string(),
        Some(("Tunnel0.0".to_string(), TunnelKind::IpsecTunnel)),
    );
    assert_eq!(ix.outbound.iter().filter(|o| **o == ix_tunnel).count(), 5);
    assert_eq!((seil.esp_in, ix.esp_in), (5, 5));
    // The spoofed plain IP-in-IP was refused by inbound policy.
    assert_eq!(seil.refused_plain, 1);
    assert_eq!(
        d.lab
            .router(d.seil)
            .unwrap()
            .counters()
            .get(Counter::DropPolicy),
        1
    );

    // On the WAN: IKE on UDP 500, then ESP, and never bare IP-in-IP from the routers.
    let wan: Vec<u8> = d
        .lab
        .capture()
        .on_link(d.links.wan_seil)
        .filter_map(|f| ip_protocol(&f.data))
        .collect();
    assert_eq!(wan.iter().filter(|p| **p == PROTO_UDP).count(), 2);
    assert_eq!(wan.iter().filter(|p| **p == PROTO_ESP).count(), 10);
    assert_eq!(
        wan.iter().filter(|p| **p == PROTO_IPIP).count(),
        1,
        "only the spoofed one"
    );

    // The stack's log and key reach the run's log and key file.
    let log = d.lab.log_text();
    assert!(
        log.contains("seil: outbound packet dropped: no SA: negotiating"),
        "{log}"
    );
    assert!(log.contains("seil: phase 2 up"), "{log}");
    let files = d.lab.write_outputs(&out_dir("security-hook")).unwrap();
    assert_eq!(
        std::fs::read_to_string(files.ikev1_keys).unwrap(),
        "0011223344556677,00112233445566778899aabbccddeeff\n"
    );
    assert!(d.lab.node(spoofer).unwrap().name() == "spoofer");
}
