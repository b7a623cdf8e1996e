//! The cost of judging in a what-if, for `cargo xtask bench --only whatif` (built in release):
//! reads the stored events of a window from a collector's SQLite store, alternately plain
//! (the baseline) and judging each with the candidate policies in a directory, as the `WhatIf`
//! RPC does. Prints one JSON line per round: `{"read": events/s, "judged": events/s}`.
//!
//! `whatif_judge_cost STORE SINCE_NS UNTIL_NS EVENTS ROUNDS CANDIDATE_DIR`

use std::{path::PathBuf, time::Instant};

use anyhow::{Context as _, bail};
use rampart_collector::{
    filter::EventFilter,
    store::{ReplayQuery, Store as _, sqlite::SqliteStore},
    whatif::{self, Tally},
};
use rampart_proto::{
    v1::{Filter, PolicySource},
    wkt::Timestamp,
};

async fn read(
    store: &SqliteStore,
    filter: &EventFilter,
    n: u64,
    judge: Option<&rampart_policy::Candidates>,
) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut rows =
        store.replay(ReplayQuery { filter: filter.clone(), max_id: None, limit: None, newest: false });
    let mut tally = Tally::new(3);
    let mut got = 0;
    while let Some(row) = rows.recv().await {
        let event = row?.event;
        got += 1;
        match judge {
            Some(c) => tally.add(&c.set, event),
            None => drop(std::hint::black_box(event)),
        }
    }
    if got != n {
        bail!("read {got} of {n} events");
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [store, since, until, events, rounds, dir] = args.as_slice() else {
        bail!("usage: whatif_judge_cost STORE SINCE_NS UNTIL_NS EVENTS ROUNDS CANDIDATE_DIR");
    };
    let store = SqliteStore::open(&PathBuf::from(store))?;
    let filter = EventFilter::try_from(Filter {
        since: Some(Timestamp::from_unix_nanos(since.parse()?)),
        until: Some(Timestamp::from_unix_nanos(until.parse()?)),
        ..Default::default()
    })?;
    let (n, rounds): (u64, usize) = (events.parse()?, rounds.parse()?);
    let mut sources = Vec::new();
    for path in rampart_policy::dir::list(dir.as_ref())? {
        let content = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        sources.push(PolicySource { name: path.display().to_string(), content });
    }
    let candidates = whatif::candidates(&sources, &[])?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    for round in 0..rounds {
        let (r, j) = if round % 2 == 0 {
            let r = rt.block_on(read(&store, &filter, n, None))?;
            (r, rt.block_on(read(&store, &filter, n, Some(&candidates)))?)
        } else {
            let j = rt.block_on(read(&store, &filter, n, Some(&candidates)))?;
            (rt.block_on(read(&store, &filter, n, None))?, j)
        };
        println!("{{\"read\": {r:.0}, \"judged\": {j:.0}}}");
    }
    Ok(())
}
