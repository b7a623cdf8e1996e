//! `rampart`: see `rampart --help`. Exit status: 0 done, 1 failed (the collector, or lint
//! errors), 2 bad usage.

mod args;
mod filter;
mod lint;
mod render;
mod status;

use std::{io::Write as _, process::ExitCode, time::SystemTime};

use anyhow::Context as _;
use clap::Parser as _;
use rampart_proto::v1::{
    ReplayRequest, StatusRequest, SubscribeRequest, collector_client::CollectorClient, subscribe_response,
};
use tonic::transport::Channel;

use args::{Cli, Command, PolicyCommand, StatusOutput, StreamArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Policy(PolicyCommand::Lint { files }) = &cli.command {
        let (policies, errors) = lint::lint(files);
        for e in &errors {
            println!("{e}");
        }
        if errors.is_empty() {
            println!(
                "ok: {policies} polic{} in {} path{}",
                if policies == 1 { "y" } else { "ies" },
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            );
            return ExitCode::SUCCESS;
        }
        eprintln!("rampart: {} error{}", errors.len(), if errors.len() == 1 { "" } else { "s" });
        return ExitCode::FAILURE;
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rampart: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn connect(server: &str) -> anyhow::Result<CollectorClient<Channel>> {
    let endpoint =
        Channel::from_shared(server.to_string()).with_context(|| format!("--server {server:?}"))?;
    let channel = endpoint
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot reach the collector at {server}"))?;
    Ok(CollectorClient::new(channel).max_decoding_message_size(64 << 20))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let now = SystemTime::now();
    match cli.command {
        Command::Observe(a) => observe(&cli.server, a, now).await,
        Command::Replay(a) => replay(&cli.server, a, now).await,
        Command::Status(a) => {
            let s =
                connect(&cli.server).await?.status(StatusRequest {}).await.context("status")?.into_inner();
            match a.output {
                StatusOutput::Text => print!("{}", status::text(&s, SystemTime::now())),
                StatusOutput::Json => println!("{}", serde_json::to_string(&s)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy(_) => unreachable!("handled without a runtime"),
    }
}

fn usage(e: String) -> anyhow::Result<ExitCode> {
    eprintln!("rampart: {e}");
    Ok(ExitCode::from(2))
}

async fn observe(server: &str, a: StreamArgs, now: SystemTime) -> anyhow::Result<ExitCode> {
    let filter = match filter::to_proto(&a.filter, now) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let printer = render::Printer::new(a.output, a.color);
    let mut client = connect(server).await?;
    let mut stream =
        client.subscribe(SubscribeRequest { filter: Some(filter) }).await.context("subscribe")?.into_inner();
    let mut out = std::io::stdout().lock();
    let mut seen = 0;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let item = tokio::select! {
            item = stream.message() => item.context("the live stream failed")?,
            _ = &mut ctrl_c => return Ok(ExitCode::SUCCESS),
        };
        match item.and_then(|i| i.item) {
            None => return Ok(ExitCode::SUCCESS),
            Some(subscribe_response::Item::Event(e)) => {
                if !printer.print(&mut out, &e) {
                    return Ok(ExitCode::SUCCESS);
                }
                seen += 1;
                if a.count.is_some_and(|c| seen >= c) {
                    return Ok(ExitCode::SUCCESS);
                }
            }
            Some(subscribe_response::Item::Missed(m)) => {
                let _ = out.flush();
                eprintln!("rampart: missed {} events here: {}", m.events, m.reason);
            }
        }
    }
}

async fn replay(server: &str, a: StreamArgs, now: SystemTime) -> anyhow::Result<ExitCode> {
    let filter = match filter::to_proto(&a.filter, now) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let printer = render::Printer::new(a.output, a.color);
    let mut client = connect(server).await?;
    let request = ReplayRequest { filter: Some(filter), limit: a.count.unwrap_or(0) };
    let mut stream = client.replay(request).await.context("replay")?.into_inner();
    let mut out = std::io::stdout().lock();
    while let Some(r) = stream.message().await.context("the replay failed")? {
        if let Some(e) = r.event
            && !printer.print(&mut out, &e)
        {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}
