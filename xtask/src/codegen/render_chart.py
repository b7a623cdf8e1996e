# Render the Helm chart offline with Helm's own engine (PyPI helm-python-sdk), or lint it.
# argv: render CHART RELEASE NAMESPACE VALUES_JSON  -> {template path: YAML} as JSON on stdout
#       lint CHART VALUES_JSON KUBE_VERSION          -> helm lint's report as JSON on stdout
import json
import sys

from helm_python import Chart, lint

mode, chart = sys.argv[1], sys.argv[2]
if mode == "render":
    release, namespace, values = sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
    out = Chart.load(chart).render(values, name=release, namespace=namespace, is_install=True)
    json.dump(out, sys.stdout)
elif mode == "lint":
    values, kube = json.loads(sys.argv[3]), sys.argv[4]
    json.dump(lint(chart, values, strict=True, kube_version=kube), sys.stdout)
else:
    sys.exit(f"unknown mode {mode}")
