//! The SQLite baselines of `cargo xtask bench --only collector`, built in release as the
//! collector is (a debug build compiles SQLite itself without optimisation): the rows of one
//! agent boot's batches inserted with bare rusqlite ([`baseline::bare_insert`]). Prints the
//! seconds the inserts took.
//!
//! `sqlite_bare_insert BATCHES_FILE DB ROWS_PER_COMMIT store|none plain|chain`
//!
//! `BATCHES_FILE`: length-delimited `rampart.v1.Batch` messages; `DB`: a new file; `store` keeps
//! the store's layout (spans and appends), `none` a bare events table; `chain` adds the hash
//! chain's work.

use anyhow::bail;
use prost::Message as _;
use rampart_collector::store::sqlite::baseline::{self, Indexes};
use rampart_proto::v1::Batch;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, db, per_commit, indexes, chain] = args.as_slice() else {
        bail!("usage: sqlite_bare_insert BATCHES_FILE DB ROWS_PER_COMMIT store|none plain|chain");
    };
    let indexes = match indexes.as_str() {
        "store" => Indexes::Store,
        "none" => Indexes::None,
        other => bail!("indexes: store or none, not {other}"),
    };
    let with_chain = match chain.as_str() {
        "chain" => true,
        "plain" => false,
        other => bail!("plain or chain, not {other}"),
    };
    let mut bytes = bytes::Bytes::from(std::fs::read(file)?);
    let mut batches = Vec::new();
    while !bytes.is_empty() {
        let b = Batch::decode_length_delimited(&mut bytes)?;
        batches.push((b.first_sequence, b.events));
    }
    let took = baseline::bare_insert(db.as_ref(), &batches, per_commit.parse()?, with_chain, indexes)?;
    println!("{}", took.as_secs_f64());
    Ok(())
}
