#!/usr/bin/env bash
# The benchmark's own workload, used only when ../shared/bench/workload.sh is absent:
#
#   WL_STATE=DIR bench/workload-lite.sh start K   K idle `sleep`s, a CPU burner (python3, else sh),
#                                                 a 200 MiB memory holder (python3) and a dd+fsync writer
#   WL_STATE=DIR bench/workload-lite.sh stop      kills exactly the PIDs it recorded
#
# Same interface as the shared workload.sh, so bench/run.sh can use either.
set -euo pipefail

state=${WL_STATE:-/tmp/proc-sentry-workload-lite}
mkdir -p "$state"
pids_file=$state/pids

# A busy loop at about half a core: busy 50 ms, idle 50 ms, so the machine stays usable.
start_burner() {
    if command -v python3 >/dev/null; then
        python3 -c '
import time
while True:
    end = time.monotonic() + 0.05
    while time.monotonic() < end: pass
    time.sleep(0.05)' </dev/null >/dev/null 2>&1 &
    else
        sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
    fi
    echo $! >>"$pids_file"
}

# Holds 200 MiB of touched memory, so the memory list has an obvious leader.
start_memory_holder() {
    command -v python3 >/dev/null || return 0
    python3 -c '
import time
block = bytearray(200 * 1024 * 1024)
for i in range(0, len(block), 4096): block[i] = 1
time.sleep(1e9)' </dev/null >/dev/null 2>&1 &
    echo $! >>"$pids_file"
}

# Writes and fsyncs 256 KiB every 100 ms into one file it keeps rewriting, so the IO list has a leader.
start_writer() {
    local target=$state/writer.data
    sh -c "while :; do dd if=/dev/zero of='$target' bs=256k count=1 conv=fsync status=none; sleep 0.1; done" </dev/null >/dev/null 2>&1 &
    echo $! >>"$pids_file"
}

start() {
    local k=$1
    : >"$pids_file"
    for _ in $(seq "$k"); do
        # Not holding the caller's stdout open, so `$(workload-lite.sh start K)` returns.
        sleep 1000000 </dev/null >/dev/null 2>&1 &
        echo $! >>"$pids_file"
    done
    start_burner
    start_memory_holder
    start_writer
    sleep 1  # the memory holder touches its pages
    echo "workload-lite up: $k sleeps + burner, memory holder, writer; procs_in_/proc=$(ls /proc | grep -c '^[0-9]')"
}

stop() {
    [ -s "$pids_file" ] || { echo "no workload"; return 0; }
    # Children of the writer loop (dd) end with their next iteration; the loop itself is killed here.
    xargs kill <"$pids_file" 2>/dev/null || true
    rm -f "$pids_file" "$state/writer.data"
    echo "workload-lite stopped"
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) stop ;;
    *) echo "usage: $0 start K | stop" >&2; exit 2 ;;
esac
