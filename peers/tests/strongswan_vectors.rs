//! Golden vectors from three real strongSwan 5.9.8 IKEv1 exchanges (tests/fixtures/strongswan).
//!
//! For each case the capture gives the public inputs (cookies, SAi_b, g^xi, g^xr, nonces, every
//! encrypted message) and both charon logs give the secrets strongSwan computed (g^xy, SKEYID*,
//! Ka, IVs, hashes, SA seeds, ESP keys). The tests recompute everything from the PSK, the
//! captured payloads and the logged g^xy with `ikelab_peers::crypto` and compare with every
//! dump in both logs, with the HASH payloads inside the decrypted messages, with Wireshark's key
//! files and, where the capture has ESP, with the ESP packets' ICVs and trailers.

mod support;

use std::collections::{BTreeMap, HashMap};

use ikelab_peers::crypto::{
    CipherAlg, DhGroup, DhPrivate, HashAlg, HashInputs, IsakmpCrypter, Phase1Keys, phase1, phase2,
};
use ikelab_peers::hex::hex;
use support::isakmp::{self, Header, Payload};
use support::pcap::{self, Datagram, Kind};
use support::{case_dir, charon_log, unhex};

const PSK: &[u8] = b"hogehoge";
/// aes128-sha1-modp1024 for IKE, aes128-sha1 for ESP.
const PRF: HashAlg = HashAlg::Sha1;
const IKE_CIPHER: CipherAlg = CipherAlg::AES128;
const ESP_ENC_LEN: usize = 16;
const ESP_INTEG_LEN: usize = 20;

/// Dumps that are not part of the key schedule (NAT-D hashes).
const IGNORED: &[&str] = &[
    "natd_chunk",
    "natd_hash",
    "precalculated src_hash",
    "precalculated dst_hash",
    "received src_hash",
    "received dst_hash",
];

/// Dumps every log must contain (and match), so that a renamed label cannot pass vacuously.
const REQUIRED: &[&str] = &[
    "shared Diffie Hellman secret",
    "SKEYID",
    "SKEYID_d",
    "SKEYID_a",
    "SKEYID_e",
    "encryption key Ka",
    "initial IV",
    "HASH_I data",
    "HASH_I",
    "HASH_R data",
    "HASH_R",
    "Hash(1)",
];

/// A captured encrypted message after decryption.
struct Decrypted {
    frame: usize,
    from_initiator: bool,
    header: Header,
    ciphertext: Vec<u8>,
    plain: Vec<u8>,
    payloads: Vec<Payload>,
    /// End of the last payload; the rest is padding.
    end: usize,
}

impl Decrypted {
    fn body(&self, kind: u8) -> &[u8] {
        isakmp::find(&self.payloads, kind).body(&self.plain)
    }

    /// The message's own HASH payload body (it must come first) and the payloads after it.
    fn hash_and_rest(&self) -> (&[u8], &[u8]) {
        let first = &self.payloads[0];
        assert_eq!(first.kind, isakmp::HASH, "frame {}: HASH first", self.frame);
        (first.body(&self.plain), &self.plain[first.end..self.end])
    }
}

/// Values recomputed by the crate, keyed by charon's dump label.
#[derive(Default)]
struct Expected(HashMap<String, Vec<Vec<u8>>>);

impl Expected {
    fn add(&mut self, label: &str, value: Vec<u8>) {
        self.0.entry(label.to_string()).or_default().push(value);
    }
}

/// Asserts `got` (recomputed) equals `want` (from a fixture).
fn same(what: &str, got: &[u8], want: &[u8]) {
    assert_eq!(hex(got), hex(want), "{what}: recomputed vs fixture");
}

fn check_case(case: &str) -> String {
    let dir = case_dir(case);
    let datagrams = pcap::read(&dir.join("capture.pcap"));
    let ike: Vec<&Datagram> = datagrams
        .iter()
        .filter(|d| d.kind == Kind::Isakmp)
        .collect();
    let (initiator, responder) = (ike[0].src, ike[0].dst);
    for d in &ike {
        let h = Header::parse(&d.data);
        assert_eq!(h.length as usize, d.data.len(), "frame {}: length", d.frame);
        assert!(
            [(initiator, responder), (responder, initiator)].contains(&(d.src, d.dst)),
            "frame {}: addresses",
            d.frame
        );
        // NAT-T floats to 4500 from MM5 on, so only encrypted messages may use it.
        assert_eq!(d.sport, d.dport, "frame {}: ports", d.frame);
        assert!(d.dport == 500 || (d.dport == 4500 && h.encrypted()));
    }

    // Main Mode in the clear: MM1 (SA), MM2 (responder cookie), MM3/MM4 (KE, Nonce).
    let clear: Vec<(&Datagram, Header, Vec<Payload>)> = ike
        .iter()
        .map(|d| (*d, Header::parse(&d.data)))
        .filter(|(_, h)| h.exchange == isakmp::ID_PROT && !h.encrypted())
        .map(|(d, h)| {
            let p = isakmp::walk(h.next_payload, &d.data[28..]).expect("clear payload chain");
            (d, h, p)
        })
        .collect();
    assert_eq!(clear.len(), 4, "four cleartext Main Mode messages");
    let (mm1, h1, p1) = &clear[0];
    let sai_b = isakmp::find(p1, isakmp::SA).body(&mm1.data[28..]).to_vec();
    let cky_i = h1.cky_i;
    let cky_r = clear[1].1.cky_r;
    assert_ne!(cky_r, [0; 8]);
    let ke_nonce = |from_initiator: bool| {
        let (d, _, p) = clear
            .iter()
            .find(|(d, _, p)| {
                (d.src == initiator) == from_initiator && p.iter().any(|x| x.kind == isakmp::KE)
            })
            .expect("KE message");
        let body = &d.data[28..];
        (
            isakmp::find(p, isakmp::KE).body(body).to_vec(),
            isakmp::find(p, isakmp::NONCE).body(body).to_vec(),
        )
    };
    let (gxi, ni_b) = ke_nonce(true);
    let (gxr, nr_b) = ke_nonce(false);

    // The logs.
    let logs = [
        (
            "initiator",
            charon_log::read(&dir.join("initiator-charon.log")),
        ),
        (
            "responder",
            charon_log::read(&dir.join("responder-charon.log")),
        ),
    ];
    let logged = |log: &[charon_log::Dump], label: &str| -> Vec<u8> {
        log.iter()
            .find(|d| d.label == label)
            .unwrap_or_else(|| panic!("{case}: no {label:?} dump"))
            .data
            .clone()
    };
    let gxy = logged(&logs[0].1, "shared Diffie Hellman secret");

    // Diffie-Hellman: the captured public values are valid modp1024 values of the right size.
    let group = DhGroup::from_id(2).unwrap();
    assert_eq!(gxi.len(), group.len());
    assert_eq!(gxr.len(), group.len());
    assert_eq!(gxy.len(), group.len());
    let probe = DhPrivate::from_private_bytes(group, &[1]).unwrap();
    // With x = 1, "g^xy" is the peer value itself: range checks pass and encoding is fixed-length.
    assert_eq!(probe.shared_secret(&gxi).unwrap(), gxi);
    assert_eq!(probe.shared_secret(&gxr).unwrap(), gxr);
    assert_eq!(probe.shared_secret(&gxy).unwrap(), gxy);

    // Phase-1 keys.
    let mut exp = Expected::default();
    exp.add("shared Diffie Hellman secret", gxy.clone());
    let skeyid = phase1::skeyid_psk(PRF, PSK, &ni_b, &nr_b);
    let keys = Phase1Keys::derive(PRF, skeyid, &gxy, &cky_i, &cky_r, IKE_CIPHER.key_len());
    exp.add("SKEYID", keys.skeyid.clone());
    exp.add("SKEYID_d", keys.skeyid_d.clone());
    exp.add("SKEYID_a", keys.skeyid_a.clone());
    exp.add("SKEYID_e", keys.skeyid_e.clone());
    exp.add("encryption key Ka", keys.ka.clone());
    // Checked here already (and again with every dump below) so that a key schedule error is
    // reported as such rather than as a garbled decryption.
    for (who, log) in &logs {
        for label in [
            "SKEYID",
            "SKEYID_d",
            "SKEYID_a",
            "SKEYID_e",
            "encryption key Ka",
        ] {
            same(
                &format!("{case} {who} {label}"),
                &exp.0[label][0],
                &logged(log, label),
            );
        }
    }

    // Decrypt every encrypted message in capture order, recording each chain's IVs.
    let mut crypter = IsakmpCrypter::new(IKE_CIPHER, PRF, &keys.ka, &gxi, &gxr).unwrap();
    exp.add("initial IV", crypter.next_iv(0));
    let mut chains: BTreeMap<u32, Vec<Vec<u8>>> = BTreeMap::new();
    let mut msgs = Vec::new();
    let mut pads = Vec::new();
    for d in &ike {
        let header = Header::parse(&d.data);
        if !header.encrypted() {
            continue;
        }
        assert_eq!((header.cky_i, header.cky_r), (cky_i, cky_r));
        let ciphertext = d.data[28..].to_vec();
        let mut plain = ciphertext.clone();
        let chain = chains
            .entry(header.msgid)
            .or_insert_with(|| vec![crypter.next_iv(header.msgid)]);
        crypter.decrypt(header.msgid, &mut plain).unwrap();
        chain.push(crypter.next_iv(header.msgid));
        let payloads = isakmp::walk(header.next_payload, &plain).unwrap_or_else(|e| {
            panic!(
                "{case} frame {}: decrypted payload chain ({e}): wrong IV?",
                d.frame
            )
        });
        let end = payloads.last().expect("payloads").end;
        pads.push(format!("f{}:{}", d.frame, hex(&plain[end..])));
        msgs.push(Decrypted {
            frame: d.frame,
            from_initiator: d.src == initiator,
            header,
            ciphertext,
            plain,
            payloads,
            end,
        });
    }

    // Main Mode 5/6: HASH_I and HASH_R, from the captured SAi_b and the decrypted IDs.
    let mm = |from_initiator: bool| {
        msgs.iter()
            .find(|m| m.header.exchange == isakmp::ID_PROT && m.from_initiator == from_initiator)
            .expect("encrypted Main Mode message")
    };
    let (mm5, mm6) = (mm(true), mm(false));
    let inputs = HashInputs {
        gxi: &gxi,
        gxr: &gxr,
        cky_i: &cky_i,
        cky_r: &cky_r,
        sai_b: &sai_b,
    };
    let (idii_b, idir_b) = (mm5.body(isakmp::ID), mm6.body(isakmp::ID));
    let hash_i = keys.hash_i(&inputs, idii_b);
    let hash_r = keys.hash_r(&inputs, idir_b);
    same(
        "HASH_I vs MM5 HASH payload",
        &hash_i,
        mm5.body(isakmp::HASH),
    );
    same(
        "HASH_R vs MM6 HASH payload",
        &hash_r,
        mm6.body(isakmp::HASH),
    );
    exp.add("HASH_I", hash_i);
    exp.add("HASH_R", hash_r);
    // The hashed data itself, assembled from the capture (checks the test's reading of RFC 2409).
    exp.add(
        "HASH_I data",
        [&gxi[..], &gxr, &cky_i, &cky_r, &sai_b, idii_b].concat(),
    );
    exp.add(
        "HASH_R data",
        [&gxr[..], &gxi, &cky_r, &cky_i, &sai_b, idir_b].concat(),
    );

    // Quick Mode: HASH(1..3), SA seeds and ESP keys.
    let mut qm_mids: Vec<u32> = msgs
        .iter()
        .filter(|m| m.header.exchange == isakmp::QUICK_MODE)
        .map(|m| m.header.msgid)
        .collect();
    qm_mids.dedup();
    assert_eq!(qm_mids.len(), 1, "one Quick Mode exchange");
    let mid = qm_mids[0];
    let qm: Vec<&Decrypted> = msgs.iter().filter(|m| m.header.msgid == mid).collect();
    assert!(qm[0].from_initiator);
    let ni_qm = qm[0].body(isakmp::NONCE).to_vec();
    let (h, rest) = qm[0].hash_and_rest();
    let h1 = phase2::qm_hash1(PRF, &keys.skeyid_a, mid, rest);
    same("Quick Mode HASH(1) payload", &h1, h);
    exp.add("Hash(1)", h1);
    let mut esp_keys: HashMap<u32, (bool, Vec<u8>, Vec<u8>)> = HashMap::new();
    if let Some(qm2) = qm.get(1) {
        assert!(!qm2.from_initiator);
        let nr_qm = qm2.body(isakmp::NONCE).to_vec();
        let (h, rest) = qm2.hash_and_rest();
        let h2 = phase2::qm_hash2(PRF, &keys.skeyid_a, mid, &ni_qm, rest);
        same("Quick Mode HASH(2) payload", &h2, h);
        exp.add("Hash(2)", h2);
        if let Some(qm3) = qm.get(2) {
            assert!(qm3.from_initiator);
            let (h, rest) = qm3.hash_and_rest();
            assert!(rest.is_empty(), "QM3 holds only HASH(3)");
            let h3 = phase2::qm_hash3(PRF, &keys.skeyid_a, mid, &ni_qm, &nr_qm);
            same("Quick Mode HASH(3) payload", &h3, h);
            exp.add("Hash(3)", h3);
        }
        // Each side offers the SPI it will receive on; the initiator's outbound SA ("initiator"
        // keys) therefore uses the responder's SPI.
        let (proto_i, spi_i) = isakmp::proposal_spi(qm[0].body(isakmp::SA));
        let (proto_r, spi_r) = isakmp::proposal_spi(qm2.body(isakmp::SA));
        assert_eq!((proto_i, proto_r), (3, 3), "ESP");
        for (who, spi, outbound_of_initiator) in
            [("initiator", spi_r, true), ("responder", spi_i, false)]
        {
            let seed = phase2::sa_seed(proto_r, spi, &ni_qm, &nr_qm);
            let km = phase2::keymat(
                PRF,
                &keys.skeyid_d,
                None,
                &seed,
                ESP_ENC_LEN + ESP_INTEG_LEN,
            );
            let (enc, integ) = km.split_at(ESP_ENC_LEN);
            exp.add(&format!("{who} SA seed"), seed);
            exp.add(&format!("encryption {who} key"), enc.to_vec());
            exp.add(&format!("integrity {who} key"), integ.to_vec());
            esp_keys.insert(spi, (outbound_of_initiator, enc.to_vec(), integ.to_vec()));
        }
    }

    // Informational: HASH(1) over the Notify.
    for info in msgs
        .iter()
        .filter(|m| m.header.exchange == isakmp::INFORMATIONAL)
    {
        let (h, rest) = info.hash_and_rest();
        assert_eq!(info.payloads[1].kind, isakmp::NOTIFY);
        let ih = phase2::info_hash(PRF, &keys.skeyid_a, info.header.msgid, rest);
        same("Informational HASH payload", &ih, h);
        exp.add("Hash", ih);
    }

    // Every dump in both logs.
    let mut report = vec![format!("{case}: padding {}", pads.join(" "))];
    for (who, log) in &logs {
        let mut matched: BTreeMap<&str, usize> = BTreeMap::new();
        let mut logged_ivs: BTreeMap<u32, Vec<&[u8]>> = BTreeMap::new();
        for dump in log {
            if let Some(m) = dump.label.strip_prefix("next IV for MID ") {
                let m: u32 = m.parse().expect("MID");
                logged_ivs.entry(m).or_default().push(&dump.data);
                continue;
            }
            if IGNORED.contains(&dump.label.as_str()) {
                continue;
            }
            let want = exp.0.get(&dump.label).unwrap_or_else(|| {
                panic!(
                    "{case} {who} line {}: nothing recomputed for {:?}",
                    dump.line, dump.label
                )
            });
            assert!(
                want.contains(&dump.data),
                "{case} {who} line {}: {:?} logged {} but recomputed {:?}",
                dump.line,
                dump.label,
                hex(&dump.data),
                want.iter().map(|w| hex(w)).collect::<Vec<_>>()
            );
            *matched
                .entry(exp.0.get_key_value(&dump.label).unwrap().0)
                .or_default() += 1;
        }
        for label in REQUIRED {
            assert!(
                matched.contains_key(label),
                "{case} {who}: no {label:?} dump"
            );
        }
        // IVs: each MID's logged IVs, in order, are states our chain went through.
        let mut iv_count = 0;
        for (m, ivs) in &logged_ivs {
            let chain = chains
                .get(m)
                .unwrap_or_else(|| panic!("{case} {who}: MID {m} logged but not captured"));
            let mut states = chain.iter();
            for iv in ivs {
                assert!(
                    states.any(|s| s == iv),
                    "{case} {who}: next IV for MID {m} {} is not (in order) one of {:?}",
                    hex(iv),
                    chain.iter().map(|c| hex(c)).collect::<Vec<_>>()
                );
                iv_count += 1;
            }
        }
        assert!(logged_ivs.contains_key(&0) && logged_ivs.contains_key(&mid));
        let labels: Vec<String> = matched.iter().map(|(l, n)| format!("{l} x{n}")).collect();
        report.push(format!(
            "{case} {who}: {} next-IV dumps over {} MIDs; {}",
            iv_count,
            logged_ivs.len(),
            labels.join(", ")
        ));
    }

    // Wireshark's key files.
    let table = std::fs::read_to_string(dir.join("keys/ikev1_decryption_table")).unwrap();
    let (ck, ka) = table.trim().split_once(',').expect("cookie,key");
    same("ikev1_decryption_table cookie", &cky_i, &unhex(ck));
    same("ikev1_decryption_table Ka", &keys.ka, &unhex(ka));
    let esp_sa = std::fs::read_to_string(dir.join("keys/esp_sa")).unwrap();
    let mut sa_lines = 0;
    for line in esp_sa.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').map(|x| x.trim_matches('"')).collect();
        let spi = u32::from_str_radix(f[3].trim_start_matches("0x"), 16).unwrap();
        let (outbound_of_initiator, enc, integ) = esp_keys
            .get(&spi)
            .unwrap_or_else(|| panic!("{case}: esp_sa SPI {spi:08x} not negotiated"));
        let src = if *outbound_of_initiator {
            "172.16.0.1"
        } else {
            "172.16.0.2"
        };
        assert_eq!(f[1], src, "esp_sa source of SPI {spi:08x}");
        same("esp_sa encryption key", enc, &unhex(f[5]));
        same("esp_sa integrity key", integ, &unhex(f[7]));
        sa_lines += 1;
    }
    assert_eq!(sa_lines, esp_keys.len(), "{case}: esp_sa lines");

    // ESP in the capture: the derived keys verify each ICV and yield a well-formed trailer.
    let mut esp_count = 0;
    for d in datagrams.iter().filter(|d| d.kind == Kind::Esp) {
        let spi = u32::from_be_bytes(d.data[0..4].try_into().unwrap());
        let (_, enc, integ) = &esp_keys[&spi];
        let (signed, icv) = d.data.split_at(d.data.len() - 12);
        same("ESP ICV", &PRF.prf(integ, &[signed])[..12], icv);
        let mut ct = signed[24..].to_vec();
        CipherAlg::AES128
            .decrypt(enc, &signed[8..24], &mut ct)
            .unwrap();
        let (pad_len, next) = (usize::from(ct[ct.len() - 2]), ct[ct.len() - 1]);
        assert_eq!(next, 4, "tunnel mode carries IPv4");
        let pad = &ct[ct.len() - 2 - pad_len..ct.len() - 2];
        assert!(
            pad.iter()
                .enumerate()
                .all(|(i, &b)| usize::from(b) == i + 1)
        );
        assert_eq!(ct[0] >> 4, 4, "inner IPv4");
        esp_count += 1;
    }

    // Retransmissions: byte-identical copies decrypt the same and move no chain.
    let before: Vec<Vec<u8>> = chains.keys().map(|m| crypter.next_iv(*m)).collect();
    for m in &msgs {
        let mut again = m.ciphertext.clone();
        crypter.decrypt(m.header.msgid, &mut again).unwrap();
        assert_eq!(again, m.plain, "frame {} decrypted again", m.frame);
    }
    let after: Vec<Vec<u8>> = chains.keys().map(|m| crypter.next_iv(*m)).collect();
    assert_eq!(before, after);

    report.push(format!(
        "{case}: {} encrypted ISAKMP messages, {} ESP SAs, {} ESP packets verified",
        msgs.len(),
        esp_keys.len(),
        esp_count
    ));
    report.join("\n")
}

#[test]
fn broken_tunnel_invalid_id_informational() {
    eprintln!("{}", check_case("ss-broken-tunnel"));
}

#[test]
fn fixed_transport_qm2_then_no_proposal_chosen() {
    eprintln!("{}", check_case("ss-fixed-transport"));
}

#[test]
fn lan_tunnel_nat_t_with_esp() {
    eprintln!("{}", check_case("ss-lan-tunnel-libipsec"));
}
