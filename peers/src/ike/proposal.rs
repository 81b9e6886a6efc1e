//! SA payloads: building offers in racoon's attribute order, and choosing from a peer's offer.
//!
//! The attribute order matters for byte equality with real devices (racoon `setph1attr` and
//! `setph2proposal0`): one phase-1 AES-128/SHA1/PSK/MODP-1024 transform with a lifetime up to
//! 65535 s is a 56-byte SA payload, the phase-2 ESP one 52 bytes — the document's `1:SA length 52`.

use std::time::Duration;

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::esp::IntegAlg;
use crate::wire::{
    AttrValue, Attribute, AuthMethod, Doi, EncapsulationMode, EspTransformId, IkeAttr,
    IkeEncryption, IkeHash, IpsecAttr, IpsecAuthAlg, IsakmpTransformId, LifeType, Proposal,
    ProtocolId, SaPayload, Transform,
};

use super::config::{EncapMode, ModeMatch, Phase1Proposal, Phase2Proposal, ProposalMatch};

/// SIT_IDENTITY_ONLY.
const SITUATION_IDENTITY_ONLY: u32 = 1;

/// What a phase-1 negotiation agreed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phase1Suite {
    /// Cipher.
    pub cipher: CipherAlg,
    /// Hash and PRF.
    pub hash: HashAlg,
    /// DH group.
    pub group: DhGroup,
    /// Lifetime.
    pub lifetime: Duration,
}

/// What a phase-2 negotiation agreed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phase2Suite {
    /// ESP cipher.
    pub cipher: CipherAlg,
    /// ESP integrity.
    pub integ: IntegAlg,
    /// Mode.
    pub mode: EncapMode,
    /// Whether ESP is UDP-encapsulated (NAT-T encapsulation modes).
    pub udp_encap: bool,
    /// Lifetime.
    pub lifetime: Duration,
    /// Lifetime in kilobytes, if any.
    pub lifetime_kb: Option<u32>,
    /// PFS group, if any.
    pub pfs: Option<DhGroup>,
}

fn cipher_ike(c: CipherAlg) -> (IkeEncryption, Option<u16>) {
    match c {
        CipherAlg::AesCbc { key_len } => (IkeEncryption::AES_CBC, Some(key_len as u16 * 8)),
        CipherAlg::TripleDesCbc => (IkeEncryption::TRIPLE_DES_CBC, None),
    }
}

fn hash_ike(h: HashAlg) -> IkeHash {
    match h {
        HashAlg::Md5 => IkeHash::MD5,
        HashAlg::Sha1 => IkeHash::SHA,
        HashAlg::Sha256 => IkeHash::SHA2_256,
    }
}

fn integ_ipsec(i: IntegAlg) -> IpsecAuthAlg {
    match i {
        IntegAlg::HmacMd5_96 => IpsecAuthAlg::HMAC_MD5,
        IntegAlg::HmacSha1_96 => IpsecAuthAlg::HMAC_SHA,
        IntegAlg::HmacSha256_128 => IpsecAuthAlg::HMAC_SHA2_256,
    }
}

fn secs(d: Duration) -> u64 {
    d.as_secs().max(1)
}

/// The life type/duration pairs both phases start their transforms with: seconds, then
/// kilobytes if set. `kinds` are the phase's (life type, life duration) attribute numbers, which
/// share their values (`LifeType`) between RFC 2409 and RFC 2407.
fn life_attributes(kinds: (u16, u16), lifetime: Duration, kb: Option<u32>) -> Vec<Attribute> {
    let (life_type, duration) = kinds;
    let mut a = vec![
        Attribute::basic(life_type, LifeType::SECONDS.0),
        Attribute {
            kind: duration,
            value: AttrValue::from_u64(secs(lifetime)),
        },
    ];
    if let Some(kb) = kb {
        a.push(Attribute::basic(life_type, LifeType::KILOBYTES.0));
        a.push(Attribute {
            kind: duration,
            value: AttrValue::from_u64(u64::from(kb)),
        });
    }
    a
}

/// A phase-1 transform in racoon's attribute order.
pub fn phase1_transform(number: u8, p: &Phase1Proposal) -> Transform {
    let (enc, keylen) = cipher_ike(p.cipher);
    let mut a = life_attributes(
        (IkeAttr::LIFE_TYPE.0, IkeAttr::LIFE_DURATION.0),
        p.lifetime,
        p.lifetime_kb,
    );
    a.push(Attribute::basic(IkeAttr::ENCRYPTION.0, enc.0));
    if let Some(bits) = keylen {
        a.push(Attribute::basic(IkeAttr::KEY_LENGTH.0, bits));
    }
    a.push(Attribute::basic(
        IkeAttr::AUTH_METHOD.0,
        AuthMethod::PRE_SHARED_KEY.0,
    ));
    a.push(Attribute::basic(IkeAttr::HASH.0, hash_ike(p.hash).0));
    a.push(Attribute::basic(IkeAttr::GROUP_DESCRIPTION.0, p.group.id()));
    Transform {
        number,
        id: IsakmpTransformId::KEY_IKE.0,
        attributes: a,
    }
}

/// An SA payload of the IPsec DOI (identity-only situation) with one proposal.
fn one_proposal(
    number: u8,
    protocol: ProtocolId,
    spi: Vec<u8>,
    transforms: Vec<Transform>,
) -> SaPayload {
    SaPayload {
        doi: Doi::IPSEC,
        situation: SITUATION_IDENTITY_ONLY,
        situation_extra: vec![],
        proposals: vec![Proposal {
            number,
            protocol,
            spi,
            transforms,
        }],
    }
}

/// The phase-1 SA offer: one ISAKMP proposal with one transform per configured proposal.
pub fn phase1_offer(proposals: &[Phase1Proposal]) -> SaPayload {
    let transforms = proposals
        .iter()
        .enumerate()
        .map(|(i, p)| phase1_transform(i as u8 + 1, p))
        .collect();
    one_proposal(1, ProtocolId::ISAKMP, vec![], transforms)
}

/// A transform's lifetimes: seconds and kilobytes, each if given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Lifetimes {
    seconds: Option<u32>,
    kilobytes: Option<u32>,
}

/// Reads a transform's life type/duration pairs as racoon does (`ipsecdoi_t2isakmpsa`,
/// `ipsecdoi_set_ld`): a duration is 2 or 4 bytes, not zero, and follows a known life type;
/// otherwise the transform is not acceptable ("invalid life duration.", "invalid life type")
/// and, with no other, the offer gets NO-PROPOSAL-CHOSEN. Both personalities refuse rather
/// than clamp (the IX's own rule is not public).
fn lifetimes(t: &Transform, life_type: u16, life_duration: u16) -> Option<Lifetimes> {
    let mut out = Lifetimes::default();
    let mut current = None;
    for a in &t.attributes {
        if a.kind == life_type {
            current = Some(LifeType(attr_u16(&a.value)?));
        } else if a.kind == life_duration {
            let value = match &a.value {
                AttrValue::Basic(v) => u32::from(*v),
                AttrValue::Variable(b) => match b.as_slice() {
                    [x, y] => u32::from(u16::from_be_bytes([*x, *y])),
                    [w, x, y, z] => u32::from_be_bytes([*w, *x, *y, *z]),
                    _ => return None,
                },
            };
            if value == 0 {
                return None;
            }
            match current? {
                LifeType::SECONDS => out.seconds = Some(value),
                LifeType::KILOBYTES => out.kilobytes = Some(value),
                _ => return None,
            }
        }
    }
    Some(out)
}

/// An attribute value that must fit 16 bits (algorithm numbers, groups, types): a larger one
/// names nothing, rather than its low bits.
fn attr_u16(v: &AttrValue) -> Option<u16> {
    v.as_u64().and_then(|x| u16::try_from(x).ok())
}

/// AES-CBC with a Key Length attribute in bits; without one, 128 (RFC 3602 section 5.3, and
/// what racoon assumes). Other lengths are not AES.
fn aes(key_length: Option<u16>) -> Option<CipherAlg> {
    match key_length.unwrap_or(128) {
        bits @ (128 | 192 | 256) => Some(CipherAlg::AesCbc {
            key_len: bits as usize / 8,
        }),
        _ => None,
    }
}

/// The cipher and hash a phase-1 transform names, if this code supports them: all a passive
/// decoder needs (Wireshark's key file gives it Ka).
pub fn phase1_cipher_hash(t: &Transform) -> Option<(CipherAlg, HashAlg)> {
    let get = |k: IkeAttr| t.attribute(k.0).and_then(attr_u16);
    let cipher = match IkeEncryption(get(IkeAttr::ENCRYPTION)?) {
        IkeEncryption::AES_CBC => aes(get(IkeAttr::KEY_LENGTH))?,
        IkeEncryption::TRIPLE_DES_CBC => CipherAlg::TripleDesCbc,
        _ => return None,
    };
    let hash = match IkeHash(get(IkeAttr::HASH)?) {
        IkeHash::MD5 => HashAlg::Md5,
        IkeHash::SHA => HashAlg::Sha1,
        IkeHash::SHA2_256 => HashAlg::Sha256,
        _ => return None,
    };
    Some((cipher, hash))
}

/// The suite a phase-1 transform describes, if every attribute is one we support.
pub fn phase1_suite(t: &Transform) -> Option<Phase1Suite> {
    let get = |k: IkeAttr| t.attribute(k.0).and_then(attr_u16);
    // RFC 2409 appendix A: a phase-1 transform is KEY_IKE (racoon: "invalid transform-id").
    if t.id != IsakmpTransformId::KEY_IKE.0 {
        return None;
    }
    let (cipher, hash) = phase1_cipher_hash(t)?;
    if get(IkeAttr::AUTH_METHOD)? != AuthMethod::PRE_SHARED_KEY.0 {
        return None;
    }
    let group = DhGroup::from_id(get(IkeAttr::GROUP_DESCRIPTION)?)?;
    let life = lifetimes(t, IkeAttr::LIFE_TYPE.0, IkeAttr::LIFE_DURATION.0)?;
    Some(Phase1Suite {
        cipher,
        hash,
        group,
        lifetime: Duration::from_secs(life.seconds.map_or(28800, u64::from)),
    })
}

/// Chooses the first of the peer's phase-1 transforms that one of ours accepts (racoon walks
/// the initiator's transforms in order), or with [`ProposalMatch::AnySupported`] the first
/// the engine implements. Lifetimes are the initiator's to choose.
pub fn choose_phase1(
    offer: &SaPayload,
    ours: &[Phase1Proposal],
    how: ProposalMatch,
) -> Option<(Transform, Phase1Suite)> {
    for p in offer
        .proposals
        .iter()
        .filter(|p| p.protocol == ProtocolId::ISAKMP)
    {
        for t in &p.transforms {
            let Some(s) = phase1_suite(t) else { continue };
            if how == ProposalMatch::AnySupported
                || ours
                    .iter()
                    .any(|o| o.cipher == s.cipher && o.hash == s.hash && o.group == s.group)
            {
                return Some((t.clone(), s));
            }
        }
    }
    None
}

/// The responder's phase-1 answer: the chosen transform, as received, in a single proposal.
pub fn phase1_answer(chosen: Transform) -> SaPayload {
    one_proposal(1, ProtocolId::ISAKMP, vec![], vec![chosen])
}

fn encap_value(mode: EncapMode, udp: bool) -> EncapsulationMode {
    match (mode, udp) {
        (EncapMode::Tunnel, false) => EncapsulationMode::TUNNEL,
        (EncapMode::Transport, false) => EncapsulationMode::TRANSPORT,
        (EncapMode::Tunnel, true) => EncapsulationMode::UDP_TUNNEL,
        (EncapMode::Transport, true) => EncapsulationMode::UDP_TRANSPORT,
    }
}

/// An ESP transform in racoon's attribute order.
pub fn phase2_transform(
    number: u8,
    p: &Phase2Proposal,
    mode: EncapMode,
    udp: bool,
    pfs: Option<DhGroup>,
) -> Transform {
    let (id, keylen) = match p.cipher {
        CipherAlg::AesCbc { key_len } => (EspTransformId::AES_CBC, Some(key_len as u16 * 8)),
        CipherAlg::TripleDesCbc => (EspTransformId::TRIPLE_DES, None),
    };
    let mut a = life_attributes(
        (IpsecAttr::SA_LIFE_TYPE.0, IpsecAttr::SA_LIFE_DURATION.0),
        p.lifetime,
        p.lifetime_kb,
    );
    a.push(Attribute::basic(
        IpsecAttr::ENCAPSULATION_MODE.0,
        encap_value(mode, udp).0,
    ));
    if let Some(bits) = keylen {
        a.push(Attribute::basic(IpsecAttr::KEY_LENGTH.0, bits));
    }
    a.push(Attribute::basic(
        IpsecAttr::AUTH_ALGORITHM.0,
        integ_ipsec(p.integ).0,
    ));
    if let Some(g) = pfs {
        a.push(Attribute::basic(IpsecAttr::GROUP_DESCRIPTION.0, g.id()));
    }
    Transform {
        number,
        id: id.0,
        attributes: a,
    }
}

/// The phase-2 offer: one ESP proposal with our inbound SPI and one transform per proposal.
pub fn phase2_offer(
    spi: u32,
    proposals: &[Phase2Proposal],
    mode: EncapMode,
    udp: bool,
    pfs: Option<DhGroup>,
) -> SaPayload {
    let transforms = proposals
        .iter()
        .enumerate()
        .map(|(i, p)| phase2_transform(i as u8 + 1, p, mode, udp, pfs))
        .collect();
    one_proposal(1, ProtocolId::ESP, spi.to_be_bytes().to_vec(), transforms)
}

/// The suite an ESP transform describes, if we support all of it.
pub fn phase2_suite(t: &Transform) -> Option<Phase2Suite> {
    let get = |k: IpsecAttr| t.attribute(k.0).and_then(attr_u16);
    let cipher = match EspTransformId(t.id) {
        EspTransformId::AES_CBC => aes(get(IpsecAttr::KEY_LENGTH))?,
        EspTransformId::TRIPLE_DES => CipherAlg::TripleDesCbc,
        _ => return None,
    };
    let integ = match IpsecAuthAlg(get(IpsecAttr::AUTH_ALGORITHM)?) {
        IpsecAuthAlg::HMAC_MD5 => IntegAlg::HmacMd5_96,
        IpsecAuthAlg::HMAC_SHA => IntegAlg::HmacSha1_96,
        IpsecAuthAlg::HMAC_SHA2_256 => IntegAlg::HmacSha256_128,
        _ => return None,
    };
    // RFC 2407 4.5: an absent Encapsulation Mode means transport... but racoon and every peer
    // of interest send it; treat absence as tunnel, the RFC 2401 default for gateways.
    let (mode, udp_encap) = match EncapsulationMode(get(IpsecAttr::ENCAPSULATION_MODE).unwrap_or(1))
    {
        EncapsulationMode::TUNNEL => (EncapMode::Tunnel, false),
        EncapsulationMode::TRANSPORT => (EncapMode::Transport, false),
        EncapsulationMode::UDP_TUNNEL | EncapsulationMode::UDP_TUNNEL_DRAFT => {
            (EncapMode::Tunnel, true)
        }
        EncapsulationMode::UDP_TRANSPORT | EncapsulationMode::UDP_TRANSPORT_DRAFT => {
            (EncapMode::Transport, true)
        }
        _ => return None,
    };
    let pfs = match get(IpsecAttr::GROUP_DESCRIPTION) {
        Some(g) => Some(DhGroup::from_id(g)?),
        None => None,
    };
    let life = lifetimes(t, IpsecAttr::SA_LIFE_TYPE.0, IpsecAttr::SA_LIFE_DURATION.0)?;
    Some(Phase2Suite {
        cipher,
        integ,
        mode,
        udp_encap,
        lifetime: Duration::from_secs(life.seconds.map_or(28800, u64::from)),
        lifetime_kb: life.kilobytes,
        pfs,
    })
}

/// Chooses the first ESP transform of the peer's offer that one of ours accepts with the same
/// mode and PFS group (with [`ProposalMatch::AnySupported`], any the engine implements, with
/// any PFS group or none, in an acceptable mode); returns it with the peer's SPI.
pub fn choose_phase2(
    offer: &SaPayload,
    ours: &[Phase2Proposal],
    mode: EncapMode,
    how: ModeMatch,
    pfs: Option<DhGroup>,
    algorithms: ProposalMatch,
) -> Option<(Transform, Phase2Suite, u32)> {
    for p in offer
        .proposals
        .iter()
        .filter(|p| p.protocol == ProtocolId::ESP)
    {
        let Ok(spi) = <[u8; 4]>::try_from(p.spi.as_slice()) else {
            continue;
        };
        for t in &p.transforms {
            let Some(s) = phase2_suite(t) else { continue };
            let ours_too = s.pfs == pfs
                && ours
                    .iter()
                    .any(|o| o.cipher == s.cipher && o.integ == s.integ);
            if how.accepts(s.mode, mode) && (ours_too || algorithms == ProposalMatch::AnySupported)
            {
                return Some((t.clone(), s, u32::from_be_bytes(spi)));
            }
        }
    }
    None
}

/// The responder's phase-2 answer: the chosen transform in a proposal carrying our SPI.
pub fn phase2_answer(number: u8, spi: u32, chosen: Transform) -> SaPayload {
    one_proposal(
        number,
        ProtocolId::ESP,
        spi.to_be_bytes().to_vec(),
        vec![chosen],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Payload, PayloadType};

    fn doc_p1() -> Phase1Proposal {
        Phase1Proposal {
            cipher: CipherAlg::AES128,
            hash: HashAlg::Sha1,
            group: DhGroup::Modp1024,
            lifetime: Duration::from_secs(600),
            lifetime_kb: None,
        }
    }

    fn doc_p2() -> Phase2Proposal {
        Phase2Proposal {
            cipher: CipherAlg::AES128,
            integ: IntegAlg::HmacSha1_96,
            lifetime: Duration::from_secs(300),
            lifetime_kb: None,
        }
    }

    /// RFC 3602 section 5.3: AES without a Key Length attribute is AES-128; lengths other than
    /// 128, 192 and 256 are refused, in both phases.
    #[test]
    fn aes_key_length_rules() {
        let without = |t: &mut Transform, kind: u16| t.attributes.retain(|a| a.kind != kind);
        let with = |t: &mut Transform, kind: u16, bits: u16| {
            for a in t.attributes.iter_mut().filter(|a| a.kind == kind) {
                *a = Attribute::basic(kind, bits);
            }
        };
        let mut t1 = phase1_transform(1, &doc_p1());
        with(&mut t1, IkeAttr::KEY_LENGTH.0, 192);
        assert_eq!(
            phase1_cipher_hash(&t1).map(|c| c.0),
            Some(CipherAlg::AesCbc { key_len: 24 })
        );
        with(&mut t1, IkeAttr::KEY_LENGTH.0, 100);
        assert_eq!(phase1_cipher_hash(&t1), None);
        without(&mut t1, IkeAttr::KEY_LENGTH.0);
        assert_eq!(
            phase1_cipher_hash(&t1).map(|c| c.0),
            Some(CipherAlg::AES128)
        );

        let mut t2 = phase2_transform(1, &doc_p2(), EncapMode::Transport, false, None);
        with(&mut t2, IpsecAttr::KEY_LENGTH.0, 256);
        assert_eq!(
            phase2_suite(&t2).map(|s| s.cipher),
            Some(CipherAlg::AesCbc { key_len: 32 })
        );
        with(&mut t2, IpsecAttr::KEY_LENGTH.0, 64);
        assert_eq!(phase2_suite(&t2), None);
        without(&mut t2, IpsecAttr::KEY_LENGTH.0);
        assert_eq!(phase2_suite(&t2).map(|s| s.cipher), Some(CipherAlg::AES128));
    }

    /// racoon's sizes (protocol-facts 1.3 and 1.4): 56-byte phase-1 SA, 52-byte ESP SA.
    #[test]
    fn racoon_sa_sizes() {
        let p1 = Payload::Sa(phase1_offer(&[doc_p1()]))
            .to_bytes(PayloadType::NONE)
            .unwrap();
        assert_eq!(p1.len(), 56);
        let p2 = Payload::Sa(phase2_offer(
            0x0e8d969c,
            &[doc_p2()],
            EncapMode::Transport,
            false,
            None,
        ))
        .to_bytes(PayloadType::NONE)
        .unwrap();
        assert_eq!(p2.len(), 52);
        // A lifetime over 65535 s takes a 4-byte variable attribute: 56.
        let mut long = doc_p2();
        long.lifetime = Duration::from_secs(86400);
        let p2 = Payload::Sa(phase2_offer(
            1000,
            &[long],
            EncapMode::Transport,
            false,
            None,
        ))
        .to_bytes(PayloadType::NONE)
        .unwrap();
        assert_eq!(p2.len(), 56);
    }

    #[test]
    fn offer_and_choice_agree() {
        let offer = phase1_offer(&[doc_p1()]);
        let (t, s) = choose_phase1(&offer, &[doc_p1()], ProposalMatch::Exact).unwrap();
        assert_eq!(t, offer.proposals[0].transforms[0]);
        assert_eq!(s.lifetime, Duration::from_secs(600));
        let mut other = doc_p1();
        other.group = DhGroup::Modp2048;
        assert!(choose_phase1(&offer, &[other], ProposalMatch::Exact).is_none());
        // A lenient responder (the RTX) takes what it implements, whatever its own proposals.
        let (_, s) = choose_phase1(&offer, &[other], ProposalMatch::AnySupported).unwrap();
        assert_eq!(s.group, doc_p1().group);

        let offer = phase2_offer(0x1234_5678, &[doc_p2()], EncapMode::Transport, false, None);
        let (_, s, spi) = choose_phase2(
            &offer,
            &[doc_p2()],
            EncapMode::Transport,
            ModeMatch::Exact,
            None,
            ProposalMatch::Exact,
        )
        .unwrap();
        assert_eq!((s.mode, spi), (EncapMode::Transport, 0x1234_5678));
        assert!(
            choose_phase2(
                &offer,
                &[doc_p2()],
                EncapMode::Tunnel,
                ModeMatch::Exact,
                None,
                ProposalMatch::Exact,
            )
            .is_none()
        );
        assert!(
            choose_phase2(
                &offer,
                &[doc_p2()],
                EncapMode::Transport,
                ModeMatch::Exact,
                Some(DhGroup::Modp1024),
                ProposalMatch::Exact,
            )
            .is_none()
        );
        // ... which a lenient responder takes, with the initiator's (absent) PFS, but still
        // only in a mode it accepts.
        let lenient = |mode, pfs| {
            choose_phase2(
                &offer,
                &[],
                mode,
                ModeMatch::Exact,
                pfs,
                ProposalMatch::AnySupported,
            )
        };
        let (_, s, _) = lenient(EncapMode::Transport, Some(DhGroup::Modp1024)).unwrap();
        assert_eq!(s.pfs, None);
        assert!(lenient(EncapMode::Tunnel, None).is_none());
        // A responder that takes either mode (the IX) accepts the transport offer for a
        // tunnel-mode policy, and the suite keeps the offered mode.
        let (_, s, _) = choose_phase2(
            &offer,
            &[doc_p2()],
            EncapMode::Tunnel,
            ModeMatch::Either,
            None,
            ProposalMatch::Exact,
        )
        .unwrap();
        assert_eq!(s.mode, EncapMode::Transport);
    }

    /// strongSwan's captured QM1 transform (ss-broken-tunnel) reads as AES-128/SHA1 tunnel, 300 s.
    #[test]
    fn strongswan_transform_order_is_understood() {
        let t = Transform {
            number: 1,
            id: 12,
            attributes: vec![
                Attribute::basic(6, 128),
                Attribute::basic(5, 2),
                Attribute::basic(4, 1),
                Attribute::basic(1, 1),
                Attribute::basic(2, 300),
            ],
        };
        let s = phase2_suite(&t).unwrap();
        assert_eq!(
            (s.cipher, s.integ, s.mode, s.lifetime),
            (
                CipherAlg::AES128,
                IntegAlg::HmacSha1_96,
                EncapMode::Tunnel,
                Duration::from_secs(300)
            )
        );
    }
}
