//! A run's capture, logs, keys and event records are written while it runs (`report::stream`,
//! as `ikelab run` does): the files grow as the run goes and the lab keeps no frame, log line,
//! key or event in memory, and the artefacts are byte for byte those of the same run kept in
//! memory and written at the end (same scenario, same seed).

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use ikelab::report::{RunInfo, stream, write};
use ikelab::scenario::{Built, build, load_named};
use ikelab_sim::PingSpec;
use ikelab_tests::interop::workdir;

const HOST_B: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);

/// The document's fixed lab with an hour of pings, one a second, from host-a.
fn long_lab() -> (ikelab::scenario::Loaded, Built) {
    let loaded = load_named("proxy-id-fixed").expect("the document's fixed scenario");
    let mut b = build(&loaded, Some(5)).expect("the lab builds");
    let host_a = b.host("host-a").expect("host-a");
    let at = b.lab.now() + Duration::from_secs(20);
    b.lab
        .ping(
            host_a,
            at,
            PingSpec {
                count: 3600,
                ..PingSpec::new(HOST_B)
            },
        )
        .expect("ping");
    (loaded, b)
}

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn finish(loaded: &ikelab::scenario::Loaded, b: &mut Built, dir: &Path) {
    ikelab::report::finish(b).expect("the streams flush");
    let result = b.result();
    let info = RunInfo::of(loaded, Some(5), &result, Default::default());
    write(b, &info, dir).expect("the rest is written");
}

#[test]
fn the_capture_grows_while_the_run_goes_and_matches_a_kept_run() {
    let root = workdir("streamed-artefacts", "run");
    let (streamed_dir, kept_dir) = (root.join("streamed"), root.join("kept"));

    let (loaded, mut b) = long_lab();
    stream(&mut b, &streamed_dir).expect("the artefact folder opens");
    let pcapng = streamed_dir.join("capture.pcapng");
    let wan = streamed_dir.join("links/wan-seil.pcap");
    let log = streamed_dir.join("lab.log");
    let start = b.lab.now();
    let mut sizes = vec![];
    for minutes in [10u64, 20, 30, 40, 50, 61] {
        b.lab.run_until(start + Duration::from_secs(minutes * 60));
        assert!(
            b.lab.capture().frames().is_empty(),
            "a streamed capture keeps no frame in memory"
        );
        assert!(
            b.lab.log().entries().is_empty(),
            "a streamed log keeps no line in memory"
        );
        assert_eq!(b.lab.keys(), &Default::default(), "keys go to their files");
        for r in &b.routers {
            let s = r.stack.borrow();
            assert!(s.log.is_empty(), "{}'s vendor log goes to its file", r.name);
            assert_eq!(s.events.in_memory(), 0, "{}'s events are spooled", r.name);
        }
        sizes.push((size(&pcapng), size(&wan), size(&log)));
    }
    // Files are written in chunks of 256 KiB: the merged capture grows every ten minutes of
    // pings, the smaller link capture and the log at least once before the run ends.
    for w in sizes.windows(2) {
        assert!(
            w[1].0 > w[0].0 && w[1].1 >= w[0].1 && w[1].2 >= w[0].2,
            "the files grow as the run goes: {sizes:?}"
        );
    }
    let before_end = sizes[sizes.len() - 2];
    assert!(
        before_end.1 > 0 && before_end.2 > 0,
        "the link capture and the log are written before the run ends: {sizes:?}"
    );
    assert!(b.lab.capture().streamed() > 4 * 3600, "every ping crossed");
    finish(&loaded, &mut b, &streamed_dir);
    assert!(
        streamed_dir.join(".seil.events").is_file(),
        "the spool is read until the end"
    );
    drop(b);
    let left: Vec<_> = std::fs::read_dir(&streamed_dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        left.is_empty(),
        "the event spools go with the run: {left:?}"
    );

    let (loaded, mut b) = long_lab();
    b.lab.run_until(start + Duration::from_secs(61 * 60));
    assert!(!b.lab.capture().frames().is_empty());
    finish(&loaded, &mut b, &kept_dir);

    for f in [
        "capture.pcapng",
        "links/wan-seil.pcap",
        "links/lan-seil.pcap",
        "lab.log",
        "seil.log",
        "ix.log",
        "summary.json",
        "keys/esp_sa",
        "keys/ikev1_decryption_table",
        "wireshark-profile/esp_sa",
        "wireshark-profile/ikev1_decryption_table",
    ] {
        let (a, k) = (
            std::fs::read(streamed_dir.join(f)).unwrap(),
            std::fs::read(kept_dir.join(f)).unwrap(),
        );
        assert!(a.len() > 24, "{f} is empty");
        assert!(a == k, "{f} differs between the streamed and the kept run");
    }
}
