#!/usr/bin/env python3
"""Structural checks of proc-sentry's deployment artefacts (run by scripts/check-deploy.sh).

The ecosystem checkers (systemd-analyze, hadolint, yamllint, kubernetes-validate, promtool) check
each file's syntax and schema; this script checks what none of them can: that the files agree
with each other and with the exporter (capabilities, mounts and flags, labels and selectors,
the port named "metrics", the metric names the alerts use, the commands DEPLOYMENT.md shows), and
the Prometheus Operator resources, for which kubernetes-validate has no schema: those are
validated against models generated from the operator's CRDs (cloudcoil), unknown fields
included. Prints one line per check; exits 1 after listing every failure.
"""
import re
import shlex
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CAPS = {"SYS_PTRACE", "DAC_READ_SEARCH"}   # see Dockerfile: both are needed, nothing else
PROCFS_FLAG, PASSWD_FLAG = "--path.procfs=/host/proc", "--path.passwd=/host/etc/passwd"
SYSFS_FLAG = "--path.sysfs=/host/sys"   # containers' cgroup CPU: the host's /sys/fs/cgroup below it
FLAGS = [PROCFS_FLAG, PASSWD_FLAG, SYSFS_FLAG]
failures = []


def check(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)
    return ok


def load(path):
    return yaml.safe_load(path.read_text())


def section(title):
    print(f"- {title}")


# ---- systemd ---------------------------------------------------------------------------------
def unit_settings(path):
    settings = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


section("deploy/systemd/proc-sentry.service")
unit = unit_settings(DEPLOY / "systemd/proc-sentry.service")
get = lambda key: " ".join(unit.get(key, []))
check(get("ExecStart").split()[0] == "/usr/local/bin/sentry-exporter", "ExecStart runs /usr/local/bin/sentry-exporter")
check(get("DynamicUser") == "yes" or get("User") == "proc-sentry", "runs as an unprivileged user (DynamicUser=yes or User=proc-sentry)")
for key in ("AmbientCapabilities", "CapabilityBoundingSet"):
    caps = {c.removeprefix("CAP_") for c in get(key).split()}
    check(caps == CAPS, f"{key} is exactly {sorted(CAPS)} (got {sorted(caps)})")
required = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
    "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX AF_NETLINK", "MemoryDenyWriteExecute": "yes",
    "LockPersonality": "yes", "SystemCallArchitectures": "native", "Restart": "on-failure",
    "PrivateDevices": "yes", "ProtectKernelLogs": "yes", "ProtectClock": "yes", "ProtectHostname": "yes",
    "RestrictNamespaces": "yes", "RestrictRealtime": "yes", "RestrictSUIDSGID": "yes",
}
for key, value in required.items():
    check(get(key) == value, f"{key}={value}")
filters = unit.get("SystemCallFilter", [])
check("@system-service" in filters, "SystemCallFilter=@system-service (an allow list)")
check(any(f.startswith("~") and "@debug" in f.split() + [f[1:].split()[0]] for f in filters),
      "SystemCallFilter=~... denies @debug (ptrace(): the capability only opens /proc files)")
# These would hide the processes the exporter exists to see (or void its capabilities).
for key, bad in {"ProtectProc": {"invisible", "noaccess", "ptraceable"}, "ProcSubset": {"pid"},
                 "PrivateUsers": {"yes", "true"}, "PrivatePIDs": {"yes"}, "PrivateNetwork": {"yes"}}.items():
    check(get(key) not in bad, f"no {key}={'/'.join(sorted(bad))}")

# ---- Dockerfile ------------------------------------------------------------------------------
section("Dockerfile")
dockerfile = (ROOT / "Dockerfile").read_text()
user = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
check(bool(user) and re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", user[-1]) is not None, f"final USER is numeric and not root ({user[-1:]})")
check(re.search(r"^EXPOSE\s+9105\s*$", dockerfile, re.M) is not None, "EXPOSE 9105")
check(re.search(r'^ENTRYPOINT \["/sentry-exporter"\]\s*$', dockerfile, re.M) is not None, 'ENTRYPOINT ["/sentry-exporter"]')
check(re.search(r'^HEALTHCHECK .*CMD \["/sentry-exporter", "--health-check"\]\s*$', dockerfile.replace("\\\n", " "), re.M) is not None,
      'HEALTHCHECK CMD ["/sentry-exporter", "--health-check"] (the image has no shell)')
stages = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
check(len(stages) >= 2 and stages[-1] == "scratch", f"multi-stage, the image itself FROM scratch (got {stages[-1:]})")
# The image builds with the Makefile's release command, which links the Swift libraries statically.
makefile = (ROOT / "Makefile").read_text()
check(re.search(r"^RUN make build PROGRAMS=sentry-exporter\b", dockerfile, re.M) is not None
      and re.search(r"^RELEASE := \$\(SWIFT\) build -c release\s*$", makefile, re.M) is not None
      and "-static-executable" in (ROOT / "Package.swift").read_text(),
      "builds sentry-exporter with the Makefile's release build (static: Package.swift's -static-executable)")
setcap = re.search(r"setcap (\S+)=ep /staging/sentry-exporter", dockerfile)
file_caps = {c.removeprefix("cap_").upper() for c in setcap.group(1).split(",")} if setcap else set()
check(file_caps == CAPS, f"file capabilities are exactly {sorted(CAPS)} (got {sorted(file_caps)})")
ignore = (ROOT / ".dockerignore").read_text().split()
check("*" in ignore and "**/.build" in ignore, ".dockerignore excludes everything but the sources, and .build")

# ---- Compose ---------------------------------------------------------------------------------
section("deploy/docker-compose.yml")
compose = load(DEPLOY / "docker-compose.yml")
service = (compose.get("services") or {}).get("proc-sentry") or {}
check(bool(service), "service proc-sentry")
check(service.get("pid") == "host", "pid: host")
check(service.get("cap_drop") == ["ALL"], "cap_drop: [ALL]")
check(set(service.get("cap_add", [])) == CAPS, f"cap_add is exactly {sorted(CAPS)}")
check(service.get("read_only") is True, "read_only: true")
check(re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", str(service.get("user", ""))) is not None, "numeric non-root user")
check("9105:9105" in service.get("ports", []), 'ports: "9105:9105"')
mounts = {(v.get("source"), v.get("target"), v.get("read_only")) for v in service.get("volumes", []) if isinstance(v, dict)}
check(("/proc", "/host/proc", True) in mounts, "/proc mounted read-only at /host/proc")
check(("/etc/passwd", "/host/etc/passwd", True) in mounts, "/etc/passwd mounted read-only at /host/etc/passwd")
check(("/sys/fs/cgroup", "/host/sys/fs/cgroup", True) in mounts, "/sys/fs/cgroup mounted read-only at /host/sys/fs/cgroup")
check(service.get("cgroup") == "host", "cgroup: host (the host's cgroup paths)")
check(service.get("command") == FLAGS, f"command: {' '.join(FLAGS)}")

# ---- Kubernetes ------------------------------------------------------------------------------
def kustomization_lists_every_file(directory):
    kustomization = load(directory / "kustomization.yaml")
    listed = [r for r in kustomization.get("resources", []) if not r.startswith("..")]
    listed += [p["path"] for p in kustomization.get("patches", []) if "path" in p]
    files = sorted(p.name for p in directory.glob("*.yaml") if p.name != "kustomization.yaml")
    check(sorted(listed) == files, f"{directory.relative_to(ROOT)}/kustomization.yaml lists exactly its manifests {files} (lists {sorted(listed)})")
    return kustomization


def docs_by_kind(directory):
    docs = {}
    for path in sorted(directory.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and "$patch" not in doc:
                docs[doc["kind"]] = doc
    return docs


def validate_crd(model, doc, label):
    """Validates against the operator's generated model and rejects fields the model does not
    know (pydantic ignores them, the API server would prune or reject them)."""
    try:
        parsed = model.model_validate(doc)
    except Exception as error:  # pydantic.ValidationError
        check(False, f"{label} matches the Prometheus Operator CRD schema: {error}")
        return
    known = parsed.model_dump(by_alias=True, exclude_unset=True, mode="json")

    def unknown(given, dumped, path):
        if isinstance(given, dict) and isinstance(dumped, dict):
            for key, value in given.items():
                if key not in dumped:
                    yield f"{path}.{key}".lstrip(".")
                else:
                    yield from unknown(value, dumped[key], f"{path}.{key}")
        elif isinstance(given, list) and isinstance(dumped, list):
            for index, (a, b) in enumerate(zip(given, dumped)):
                yield from unknown(a, b, f"{path}[{index}]")

    extra = list(unknown(doc, known, ""))
    check(not extra, f"{label} matches the Prometheus Operator CRD schema, no unknown field {extra or ''}")


from cloudcoil.models.prometheus_operator.v1 import PodMonitor, ServiceMonitor  # noqa: E402

section("deploy/kubernetes")
base = kustomization_lists_every_file(DEPLOY / "kubernetes")
docs = docs_by_kind(DEPLOY / "kubernetes")
namespace = base.get("namespace")
check(namespace == docs.get("Namespace", {}).get("metadata", {}).get("name"), f"kustomization namespace {namespace!r} is the Namespace's")
ds = docs.get("DaemonSet", {})
pod = ds.get("spec", {}).get("template", {})
pod_labels = pod.get("metadata", {}).get("labels", {})
pod_spec = pod.get("spec", {})
check(ds.get("spec", {}).get("selector", {}).get("matchLabels", {}).items() <= pod_labels.items(), "DaemonSet selector matches its pod labels")
check(pod_spec.get("hostPID") is True, "hostPID: true")
psc = pod_spec.get("securityContext", {})
check(psc.get("runAsNonRoot") is True, "runAsNonRoot: true")
check(isinstance(psc.get("runAsUser"), int) and psc["runAsUser"] > 0, "numeric non-root runAsUser")
check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "seccompProfile RuntimeDefault")
check({"operator": "Exists"} in pod_spec.get("tolerations", []), "tolerates every taint (operator: Exists)")
containers = pod_spec.get("containers", [])
check(len(containers) == 1, "one container")
container = containers[0] if containers else {}
csc = container.get("securityContext", {})
check(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation: false")
check(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem: true")
check(csc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities drop [ALL]")
check(set(csc.get("capabilities", {}).get("add", [])) == CAPS, f"capabilities add exactly {sorted(CAPS)}")
check({"name": "metrics", "containerPort": 9105, "protocol": "TCP"} in container.get("ports", []), "container port metrics = 9105")
for probe in ("livenessProbe", "readinessProbe"):
    check(container.get(probe, {}).get("httpGet", {}).get("port") == "metrics", f"{probe} httpGet on port metrics")
check(any(e.get("name") == "TOP_N" for e in container.get("env", [])), "env TOP_N")
resources = container.get("resources", {})
check(all(k in resources.get(kind, {}) for kind in ("requests", "limits") for k in ("cpu", "memory")), "cpu and memory requests and limits")
check(container.get("args") == FLAGS, f"args: {' '.join(FLAGS)}")
volumes = {v["name"]: v.get("hostPath", {}).get("path") for v in pod_spec.get("volumes", [])}
mounts = {(volumes.get(m["name"]), m["mountPath"], m.get("readOnly")) for m in container.get("volumeMounts", [])}
check(("/proc", "/host/proc", True) in mounts, "host /proc mounted read-only at /host/proc")
check(("/etc/passwd", "/host/etc/passwd", True) in mounts, "host /etc/passwd mounted read-only at /host/etc/passwd")
check(("/sys/fs/cgroup", "/host/sys/fs/cgroup", True) in mounts, "host /sys/fs/cgroup mounted read-only at /host/sys/fs/cgroup")

svc = docs.get("Service", {})
check(svc.get("spec", {}).get("clusterIP") == "None", "Service is headless (clusterIP: None)")
check(svc.get("spec", {}).get("selector", {}).items() <= pod_labels.items() and svc["spec"]["selector"], "Service selects the DaemonSet's pods")
check(any(p.get("name") == "metrics" and p.get("port") == 9105 for p in svc.get("spec", {}).get("ports", [])), "Service port metrics = 9105")


def check_monitor(doc, kind, endpoints_key, target_labels, target, model):
    label = f"{kind} {doc.get('metadata', {}).get('name')}"
    check(doc.get("apiVersion") == "monitoring.coreos.com/v1", f"{kind} apiVersion monitoring.coreos.com/v1")
    check(bool(doc.get("metadata", {}).get("name")), f"{kind} metadata.name")
    selector = doc.get("spec", {}).get("selector", {}).get("matchLabels", {})
    check(bool(selector) and selector.items() <= target_labels.items(), f"{kind} selector.matchLabels {selector} matches the {target}'s labels")
    endpoints = doc.get("spec", {}).get(endpoints_key, [])
    check(bool(endpoints) and all(e.get("port") == "metrics" and e.get("path") == "/metrics" for e in endpoints),
          f"{kind} {endpoints_key}[]: port metrics, path /metrics")
    validate_crd(model, doc, label)


check_monitor(docs.get("ServiceMonitor", {}), "ServiceMonitor", "endpoints", svc.get("metadata", {}).get("labels", {}), "Service", ServiceMonitor)

section("deploy/kubernetes-podmonitor")
kustomization_lists_every_file(DEPLOY / "kubernetes-podmonitor")
check_monitor(docs_by_kind(DEPLOY / "kubernetes-podmonitor").get("PodMonitor", {}), "PodMonitor", "podMetricsEndpoints", pod_labels, "DaemonSet pods", PodMonitor)

# ---- Prometheus ------------------------------------------------------------------------------
section("deploy/prometheus")
# The metric families are defined in Sources/SentryCore/Exposition (Exposition.swift, FigureFamily.swift).
exposition = "".join(path.read_text() for path in sorted((ROOT / "Sources/SentryCore/Exposition").glob("*.swift")))
readme = (ROOT / "README.md").read_text()
rules = load(DEPLOY / "prometheus/rules.yml")
alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
for rule in alerts:
    for metric in sorted(set(re.findall(r"\bproc_[a-z_]+", rule["expr"]))):
        check(f'"{metric}"' in exposition and metric in readme, f"{rule['alert']}: {metric} is a metric the exporter serves (SentryCore/Exposition, README)")
    for job in re.findall(r'job="([^"]+)"', rule["expr"]):
        check(job == "proc-sentry", f"{rule['alert']}: job {job!r} is the scrape job")
tested = {t["alertname"] for test in load(DEPLOY / "prometheus/rules_test.yml")["tests"] for t in test.get("alert_rule_test", [])}
check(tested == {r["alert"] for r in alerts}, f"rules_test.yml tests every alert (untested: {sorted({r['alert'] for r in alerts} - tested)})")
for name in ("prometheus.yml", "prometheus-kubernetes.yml"):
    jobs = [s["job_name"] for s in load(DEPLOY / "prometheus" / name)["scrape_configs"]]
    check(jobs == ["proc-sentry"], f"{name}: one scrape job, proc-sentry")
k8s_job = load(DEPLOY / "prometheus/prometheus-kubernetes.yml")["scrape_configs"][0]
sd = k8s_job["kubernetes_sd_configs"][0]
check(sd.get("role") == "pod" and sd.get("namespaces", {}).get("names") == [namespace], f"kubernetes_sd: pods of namespace {namespace}")
keeps = {tuple(r["source_labels"]): r["regex"] for r in k8s_job["relabel_configs"] if r.get("action") == "keep"}
check(keeps.get(("__meta_kubernetes_pod_label_app_kubernetes_io_name",)) == pod_labels.get("app.kubernetes.io/name"), "kubernetes_sd keeps the DaemonSet's pods by label")
check(keeps.get(("__meta_kubernetes_pod_container_port_name",)) == "metrics", "kubernetes_sd keeps the port named metrics")

# ---- DEPLOYMENT.md ---------------------------------------------------------------------------
section("DEPLOYMENT.md")
deployment = (ROOT / "DEPLOYMENT.md").read_text()
run = re.search(r"^docker run .*?(?<!\\)$", deployment, re.M | re.S)
if check(run is not None, "shows a docker run command"):
    words = shlex.split(run.group(0).replace("\\\n", " "))
    for flag in ["--pid=host", "--read-only", "-p", "9105:9105", "-v", "/proc:/host/proc:ro",
                 "/etc/passwd:/host/etc/passwd:ro", PROCFS_FLAG, PASSWD_FLAG] + [f"{c}" for c in sorted(CAPS)]:
        check(flag in words, f"docker run has {flag}")
    added = {words[i + 1] for i, w in enumerate(words[:-1]) if w == "--cap-add"}
    check(added == CAPS, f"docker run adds exactly {sorted(CAPS)}")
for command in ("kubectl apply -k deploy/kubernetes", "docker compose -f deploy/docker-compose.yml up -d",
                "sudo make install", "deploy/systemd/proc-sentry.service", "promtool test rules deploy/prometheus/rules_test.yml"):
    check(command in deployment, f"shows `{command}`")
for path in sorted(set(re.findall(r"\b(deploy/[\w./-]+[\w])", deployment))):
    check((ROOT / path).exists(), f"{path} (named in DEPLOYMENT.md) exists")

if failures:
    print(f"check-deploy-structure: {len(failures)} check(s) failed:", file=sys.stderr)
    for failure in failures:
        print(f"  - {failure}", file=sys.stderr)
    sys.exit(1)
print("check-deploy-structure: every structural check passed")
