//! `rampart-agent`: see `rampart-agent --help`.

use std::process::ExitCode;

use clap::Parser as _;
use rampart_agent::{
    app, bench, caps,
    config::{Cli, Command, Output},
    enforce::{
        feasibility::{Feasibility, Tiers},
        policies::PolicyStore,
    },
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One thread: the pipeline is one loop, and an idle agent should wake as little as it can.
    let runtime =
        || tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    match cli.command {
        Command::Probe(args) => {
            let mut report = caps::probe(args.cgroup_root.as_deref());
            if let Some(dir) = args.policies {
                let mut store = PolicyStore::new(Some(dir), rampart_policy::ParseOptions::default());
                match store.reload() {
                    Ok(r) => {
                        for e in r.errors {
                            eprintln!("rampart-agent: policy refused: {e}");
                        }
                    }
                    Err(e) => {
                        eprintln!("rampart-agent: {e}");
                        return ExitCode::from(2);
                    }
                }
                report.rules = Some(Feasibility::assess(store.set(), Tiers::of(&report)).rules);
            }
            match args.output {
                Output::Text => print!("{report}"),
                Output::Json => println!("{}", report.to_json()),
            }
            ExitCode::SUCCESS
        }
        Command::Run(args) => {
            let cfg = match (*args).validate() {
                Ok(cfg) => cfg,
                Err(errors) => {
                    eprint!("rampart-agent: {errors}");
                    return ExitCode::from(2);
                }
            };
            rampart_logging::init(cfg.log_format);
            match runtime().block_on(app::run(cfg)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{}", anyhow::Error::from(e).to_string());
                    ExitCode::FAILURE
                }
            }
        }
        Command::Uninstall(args) => match rampart_agent::loader::pins::uninstall(
            &args.pin_dir,
            rampart_agent::loader::unpin::Release::Wait,
        ) {
            Ok(r) if r.links + r.maps == 0 => {
                println!("nothing pinned under {}", args.pin_dir.display());
                ExitCode::SUCCESS
            }
            Ok(r) => {
                println!(
                    "removed {} pinned links (their programs detached) and {} maps from {}",
                    r.links,
                    r.maps,
                    args.pin_dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("rampart-agent: uninstall: {e}");
                ExitCode::FAILURE
            }
        },
        Command::BenchExport(args) => {
            // The export path's own warnings (a collector refusing the stream) say what is wrong.
            rampart_logging::init(rampart_logging::LogFormat::Text);
            match runtime().block_on(rampart_agent::export::loadgen::run(args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("rampart-agent: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::BenchBaseline(args) => match runtime().block_on(bench::baseline(args.hook)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("rampart-agent: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
