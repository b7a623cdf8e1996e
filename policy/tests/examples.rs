//! The example policies shipped in `examples/policies` parse without errors.

use std::path::Path;

#[test]
fn example_policies_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/policies");
    let files = rampart_policy::load_dir(&dir).expect("examples/policies is readable");
    assert!(!files.is_empty(), "no example policies found in {}", dir.display());
    for (path, outcome) in files {
        if let Err(errors) = outcome {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("{}:\n{}", path.display(), text.join("\n"));
        }
    }
}
