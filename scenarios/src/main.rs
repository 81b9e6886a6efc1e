//! The `ikelab` command-line tool.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// ikelab: an IKEv1/ESP interop lab with simulated SEIL and NEC IX routers.
#[derive(Parser)]
#[command(name = "ikelab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode IKEv1 and ESP in a pcap/pcapng capture, decrypting with Wireshark key files.
    #[command(after_help = "Examples:\n  \
        ikelab decode capture.pcap\n  \
        ikelab decode capture.pcap --keys keys/\n  \
        ikelab decode capture.pcapng --keys keys/ --json | jq .\n\n\
        KEYS is a folder with Wireshark's 'ikev1_decryption_table' and/or 'esp_sa' files \
        (the format strongSwan's save-keys plugin writes).")]
    Decode {
        /// The capture (pcap or pcapng; Ethernet, raw IP or Linux cooked).
        capture: PathBuf,
        /// Folder holding ikev1_decryption_table and/or esp_sa.
        #[arg(long, value_name = "DIR")]
        keys: Option<PathBuf>,
        /// One JSON object per message instead of text blocks.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Decode {
            capture,
            keys,
            json,
        } => match ikelab::decode::decode_file(&capture, keys.as_deref()) {
            Ok(records) => {
                for r in records {
                    if json {
                        println!("{}", serde_json::to_string(&r).expect("records serialise"));
                    } else {
                        println!("{}", r.to_text());
                    }
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ikelab decode: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
