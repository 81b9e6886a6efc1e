//! Building forged ISAKMP messages for the hostile-input tests: the first Main Mode message a
//! SEIL sends in the document's lab, parsed, to be altered field by field and emitted again.

use ikelab_peers::ike::Engine;
use ikelab_peers::time::Instant;
use ikelab_peers::wire::{Body, Message, Payload, SaPayload};

use crate::pair::fixed_configs;

/// The MM1 the document's SEIL (172.16.0.1) sends the IX, parsed.
pub fn mm1() -> Message {
    let (a, _) = fixed_configs(|_| {});
    let mut e = Engine::new(a, 1);
    e.start(Instant::ZERO);
    Message::parse(&e.poll_transmit().expect("MM1").payload).expect("MM1 parses")
}

/// [`mm1`] with `edit` applied, as bytes.
pub fn mm1_with(edit: impl FnOnce(&mut Message)) -> Vec<u8> {
    let mut m = mm1();
    edit(&mut m);
    m.to_bytes().expect("emits")
}

/// A plaintext message's payloads.
pub fn payloads(m: &mut Message) -> &mut Vec<Payload> {
    match &mut m.body {
        Body::Payloads { payloads, .. } => payloads,
        Body::Encrypted(_) => panic!("a plaintext message was expected"),
    }
}

/// Its first SA payload.
pub fn sa(m: &mut Message) -> &mut SaPayload {
    payloads(m)
        .iter_mut()
        .find_map(|p| match p {
            Payload::Sa(s) => Some(s),
            _ => None,
        })
        .expect("an SA")
}
