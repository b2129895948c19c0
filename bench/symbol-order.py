#!/usr/bin/env python3
"""Turns callgrind profiles of the release programs into lld's symbol ordering file.

    bench/symbol-order.py --profiles OUT... --maps MAP... --binaries BINARY...

Prints the functions the profiles saw executed in the binaries, most instructions first, except
that a function whose input section (lld `-Map`) holds more than 4 KiB of code that never ran
comes after all the others: lld moves whole sections, and moving such a section to the front
would put the code that never ran among the code that does. Run by bench/symbol-order.sh.
"""
import argparse
import collections
import re
import subprocess

# Unexecuted bytes a section may carry and still be moved among the executed code.
DRAG_LIMIT = 4096
MAP_LINE = re.compile(r"^\s*[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ (\s*)(.*)$")


def executed_cost(profiles, binaries):
    """Own instructions per function of the binaries, summed over callgrind profiles written
    with --compress-strings=no --compress-pos=no."""
    cost = collections.Counter()
    for path in profiles:
        ours = False
        function = None
        with open(path) as profile:
            for line in profile:
                if line.startswith("ob="):
                    ours = line[3:].rstrip().endswith(binaries)
                elif line.startswith("fn="):
                    function = line[3:].rstrip() if ours else None
                elif line.startswith("calls="):
                    next(profile, None)  # the cost line after it is the callee's
                elif function and line[:1].isdigit():
                    cost[function] += int(line.split()[1])
    # Code without a symbol shows up as an address: nothing to order it by.
    return collections.Counter({name: n for name, n in cost.items() if not name.startswith("0x")})


def text_sections(map_path):
    """(size, symbol names) of each input section of .text in an lld map file."""
    sections = []
    output = None
    current = None
    with open(map_path) as lines:
        for line in lines:
            match = MAP_LINE.match(line)
            if not match:
                continue
            size, indent, text = int(match.group(1), 16), match.group(2), match.group(3).strip()
            if not indent:
                output = text
                current = None
            elif ":(" in text:
                current = (size, []) if output == ".text" else None
                if current:
                    sections.append(current)
            elif current is not None:
                current[1].append(text)
    return sections


def symbol_sizes(binary):
    sizes = {}
    out = subprocess.run(["nm", "-S", binary], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 4:
            sizes[fields[3]] = max(sizes.get(fields[3], 0), int(fields[1], 16))
    return sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--profiles", nargs="+", required=True)
    parser.add_argument("--maps", nargs="+", required=True)
    parser.add_argument("--binaries", nargs="+", required=True)
    args = parser.parse_args()

    names = tuple("/" + path.rsplit("/", 1)[-1] for path in args.binaries)
    cost = executed_cost(args.profiles, names)
    sizes = {}
    for binary in args.binaries:
        sizes.update(symbol_sizes(binary))
    # A name may be defined in several sections (local symbols of several objects): lld moves
    # them all, so every one of them must be cheap to move.
    dragging = set()
    for map_path in args.maps:
        for size, symbols in text_sections(map_path):
            executed = sum(sizes.get(name, 0) for name in symbols if name in cost)
            if size - executed > DRAG_LIMIT:
                dragging.update(name for name in symbols if name in cost)
    ordered = [name for name, _ in cost.most_common()]
    for name in [n for n in ordered if n not in dragging] + [n for n in ordered if n in dragging]:
        print(name)


if __name__ == "__main__":
    main()
