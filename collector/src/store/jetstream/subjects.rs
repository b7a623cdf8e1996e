//! Subjects: `rampart.events.<node>.<namespace>.<kind>`, so a replay of one namespace (or node,
//! or kind) reads only its own subjects.
//!
//! A subject token may not hold `.`, `*`, `>` or whitespace, and node names may hold dots
//! (`ip-10-0-0-1.ec2.internal`): such characters become `_`. The mapping need not be one to
//! one: a subject only narrows what is read, and every event read is still matched against the
//! whole filter. Events with no pod (host events) have namespace token `_`, which no namespace
//! name can be.

use rampart_proto::{event::Kind, v1::Event};

use crate::filter::EventFilter;

pub const PREFIX: &str = "rampart.events";
/// Every event subject.
pub const ALL: &str = "rampart.events.>";
/// The namespace token of events with no pod.
pub const NO_NAMESPACE: &str = "_";
/// Most consumers one read opens; a filter that would need more reads a wider subject.
const MAX_SUBJECTS: usize = 16;

/// `s` as one subject token.
pub fn token(s: &str) -> String {
    if s.is_empty() {
        return NO_NAMESPACE.into();
    }
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// The subject an event is stored under.
pub fn of(event: &Event) -> String {
    let namespace = event.pod.as_ref().map_or("", |p| p.namespace.as_str());
    let kind = event.kind().map_or("unknown", Kind::as_str);
    format!("{PREFIX}.{}.{}.{kind}", token(&event.node), token(namespace))
}

/// The namespace a subject's events belong to (`None` for host events or another subject).
pub fn namespace(subject: &str) -> Option<&str> {
    let rest = subject.strip_prefix(PREFIX)?.strip_prefix('.')?;
    let mut parts = rest.split('.');
    let (_node, namespace) = (parts.next()?, parts.next()?);
    (namespace != NO_NAMESPACE).then_some(namespace)
}

/// The subjects that hold every event `filter` can match: the product of its nodes,
/// namespaces and kinds, with a dimension widened to `*` while the product is too large.
pub fn for_filter(filter: &EventFilter) -> Vec<String> {
    let mut dims: [Vec<String>; 3] = [
        filter.nodes.iter().map(|n| token(n)).collect(),
        filter.namespaces.iter().map(|n| token(n)).collect(),
        filter.kinds.iter().map(|k| k.as_str().to_string()).collect(),
    ];
    for d in &mut dims {
        d.sort();
        d.dedup();
    }
    let size = |dims: &[Vec<String>; 3]| dims.iter().map(|d| d.len().max(1)).product::<usize>();
    while size(&dims) > MAX_SUBJECTS {
        let widest = (0..3).max_by_key(|&i| dims[i].len()).expect("three dimensions");
        dims[widest].clear();
    }
    let star = |d: &Vec<String>| if d.is_empty() { vec!["*".to_string()] } else { d.clone() };
    let [nodes, namespaces, kinds] = dims.each_ref().map(star);
    if nodes == ["*"] && namespaces == ["*"] && kinds == ["*"] {
        return vec![ALL.into()];
    }
    let mut out = Vec::new();
    for n in &nodes {
        for ns in &namespaces {
            for k in &kinds {
                out.push(format!("{PREFIX}.{n}.{ns}.{k}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_narrow_by_what_the_filter_names() {
        assert_eq!(for_filter(&EventFilter::default()), vec![ALL.to_string()]);
        let f = EventFilter {
            namespaces: vec!["shop".into(), "bank".into()],
            kinds: vec![Kind::Flow],
            ..Default::default()
        };
        assert_eq!(for_filter(&f), vec!["rampart.events.*.bank.flow", "rampart.events.*.shop.flow"]);
        let many =
            EventFilter { namespaces: (0..40).map(|i| format!("ns{i}")).collect(), ..Default::default() };
        assert_eq!(for_filter(&many), vec![ALL.to_string()]);
        let node = EventFilter { nodes: vec!["ip-10-0-0-1.ec2.internal".into()], ..Default::default() };
        assert_eq!(for_filter(&node), vec!["rampart.events.ip-10-0-0-1_ec2_internal.*.*"]);
        assert_eq!(namespace("rampart.events.n.shop.flow"), Some("shop"));
        assert_eq!(namespace("rampart.events.n._.exec"), None);
    }
}
