#!/usr/bin/env python3
"""A streaming SonarQube generic-coverage reader in Python, the yardstick for
tollgate's: xml.etree.ElementTree.iterparse over <lineToCover> elements,
tallying lines and branches per <file path>, elements cleared as they end.
Prints the totals.

Usage: sonar_iterparse.py FILE
"""
import sys
import xml.etree.ElementTree as ET


def main(path):
    files = {}
    current = None
    for event, elem in ET.iterparse(path, events=("start", "end")):
        if event == "start":
            if elem.tag == "file":
                current = files.setdefault(elem.get("path"), [0, 0, 0, 0])
            continue
        if elem.tag == "lineToCover":
            current[0] += 1
            current[1] += elem.get("covered") == "true"
            current[2] += int(elem.get("branchesToCover", "0"))
            current[3] += int(elem.get("coveredBranches", "0"))
        elem.clear()
    lines = sum(f[0] for f in files.values())
    hit = sum(f[1] for f in files.values())
    print(f"files={len(files)} lines={hit}/{lines}")


if __name__ == "__main__":
    main(sys.argv[1])
