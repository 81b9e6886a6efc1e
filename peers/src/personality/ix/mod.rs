//! The NEC IX (IX2015) personality: its config dialect ([`config`]), its IKE behaviour as data
//! ([`behaviour`](mod@behaviour)), its log lines ([`log`]), and all of them as a
//! [`Personality`](crate::personality::Personality) ([`Ix`]) with fix hints in its commands.
//!
//! What this personality is built from: the SEIL release note that shows an IX2015 config and two
//! IX log excerpts (`tests/fixtures/document/`), public IX configs for the command syntax, and
//! the IX command reference's list of IKE commands (the `ike initial-contact` text only). NEC's
//! catalogue of `IKE.0xx` log messages is not public; the lines the document does not show are
//! invented in the same style and listed in [`log`].
//!
//! # Choices where the sources are silent
//!
//! Each is repeated where it is implemented.
//!
//! - **Modes.** A `TunnelX.Y` with `tunnel mode ipsec` and `ipsec policy tunnel <map> out`
//!   becomes an [`InterfaceKind::IpsecTunnel`] (route-based: whatever is routed into it is
//!   protected between our address toward the peer and the map's peer). IX proposes tunnel mode
//!   for it, or transport mode when its IDs are exactly the two endpoints (the document's SAs
//!   read `ESP/Transport`); as responder it accepts either mode, and both carry the same bytes.
//!   `ipsec policy transport <map>` on an Ethernet interface is transport mode between the
//!   endpoints. The reasoning is next to the code, in `config::policy`.
//! - **The tunnel's outer source** is our address on the peer's subnet (the document's
//!   172.16.0.2 on FastEthernet0/0.0), or, if the peer is not on a connected subnet, the address
//!   of the interface the route toward the peer leaves by. `ip unnumbered` names the address the
//!   tunnel interface itself borrows (the LAN side), not the outer source.
//! - **Default phase-2 IDs.** Without `ipsec local-id`/`ipsec remote-id` the IDs come from the
//!   first `permit ip` entry of the map's access list (`src` is ours, `dest` the peer's; `any`
//!   is 0.0.0.0/0), as the access list is what an autokey-map says it protects. The document's
//!   `permit ip src any dest any` then gives 0.0.0.0/0 both ways: the document's failure needs
//!   its explicit local-id/remote-id lines, which is what the document says.
//! - **ID encoding.** A bare address or a /32 is ID_IPV4_ADDR; a shorter prefix is
//!   ID_IPV4_ADDR_SUBNET with the host bits cleared (racoon's convention; the document's IDs are
//!   12-byte ID payloads, so host IDs are ID_IPV4_ADDR).
//! - **IX answers; it does not start.** Every policy has `auto_start: false`: in the document the
//!   IX only responds. IX is not `responder_only` (except for `peer any`): traffic routed into the
//!   tunnel (the engine's ACQUIRE) makes it initiate Main Mode, sending its local-id/remote-id as
//!   IDci/IDcr and its own proposals.
//! - **Defaults** when a command leaves them out: `ike proposal` group 1024-bit and lifetime
//!   28800 s; `ipsec autokey-proposal` lifetime 28800 s; interfaces are shut down until
//!   `no shutdown` (the document writes `no shutdown` on each one). None of these is documented.
//! - **Behaviour** (nonce length, Vendor IDs, INITIAL-CONTACT, ID matching, Delete answering,
//!   phase-1 ID port): see [`behaviour`](mod@behaviour).
//! - **Log lines**: which events IX logs, and every invented line: see [`log`].
//!
//! [`InterfaceKind::IpsecTunnel`]: crate::personality::InterfaceKind::IpsecTunnel

pub mod behaviour;
mod commands;
pub mod config;
mod hints;
pub(in crate::personality) mod lex;
pub mod log;
mod personality;

pub use behaviour::behaviour;
pub use config::{IxConfig, IxLogLevel, IxLogging, parse, parse_ix};
pub use log::{IxLog, IxLogOptions, IxTimestamp};
pub use personality::Ix;
