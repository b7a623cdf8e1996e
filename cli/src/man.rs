//! `rampart man DIR`: a man page per command, generated from the same clap definitions as
//! `--help` (so they cannot disagree): `rampart.1`, `rampart-observe.1`, `rampart-policy-lint.1`.

use std::{io, path::Path};

use clap::CommandFactory as _;

use crate::args::Cli;

/// Write every page into `dir` (created if missing); returns how many.
pub fn write_pages(dir: &Path) -> io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut cmd = Cli::command();
    cmd.build();
    write(dir, cmd, "rampart")
}

fn write(dir: &Path, cmd: clap::Command, name: &str) -> io::Result<usize> {
    let mut n = 0;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let sub_name = format!("{name}-{}", sub.get_name());
        n += write(dir, sub.clone(), &sub_name)?;
    }
    let cmd = cmd.name(name.to_string());
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    std::fs::write(dir.join(format!("{name}.1")), page)?;
    Ok(n + 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_page_per_command_with_its_flags() {
        let dir = tempfile::tempdir().unwrap();
        let n = super::write_pages(dir.path()).unwrap();
        for page in [
            "rampart.1",
            "rampart-observe.1",
            "rampart-replay.1",
            "rampart-status.1",
            "rampart-policy-lint.1",
        ] {
            assert!(dir.path().join(page).is_file(), "{page}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), n);
        let replay = std::fs::read_to_string(dir.path().join("rampart-replay.1")).unwrap();
        assert!(replay.starts_with(".ie \\n(.g .ds Aq") || replay.contains(".TH rampart-replay"), "{replay}");
        assert!(replay.contains("\\-\\-not"), "the filter flags are in it");
    }
}
