#!/usr/bin/env bash
# What watching the node costs: sentry-top against htop, both drawing in tmux at the same
# refresh, over the same K background processes, measured in one run.
#
#   bench/tui-cost.sh [-k PROCESSES] [-s SECONDS]
#
# Starts K idle processes (../shared/bench/workload.sh when present, else plain `sleep`s),
# then for each refresh (1.5 s, sentry-top's and htop's default, and 1 s) runs sentry-top and
# htop side by side in tmux and reads their CPU time and RSS from /proc over SECONDS.
# Needs a release build (`make build`), tmux and htop. Cleans up everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

processes=3000
seconds=30
while getopts "k:s:" option; do
    case $option in
        k) processes=$OPTARG ;;
        s) seconds=$OPTARG ;;
        *) echo "usage: $0 [-k PROCESSES] [-s SECONDS]" >&2; exit 2 ;;
    esac
done

top_binary=.build/release/sentry-top
[ -x "$top_binary" ] || { echo "tui-cost: no $top_binary: run 'make build' first" >&2; exit 1; }
for tool in tmux htop; do
    command -v "$tool" >/dev/null || { echo "tui-cost: $tool is not installed (apt-get install $tool)" >&2; exit 1; }
done

socket="tui-cost-$$"
workload=../shared/bench/workload.sh
sleepers=()
cleanup() {
    tmux -L "$socket" kill-server 2>/dev/null || true
    if [ -x "$workload" ]; then
        WL_STATE=/tmp/tui-cost-workload-$$ "$workload" stop >/dev/null 2>&1 || true
    fi
    [ ${#sleepers[@]} -eq 0 ] || kill "${sleepers[@]}" 2>/dev/null || true
}
trap cleanup EXIT

if [ -x "$workload" ]; then
    echo "workload: $workload start $processes (idle processes plus burners, a memory holder and a writer)"
    WL_STATE=/tmp/tui-cost-workload-$$ "$workload" start "$processes" >/dev/null
else
    echo "workload: ../shared/bench/workload.sh is absent; starting $processes sleep processes"
    for _ in $(seq "$processes"); do sleep 100000 & sleepers+=($!); done
fi

# CPU ticks (utime + stime) of a PID.
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

# One 120x40 session; its first window only keeps the session alive between programs.
tmux -L "$socket" -f /dev/null new-session -d -s bench -x 120 -y 40 "sleep 100000"

# Starts COMMAND in a new window named NAME; prints the PID it runs as.
start_in_tmux() {
    local name=$1; shift
    tmux -L "$socket" new-window -d -t bench -n "$name" "exec env TERM=xterm-256color LANG=C.UTF-8 $*"
    sleep 0.5
    tmux -L "$socket" list-panes -t "bench:$name" -F '#{pane_pid}'
}

printf '\n%-28s %14s %10s %14s\n' "program (K=$processes)" "CPU ms per s" "RSS MiB" "vs htop CPU"
for delay in 1.5 1; do
    tenths=$(awk -v d="$delay" 'BEGIN { printf "%d", d * 10 }')
    top_pid=$(start_in_tmux "top-$tenths" "$top_binary" -d "$delay")
    htop_pid=$(start_in_tmux "htop-$tenths" htop -d "$tenths")
    sleep 3  # past start-up and the first frames
    top_start=$(ticks "$top_pid"); htop_start=$(ticks "$htop_pid")
    sleep "$seconds"
    top_ms=$(awk -v a="$top_start" -v b="$(ticks "$top_pid")" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / s }')
    htop_ms=$(awk -v a="$htop_start" -v b="$(ticks "$htop_pid")" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / s }')
    top_rss=$(awk -v k="$(rss_kib "$top_pid")" 'BEGIN { printf "%.1f", k / 1024 }')
    htop_rss=$(awk -v k="$(rss_kib "$htop_pid")" 'BEGIN { printf "%.1f", k / 1024 }')
    ratio=$(awk -v a="$top_ms" -v b="$htop_ms" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
    printf '%-28s %14s %10s %14s\n' "sentry-top -d $delay" "$top_ms" "$top_rss" "$ratio"
    printf '%-28s %14s %10s %14s\n' "htop -d $tenths" "$htop_ms" "$htop_rss" "1.00x"
    tmux -L "$socket" kill-window -t "bench:top-$tenths"
    tmux -L "$socket" kill-window -t "bench:htop-$tenths"
done
echo "(measured over ${seconds} s each, $(nproc) CPUs, $(date -u +%Y-%m-%d))"
