# Sourced by the scripts and benchmarks that start sentry-exporter on 127.0.0.1:0.

# exporter_port LOG [SECONDS]: prints the port the exporter's start-up line in LOG names,
# waiting up to SECONDS (default 10) for it; fails, printing nothing, if it never comes.
exporter_port() {
    local log=$1 tenths=$(( ${2:-10} * 10 ))
    for _ in $(seq "$tenths"); do
        grep -oE 'Starting proc-sentry on 127\.0\.0\.1:[0-9]+' "$log" | grep -oE '[0-9]+$' && return 0
        sleep 0.1
    done
    return 1
}
