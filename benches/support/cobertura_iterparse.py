#!/usr/bin/env python3
"""A streaming Cobertura reader in Python, the yardstick for tollgate's
(issue 14): xml.etree.ElementTree.iterparse over <class> elements, line hits
summed per distinct (file, line), elements cleared as they end so memory
follows distinct lines, not file size. Prints files and lines hit/found.

Usage: cobertura_iterparse.py FILE
"""
import sys
import xml.etree.ElementTree as ET


def main(path):
    files = {}
    for _, elem in ET.iterparse(path, events=("end",)):
        if elem.tag != "class":
            continue
        lines = files.setdefault(elem.get("filename"), {})
        for line in elem.iterfind("lines/line"):
            number = int(line.get("number"))
            lines[number] = lines.get(number, 0) + int(line.get("hits"))
        elem.clear()
    found = sum(len(lines) for lines in files.values())
    hit = sum(1 for lines in files.values() for h in lines.values() if h > 0)
    print(f"files={len(files)} lines={hit}/{found}")


if __name__ == "__main__":
    main(sys.argv[1])
