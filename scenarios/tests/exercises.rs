//! `ikelab exercise` as an instructor and a student use it: every built-in lesson fails as
//! handed out and passes with its solution; hints in order until they run out; exam mode
//! without diagnosis; an instructor's own lesson folder; a started folder is not overwritten;
//! a malformed lesson.toml is named with its line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ikelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ikelab"))
        .args(args)
        .output()
        .expect("ikelab runs")
}

/// A fresh, empty folder for one test (not created: `start` creates the student's folder).
fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ikelab-exercises-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn last_line(o: &Output) -> String {
    stdout(o).lines().last().unwrap_or_default().to_string()
}

/// A built-in lesson's folder in the repository.
fn lesson_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("exercises")
        .join(name)
}

fn copy_solution(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from.join("solution")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn start(lesson: &str, dir: &Path) {
    let out = ikelab(&["exercise", "start", lesson, s(dir)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "start {lesson}: {}",
        stderr(&out)
    );
}

fn check(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["exercise", "check", s(dir)];
    args.extend_from_slice(extra);
    ikelab(&args)
}

#[test]
fn every_built_in_lesson_fails_as_handed_out_and_passes_with_its_solution() {
    let list = stdout(&ikelab(&["exercise", "list"]));
    let names: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.len() >= 8, "at least eight lessons:\n{list}");
    for l in list.lines() {
        assert!(
            l.split_whitespace().nth(1).is_some(),
            "each lesson has a summary: {l:?}"
        );
    }
    // The repository's folders are the lessons listed.
    let mut folders: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
    folders.sort();
    let mut listed: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    listed.sort();
    assert_eq!(folders, listed);
    for name in names {
        let dir = tmp(&format!("builtin-{name}"));
        start(name, &dir);
        assert!(dir.join("task.md").is_file(), "{name}: task.md written");
        let broken = check(&dir, &[]);
        let text = stdout(&broken);
        assert_eq!(
            broken.status.code(),
            Some(1),
            "{name} must fail as handed out:\n{text}{}",
            stderr(&broken)
        );
        assert!(last_line(&broken).starts_with("FAIL: "), "{name}:\n{text}");
        assert!(
            text.contains("=== what is still wrong ==="),
            "{name}:\n{text}"
        );
        // The diagnosis names a line of the student's own files to change.
        assert!(text.contains("Fix on "), "{name}: no fix offered:\n{text}");
        let at_line = format!("{}/", dir.display());
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&at_line) && l.contains(".conf:")),
            "{name}: no file:line in the student's folder:\n{text}"
        );
        copy_solution(&lesson_dir(name), &dir);
        let fixed = check(&dir, &[]);
        assert_eq!(
            fixed.status.code(),
            Some(0),
            "{name} must pass with its solution:\n{}{}",
            stdout(&fixed),
            stderr(&fixed)
        );
        assert!(
            last_line(&fixed).starts_with("PASS: "),
            "{name}:\n{}",
            stdout(&fixed)
        );
        assert!(!stdout(&fixed).contains("what is still wrong"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn hints_come_in_order_and_run_out() {
    let dir = tmp("hints");
    start("proxy-id-seil", &dir);
    let meta: toml::Table = toml::from_str(
        &std::fs::read_to_string(lesson_dir("proxy-id-seil").join("lesson.toml")).unwrap(),
    )
    .unwrap();
    let hints: Vec<String> = meta["hints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect();
    assert!(hints.len() >= 2);
    // A check without --hint shows none and uses none.
    let plain = stdout(&check(&dir, &[]));
    assert!(!plain.contains(&hints[0]), "{plain}");
    for (i, h) in hints.iter().enumerate() {
        let out = check(&dir, &["--hint"]);
        assert_eq!(out.status.code(), Some(1), "still failing");
        let text = stdout(&out);
        let want = format!("Hint {} of {}: {h}", i + 1, hints.len());
        assert!(text.contains(&want), "expected {want:?} in\n{text}");
        for later in &hints[i + 1..] {
            assert!(
                !text.contains(later.as_str()),
                "a later hint shown early:\n{text}"
            );
        }
    }
    let out = check(&dir, &["--hint"]);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("No more hints: you have seen all {}", hints.len())),
        "{text}"
    );
    assert!(!text.contains("Hint 1 of"), "{text}");
    // A folder started again forgets the hints shown.
    let again = ikelab(&["exercise", "start", "--force", "proxy-id-seil", s(&dir)]);
    assert_eq!(again.status.code(), Some(0));
    let text = stdout(&check(&dir, &["--hint"]));
    assert!(
        text.contains(&format!("Hint 1 of {}: {}", hints.len(), hints[0])),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exam_mode_prints_no_diagnosis_and_no_fix() {
    let dir = tmp("exam");
    start("swapped-ids", &dir);
    // The same folder with the diagnosis shows the fix, so the absence below means something.
    let full = stdout(&check(&dir, &[]));
    assert!(full.contains("Fix on ix"), "{full}");
    assert!(full.contains("ix.conf:8"), "{full}");
    let exam = check(&dir, &["--no-diagnosis"]);
    assert_eq!(exam.status.code(), Some(1));
    let text = stdout(&exam);
    assert!(last_line(&exam).starts_with("FAIL: "), "{text}");
    assert!(
        last_line(&exam).contains("phase 2 up on 0 of 2 routers"),
        "{text}"
    );
    for banned in [
        "diagnosis",
        "Fix on",
        "fix on",
        "change `",
        ".conf:",
        "Cause:",
        "Stuck?",
    ] {
        assert!(
            !text.contains(banned),
            "exam mode printed {banned:?}:\n{text}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An instructor's lesson of their own addressing and file names: a PSK typo on the HQ SEIL,
/// the branch IX locked.
fn write_lesson(dir: &Path, lesson_toml: &str) {
    let hq = |key: &str| {
        format!(
            "hostname \"hq\"\n\
             interface lan0 add 10.77.1.1/24\n\
             interface lan1 add 100.64.7.1/24\n\
             interface ipsec0 tunnel 100.64.7.1 100.64.7.2\n\
             interface ipsec0 unnumbered\n\
             route add 10.77.2.0/24 ipsec0\n\
             ike preshared-key add \"100.64.7.2\" \"{key}\"\n\
             ike proposal add p1 encryption aes hash sha1 authentication preshared-key dh-group modp1024 lifetime-of-time 1h\n\
             ike peer add br address 100.64.7.2 exchange-mode main proposals p1 tunnel-interface enable\n\
             ipsec security-association proposal add p2 authentication-algorithm hmac-sha1 encryption-algorithm aes lifetime-of-time 30m\n\
             ipsec security-association add sa tunnel-interface ipsec0 ike p2 esp enable proxy-id-local 10.77.1.0/24 proxy-id-remote 10.77.2.0/24\n"
        )
    };
    let branch = "ip route 10.77.1.0/24 Tunnel0.0\n\
        ip access-list acl permit ip src any dest any\n\
        ike proposal p1 encryption aes hash sha group 1024-bit lifetime 3600\n\
        ike policy hq peer 100.64.7.1 key our-secret p1\n\
        ipsec autokey-proposal p2 esp-aes esp-sha lifetime time 1800\n\
        ipsec autokey-map vpn acl peer 100.64.7.1 p2\n\
        ipsec local-id vpn 10.77.2.0/24\n\
        ipsec remote-id vpn 10.77.1.0/24\n\
        interface GigaEthernet0.0\n  ip address 100.64.7.2/24\n  no shutdown\n\
        interface GigaEthernet1.0\n  ip address 10.77.2.1/24\n  no shutdown\n\
        interface Tunnel0.0\n  tunnel mode ipsec\n  ip unnumbered GigaEthernet1.0\n  ipsec policy tunnel vpn out\n  no shutdown\n";
    let scenario = "name = \"hq-key\"\n\
        description = \"The HQ's key has a typo\"\n\
        duration = \"2m\"\n\
        [expect]\nphase1 = \"up\"\nphase2 = \"up\"\npings = \"all\"\n\
        [[router]]\nname = \"hq\"\nvendor = \"seil\"\nconfig = \"hq.conf\"\n\
        [[router]]\nname = \"branch\"\nvendor = \"ix\"\nconfig = \"branch.conf\"\n";
    std::fs::create_dir_all(dir.join("solution")).unwrap();
    for (f, t) in [
        ("lesson.toml", lesson_toml.to_string()),
        ("scenario.toml", scenario.to_string()),
        (
            "task.md",
            "Make the tunnel come up by changing hq.conf only.\n".to_string(),
        ),
        ("hq.conf", hq("our-secert")),
        ("branch.conf", branch.to_string()),
        ("solution/hq.conf", hq("our-secret")),
        ("solution/branch.conf", branch.to_string()),
    ] {
        std::fs::write(dir.join(f), t).unwrap();
    }
}

const INSTRUCTOR_LESSON: &str = "hints = [\"Phase 1 never completes.\", \"Compare the keys.\", \"HQ's key is misspelt.\"]\nlocked = [\"branch.conf\"]\n";

#[test]
fn an_instructors_lesson_folder_works() {
    let lesson = tmp("instructor-lesson");
    write_lesson(&lesson, INSTRUCTOR_LESSON);
    let dir = tmp("instructor-student");
    start(s(&lesson), &dir);
    assert_eq!(
        std::fs::read_to_string(dir.join("hq.conf")).unwrap(),
        std::fs::read_to_string(lesson.join("hq.conf")).unwrap(),
        "the config as handed out"
    );
    assert!(dir.join("branch.conf").is_file() && dir.join("task.md").is_file());
    assert!(
        !dir.join("solution").exists(),
        "the solution stays with the instructor"
    );
    let broken = check(&dir, &[]);
    let text = stdout(&broken);
    assert_eq!(broken.status.code(), Some(1), "{text}{}", stderr(&broken));
    assert!(text.contains("Phase 1"), "{text}");
    assert!(
        text.contains(&format!("{}:7", dir.join("hq.conf").display())),
        "{text}"
    );
    assert!(stdout(&check(&dir, &["--hint"])).contains("Hint 1 of 3: Phase 1 never completes."));
    // Changing the locked branch instead is not a pass, even though the tunnel comes up.
    let branch = std::fs::read_to_string(dir.join("branch.conf")).unwrap();
    std::fs::write(
        dir.join("branch.conf"),
        branch.replace("key our-secret", "key our-secert"),
    )
    .unwrap();
    let cheat = check(&dir, &[]);
    assert_eq!(cheat.status.code(), Some(1), "{}", stdout(&cheat));
    assert!(
        stdout(&cheat).contains("You changed branch.conf"),
        "{}",
        stdout(&cheat)
    );
    assert!(
        last_line(&cheat).contains("20 of 20 pings answered"),
        "{}",
        stdout(&cheat)
    );
    copy_solution(&lesson, &dir);
    let fixed = check(&dir, &[]);
    assert_eq!(fixed.status.code(), Some(0), "{}", stdout(&fixed));
    assert!(last_line(&fixed).starts_with("PASS: "));
    // The student's folder checks without the lesson folder: it holds its own copy.
    let _ = std::fs::remove_dir_all(&lesson);
    assert_eq!(check(&dir, &[]).status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_config_that_does_not_parse_is_a_fail_with_its_file_and_line() {
    let dir = tmp("parse");
    start("psk-mismatch", &dir);
    let ix = std::fs::read_to_string(dir.join("ix.conf")).unwrap();
    std::fs::write(
        dir.join("ix.conf"),
        ix.replace("encryption aes hash", "encryption rot13 hash"),
    )
    .unwrap();
    let line = ix
        .lines()
        .position(|l| l.contains("encryption aes"))
        .unwrap()
        + 1;
    let out = check(&dir, &["--no-diagnosis"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("{}:{line}:", dir.join("ix.conf").display())),
        "{text}"
    );
    assert!(last_line(&out).starts_with("FAIL: "), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn start_refuses_a_folder_that_holds_a_started_lesson() {
    let dir = tmp("refuse");
    start("pfs-one-side", &dir);
    std::fs::write(dir.join("ix.conf"), "! my edits\n").unwrap();
    let again = ikelab(&["exercise", "start", "pfs-one-side", s(&dir)]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already holds the lesson \"pfs-one-side\""),
        "{}",
        stderr(&again)
    );
    assert!(stderr(&again).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(dir.join("ix.conf")).unwrap(),
        "! my edits\n"
    );
    // Another lesson into the same folder is refused too.
    let other = ikelab(&["exercise", "start", "psk-mismatch", s(&dir)]);
    assert_eq!(other.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.join("ix.conf")).unwrap(),
        "! my edits\n"
    );
    // --force starts again, and says what it overwrote.
    let forced = ikelab(&["exercise", "start", "--force", "pfs-one-side", s(&dir)]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert!(stderr(&forced).contains("overwrote"), "{}", stderr(&forced));
    assert!(stderr(&forced).contains("ix.conf"));
    assert_ne!(
        std::fs::read_to_string(dir.join("ix.conf")).unwrap(),
        "! my edits\n"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // A folder with a file of a name start writes, but no lesson, is refused as well.
    let plain = tmp("refuse-plain");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(plain.join("seil.conf"), "mine\n").unwrap();
    let out = ikelab(&["exercise", "start", "pfs-one-side", s(&plain)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("already has seil.conf"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(plain.join("seil.conf")).unwrap(),
        "mine\n"
    );
    let _ = std::fs::remove_dir_all(&plain);
}

#[test]
fn a_malformed_lesson_toml_is_named_with_its_line() {
    let lesson = tmp("malformed");
    // A value of the wrong type on line 2.
    write_lesson(&lesson, "hints = [\"a\"]\nlocked = \"branch.conf\"\n");
    let dir = tmp("malformed-student");
    let out = ikelab(&["exercise", "start", s(&lesson), s(&dir)]);
    assert_eq!(out.status.code(), Some(2));
    let want = format!("{}:2:", lesson.join("lesson.toml").display());
    assert!(
        stderr(&out).contains(&want),
        "expected {want:?} in {}",
        stderr(&out)
    );
    assert!(
        !dir.exists(),
        "nothing written for a lesson that does not load"
    );
    // Not TOML at all: the line of the unclosed array.
    std::fs::write(lesson.join("lesson.toml"), "# hints\n\nhints = [\"a\",\n").unwrap();
    let out = ikelab(&["exercise", "start", s(&lesson), s(&dir)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("{}:", lesson.join("lesson.toml").display())),
        "{}",
        stderr(&out)
    );
    // A key ikelab does not know.
    std::fs::write(
        lesson.join("lesson.toml"),
        "hints = [\"a\"]\nlockd = [\"hq.conf\"]\n",
    )
    .unwrap();
    let out = ikelab(&["exercise", "start", s(&lesson), s(&dir)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&want), "{}", stderr(&out));
    assert!(stderr(&out).contains("lockd"), "{}", stderr(&out));
    // `locked` naming a file the scenario does not have.
    std::fs::write(
        lesson.join("lesson.toml"),
        "hints = [\"a\"]\nlocked = [\"ix.conf\"]\n",
    )
    .unwrap();
    let out = ikelab(&["exercise", "start", s(&lesson), s(&dir)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("\"ix.conf\""), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&lesson);
}

#[test]
fn check_without_a_started_lesson_and_unknown_lessons_are_usage_errors() {
    let dir = tmp("nothing");
    std::fs::create_dir_all(&dir).unwrap();
    let out = check(&dir, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("holds no started lesson"),
        "{}",
        stderr(&out)
    );
    let out = ikelab(&["exercise", "start", "no-such-lesson", s(&dir.join("x"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no lesson named \"no-such-lesson\""));
    let _ = std::fs::remove_dir_all(&dir);
}
