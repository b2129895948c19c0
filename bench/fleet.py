#!/usr/bin/env python3
"""How long sentry-top --prometheus takes for its first frame over a fleet, against a local
Prometheus holding that fleet's history.

    bench/fleet.py [--nodes 100] [--processes 150] [--minutes 5] [--runs 5]

Writes OpenMetrics for NODES exporters, each exporting PROCESSES processes (the union of three
Top 50 lists is 50 to 150) with every per-process family, scanned every 15 s for MINUTES, loads
it with `promtool tsdb create-blocks-from openmetrics`, starts `prometheus` on it, and times
(wall clock, median of RUNS after one warm-up) `sentry-top --json --iterations 1` as of the
history's last scan: the fleet view (Nodes tab and the fleet's top processes) and one node's
frame. It also reports the instant queries each sent, from Prometheus's own
prometheus_http_requests_total. Needs prometheus, promtool and a built sentry-top
(.build/release, else .build/debug).
"""
import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

FAMILIES = [
    "proc_process_top_cpu_percent", "proc_process_top_children_cpu_percent", "proc_process_top_memory_bytes",
    "proc_process_top_io_read_bytes_per_second", "proc_process_top_io_write_bytes_per_second",
    "proc_process_top_io_read_bytes_total", "proc_process_top_io_write_bytes_total", "proc_process_top_threads",
    "proc_process_top_start_time_seconds", "proc_process_top_cpu_seconds_total",
    "proc_process_top_children_cpu_seconds_total",
]
NODE_FAMILIES = [
    "up", "proc_sentry_build_info", "proc_sentry_last_scan_timestamp_seconds", "proc_sentry_top_n",
    "proc_sentry_processes_scanned", "proc_sentry_processes_selected", "proc_process_others_cpu_percent",
    "proc_process_others_memory_bytes", "proc_process_others_io_read_bytes_per_second",
    "proc_process_others_io_write_bytes_per_second", "proc_process_others_processes",
    "proc_process_unattributed_cpu_percent",
]


def write_history(path, nodes, processes, scans, start):
    rng = random.Random(7)
    shape = {(n, p): (rng.uniform(0, 100), rng.uniform(1e6, 4e9), rng.uniform(0, 1e7)) for n in range(nodes) for p in range(processes)}
    # Each node's own PIDs, as on real nodes (a few low ones, such as 1, shared).
    pids = {n: [1] + rng.sample(range(300, 4_000_000), processes - 1) for n in range(nodes)}
    with open(path, "w") as out:
        def family(name, series):
            out.write(f"# TYPE {name} gauge\n")
            for labels, value in series:
                for k in range(scans):
                    out.write(f"{name}{{{labels}}} {value(k)} {start + 15 * k}\n")
        target = lambda n: f'instance="node-{n:03d}:9105",job="proc-sentry"'
        for name in NODE_FAMILIES:
            value = {
                "proc_sentry_last_scan_timestamp_seconds": lambda k: start + 15 * k - 0.5,
                "proc_sentry_top_n": lambda k: 50,
                "proc_sentry_processes_scanned": lambda k: 3000,
                "proc_sentry_processes_selected": lambda k: processes,
                "proc_process_others_processes": lambda k: 3000 - processes,
            }.get(name, lambda k: 1)
            extra = ',version="0.1.0"' if name == "proc_sentry_build_info" else ""
            family(name, [(target(n) + extra, value) for n in range(nodes)])
        for index, name in enumerate(FAMILIES):
            series = []
            for n in range(nodes):
                for p in range(processes):
                    cpu, rss, io = shape[(n, p)]
                    base = [cpu, cpu / 10, rss, io, io / 2, io * 1000, io * 500, 4, 1.7e9, cpu * 100, cpu * 10][index]
                    labels = f'{target(n)},pid="{pids[n][p]}",name="proc-{p}",user="root",container_id=""'
                    series.append((labels, lambda k, base=base: base * (1 + 0.01 * (k % 7))))
            family(name, series)
        series = []
        for n in range(nodes):
            ordered = {
                "cpu": sorted(range(processes), key=lambda p: -shape[(n, p)][0])[:50],
                "memory": sorted(range(processes), key=lambda p: -shape[(n, p)][1])[:50],
                "io": sorted(range(processes), key=lambda p: -shape[(n, p)][2])[:50],
            }
            for list_name, members in ordered.items():
                for rank, p in enumerate(members, 1):
                    labels = f'{target(n)},pid="{pids[n][p]}",name="proc-{p}",user="root",container_id="",list="{list_name}"'
                    series.append((labels, lambda k, rank=rank: rank))
        family("proc_process_top_rank", series)
        out.write("# EOF\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query_requests(url):
    total = 0
    for line in urllib.request.urlopen(url + "/metrics", timeout=5).read().decode().splitlines():
        if line.startswith("prometheus_http_requests_total{") and 'handler="/api/v1/query"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--processes", type=int, default=150)
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    top = next((p for p in (".build/release/sentry-top", ".build/debug/sentry-top") if os.path.exists(p)), None)
    if not top:
        sys.exit("fleet: build sentry-top first (swift build -c release --product sentry-top)")
    work = tempfile.mkdtemp(prefix="proc-sentry-fleet.")
    prometheus = None
    try:
        scans = args.minutes * 4
        start = int(time.time() // 900 * 900 - 3600)
        history = os.path.join(work, "history.om")
        began = time.monotonic()
        write_history(history, args.nodes, args.processes, scans, start)
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", history, os.path.join(work, "tsdb")],
                       check=True, stdout=subprocess.DEVNULL)
        os.remove(history)
        print(f"fleet: {args.nodes} nodes x {args.processes} processes, {scans} scans, loaded in {time.monotonic() - began:.0f} s",
              file=sys.stderr, flush=True)
        port = free_port()
        with open(os.path.join(work, "prometheus.yml"), "w") as config:
            config.write("global:\n  scrape_interval: 15s\n")
        prometheus = subprocess.Popen(
            ["prometheus", f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/tsdb",
             "--storage.tsdb.retention.time=30d", f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if urllib.request.urlopen(url + "/-/ready", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        at = str(start + 15 * (scans - 1) + 1)
        print(f"| view | first frame, median of {args.runs} (s) | slowest (s) | instant queries |", flush=True)
        print("|---|---|---|---|")
        for view, extra in [("fleet (Nodes and top processes)", []), ("one node", ["--instance", f"node-{args.nodes // 2:03d}:9105"])]:
            command = [top, "--prometheus", url, "--at", at, "--json", "--iterations", "1"] + extra
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            times = []
            before = query_requests(url)
            for _ in range(args.runs):
                began = time.monotonic()
                output = subprocess.run(command, check=True, capture_output=True).stdout
                times.append(time.monotonic() - began)
                if b'"processes":[{' not in output:
                    sys.exit(f"fleet: no processes in the {view} frame: {output[:300]!r}")
            queries = (query_requests(url) - before) / args.runs
            print(f"| {view} | {statistics.median(times):.2f} | {max(times):.2f} | {queries:g} |")
    finally:
        if prometheus:
            prometheus.terminate()
            prometheus.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
