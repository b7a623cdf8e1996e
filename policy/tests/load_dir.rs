//! `load_dir`: which files are read, per-file outcomes, and an unreadable directory.

use std::fs;
use std::path::PathBuf;

use rampart_policy::{DirError, load_dir};

const GOOD: &str = "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: NAME}\nspec: {podSelector: {}, mode: audit}\n";

#[test]
fn reads_policy_files_sorted_with_per_file_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let put = |name: &str, text: &str| fs::write(dir.path().join(name), text).unwrap();
    put("b.yaml", &GOOD.replace("NAME", "b"));
    put("a.yml", &format!("{}---\n{}", GOOD.replace("NAME", "a1"), GOOD.replace("NAME", "a2")));
    put(
        "c.json",
        r#"{"apiVersion": "rampart.dev/v1alpha1", "kind": "RampartPolicy", "metadata": {"name": "c"}, "spec": {"podSelector": {}, "mode": "enforce"}}"#,
    );
    put("d.yaml", &GOOD.replace("NAME", "d").replace("audit", "block"));
    put("notes.txt", "not a policy");
    put(".hidden.yaml", "garbage: [");
    fs::create_dir(dir.path().join("sub.yaml")).unwrap();
    fs::create_dir(dir.path().join("nested")).unwrap();
    fs::write(dir.path().join("nested/e.yaml"), GOOD.replace("NAME", "e")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("b.yaml"), dir.path().join("link.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("missing"), dir.path().join("broken.yaml")).unwrap();

    let outcomes = load_dir(dir.path()).unwrap();
    let names: Vec<_> = outcomes.iter().map(|(p, _)| p.file_name().unwrap().to_str().unwrap()).collect();
    assert_eq!(names, ["a.yml", "b.yaml", "broken.yaml", "c.json", "d.yaml", "link.yaml", "sub.yaml"]);

    let summary = |i: usize| match &outcomes[i].1 {
        Ok(policies) => Ok(policies.iter().map(|p| p.key()).collect::<Vec<_>>()),
        Err(errors) => Err(errors.iter().map(ToString::to_string).collect::<Vec<_>>()),
    };
    let path = |name: &str| dir.path().join(name).display().to_string();
    assert_eq!(summary(0), Ok(vec!["default/a1".to_owned(), "default/a2".to_owned()]));
    assert_eq!(summary(1), Ok(vec!["default/b".to_owned()]));
    let broken = summary(2).unwrap_err();
    assert_eq!(broken.len(), 1);
    assert!(broken[0].starts_with(&format!("{}: cannot read file: ", path("broken.yaml"))), "{broken:?}");
    assert_eq!(summary(3), Ok(vec!["default/c".to_owned()]));
    assert_eq!(
        summary(6),
        Err(vec![format!(
            "{}: not a regular file but a directory: only regular files (or links to them) are read",
            path("sub.yaml")
        )])
    );
    assert_eq!(
        summary(4),
        Err(vec![format!(
            "{}:4:31: spec.mode: unknown mode \"block\": expected enforce or audit",
            path("d.yaml")
        )])
    );
    assert_eq!(summary(5), Ok(vec!["default/b".to_owned()]));
    assert_eq!(outcomes[1].1.as_ref().unwrap()[0].origin.source, path("b.yaml"));
}

#[test]
fn an_unreadable_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing: PathBuf = dir.path().join("nope");
    let err = load_dir(&missing).unwrap_err();
    let DirError::Read { path, source } = &err else { panic!("{err}") };
    assert_eq!(path, &missing);
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    assert!(err.to_string().starts_with(&format!("cannot read directory {}: ", missing.display())));
}
