#!/usr/bin/env python3
"""A streaming Clover XML reader in Python, the yardstick for tollgate's:
xml.etree.ElementTree.iterparse over each <file>'s <line> elements,
statement and condition lines tallied per distinct (file, line) with their
counts summed, conditions in istanbul's reading (`truecount` covered and
`falsecount` uncovered branches), elements cleared as their <file> ends.
Prints the totals, which agree with `tollgate inspect` on the generated
file (benches/support/gen_other.py clover).

Usage: clover_iterparse.py FILE
"""
import sys
import xml.etree.ElementTree as ET


def main(path):
    files = {}
    branches = [0, 0]
    for event, elem in ET.iterparse(path, events=("end",)):
        if elem.tag != "file":
            continue
        lines = files.setdefault(elem.get("path") or elem.get("name"), {})
        for line in elem.iterfind("line"):
            kind = line.get("type", "stmt")
            if kind == "method":
                continue
            number = int(line.get("num"))
            lines[number] = lines.get(number, 0) + int(line.get("count"))
            if kind == "cond":
                taken, missed = int(line.get("truecount")), int(line.get("falsecount"))
                branches[0] += taken + missed
                branches[1] += taken
        elem.clear()
    found = sum(len(lines) for lines in files.values())
    hit = sum(1 for lines in files.values() for h in lines.values() if h > 0)
    print(f"files={len(files)} lines={hit}/{found} branches={branches[1]}/{branches[0]}")


if __name__ == "__main__":
    main(sys.argv[1])
