#!/usr/bin/env bash
# Checks every deployment artefact with its ecosystem's own checker, and their agreement with
# each other (scripts/check-deploy-structure.py). See DEPLOYMENT.md, "Checks".
#
# Needs the Debian packages of scripts/install-deps.sh (systemd, prometheus, python3-venv,
# curl, apparmor); installs its PyPI tools (deploy/requirements-check.txt) in .build-deploy-venv/
# (override with DEPLOY_VENV). The image itself is built and run by scripts/check-image.sh.
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

# apparmor_parser is in /usr/sbin, which a non-root user's PATH may lack.
PATH=$PATH:/usr/sbin
for tool in systemd-analyze promtool python3 curl apparmor_parser; do
    command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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

# ---- AppArmor
# Compiled, not loaded (-Q; -K: no cache): a build machine's kernel may have no AppArmor, so
# nothing here enforces the profile. It is compiled for the kernel features the apparmor
# package pins policy to (-M), and a rule such a kernel would not enforce fails the check. Its
# name is the one the unit, DEPLOYMENT.md and the container runtimes use; it grants exactly the
# two capabilities; and a copy with a syntax error must fail, so the check is known to bite.
check_apparmor() {
    local profile=deploy/apparmor/sentry-exporter features=/usr/share/apparmor-features/features
    local compile=(apparmor_parser -Q -K -M "$features" --warn=rule-not-enforced --Werror=rule-not-enforced)
    local names caps ok=0
    "${compile[@]}" "$profile" || { echo "    apparmor_parser rejects $profile" >&2; return 1; }
    names=$(apparmor_parser -N -M "$features" "$profile") || return 1
    [ "$names" = sentry-exporter ] \
        || { echo "    profile names: $names (expected sentry-exporter alone)" >&2; ok=1; }
    caps=$(sed -nE 's/^[[:space:]]*capability[[:space:]]+([a-z_]+),.*/\1/p' "$profile" | sort | paste -sd ' ')
    [ "$caps" = "dac_read_search sys_ptrace" ] \
        || { echo "    capabilities granted: $caps (expected dac_read_search sys_ptrace)" >&2; ok=1; }
    grep -qx 'AppArmorProfile=-sentry-exporter' deploy/systemd/proc-sentry.service \
        || { echo "    deploy/systemd/proc-sentry.service has no AppArmorProfile=-sentry-exporter" >&2; ok=1; }
    mkdir -p "$work/apparmor"
    { cat "$profile"; echo "}"; } > "$work/apparmor/broken"   # one closing brace too many
    if "${compile[@]}" "$work/apparmor/broken" 2>/dev/null; then
        echo "    apparmor_parser accepts a copy with a syntax error: it checks nothing" >&2; ok=1
    else
        echo "    a copy with a syntax error is rejected, as it must be"
    fi
    return $ok
}
step "apparmor_parser deploy/apparmor/sentry-exporter (compiled, not loaded)" check_apparmor

# ---- Dockerfile
step "hadolint Dockerfile" "$venv/bin/hadolint" Dockerfile


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
