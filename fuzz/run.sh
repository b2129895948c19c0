#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of SentryCore's parsers, one after the other.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 600; TARGET is a name below (default: all of them), with or
# without its `fuzz-` prefix. Each target is built with `--sanitize fuzzer --sanitize address`
# and run for that long on its seed corpus (corpus/<target>, checked in, read only) plus the
# entries earlier runs found (corpus-new/<target>, not checked in, where new entries go).
# A crashing input is written to crashes/<target>-crash-<sha1> (likewise timeouts and
# out-of-memory inputs). Prints one summary line per target and exits 1 if any target failed
# to build or found a crash. Full logs: .build/fuzz-logs/<target>.log.
#
# One target runs at a time, on one core (the machine is shared).
set -uo pipefail
cd "$(dirname "$0")"

all_targets=(stat status io systemstat meminfo cgroup passwd nettcp sockdiag exposition cmdline mountinfo yaml)
seconds=${1:-600}
shift || true
case "$seconds" in
'' | *[!0-9]*) echo "usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

logs=.build/fuzz-logs
mkdir -p "$logs" crashes
export SWIFT_BACKTRACE=enable=no  # Swift's backtracer and ASan's handler collide

summary=()
failed=0
for target in "${targets[@]}"; do
    target=${target#fuzz-}
    if [ ! -d "Sources/fuzz-$target" ]; then
        echo "fuzz: unknown target '$target' (targets: ${all_targets[*]})" >&2
        exit 2
    fi
    log="$logs/$target.log"
    echo "fuzz: building fuzz-$target"
    # `--sanitize fuzzer` makes SwiftPM link libFuzzer's main instead of its own. But SwiftPM
    # passes `-sanitize=fuzzer -sanitize=address` as two flags, of which the compiler keeps only
    # the last, in an order that varies from build to build: either no coverage or no ASan.
    # The combined flag, passed last, gives both (checked below: "Loaded ... counters").
    if ! swift build -c release --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address \
        --product "fuzz-$target" >"$log" 2>&1; then
        cat "$log" >&2
        summary+=("$(printf '%-11s %8s s %12s runs %9s exec/s %6s cov %7s ft   BUILD FAILED' "$target" 0 - - - -)")
        failed=1
        continue
    fi
    mkdir -p "corpus-new/$target"
    echo "fuzz: running fuzz-$target for ${seconds} s"
    start=$(date +%s)
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: libFuzzer's default, stated.
    .build/release/"fuzz-$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="crashes/$target-" \
        "corpus-new/$target" "corpus/$target" >>"$log" 2>&1
    status=$?
    elapsed=$(($(date +%s) - start))

    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
    if [ -z "$runs" ]; then  # no final stats after a crash: the last status line's count
        runs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
    fi
    if ! grep -q '^INFO: Loaded [0-9]* modules' "$log"; then
        failed=1
        result="FAILED (not instrumented for coverage: nothing was fuzzed)"
    elif [ "$status" -eq 0 ]; then
        result=ok
    else
        failed=1
        reason=$(grep -m 1 -oE 'ERROR: (libFuzzer|AddressSanitizer): [a-z-]+( [a-z-]+)?' "$log" | sed 's/^ERROR: //')
        message=$(grep -m 1 -oE '(Fatal error|Precondition failed).*' "$log")  # a broken invariant's text
        reason="${reason:-see $log}${message:+; $message}"
        artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
        result="FAILED (exit $status: $reason) input: ${artifact:-none}"
        echo "fuzz: fuzz-$target failed; the end of $log:" >&2
        tail -n 40 "$log" >&2
    fi
    line=$(printf '%-11s %8s s %12s runs %9s exec/s %6s cov %7s ft   %s' \
        "$target" "$elapsed" "${runs:--}" "${rate:--}" "${cov:--}" "${ft:--}" "$result")
    echo "fuzz: $line"
    summary+=("$line")
done

echo
echo "fuzz summary (${seconds} s per target; logs in fuzz/$logs):"
for line in "${summary[@]}"; do echo "  $line"; done
if [ "$failed" -ne 0 ]; then
    echo "fuzz: FAILED (crash inputs, if any, are in fuzz/crashes/)" >&2
    exit 1
fi
echo "fuzz: all targets ok"
