#!/usr/bin/env bash
# Builds the container image from the Dockerfile with podman and runs it as DEPLOYMENT.md says,
# against this host's processes and a real container. See DEPLOYMENT.md, "Checks".
#
#   scripts/check-image.sh
#
# What it checks:
# - the image: FROM scratch, one layer holding only /sentry-exporter (mode 0755, the file
#   capabilities cap_sys_ptrace and cap_dac_read_search in its extended attributes), USER
#   65534:65534, ENTRYPOINT, EXPOSE 9105, HEALTHCHECK; its sizes, uncompressed and gzip-compressed;
# - the compile stage's COPY lines get what they need through .dockerignore;
# - DEPLOYMENT.md's `docker run` line, run by podman: the exporter runs as 65534 with both
#   capabilities effective, a burner started here as another user shows in the CPU list with
#   that user's name, the HEALTHCHECK passes (and its command fails against a closed port);
# - a second, busy container (a static busybox looping, in its own scratch image): its process
#   has the container_id podman reports, and per-container series exist for that ID.
# Every container and image it made is removed again, and its podman storage with them.
#
# The Swift base image cannot be pulled on the test machines, so the image takes a prebuilt
# binary (--build-arg EXPORTER_FROM=prebuilt, see Dockerfile): the release build of
# `make build`, stripped and capability-stamped here as the compile stage does.
#
# Test-host facts, not advice for users' hosts (DEPLOYMENT.md is that): its own vfs storage (no
# overlay mounts), runc (crun refuses cgroup v1 hybrid hosts), cgroupfs (no systemd), and a
# containers.conf without default ulimits (podman's cannot be set in this sandbox).
#
# Needs podman, runc, busybox-static, libcap2-bin, curl, python3 (scripts/install-deps.sh); root.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "check-image: FAIL: $*" >&2; exit 1; }
say() { echo "check-image: $*"; }

for tool in podman runc busybox setcap curl python3 strip; do
    command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/install-deps.sh"
done
[ "$(id -u)" -eq 0 ] || fail "podman's host PID namespace and file capabilities need root"
busybox_path=$(command -v busybox)
readelf --program-headers "$busybox_path" | grep -q INTERP && fail "$busybox_path is not static: install busybox-static"

work=$(mktemp -d)
tag="check-$$"
image="localhost/proc-sentry:$tag"
burner_image="localhost/proc-sentry-burner:$tag"
copies_image="localhost/proc-sentry-copies:$tag"
exporter_name="proc-sentry-$tag"
burner_name="proc-sentry-burner-$tag"
host_burner=""
printf '[containers]\ndefault_ulimits = []\n' > "$work/containers.conf"
export CONTAINERS_CONF="$work/containers.conf"
pod=(podman --root "$work/storage" --runroot "$work/run" --storage-driver vfs --runtime runc --cgroup-manager cgroupfs)
cleanup() {
    set +e  # every step runs, whatever failed before it
    [ -n "$host_burner" ] && kill "$host_burner" 2>/dev/null
    "${pod[@]}" rm --ignore --force --time 0 "$exporter_name" "$burner_name" >/dev/null 2>&1
    "${pod[@]}" rmi --ignore --force "$image" "$burner_image" "$copies_image" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the image
say "make build PROGRAMS=sentry-exporter"
make --no-print-directory build PROGRAMS=sentry-exporter >/dev/null
mkdir -p "$work/context/prebuilt"
binary="$work/context/prebuilt/sentry-exporter"
strip -o "$binary" .build/release/sentry-exporter
setcap cap_sys_ptrace,cap_dac_read_search=ep "$binary"
say "podman build --build-arg EXPORTER_FROM=prebuilt -f Dockerfile"
"${pod[@]}" build --quiet --format docker --build-arg EXPORTER_FROM=prebuilt -f Dockerfile -t "$image" \
    "$work/context" >/dev/null || fail "podman build failed"

"${pod[@]}" save --format docker-archive -o "$work/image.tar" "$image" >/dev/null
python3 - "$work/image.tar" <<'PY' || fail "the image is not what the Dockerfile promises"
import gzip, io, json, struct, sys, tarfile

archive = sys.argv[1]
problems = []
def check(condition, what):
    if not condition:
        problems.append(what)

image = tarfile.open(archive)
manifest = json.load(image.extractfile("manifest.json"))[0]
config = json.load(image.extractfile(manifest["Config"]))["config"]
check(config.get("User") == "65534:65534", f"USER 65534:65534 (got {config.get('User')})")
check(config.get("Entrypoint") == ["/sentry-exporter"], f"ENTRYPOINT /sentry-exporter (got {config.get('Entrypoint')})")
check("9105/tcp" in (config.get("ExposedPorts") or {}), "EXPOSE 9105")
health = (config.get("Healthcheck") or {}).get("Test")
check(health == ["CMD", "/sentry-exporter", "--health-check"], f"HEALTHCHECK (got {health})")

layers = manifest["Layers"]
check(len(layers) == 1, f"one layer (got {len(layers)})")
layer_bytes = image.extractfile(layers[0]).read()
members = tarfile.open(fileobj=io.BytesIO(layer_bytes)).getmembers()
names = [m.name for m in members]
check(names == ["sentry-exporter"], f"the layer holds only sentry-exporter (got {names})")
for member in members:
    check(member.isfile() and member.mode & 0o7777 == 0o755, f"sentry-exporter is a 0755 file (mode {oct(member.mode)})")
    xattr = member.pax_headers.get("SCHILY.xattr.security.capability", "").encode("latin-1")
    check(len(xattr) >= 12, "file capabilities in the layer (security.capability)")
    if len(xattr) >= 12:
        magic, permitted_low = struct.unpack_from("<II", xattr)
        CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE = 2, 19
        check(magic & 1 == 1, "capabilities effective on exec (=ep)")
        check(permitted_low == (1 << CAP_DAC_READ_SEARCH) | (1 << CAP_SYS_PTRACE),
              f"exactly cap_sys_ptrace and cap_dac_read_search (got {permitted_low:#x})")
compressed = len(gzip.compress(layer_bytes))
mb = lambda n: f"{n / 1e6:.1f} MB"
print(f"check-image: image {mb(len(layer_bytes))} uncompressed (layer tar), {mb(compressed)} gzip-compressed")
if problems:
    print("\n".join("  - " + p for p in problems), file=sys.stderr)
    sys.exit(1)
PY

# The compile stage's COPY lines, run FROM scratch on this repository as the context: what
# .dockerignore lets through is what the compile stage needs.
say "the compile stage's COPY lines against .dockerignore"
python3 - "$work/copies.Dockerfile" <<'PY' || fail "cannot read the compile stage's COPY lines"
import re, sys
text = open("Dockerfile").read()
stage = re.search(r"^FROM \S+ AS compile\n(.*?)^FROM ", text, re.M | re.S).group(1)
copies = [line for line in stage.splitlines() if line.startswith("COPY ") and "--from" not in line]
assert copies, "no COPY in the compile stage"
open(sys.argv[1], "w").write("FROM scratch\nWORKDIR /src\n" + "\n".join(copies) + "\n")
PY
"${pod[@]}" build --quiet -f "$work/copies.Dockerfile" -t "$copies_image" . >/dev/null \
    || fail "the compile stage's COPY lines fail on this repository's context (.dockerignore?)"
"${pod[@]}" rmi --force "$copies_image" >/dev/null

# ---- run as DEPLOYMENT.md says
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_line=$(grep -m1 '^docker run -d --name proc-sentry ' DEPLOYMENT.md) || fail "no 'docker run -d --name proc-sentry' line in DEPLOYMENT.md"
read -ra run <<<"$run_line"
for i in "${!run[@]}"; do
    case "${run[$i]}" in
        proc-sentry) run[i]=$([ "${run[i-1]}" = --name ] && echo "$exporter_name" || echo "$image") ;;
        9105:9105) run[i]="127.0.0.1:$port:9105" ;;
    esac
done
[ "${run[0]} ${run[1]}" = "docker run" ] || fail "DEPLOYMENT.md's line does not start with 'docker run'"

# A burner owned by another user (uid 1), under a name of its own.
user_name=$(getent passwd 1 | cut -d: -f1)
setpriv --reuid=1 --regid=1 --clear-groups /usr/bin/python3 -c \
    'open("/proc/self/comm", "w").write("image-burner")
while True: pass' &
host_burner=$!

say "${run[*]/#docker/podman} --scan.interval=1s"
"${pod[@]}" "${run[@]:1}" --scan.interval=1s >/dev/null 2>"$work/run.log" || fail "podman run: $(cat "$work/run.log")"

metrics() { curl -s --max-time 5 "http://127.0.0.1:$port/metrics"; }
wait_for() {  # wait_for DESCRIPTION PATTERN: until a scrape has a line matching PATTERN
    for _ in $(seq 1 40); do
        metrics > "$work/metrics" 2>/dev/null && grep -Eq "$2" "$work/metrics" && return 0
        sleep 0.5
    done
    echo "--- container log:" >&2; "${pod[@]}" logs "$exporter_name" >&2 || true
    fail "$1: no line matching '$2' in the scrape"
}
wait_for "the host burner in the CPU list with its user's name" \
    "^proc_process_top_cpu_percent\\{pid=\"$host_burner\",name=\"image-burner\",user=\"$user_name\",container_id=\"\"\\} ([5-9][0-9]|1[0-9][0-9])"
say "the host burner (pid $host_burner, user $user_name) is in the CPU list"

exporter_pid=$("${pod[@]}" inspect --format '{{.State.Pid}}' "$exporter_name")
status=$(cat "/proc/$exporter_pid/status")
grep -Eq $'^Uid:\t65534\t65534\t65534\t65534$' <<<"$status" || fail "the exporter does not run as 65534: $(grep Uid <<<"$status")"
effective=$(awk '/^CapEff/ {print $2}' <<<"$status")
[ $((16#$effective & 0x80004)) -eq $((0x80004)) ] || fail "cap_sys_ptrace and cap_dac_read_search are not effective (CapEff $effective)"
say "the exporter runs as 65534 with CapEff $effective"

"${pod[@]}" healthcheck run "$exporter_name" >/dev/null 2>&1 || fail "the image's HEALTHCHECK fails on a running exporter"
if "${pod[@]}" exec "$exporter_name" /sentry-exporter --health-check --web.listen-address=127.0.0.1:1 >/dev/null 2>&1; then
    fail "the health check passes against a closed port"
fi
say "HEALTHCHECK passes (and its command fails against a closed port)"

# ---- a real container's ID
mkdir -p "$work/burner"
cp "$busybox_path" "$work/burner/busybox"
printf '%s\n' 'FROM scratch' 'COPY busybox /busybox' 'ENTRYPOINT ["/busybox", "sh", "-c", "while :; do :; done"]' \
    > "$work/burner/Dockerfile"
"${pod[@]}" build --quiet -t "$burner_image" "$work/burner" >/dev/null || fail "cannot build the burner image"
"${pod[@]}" run -d --name "$burner_name" --network none "$burner_image" >/dev/null 2>"$work/run.log" \
    || fail "podman run (burner): $(cat "$work/run.log")"
burner_id=$("${pod[@]}" inspect --format '{{.Id}}' "$burner_name")
burner_pid=$("${pod[@]}" inspect --format '{{.State.Pid}}' "$burner_name")
wait_for "the busy container's process with its container_id" \
    "^proc_process_top_cpu_percent\\{pid=\"$burner_pid\",name=\"busybox\",user=\"root\",container_id=\"$burner_id\"\\} ([5-9][0-9]|1[0-9][0-9])"
wait_for "the busy container's own series" "^proc_container_cpu_percent\\{container_id=\"$burner_id\",pod_uid=\"\"\\} ([5-9][0-9]|1[0-9][0-9])"
wait_for "the busy container's cgroup CPU accounting" "^proc_container_cgroup_cpu_seconds_total\\{container_id=\"$burner_id\",pod_uid=\"\"\\} "
say "container $burner_id (pid $burner_pid) is reported under its own ID, with per-container series"
say "ok"
