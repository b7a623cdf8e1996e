//! `rampart`: see `rampart --help`. Exit status: 0 done, 1 failed (the collector, or lint
//! errors), 2 bad usage.

mod args;
mod filter;
mod lint;
mod nodes;
mod render;
mod status;
mod suggest;
mod whatif;

use std::{io::Write as _, process::ExitCode, time::SystemTime};

use anyhow::Context as _;
use clap::Parser as _;
use rampart_proto::v1::{
    ReplayRequest, StatusRequest, SubscribeRequest, collector_client::CollectorClient, subscribe_response,
};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

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

/// Where the collector is and how to reach it.
struct Server {
    url: String,
    tls: Option<ClientTlsConfig>,
    /// A client certificate is configured.
    identity: bool,
}

impl Server {
    fn from_cli(cli: &Cli) -> anyhow::Result<Server> {
        let read = |flag: &str, p: &std::path::Path| {
            std::fs::read(p).with_context(|| format!("{flag} {}", p.display()))
        };
        let https = cli.server.starts_with("https://");
        let tls = match (&cli.tls_ca, https) {
            (Some(ca), true) => {
                let mut t =
                    ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read("--tls-ca", ca)?));
                match (&cli.tls_cert, &cli.tls_key) {
                    (Some(c), Some(k)) => {
                        t = t.identity(Identity::from_pem(read("--tls-cert", c)?, read("--tls-key", k)?));
                    }
                    (None, None) => {}
                    _ => anyhow::bail!("--tls-cert and --tls-key go together"),
                }
                Some(t)
            }
            (None, true) => {
                anyhow::bail!("{} is https: --tls-ca is needed to verify the collector", cli.server)
            }
            (_, false) if cli.tls_ca.is_some() || cli.tls_cert.is_some() => {
                anyhow::bail!("--tls-ca/--tls-cert need an https:// --server, not {}", cli.server)
            }
            (_, false) => None,
        };
        let identity = cli.tls_cert.is_some();
        Ok(Server { url: cli.server.clone(), tls, identity })
    }
}

async fn connect(server: &Server) -> anyhow::Result<CollectorClient<Channel>> {
    let url = &server.url;
    let mut endpoint = Channel::from_shared(url.clone()).with_context(|| format!("--server {url:?}"))?;
    if let Some(tls) = &server.tls {
        endpoint = endpoint.tls_config(tls.clone()).context("TLS configuration")?;
    }
    let channel = endpoint
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot reach the collector at {url}"))?;
    Ok(CollectorClient::new(channel).max_decoding_message_size(64 << 20))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let now = SystemTime::now();
    let server = Server::from_cli(&cli)?;
    let result = commands(cli, &server, now).await;
    // TLS 1.3 reports a missing client certificate only as a broken connection.
    if server.tls.is_some()
        && !server.identity
        && result.as_ref().is_err_and(|e| format!("{e:#}").contains("transport error"))
    {
        return result.context("the collector may require a client certificate (--tls-cert, --tls-key)");
    }
    result
}

async fn commands(cli: Cli, server: &Server, now: SystemTime) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Observe(a) => observe(server, a, now).await,
        Command::Replay(a) => replay(server, a, now).await,
        Command::Status(a) if a.nodes => nodes::status(a.kubeconfig.as_deref(), a.output).await,
        Command::Status(a) => {
            let s = connect(server).await?.status(StatusRequest {}).await.context("status")?.into_inner();
            match a.output {
                StatusOutput::Text => print!("{}", status::text(&s, SystemTime::now())),
                StatusOutput::Json => println!("{}", serde_json::to_string(&s)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy(PolicyCommand::WhatIf(a)) => whatif::what_if(server, *a, now).await,
        Command::Policy(PolicyCommand::Suggest(a)) => suggest::suggest(server, *a, now).await,
        Command::Policy(PolicyCommand::Lint { .. }) => unreachable!("handled without a runtime"),
    }
}

fn usage(e: String) -> anyhow::Result<ExitCode> {
    eprintln!("rampart: {e}");
    Ok(ExitCode::from(2))
}

async fn observe(server: &Server, a: StreamArgs, now: SystemTime) -> anyhow::Result<ExitCode> {
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

async fn replay(server: &Server, a: StreamArgs, now: SystemTime) -> anyhow::Result<ExitCode> {
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
