#!/usr/bin/env python3
"""A streaming JUnit reader in Python, the yardstick for tollgate's (issue
14): xml.etree.ElementTree.iterparse over <testcase> elements, each counted
from its children (failure, error, skipped, else a pass), elements cleared
as they end so memory does not follow file size. Prints the totals.

Usage: junit_iterparse.py FILE...
"""
import sys
import xml.etree.ElementTree as ET


def main(paths):
    total = failed = errors = skipped = 0
    for path in paths:
        for _, elem in ET.iterparse(path, events=("end",)):
            if elem.tag != "testcase":
                continue
            total += 1
            if elem.find("failure") is not None:
                failed += 1
            elif elem.find("error") is not None:
                errors += 1
            elif elem.find("skipped") is not None:
                skipped += 1
            elem.clear()
    passed = total - failed - errors - skipped
    print(f"total={total} passed={passed} failed={failed} errors={errors} skipped={skipped}")


if __name__ == "__main__":
    main(sys.argv[1:])
