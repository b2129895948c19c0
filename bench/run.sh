#!/usr/bin/env bash
# The project's benchmark (issue 5): one command, one markdown table.
#
#   bench/run.sh [--k "500 3000 10000"] [--out FILE] [--quick]
#
# For each K it starts K idle processes plus a CPU burner, a memory holder and a disk writer
# (../shared/bench/workload.sh, else bench/workload-lite.sh), then measures, one after the other
# in the same run so that ratios compare like with like on a noisy machine:
#   - the floor (../shared/bench/floor -m stat, the files the exporter reads on every scan;
#     -m status, which also reads status; and -m cached, which keeps them open);
#   - sentry-exporter (release, --scan.interval 1s): CPU per scan and per process from its own
#     counters, scan wall time, RSS, scrape latency and wrk throughput with and without gzip,
#     bytes and series per scrape, storage bytes written;
#   - allocations per scan and per scrape, in a second exporter under bench/malloc-count.c
#     (the same code linked dynamically, into .build-dynamic, as a static one ignores LD_PRELOAD);
#   - prometheus-process-exporter, if installed, grouping by {{.Comm}};
#   - sentry-top against htop in tmux (bench/tui-cost.sh): CPU, RSS, first complete frame.
# --quick is K=50 with fewer scans and scrapes (about a minute; scripts/check-bench.sh runs it).
# Binds only to 127.0.0.1. Cleans up everything it started, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 [--k \"500 3000 10000\"] [--out FILE] [--quick]" >&2; exit 2; }

ks="500 3000 10000"
ks_given=0
out=""
quick=0
while [ $# -gt 0 ]; do
    case $1 in
        --k) [ $# -ge 2 ] || usage; ks=$2; ks_given=1; shift 2 ;;
        --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
        --quick) quick=1; shift ;;
        -h|--help) usage ;;
        *) usage ;;
    esac
done

# How long each part runs. Full: 30 measured scans, 200 timed scrapes, 20 floor scans a second
# apart (the exporter's pace), 20 s of each TUI. Quick: enough to exercise every part.
if [ "$quick" = 1 ]; then
    [ "$ks_given" = 1 ] || ks=50
    warmup_scans=2; measured_scans=5; timed_scrapes=100; wrk_seconds=1
    alloc_scans=3; pe_scrapes=10; pe_interval=0.2; floor_scans=5; floor_interval_ms=200
    tui_seconds=3; tui_warmup=1
else
    warmup_scans=3; measured_scans=30; timed_scrapes=200; wrk_seconds=5
    alloc_scans=10; pe_scrapes=30; pe_interval=0.5; floor_scans=20; floor_interval_ms=1000
    tui_seconds=20; tui_warmup=3
fi

exporter_binary=.build/release/sentry-exporter
top_binary=.build/release/sentry-top
for binary in "$exporter_binary" "$top_binary"; do
    [ -x "$binary" ] || { echo "bench: no $binary: build the release binaries first with 'make build'" >&2; exit 1; }
done
for tool in python3 curl cc; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done

# Allocations are counted by an LD_PRELOAD shim, which a static executable does not load: so
# by the same code linked against the shared C library (PROC_SENTRY_LINK, see Package.swift).
counting_exporter=.build-dynamic/release/sentry-exporter
echo "bench: building $counting_exporter (linked dynamically, to count its allocations)" >&2
PROC_SENTRY_LINK=dynamic make --no-print-directory build PROGRAMS=sentry-exporter \
    RELEASE_FLAGS="--scratch-path .build-dynamic" >/dev/null
readelf --dynamic "$counting_exporter" | grep -q NEEDED ||
    { echo "bench: $counting_exporter is not dynamically linked (a cached manifest?)" >&2; exit 1; }

shared=../shared/bench
if [ -x "$shared/workload.sh" ]; then workload=$shared/workload.sh; else workload=bench/workload-lite.sh; fi

tmp=$(mktemp -d /tmp/proc-sentry-bench.XXXXXX)
# What the exporter writes (its log on standard error, the allocation counts) goes to tmpfs, so
# it is no storage write of the exporter (write_bytes counts writes to files on disk).
shm=$(mktemp -d /dev/shm/proc-sentry-bench.XXXXXX)
count_file=$shm/malloc-count
exporter_log=$shm/exporter.log
results=$tmp/results.tsv
notes=$tmp/notes
: >"$results"
: >"$notes"
# The shared tools build into /tmp by default; keep their binaries and files in our own folder.
export WL_STATE=$tmp/workload WL_BIN=$tmp/workload-bin WL_IO_DIR=$tmp/io FLOOR_BIN=$tmp/floor-bin/floor
mkdir -p "$WL_IO_DIR"

# PIDs of the exporters we started; a workload is running while workload_up=1.
exporter_pid=""
pe_pid=""
workload_up=0
cleanup() {
    local pid
    for pid in $exporter_pid $pe_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    exporter_pid=""; pe_pid=""
    if [ "$workload_up" = 1 ]; then "$workload" stop >/dev/null 2>&1 || true; workload_up=0; fi
    rm -rf "$tmp" "$shm"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

log() { echo "bench: $*" >&2; }
note() { echo "$*" >>"$notes"; log "$*"; }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }

# A free TCP port on 127.0.0.1 (the kernel picks it; the race until we bind it is harmless here).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Value of an unlabelled sample NAME in the exposition at URL (awk reads to the end, so curl
# never meets a closed pipe).
metric() { curl -sf --max-time 10 "$1" | awk -v name="$2" '$1 == name { value = $2 } END { print value }'; }

rss_mib() { awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"; }
write_bytes() { awk '/^write_bytes:/ { print $2 }' "/proc/$1/io"; }
# Tasks (threads included) that exist now: what K sleepers add to.
tasks_now() { awk '{ split($4, a, "/"); print a[2] }' /proc/loadavg; }

# Waits (at most 60 s) until the exporter at URL has completed at least N scans.
wait_scans() {
    local url=$1 n=$2 scans
    for _ in $(seq 600); do
        scans=$(metric "$url" proc_sentry_scans_total 2>/dev/null || true)
        if [ -n "$scans" ] && [ "${scans%.*}" -ge "$n" ]; then return 0; fi
        sleep 0.1
    done
    log "the exporter at $url did not reach $n scans"; return 1
}

# Starts BINARY (an exporter) on PORT (extra environment in $@, e.g. LD_PRELOAD=...);
# sets exporter_pid.
start_exporter() {
    local binary=$1 port=$2; shift 2
    env "$@" "$binary" --web.listen-address "127.0.0.1:$port" --scan.interval 1s \
        2>>"$exporter_log" &
    exporter_pid=$!
}

stop_exporter() {
    kill "$exporter_pid" 2>/dev/null || true
    wait "$exporter_pid" 2>/dev/null || true
    exporter_pid=""
}

# Largest K this machine allows: pid_max and `ulimit -u` bound all tasks, of which some exist.
check_k() {
    local k=$1 pid_max limit tasks margin=1000
    pid_max=$(cat /proc/sys/kernel/pid_max)
    limit=$(ulimit -u)
    [ "$limit" = unlimited ] && limit=$pid_max
    [ "$limit" -lt "$pid_max" ] || limit=$pid_max
    tasks=$(tasks_now)
    if [ $((k + tasks + margin)) -gt "$limit" ]; then
        note "K=$k skipped: K + $tasks running tasks + $margin margin exceeds min(ulimit -u = $(ulimit -u), pid_max = $pid_max)"
        return 1
    fi
}

# The floor: the same scan in minimal C. Mode stat reads what the exporter reads on every scan
# (stat and io; it reads status only for new processes or a changed UID); status adds status,
# the naive design; cached keeps stat, statm and io open and re-reads them with pread.
measure_floor() {
    local k=$1 mode line
    if [ ! -x "$shared/floor" ]; then
        note "floor skipped: ../shared/bench/floor is absent, so no ratios to the floor"
        return 0
    fi
    for mode in stat status cached; do
        log "K=$k: floor -m $mode -n $floor_scans -i $floor_interval_ms"
        line=$("$shared/floor" -m "$mode" -n "$floor_scans" -i "$floor_interval_ms" | head -n 1)
        record "$k" "floor_${mode}_scan_ms" "$(sed -n 's/.*cpu_us_per_scan=\([0-9.]*\).*/\1/p' <<<"$line" | awk '{ print $1 / 1000 }')"
        record "$k" "floor_${mode}_proc_us" "$(sed -n 's/.*cpu_us_per_proc=\([0-9.]*\).*/\1/p' <<<"$line")"
    done
}

# CPU per scan from the exporter's own counters over measured_scans scans after a warm-up,
# sampling the scan duration once per scan with one plain scrape (what Prometheus would do).
measure_scans() {
    local k=$1 url=$2 body cpu0 scans0 cpu1 scans1 scans last=-1
    wait_scans "$url" "$warmup_scans"
    body=$(curl -sf "$url")
    cpu0=$(awk '$1 == "process_cpu_seconds_total" { print $2 }' <<<"$body")
    scans0=$(awk '$1 == "proc_sentry_scans_total" { print $2 }' <<<"$body")
    log "K=$k: exporter, $measured_scans scans at 1 s"
    : >"$tmp/durations"; : >"$tmp/procs"; : >"$tmp/rss"
    while :; do
        sleep 1
        # Once a second at no particular point of a scan: a single sample may land in one, while
        # the scan's arrays are allocated (most likely at K=10000, where a scan takes 0.16 s).
        rss_mib "$exporter_pid" >>"$tmp/rss"
        body=$(curl -sf "$url")
        scans=$(awk '$1 == "proc_sentry_scans_total" { print $2 }' <<<"$body")
        if [ "$scans" != "$last" ]; then
            awk '$1 == "proc_sentry_scan_duration_seconds" { print $2 * 1000 }' <<<"$body" >>"$tmp/durations"
            awk '$1 == "proc_sentry_processes_scanned" { print $2 }' <<<"$body" >>"$tmp/procs"
            last=$scans
        fi
        [ "$(awk -v a="$scans" -v b="$scans0" -v n="$measured_scans" 'BEGIN { print (a - b >= n) }')" = 1 ] && break
    done
    cpu1=$(awk '$1 == "process_cpu_seconds_total" { print $2 }' <<<"$body")
    scans1=$scans
    local per_scan procs
    per_scan=$(awk -v a="$cpu0" -v b="$cpu1" -v s="$scans0" -v t="$scans1" 'BEGIN { printf "%.4f", (b - a) * 1000 / (t - s) }')
    procs=$(python3 bench/bench.py median "$tmp/procs")
    record "$k" cpu_scan_ms "$per_scan"
    record "$k" procs "$procs"
    record "$k" cpu_proc_us "$(awk -v c="$per_scan" -v p="$procs" 'BEGIN { printf "%.3f", c * 1000 / p }')"
    record "$k" scan_wall_ms "$(python3 bench/bench.py median "$tmp/durations")"
    record "$k" series_exported "$(awk '$1 == "proc_sentry_series_exported" { print $2 }' <<<"$body")"
    record "$k" rss_mib "$(python3 bench/bench.py median "$tmp/rss")"
    record "$k" rss_max_mib "$(sort -n "$tmp/rss" | tail -n 1)"
}

# Scrape latency over one keep-alive connection, plain and gzip; bytes and series per scrape.
measure_scrapes() {
    local k=$1 url=$2 out
    log "K=$k: $timed_scrapes timed scrapes, plain and gzip"
    out=$(python3 bench/bench.py scrape "$url" "$timed_scrapes")
    record "$k" lat_plain_p50 "$(sed -n 's/^p50_ms=//p' <<<"$out")"
    record "$k" lat_plain_p99 "$(sed -n 's/^p99_ms=//p' <<<"$out")"
    record "$k" bytes_plain "$(sed -n 's/^bytes=//p' <<<"$out")"
    record "$k" series "$(sed -n 's/^series=//p' <<<"$out")"
    out=$(python3 bench/bench.py scrape "$url" "$timed_scrapes" --gzip)
    grep -q '^gzip=not-offered' <<<"$out" && note "K=$k: the exporter did not gzip when asked"
    record "$k" lat_gzip_p50 "$(sed -n 's/^p50_ms=//p' <<<"$out")"
    record "$k" lat_gzip_p99 "$(sed -n 's/^p99_ms=//p' <<<"$out")"
    record "$k" bytes_gzip "$(sed -n 's/^bytes=//p' <<<"$out")"
}

# Throughput of /metrics with wrk (one thread, 4 connections: the machine has few cores).
measure_wrk() {
    local k=$1 url=$2 out
    if ! command -v wrk >/dev/null; then
        record "$k" rps_plain skipped; record "$k" rps_gzip skipped
        return 0
    fi
    log "K=$k: wrk ${wrk_seconds}s, plain and gzip"
    out=$(wrk -t1 -c4 -d"${wrk_seconds}s" "$url")
    record "$k" rps_plain "$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
    out=$(wrk -t1 -c4 -d"${wrk_seconds}s" -H 'Accept-Encoding: gzip' "$url")
    record "$k" rps_gzip "$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
}

measure_exporter() {
    local k=$1 port url written0
    port=$(free_port)
    url=http://127.0.0.1:$port/metrics
    start_exporter "$exporter_binary" "$port"
    sleep 0.2
    written0=$(write_bytes "$exporter_pid")
    measure_scans "$k" "$url"
    measure_scrapes "$k" "$url"
    measure_wrk "$k" "$url"
    record "$k" write_bytes "$(( $(write_bytes "$exporter_pid") - written0 ))"
    stop_exporter
    # Warnings (e.g. a scan longer than the interval) explain odd figures: say how many.
    local warnings
    warnings=$(grep -c 'level=warn' "$exporter_log" || true)
    [ "$warnings" = 0 ] || note "K=$k: the exporter logged $warnings warnings, e.g. $(sed -n 's/.*level=warn.*msg="\([^"]*\)".*/\1/p' "$exporter_log" | sort | uniq -c | sort -rn | head -n 1 | sed 's/^ *//')"
    : >"$exporter_log"
}

# Reads the shim's allocation count (SIGUSR2 makes it write the count to count_file).
allocations() {
    : >"$count_file"
    kill -USR2 "$exporter_pid"
    for _ in $(seq 100); do [ -s "$count_file" ] && break; sleep 0.01; done
    cat "$count_file"
}

# Allocations per scrape and per scan in steady state. Readings are taken just after a scan
# ends (so no scan falls between a scrape and its reading); the scrapes that tell the scan
# count allocate too, so allocations per scrape are measured first and subtracted.
measure_allocations() {
    local k=$1 port url shim=$tmp/malloc-count.so
    cc -O2 -shared -fPIC -o "$shim" bench/malloc-count.c
    port=$(free_port)
    url=http://127.0.0.1:$port/metrics
    start_exporter "$counting_exporter" "$port" LD_PRELOAD="$shim" MALLOC_COUNT_FILE="$count_file"
    wait_scans "$url" "$warmup_scans"
    log "K=$k: allocations over $alloc_scans scans"
    local scans_a scans_b scans_c a b c scan_seen per_scrape
    scans_a=$(metric "$url" proc_sentry_scans_total)
    while [ "$(metric "$url" proc_sentry_scans_total)" = "$scans_a" ]; do sleep 0.02; done
    scan_seen=$(date +%s.%N)
    scans_a=$(metric "$url" proc_sentry_scans_total)
    a=$(allocations)
    for _ in 1 2 3 4 5 6 7 8 9 10; do scans_b=$(metric "$url" proc_sentry_scans_total); done
    b=$(allocations)
    [ "$scans_a" = "$scans_b" ] || note "K=$k: a scan fell among the 10 scrapes counted for allocations per scrape"
    per_scrape=$(( (b - a) / 10 ))
    # Half a second past a scan tick, alloc_scans ticks later.
    sleep "$(awk -v seen="$scan_seen" -v now="$(date +%s.%N)" -v n="$alloc_scans" 'BEGIN { printf "%.3f", seen + n + 0.5 - now }')"
    scans_c=$(metric "$url" proc_sentry_scans_total)
    c=$(allocations)
    local per_scan
    per_scan=$(awk -v b="$b" -v c="$c" -v s="$per_scrape" -v n="$((scans_c - scans_b))" 'BEGIN { printf "%.1f", (c - b - s) / n }')
    record "$k" allocs_scrape "$per_scrape"
    record "$k" allocs_scan "$per_scan"
    record "$k" allocs_proc "$(awk -v a="$per_scan" -v p="$(metric "$url" proc_sentry_processes_scanned)" 'BEGIN { printf "%.4f", a / p }')"
    stop_exporter
}

# process-exporter (Debian's prometheus-process-exporter), grouping by
# comm: it scans /proc on every scrape, so its CPU per scrape compares with our CPU per scan.
measure_process_exporter() {
    local k=$1 binary port url out
    binary=$(command -v prometheus-process-exporter || command -v process-exporter || true)
    if [ -z "$binary" ]; then
        for key in pe_cpu_ms pe_rss_mib pe_p50 pe_p99; do record "$k" "$key" "not installed"; done
        return 0
    fi
    printf 'process_names:\n  - name: "{{.Comm}}"\n    cmdline:\n      - ".+"\n' >"$tmp/process-exporter.yml"
    port=$(free_port)
    url=http://127.0.0.1:$port/metrics
    # Without smaps (its default reads every process's smaps too, work we do not do), so both
    # read comparable files; its other flags are the defaults.
    "$binary" -config.path "$tmp/process-exporter.yml" -web.listen-address "127.0.0.1:$port" -gather-smaps=false \
        >>"$tmp/process-exporter.log" 2>&1 &
    pe_pid=$!
    for _ in $(seq 100); do curl -sf -o /dev/null "$url" && break; sleep 0.1; done
    python3 bench/bench.py scrape "$url" 2 >/dev/null  # warm-up
    log "K=$k: process-exporter, $pe_scrapes scrapes"
    # pe_scrapes + 1 scrapes: the CPU counter of the first and the last bracket pe_scrapes scrapes.
    out=$(python3 bench/bench.py scrape "$url" "$((pe_scrapes + 1))" --interval "$pe_interval" --metric process_cpu_seconds_total)
    record "$k" pe_cpu_ms "$(awk -v a="$(sed -n 's/^first=//p' <<<"$out")" -v b="$(sed -n 's/^last=//p' <<<"$out")" -v n="$pe_scrapes" 'BEGIN { printf "%.3f", (b - a) * 1000 / n }')"
    record "$k" pe_p50 "$(sed -n 's/^p50_ms=//p' <<<"$out")"
    record "$k" pe_p99 "$(sed -n 's/^p99_ms=//p' <<<"$out")"
    record "$k" pe_rss_mib "$(rss_mib "$pe_pid")"
    kill "$pe_pid" 2>/dev/null || true
    wait "$pe_pid" 2>/dev/null || true
    pe_pid=""
}

# sentry-top and htop in tmux, through bench/tui-cost.sh on the workload already running.
measure_tui() {
    local k=$1 tool rows=$tmp/tui-rows.tsv
    for tool in tmux htop; do
        if ! command -v "$tool" >/dev/null; then
            note "K=$k: sentry-top/htop skipped: $tool is not installed (apt-get install $tool)"
            return 0
        fi
    done
    log "K=$k: sentry-top and htop in tmux, ${tui_seconds}s each"
    : >"$rows"
    bench/tui-cost.sh -W -k "$k" -s "$tui_seconds" -u "$tui_warmup" -r "$rows" >&2
    local program cpu rss frame
    while IFS=$'\t' read -r program cpu rss frame; do
        record "$k" "$program|cpu" "$cpu"; record "$k" "$program|rss" "$rss"; record "$k" "$program|frame" "$frame"
    done <"$rows"
}

# Machine facts for the table's heading.
facts() {
    echo "## proc-sentry benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo "- machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
    echo "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); pid_max $(cat /proc/sys/kernel/pid_max), ulimit -u $(ulimit -u)"
    echo "- workload: $workload (K idle processes plus a CPU burner, a memory holder and a disk writer); $(ls /proc | grep -c '^[0-9]') processes were running before it"
    echo "- sentry-exporter: $exporter_binary built $(date -u -r "$exporter_binary" '+%Y-%m-%d %H:%M UTC'), --scan.interval 1s, $measured_scans scans after $warmup_scans warm-up; $timed_scrapes timed scrapes each way"
    echo "- floor: ${shared}/floor -n $floor_scans -i $floor_interval_ms; process-exporter (-gather-smaps=false, grouped by {{.Comm}}): $pe_scrapes scrapes, $pe_interval s apart; TUIs in tmux 120x40: ${tui_seconds} s each"
    echo
}

main() {
    log "workload: $workload"
    [ -x "$shared/floor" ] || note "../shared/bench is absent: the floor rows are n/a and the workload is bench/workload-lite.sh"
    command -v wrk >/dev/null || note "wrk is not installed (apt-get install wrk): the requests/s row is skipped"
    command -v prometheus-process-exporter >/dev/null || command -v process-exporter >/dev/null ||
        note "process-exporter is not installed (apt-get install prometheus-process-exporter): its rows are skipped"
    local header
    header=$(facts)
    local k
    for k in $ks; do
        check_k "$k" || continue
        log "K=$k: starting the workload"
        # Its output (and the compiler's warnings building the shared helper) only on failure.
        "$workload" start "$k" >"$tmp/workload.out" 2>&1 || { cat "$tmp/workload.out" >&2; exit 1; }
        workload_up=1
        measure_floor "$k"
        measure_exporter "$k"
        measure_allocations "$k"
        measure_process_exporter "$k"
        measure_tui "$k"
        "$workload" stop >/dev/null
        workload_up=0
    done
    [ -s "$results" ] || { log "no K could run"; exit 1; }
    local report=$tmp/report.md
    { echo "$header"; python3 bench/bench.py table "$results" "$notes"; } >"$report"
    cat "$report"
    [ -z "$out" ] || cp "$report" "$out"
}

main
