//! Filter flags → `rampart.v1.Filter`. Times are RFC 3339 or a duration before now.

use std::time::{Duration, SystemTime};

use rampart_proto::{
    v1::{Filter, LabelRequirement, LabelSelector, filter, verdict::Action},
    wkt::Timestamp,
};

use crate::{
    args::{FilterArgs, Verdict},
    selector::LabelTerm,
};

/// `2026-11-23T10:00:00Z`, `now`, or a duration ago (`10m`, `1h30m`, `2d`).
pub fn parse_time(s: &str, now: SystemTime) -> Result<Timestamp, String> {
    if s == "now" {
        return Ok(now.into());
    }
    if let Ok(t) = humantime::parse_rfc3339_weak(s) {
        return Ok(t.into());
    }
    match humantime::parse_duration(s) {
        Ok(d) => Ok(now.checked_sub(d).unwrap_or(SystemTime::UNIX_EPOCH).into()),
        Err(_) => {
            Err(format!("{s:?} is neither an RFC 3339 time (2026-11-23T10:00:00Z) nor a duration ago (10m)"))
        }
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
    Ok(Filter {
        namespaces: a.namespaces.clone(),
        pods: a.pods.clone(),
        label_selector: (!a.labels.is_empty()).then(|| selector(a.labels.iter().flatten())),
        kinds: a.kinds.iter().map(|k| filter::Kind::from(*k) as i32).collect(),
        actions: a
            .verdicts
            .iter()
            .map(|v| match v {
                Verdict::Allow => Action::Allow as i32,
                Verdict::Deny => Action::Deny as i32,
                Verdict::Audit => Action::Audit as i32,
            })
            .collect(),
        policies: a.policies.clone(),
        nodes: a.nodes.clone(),
        since,
        until,
    })
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
    for (k, v) in labels {
        // `a=x,a=y` can match nothing: kept as two terms so the collector sees both.
        if let Some(other) = s.match_labels.get(&k).filter(|o| **o != v).cloned() {
            s.match_expressions.push(LabelRequirement {
                key: k.clone(),
                operator: "In".into(),
                values: vec![other],
            });
        }
        s.match_labels.insert(k, v);
    }
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

    #[test]
    fn times_are_rfc3339_or_ago() {
        let now = at("2026-11-23T10:00:00Z");
        assert_eq!(parse_time("10m", now), Ok(at("2026-11-23T09:50:00Z").into()));
        assert_eq!(parse_time("2026-11-23T08:00:00Z", now), Ok(at("2026-11-23T08:00:00Z").into()));
        assert_eq!(parse_time("now", now), Ok(now.into()));
        assert!(parse_time("yesterday", now).unwrap_err().contains("neither"));
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
