//! The namespaces of one `--netns` cell: a bridge for the WAN, a namespace per end with `wan0`
//! on the bridge, and for a simulated initiator a LAN host whose pings start the negotiation.
//! A real daemon's `wan0` carries its address in the kernel; a simulated device's carries none
//! (the device owns its addresses, see `ikelab_sim::netns`). All of it is removed on drop.

use std::io;
use std::net::Ipv4Addr;

use ikelab_peers::prefix::Ipv4Net;
use ikelab_sim::netns::Netns;

/// The WAN interface in each end's namespace.
pub const WAN: &str = "wan0";
/// The LAN interface in a simulated initiator's namespace.
pub const LAN: &str = "lan0";

/// One cell's namespaces.
pub struct CellLab {
    /// The bridge's namespace (`br0`).
    _sw: Netns,
    /// The initiator's namespace.
    pub initiator: Netns,
    /// The responder's namespace.
    pub responder: Netns,
    /// The LAN host behind the initiator, if any.
    pub host: Option<Netns>,
}

impl CellLab {
    /// The WAN; `Some(address)` gives that end's `wan0` the address in the kernel (a real
    /// daemon's end).
    pub fn wan(initiator: Option<Ipv4Net>, responder: Option<Ipv4Net>) -> io::Result<CellLab> {
        let sw = Netns::create("msw")?;
        sw.bridge("br0")?;
        let i = Netns::create("mi")?;
        let r = Netns::create("mr")?;
        for (ns, port, addr) in [(&i, "pi", initiator), (&r, "pr", responder)] {
            ns.veth(WAN, &sw, port)?;
            sw.ip(&["link", "set", port, "master", "br0"])?;
            if let Some(a) = addr {
                ns.ip(&["addr", "add", &a.to_string(), "dev", WAN])?;
            }
        }
        Ok(CellLab {
            _sw: sw,
            initiator: i,
            responder: r,
            host: None,
        })
    }

    /// A host `host` (address with prefix) on the initiator's LAN, behind its `lan0`, with
    /// `gateway` as its default route.
    pub fn lan_host(&mut self, host: Ipv4Net, gateway: Ipv4Addr) -> io::Result<()> {
        let h = Netns::create("mh")?;
        self.initiator.veth(LAN, &h, "eth0")?;
        h.ip(&["addr", "add", &host.to_string(), "dev", "eth0"])?;
        h.ip(&["route", "add", "default", "via", &gateway.to_string()])?;
        self.host = Some(h);
        Ok(())
    }
}
