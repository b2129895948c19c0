#!/usr/bin/env bash
# What watching the node costs: sentry-top against htop, both drawing in tmux at the same
# refresh, over the same K background processes, measured in one run.
#
#   bench/tui-cost.sh [-k PROCESSES] [-s SECONDS] [-u WARMUP] [-W] [-r ROWS_FILE]
#
# Starts K idle processes (../shared/bench/workload.sh when present, else bench/workload-lite.sh)
# and each program once, untimed (a warm start is what is measured), then for each refresh
# (1.5 s, sentry-top's and htop's default, and 1 s) starts sentry-top and htop in tmux, one
# after the other, timing each one's first complete frame (header, a process row and the
# F1Help footer on screen, polled every 10 ms from the command's start), and reads their CPU
# time and RSS from /proc over SECONDS while both run.
#   -W          use the workload already running (bench/run.sh starts its own)
#   -r FILE     also append one tab-separated row per program to FILE:
#               program, CPU ms per second, RSS MiB, first frame ms
# Needs a release build (`make build`), tmux and htop. Cleans up everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

processes=3000
seconds=30
warmup=3
own_workload=1
rows_file=""
while getopts "k:s:u:Wr:" option; do
    case $option in
        k) processes=$OPTARG ;;
        s) seconds=$OPTARG ;;
        u) warmup=$OPTARG ;;
        W) own_workload=0 ;;
        r) rows_file=$OPTARG ;;
        *) echo "usage: $0 [-k PROCESSES] [-s SECONDS] [-u WARMUP] [-W] [-r ROWS_FILE]" >&2; exit 2 ;;
    esac
done

top_binary=.build/release/sentry-top
[ -x "$top_binary" ] || { echo "tui-cost: no $top_binary: run 'make build' first" >&2; exit 1; }
for tool in tmux htop; do
    command -v "$tool" >/dev/null || { echo "tui-cost: $tool is not installed (apt-get install $tool)" >&2; exit 1; }
done

socket="tui-cost-$$"
workload=../shared/bench/workload.sh
[ -x "$workload" ] || workload=bench/workload-lite.sh
workload_state=/tmp/tui-cost-workload-$$
cleanup() {
    tmux -L "$socket" kill-server 2>/dev/null || true
    # tmux leaves its socket file behind after kill-server.
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$socket"
    if [ "$own_workload" = 1 ]; then
        WL_STATE=$workload_state "$workload" stop >/dev/null 2>&1 || true
        rm -rf "$workload_state"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$own_workload" = 1 ]; then
    echo "workload: $workload start $processes"
    WL_STATE=$workload_state "$workload" start "$processes" >/dev/null
fi

# CPU ticks (utime + stime) of a PID.
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

# One 120x40 session; its first window only keeps the session alive between programs.
tmux -L "$socket" -f /dev/null new-session -d -s bench -x 120 -y 40 "sleep 100000"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# True when the pane shows a complete frame: the table header, at least one process row under
# it, and the F1Help status line (sentry-top's and htop's footers both start so).
frame_complete() {
    tmux -L "$socket" capture-pane -p -t "bench:$1" 2>/dev/null | awk '
        /PID USER/ { header = 1; next }
        header && /^ *[0-9]+ / { row = 1 }
        /F1Help/ { footer = 1 }
        END { exit !(header && row && footer) }'
}

# Starts COMMAND in a new window named NAME and waits for its first complete frame (10 s at
# most); prints the PID it runs as and the milliseconds from the start to that frame ("n/a"
# if it never came).
start_in_tmux() {
    local name=$1; shift
    local started; started=$(now_ms)
    tmux -L "$socket" new-window -d -t bench: -n "$name" "exec env TERM=xterm-256color LANG=C.UTF-8 $*"
    local first_frame=n/a
    while [ $(( $(now_ms) - started )) -lt 10000 ]; do
        if frame_complete "$name"; then first_frame=$(( $(now_ms) - started )); break; fi
        sleep 0.01
    done
    echo "$(tmux -L "$socket" list-panes -t "bench:$name" -F '#{pane_pid}') $first_frame"
}

# Both programs start warm: each runs once to its first frame before the timed starts, so the
# first frames measure the programs, not the disk, and the page cache holds their code as
# running them leaves it. How code came into the page cache changes a program's RSS: pages read
# with read() (cp, cat) come in large folios, which a fault maps whole (README, Performance).
for program in "$top_binary" htop; do
    start_in_tmux warm "$program" >/dev/null
    tmux -L "$socket" kill-window -t bench:warm
done

printf '\n%-28s %14s %10s %14s %16s\n' "program (K=$processes)" "CPU ms per s" "RSS MiB" "vs htop CPU" "first frame ms"
for delay in 1.5 1; do
    tenths=$(awk -v d="$delay" 'BEGIN { printf "%d", d * 10 }')
    read -r top_pid top_frame < <(start_in_tmux "top-$tenths" "$top_binary" -d "$delay")
    read -r htop_pid htop_frame < <(start_in_tmux "htop-$tenths" htop -d "$tenths")
    sleep "$warmup"  # past start-up and the first frames
    top_start=$(ticks "$top_pid"); htop_start=$(ticks "$htop_pid")
    sleep "$seconds"
    top_ms=$(awk -v a="$top_start" -v b="$(ticks "$top_pid")" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / s }')
    htop_ms=$(awk -v a="$htop_start" -v b="$(ticks "$htop_pid")" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / s }')
    top_rss=$(awk -v k="$(rss_kib "$top_pid")" 'BEGIN { printf "%.1f", k / 1024 }')
    htop_rss=$(awk -v k="$(rss_kib "$htop_pid")" 'BEGIN { printf "%.1f", k / 1024 }')
    ratio=$(awk -v a="$top_ms" -v b="$htop_ms" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
    printf '%-28s %14s %10s %14s %16s\n' "sentry-top -d $delay" "$top_ms" "$top_rss" "$ratio" "$top_frame"
    printf '%-28s %14s %10s %14s %16s\n' "htop -d $tenths" "$htop_ms" "$htop_rss" "1.00x" "$htop_frame"
    if [ -n "$rows_file" ]; then
        printf '%s\t%s\t%s\t%s\n' "sentry-top -d $delay" "$top_ms" "$top_rss" "$top_frame" "htop -d $tenths" "$htop_ms" "$htop_rss" "$htop_frame" >>"$rows_file"
    fi
    tmux -L "$socket" kill-window -t "bench:top-$tenths"
    tmux -L "$socket" kill-window -t "bench:htop-$tenths"
done
echo "(measured over ${seconds} s each, $(nproc) CPUs, $(date -u +%Y-%m-%d))"
