#!/usr/bin/env bash
# Regenerates bench/symbol-order/PROGRAM.txt, the functions each program's release link puts
# together.
#
#   bench/symbol-order.sh
#
# Why: most of each program's resident memory is pages of its own static binary, and the kernel
# maps 64 KiB of page cache around every page fault ("fault-around"). With the functions a run
# executes spread over 20 MiB of code, nearly every such window ends up resident. Listing the
# executed functions for lld (`--symbol-ordering-file`, see Package.swift) packs them into a few
# hundred KiB at the start of .text.
#
# How: runs each release program under callgrind (which sees every function executed, however
# rarely, unlike a sampling profiler) through what a user does with it: the exporter scanning
# and serving plain and gzip scrapes, sentry-top drawn in tmux through every tab, sort, filter,
# the all-processes view and help. It writes the executed functions of both binaries, most
# instructions first, as link names, one list per program (sentry-top links the exporter's NIO
# for --prometheus, and a shared list would put that code among what its local mode runs). A stale list only costs memory, never correctness: lld
# lays out the names it finds and ignores the others, so regenerate it after changes that
# rename or add much code (`bench/run.sh` reports the binary's resident pages).
#
# Needs valgrind, tmux, curl and python3, and builds the release programs first. Takes about
# 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/exporter-port.sh
source scripts/exporter-port.sh

for tool in valgrind tmux curl python3; do
    command -v "$tool" >/dev/null || { echo "symbol-order: $tool is not installed" >&2; exit 1; }
done
make --no-print-directory build >/dev/null
release=.build/release

workdir=$(mktemp -d)
socket="symbol-order-$$"
exporter_pid=""
cleanup() {
    [ -n "$exporter_pid" ] && kill "$exporter_pid" 2>/dev/null || true
    tmux -L "$socket" kill-server 2>/dev/null || true
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$socket"
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Valgrind 3.19 cannot read the toolchain's DWARF 5; the symbol table names every function.
bin=$workdir/bin
mkdir "$bin"
for program in sentry-exporter sentry-top; do strip --strip-debug -o "$bin/$program" "$release/$program"; done

# Mangled names (lld matches link names) and one complete profile written at exit.
callgrind=(valgrind --tool=callgrind --demangle=no --compress-strings=no --compress-pos=no --dump-instr=no)

echo "symbol-order: profiling sentry-exporter" >&2
"${callgrind[@]}" --callgrind-out-file="$workdir/exporter.out" \
    "$bin/sentry-exporter" --web.listen-address 127.0.0.1:0 --scan.interval 1s 2>"$workdir/exporter.log" &
exporter_pid=$!
port=$(exporter_port "$workdir/exporter.log" 60) || { echo "symbol-order: the exporter did not start: $(cat "$workdir/exporter.log")" >&2; exit 1; }
for _ in $(seq 10); do
    sleep 1
    curl -fsS "http://127.0.0.1:$port/metrics" >/dev/null
    curl -fsS -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics" >/dev/null
    curl -sS "http://127.0.0.1:$port/" >/dev/null
    curl -sS "http://127.0.0.1:$port/nowhere" >/dev/null
done
kill -TERM "$exporter_pid"
wait "$exporter_pid" || true
exporter_pid=""

echo "symbol-order: profiling sentry-top" >&2
tmux -L "$socket" -f /dev/null new-session -d -s profile -x 120 -y 40 \
    "exec env TERM=xterm-256color LANG=C.UTF-8 ${callgrind[*]} --callgrind-out-file=$workdir/top.out $bin/sentry-top -d 1 2>$workdir/top.log"
send() { tmux -L "$socket" send-keys -t profile "$@"; sleep 2; }
sleep 10
for keys in 2 3 4 Enter Escape 1 '>' '<' I F6 Escape / s h Enter Escape a Down PageDown End Home h Escape Tab BTab; do
    send "$keys"
done
send q
for _ in $(seq 100); do
    [ -s "$workdir/top.out" ] && ! tmux -L "$socket" has-session -t profile 2>/dev/null && break
    sleep 0.2
done
[ -s "$workdir/top.out" ] || { echo "symbol-order: sentry-top left no profile: $(cat "$workdir/top.log")" >&2; exit 1; }

# Where each function landed: a function that shares its input section with much code that did
# not run (a whole prebuilt library's .text, as libswiftCore's) would drag that code along, so
# bench/symbol-order.py lists such functions after the others.
for program in sentry-exporter sentry-top; do
    make --no-print-directory build PROGRAMS="$program" RELEASE_FLAGS="-Xlinker -Map=$workdir/$program.map" >/dev/null
done
for program in sentry-exporter sentry-top; do
    profile=$workdir/$([ "$program" = sentry-top ] && echo top || echo exporter).out
    python3 bench/symbol-order.py --profiles "$profile" --maps "$workdir/$program.map" \
        --binaries "$release/$program" >"bench/symbol-order/$program.txt"
    echo "symbol-order: $(wc -l <"bench/symbol-order/$program.txt") functions in bench/symbol-order/$program.txt" >&2
done
make --no-print-directory build >/dev/null  # relinked without the map
