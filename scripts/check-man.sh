#!/usr/bin/env bash
# Checks the man pages with the tools that read them, and against the programs they describe,
# so the pages cannot drift from the code:
#   - `mandoc -Tlint` reports nothing, and `man -l` renders each page;
#   - every option in each program's --help is in its page;
#   - every metric family a real sentry-exporter serves is in sentry-exporter(1) and the README.
# (The keys of sentry-top(1) are checked against the key table by SentryTopTests.)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/exporter-port.sh
source scripts/exporter-port.sh

fail() { echo "check-man: FAIL: $*" >&2; exit 1; }

for program in sentry-exporter sentry-top; do swift build --product "$program" >/dev/null; done
bin=$(swift build --show-bin-path)
workdir=$(mktemp -d)
exporter_pid=""
cleanup() {
    [ -n "$exporter_pid" ] && kill "$exporter_pid" 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT

for program in sentry-exporter sentry-top; do
    page="man/$program.1"
    echo "check-man: mandoc -Tlint $page"
    mandoc -Tlint -W warning "$page" || fail "mandoc -Tlint reports the above in $page"

    echo "check-man: man -l $page"
    MANWIDTH=80 man -l "$page" 2>"$workdir/man.err" | col -b >"$workdir/$program.txt"
    [ ! -s "$workdir/man.err" ] || fail "man -l $page: $(cat "$workdir/man.err")"
    grep -q '^SYNOPSIS' "$workdir/$program.txt" || fail "man -l $page rendered no SYNOPSIS"

    echo "check-man: options of $program --help are in $page"
    options=$("$bin/$program" --help | grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9.-]*' | tr -d ' ,' | sort -u)
    [ -n "$options" ] || fail "no options found in $program --help"
    for option in $options; do
        grep -qE -- "(^|[^a-zA-Z0-9.-])$option([^a-zA-Z0-9.-]|\$)" "$workdir/$program.txt" \
            || fail "$program --help has $option, $page does not"
    done
done

echo "check-man: metric families served by sentry-exporter are in sentry-exporter(1) and README.md"
"$bin/sentry-exporter" --web.listen-address 127.0.0.1:0 --scan.interval 100ms 2>"$workdir/exporter.log" &
exporter_pid=$!
port=$(exporter_port "$workdir/exporter.log" 10) || fail "sentry-exporter did not start: $(cat "$workdir/exporter.log")"
families=""
for _ in $(seq 100); do
    families=$(curl -sf "http://127.0.0.1:$port/metrics" | awk '$1 == "#" && $2 == "TYPE" { print $3 }' || true)
    # Families with samples only after the first scan (the process lists) must be present too.
    grep -q '^proc_process_top_cpu_percent$' <<<"$families" && break
    sleep 0.1
done
[ -n "$families" ] || fail "no metric families scraped from 127.0.0.1:$port"
for family in $families; do
    grep -qw -- "$family" "$workdir/sentry-exporter.txt" || fail "sentry-exporter serves $family, its man page does not name it"
    grep -qw -- "$family" README.md || fail "sentry-exporter serves $family, README.md does not name it"
done
echo "check-man: ok ($(wc -w <<<"$families") families)"
