//! Filter flags → `rampart.v1.Filter`. Times are RFC 3339 or a duration before now.

use std::time::{Duration, SystemTime};

use rampart_proto::{
    v1::{Filter, LabelRequirement, LabelSelector, filter, flow, verdict::Action},
    wkt::Timestamp,
};

use crate::{
    args::{Excluded, FilterArgs, FlowProtocol, Verdict},
    selector::LabelTerm,
};

/// The filter flags `--not` can turn around, by clap id (the field names of [`FilterArgs`]).
const NEGATABLE: [&str; 10] =
    ["namespaces", "pods", "labels", "kinds", "verdicts", "policies", "nodes", "ports", "ips", "protocols"];

impl FilterArgs {
    /// Move each value that follows a `--not` (by position on the command line, from `m`, the
    /// matches of the command these flags belong to) into [`FilterArgs::excluded`].
    pub fn apply_not(&mut self, m: &clap::ArgMatches) -> Result<(), String> {
        let nots: Vec<usize> = m.indices_of("not").map(Iterator::collect).unwrap_or_default();
        if nots.is_empty() {
            return Ok(());
        }
        // Every filter value on the line: (its position, its flag, its place among that flag's values).
        let mut values: Vec<(usize, &str, usize)> = NEGATABLE
            .iter()
            .flat_map(|id| {
                m.indices_of(id).into_iter().flatten().enumerate().map(move |(nth, at)| (at, *id, nth))
            })
            .collect();
        values.sort_unstable();
        let mut taken = Vec::new();
        for (k, &at) in nots.iter().enumerate() {
            let next = values.iter().position(|(v, ..)| *v > at);
            let before_next_not = |v: usize| nots.get(k + 1).is_none_or(|n| v < *n);
            match next.filter(|&i| before_next_not(values[i].0)) {
                Some(i) => {
                    let (_, id, nth) = values.remove(i);
                    taken.push((id, nth));
                }
                None => {
                    return Err(
                        "--not must be followed by the filter flag it turns around: --namespace, --pod, \
                                --label, --kind, --verdict, --policy, --node, --port, --ip or --protocol"
                            .into(),
                    );
                }
            }
        }
        // Later values first, so that each removal leaves the earlier places as they were.
        taken.sort_unstable_by_key(|t| std::cmp::Reverse(t.1));
        for (id, nth) in taken {
            let x = match id {
                "namespaces" => Excluded::Namespace(self.namespaces.remove(nth)),
                "pods" => Excluded::Pod(self.pods.remove(nth)),
                "labels" => Excluded::Label(self.labels.remove(nth)),
                "kinds" => Excluded::Kind(self.kinds.remove(nth)),
                "verdicts" => Excluded::Verdict(self.verdicts.remove(nth)),
                "policies" => Excluded::Policy(self.policies.remove(nth)),
                "nodes" => Excluded::Node(self.nodes.remove(nth)),
                "ports" => Excluded::Port(self.ports.remove(nth)),
                "ips" => Excluded::Ip(self.ips.remove(nth)),
                _ => Excluded::Protocol(self.protocols.remove(nth)),
            };
            self.excluded.push(x);
        }
        Ok(())
    }
}

fn action(v: Verdict) -> i32 {
    match v {
        Verdict::Allow => Action::Allow as i32,
        Verdict::Deny => Action::Deny as i32,
        Verdict::Audit => Action::Audit as i32,
    }
}

fn protocol(p: FlowProtocol) -> i32 {
    match p {
        FlowProtocol::Tcp => flow::Protocol::Tcp as i32,
        FlowProtocol::Udp => flow::Protocol::Udp as i32,
    }
}

/// One exclusion: a filter with the one value `--not` turned around.
fn exclusion(x: &Excluded) -> Filter {
    let mut f = Filter::default();
    match x {
        Excluded::Namespace(n) => f.namespaces = vec![n.clone()],
        Excluded::Pod(p) => f.pods = vec![p.clone()],
        Excluded::Label(terms) => f.label_selector = Some(selector(terms.iter())),
        Excluded::Kind(k) => f.kinds = vec![filter::Kind::from(*k) as i32],
        Excluded::Verdict(v) => f.actions = vec![action(*v)],
        Excluded::Policy(p) => f.policies = vec![p.clone()],
        Excluded::Node(n) => f.nodes = vec![n.clone()],
        Excluded::Port(p) => f.ports = vec![u32::from(*p)],
        Excluded::Ip(ip) => f.ips = vec![ip.clone()],
        Excluded::Protocol(p) => f.protocols = vec![protocol(*p)],
    }
    f
}

/// `2026-11-23T10:00:00Z`, with an offset (`2026-11-23T11:00:00+01:00`), a plain date
/// (`2026-11-23`: its midnight UTC), `now`, or a duration ago (`10m`, `1h30m`, `2d`).
pub fn parse_time(s: &str, now: SystemTime) -> Result<Timestamp, String> {
    if s == "now" {
        return Ok(now.into());
    }
    let from_jiff = |t: jiff::Timestamp| {
        i64::try_from(t.as_nanosecond())
            .map(Timestamp::from_unix_nanos)
            .map_err(|_| format!("{s:?} is out of range"))
    };
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return from_jiff(t);
    }
    if let Ok(t) = humantime::parse_rfc3339_weak(s) {
        return Ok(t.into());
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return from_jiff(
            d.to_zoned(jiff::tz::TimeZone::UTC).map_err(|e| format!("{s:?}: {e}"))?.timestamp(),
        );
    }
    match humantime::parse_duration(s) {
        Ok(d) => Ok(now.checked_sub(d).unwrap_or(SystemTime::UNIX_EPOCH).into()),
        Err(_) => Err(format!(
            "{s:?} is neither an RFC 3339 time (2026-11-23T10:00:00Z, or with an offset), a date (2026-11-23) nor a duration ago (10m)"
        )),
    }
}

pub fn to_proto(a: &FilterArgs, now: SystemTime) -> Result<Filter, String> {
    let since =
        a.since.as_deref().map(|s| parse_time(s, now)).transpose().map_err(|e| format!("--since {e}"))?;
    let until =
        a.until.as_deref().map(|s| parse_time(s, now)).transpose().map_err(|e| format!("--until {e}"))?;
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Err("--since must be before --until".into());
    }
    if let Some(key) = contradiction(a.labels.iter().flatten()) {
        return Err(format!("--label: the terms on {key:?} cannot all hold, so nothing would match"));
    }
    Ok(Filter {
        namespaces: a.namespaces.clone(),
        pods: a.pods.clone(),
        label_selector: (!a.labels.is_empty()).then(|| selector(a.labels.iter().flatten())),
        kinds: a.kinds.iter().map(|k| filter::Kind::from(*k) as i32).collect(),
        actions: a.verdicts.iter().map(|v| action(*v)).collect(),
        policies: a.policies.clone(),
        nodes: a.nodes.clone(),
        since,
        until,
        ports: a.ports.iter().map(|p| u32::from(*p)).collect(),
        ips: a.ips.clone(),
        protocols: a.protocols.iter().map(|p| protocol(*p)).collect(),
        exclude: a.excluded.iter().map(exclusion).collect(),
    })
}

/// A key whose terms no label value (or absence) satisfies, if any.
fn contradiction<'a>(terms: impl Iterator<Item = &'a LabelTerm>) -> Option<String> {
    use std::collections::{BTreeMap, BTreeSet};
    #[derive(Default)]
    struct Key {
        /// Values allowed by `=`/`in` (None: not constrained to a set).
        allowed: Option<BTreeSet<String>>,
        refused: BTreeSet<String>,
        present: bool,
        absent: bool,
    }
    let mut keys: BTreeMap<&str, Key> = BTreeMap::new();
    for t in terms {
        let (k, allow, refuse, present, absent): (&str, Option<&[String]>, &[String], bool, bool) = match t {
            LabelTerm::Equals(k, v) => (k, Some(std::slice::from_ref(v)), &[], true, false),
            LabelTerm::In(k, v) => (k, Some(v), &[], true, false),
            LabelTerm::NotEquals(k, v) => (k, None, std::slice::from_ref(v), false, false),
            LabelTerm::NotIn(k, v) => (k, None, v, false, false),
            LabelTerm::Exists(k) => (k, None, &[], true, false),
            LabelTerm::DoesNotExist(k) => (k, None, &[], false, true),
        };
        let e = keys.entry(k).or_default();
        if let Some(allow) = allow {
            let allow: BTreeSet<String> = allow.iter().cloned().collect();
            e.allowed = Some(match e.allowed.take() {
                Some(before) => before.intersection(&allow).cloned().collect(),
                None => allow,
            });
        }
        e.refused.extend(refuse.iter().cloned());
        e.present |= present;
        e.absent |= absent;
    }
    keys.into_iter()
        .find(|(_, e)| {
            (e.present && e.absent)
                || e.allowed.as_ref().is_some_and(|a| a.iter().all(|v| e.refused.contains(v)))
        })
        .map(|(k, _)| k.to_string())
}

/// The terms of every `-l` as one selector (all must hold).
fn selector<'a>(terms: impl Iterator<Item = &'a LabelTerm>) -> LabelSelector {
    let mut s = LabelSelector::default();
    let mut expression = |key: &str, operator: &str, values: &[String]| {
        s.match_expressions.push(LabelRequirement {
            key: key.into(),
            operator: operator.into(),
            values: values.to_vec(),
        })
    };
    let mut labels = Vec::new();
    for t in terms {
        match t {
            LabelTerm::Equals(k, v) => labels.push((k.clone(), v.clone())),
            LabelTerm::NotEquals(k, v) => expression(k, "NotIn", std::slice::from_ref(v)),
            LabelTerm::In(k, v) => expression(k, "In", v),
            LabelTerm::NotIn(k, v) => expression(k, "NotIn", v),
            LabelTerm::Exists(k) => expression(k, "Exists", &[]),
            LabelTerm::DoesNotExist(k) => expression(k, "DoesNotExist", &[]),
        }
    }
    // `a=x,a=y` never gets here: `contradiction` refuses it.
    s.match_labels.extend(labels);
    s
}

/// How long ago `t` was, rounded for people.
pub fn ago(t: Timestamp, now: SystemTime) -> String {
    match now.duration_since(t.into()) {
        Ok(d) => format!("{} ago", humantime::format_duration(Duration::from_secs(d.as_secs()))),
        Err(_) => "in the future".into(),
    }
}

#[cfg(test)]
mod tests {
    use rampart_proto::event::Kind;

    use super::*;

    fn at(s: &str) -> SystemTime {
        humantime::parse_rfc3339(s).unwrap()
    }

    /// The filter flags of `args` with `--not` applied.
    fn parse(args: &[&str]) -> Result<FilterArgs, String> {
        use clap::{CommandFactory as _, FromArgMatches as _};
        let m = crate::args::Cli::command().try_get_matches_from(args).map_err(|e| e.to_string())?;
        let mut cli = crate::args::Cli::from_arg_matches(&m).map_err(|e| e.to_string())?;
        let (_, sub) = m.subcommand().expect("a subcommand");
        let f = cli.command.filter_mut().expect("filter flags");
        f.apply_not(sub)?;
        Ok(std::mem::take(f))
    }

    #[test]
    fn not_turns_around_the_flag_right_after_it() {
        let f = parse(&[
            "rampart",
            "replay",
            "-n",
            "shop",
            "--not",
            "-n",
            "kube-system",
            "--not",
            "--kind",
            "flow",
            "--port",
            "80",
            "--not",
            "-l",
            "app=web,tier!=db",
        ])
        .unwrap();
        assert_eq!(f.namespaces, ["shop"]);
        assert!(f.kinds.is_empty() && f.labels.is_empty());
        assert_eq!(f.ports, [80]);
        assert_eq!(f.excluded.len(), 3);
        assert!(f.excluded.contains(&Excluded::Namespace("kube-system".into())));
        assert!(f.excluded.contains(&Excluded::Kind(Kind::Flow)));
        let proto = to_proto(&f, at("2026-11-23T10:00:00Z")).unwrap();
        assert_eq!(proto.namespaces, ["shop"]);
        assert_eq!(proto.exclude.len(), 3);
        assert!(proto.exclude.iter().any(|x| x.namespaces == ["kube-system"] && x.kinds.is_empty()));
        assert!(
            proto
                .exclude
                .iter()
                .any(|x| x.label_selector.as_ref().is_some_and(|l| l.match_labels["app"] == "web"))
        );
        // Without --not nothing moves.
        let f = parse(&["rampart", "observe", "-n", "a", "-n", "b"]).unwrap();
        assert_eq!((f.namespaces.len(), f.excluded.len()), (2, 0));
        // --not with nothing to turn around, twice in a row, or before a flag it cannot turn.
        for bad in [
            &["rampart", "replay", "--not"][..],
            &["rampart", "replay", "--not", "--not", "-n", "a"],
            &["rampart", "replay", "--not", "--since", "1h"],
        ] {
            assert!(parse(bad).unwrap_err().contains("--not must be followed"), "{bad:?}");
        }
    }

    #[test]
    fn times_are_rfc3339_or_ago() {
        let now = at("2026-11-23T10:00:00Z");
        assert_eq!(parse_time("10m", now), Ok(at("2026-11-23T09:50:00Z").into()));
        assert_eq!(parse_time("2026-11-23T08:00:00Z", now), Ok(at("2026-11-23T08:00:00Z").into()));
        assert_eq!(parse_time("now", now), Ok(now.into()));
        assert!(parse_time("yesterday", now).unwrap_err().contains("neither"));
        assert_eq!(parse_time("2026-11-23T09:00:00+01:00", now), Ok(at("2026-11-23T08:00:00Z").into()));
        assert_eq!(parse_time("2026-11-23", now), Ok(at("2026-11-23T00:00:00Z").into()));
    }

    #[test]
    fn label_terms_that_cannot_all_hold_are_an_error() {
        let now = at("2026-11-23T10:00:00Z");
        let with = |sel: &[&str]| FilterArgs {
            labels: sel.iter().map(|s| crate::selector::parse_selector(s).unwrap()).collect(),
            ..Default::default()
        };
        for bad in [&["a=x", "a=y"][..], &["a=x,a!=x"], &["a in (x,y),a notin (x,y)"], &["a,!a"], &["a=x,!a"]]
        {
            let e = to_proto(&with(bad), now).unwrap_err();
            assert!(e.contains("\"a\"") && e.contains("nothing would match"), "{bad:?}: {e}");
        }
        for good in [&["a in (x,y),a!=x"][..], &["a,b!=c"], &["!a,b"]] {
            assert!(to_proto(&with(good), now).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn flags_become_the_wire_filter() {
        let now = at("2026-11-23T10:00:00Z");
        let a = FilterArgs {
            namespaces: vec!["shop".into()],
            labels: vec![crate::selector::parse_selector("app=web,tier!=db,!legacy").unwrap()],
            kinds: vec![Kind::File, Kind::Exec],
            verdicts: vec![Verdict::Deny],
            since: Some("1h".into()),
            until: Some("now".into()),
            ..Default::default()
        };
        let f = to_proto(&a, now).unwrap();
        assert_eq!(f.namespaces, ["shop"]);
        let selector = f.label_selector.unwrap();
        assert_eq!(selector.match_labels["app"], "web");
        let ops: Vec<(&str, &str)> =
            selector.match_expressions.iter().map(|r| (r.key.as_str(), r.operator.as_str())).collect();
        assert_eq!(ops, [("tier", "NotIn"), ("legacy", "DoesNotExist")]);
        assert_eq!(f.kinds, [filter::Kind::File as i32, filter::Kind::Exec as i32]);
        assert_eq!(f.actions, [Action::Deny as i32]);
        assert_eq!(f.since, Some(at("2026-11-23T09:00:00Z").into()));
        let backwards =
            FilterArgs { since: Some("now".into()), until: Some("1h".into()), ..Default::default() };
        assert!(to_proto(&backwards, now).is_err());
    }
}
