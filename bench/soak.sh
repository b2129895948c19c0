#!/usr/bin/env bash
# Soak test of sentry-exporter (issue 6; not run in CI):
#
#   bench/soak.sh [MINUTES]        (default 10)
#
# Runs the release exporter (--scan.interval 1s, or $SCAN_INTERVAL) on 127.0.0.1 under continuous
# `wrk --latency` load against /metrics ($WRK_THREADS threads, default 1; $WRK_CONNECTIONS
# connections, default 8) for MINUTES, while a bounded loop churns processes on the node: batches
# of $CHURN_BATCH (default 50) `sleep 0.1` children, each batch waited for, a few hundred a
# second, never more than one batch alive. The exporter's RSS is sampled every 10 s.
#
# Prints requests per second, scrape latency p50 and p99 (wrk's latency distribution), the
# processes started by the churn, RSS at start and end, and the RSS slope in MiB per hour (least
# squares over the samples, and over those after the first minute, when the allocator has warmed
# up), plus the exporter's own figures at the end (scans, open fds).
# Needs wrk (apt-get install wrk). Binds only to 127.0.0.1; cleans up everything it started, also
# on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/exporter-port.sh
source scripts/exporter-port.sh

minutes=${1:-10}
case $minutes in '' | *[!0-9]*) echo "usage: $0 [MINUTES]" >&2; exit 2 ;; esac
[ "$minutes" -ge 1 ] || { echo "usage: $0 [MINUTES] (at least 1)" >&2; exit 2; }
scan_interval=${SCAN_INTERVAL:-1s}
wrk_threads=${WRK_THREADS:-1}
wrk_connections=${WRK_CONNECTIONS:-8}
churn_batch=${CHURN_BATCH:-50}

command -v wrk >/dev/null || { echo "soak: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

echo "soak: building the release programs" >&2
make --no-print-directory build >/dev/null
bin=.build/release/sentry-exporter

workdir=$(mktemp -d)
exporter_pid=""
churn_pid=""
wrk_pid=""
cleanup() {
    for pid in $wrk_pid $churn_pid $exporter_pid; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin" --web.listen-address 127.0.0.1:0 --scan.interval "$scan_interval" 2>"$workdir/exporter.log" &
exporter_pid=$!
port=$(exporter_port "$workdir/exporter.log" 10) || { echo "soak: the exporter did not start: $(cat "$workdir/exporter.log")" >&2; exit 1; }
url="http://127.0.0.1:$port/metrics"
# Let the first scans (which open the kept descriptors) finish before the first RSS sample.
sleep 3

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$exporter_pid/status"; }

# Process churn: a batch of short-lived children, waited for, again and again.
(
    trap 'exit 0' TERM
    started=0
    while :; do
        for _ in $(seq "$churn_batch"); do sleep 0.1 & done
        wait
        started=$((started + churn_batch))
        echo "$started" >"$workdir/churn.count"
    done
) &
churn_pid=$!

seconds=$((minutes * 60))
wrk -t "$wrk_threads" -c "$wrk_connections" -d "${seconds}s" --latency --timeout 5s "$url" >"$workdir/wrk.out" 2>&1 &
wrk_pid=$!

echo "soak: $minutes min against $url (scan interval $scan_interval, wrk -t$wrk_threads -c$wrk_connections, churn batches of $churn_batch)" >&2
start=$(date +%s)
: >"$workdir/rss"
while kill -0 "$wrk_pid" 2>/dev/null; do
    kill -0 "$exporter_pid" 2>/dev/null || { echo "soak: the exporter died: $(tail -n 5 "$workdir/exporter.log")" >&2; exit 1; }
    now=$(date +%s)
    rss=$(rss_kib)
    echo "$((now - start)) $rss" >>"$workdir/rss"
    printf 'soak: %4ds  RSS %6.1f MiB\n' "$((now - start))" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" >&2
    for _ in $(seq 10); do kill -0 "$wrk_pid" 2>/dev/null || break; sleep 1; done
done
wait "$wrk_pid" || { echo "soak: wrk failed: $(cat "$workdir/wrk.out")" >&2; exit 1; }
wrk_pid=""
elapsed=$(($(date +%s) - start))
echo "$elapsed $(rss_kib)" >>"$workdir/rss"
kill "$churn_pid" 2>/dev/null || true
wait "$churn_pid" 2>/dev/null || true
churn_pid=""
churned=$(cat "$workdir/churn.count" 2>/dev/null || echo 0)

self=$(curl -sf --noproxy '*' "$url" | awk '$1 == "proc_sentry_scans_total" || $1 == "process_open_fds" || $1 == "proc_sentry_processes_scanned" { printf "%s=%s ", $1, $2 }')

requests_per_second=$(awk '/^Requests\/sec:/ { print $2 }' "$workdir/wrk.out")
p50=$(awk '$1 == "50%" { print $2 }' "$workdir/wrk.out")
p99=$(awk '$1 == "99%" { print $2 }' "$workdir/wrk.out")
errors=$(grep -E 'Socket errors|Non-2xx' "$workdir/wrk.out" || true)

awk -v minutes="$minutes" -v rps="$requests_per_second" -v p50="$p50" -v p99="$p99" \
    -v churned="$churned" -v elapsed="$elapsed" -v errors="${errors:-none}" -v self="$self" '
    { t[NR] = $1 / 3600; r[NR] = $2 / 1024; n = NR }
    END {
        for (i = 1; i <= n; i++) { st += t[i]; sr += r[i] }
        mt = st / n; mr = sr / n
        for (i = 1; i <= n; i++) { sxy += (t[i] - mt) * (r[i] - mr); sxx += (t[i] - mt) ^ 2 }
        slope = sxx > 0 ? sxy / sxx : 0
        # Again without the first minute (the allocator warming up).
        for (i = 1; i <= n; i++) if (t[i] * 3600 >= 60) { m++; wt += t[i]; wr += r[i] }
        if (m > 1) {
            wt /= m; wr /= m
            for (i = 1; i <= n; i++) if (t[i] * 3600 >= 60) { wxy += (t[i] - wt) * (r[i] - wr); wxx += (t[i] - wt) ^ 2 }
        }
        warm = wxx > 0 ? sprintf("%+.2f MiB/h", wxy / wxx) : "n/a (under 2 min)"
        printf "soak: %d min (%d s), %d RSS samples\n", minutes, elapsed, n
        printf "  requests/s        %s\n", rps
        printf "  latency p50, p99  %s, %s\n", p50, p99
        printf "  wrk errors        %s\n", errors
        printf "  processes churned %d (%.0f/s)\n", churned, churned / elapsed
        printf "  RSS start, end    %.1f MiB, %.1f MiB\n", r[1], r[n]
        printf "  RSS slope         %+.2f MiB/h (least squares); after the first minute %s\n", slope, warm
        printf "  exporter          %s\n", self
    }' "$workdir/rss"
