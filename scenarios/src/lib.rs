//! ikelab's user-facing side: the `ikelab` command-line tool and what it runs.
//!
//! - [`scenario`]: scenario files and the built-in catalog, the plan both drivers run, and the
//!   in-process driver;
//! - [`stack`]: the engine as a simulated router's IPsec stack, with its vendor log;
//! - [`record`]: a router's record of engine events, in memory or spooled to the run's folder;
//! - [`describe`]: a parsed config in plain words (`ikelab check-config`);
//! - [`lint`]: warnings about a config that cannot work on its own;
//! - [`report`]: a run's result, its outcome, `summary.json` and the artefact folder;
//! - [`diagnose`]: what went wrong in a run, from both routers' events, with the fix;
//! - [`expect`]: what a user expects of a run (`[expect]`, `--expect`) and the verdict;
//! - [`netns`]: the netns driver (the same plan in Linux network namespaces), and `ikelab peer`;
//! - [`console`]: standard output that ends quietly when its reader goes;
//! - [`exercise`]: lessons with a pass/fail check (`ikelab exercise`);
//! - [`decode`]: reads captures (pcap / pcapng), finds IKEv1 and ESP, decrypts them with
//!   Wireshark's key files, and renders one block (or JSON line) per message;
//! - [`steps`]: the cucumber step library and runner of `ikelab test` (users' feature files).
#![forbid(unsafe_code)]

pub mod console;
pub mod decision;
pub mod decode;
pub mod describe;
pub mod diagnose;
pub mod exercise;
pub mod expect;
pub mod html;
pub mod lint;
pub mod matrix;
pub mod netns;
pub mod record;
pub mod report;
pub mod scenario;
pub mod stack;
pub mod steps;
