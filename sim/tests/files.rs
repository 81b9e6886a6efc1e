//! `ikelab_sim::files`, the one reader of users' files and writer of artefacts (issue 13,
//! findings 4 and 7): FIFOs, devices and folders are refused without blocking, sizes are
//! bounded, text must be UTF-8; nothing is written through a planted symbolic link or into a
//! FIFO, and key files are the owner's only whatever mode they had.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use ikelab_sim::KeyLog;
use ikelab_sim::files::{self, Access, FileError, FileKind, Limit};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ikelab-files-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(ok.success());
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_fifo_a_device_and_a_folder_are_refused_without_blocking() {
    let d = tmp("kinds");
    let fifo = d.join("fifo");
    mkfifo(&fifo);
    // No writer ever comes: opening the FIFO to read would wait forever.
    let cases = [
        (fifo.as_path(), FileKind::Fifo),
        (Path::new("/dev/zero"), FileKind::CharDevice),
        (d.as_path(), FileKind::Folder),
    ];
    for (path, want) in cases {
        match files::read(path, Limit::CONFIG) {
            Err(FileError::NotRegular { kind, .. }) => assert_eq!(kind, want, "{path:?}"),
            other => panic!("{path:?}: {other:?}"),
        }
        let e = files::read_text(path, Limit::CONFIG)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(&path.display().to_string()), "{e}");
        assert!(e.contains("not a regular file"), "{e}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_file_over_its_limit_is_refused_and_one_at_it_is_read() {
    let d = tmp("limit");
    let path = d.join("big.conf");
    let limit = Limit {
        bytes: 100,
        what: "test files",
    };
    std::fs::write(&path, vec![b'x'; 100]).unwrap();
    assert_eq!(files::read(&path, limit).unwrap().len(), 100);
    std::fs::write(&path, vec![b'x'; 101]).unwrap();
    let e = files::read(&path, limit).unwrap_err();
    assert!(matches!(e, FileError::TooLarge { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("100 bytes, the most read of test files"),
        "{e}"
    );
    // A 1 MiB config limit refuses a bigger file.
    std::fs::write(&path, vec![b'#'; (1 << 20) + 1]).unwrap();
    assert!(matches!(
        files::read_text(&path, Limit::CONFIG),
        Err(FileError::TooLarge { .. })
    ));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn text_that_is_not_utf8_is_refused_where_it_breaks() {
    let d = tmp("utf8");
    let path = d.join("seil.conf");
    std::fs::write(
        &path,
        b"hostname x\nike preshared-key add \"a\" \"h\xc3\xa9ge\xffhoge\"\n",
    )
    .unwrap();
    match files::read_text(&path, Limit::CONFIG) {
        Err(FileError::NotText {
            line, column, byte, ..
        }) => assert_eq!((line, column, byte), (2, 32, 0xff)),
        other => panic!("{other:?}"),
    }
    std::fs::write(&path, "ike preshared-key add \"a\" \"h\u{e9}ge\"\n").unwrap();
    let text = files::read_text(&path, Limit::CONFIG).unwrap();
    assert!(text.contains("h\u{e9}ge"), "the bytes as written");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn nothing_is_written_through_a_planted_link_or_into_a_fifo() {
    let d = tmp("links");
    let victim = d.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let out = d.join("out");
    std::fs::create_dir_all(&out).unwrap();
    symlink(&victim, out.join("seil.log")).unwrap();
    let e = files::write(&out.join("seil.log"), "log", Access::Shared).unwrap_err();
    assert!(
        matches!(
            e,
            FileError::NotWritable {
                kind: FileKind::Symlink,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("seil.log: is a symbolic link"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

    // A link to a folder where a folder of the artefacts goes.
    let elsewhere = d.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    symlink(&elsewhere, out.join("keys")).unwrap();
    let keys = KeyLog {
        ikev1: vec!["1111111111111111,2222".into()],
        esp: vec![],
    };
    assert!(matches!(
        keys.write(&out.join("keys")),
        Err(FileError::NotWritable {
            kind: FileKind::Symlink,
            ..
        })
    ));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);

    // A FIFO where a file goes: refused at once (no reader would ever come).
    let fifo = out.join("lab.log");
    mkfifo(&fifo);
    assert!(matches!(
        files::write(&fifo, "log", Access::Shared),
        Err(FileError::NotWritable {
            kind: FileKind::Fifo,
            ..
        })
    ));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_hard_link_planted_where_an_artefact_goes_keeps_its_content() {
    let d = tmp("hardlinks");
    let victim = d.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let out = d.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::hard_link(&victim, out.join("lab.log")).unwrap();
    files::write(&out.join("lab.log"), "the run's log", Access::Shared).unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(
        std::fs::read_to_string(out.join("lab.log")).unwrap(),
        "the run's log"
    );
    // A file of the artefacts' own (one name) is simply rewritten.
    files::write(&out.join("lab.log"), "again", Access::Shared).unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("lab.log")).unwrap(),
        "again"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn key_files_are_0600_in_a_0700_folder_even_if_they_were_open_to_all() {
    let d = tmp("modes");
    let dir = d.join("keys");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let old = dir.join(KeyLog::ESP_FILE);
    std::fs::write(&old, "old").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o666)).unwrap();
    let keys = KeyLog {
        ikev1: vec!["1111111111111111,2222".into()],
        esp: vec!["\"a\"".into()],
    };
    let written = keys.write(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&written.ikev1), 0o600);
    assert_eq!(mode(&written.esp), 0o600);
    assert_eq!(std::fs::read_to_string(&written.esp).unwrap(), "\"a\"\n");
    // A fresh folder too.
    let fresh = d.join("fresh/keys");
    let written = keys.write(&fresh).unwrap();
    assert_eq!(mode(&fresh), 0o700);
    assert_eq!(mode(&written.ikev1), 0o600);
    let _ = std::fs::remove_dir_all(&d);
}
