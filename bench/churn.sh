#!/usr/bin/env bash
# Series churn: how many new series an hour the exporter makes Prometheus create, with the
# selection rules (the defaults) and with the naive Top N, side by side in the same run.
#
#   bench/churn.sh [--minutes M] [--interval SECONDS] [--workloads "steady fork build"] [--out FILE]
#   bench/churn.sh --quick        # steady and fork, 1 minute each at 5 s: the check's form
#
# For each workload it starts two release exporters on 127.0.0.1, one with the default
# `--top.*` rules and one naive (`--top.min-scans 1 --top.hold 0` and every floor 0), each
# scraped by its own real Prometheus every --interval (their scan interval too), and after
# --minutes reads from each Prometheus:
#   - new series per hour: the increase of `prometheus_tsdb_head_series_created_total` after
#     the first scrapes and four more of warm-up (the steady set, and what the first scans let
#     in and hold), per hour, beside the exporter's own
#     `proc_sentry_series_created_total` (which also counts a series that returns after a gap);
#   - distinct PIDs exported, and how many of them were exported at a single scrape only;
#   - with the steady workload, whether its burner, memory holder and writer were exported in
#     every scrape.
# Workloads:
#   steady  K=3000 idle processes (300 with --quick) plus a burner, a memory holder and a disk
#           writer (../shared/bench/workload.sh, else bench/workload-lite.sh), and 40 processes
#           whose CPU wanders around the last places of the CPU list;
#   fork    a shell loop of short-lived awk children, about one core;
#   build   this package's release `swift build` from a clean scratch folder, again and again.
# Needs the release exporter (`make build`), prometheus, python3 and curl. Cleans up everything
# it started, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/exporter-port.sh
source scripts/exporter-port.sh

usage() { echo "usage: $0 [--minutes M] [--interval SECONDS] [--workloads \"steady fork build\"] [--out FILE] [--quick]" >&2; exit 2; }

minutes=10
interval=15
workloads="steady fork build"
out=""
idle=3000
while [ $# -gt 0 ]; do
    case $1 in
        --minutes) [ $# -ge 2 ] || usage; minutes=$2; shift 2 ;;
        --interval) [ $# -ge 2 ] || usage; interval=$2; shift 2 ;;
        --workloads) [ $# -ge 2 ] || usage; workloads=$2; shift 2 ;;
        --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
        --quick) minutes=1; interval=5; workloads="steady fork"; idle=300; shift ;;
        -h|--help) usage ;;
        *) usage ;;
    esac
done
case $minutes in ''|*[!0-9]*) usage ;; esac
case $interval in ''|*[!0-9]*) usage ;; esac
[ "$minutes" -ge 1 ] && [ "$interval" -ge 1 ] || usage

exporter=.build/release/sentry-exporter
[ -x "$exporter" ] || { echo "churn: no $exporter: build it first with 'make build'" >&2; exit 1; }
prometheus=$(command -v prometheus || true)
[ -n "$prometheus" ] || { echo "churn: prometheus is required (apt-get install prometheus)" >&2; exit 1; }
for tool in python3 curl; do
    command -v "$tool" >/dev/null || { echo "churn: $tool is required" >&2; exit 1; }
done
shared=../shared/bench
if [ -x "$shared/workload.sh" ]; then workload_script=$shared/workload.sh; else workload_script=bench/workload-lite.sh; fi

tmp=$(mktemp -d /tmp/proc-sentry-churn.XXXXXX)
export WL_STATE=$tmp/workload WL_BIN=$tmp/workload-bin WL_IO_DIR=$tmp/io
mkdir -p "$WL_IO_DIR"
results=$tmp/results
: >"$results"

pids=()           # process groups started in the background for the current workload
workload_up=0
# Starts "$@" in the background as its own process group, so that stop_all ends the
# whole tree (a loop's running child, a build's compilers), not only its first process.
spawn() {
    set -m
    "$@" </dev/null >/dev/null 2>&1 &
    pids+=("$!")
    set +m
}
# Ends every process started for the current workload. A group's leader can die while it
# forks, leaving a child that missed the signal, so a group is waited for until it is
# empty (up to 5 s, then killed).
stop_all() {
    local pid tries
    for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        tries=0
        while kill -0 -- "-$pid" 2>/dev/null && [ "$tries" -lt 50 ]; do
            sleep 0.1
            tries=$((tries + 1))
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    pids=()
    if [ "$workload_up" = 1 ]; then "$workload_script" stop >/dev/null 2>&1 || true; workload_up=0; fi
}
cleanup() {
    stop_all
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "churn: interrupted" >&2; exit 130' INT TERM

log() { echo "churn: $*" >&2; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The value of the unlabelled sample NAME at URL.
metric() { curl -sf --max-time 10 "$1" | awk -v name="$2" '$1 == name { value = $2 } END { print value }'; }

# query PORT EXPRESSION: the instant query's first value, or nothing.
query() {
    curl -sf --max-time 20 "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=$2" |
        python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}

start_workload() {
    case $1 in
        steady)
            "$workload_script" start "$idle" >/dev/null
            workload_up=1
            # Processes whose CPU wanders between 0 and 3 % of a core, changing every few
            # seconds: they trade the last places of the CPU list.
            spawn python3 -c '
import os, random, time
for _ in range(40):
    if os.fork() == 0:
        random.seed(os.getpid())
        while os.getppid() != 1:
            duty = random.uniform(0, 0.03)
            until = time.monotonic() + random.uniform(2, 8)
            while time.monotonic() < until:
                end = time.monotonic() + duty * 0.1
                while time.monotonic() < end:
                    pass
                time.sleep(0.1 * (1 - duty))
        os._exit(0)
while True:
    time.sleep(1)'
            ;;
        fork)
            spawn bash -c "while :; do awk 'BEGIN{for(i=0;i<300000;i++)s+=i}'; done"
            ;;
        build)
            spawn bash -c "while :; do rm -rf '$tmp/build'; swift build -c release --scratch-path '$tmp/build' --product sentry-exporter; done"
            ;;
        *) echo "churn: unknown workload $1" >&2; exit 2 ;;
    esac
}

# start_pair NAME RULES...: an exporter with RULES and a Prometheus of its own (a new data
# folder for each workload) scraping it; sets prom_port_NAME.
start_pair() {
    local name=$1 port prom_port dir
    shift
    dir=$tmp/$workload-$name
    mkdir -p "$dir/tsdb"
    "$exporter" --web.listen-address 127.0.0.1:0 --scan.interval "${interval}s" "$@" 2>"$dir/exporter.log" &
    pids+=("$!")
    port=$(exporter_port "$dir/exporter.log" 10) || { echo "churn: the $name exporter did not start: $(cat "$dir/exporter.log")" >&2; exit 1; }
    cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: ${interval}s
  scrape_timeout: $(( interval < 10 ? interval : 10 ))s
scrape_configs:
  - job_name: proc-sentry
    static_configs:
      - targets: ["127.0.0.1:$port"]
EOF
    prom_port=$(free_port)
    "$prometheus" --config.file "$dir/prometheus.yml" --storage.tsdb.path "$dir/tsdb" \
        --web.listen-address "127.0.0.1:$prom_port" >"$dir/prometheus.log" 2>&1 &
    pids+=("$!")
    printf -v "prom_port_$name" '%s' "$prom_port"
    printf -v "exporter_port_$name" '%s' "$port"
}

# Waits until the Prometheus on PORT has scraped its exporter twice (the steady set exists).
wait_scraped() {
    local scrapes
    for _ in $(seq 600); do
        scrapes=$(query "$1" 'count_over_time(proc_sentry_top_n[1h])' 2>/dev/null || true)
        [ "${scrapes:-0}" -ge 2 ] 2>/dev/null && return 0
        sleep 0.2
    done
    echo "churn: the Prometheus on port $1 never scraped" >&2
    exit 1
}

seconds=$(( minutes * 60 ))
for workload in $workloads; do
    log "$workload: starting the workload, two exporters (default rules and naive) and two Prometheus, ${interval} s scans"
    start_workload "$workload"
    # Started, not starting: both exporters' first scans see the workload as it runs.
    sleep 5
    start_pair rules
    start_pair naive --top.min-scans 1 --top.hold 0 --top.min-cpu-percent 0 --top.min-memory-bytes 0 \
        --top.min-io-bytes-per-second 0
    wait_scraped "$prom_port_rules"
    wait_scraped "$prom_port_naive"
    # A warm-up of four scrapes: what the first scans let in and then hold is start-up, not churn.
    sleep $(( 4 * interval )) &
    wait "$!"
    for name in rules naive; do
        port_var=prom_port_$name
        exporter_var=exporter_port_$name
        printf -v "created_start_$name" '%s' "$(metric "http://127.0.0.1:${!port_var}/metrics" prometheus_tsdb_head_series_created_total)"
        printf -v "own_start_$name" '%s' "$(metric "http://127.0.0.1:${!exporter_var}/metrics" proc_sentry_series_created_total)"
    done
    log "$workload: measuring for $minutes minute(s)"
    # In the background and waited for, so that a signal ends the wait (and the run) at once.
    sleep "$seconds" &
    wait "$!"
    for name in rules naive; do
        port_var=prom_port_$name
        start_var=created_start_$name
        exporter_var=exporter_port_$name
        own_start_var=own_start_$name
        port=${!port_var}
        created=$(metric "http://127.0.0.1:$port/metrics" prometheus_tsdb_head_series_created_total)
        own=$(metric "http://127.0.0.1:${!exporter_var}/metrics" proc_sentry_series_created_total)
        window="$(( seconds + 2 * interval ))s"
        pids_exported=$(query "$port" "count(count by (pid) (count_over_time(proc_process_top_memory_bytes[$window])))")
        once=$(query "$port" "count(count_over_time(proc_process_top_memory_bytes[$window]) == 1)")
        # Scrapes that found a completed scan (proc_sentry_top_n comes with the first).
        scrapes=$(query "$port" "count_over_time(proc_sentry_top_n[$window])")
        kept=""
        if [ "$workload" = steady ]; then
            # The burner, the memory holder and the writer: in how many scrapes each was exported.
            kept=$(for comm in wl_cpu wl_mem wl_io; do
                query "$port" "min(count_over_time(proc_process_top_memory_bytes{name=\"$comm\"}[$window]))"
            done | paste -sd/ -)
        fi
        per_hour=$(python3 -c "print(round(($created - ${!start_var}) * 3600 / $seconds))")
        own_per_hour=$(python3 -c "print(round(($own - ${!own_start_var}) * 3600 / $seconds))")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$name" "$per_hour" "${pids_exported:-0}" "${once:-0}" \
            "${scrapes:-0}" "$kept" "$own_per_hour" >>"$results"
        log "$workload, $name: $per_hour new series per hour, ${pids_exported:-0} PIDs exported (${once:-0} at one scrape only)"
    done
    stop_all
done

report() {
    echo "## proc-sentry series churn, $(date -u '+%Y-%m-%d %H:%M') UTC, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo "- $(nproc) CPUs; $minutes minute(s) per workload; scans and scrapes every $interval s; N = 50"
    echo "- rules: the defaults (\`--top.min-scans 2\`, floors and \`--top.hold\` as shipped); naive: \`--top.min-scans 1 --top.hold 0\`, every floor 0"
    echo
    echo "| workload | rules | new series per hour (Prometheus) | the exporter's own count per hour | PIDs exported | of them at one scrape only | scrapes | burner/holder/writer exported in |"
    echo "|---|---|---|---|---|---|---|---|"
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $8, $4, $5, $6, ($7 == "" ? "" : $7 " scrapes") }' "$results"
    echo
    echo "| target | workload | measured | |"
    echo "|---|---|---|---|"
    awk -F'\t' '
        { rate[$1, $2] = $3; scrapes[$1, $2] = $6; kept[$1, $2] = $7; seen[$1] = 1 }
        END {
            for (w in seen) {
                r = rate[w, "rules"]; n = rate[w, "naive"]
                ok = (n > 0 ? r <= n / 5 : r == 0)
                printf "| at most 1/5 of the naive Top N'"'"'s new series | %s | %s against %s per hour | %s |\n", w, r, n, (ok ? "met" : "not met")
                if (w == "steady") {
                    printf "| under 300 new series per hour | steady | %s | %s |\n", r, (r < 300 ? "met" : "not met")
                    split(kept[w, "rules"], k, "/")
                    all = (k[1] == scrapes[w, "rules"] && k[2] == scrapes[w, "rules"] && k[3] == scrapes[w, "rules"])
                    printf "| burner, holder and writer in every scrape | steady | %s of %s | %s |\n", kept[w, "rules"], scrapes[w, "rules"], (all ? "met" : "not met")
                }
            }
        }' "$results"
}

if [ -n "$out" ]; then report | tee "$out"; else report; fi
