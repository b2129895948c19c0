#!/usr/bin/env python3
"""Where a running program's resident memory in its own executable lies, by ELF section.

    bench/rss-by-section.py PID

Reads /proc/PID/maps and /proc/PID/pagemap (root needed for the page flags) and, for every
resident page mapped from the executable, names the section it belongs to and whether it is
still the file's page or a private (anonymous) copy. This is how the release link options in
Package.swift were chosen: most of proc-sentry's RSS is file-backed pages of its static binary.
"""
import collections
import os
import re
import struct
import subprocess
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")


def sections(binary):
    """(name, virtual address, size) of the sections loaded at run time."""
    out = subprocess.run(["readelf", "-S", "-W", binary], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(\S*)", line)
        if m and "A" in m.group(4):
            found.append((m.group(1), int(m.group(2), 16), int(m.group(3), 16)))
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    pid = int(sys.argv[1])
    binary = os.readlink(f"/proc/{pid}/exe")
    mappings = []
    for line in open(f"/proc/{pid}/maps"):
        fields = line.split()
        if len(fields) >= 6 and fields[5] == binary:
            start, end = (int(x, 16) for x in fields[0].split("-"))
            mappings.append((start, end, int(fields[2], 16)))
    if not mappings:
        sys.exit(f"no mapping of {binary} in /proc/{pid}/maps")
    # Section addresses are a PIE's offsets from its load base (where the first mapping maps
    # file offset 0), and a fixed-position executable's (the static release build's) own.
    is_pie = b"DYN" in subprocess.run(["readelf", "-h", binary], capture_output=True, check=True).stdout
    base = min(start - offset for start, _, offset in mappings) if is_pie else 0
    table = sections(binary)
    totals = collections.Counter()
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for start, end, _ in mappings:
            for address in range(start, end, PAGE):
                pagemap.seek(address // PAGE * 8)
                entry = struct.unpack("<Q", pagemap.read(8))[0]
                if not entry >> 63 & 1:
                    continue  # not resident
                kind = "file" if entry >> 61 & 1 else "anon"
                offset = address - base
                name = next((n for n, a, s in table if a // PAGE * PAGE <= offset < a + max(s, 1)), "(between sections)")
                totals[(name, kind)] += PAGE // 1024
    for (name, kind), kib in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"{kib:8d} KiB  {kind}  {name}")
    print(f"{sum(totals.values()):8d} KiB  resident in {binary}")


if __name__ == "__main__":
    main()
