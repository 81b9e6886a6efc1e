//! What `ikelab matrix --out DIR` writes and what `ikelab matrix merge` makes of shards: a
//! matrix.html that parses and whose every link opens a cell's report, shards that merge into
//! the unsharded run byte for byte whatever order they are given in, and merges refused (exit
//! 2, naming the file and the line or field) for overlapping, missing, damaged or hostile
//! shards, with nothing written. Small grids (`--pair`, `--knob`), so it runs in seconds.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use ikelab::matrix::{Filter, cells};
use ikelab_peers::personality::Personalities;
use support::{ikelab, stderr};

/// The grid the tests run: 14 cells.
const GRID: &[&str] = &["--pair", "seil:ix", "--knob", "ids", "--knob", "pfs"];

/// A fresh folder for `name`.
fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("matrix-out-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs the test grid with `extra` arguments into `out`.
fn matrix(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["matrix", "--jobs", "2", "--out", s(out)];
    args.extend_from_slice(GRID);
    args.extend_from_slice(extra);
    let o = ikelab(&args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    o
}

/// The test grid run whole (`full`) and as shards 1/3, 2/3 and 3/3, once for all tests.
struct Runs {
    root: PathBuf,
    full: PathBuf,
    full_stdout: Vec<u8>,
    shards: [PathBuf; 3],
}

fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let root = tmp("runs");
        let full = root.join("full");
        let full_stdout = matrix(&full, &[]).stdout;
        let shards = [1, 2, 3].map(|k| {
            let d = root.join(format!("shard{k}"));
            matrix(&d, &["--shard", &format!("{k}/3")]);
            d
        });
        Runs {
            root,
            full,
            full_stdout,
            shards,
        }
    })
}

/// Every file under `dir`, by its path relative to `dir`, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// The `cell` column of a matrix.csv, and whether each cell ran.
fn csv_cells(path: &Path) -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let head = r.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (cell, p1) = (col("cell"), col("phase 1"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let ran = !["n/a", "error"].contains(&&rec[p1]);
            (rec[cell].to_string(), ran)
        })
        .collect()
}

#[test]
fn cell_ids_are_unique_file_names() {
    let all = cells(&Personalities::builtin(), &Filter::default());
    let mut seen = std::collections::HashSet::new();
    for c in &all {
        let id = c.id().to_string();
        assert!(
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{id}"
        );
        assert!(seen.insert(id.clone()), "two cells are {id}");
    }
    let c = all
        .iter()
        .find(|c| c.initiator == "seil" && c.responder == "ix" && c.variant.name == "default/host")
        .unwrap();
    assert_eq!(c.id().to_string(), "seil-ix-ids-default-host");
}

#[test]
fn the_page_parses_and_every_link_opens_a_cells_report() {
    use quick_xml::events::Event;
    let r = runs();
    let html = std::fs::read_to_string(r.full.join("matrix.html")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&html);
    let (mut depth, mut links, mut tds) = (0i32, vec![], 0);
    loop {
        match reader.read_event().expect("matrix.html is well-formed") {
            Event::Start(e) => {
                depth += 1;
                if e.name().as_ref() == b"td" {
                    tds += 1;
                }
                for a in e.attributes() {
                    let a = a.unwrap();
                    if a.key.as_ref() == b"href" {
                        links.push(String::from_utf8(a.value.to_vec()).unwrap());
                    }
                }
            }
            Event::End(_) => depth -= 1,
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element closed");
    let cells = csv_cells(&r.full.join("matrix.csv"));
    assert_eq!(cells.len(), 14);
    assert_eq!(
        tds,
        cells.len(),
        "one cell of the table per cell of the grid"
    );
    let ran: Vec<&String> = cells
        .iter()
        .filter(|(_, ran)| *ran)
        .map(|(c, _)| c)
        .collect();
    assert!(!ran.is_empty());
    assert_eq!(links.len(), ran.len(), "{links:?}");
    for (link, id) in links.iter().zip(ran) {
        assert_eq!(link, &format!("cells/{id}/report.html"));
        let report = r.full.join(link);
        assert!(report.is_file(), "{}", report.display());
        // As `ikelab run --report` leaves a run's folder.
        for f in [
            "summary.json",
            "capture.pcapng",
            "initiator.log",
            "responder.log",
        ] {
            assert!(report.with_file_name(f).is_file(), "{id}: {f}");
        }
        assert!(report.with_file_name("keys").is_dir(), "{id}: keys/");
    }
    // A cell's report is its run's: the document's failing case shows its refusal.
    let failing =
        std::fs::read_to_string(r.full.join("cells/seil-ix-ids-default-host/report.html")).unwrap();
    assert!(failing.contains("INVALID-ID-INFORMATION"));
}

#[test]
fn shards_merge_into_the_unsharded_run_byte_for_byte() {
    let r = runs();
    let merged = r.root.join("merged");
    let _ = std::fs::remove_dir_all(&merged);
    let [a, b, c] = &r.shards;
    // Given out of order.
    let o = ikelab(&["matrix", "merge", "--out", s(&merged), s(c), s(a), s(b)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        o.stdout, r.full_stdout,
        "the merged table as the whole run prints it"
    );
    for f in ["matrix.md", "matrix.csv", "matrix.html", "matrix.json"] {
        let (want, got) = (r.full.join(f), merged.join(f));
        assert!(
            std::fs::read(&want).unwrap() == std::fs::read(&got).unwrap(),
            "{f} differs: {} and {}",
            want.display(),
            got.display()
        );
    }
    let (want, got) = (tree(&r.full.join("cells")), tree(&merged.join("cells")));
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>()
    );
    assert!(want == got, "the cells' folders differ");
}

/// `ikelab matrix merge` on `dirs` into a fresh output folder: refused with exit 2, nothing
/// written; its message.
fn refused(name: &str, dirs: &[&Path]) -> String {
    let out = tmp(&format!("{name}-merge")).join("out");
    let mut args = vec!["matrix", "merge", "--out", s(&out)];
    args.extend(dirs.iter().map(|d| s(d)));
    let o = ikelab(&args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    assert!(
        !out.exists(),
        "{name}: a refused merge wrote {}",
        out.display()
    );
    stderr(&o)
}

/// A copy of shard 1 (matrix.json, matrix.csv; no cells) to damage.
fn damaged(name: &str, csv: impl FnOnce(&Path)) -> PathBuf {
    let d = tmp(name).join("shard1");
    std::fs::create_dir_all(&d).unwrap();
    for f in ["matrix.json", "matrix.csv"] {
        std::fs::copy(runs().shards[0].join(f), d.join(f)).unwrap();
    }
    csv(&d.join("matrix.csv"));
    d
}

/// Replaces line `n` (from 1) of `path` by what `f` makes of it.
fn edit_line(path: &Path, n: usize, f: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == n { f(l) } else { l.to_string() })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn merge_refuses_overlap_and_names_missing_cells() {
    let r = runs();
    let [a, b, c] = &r.shards;
    let e = refused("overlap", &[a, b, c, a]);
    assert!(e.contains("overlap") && e.contains(s(a)), "{e}");
    let e = refused("missing", &[c, a]);
    assert!(e.contains("no folder holds shard 2/3"), "{e}");
    let missing = csv_cells(&b.join("matrix.csv"));
    assert!(
        e.contains(&format!("{} of its 14 cell(s)", missing.len())),
        "{e}"
    );
    for (id, _) in missing {
        assert!(e.contains(&id), "{id} not named: {e}");
    }
    // A shard of another grid.
    let other = r.root.join("other-grid");
    matrix(&other, &["--knob", "mode", "--shard", "2/3"]);
    let e = refused("other-grid", &[a, b, &other]);
    assert!(
        e.contains("another grid") && e.contains("matrix.json"),
        "{e}"
    );
}

/// What a case does to a copy of a shard's matrix.csv.
type Damage = Box<dyn FnOnce(&Path)>;

#[test]
fn merge_refuses_a_damaged_or_hostile_csv_with_file_and_line() {
    let r = runs();
    let [_, b, c] = &r.shards;
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "field",
            Box::new(|p| edit_line(p, 3, |l| l.replacen(",up,", ",sideways,", 1))),
            "matrix.csv:3: field \"phase 1\": \"sideways\"",
        ),
        (
            "columns",
            Box::new(|p| edit_line(p, 1, |l| l.replace("ping", "pong"))),
            "matrix.csv:1: column 7 is \"pong\", expected \"ping\"",
        ),
        (
            "width",
            Box::new(|p| edit_line(p, 2, |l| format!("{l},extra"))),
            "matrix.csv:2: 12 fields, expected 11",
        ),
        (
            "swapped",
            Box::new(|p| edit_line(p, 2, |l| l.replacen("seil,ix,", "ix,seil,", 1))),
            "matrix.csv:2: field \"initiator\"",
        ),
        (
            "short",
            Box::new(|p| {
                let text = std::fs::read_to_string(p).unwrap();
                let keep: Vec<&str> = text.lines().take(2).collect();
                std::fs::write(p, keep.join("\n") + "\n").unwrap();
            }),
            "of the shard's cells have no row",
        ),
        (
            "huge",
            Box::new(|p| {
                let f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
                f.set_len(17 << 20).unwrap();
            }),
            "larger than 16777216 bytes",
        ),
        (
            "fifo",
            Box::new(|p| {
                std::fs::remove_file(p).unwrap();
                let made = Command::new("mkfifo").arg(p).status().unwrap();
                assert!(made.success());
            }),
            "is a FIFO",
        ),
        (
            "gone",
            Box::new(|p| std::fs::remove_file(p).unwrap()),
            "matrix.csv: No such file",
        ),
    ];
    for (name, damage, says) in cases {
        let d = damaged(name, damage);
        let e = refused(name, &[&d, b, c]);
        assert!(
            e.contains(&format!("{}/matrix.csv", d.display())) && e.contains(says),
            "{name}: {e}"
        );
    }
    // A shard's manifest that lies about its cells.
    let d = damaged("manifest", |_| {});
    let m = d.join("matrix.json");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, text.replace("\"shard\": \"1/3\"", "\"shard\": \"1/0\"")).unwrap();
    let e = refused("manifest", &[&d, b, c]);
    assert!(e.contains("matrix.json: field shard"), "{e}");
}

/// The cell folders under `dir/cells`, sorted.
fn cell_folders(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("cells"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_reused_out_folder_holds_only_the_last_runs_cells() {
    let out = tmp("reused");
    // A folder the user keeps beside the matrix's files stays.
    std::fs::create_dir_all(out.join("notes")).unwrap();
    matrix(&out, &[]);
    let first = cell_folders(&out);
    assert!(first.iter().all(|c| c.starts_with("seil-ix-")));
    let o = ikelab(&[
        "matrix",
        "--jobs",
        "2",
        "--out",
        s(&out),
        "--pair",
        "ix:seil",
        "--knob",
        "mode",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let second = cell_folders(&out);
    assert!(!second.is_empty());
    assert!(
        second.iter().all(|c| c.starts_with("ix-seil-mode-")),
        "cells of the earlier grid stayed: {second:?}"
    );
    assert!(out.join("notes").is_dir());
    // A folder no matrix wrote keeps its `cells/` (it may be somebody's).
    let other = tmp("not-a-matrix");
    std::fs::create_dir_all(other.join("cells/mine")).unwrap();
    let o = ikelab(&[
        "matrix",
        "--jobs",
        "2",
        "--out",
        s(&other),
        "--pair",
        "ix:seil",
        "--knob",
        "mode",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(other.join("cells/mine").is_dir());
}

/// A whole copy of shard `k` (1-based) of the test grid, to damage.
fn shard_copy(name: &str, k: usize) -> PathBuf {
    let d = tmp(&format!("{name}-shard")).join(format!("shard{k}"));
    let from = &runs().shards[k - 1];
    let ok = Command::new("cp")
        .arg("-r")
        .arg(from)
        .arg(&d)
        .status()
        .unwrap()
        .success();
    assert!(ok, "cp -r {}", from.display());
    d
}

/// The first cell folder of a shard copy.
fn first_cell(shard: &Path) -> PathBuf {
    let name = cell_folders(shard).into_iter().next().expect("a cell ran");
    shard.join("cells").join(name)
}

#[test]
fn merge_refuses_cell_folders_a_run_does_not_write() {
    let [a, _, c] = &runs().shards;
    // A cell that ran without its report.
    let b = shard_copy("no-report", 2);
    let cell = first_cell(&b);
    std::fs::remove_file(cell.join("report.html")).unwrap();
    let e = refused("no-report", &[a, &b, c]);
    assert!(
        e.contains("report.html") && e.contains("should hold its report"),
        "{e}"
    );
    // A link inside a cell's folder: never followed, never copied.
    let b = shard_copy("link", 2);
    std::os::unix::fs::symlink("/etc/passwd", first_cell(&b).join("passwd")).unwrap();
    let e = refused("link", &[a, &b, c]);
    assert!(e.contains("passwd") && e.contains("not copied"), "{e}");
    // Folders nested deeper than a cell writes.
    let b = shard_copy("deep", 2);
    let deep = first_cell(&b).join("x/y/z/w");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("f"), "f").unwrap();
    let e = refused("deep", &[a, &b, c]);
    assert!(e.contains("nested deeper"), "{e}");
    // More files than a cell writes.
    let b = shard_copy("many", 2);
    let many = first_cell(&b).join("many");
    std::fs::create_dir_all(&many).unwrap();
    for i in 0..1_001 {
        std::fs::write(many.join(i.to_string()), "").unwrap();
    }
    let e = refused("many", &[a, &b, c]);
    assert!(e.contains("more than 1000 files and folders"), "{e}");
    // The output folder is one of the shards: refused, and the shard is left as it was.
    let b = shard_copy("out-is-shard", 2);
    let before = tree(&b);
    let o = ikelab(&["matrix", "merge", "--out", s(&b), s(a), s(&b), s(c)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("one of the shards"), "{}", stderr(&o));
    assert_eq!(tree(&b), before);
}
