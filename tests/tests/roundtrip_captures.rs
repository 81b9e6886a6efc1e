//! Every ISAKMP message of the real strongSwan captures parses and emits back to the same bytes:
//! plaintext messages whole, encrypted ones both as ciphertext and, once decrypted with the
//! capture's keys, as their plaintext payload chain plus padding.

use ikelab::decode::capture::read_capture;
use ikelab::decode::frame::{Carried, datagram};
use ikelab::decode::isakmp::IsakmpDecoder;
use ikelab::decode::keys::KeyStore;
use ikelab::decode::record::Decryption;
use ikelab_peers::wire::Message;
use ikelab_tests::fixtures;

#[test]
fn every_captured_message_round_trips() {
    let mut plaintext = 0;
    let mut decrypted = 0;
    for case in [
        "ss-broken-tunnel",
        "ss-fixed-transport",
        "ss-lan-tunnel-libipsec",
    ] {
        let dir = fixtures().join("strongswan").join(case);
        let keys = KeyStore::load(&dir.join("keys")).unwrap();
        let mut decoder = IsakmpDecoder::default();
        for frame in read_capture(&dir.join("capture.pcap")).unwrap() {
            let Ok(d) = datagram(frame.link, &frame.data) else {
                continue;
            };
            let Carried::Isakmp(bytes) = d.carried else {
                continue;
            };
            let parsed = Message::parse(bytes).unwrap();
            assert_eq!(
                parsed.to_bytes().unwrap(),
                bytes,
                "{case} frame {}",
                frame.number
            );
            let opened = decoder.open(d.src, bytes, Some(&keys)).unwrap();
            match opened.decryption {
                Decryption::Plaintext => plaintext += 1,
                Decryption::Decrypted => {
                    let plain = opened.plaintext.unwrap();
                    assert_eq!(
                        opened.message.body_bytes().unwrap(),
                        plain,
                        "{case} frame {}",
                        frame.number
                    );
                    decrypted += 1;
                }
                other => panic!("{case} frame {}: {other:?} {:?}", frame.number, opened.note),
            }
        }
    }
    // 4 plaintext Main Mode messages per capture; 4 + 5 + 5 encrypted ones.
    assert_eq!((plaintext, decrypted), (12, 14));
}
