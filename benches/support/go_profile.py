#!/usr/bin/env python3
"""A Go cover profile reader in Python, the yardstick for tollgate's: each
block line split into file, span, statements and count, blocks merged by
(file, span) as `go tool cover` merges them, then statements tallied.
Prints the totals.

Usage: go_profile.py FILE
"""
import sys


def main(path):
    blocks = {}
    with open(path, encoding="utf-8") as f:
        f.readline()  # mode:
        for line in f:
            name, rest = line.rsplit(":", 1)
            span, statements, count = rest.split()
            key = (name, span)
            old = blocks.get(key)
            blocks[key] = (int(statements), int(count) + (old[1] if old else 0))
    total = sum(s for s, _ in blocks.values())
    hit = sum(s for s, c in blocks.values() if c > 0)
    files = len({name for name, _ in blocks})
    print(f"files={files} statements={hit}/{total}")


if __name__ == "__main__":
    main(sys.argv[1])
