#!/usr/bin/env python3
"""Helpers for bench/run.sh where bash is clumsy: timed scrapes with percentiles, medians and
the markdown table.

  bench.py scrape URL COUNT [--gzip] [--interval S] [--metric NAME]
      COUNT GETs over one keep-alive connection (as Prometheus scrapes). Prints key=value:
      p50_ms, p99_ms, bytes (body bytes as sent, compressed with --gzip), series (sample
      lines of the last body), and with --metric the metric's value in the first and last
      bodies (first=, last=), e.g. the target's process_cpu_seconds_total.
  bench.py median FILE           median of the numbers in FILE (one a line)
  bench.py table RESULTS NOTES   the markdown table: RESULTS has lines "K<TAB>key<TAB>value"
"""
import gzip
import http.client
import statistics
import sys
import time
import urllib.parse


def percentile(values, fraction):
    """Nearest-rank percentile (p99 of 100 samples is the 99th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil
    return ordered[int(rank) - 1]


def metric_value(text, name):
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == name:
            return parts[1]
    return "n/a"


def scrape(argv):
    url, count = argv[0], int(argv[1])
    use_gzip = "--gzip" in argv
    interval = float(argv[argv.index("--interval") + 1]) if "--interval" in argv else 0.0
    metric = argv[argv.index("--metric") + 1] if "--metric" in argv else None
    parsed = urllib.parse.urlsplit(url)
    headers = {"Accept-Encoding": "gzip"} if use_gzip else {}
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    times, first_text, text, size = [], None, "", 0
    for index in range(count):
        if index and interval:
            time.sleep(interval)
        start = time.perf_counter()
        try:
            connection.request("GET", parsed.path or "/", headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            # The server closed the kept-alive connection: reconnect once, as a scraper would.
            connection.close()
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
            connection.request("GET", parsed.path or "/", headers=headers)
            response = connection.getresponse()
            body = response.read()
        times.append(time.perf_counter() - start)
        if response.status != 200:
            sys.exit(f"bench.py: {url} answered {response.status}")
        size = len(body)
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        elif use_gzip:
            print("gzip=not-offered")
        text = body.decode("utf-8", "replace")
        if first_text is None:
            first_text = text
    series = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    print(f"p50_ms={percentile(times, 0.50) * 1000:.3f}")
    print(f"p99_ms={percentile(times, 0.99) * 1000:.3f}")
    print(f"bytes={size}")
    print(f"series={series}")
    if metric:
        print(f"first={metric_value(first_text, metric)}")
        print(f"last={metric_value(text, metric)}")


def median(argv):
    with open(argv[0]) as handle:
        values = [float(line) for line in handle if line.strip()]
    print(f"{statistics.median(values):.6f}" if values else "n/a")


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def fmt(value, digits=1):
    """A figure with thousands separators, or the text as given (n/a, skipped)."""
    x = number(value)
    if x is None:
        return value if value else "n/a"
    return f"{x:,.{digits}f}"


def ratio(a, b):
    x, y = number(a), number(b)
    return f"{x / y:.2f}x" if x is not None and y else "n/a"


def table(argv):
    results, ks = {}, []
    with open(argv[0]) as handle:
        for line in handle:
            k, key, value = line.rstrip("\n").split("\t", 2)
            if k not in ks:
                ks.append(k)
            results.setdefault(k, {})[key] = value

    def get(k, key):
        return results[k].get(key, "n/a")

    def row(title, cell):
        print(f"| {title} | " + " | ".join(cell(k) for k in ks) + " |")

    print("| measure | " + " | ".join(f"K={k}" for k in ks) + " |")
    print("|---|" + "---|" * len(ks))
    row("processes scanned by the exporter (median)", lambda k: fmt(get(k, "procs"), 0))
    row("exporter CPU per scan, ms (vs floor stat, status, cached)", lambda k: (
        f"{fmt(get(k, 'cpu_scan_ms'), 2)} ({ratio(get(k, 'cpu_scan_ms'), get(k, 'floor_stat_scan_ms'))}, "
        f"{ratio(get(k, 'cpu_scan_ms'), get(k, 'floor_status_scan_ms'))}, "
        f"{ratio(get(k, 'cpu_scan_ms'), get(k, 'floor_cached_scan_ms'))})"))
    row("exporter CPU per process per scan, µs", lambda k: fmt(get(k, "cpu_proc_us"), 2))
    row("floor `-m stat` CPU per scan, ms / per process, µs", lambda k: (
        f"{fmt(get(k, 'floor_stat_scan_ms'), 2)} / {fmt(get(k, 'floor_stat_proc_us'), 2)}"))
    row("floor `-m status` CPU per scan, ms / per process, µs", lambda k: (
        f"{fmt(get(k, 'floor_status_scan_ms'), 2)} / {fmt(get(k, 'floor_status_proc_us'), 2)}"))
    row("floor `-m cached` CPU per scan, ms / per process, µs", lambda k: (
        f"{fmt(get(k, 'floor_cached_scan_ms'), 2)} / {fmt(get(k, 'floor_cached_proc_us'), 2)}"))
    row("exporter scan wall time, median, ms", lambda k: fmt(get(k, "scan_wall_ms"), 2))
    row("exporter RSS, median (largest) of one sample a second over the scans, MiB",
        lambda k: f"{fmt(get(k, 'rss_mib'), 1)} ({fmt(get(k, 'rss_max_mib'), 1)})")
    row("scrape latency p50 / p99, plain, ms", lambda k: f"{fmt(get(k, 'lat_plain_p50'), 2)} / {fmt(get(k, 'lat_plain_p99'), 2)}")
    row("scrape latency p50 / p99, gzip, ms", lambda k: f"{fmt(get(k, 'lat_gzip_p50'), 2)} / {fmt(get(k, 'lat_gzip_p99'), 2)}")
    row("wrk requests/s, plain / gzip", lambda k: f"{fmt(get(k, 'rps_plain'), 0)} / {fmt(get(k, 'rps_gzip'), 0)}")
    row("bytes per scrape, plain / gzip", lambda k: f"{fmt(get(k, 'bytes_plain'), 0)} / {fmt(get(k, 'bytes_gzip'), 0)}")
    row("series per scrape (scraped / `proc_sentry_series_exported`)",
        lambda k: f"{fmt(get(k, 'series'), 0)} / {fmt(get(k, 'series_exported'), 0)}")
    row("disk bytes written by the exporter (`write_bytes`)", lambda k: fmt(get(k, "write_bytes"), 0))
    row("allocations per scan, steady state", lambda k: fmt(get(k, "allocs_scan"), 0))
    row("allocations per process per scan", lambda k: fmt(get(k, "allocs_proc"), 3))
    row("allocations per scrape (plain)", lambda k: fmt(get(k, "allocs_scrape"), 0))
    row("process-exporter CPU per scrape, ms (exporter's CPU per scan as a ratio of it)", lambda k: (
        f"{fmt(get(k, 'pe_cpu_ms'), 2)} ({ratio(get(k, 'cpu_scan_ms'), get(k, 'pe_cpu_ms'))})"
        if number(get(k, "pe_cpu_ms")) is not None else get(k, "pe_cpu_ms")))
    row("process-exporter RSS, MiB", lambda k: fmt(get(k, "pe_rss_mib"), 1))
    row("process-exporter scrape latency p50 / p99, ms", lambda k: f"{fmt(get(k, 'pe_p50'), 1)} / {fmt(get(k, 'pe_p99'), 1)}")
    for program in ("sentry-top -d 1.5", "sentry-top -d 1", "htop -d 15", "htop -d 10"):
        def tui(k, program=program):
            cpu = get(k, f"{program}|cpu")
            if number(cpu) is None:
                return cpu
            cell = f"{fmt(cpu, 1)} ms/s"
            if program.startswith("sentry-top"):
                cell += f" ({ratio(cpu, get(k, 'htop -d 10|cpu'))} htop -d 10)"
            return cell + f", {fmt(get(k, f'{program}|rss'), 1)} MiB, {fmt(get(k, f'{program}|frame'), 0)} ms"
        row(f"{program} in tmux: CPU, RSS, first complete frame", tui)
    with open(argv[1]) as handle:
        notes = [line.rstrip("\n") for line in handle if line.strip()]
    if notes:
        print()
        for note in notes:
            print(f"- {note}")


if __name__ == "__main__":
    commands = {"scrape": scrape, "median": median, "table": table}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])
