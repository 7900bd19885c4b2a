use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use webapp::config::{Cli, Command};

// musl's allocator serialises threads under load, and the image is a static musl build; the
// same allocator everywhere makes local runs and the benchmark behave like the image.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    // Serving is the default, so the image's entrypoint needs no arguments.
    if args.len() == 1 {
        args.push("serve".into());
    }
    match Cli::parse_from(args).command {
        Command::Serve(config) => webapp::startup::serve(*config),
        Command::Probe(probe) => webapp::probe(&probe),
        Command::Contract => {
            println!("{:#}", webapp::config::contract());
            ExitCode::SUCCESS
        }
    }
}
