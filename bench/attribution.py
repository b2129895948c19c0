#!/usr/bin/env python3
"""Where a node's busy CPU goes in a running sentry-exporter's metrics, scan by scan.

    bench/attribution.py URL SCANS

Scrapes URL (http://HOST:PORT/metrics) as each scan is served and prints, per scan, the node's
busy CPU (exported + others + unattributed, 100 = one core), how much of it the processes' own
CPU alone accounts for (what the exporter attributed before children's CPU), how much own plus
children's CPU accounts for, the unattributed rest, and the first process of the CPU list with
its own + children's CPU; then the sums over the scans as shares of the busy CPU.
"""
import re
import sys
import time
import urllib.request


def scrape(url):
    """The exposition as {name: [(labels, value)]}."""
    families = {}
    for line in urllib.request.urlopen(url, timeout=5).read().decode().splitlines():
        if not line or line.startswith("#"):
            continue
        head, value = line.rsplit(" ", 1)
        name = head.split("{")[0]
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', head[len(name):]))
        families.setdefault(name, []).append((labels, float(value)))
    return families


def total(families, name):
    return sum(value for _, value in families.get(name, []))


def first_by_cpu(families):
    """Name, PID, own and children's CPU of the process ranked 1 in the CPU list."""
    ranks = {labels["pid"]: value for labels, value in families.get("proc_process_top_rank", []) if labels["list"] == "cpu"}
    if not ranks:
        return "none"
    pid = min(ranks, key=ranks.get)
    def of(name):
        return next((v for labels, v in families.get(name, []) if labels["pid"] == pid), 0.0)
    name = next(labels["name"] for labels, _ in families["proc_process_top_rank"] if labels["pid"] == pid)
    return f"{name} ({pid}) {of('proc_process_top_cpu_percent'):.1f} + {of('proc_process_top_children_cpu_percent'):.1f}"


def main():
    url, scans = sys.argv[1], int(sys.argv[2])
    last_scan = None
    rows = []
    while len(rows) < scans:
        families = scrape(url)
        scan = total(families, "proc_sentry_last_scan_timestamp_seconds")
        if scan != last_scan and "proc_process_unattributed_cpu_percent" in families:
            if last_scan is not None:
                own = total(families, "proc_process_top_cpu_percent") + total(families, "proc_process_others_cpu_percent")
                children = total(families, "proc_process_top_children_cpu_percent") + total(
                    families, "proc_process_others_children_cpu_percent")
                unattributed = total(families, "proc_process_unattributed_cpu_percent")
                rows.append((own + children + unattributed, own, own + children, unattributed))
                print("busy %6.1f  own %6.1f  own + children %6.1f  unattributed %5.1f  first: %s"
                      % (rows[-1] + (first_by_cpu(families),)), flush=True)
            last_scan = scan
        time.sleep(0.2)
    busy = sum(row[0] for row in rows)
    print("over %d scans, of the busy CPU: own %.1f%%, own + children %.1f%%, unattributed %.1f%%"
          % (len(rows), 100 * sum(row[1] for row in rows) / busy, 100 * sum(row[2] for row in rows) / busy,
             100 * sum(row[3] for row in rows) / busy))


if __name__ == "__main__":
    main()
