//! `rampart policy lint FILE...`: every error in every file, as `file:line:column: field: message`
//! (or, with `-o json`, one JSON report). What the agent refuses, lint refuses: each file's
//! errors (a file is all-or-nothing), and a `namespace/name` defined twice across the files.

use std::path::Path;

use rampart_policy::{PolicyError, PolicySet, RampartPolicy, load_dir, load_file};
use serde_json::{Value, json};

/// The report of `-o json`: `{"ok", "policies", "paths", "errors": [{"file", "line", "column",
/// "field", "message"}]}`, positions and field `null` where unknown.
pub fn json_report(policies: usize, paths: usize, errors: &[PolicyError]) -> Value {
    let errors: Vec<Value> = errors
        .iter()
        .map(|e| {
            json!({"file": e.source, "line": e.line, "column": e.column, "field": e.field, "message": e.message})
        })
        .collect();
    json!({"ok": errors.is_empty(), "policies": policies, "paths": paths, "errors": errors})
}

/// Lint the files (and directories); returns (policies found, every error).
pub fn lint(paths: &[impl AsRef<Path>]) -> (usize, Vec<PolicyError>) {
    let mut outcomes: Vec<Result<Vec<RampartPolicy>, Vec<PolicyError>>> = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let path = path.as_ref();
        if path.is_dir() {
            match load_dir(path) {
                Ok(files) => outcomes.extend(files.into_iter().map(|(_, o)| o)),
                Err(e) => errors.push(PolicyError::new(path.display().to_string(), e.to_string())),
            }
        } else {
            outcomes.push(load_file(path));
        }
    }
    let mut policies = Vec::new();
    for o in outcomes {
        match o {
            Ok(p) => policies.extend(p),
            Err(e) => errors.extend(e),
        }
    }
    let found = policies.len();
    if let Err(duplicates) = PolicySet::new(policies) {
        errors.extend(duplicates);
    }
    (found, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: a, namespace: b}\nspec:\n  podSelector: {}\n  mode: audit\n";

    #[test]
    fn reports_every_error_with_its_position() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.yaml");
        std::fs::write(&good, GOOD).unwrap();
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, GOOD.replace("mode: audit", "mode: sometimes")).unwrap();
        let (n, errors) = lint(&[&good, &bad, &dir.path().join("missing.yaml")]);
        assert_eq!(n, 1);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].to_string().starts_with(&format!("{}:6:", bad.display())), "{errors:?}");
        assert!(errors[1].to_string().contains("missing.yaml"), "{errors:?}");
        let report = json_report(n, 3, &errors);
        assert_eq!(report["ok"], false);
        assert_eq!(report["errors"][0]["file"], bad.display().to_string());
        assert_eq!(report["errors"][0]["line"], 6);
        assert_eq!(report["errors"][0]["field"], "spec.mode");
        assert!(report["errors"][1]["line"].is_null());
    }

    #[test]
    fn a_policy_defined_twice_is_an_error_as_in_the_agent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("one.yaml"), GOOD).unwrap();
        std::fs::write(dir.path().join("two.yaml"), GOOD).unwrap();
        let (n, errors) = lint(&[dir.path()]);
        assert_eq!(n, 2);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let e = errors[0].to_string();
        assert!(e.contains("two.yaml") && e.contains("duplicate policy b/a"), "{errors:?}");
        assert!(e.contains("one.yaml"), "names where the first is: {errors:?}");
    }
}
