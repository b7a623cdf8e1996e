//! The deployment manifests checked the way a platform team's CI would: the Helm chart linted
//! by Helm's own engine and rendered with its default values and variants, the kustomize base
//! and overlays built by `kubectl kustomize`, every resource validated with
//! `kubernetes-validate --strict` against each Kubernetes version the docs claim, the example
//! policies validated against the RampartPolicy CRD's schema with `check-jsonschema`, and
//! `yamllint` over deploy/ and examples/. The tools come from `cargo xtask setup`.

use std::{fs, path::Path, process::Command};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::{codegen::manifests, output, run, setup, workspace_root};

/// The Kubernetes versions the docs claim (docs/deployment.md).
pub const KUBE_VERSIONS: &[&str] = &["1.29.0", "1.30.0", "1.31.0", "1.32.0", "1.33.0", "1.34.0"];

/// Chart values worth rendering besides the defaults.
fn variants() -> Vec<(&'static str, Value)> {
    vec![
        ("defaults", json!({})),
        ("agents only", json!({"collector": {"enabled": false}})),
        (
            "fail-closed, NetworkPolicies, TLS, monitoring",
            json!({
                "agent": {"requireEnforcement": true, "networkUnknownPod": "deny", "logFormat": "text",
                          "networkPolicy": "enforce", "podCIDRs": ["10.244.0.0/16", "fd00:10:244::/56"],
                          "networkUnknownPeer": "allow",
                          "sysAdminForPerfEvents": true,
                          "extraEnv": [{"name": "RAMPART_FLOW_INTERVAL", "value": "10s"}]},
                "collector": {"tlsSecret": "rampart-collector-tls", "storage": {"storageClassName": "fast"},
                              "readerAuth": "anonymous"},
                "serviceMonitor": {"enabled": true},
                "podDisruptionBudget": {"enabled": false},
            }),
        ),
        (
            "collectors on NATS JetStream",
            json!({"collector": {"nats": {"url": "nats://nats-0.nats:4222,nats-1.nats:4222,nats-2.nats:4222",
                                          "replicas": 3}}}),
        ),
    ]
}

pub fn check() -> anyhow::Result<()> {
    let root = workspace_root();
    let tmp = tempfile::tempdir()?;
    let mut files = Vec::new();
    for (i, (name, values)) in variants().into_iter().enumerate() {
        let report = manifests::lint(&root, &values, &format!("v{}", KUBE_VERSIONS[0]))?;
        let problems: Vec<String> = report["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["severity"].as_u64() >= Some(2))
            .map(|m| format!("{}: {}", m["path"].as_str().unwrap_or("?"), m["error"].as_str().unwrap_or("?")))
            .chain(report["errors"].as_array().into_iter().flatten().map(|e| e.to_string()))
            .collect();
        if !problems.is_empty() {
            bail!("helm lint --strict, values {name:?}:\n  {}", problems.join("\n  "));
        }
        let rendered = manifests::render(&root, &values, "rampart", "rampart-system")?;
        let path = tmp.path().join(format!("chart-{i}.yaml"));
        fs::write(&path, rendered.values().cloned().collect::<Vec<_>>().join("\n---\n"))?;
        println!("deploy: chart with {name}: helm lint clean, {} templates rendered", rendered.len());
        files.push(path);
    }
    let kustomize = root.join("deploy/kustomize");
    let mut dirs = vec![kustomize.join("base")];
    for entry in fs::read_dir(kustomize.join("overlays"))? {
        dirs.push(entry?.path());
    }
    for dir in dirs {
        let built = output(Command::new("kubectl").arg("kustomize").arg(&dir))
            .with_context(|| format!("kubectl kustomize {}", dir.display()))?;
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("kustomize");
        let path = tmp.path().join(format!("kustomize-{name}.yaml"));
        fs::write(&path, built)?;
        println!("deploy: kubectl kustomize {}: built", dir.strip_prefix(&root).unwrap_or(&dir).display());
        files.push(path);
    }
    for version in KUBE_VERSIONS {
        run(Command::new(setup::venv_bin("kubernetes-validate"))
            .args(["--strict", "--quiet", "--no-warn", "-k", version])
            .args(&files))
        .with_context(|| format!("kubernetes-validate --strict for Kubernetes {version}"))?;
    }
    println!("deploy: every resource valid (strict) for Kubernetes {}", KUBE_VERSIONS.join(", "));
    check_examples(&root, tmp.path())?;
    run(Command::new(setup::venv_bin("yamllint")).current_dir(&root).args([
        "--strict",
        "-c",
        ".yamllint.yaml",
        "deploy",
        "examples",
    ]))
    .context("yamllint")?;
    println!("deploy: yamllint clean (deploy/, examples/)");
    Ok(())
}

/// The example policies against the RampartPolicy CRD's schema.
fn check_examples(root: &Path, tmp: &Path) -> anyhow::Result<()> {
    let crd_path = root.join(manifests::CHART_CRDS).join(crate::codegen::crds::POLICY_FILE);
    let crd: Value = serde_yaml::from_str(&fs::read_to_string(&crd_path)?)?;
    let schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone();
    if !schema.is_object() {
        bail!("{}: no openAPIV3Schema", crd_path.display());
    }
    let schema_path = tmp.join("rampartpolicy.schema.json");
    fs::write(&schema_path, serde_json::to_vec_pretty(&schema)?)?;
    let mut examples: Vec<_> = fs::read_dir(root.join("examples/policies"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    examples.sort();
    run(Command::new(setup::venv_bin("check-jsonschema"))
        .arg("--schemafile")
        .arg(&schema_path)
        .args(&examples))
    .context("check-jsonschema of the example policies")?;
    println!("deploy: {} example policies match the RampartPolicy CRD's schema", examples.len());
    Ok(())
}
