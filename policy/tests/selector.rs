//! Label-selector matching: matchLabels, every matchExpressions operator, the empty
//! selector, and policies selecting by namespace and labels.

use std::collections::BTreeMap;

use rampart_policy::{LabelSelector, PolicySet, parse_source};

/// Label pairs as written in a test case.
type Labels<'a> = &'a [(&'a str, &'a str)];

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn selector(yaml: &str) -> LabelSelector {
    serde_yaml::from_str(yaml).unwrap()
}

#[test]
fn selectors_match_labels() {
    let web = &[("app", "web")][..];
    let web_front = &[("app", "web"), ("tier", "front")][..];
    let web_back = &[("app", "web"), ("tier", "back")][..];
    let none: &[(&str, &str)] = &[];
    // (selector, labels, matches)
    #[rustfmt::skip]
    let cases: &[(&str, Labels<'_>, bool)] = &[
        ("{}", none, true),
        ("{}", web_front, true),
        ("{matchLabels: {}, matchExpressions: []}", web, true),
        ("{matchLabels: {app: web}}", web, true),
        ("{matchLabels: {app: web}}", web_front, true),
        ("{matchLabels: {app: db}}", web, false),
        ("{matchLabels: {app: web}}", none, false),
        ("{matchLabels: {app: web, tier: front}}", web_front, true),
        ("{matchLabels: {app: web, tier: front}}", web_back, false),
        ("{matchLabels: {app: web, tier: front}}", web, false),
        ("{matchExpressions: [{key: tier, operator: In, values: [front, edge]}]}", web_front, true),
        ("{matchExpressions: [{key: tier, operator: In, values: [front, edge]}]}", web_back, false),
        ("{matchExpressions: [{key: tier, operator: In, values: [front, edge]}]}", web, false),
        ("{matchExpressions: [{key: tier, operator: NotIn, values: [front]}]}", web_front, false),
        ("{matchExpressions: [{key: tier, operator: NotIn, values: [front]}]}", web_back, true),
        ("{matchExpressions: [{key: tier, operator: NotIn, values: [front]}]}", web, true),
        ("{matchExpressions: [{key: tier, operator: Exists}]}", web_back, true),
        ("{matchExpressions: [{key: tier, operator: Exists}]}", web, false),
        ("{matchExpressions: [{key: tier, operator: DoesNotExist}]}", web, true),
        ("{matchExpressions: [{key: tier, operator: DoesNotExist}]}", web_back, false),
        ("{matchExpressions: [{key: tier, operator: Exists, values: []}]}", web_back, true),
        ("{matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [back]}]}", web_back, true),
        ("{matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [back]}]}", web_front, false),
        ("{matchLabels: {app: db}, matchExpressions: [{key: tier, operator: In, values: [back]}]}", web_back, false),
        ("{matchLabels: {app: ''}}", &[("app", "")], true),
        ("{matchLabels: {app: ''}}", none, false),
    ];
    for &(yaml, pod, expected) in cases {
        assert_eq!(selector(yaml).matches(&labels(pod)), expected, "{yaml} vs {pod:?}");
    }
}

#[test]
fn policies_select_by_namespace_and_labels() {
    let text = "\
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: web, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, mode: audit}
---
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: all, namespace: shop}
spec: {podSelector: {}, mode: audit}
---
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: web}
spec: {podSelector: {matchLabels: {app: web}}, mode: audit}
";
    let policies = parse_source("p.yaml", text).unwrap();
    let web = labels(&[("app", "web")]);
    assert!(policies[0].selects("shop", &web));
    assert!(!policies[0].selects("default", &web));
    assert!(!policies[0].selects("shop", &labels(&[("app", "db")])));
    assert!(policies[1].selects("shop", &BTreeMap::new()));
    assert!(policies[2].selects("default", &web));

    let set = PolicySet::new(policies).unwrap();
    assert_eq!((set.len(), set.is_empty()), (3, false));
    let keys = |ns: &str, l: &BTreeMap<String, String>| {
        set.selecting(ns, l).iter().map(|p| p.key()).collect::<Vec<_>>()
    };
    assert_eq!(keys("shop", &web), ["shop/all", "shop/web"]);
    assert_eq!(keys("shop", &labels(&[("app", "db")])), ["shop/all"]);
    assert_eq!(keys("default", &web), ["default/web"]);
    assert_eq!(keys("default", &BTreeMap::new()), Vec::<String>::new());
    assert_eq!(keys("other", &web), Vec::<String>::new());
    assert_eq!(set.get("shop", "web").map(|p| p.key()), Some("shop/web".to_owned()));
    assert_eq!(set.iter().count(), 3);
    assert!(PolicySet::new([]).unwrap().is_empty());
}
