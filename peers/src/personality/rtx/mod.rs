//! The Yamaha RTX (RTX1210, RTX830) personality: its config dialect ([`config`]), its IKE
//! behaviour as data ([`behaviour`](mod@behaviour)), its log lines ([`log`]), and all of them as a
//! [`Personality`](crate::personality::Personality) ([`Rtx`]) with fix hints in its commands.
//!
//! What this personality is built from: chapter 15 (IPsec) of Yamaha's command reference, as
//! converted to markdown in `shin1ohno/terraform-provider-rtx` (`docs/RTX-commands/`), for the
//! commands and their defaults; a user's RTX1100 syslog for the normal log lines; RFC 2409
//! section 5.5 for a Quick Mode without IDs. The RTX's Vendor IDs, nonce size and failure log
//! lines were not found; the lines it needs are invented and listed in [`log`].
//!
//! # What sets it apart
//!
//! **No phase-2 IDs unless configured.** Without `ipsec ike local id`/`remote id` (or
//! `local-id=`/`remote-id=` on `ipsec sa policy`) an RTX sends Quick Mode without IDci/IDcr,
//! so its peer takes the two gateways' addresses as the identities (RFC 2409 section 5.5): a
//! SEIL or an IX whose policy names subnets (or 0.0.0.0/0) refuses them. As responder the RTX
//! is lenient: it accepts the initiator's IDs, or none, for a tunnel it has with that peer,
//! unless `ipsec ike negotiate-strictly <gw> on`.
//!
//! # Choices where the sources are silent
//!
//! Each is repeated where it is implemented.
//!
//! - **Modes.** `tunnel select N` with `ipsec tunnel P` is a route-based tunnel (`tunnelN`, an
//!   [`InterfaceKind::IpsecTunnel`]) in tunnel mode between the gateway's two addresses;
//!   `ip route NET gateway tunnel N` routes into it.
//! - **One side's ID set, not the other's.** Chapter 15 asks for both; when only one is set,
//!   both are sent and the unset one is that side's gateway address (ID_IPV4_ADDR).
//! - **Who starts.** `ipsec auto refresh on` (default off) negotiates as soon as the router
//!   runs; without it, traffic routed into the tunnel starts the negotiation (the engine's
//!   ACQUIRE), which is how an RTX brings a tunnel up on demand. `remote address any` never
//!   starts.
//! - **Leniency.** As chapter 15 has it, a responder takes the initiator's phase-2 IDs for its
//!   tunnel with that peer, any algorithm, group or PFS it supports (the behaviour rows
//!   `id_match`, `missing_ids`, `proposal_match`), and the initiator's lifetime.
//!   `negotiate-strictly` is per gateway on the device and per router here: strict when every
//!   gateway says so (a warning otherwise).
//! - **Behaviour** (Vendor IDs, INITIAL-CONTACT, ID matching, retransmissions, rekey):
//!   see [`behaviour`](mod@behaviour).
//!
//! [`InterfaceKind::IpsecTunnel`]: crate::personality::InterfaceKind::IpsecTunnel

pub mod behaviour;
mod commands;
pub mod config;
mod hints;
pub mod log;
mod personality;
mod site;

pub use behaviour::behaviour;
pub use config::{RtxConfig, parse, parse_rtx};
pub use log::RtxLog;
pub use personality::Rtx;
