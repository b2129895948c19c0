#!/usr/bin/env bash
# Checks every deployment artefact with its ecosystem's own checker, and their agreement with
# each other (scripts/check-deploy-structure.py). See DEPLOYMENT.md, "Checks".
#
# Needs the Debian packages of scripts/install-deps.sh (systemd, prometheus, python3-venv,
# curl); installs its PyPI tools (deploy/requirements-check.txt) in .build-deploy-venv/
# (override with DEPLOY_VENV). The HEALTHCHECK test runs an exporter: $SENTRY_EXPORTER, or
# .build/{release,debug}/sentry-exporter, or one it builds (swift build).
# Runs every check, then exits 1 listing the ones that failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

failed=()
step() {  # step DESCRIPTION COMMAND...: runs one check, records a failure
    local description=$1; shift
    echo "==> $description"
    if "$@"; then
        echo "    ok: $description"
    else
        echo "    FAILED: $description" >&2
        failed+=("$description")
    fi
}
die() { echo "check-deploy: $*" >&2; exit 1; }

for tool in systemd-analyze promtool python3 curl; do
    command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh"
done

work=$(mktemp -d)
exporter_pid=""
cleanup() {
    [ -n "$exporter_pid" ] && kill "$exporter_pid" 2>/dev/null && wait "$exporter_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# ---- PyPI tools, in a private venv (reused while deploy/requirements-check.txt is unchanged)
venv=${DEPLOY_VENV:-$root/.build-deploy-venv}
requirements=deploy/requirements-check.txt
stamp="$venv/requirements.sha256"
if ! sha256sum --status -c "$stamp" 2>/dev/null; then
    echo "==> installing $requirements into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" || die "python3 -m venv failed: install python3-venv (scripts/install-deps.sh)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" \
        || die "pip install -r $requirements failed"
    sha256sum "$requirements" > "$stamp"
fi
py=$venv/bin/python

# ---- systemd
# systemd-analyze verify fails when ExecStart's binary does not exist, and a build machine has
# no /usr/local/bin/sentry-exporter: verify a copy whose ExecStart names /bin/true instead
# (nothing else changes). verify reports unknown keys and bad values only as warnings, with
# exit code 0, so any output is a failure too.
check_unit() {
    local copy="$work/systemd/proc-sentry.service" output
    mkdir -p "$work/systemd"
    sed 's#^ExecStart=/usr/local/bin/sentry-exporter #ExecStart=/bin/true #' \
        deploy/systemd/proc-sentry.service > "$copy"
    grep -q '^ExecStart=/bin/true ' "$copy" || { echo "    ExecStart is not /usr/local/bin/sentry-exporter ..." >&2; return 1; }
    output=$(systemd-analyze verify "$copy" 2>&1) || { echo "$output" >&2; return 1; }
    [ -z "$output" ] || { echo "$output" >&2; return 1; }
}
step "systemd-analyze verify deploy/systemd/proc-sentry.service" check_unit
# Exposure 2.0 ("OK") today; 20 = 2.0: a weakened sandbox fails.
step "systemd-analyze security --offline=true --threshold=20 (exposure at most 2.0)" \
    bash -c 'systemd-analyze security --offline=true --threshold=20 "$1" | tail -n 1' _ "$work/systemd/proc-sentry.service"

# ---- Dockerfile
step "hadolint Dockerfile" "$venv/bin/hadolint" Dockerfile

# The HEALTHCHECK's own command (from the Dockerfile, port changed to a free one) must pass
# against a running exporter and fail against a closed port and a path that answers 404.
find_exporter() {
    local candidate
    for candidate in "${SENTRY_EXPORTER:-}" .build/release/sentry-exporter .build/debug/sentry-exporter; do
        [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return; }
    done
    swift build --product sentry-exporter >&2 && echo ".build/debug/sentry-exporter"
}
check_healthcheck() {
    local exporter port closed_port
    mapfile -t health < <("$py" - <<'PY'
import json, re
text = open("Dockerfile").read().replace("\\\n", " ")
command = json.loads(re.search(r"^HEALTHCHECK .*?CMD (\[.*\])\s*$", text, re.M).group(1))
print(*command, sep="\n")
PY
    ) || { echo "    no HEALTHCHECK CMD [...] in the Dockerfile" >&2; return 1; }
    [ "${#health[@]}" -eq 3 ] && [[ ${health[2]} == *"/dev/tcp/127.0.0.1/9105"* ]] \
        || { echo "    HEALTHCHECK is not [\"/bin/bash\", \"-c\", \"... /dev/tcp/127.0.0.1/9105 ...\"]" >&2; return 1; }
    exporter=$(find_exporter) || { echo "    no sentry-exporter binary, and swift build failed" >&2; return 1; }
    read -r port closed_port < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
    "$exporter" --web.listen-address "127.0.0.1:$port" --scan.interval 1s 2> "$work/exporter.log" &
    exporter_pid=$!
    for _ in $(seq 1 100); do
        grep -q 'Starting proc-sentry' "$work/exporter.log" && break
        kill -0 "$exporter_pid" 2>/dev/null || break
        sleep 0.1
    done
    grep -q 'Starting proc-sentry' "$work/exporter.log" || { cat "$work/exporter.log" >&2; return 1; }
    local ok=0
    if "${health[0]}" "${health[1]}" "${health[2]//\/9105//$port}"; then
        echo "    HEALTHCHECK passes against the exporter on 127.0.0.1:$port"
    else
        echo "    HEALTHCHECK fails against a running exporter" >&2; ok=1
    fi
    if "${health[0]}" "${health[1]}" "${health[2]//\/9105//$closed_port}" 2>/dev/null; then
        echo "    HEALTHCHECK passes against a closed port" >&2; ok=1
    else
        echo "    HEALTHCHECK fails against a closed port, as it must"
    fi
    local not_found=${health[2]//\/9105//$port}
    if "${health[0]}" "${health[1]}" "${not_found//\/metrics//no-such-path}"; then
        echo "    HEALTHCHECK passes on a 404 path: it does not check the status" >&2; ok=1
    else
        echo "    HEALTHCHECK fails on a path that answers 404, as it must"
    fi
    kill "$exporter_pid"; wait "$exporter_pid" 2>/dev/null; exporter_pid=""
    return $ok
}
step "Dockerfile HEALTHCHECK command against a real exporter" check_healthcheck

# ---- YAML: Compose, Kubernetes, Prometheus
step "yamllint --strict deploy/ (deploy/yamllint.yaml)" \
    "$venv/bin/yamllint" --strict -c deploy/yamllint.yaml deploy/

# kubernetes-validate has no schema for Kustomization, ServiceMonitor or PodMonitor (it only
# warns about them): it validates the core resources; the others are checked by
# check-deploy-structure.py.
check_core_manifests() {
    local output
    output=$("$venv/bin/kubernetes-validate" --strict "$@" 2>&1); local status=$?
    echo "$output"
    [ $status -eq 0 ] && [ "$(grep -c ' passed for resource ' <<<"$output")" -eq $# ]
}
step "kubernetes-validate --strict (Kubernetes 1.37) namespace, DaemonSet, Service" \
    check_core_manifests deploy/kubernetes/namespace.yaml deploy/kubernetes/daemonset.yaml \
    deploy/kubernetes/service.yaml

if command -v kubectl >/dev/null; then
    for kustomization in deploy/kubernetes deploy/kubernetes-podmonitor; do
        step "kubectl kustomize $kustomization" \
            bash -c 'kubectl kustomize "$1" > /dev/null' _ "$kustomization"
    done
else
    echo "==> kubectl kustomize: skipped, kubectl is not installed (the structural check still checks the kustomizations)"
fi

# ---- Prometheus
step "promtool check rules deploy/prometheus/rules.yml" promtool check rules deploy/prometheus/rules.yml
step "promtool test rules deploy/prometheus/rules_test.yml" promtool test rules deploy/prometheus/rules_test.yml
step "promtool check config deploy/prometheus/prometheus.yml" promtool check config deploy/prometheus/prometheus.yml
# Debian's promtool is built without Kubernetes service discovery ("field
# kubernetes_sd_configs not found"): check a copy whose kubernetes_sd_configs becomes an
# empty static_configs, so the rest (relabelling, rule files) is still promtool's to judge;
# check-deploy-structure.py checks the discovery block itself.
check_kubernetes_config() {
    mkdir -p "$work/prometheus"
    cp deploy/prometheus/rules.yml "$work/prometheus/"
    "$py" - "$work/prometheus/prometheus-kubernetes.yml" <<'PY' || return 1
import sys, yaml
config = yaml.safe_load(open("deploy/prometheus/prometheus-kubernetes.yml"))
for job in config["scrape_configs"]:
    assert job.pop("kubernetes_sd_configs"), "no kubernetes_sd_configs"
    job["static_configs"] = [{"targets": []}]
yaml.safe_dump(config, open(sys.argv[1], "w"))
PY
    promtool check config "$work/prometheus/prometheus-kubernetes.yml"
}
step "promtool check config deploy/prometheus/prometheus-kubernetes.yml (discovery replaced)" check_kubernetes_config

# ---- What the files must agree on, and the Prometheus Operator resources
step "scripts/check-deploy-structure.py" "$py" scripts/check-deploy-structure.py

if [ ${#failed[@]} -gt 0 ]; then
    echo >&2
    echo "check-deploy: ${#failed[@]} check(s) FAILED:" >&2
    printf '  - %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "check-deploy: all deployment checks passed"
