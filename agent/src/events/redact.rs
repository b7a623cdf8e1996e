//! Redaction at the source: what an event must not carry off the node.
//!
//! Design constraints:
//! - Applied to the typed observation after it is judged (policies see the real values) and
//!   before it is converted for export, so the spool, the collector, every reader and a local
//!   `--events` file see only the redacted form. Nothing is formatted and parsed back.
//! - Safe defaults, always on:
//!   - the value of a flag whose name says it holds a secret (`--password=…`, `--db-token …`,
//!     `-client_secret=…`); a flag naming where a secret is kept (`--password-file`,
//!     `--token-path`, `--secret-name`) is left alone;
//!   - `-pVALUE` of the MySQL and MariaDB clients and `-p VALUE` of `sshpass`;
//!   - `Bearer`/`Basic` credentials, and the value of a header whose name says it holds a
//!     secret (`Authorization: …`, `X-Api-Key: …`), wherever they appear in an argument;
//!   - the password in a URL's user info (`https://user:…@host`);
//!   - the file name of a path under a service-account or secret mount (`/var/run/secrets/`,
//!     `/run/secrets/`).
//! - Operators add patterns (`--redact-arg REGEX`): each match in an argument is replaced, or
//!   only its first capture group when it has one.
//! - The environment is never collected: exec records carry argv only.
//! - The event says that something was redacted (`redacted: true`), never what.

use std::borrow::Cow;

use rampart_proto::domain::{Observation, Observed};
use regex::Regex;

macro_rules! redacted {
    () => {
        "<redacted>"
    };
}

/// What stands in for a removed value.
pub const REDACTED: &str = redacted!();
/// The replacement that keeps a pattern's first group and removes the rest of the match.
const AFTER_GROUP: &str = concat!("${1}", redacted!());
/// The replacement of a URL's password: user info up to the colon kept.
const URL_PASSWORD: &str = concat!("${1}:", redacted!(), "@");

/// Words in a flag or header name that say its value is a secret.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "api-key",
    "access-key",
    "private-key",
    "credential",
    "authorization",
];

/// Name endings that say the value is where a secret is kept, not the secret.
const PLACE_SUFFIXES: &[&str] = &["-file", "-path", "-dir", "-name", "-ref", "-env"];

/// Clients whose `-pVALUE` is a password.
const MYSQL_CLIENTS: &[&str] = &[
    "mysql",
    "mysqldump",
    "mysqladmin",
    "mysqlimport",
    "mysqlshow",
    "mysqlcheck",
    "mysqlpump",
    "mariadb",
    "mariadb-dump",
    "mariadb-admin",
];

/// Directories whose files are secrets: their names are not reported.
const SECRET_DIRS: &[&str] = &["/var/run/secrets/", "/run/secrets/"];

/// A pattern given with `--redact-arg` that is not a regular expression.
#[derive(Debug, thiserror::Error)]
#[error("--redact-arg {pattern:?}: {source}")]
pub struct PatternError {
    pub pattern: String,
    #[source]
    pub source: regex::Error,
}

/// The rules, compiled once at start.
#[derive(Clone, Debug)]
pub struct Redaction {
    bearer: Regex,
    basic: Regex,
    header: Regex,
    url_password: Regex,
    extra: Vec<Regex>,
}

impl Default for Redaction {
    fn default() -> Self {
        Self::new(&[]).expect("no extra patterns")
    }
}

impl Redaction {
    /// The defaults and `extra` patterns; every pattern that does not compile is reported.
    pub fn new(extra: &[String]) -> Result<Self, Vec<PatternError>> {
        let (extra, errors): (Vec<_>, Vec<_>) = extra
            .iter()
            .map(|p| Regex::new(p).map_err(|source| PatternError { pattern: p.clone(), source }))
            .partition(Result::is_ok);
        if !errors.is_empty() {
            return Err(errors.into_iter().filter_map(Result::err).collect());
        }
        let words = SECRET_WORDS.join("|");
        Ok(Redaction {
            bearer: Regex::new(r"\b((?i:bearer)\s+)[A-Za-z0-9._~+/=-]+").expect("valid"),
            // `Basic` only before 8 or more base64 characters, so that prose keeps its words.
            basic: Regex::new(r"\b(Basic\s+)[A-Za-z0-9+/]{8,}={0,2}").expect("valid"),
            header: Regex::new(&format!(r"(?i)^(\s*[A-Za-z0-9_-]*(?:{words})[A-Za-z0-9_-]*\s*:\s*)\S.*$"))
                .expect("valid"),
            url_password: Regex::new(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^/\s@]*@").expect("valid"),
            extra: extra.into_iter().filter_map(Result::ok).collect(),
        })
    }

    /// Redacts the observation in place; true when anything was removed.
    pub fn apply(&self, o: &mut Observation) -> bool {
        match &mut o.body {
            Observed::Exec(e) => self.args(&e.binary, &mut e.args),
            Observed::File(f) => {
                let path = secret_path(&mut f.path);
                let target = f.target.as_mut().is_some_and(secret_path);
                path || target
            }
            Observed::Flow(_) | Observed::Privilege(_) => false,
        }
    }

    /// Redacts an exec's arguments (argv\[0\] included) in place; true when anything changed.
    pub fn args(&self, binary: &str, args: &mut [String]) -> bool {
        let program = binary.rsplit('/').next().unwrap_or(binary);
        let mysql = MYSQL_CLIENTS.contains(&program);
        let sshpass = program == "sshpass";
        let mut changed = false;
        let mut value_next = false;
        for arg in args.iter_mut() {
            if std::mem::take(&mut value_next) && !arg.starts_with('-') {
                *arg = REDACTED.to_owned();
                changed = true;
                continue;
            }
            match flag(arg) {
                Some(Flag { name, value: Some(at) }) if is_secret_name(name) => {
                    arg.replace_range(at.., REDACTED);
                    changed = true;
                    continue;
                }
                Some(Flag { name, value: None }) if arg.starts_with("--") && is_secret_name(name) => {
                    value_next = true;
                    continue;
                }
                _ => {}
            }
            if (mysql || sshpass) && arg.len() > 2 && arg.starts_with("-p") && !arg.starts_with("--") {
                arg.replace_range(2.., REDACTED);
                changed = true;
                continue;
            }
            if sshpass && arg == "-p" {
                value_next = true;
                continue;
            }
            changed |= self.within(arg);
        }
        changed
    }

    /// Credentials inside one argument: bearer tokens, secret headers, URL passwords, and the
    /// operator's patterns.
    fn within(&self, arg: &mut String) -> bool {
        let mut changed = false;
        let mut replace = |re: &Regex, with: &str, arg: &mut String| {
            // Borrowed when nothing matched: no copy.
            if let Cow::Owned(new) = re.replace_all(arg, with)
                && new != *arg
            {
                *arg = new;
                changed = true;
            }
        };
        replace(&self.header, AFTER_GROUP, arg);
        replace(&self.bearer, AFTER_GROUP, arg);
        replace(&self.basic, AFTER_GROUP, arg);
        replace(&self.url_password, URL_PASSWORD, arg);
        for re in &self.extra {
            // Each match's first capture group if the pattern has one, else the whole match;
            // replaced from the last so the earlier ranges stay valid.
            let ranges: Vec<_> = re
                .captures_iter(arg)
                .filter_map(|c| c.get(1).or_else(|| c.get(0)))
                .map(|m| m.range())
                .filter(|r| !r.is_empty())
                .collect();
            for r in ranges.into_iter().rev() {
                arg.replace_range(r, REDACTED);
                changed = true;
            }
        }
        changed
    }
}

/// A command-line flag: its name without dashes, and where its `=value` starts.
struct Flag<'a> {
    name: &'a str,
    value: Option<usize>,
}

fn flag(arg: &str) -> Option<Flag<'_>> {
    let body = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-'))?;
    let dashes = arg.len() - body.len();
    match body.split_once('=') {
        Some((name, _)) => Some(Flag { name, value: Some(dashes + name.len() + 1) }),
        None => Some(Flag { name: body, value: None }),
    }
}

fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('_', "-");
    SECRET_WORDS.iter().any(|w| name.contains(w)) && !PLACE_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Replaces the file name of a path under a secret directory; true when it did.
fn secret_path(path: &mut String) -> bool {
    let Some(dir) = SECRET_DIRS.iter().find(|d| path.starts_with(*d)) else { return false };
    let cut = path.rfind('/').map_or(dir.len(), |i| i + 1).max(dir.len());
    if cut >= path.len() || path[cut..] == *REDACTED {
        return false;
    }
    path.replace_range(cut.., REDACTED);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(binary: &str, args: &[&str]) -> (Vec<String>, bool) {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let changed = Redaction::default().args(binary, &mut args);
        (args, changed)
    }

    #[test]
    fn secret_flags_lose_their_values() {
        let (args, changed) = redact(
            "/usr/bin/app",
            &["app", "--password=hunter2", "--db-token", "t0k", "-client_secret=s3", "--verbose", "x"],
        );
        assert!(changed);
        assert_eq!(
            args,
            [
                "app",
                "--password=<redacted>",
                "--db-token",
                "<redacted>",
                "-client_secret=<redacted>",
                "--verbose",
                "x"
            ]
        );
    }

    #[test]
    fn flags_naming_where_a_secret_is_kept_stay() {
        let (args, changed) =
            redact("/app", &["app", "--password-file=/run/pw", "--token-path", "/t", "--secret-name", "db"]);
        assert!(!changed, "{args:?}");
    }

    #[test]
    fn mysql_and_sshpass_passwords() {
        assert_eq!(redact("/usr/bin/mysql", &["mysql", "-uroot", "-phunter2", "db"]).0[2], "-p<redacted>");
        assert_eq!(redact("/usr/bin/sshpass", &["sshpass", "-p", "hunter2", "ssh", "h"]).0[2], "<redacted>");
        // `-p` means something else elsewhere.
        assert!(!redact("/bin/mkdir", &["mkdir", "-p", "/a/b"]).1);
        assert!(!redact("/usr/bin/ssh", &["ssh", "-p2222", "h"]).1);
    }

    #[test]
    fn bearer_tokens_headers_and_url_passwords() {
        let (args, _) = redact(
            "/usr/bin/curl",
            &[
                "curl",
                "-H",
                "Authorization: Bearer abc.def",
                "-H",
                "X-Api-Key: k3y",
                "https://user:hunter2@example.com/x",
                "echo Bearer zzz",
                "wget --header=X: Basic dXNlcjpodW50ZXIy",
                "a Basic idea",
            ],
        );
        assert_eq!(args[2], "Authorization: <redacted>");
        assert_eq!(args[4], "X-Api-Key: <redacted>");
        assert_eq!(args[5], "https://user:<redacted>@example.com/x");
        assert_eq!(args[6], "echo Bearer <redacted>");
        assert_eq!(args[7], "wget --header=X: Basic <redacted>");
        assert_eq!(args[8], "a Basic idea");
        let (args, changed) = redact("/usr/bin/curl", &["curl", "https://example.com/a:b@c", "Accept: json"]);
        assert!(!changed, "{args:?}");
    }

    #[test]
    fn operator_patterns_replace_their_group_or_match() {
        let r = Redaction::new(&["card=(\\d+)".into(), "sk_live_[a-z0-9]+".into()]).unwrap();
        let mut args = vec!["pay".to_string(), "card=4111,card=4222".into(), "key sk_live_abc1".into()];
        assert!(r.args("/pay", &mut args));
        assert_eq!(args, ["pay", "card=<redacted>,card=<redacted>", "key <redacted>"]);
        let err = Redaction::new(&["ok".into(), "(".into()]).unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(err[0].to_string().starts_with("--redact-arg \"(\""), "{}", err[0]);
    }

    #[test]
    fn secret_mounts_lose_their_file_names() {
        let mut p = "/var/run/secrets/kubernetes.io/serviceaccount/token".to_string();
        assert!(secret_path(&mut p));
        assert_eq!(p, "/var/run/secrets/kubernetes.io/serviceaccount/<redacted>");
        let mut p = "/run/secrets/db".to_string();
        assert!(secret_path(&mut p));
        assert_eq!(p, "/run/secrets/<redacted>");
        let mut p = "/etc/passwd".to_string();
        assert!(!secret_path(&mut p));
        let mut p = "/run/secrets/".to_string();
        assert!(!secret_path(&mut p));
    }
}
