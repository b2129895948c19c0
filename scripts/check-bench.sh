#!/usr/bin/env bash
# Checks the benchmarks themselves (bench/run.sh, bench/churn.sh), not the figures they
# measure (a 2-core CI machine is too noisy to hold them to a bound):
#   1. `bench/run.sh --quick --out FILE` exits 0 and prints its table, with every row, a figure
#      in the rows that need no optional tool, 0 storage bytes written by the exporter, and the
#      same report in FILE;
#   2. terminated mid-run, it leaves no process, tmux server or temporary file behind;
#   3. `bench/churn.sh --quick --out FILE` exits 0 with figures for both of its quick workloads
#      under both rules, the same report in FILE, and nothing left behind;
#   4. `bench/fleet.py` on a small fleet prints figures for both views and leaves nothing behind;
#   5. each program's link order (bench/symbol-order/PROGRAM.txt) still names the release
#      binary's functions: at least 90% of its names are in the binary. lld ignores the names
#      it does not find, so a list gone stale after renames costs memory silently. A list made
#      for the binary matches 98-100% (the rest are names of functions that a change has
#      since inlined or merged); a rename of one type moves a few dozen names, a reshaped
#      module a few hundred (of 2,500-3,700): below 90%, regenerate it (bench/symbol-order.sh).
# Optional tools (wrk, htop, process-exporter, ../shared/bench) may be absent: what the
# benchmark skipped is printed, and is not a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "check-bench: FAIL: $*" >&2; exit 1; }

[ -x .build/release/sentry-exporter ] && [ -x .build/release/sentry-top ] ||
    fail "no release binaries: run 'make build' first"

work=$(mktemp -d /tmp/check-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

for program in sentry-exporter sentry-top; do
    list=bench/symbol-order/$program.txt
    nm --defined-only .build/release/$program | awk '{print $NF}' | sort -u > "$work/names"
    sort -u "$list" > "$work/listed"
    listed=$(wc -l < "$work/listed")
    found=$(comm -12 "$work/names" "$work/listed" | wc -l)
    percent=$(( found * 100 / listed ))
    echo "check-bench: $list: $found of $listed names in the binary ($percent%)"
    [ "$percent" -ge 90 ] || fail "$list is stale ($percent% < 90% of its names in the binary): run bench/symbol-order.sh"
done

# Temporary files and tmux servers the benchmark may create, to compare before and after.
leftovers() {
    ls -d /tmp/proc-sentry-bench.* /dev/shm/proc-sentry-bench.* /tmp/tmux-"$(id -u)"/tui-cost-* 2>/dev/null | sort || true
}

check_table() {
    local stdout=$1 out=$2 row
    grep -q '^| measure | K=50 |$' "$stdout" || fail "no table header for K=50 in the output"
    for row in "processes scanned by the exporter" "exporter CPU per scan" "exporter CPU per process per scan" \
        "exporter scan wall time" "exporter RSS" "scrape latency p50 / p99, plain" "scrape latency p50 / p99, gzip" \
        "wrk requests/s" "bytes per scrape" "series per scrape" "disk bytes written by the exporter" \
        "allocations per scan" "allocations per process per scan" "allocations per scrape" \
        "process-exporter CPU per scrape" "sentry-top -d 1.5 in tmux" "htop -d 10 in tmux"; do
        grep -q "^| $row" "$stdout" || fail "no row '$row' in the table"
    done
    # Rows that need only the exporter, curl and python3 must hold a figure.
    for row in "exporter CPU per scan" "exporter scan wall time" "exporter RSS" "scrape latency p50 / p99, plain" \
        "allocations per scan"; do
        grep "^| $row" "$stdout" | grep -q '| [0-9]' || fail "row '$row' has no figure"
    done
    grep -q '^| disk bytes written by the exporter (`write_bytes`) | 0 |$' "$stdout" ||
        fail "the exporter wrote to storage: $(grep '^| disk bytes' "$stdout")"
    # --out holds the same report as standard output.
    grep -v '^bench:' "$stdout" | diff -q - "$out" >/dev/null || fail "--out FILE differs from the printed report"
}

echo "check-bench: bench/run.sh --quick"
before=$(leftovers)
started=$(date +%s)
bench/run.sh --quick --out "$work/report.md" >"$work/stdout" 2>"$work/stderr" ||
    { cat "$work/stderr" >&2; fail "bench/run.sh --quick exited non-zero"; }
echo "check-bench: finished in $(( $(date +%s) - started )) s"
check_table "$work/stdout" "$work/report.md"
[ "$(leftovers)" = "$before" ] || fail "temporary files or tmux servers left behind: $(comm -13 <(echo "$before") <(leftovers))"
# What was skipped (absent optional tools) is in the notes under the table.
if grep -q '^- .*\(skipped\|absent\|not installed\)' "$work/stdout"; then
    echo "check-bench: skipped in this run:"
    grep '^- .*\(skipped\|absent\|not installed\)' "$work/stdout" | sed 's/^/  /'
else
    echo "check-bench: nothing skipped (wrk, htop, process-exporter and ../shared/bench all present)"
fi

echo "check-bench: bench/run.sh --quick terminated mid-run cleans up"
# Its own session, so whatever it started (exporters, workload, tmux clients) can be found by SID.
setsid bench/run.sh --quick >"$work/stdout2" 2>"$work/stderr2" &
runner=$!
# Wait until the exporter is being measured (the workload, floor and an exporter are running).
for _ in $(seq 600); do grep -q 'exporter, ' "$work/stderr2" && break; sleep 0.1; done
grep -q 'exporter, ' "$work/stderr2" || { cat "$work/stderr2" >&2; fail "the run never reached the exporter"; }
kill -TERM "$runner"
for _ in $(seq 300); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
kill -0 "$runner" 2>/dev/null && fail "bench/run.sh did not exit within 30 s of SIGTERM"
wait "$runner" 2>/dev/null || true
sleep 0.5  # the workload's children die with their supervisor
remaining=$(ps -e -o sid=,pid=,comm= | awk -v sid="$runner" '$1 == sid { print $2 " " $3 }')
[ -z "$remaining" ] || fail "processes left behind after SIGTERM: $remaining"
[ "$(leftovers)" = "$before" ] || fail "temporary files or tmux servers left after SIGTERM: $(comm -13 <(echo "$before") <(leftovers))"

echo "check-bench: bench/churn.sh --quick"
churn_leftovers() { ls -d /tmp/proc-sentry-churn.* 2>/dev/null | sort || true; }
churn_before=$(churn_leftovers)
setsid bench/churn.sh --quick --out "$work/churn.md" >"$work/churn-stdout" 2>"$work/churn-stderr" &
churner=$!
wait "$churner" || { cat "$work/churn-stderr" >&2; fail "bench/churn.sh --quick exited non-zero"; }
for workload in steady fork; do
    for rules in rules naive; do
        grep -qE "^\| $workload \| $rules \| [0-9]+ \| -?[0-9]+ \| [0-9]+ \| [0-9]+ \| [1-9][0-9]* \|" "$work/churn.md" ||
            fail "no figures for $workload with $rules rules in: $(cat "$work/churn.md")"
    done
done
grep -q '^| burner, holder and writer in every scrape | steady |' "$work/churn.md" || fail "no burner/holder/writer row"
grep -v '^churn:' "$work/churn-stdout" | diff -q - "$work/churn.md" >/dev/null || fail "churn --out FILE differs from the printed report"
sleep 0.5
remaining=$(ps -e -o sid=,pid=,comm= | awk -v sid="$churner" '$1 == sid { print $2 " " $3 }')
[ -z "$remaining" ] || fail "bench/churn.sh left processes behind: $remaining"
[ "$(churn_leftovers)" = "$churn_before" ] || fail "bench/churn.sh left temporary files behind"
echo "check-bench: bench/fleet.py on a small fleet"
python3 bench/fleet.py --nodes 3 --processes 20 --minutes 1 --runs 1 >"$work/fleet.md" 2>"$work/fleet-stderr" ||
    { cat "$work/fleet-stderr" >&2; fail "bench/fleet.py exited non-zero"; }
for view in "fleet (Nodes and top processes)" "one node"; do
    grep -qE "^\| $(sed 's/[()]/\\&/g' <<<"$view") \| [0-9.]+ \| [0-9.]+ \| [0-9]+ \|$" "$work/fleet.md" ||
        fail "no figures for the $view in: $(cat "$work/fleet.md")"
done
ls -d /tmp/proc-sentry-fleet.* >/dev/null 2>&1 && fail "bench/fleet.py left its directory behind"
echo "check-bench: OK"
