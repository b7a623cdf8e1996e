//! Parser tests: a good policy, every validation error with its position and field path,
//! multi-document sources, JSON, and the error display format.

use std::collections::BTreeMap;

use rampart_policy::{
    AbsPath, Cidr, EscalationMode, FilesystemPolicy, IpBlock, LabelSelector, LabelSelectorRequirement, Mode,
    NetworkRule, PolicyError, PolicySet, PortSpec, PrivilegePolicy, Protocol, RootfsMode, SelectorOperator,
    parse_source,
};

const HEADER: &str =
    "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n";

/// A document whose `spec` body (indented here) starts on line 5.
fn doc(spec: &str) -> String {
    let mut text = HEADER.to_owned();
    for line in spec.lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn one_error(text: &str) -> PolicyError {
    let mut errors = parse_source("p.yaml", text).expect_err("should fail");
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.remove(0)
}

fn cidr(s: &str) -> Cidr {
    s.parse().unwrap()
}

#[test]
fn parses_the_reference_policy() {
    let text = "\
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: web}
    matchExpressions:
      - {key: tier, operator: In, values: [front, edge]}
      - {key: canary, operator: DoesNotExist}
  mode: enforce
  network:
    egress:
      - to: [{cidr: 10.0.0.0/8, except: [10.0.9.0/24]}]
        ports: [{port: 5432, protocol: TCP}]
      - ports: [{port: 53, protocol: UDP}, {port: 8000, endPort: 8080}]
    ingress:
      - from: [{cidr: 192.168.0.0/16}, {cidr: 'fd00::/8'}]
        ports: [{port: 80}]
  filesystem:
    rootfs: readOnly
    allowWrite: [/tmp, /var/cache/nginx/]
  privilege:
    escalation: deny
";
    let policies = parse_source("web.yaml", text).unwrap();
    assert_eq!(policies.len(), 1);
    let p = &policies[0];
    assert_eq!((p.namespace.as_str(), p.name.as_str(), p.key()), ("shop", "web", "shop/web".to_owned()));
    assert_eq!((p.origin.source.as_str(), p.origin.line, p.origin.column), ("web.yaml", Some(1), Some(1)));
    let spec = &p.spec;
    assert_eq!(spec.mode, Mode::Enforce);
    assert_eq!(
        spec.pod_selector,
        LabelSelector {
            match_labels: BTreeMap::from([("app".to_owned(), "web".to_owned())]),
            match_expressions: vec![
                LabelSelectorRequirement {
                    key: "tier".to_owned(),
                    operator: SelectorOperator::In,
                    values: vec!["front".to_owned(), "edge".to_owned()],
                },
                LabelSelectorRequirement {
                    key: "canary".to_owned(),
                    operator: SelectorOperator::DoesNotExist,
                    values: vec![],
                },
            ],
        }
    );
    let network = spec.network.as_ref().unwrap();
    assert_eq!(
        network.egress.as_deref(),
        Some(
            &[
                NetworkRule {
                    blocks: vec![IpBlock { cidr: cidr("10.0.0.0/8"), except: vec![cidr("10.0.9.0/24")] }]
                        .into(),
                    ports: vec![PortSpec { port: 5432, end_port: None, protocol: Protocol::Tcp }],
                    ..Default::default()
                },
                NetworkRule {
                    ports: vec![
                        PortSpec { port: 53, end_port: None, protocol: Protocol::Udp },
                        PortSpec { port: 8000, end_port: Some(8080), protocol: Protocol::Tcp },
                    ],
                    ..Default::default()
                },
            ][..]
        )
    );
    assert_eq!(
        network.ingress.as_deref(),
        Some(
            &[NetworkRule {
                blocks: vec![
                    IpBlock { cidr: cidr("192.168.0.0/16"), except: vec![] },
                    IpBlock { cidr: cidr("fd00::/8"), except: vec![] },
                ]
                .into(),
                ports: vec![PortSpec { port: 80, end_port: None, protocol: Protocol::Tcp }],
                ..Default::default()
            }][..]
        )
    );
    assert_eq!(
        spec.filesystem,
        Some(FilesystemPolicy {
            rootfs: RootfsMode::ReadOnly,
            allow_write: vec![AbsPath::new("/tmp").unwrap(), AbsPath::new("/var/cache/nginx").unwrap()],
            mode: None,
        })
    );
    assert_eq!(
        spec.privilege,
        Some(PrivilegePolicy {
            escalation: EscalationMode::Deny,
            allowed_uids: None,
            allowed_gids: None,
            mode: None
        })
    );
}

#[test]
fn defaults_and_absent_sections() {
    let text = "\
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: all}
spec:
  podSelector: {}
  mode: audit
  network:
    egress: []
    ingress:
      - {}
      - {from: [], ports: []}
      - {from: null, ports: null}
";
    let p = &parse_source("p.yaml", text).unwrap()[0];
    assert_eq!(p.namespace, "default");
    assert!(p.spec.pod_selector.is_empty());
    let network = p.spec.network.as_ref().unwrap();
    assert_eq!(network.egress, Some(vec![]));
    assert_eq!(network.ingress, Some(vec![NetworkRule::default(); 3]));
    assert_eq!((p.spec.filesystem.as_ref(), p.spec.privilege.as_ref()), (None, None));

    let p = &parse_source(
        "p.yaml",
        &doc("podSelector: {}\nmode: audit\nnetwork: {}\nfilesystem: {rootfs: readWrite}"),
    )
    .unwrap()[0];
    assert_eq!(p.spec.network.as_ref().map(|n| (&n.egress, &n.ingress)), Some((&None, &None)));
    assert_eq!(p.spec.filesystem.as_ref().map(|f| f.rootfs), Some(RootfsMode::ReadWrite));
    let p = &parse_source("p.yaml", &doc("podSelector: {}\nmode: audit\nnetwork:\nprivilege:")).unwrap()[0];
    assert_eq!((&p.spec.network, &p.spec.privilege), (&None, &None));
}

/// (spec body below the standard header, line, column, field, message).
#[rustfmt::skip]
const SPEC_ERRORS: &[(&str, usize, usize, &str, &str)] = &[
    ("network:\n  egress:\n    - ports: [{port: 70000}]", 9, 24, "spec.network.egress[0].ports[0].port", "port 70000 out of range 1..=65535"),
    ("network:\n  egress:\n    - ports: [{port: 0}]", 9, 24, "spec.network.egress[0].ports[0].port", "port 0 out of range 1..=65535"),
    ("network:\n  egress:\n    - ports: [{port: -1}]", 9, 24, "spec.network.egress[0].ports[0].port", "port -1 out of range 1..=65535"),
    ("network:\n  egress:\n    - ports: [{port: HTTP}]", 9, 24, "spec.network.egress[0].ports[0].port", "port name \"HTTP\" may hold only lowercase letters, digits and '-'"),
    ("network:\n  egress:\n    - ports: [{port: a-very-long-port-name}]", 9, 24, "spec.network.egress[0].ports[0].port", "port name \"a-very-long-port-name\" must be 1 to 15 characters"),
    ("network:\n  egress:\n    - ports: [{port: '80'}]", 9, 24, "spec.network.egress[0].ports[0].port", "port \"80\" is a string: write the number 80 without quotes"),
    ("network:\n  egress:\n    - ports: [{port: http, endPort: 90}]", 9, 17, "spec.network.egress[0].ports[0].endPort", "endPort needs a numeric port, not \"http\""),
    ("network:\n  egress:\n    - to: [{cidr: 10.0.0.0/8}]\n      ports: [{port: http}]", 9, 9, "spec.network.egress[0].ports", "port \"http\" is a name, and a port name is resolved in the destination pod: an egress rule with a cidr peer needs port numbers (put the pod peers in a rule of their own)"),
    ("network:\n  egress:\n    - to: [{cidr: 10.0.0.0/8, podSelector: {}}]", 9, 14, "spec.network.egress[0].to[0].podSelector", "a peer is either an address block (cidr) or pods (podSelector and/or namespaceSelector), not both: write two peers"),
    ("network:\n  ingress:\n    - from: [{}]", 9, 16, "spec.network.ingress[0].from[0].cidr", "a peer needs cidr, podSelector or namespaceSelector (leave `to`/`from` out to allow any peer)"),
    ("network:\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {team: [a]}}}]", 9, 57, "spec.network.ingress[0].from[0].namespaceSelector.matchLabels.team", "invalid type: sequence, expected a label value string (quote numbers and booleans)"),
    ("network:\n  egress:\n    - ports: [{port: 80, endPort: 79}]", 9, 17, "spec.network.egress[0].ports[0].endPort", "endPort 79 is less than port 80"),
    ("network:\n  egress:\n    - ports: [{port: 80, protocol: SCTP}]", 9, 38, "spec.network.egress[0].ports[0].protocol", "unknown protocol \"SCTP\": expected TCP or UDP"),
    ("network:\n  egress:\n    - ports: [{port: 80, proto: TCP}]", 9, 28, "spec.network.egress[0].ports[0].proto", "unknown field `proto`, expected one of `port`, `endPort`, `protocol`"),
    ("network:\n  egress:\n    - to: [{cidr: 10.0.0/8}]", 9, 21, "spec.network.egress[0].to[0].cidr", "invalid CIDR \"10.0.0/8\": \"10.0.0\" is not an IPv4 or IPv6 address"),
    ("network:\n  egress:\n    - to: [{cidr: 10.1.0.0/8}]", 9, 21, "spec.network.egress[0].to[0].cidr", "invalid CIDR \"10.1.0.0/8\": host bits are set (the network is 10.0.0.0/8)"),
    ("network:\n  ingress:\n    - from: [{cidr: fd00::/129}]", 9, 23, "spec.network.ingress[0].from[0].cidr", "invalid CIDR \"fd00::/129\": prefix length \"129\" is not a number in 0..=128"),
    ("network:\n  egress:\n    - to:\n        - cidr: 10.0.0.0/8\n          except: [10.0.1.0/24, 11.0.0.0/24]", 10, 13, "spec.network.egress[0].to[0].except[1]", "11.0.0.0/24 is not inside cidr 10.0.0.0/8"),
    ("network:\n  egress:\n    - to:\n        - cidr: 10.0.0.0/8\n          except: [fd00::/8]", 10, 13, "spec.network.egress[0].to[0].except[0]", "fd00::/8 is not of the same address family as cidr 10.0.0.0/8"),
    ("network:\n  egress: [{to: [{except: [10.0.0.0/8]}]}]", 8, 20, "spec.network.egress[0].to[0].except", "except needs a cidr to take blocks out of"),
    ("network:\n  egress:\n    - too: []", 9, 9, "spec.network.egress[0].too", "unknown field `too`, expected `to` or `ports`"),
    ("network:\n  ingress:\n    - to: []", 9, 9, "spec.network.ingress[0].to", "unknown field `to`, expected `from` or `ports`"),
    ("network:\n  egres: []", 8, 5, "spec.network.egres", "unknown field `egres`, expected one of `egress`, `ingress`, `mode`"),
    ("network:\n  egress:", 8, 12, "spec.network.egress", "null is ambiguous here: leave `egress` out to leave egress unrestricted, or write `egress: []` to deny all egress"),
    ("network:\n  ingress: ~", 8, 14, "spec.network.ingress", "null is ambiguous here: leave `ingress` out to leave ingress unrestricted, or write `ingress: []` to deny all ingress"),
    ("filesystem:\n  allowWrite: [/tmp]", 8, 5, "spec.filesystem", "missing field `rootfs`"),
    ("filesystem:\n  rootfs: readonly", 8, 13, "spec.filesystem.rootfs", "unknown rootfs mode \"readonly\": expected readOnly or readWrite"),
    ("filesystem:\n  rootfs: readOnly\n  allowWrite: [/tmp, tmp]", 9, 24, "spec.filesystem.allowWrite[1]", "\"tmp\" is not an absolute path (it must start with '/')"),
    ("filesystem:\n  rootfs: readOnly\n  allowWrite: [/tmp/../etc]", 9, 18, "spec.filesystem.allowWrite[0]", "\"/tmp/../etc\" must not contain '.' or '..' components"),
    ("filesystem:\n  rootfs: readWrite\n  allowWrite: [/tmp]", 8, 5, "spec.filesystem.allowWrite", "allowWrite only applies with `rootfs: readOnly` (with readWrite every path is writable)"),
    ("privilege:\n  escalation: no", 8, 17, "spec.privilege.escalation", "unknown escalation mode \"no\": expected deny or allow"),
    ("privilege: {}", 7, 14, "spec.privilege", "missing field `escalation`"),
    ("extra: 1", 7, 3, "spec.extra", "unknown field `extra`, expected one of `podSelector`, `mode`, `network`, `filesystem`, `privilege`"),
];

#[test]
fn each_spec_error_has_its_position_and_field() {
    for &(spec, line, column, field, message) in SPEC_ERRORS {
        let text = doc(&format!("podSelector: {{}}\nmode: enforce\n{spec}"));
        let e = one_error(&text);
        let got = (e.line, e.column, e.field.as_deref(), e.message.as_str());
        assert_eq!(got, (Some(line), Some(column), Some(field), message), "spec:\n{spec}");
    }
}

/// (whole spec body, line, column, field, message): mode and selector.
#[rustfmt::skip]
const SELECTOR_AND_MODE_ERRORS: &[(&str, usize, usize, &str, &str)] = &[
    ("mode: Enforce\npodSelector: {}", 5, 9, "spec.mode", "unknown mode \"Enforce\": expected enforce or audit"),
    ("podSelector: {}\nmode:", 6, 8, "spec.mode", "expected enforce or audit, found null"),
    ("podSelector: {}", 5, 3, "spec", "missing field `mode`"),
    ("mode: audit", 5, 3, "spec", "missing field `podSelector`"),
    ("mode: audit\npodSelector: ~", 6, 16, "spec.podSelector", "expected a label selector mapping (write {} to select every pod of the namespace), found null"),
    ("mode: audit\npodSelector:", 6, 15, "spec.podSelector", "expected a label selector mapping (write {} to select every pod of the namespace), found null"),
    ("mode: audit\npodSelector: {matchExpressions: [{key: tier, operator: in, values: [a]}]}", 6, 58, "spec.podSelector.matchExpressions[0].operator", "unknown operator \"in\": expected In, NotIn, Exists or DoesNotExist"),
    ("mode: audit\npodSelector:\n  matchExpressions:\n    - key: tier\n      operator: NotIn", 8, 9, "spec.podSelector.matchExpressions[0].values", "operator NotIn needs at least one value"),
    ("mode: audit\npodSelector:\n  matchExpressions:\n    - {key: tier, operator: In, values: []}", 8, 9, "spec.podSelector.matchExpressions[0].values", "operator In needs at least one value"),
    ("mode: audit\npodSelector:\n  matchExpressions:\n    - {key: tier, operator: Exists, values: [a]}", 8, 9, "spec.podSelector.matchExpressions[0].values", "operator Exists takes no values"),
    ("mode: audit\npodSelector:\n  matchExpressions:\n    - {operator: Exists}", 8, 9, "spec.podSelector.matchExpressions[0]", "missing field `key`"),
    ("mode: audit\npodSelector:\n  matchLabels: {-app: web}", 7, 19, "spec.podSelector.matchLabels.-app", "label key \"-app\": the name part must be 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"),
    ("mode: audit\npodSelector:\n  matchLabels: {app: web-}", 7, 24, "spec.podSelector.matchLabels.app", "label value \"web-\" must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"),
    ("mode: audit\npodSelector:\n  matchLabels: {app: true}", 7, 24, "spec.podSelector.matchLabels.app", "invalid type: boolean `true`, expected a label value string (quote numbers and booleans)"),
    ("mode: audit\npodSelector:\n  matchLables: {app: web}", 7, 5, "spec.podSelector.matchLables", "unknown field `matchLables`, expected `matchLabels` or `matchExpressions`"),
];

#[test]
fn each_selector_and_mode_error_has_its_position_and_field() {
    for &(spec, line, column, field, message) in SELECTOR_AND_MODE_ERRORS {
        let e = one_error(&doc(spec));
        let got = (e.line, e.column, e.field.as_deref(), e.message.as_str());
        assert_eq!(got, (Some(line), Some(column), Some(field), message), "spec:\n{spec}");
    }
}

const SPEC: &str = "spec: {podSelector: {}, mode: audit}\n";

/// (whole document, line, column, field, message): apiVersion, kind, metadata, top level.
#[rustfmt::skip]
const DOCUMENT_ERRORS: &[(&str, usize, usize, Option<&str>, &str)] = &[
    ("apiVersion: rampart.dev/v1\nkind: RampartPolicy\nmetadata: {name: web}\n", 1, 13, Some("apiVersion"), "unsupported apiVersion \"rampart.dev/v1\": expected \"rampart.dev/v1alpha1\""),
    ("apiVersion: rampart.dev/v1alpha1\nkind: NetworkPolicy\nmetadata: {name: web}\n", 2, 7, Some("kind"), "unsupported kind \"NetworkPolicy\": expected \"RampartPolicy\""),
    ("kind: RampartPolicy\nmetadata: {name: web}\n", 1, 1, None, "missing field `apiVersion`"),
    ("apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {namespace: shop}\n", 3, 11, Some("metadata"), "missing field `name`"),
    ("apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: Web}\n", 3, 18, Some("metadata.name"), "\"Web\" is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)"),
    ("apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: web, namespace: a.b}\n", 3, 34, Some("metadata.namespace"), "\"a.b\" is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)"),
    ("apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: web, nmespace: shop}\n", 3, 23, Some("metadata.nmespace"), "unknown field `nmespace`, expected one of `name`, `namespace`, `labels`, `annotations`, `uid`, `resourceVersion`, `generation`, `creationTimestamp`, `deletionTimestamp`, `deletionGracePeriodSeconds`, `finalizers`, `ownerReferences`, `managedFields`, `generateName`, `selfLink`"),
    ("apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: web}\nspec: {podSelector: {}, mode: audit}\nextra: true\n", 5, 1, Some("extra"), "unknown field `extra`, expected one of `apiVersion`, `kind`, `metadata`, `spec`, `status`"),
    ("- a\n- b\n", 1, 1, None, "invalid type: sequence, expected a RampartPolicy object (a mapping with apiVersion, kind, metadata, spec)"),
    ("apiVersion: rampart.dev/v1alpha1\nkind: [RampartPolicy\n", 3, 1, None, "did not find expected ',' or ']', while parsing a flow sequence at line 2 column 7"),
];

#[test]
fn each_document_error_has_its_position_and_field() {
    for &(text, line, column, field, message) in DOCUMENT_ERRORS {
        let text = if text.contains("spec:") || !text.contains("metadata") {
            text.to_owned()
        } else {
            format!("{text}{SPEC}")
        };
        let e = one_error(&text);
        let got = (e.line, e.column, e.field.as_deref(), e.message.as_str());
        assert_eq!(got, (Some(line), Some(column), field, message), "document:\n{text}");
    }
}

#[test]
fn error_display_format() {
    let text =
        doc("podSelector: {}\nmode: enforce\nnetwork:\n  egress:\n    - ports:\n        - port: 70000");
    let errors = parse_source("policies/web.yaml", &text).unwrap_err();
    assert_eq!(
        errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["policies/web.yaml:10:19: spec.network.egress[0].ports[0].port: port 70000 out of range 1..=65535"]
    );
    let e = PolicyError::new("policies/x.yaml", "cannot read file: permission denied");
    assert_eq!(e.to_string(), "policies/x.yaml: cannot read file: permission denied");
    let e = PolicyError { line: Some(3), column: Some(1), ..e };
    assert_eq!(e.to_string(), "policies/x.yaml:3:1: cannot read file: permission denied");
}

const GOOD: &str = "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: NAME}\nspec: {podSelector: {}, mode: audit}\n";

/// 1-based (line, column) of the first occurrence of `needle` in `text`.
fn position_of(text: &str, needle: &str) -> (Option<usize>, Option<usize>) {
    let (index, line) = text.lines().enumerate().find(|(_, l)| l.contains(needle)).unwrap();
    (Some(index + 1), Some(line.find(needle).unwrap() + 1))
}

#[test]
fn later_documents_have_absolute_line_numbers() {
    // Documents 2, 3 and 5 are bad; 1 and 4 are good.
    let text = format!(
        "# leading comment\n{}---\n{}---\n\n# comment\n{}---\n{}---\n{}",
        GOOD.replace("NAME", "one"),
        GOOD.replace("NAME", "two").replace("mode: audit", "mode: audit, privilege: {escalation: maybe}"),
        doc("podSelector: {}\nmode: audit\nfilesystem:\n  rootfs: readOnly\n  allowWrite: [relative]"),
        GOOD.replace("NAME", "four"),
        GOOD.replace("NAME", "five").replace("{}", "{matchLabels: {app: 42}}"),
    );
    let errors = parse_source("multi.yaml", &text).unwrap_err();
    let got: Vec<_> = errors.iter().map(|e| (e.line, e.column, e.field.as_deref())).collect();
    let at = |needle, field| {
        let (line, column) = position_of(&text, needle);
        (line, column, Some(field))
    };
    assert_eq!(
        got,
        [
            at("maybe", "spec.privilege.escalation"),
            at("relative", "spec.filesystem.allowWrite[0]"),
            at("42", "spec.podSelector.matchLabels.app"),
        ],
        "{text}"
    );
    // The same, written out: the positions count from the start of the file.
    assert_eq!(
        got.iter().map(|g| (g.0.unwrap(), g.1.unwrap())).collect::<Vec<_>>(),
        [(10, 62), (22, 18), (32, 41)]
    );

    // Good documents carry the line where their mapping starts.
    let text = format!(
        "{}---\n{}\n---\n{}",
        GOOD.replace("NAME", "a"),
        GOOD.replace("NAME", "b"),
        GOOD.replace("NAME", "c")
    );
    let policies = parse_source("multi.yaml", &text).unwrap();
    let got: Vec<_> = policies.iter().map(|p| (p.name.as_str(), p.origin.line)).collect();
    assert_eq!(got, [("a", Some(1)), ("b", Some(6)), ("c", Some(12))]);
}

#[test]
fn every_document_is_checked_and_all_errors_returned() {
    let text = format!(
        "{}---\n{}---\n{}",
        GOOD.replace("NAME", "Bad_Name"),
        GOOD.replace("NAME", "fine"),
        GOOD.replace("mode: audit", "mode: block").replace("NAME", "x"),
    );
    let errors = parse_source("m.yaml", &text).unwrap_err();
    let got: Vec<_> = errors.iter().map(|e| (e.line, e.field.as_deref())).collect();
    assert_eq!(got, [(Some(3), Some("metadata.name")), (Some(14), Some("spec.mode"))]);
}

#[test]
fn a_syntax_error_ends_the_source() {
    let text =
        format!("{}---\nkind: [\n---\n{}", GOOD.replace("NAME", "Bad_Name"), GOOD.replace("NAME", "Bad_Too"));
    let errors = parse_source("s.yaml", &text).unwrap_err();
    let got: Vec<_> = errors.iter().map(|e| (e.line, e.field.as_deref())).collect();
    assert_eq!(got, [(Some(3), Some("metadata.name")), (Some(7), None)]);
}

#[test]
fn empty_documents_are_skipped() {
    assert_eq!(parse_source("e.yaml", ""), Ok(vec![]));
    assert_eq!(parse_source("e.yaml", "# nothing here\n"), Ok(vec![]));
    let text = format!("---\n---\n{}---\n# trailing\n", GOOD.replace("NAME", "a"));
    let policies = parse_source("e.yaml", &text).unwrap();
    assert_eq!(policies.iter().map(|p| p.origin.line).collect::<Vec<_>>(), [Some(3)]);
}

#[test]
fn json_sources_parse_with_positions() {
    let json = "{\n\t\"apiVersion\": \"rampart.dev/v1alpha1\",\n\t\"kind\": \"RampartPolicy\",\n\t\"metadata\": {\"name\": \"web\", \"namespace\": \"shop\"},\n\t\"spec\": {\n\t\t\"podSelector\": {\"matchLabels\": {\"app\": \"web\"}},\n\t\t\"mode\": \"enforce\",\n\t\t\"network\": {\"egress\": [{\"to\": [{\"cidr\": \"10.0.0.0/8\"}], \"ports\": [{\"port\": 443}]}]}\n\t}\n}\n";
    let policies = parse_source("web.json", json).unwrap();
    assert_eq!(policies[0].key(), "shop/web");
    assert_eq!(policies[0].spec.network.as_ref().unwrap().egress.as_ref().unwrap()[0].ports[0].port, 443);

    let bad = json.replace("443", "65536");
    let e = one_error(&bad);
    let (line, column) = position_of(&bad, "65536");
    assert_eq!(
        (e.line, e.column, e.field.as_deref()),
        (line, column, Some("spec.network.egress[0].ports[0].port"))
    );
}

#[test]
fn objects_from_the_api_server_parse() {
    let text = "\
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata:
  name: web
  namespace: shop
  uid: 3f1c2a52-8d5e-4b8e-9d55-0c2f1f0e8a11
  resourceVersion: \"12345\"
  generation: 2
  creationTimestamp: \"2026-11-01T10:00:00Z\"
  labels: {team: payments}
  annotations: {kubectl.kubernetes.io/last-applied-configuration: \"{}\"}
  managedFields: [{manager: kubectl, operation: Apply}]
spec: {podSelector: {}, mode: audit}
status: {observedGeneration: 2}
";
    assert_eq!(parse_source("api", text).unwrap()[0].key(), "shop/web");
}

#[test]
fn duplicate_policies_are_an_error_in_a_set() {
    let a = parse_source("a.yaml", &GOOD.replace("NAME", "web")).unwrap();
    let b = parse_source(
        "b.yaml",
        &format!("{}---\n{}", GOOD.replace("NAME", "other"), GOOD.replace("NAME", "web")),
    )
    .unwrap();
    let errors = PolicySet::new(a.into_iter().chain(b)).unwrap_err();
    assert_eq!(
        errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["b.yaml:6:1: metadata.name: duplicate policy default/web: already defined at a.yaml:1:1"]
    );
}
