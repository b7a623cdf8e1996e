//! `judge` over the whole rule space: no policy, egress and ingress rules (cidr, except,
//! ports, protocols, ranges, IPv6, deny-all), unions, mode strictness, filesystem, privilege,
//! exec, and sections that make a policy applicable or not.

use std::collections::BTreeMap;
use std::net::IpAddr;

use rampart_policy::verdict::Protocol;
use rampart_policy::{Action, Activity, Direction, Judgement, PolicySet, RampartPolicy, judge, parse_source};

/// A policy `shop/<name>` selecting every pod, with the given mode and sections (YAML).
fn policy(name: &str, mode: &str, sections: &str) -> RampartPolicy {
    let mut text = format!(
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: {name}, namespace: shop}}\n\
         spec:\n  podSelector: {{}}\n  mode: {mode}\n"
    );
    for line in sections.lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    parse_source(name, &text).unwrap().remove(0)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn conn(direction: Direction, peer: &str, port: u16, protocol: Protocol) -> Activity<'static> {
    Activity::Connection { direction, peer: ip(peer), port, protocol, remote: None, local: None }
}

fn egress(peer: &str, port: u16) -> Activity<'static> {
    conn(Direction::Egress, peer, port, Protocol::Tcp)
}

fn egress_udp(peer: &str, port: u16) -> Activity<'static> {
    conn(Direction::Egress, peer, port, Protocol::Udp)
}

fn ingress(peer: &str, port: u16) -> Activity<'static> {
    conn(Direction::Ingress, peer, port, Protocol::Tcp)
}

fn write(path: &str) -> Activity<'_> {
    Activity::RootfsWrite { path }
}

/// The expected judgement: action, policy key, rule.
type Expect = (Action, Option<&'static str>, Option<&'static str>);

const ALLOW: Expect = (Action::Allow, None, None);

fn check(policies: &[&RampartPolicy], cases: &[(Activity<'_>, Expect)]) {
    for (activity, (action, policy, rule)) in cases {
        let want =
            Judgement { action: *action, policy: policy.map(str::to_owned), rule: rule.map(str::to_owned) };
        assert_eq!(judge(policies, activity), want, "{activity:?}");
        // The order of the slice never matters.
        let reversed: Vec<_> = policies.iter().rev().copied().collect();
        assert_eq!(judge(&reversed, activity), want, "{activity:?} (reversed)");
    }
}

const DB_EGRESS: &str = "\
network:
  egress:
    - to: [{cidr: 10.0.0.0/8, except: [10.0.9.0/24]}]
      ports: [{port: 5432, protocol: TCP}]
    - to: [{cidr: 'fd00::/8'}, {cidr: 172.16.0.0/12}]
      ports: [{port: 8000, endPort: 8080}, {port: 53, protocol: UDP}]
    - to: [{cidr: 192.0.2.1}]
    - ports: [{port: 443}]
";

#[test]
fn no_policy_allows_everything() {
    check(
        &[],
        &[
            (egress("10.0.0.1", 80), ALLOW),
            (ingress("10.0.0.1", 80), ALLOW),
            (write("/etc/passwd"), ALLOW),
            (Activity::Escalation, ALLOW),
            (Activity::Exec, ALLOW),
        ],
    );
}

#[test]
fn egress_rules_match_cidr_except_ports_protocols_and_ranges() {
    let p = policy("web", "enforce", DB_EGRESS);
    let allow = |i: &'static str| (Action::Allow, Some("shop/web"), Some(i));
    let deny = (Action::Deny, Some("shop/web"), Some("network.egress"));
    check(
        &[&p],
        &[
            (egress("10.1.2.3", 5432), allow("network.egress[0]")),
            (egress("10.1.2.3", 5433), deny),
            (egress_udp("10.1.2.3", 5432), deny),
            (egress("11.0.0.1", 5432), deny),
            (egress("10.0.9.7", 5432), deny),
            (egress("10.0.10.7", 5432), allow("network.egress[0]")),
            (egress("::ffff:10.1.2.3", 5432), allow("network.egress[0]")),
            (egress("172.16.0.1", 8000), allow("network.egress[1]")),
            (egress("172.31.255.255", 8080), allow("network.egress[1]")),
            (egress("172.16.0.1", 8081), deny),
            (egress("172.16.0.1", 7999), deny),
            (egress_udp("172.16.0.1", 8000), deny),
            (egress_udp("172.16.0.1", 53), allow("network.egress[1]")),
            (egress("172.32.0.1", 8000), deny),
            (egress("fd00::1", 8000), allow("network.egress[1]")),
            (egress("fdff:ffff::1", 8080), allow("network.egress[1]")),
            (egress("fe80::1", 8000), deny),
            (egress("192.0.2.1", 1), allow("network.egress[2]")),
            (egress_udp("192.0.2.1", 65535), allow("network.egress[2]")),
            (egress("192.0.2.2", 1), deny),
            (egress("8.8.8.8", 443), allow("network.egress[3]")),
            (egress("2001:db8::1", 443), allow("network.egress[3]")),
            (egress_udp("8.8.8.8", 443), deny),
            // Ingress is not restricted by an egress-only policy.
            (ingress("8.8.8.8", 22), ALLOW),
        ],
    );
}

#[test]
fn ipv6_rules_and_except() {
    let p = policy(
        "v6",
        "enforce",
        "network:\n  egress:\n    - to: [{cidr: '2001:db8::/32', except: ['2001:db8:bad::/48']}]",
    );
    let deny = (Action::Deny, Some("shop/v6"), Some("network.egress"));
    check(
        &[&p],
        &[
            (egress("2001:db8:1::5", 443), (Action::Allow, Some("shop/v6"), Some("network.egress[0]"))),
            (egress("2001:db8:bad::5", 443), deny),
            (egress("2001:db9::1", 443), deny),
            (egress("32.1.13.184", 443), deny),
        ],
    );
}

#[test]
fn an_empty_list_denies_the_direction_and_an_absent_one_allows_it() {
    let no_egress = policy("no-egress", "enforce", "network:\n  egress: []");
    let any_rule = policy("any", "enforce", "network:\n  egress: [{}]\n  ingress: [{from: [], ports: []}]");
    let no_ingress = policy("no-ingress", "enforce", "network:\n  ingress: []");
    check(
        &[&no_egress],
        &[
            (egress("10.0.0.1", 80), (Action::Deny, Some("shop/no-egress"), Some("network.egress"))),
            (ingress("10.0.0.1", 80), ALLOW),
        ],
    );
    check(
        &[&any_rule],
        &[
            (egress_udp("10.0.0.1", 9), (Action::Allow, Some("shop/any"), Some("network.egress[0]"))),
            (ingress("::1", 22), (Action::Allow, Some("shop/any"), Some("network.ingress[0]"))),
        ],
    );
    check(
        &[&no_ingress],
        &[
            (ingress("10.0.0.1", 80), (Action::Deny, Some("shop/no-ingress"), Some("network.ingress"))),
            (egress("10.0.0.1", 80), ALLOW),
        ],
    );
}

#[test]
fn ingress_rules_match_from_and_ports() {
    let p = policy(
        "front",
        "enforce",
        "network:\n  ingress:\n    - from: [{cidr: 192.168.0.0/16}]\n      ports: [{port: 80}]\n    - ports: [{port: 9090}]",
    );
    let deny = (Action::Deny, Some("shop/front"), Some("network.ingress"));
    check(
        &[&p],
        &[
            (ingress("192.168.1.1", 80), (Action::Allow, Some("shop/front"), Some("network.ingress[0]"))),
            (ingress("10.0.0.1", 80), deny),
            (ingress("192.168.1.1", 81), deny),
            (ingress("10.0.0.1", 9090), (Action::Allow, Some("shop/front"), Some("network.ingress[1]"))),
            (egress("192.168.1.1", 80), ALLOW),
        ],
    );
}

#[test]
fn policies_combine_as_a_union_and_the_strictest_mode_wins() {
    let db =
        policy("db", "enforce", "network:\n  egress: [{to: [{cidr: 10.0.0.0/8}], ports: [{port: 5432}]}]");
    let https = policy("https", "enforce", "network:\n  egress: [{ports: [{port: 443}]}]");
    let audit_dns = policy("a-audit", "audit", "network:\n  egress: [{ports: [{port: 53, protocol: UDP}]}]");
    let audit_b = policy("b-audit", "audit", "network:\n  egress: []");
    let files = policy("files", "enforce", "filesystem: {rootfs: readOnly}");

    // Union: each policy's allows count; the first enforce policy by key is named on deny.
    check(
        &[&db, &https, &files],
        &[
            (egress("10.1.1.1", 5432), (Action::Allow, Some("shop/db"), Some("network.egress[0]"))),
            (egress("1.1.1.1", 443), (Action::Allow, Some("shop/https"), Some("network.egress[0]"))),
            (egress("1.1.1.1", 80), (Action::Deny, Some("shop/db"), Some("network.egress"))),
        ],
    );
    // Enforce beats audit even when the audit policy sorts first; an audit policy's allow
    // still counts in the union.
    check(
        &[&audit_dns, &https],
        &[
            (egress("1.1.1.1", 80), (Action::Deny, Some("shop/https"), Some("network.egress"))),
            (egress_udp("1.1.1.1", 53), (Action::Allow, Some("shop/a-audit"), Some("network.egress[0]"))),
        ],
    );
    // Audit only: Audit, naming the first audit policy by key.
    check(
        &[&audit_b, &audit_dns],
        &[
            (egress("1.1.1.1", 80), (Action::Audit, Some("shop/a-audit"), Some("network.egress"))),
            (egress_udp("1.1.1.1", 53), (Action::Allow, Some("shop/a-audit"), Some("network.egress[0]"))),
        ],
    );
    // Allowed by the first allowing policy in key order, whatever the slice order.
    let https2 = policy("a-https", "audit", "network:\n  egress: [{ports: [{port: 443}]}]");
    check(
        &[&https, &https2],
        &[(egress("1.1.1.1", 443), (Action::Allow, Some("shop/a-https"), Some("network.egress[0]")))],
    );
}

#[test]
fn a_policy_without_the_section_is_not_applicable() {
    let files = policy("files", "enforce", "filesystem: {rootfs: readOnly}");
    let egress_only = policy("egress", "enforce", "network:\n  egress: []");
    let privilege = policy("priv", "enforce", "privilege: {escalation: deny}");
    let empty_network = policy("empty", "enforce", "network: {}");
    check(
        &[&files, &empty_network],
        &[(egress("1.1.1.1", 80), ALLOW), (ingress("1.1.1.1", 80), ALLOW), (Activity::Escalation, ALLOW)],
    );
    check(&[&egress_only, &privilege], &[(write("/etc/passwd"), ALLOW), (ingress("1.1.1.1", 80), ALLOW)]);
    // An applicable denying policy is not rescued by a non-applicable one.
    check(
        &[&files, &egress_only],
        &[(egress("1.1.1.1", 80), (Action::Deny, Some("shop/egress"), Some("network.egress")))],
    );
}

#[test]
fn filesystem_read_only_with_allow_write_prefixes() {
    let ro =
        policy("ro", "enforce", "filesystem:\n  rootfs: readOnly\n  allowWrite: [/tmp, /var/cache/nginx]");
    let allow = |rule: &'static str| (Action::Allow, Some("shop/ro"), Some(rule));
    let deny = (Action::Deny, Some("shop/ro"), Some("filesystem.rootfs"));
    check(
        &[&ro],
        &[
            (write("/tmp"), allow("filesystem.allowWrite[0]")),
            (write("/tmp/x"), allow("filesystem.allowWrite[0]")),
            (write("/tmp/a/b/c"), allow("filesystem.allowWrite[0]")),
            (write("/tmpfoo"), deny),
            (write("/tmpfoo/x"), deny),
            (write("/var/cache/nginx/x"), allow("filesystem.allowWrite[1]")),
            (write("/var/cache/nginx2"), deny),
            (write("/var/cache"), deny),
            (write("/etc/passwd"), deny),
            (write("/tmp/../etc/passwd"), deny),
            (write("//tmp//x"), allow("filesystem.allowWrite[0]")),
            (write("/"), deny),
        ],
    );
    let ro_audit = policy("ro", "audit", "filesystem: {rootfs: readOnly}");
    check(&[&ro_audit], &[(write("/tmp/x"), (Action::Audit, Some("shop/ro"), Some("filesystem.rootfs")))]);
    // A path the kernel could not resolve matches no prefix; readWrite still allows it.
    check(&[&ro], &[(Activity::RootfsUnresolved, deny)]);
    let rw = policy("rw", "enforce", "filesystem: {rootfs: readWrite}");
    check(
        &[&rw],
        &[(Activity::RootfsUnresolved, (Action::Allow, Some("shop/rw"), Some("filesystem.rootfs")))],
    );
}

#[test]
fn a_rename_is_judged_at_both_ends() {
    let ro = policy("ro", "enforce", "filesystem:\n  rootfs: readOnly\n  allowWrite: [/tmp, /var/cache]");
    let rename = |from, to| Activity::RootfsTwoEnds { from, to };
    let deny = (Action::Deny, Some("shop/ro"), Some("filesystem.rootfs"));
    check(
        &[&ro],
        &[
            (rename("/tmp/p", "/bin/p"), deny),
            (rename("/etc/passwd", "/tmp/passwd"), deny),
            (
                rename("/tmp/a", "/var/cache/a"),
                (Action::Allow, Some("shop/ro"), Some("filesystem.allowWrite[0]")),
            ),
            (rename("/tmp/a", "/tmp/b"), (Action::Allow, Some("shop/ro"), Some("filesystem.allowWrite[0]"))),
        ],
    );
    let audit = policy("ro", "audit", "filesystem: {rootfs: readOnly, allowWrite: [/tmp]}");
    check(
        &[&audit],
        &[(rename("/tmp/p", "/bin/p"), (Action::Audit, Some("shop/ro"), Some("filesystem.rootfs")))],
    );
    check(&[], &[(rename("/etc/a", "/etc/b"), ALLOW)]);
}

#[test]
fn filesystem_read_write_allows_all_and_joins_the_union() {
    let rw = policy("rw", "enforce", "filesystem: {rootfs: readWrite}");
    let ro = policy("a-ro", "enforce", "filesystem: {rootfs: readOnly, allowWrite: [/data]}");
    check(&[&rw], &[(write("/etc/passwd"), (Action::Allow, Some("shop/rw"), Some("filesystem.rootfs")))]);
    check(
        &[&rw, &ro],
        &[
            (write("/etc/passwd"), (Action::Allow, Some("shop/rw"), Some("filesystem.rootfs"))),
            (write("/data/x"), (Action::Allow, Some("shop/a-ro"), Some("filesystem.allowWrite[0]"))),
        ],
    );
}

#[test]
fn privilege_escalation_deny_and_allow() {
    let deny = policy("deny", "enforce", "privilege: {escalation: deny}");
    let audit = policy("audit", "audit", "privilege: {escalation: deny}");
    let allow = policy("allow", "enforce", "privilege: {escalation: allow}");
    let rule = Some("privilege.escalation");
    check(&[&deny], &[(Activity::Escalation, (Action::Deny, Some("shop/deny"), rule))]);
    check(&[&audit], &[(Activity::Escalation, (Action::Audit, Some("shop/audit"), rule))]);
    check(&[&allow], &[(Activity::Escalation, (Action::Allow, Some("shop/allow"), rule))]);
    check(&[&deny, &allow, &audit], &[(Activity::Escalation, (Action::Allow, Some("shop/allow"), rule))]);
    check(&[&deny, &audit], &[(Activity::Escalation, (Action::Deny, Some("shop/deny"), rule))]);
}

#[test]
fn exec_is_always_allowed() {
    let strict = policy(
        "strict",
        "enforce",
        "network: {egress: [], ingress: []}\nfilesystem: {rootfs: readOnly}\nprivilege: {escalation: deny}",
    );
    check(&[&strict], &[(Activity::Exec, ALLOW)]);
}

#[test]
fn a_policy_set_judges_the_pods_it_selects() {
    let text = "\
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  mode: enforce
  network: {egress: []}
";
    let set = PolicySet::new(parse_source("p.yaml", text).unwrap()).unwrap();
    let web = BTreeMap::from([("app".to_owned(), "web".to_owned())]);
    let db = BTreeMap::from([("app".to_owned(), "db".to_owned())]);
    let activity = egress("1.1.1.1", 443);
    assert_eq!(set.judge("shop", &web, &activity).action, Action::Deny);
    assert_eq!(set.judge("shop", &db, &activity), Judgement::unrestricted());
    assert_eq!(set.judge("other", &web, &activity), Judgement::unrestricted());
}

#[test]
fn a_section_in_audit_inside_an_enforce_policy_reports_without_denying() {
    let shadow = policy(
        "shadow",
        "enforce",
        "network: {egress: [{ports: [{port: 443}]}]}\n\
         filesystem: {rootfs: readOnly, allowWrite: [/tmp], mode: audit}\n\
         privilege: {escalation: deny, mode: audit}",
    );
    check(
        &[&shadow],
        &[
            (egress("10.0.0.1", 80), (Action::Deny, Some("shop/shadow"), Some("network.egress"))),
            (write("/etc/x"), (Action::Audit, Some("shop/shadow"), Some("filesystem.rootfs"))),
            (write("/tmp/x"), (Action::Allow, Some("shop/shadow"), Some("filesystem.allowWrite[0]"))),
            (Activity::Escalation, (Action::Audit, Some("shop/shadow"), Some("privilege.escalation"))),
        ],
    );
    // An enforcing section elsewhere still wins: the strictest mode, per section.
    let strict = policy("strict", "audit", "privilege: {escalation: deny, mode: enforce}");
    check(
        &[&shadow, &strict],
        &[(Activity::Escalation, (Action::Deny, Some("shop/strict"), Some("privilege.escalation")))],
    );
    // And a network section's own mode reaches what the kernel is given.
    let audited = policy("audited", "enforce", "network: {egress: [], mode: audit}");
    let compiled = rampart_policy::compile::compile_network(&[&audited], Direction::Egress, None).unwrap();
    assert_eq!(compiled.mode, rampart_policy::Mode::Audit);
}
