//! The few system calls the netns mode needs, behind safe functions: entering a network
//! namespace on a helper thread, AF_PACKET sockets bound to one interface, `poll(2)`, and the
//! sockets that keep the kernel quiet on an interface that carries the router's address.
//!
//! Every `unsafe` block of the netns mode is in this file.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::mem::{size_of, zeroed};
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

/// Where `ip netns` keeps its named namespaces.
pub fn netns_path(name: &str) -> PathBuf {
    PathBuf::from("/run/netns").join(name)
}

/// Whether the process runs as root (the netns mode needs it).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn check(r: libc::c_int, what: &str) -> io::Result<libc::c_int> {
    if r < 0 {
        let e = io::Error::last_os_error();
        Err(io::Error::new(e.kind(), format!("{what}: {e}")))
    } else {
        Ok(r)
    }
}

/// Runs `f` on a fresh thread that has entered the network namespace `ns` (a name under
/// `/run/netns`), and returns its result. Sockets `f` creates stay in that namespace for their
/// whole life, whichever thread uses them afterwards; the calling thread never changes namespace.
pub fn in_netns<T: Send + 'static>(
    ns: &str,
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    let path = netns_path(ns);
    let ns = ns.to_string();
    std::thread::Builder::new()
        .name(format!("netns-{ns}"))
        .spawn(move || {
            let file = File::open(&path)
                .map_err(|e| io::Error::new(e.kind(), format!("network namespace {ns:?}: {e}")))?;
            // SAFETY: the fd is valid for the duration of the call; setns only changes this
            // thread's namespace.
            check(
                unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) },
                &format!("entering network namespace {ns:?}"),
            )?;
            f()
        })?
        .join()
        .map_err(|_| io::Error::other("the namespace helper thread panicked"))?
}

fn setsockopt_int(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    v: libc::c_int,
) -> io::Result<()> {
    // SAFETY: the pointer and length describe a live c_int.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&v as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    check(r, "setsockopt").map(|_| ())
}

/// The index of interface `name` in the calling thread's namespace.
pub fn if_index(name: &str) -> io::Result<u32> {
    let c = CString::new(name).map_err(|_| io::Error::other("interface name with a NUL byte"))?;
    // SAFETY: c is a valid NUL-terminated string.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if i == 0 {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no interface {name:?} in this network namespace"),
        ))
    } else {
        Ok(i)
    }
}

/// An AF_PACKET socket bound to one interface: whole Ethernet frames in and out.
#[derive(Debug)]
pub struct PacketSocket {
    fd: OwnedFd,
    ifname: String,
}

/// `SO_TIMESTAMPNS` (= `SCM_TIMESTAMPNS`) on the architectures with the generic socket
/// numbers (x86, arm).
const SO_TIMESTAMPNS: libc::c_int = 35;

/// `ETH_P_ALL` in network byte order, as AF_PACKET wants its protocol.
fn eth_p_all() -> u16 {
    (libc::ETH_P_ALL as u16).to_be()
}

impl PacketSocket {
    /// Opens a socket on `ifname` of the calling thread's namespace (see [`in_netns`]).
    /// `promiscuous` also takes frames not addressed to the interface, and has the kernel stamp
    /// each frame with its arrival time (a bridge capture, see [`PacketSocket::recv_stamped`]).
    ///
    /// Frames the kernel itself sends on the interface are not received (`PACKET_IGNORE_OUTGOING`),
    /// and frames whose UDP/TCP checksum a veth left to "hardware" are completed on receipt
    /// (`PACKET_AUXDATA`, see [`PacketSocket::recv`]).
    pub fn open_here(ifname: &str, promiscuous: bool) -> io::Result<Self> {
        let ctx = |what: &str| format!("AF_PACKET socket on {ifname}: {what}");
        let ifindex = if_index(ifname)?;
        // Protocol 0 until bound: no frame of another interface can slip in before bind.
        // SAFETY: plain socket(2) call.
        let raw = check(
            unsafe {
                libc::socket(
                    libc::AF_PACKET,
                    libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                    0,
                )
            },
            &ctx("socket"),
        )?;
        // SAFETY: raw is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: an all-zero sockaddr_ll is valid; the fields we need are set below.
        let mut sll: libc::sockaddr_ll = unsafe { zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = eth_p_all();
        sll.sll_ifindex = ifindex as i32;
        // SAFETY: the pointer and length describe sll.
        check(
            unsafe {
                libc::bind(
                    fd.as_raw_fd(),
                    (&sll as *const libc::sockaddr_ll).cast(),
                    size_of::<libc::sockaddr_ll>() as libc::socklen_t,
                )
            },
            &ctx("bind"),
        )?;
        setsockopt_int(fd.as_raw_fd(), libc::SOL_PACKET, libc::PACKET_AUXDATA, 1)?;
        // Older kernels lack it; then the driver also sees what the kernel sends (harmless).
        let _ = setsockopt_int(
            fd.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_IGNORE_OUTGOING,
            1,
        );
        let _ = setsockopt_int(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, 4 << 20);
        if promiscuous {
            // SAFETY: an all-zero packet_mreq is valid.
            let mut mreq: libc::packet_mreq = unsafe { zeroed() };
            mreq.mr_ifindex = ifindex as i32;
            mreq.mr_type = libc::PACKET_MR_PROMISC as u16;
            // SAFETY: the pointer and length describe mreq.
            check(
                unsafe {
                    libc::setsockopt(
                        fd.as_raw_fd(),
                        libc::SOL_PACKET,
                        libc::PACKET_ADD_MEMBERSHIP,
                        (&mreq as *const libc::packet_mreq).cast(),
                        size_of::<libc::packet_mreq>() as libc::socklen_t,
                    )
                },
                &ctx("promiscuous mode"),
            )?;
            setsockopt_int(fd.as_raw_fd(), libc::SOL_SOCKET, SO_TIMESTAMPNS, 1)?;
        }
        Ok(PacketSocket {
            fd,
            ifname: ifname.to_string(),
        })
    }

    /// Opens a socket on `ifname` in namespace `ns`.
    pub fn open(ns: &str, ifname: &str, promiscuous: bool) -> io::Result<Self> {
        let i = ifname.to_string();
        in_netns(ns, move || PacketSocket::open_here(&i, promiscuous))
    }

    /// The interface name.
    pub fn ifname(&self) -> &str {
        &self.ifname
    }

    /// The next frame, if one is waiting. Frames whose UDP or TCP checksum was left for the
    /// NIC to fill in (a veth passes such frames on with `CHECKSUM_PARTIAL`) get it computed
    /// here, so that the receiving node sees what a real wire would carry.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        Ok(self.recv_stamped(buf)?.map(|(n, _)| n))
    }

    /// [`PacketSocket::recv`], with the kernel's arrival time (since the Unix epoch) when the
    /// socket asked for it.
    pub fn recv_stamped(
        &self,
        buf: &mut [u8],
    ) -> io::Result<Option<(usize, Option<std::time::Duration>)>> {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // u64 alignment is enough for cmsghdr.
        let mut control = [0u64; 16];
        // SAFETY: an all-zero msghdr is valid; the pointers set below outlive the call.
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = size_of::<[u64; 16]>();
        // SAFETY: msg describes live buffers.
        let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_TRUNC) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
                _ => Err(e),
            };
        }
        let n = (n as usize).min(buf.len());
        let mut partial = false;
        let mut stamp = None;
        // SAFETY: the cmsg macros walk the control buffer the kernel filled in, within
        // msg_controllen; the auxdata is read unaligned.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                if (*c).cmsg_level == libc::SOL_PACKET && (*c).cmsg_type == libc::PACKET_AUXDATA {
                    let aux: libc::tpacket_auxdata =
                        std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                    partial = aux.tp_status & libc::TP_STATUS_CSUMNOTREADY != 0;
                } else if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == SO_TIMESTAMPNS {
                    let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                    stamp = Some(std::time::Duration::new(
                        u64::try_from(ts.tv_sec).unwrap_or(0),
                        u32::try_from(ts.tv_nsec).unwrap_or(0),
                    ));
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
        }
        if partial {
            complete_checksum(&mut buf[..n]);
        }
        Ok(Some((n, stamp)))
    }

    /// Sends one frame.
    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        loop {
            // SAFETY: the pointer and length describe frame.
            let r =
                unsafe { libc::send(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
            if r >= 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

impl AsRawFd for PacketSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Internet checksum (RFC 1071) of `data`, starting from `sum`.
fn ones_complement(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    sum
}

fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Fills in the UDP or TCP checksum of an Ethernet/IPv4 frame whose checksum was left to the
/// NIC. Anything else is left alone.
pub fn complete_checksum(frame: &mut [u8]) {
    if frame.len() < 14 + 20 || frame[12..14] != [0x08, 0x00] {
        return;
    }
    let ip = &frame[14..];
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    let frag = u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff;
    if ip[0] >> 4 != 4 || ihl < 20 || total < ihl || total > ip.len() || frag != 0 {
        return;
    }
    let proto = ip[9];
    let off = match proto {
        17 => 6,
        6 => 16,
        _ => return,
    };
    let l4_len = total - ihl;
    if l4_len < off + 2 {
        return;
    }
    let mut pseudo = [0u8; 12];
    pseudo[..8].copy_from_slice(&ip[12..20]);
    pseudo[9] = proto;
    pseudo[10..12].copy_from_slice(&(l4_len as u16).to_be_bytes());
    let start = 14 + ihl;
    frame[start + off] = 0;
    frame[start + off + 1] = 0;
    let sum = ones_complement(ones_complement(0, &pseudo), &frame[start..start + l4_len]);
    let mut c = fold(sum);
    if proto == 17 && c == 0 {
        c = 0xffff;
    }
    frame[start + off..start + off + 2].copy_from_slice(&c.to_be_bytes());
}

/// Waits until one of `fds` is readable or `timeout_ms` passes; returns, per fd, whether it is
/// readable (an interrupted wait returns all false).
pub fn poll_readable(fds: &[RawFd], timeout_ms: i32) -> io::Result<Vec<bool>> {
    let mut p: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: p is a live array of p.len() pollfds.
    let r = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, timeout_ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(vec![false; fds.len()]);
        }
        return Err(e);
    }
    Ok(p.iter()
        .map(|x| x.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0)
        .collect())
}

/// A socket held open only so that the kernel does not answer for it (UDP 500/4500 bound on the
/// router's address, raw ESP and IP-in-IP): whatever arrives is read and thrown away.
#[derive(Debug)]
pub struct QuietSocket {
    fd: OwnedFd,
    what: String,
}

impl QuietSocket {
    /// A UDP socket bound to `addr:port` in the calling thread's namespace.
    pub fn udp_here(addr: Ipv4Addr, port: u16) -> io::Result<Self> {
        let s = std::net::UdpSocket::bind((addr, port)).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("binding UDP {addr}:{port} (another IKE daemon in this namespace?): {e}"),
            )
        })?;
        s.set_nonblocking(true)?;
        Ok(QuietSocket {
            fd: s.into(),
            what: format!("udp {addr}:{port}"),
        })
    }

    /// A raw IPv4 socket for IP protocol `proto` in the calling thread's namespace.
    pub fn raw_here(proto: u8) -> io::Result<Self> {
        // SAFETY: plain socket(2) call.
        let raw = check(
            unsafe {
                libc::socket(
                    libc::AF_INET,
                    libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                    libc::c_int::from(proto),
                )
            },
            &format!("raw socket for IP protocol {proto}"),
        )?;
        // SAFETY: raw is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(QuietSocket {
            fd,
            what: format!("raw ip proto {proto}"),
        })
    }

    /// What it holds (`udp 172.16.0.1:500`).
    pub fn what(&self) -> &str {
        &self.what
    }

    /// Reads and discards everything waiting.
    pub fn drain(&self) {
        let mut buf = [0u8; 2048];
        loop {
            // SAFETY: the pointer and length describe buf.
            let r = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if r < 0 {
                break;
            }
        }
    }
}

impl AsRawFd for QuietSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Sends `signal` to process `pid` (one we started). Errors (it is gone already) are ignored.
pub fn kill(pid: u32, signal: libc::c_int) {
    if let Ok(p) = libc::pid_t::try_from(pid) {
        if p > 0 {
            // SAFETY: kill(2) on a positive pid of our own child.
            unsafe {
                libc::kill(p, signal);
            }
        }
    }
}

/// Whether process `pid` still exists.
pub fn alive(pid: u32) -> bool {
    match libc::pid_t::try_from(pid) {
        // SAFETY: signal 0 only checks for existence.
        Ok(p) if p > 0 => unsafe { libc::kill(p, 0) == 0 },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_udp_checksum_is_completed() {
        // 10.0.0.1:500 -> 10.0.0.2:500, payload "abcd", checksum field holding junk.
        let mut f = vec![0u8; 14];
        f[12] = 0x08;
        let mut ip = vec![
            0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        let udp = [
            0x01, 0xf4, 0x01, 0xf4, 0, 12, 0x12, 0x34, b'a', b'b', b'c', b'd',
        ];
        ip.extend_from_slice(&udp);
        f.extend_from_slice(&ip);
        complete_checksum(&mut f);
        let src = Ipv4Addr::new(10, 0, 0, 1);
        let dst = Ipv4Addr::new(10, 0, 0, 2);
        let (sp, dp, data) = crate::packet::parse_udp(src, dst, &f[34..]).expect("valid now");
        assert_eq!((sp, dp, data), (500, 500, &b"abcd"[..]));
    }
}
