//! The Cisco IOS personality, classic crypto maps: its config dialect ([`config`], read line by
//! line in `commands.rs`), its IKE behaviour as data ([`behaviour`](mod@behaviour)),
//! its `debug crypto isakmp`/`debug crypto ipsec` lines ([`log`]), and all of them as a
//! [`Personality`](crate::personality::Personality) ([`Ios`]) with fix hints in its commands.
//!
//! What this personality is built from: `personalities.md`'s section on IOS (pfSense's
//! "connecting to Cisco IOS devices" config, users' debug logs of phase-2 ID and transform
//! mismatches, the Vendor IDs seen from IOS), Cisco's "Sample Problem Scenarios" appendix (the
//! `IPSEC(sa_request)` block with `src_proxy= ... (type=4)` and `lifedur= 3600s and 4608000kb`),
//! and the IOS command reference's defaults for `crypto isakmp policy`. Lines the sources do not
//! quote are invented in IOS's style and listed in [`log`].
//!
//! # What sets IOS apart here
//!
//! - **Phase-2 IDs come from the crypto ACL**: every `permit ip` entry of the list a crypto
//!   map entry matches is a policy whose IDs are the entry's source and destination (a host is
//!   ID_IPV4_ADDR, type 1; a subnet or `any` ID_IPV4_ADDR_SUBNET, type 4). As responder the
//!   received IDs must be an entry's mirror exactly.
//! - **An ID mismatch is answered with PROPOSAL_NOT_CHOSEN**, protocol 3 (ESP) with the refused
//!   proposal's SPI, not INVALID-ID-INFORMATION (engine rows `no_policy_notify`,
//!   `phase2_notify`); the IOS log says `proxy identities not supported` and `error 32`.
//! - **Policy-based**: no tunnel interface; a crypto map applied to an interface protects the
//!   traffic its access list names, in the transform set's mode (tunnel by default).
//!
//! # Choices where the sources are silent
//!
//! Each is repeated where it is implemented: the handling of lines the simulation does not model
//! (`commands.rs`); peers, DPD and incomplete crypto map entries ([`config`]); the
//! behaviour rows not from a source ([`behaviour`](mod@behaviour)); connection IDs and invented
//! log lines ([`log`]).

pub mod behaviour;
mod commands;
pub mod config;
mod hints;
pub mod log;
mod personality;
mod site;

pub use behaviour::behaviour;
pub use config::parse;
pub use log::IosLog;
pub use personality::Ios;
