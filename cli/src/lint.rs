//! `rampart policy lint FILE...`: every error in every file, as `file:line:column: field: message`.

use std::path::Path;

use rampart_policy::{PolicyError, load_dir, load_file};

/// Lint the files (and directories); returns (policies found, every error).
pub fn lint(paths: &[impl AsRef<Path>]) -> (usize, Vec<String>) {
    let mut outcomes: Vec<Result<Vec<_>, Vec<PolicyError>>> = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let path = path.as_ref();
        if path.is_dir() {
            match load_dir(path) {
                Ok(files) => outcomes.extend(files.into_iter().map(|(_, o)| o)),
                Err(e) => errors.push(e.to_string()),
            }
        } else {
            outcomes.push(load_file(path));
        }
    }
    let mut policies = 0;
    for o in outcomes {
        match o {
            Ok(p) => policies += p.len(),
            Err(e) => errors.extend(e.iter().map(ToString::to_string)),
        }
    }
    (policies, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_error_with_its_position() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.yaml");
        std::fs::write(
            &good,
            "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: a, namespace: b}\nspec:\n  podSelector: {}\n  mode: audit\n",
        )
        .unwrap();
        let bad = dir.path().join("bad.yaml");
        std::fs::write(
            &bad,
            "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: a, namespace: b}\nspec:\n  podSelector: {}\n  mode: sometimes\n",
        )
        .unwrap();
        let (n, errors) = lint(&[&good, &bad, &dir.path().join("missing.yaml")]);
        assert_eq!(n, 1);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with(&format!("{}:6:", bad.display())), "{errors:?}");
        assert!(errors[1].contains("missing.yaml"), "{errors:?}");
    }
}
