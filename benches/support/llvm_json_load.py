#!/usr/bin/env python3
"""An llvm-cov export JSON reader in Python, the yardstick for tollgate's:
`json.load` of the whole export (what a user would write), then each
file's `summary` summed, as tollgate takes them. Prints the totals, which
agree with `tollgate inspect` on the generated file
(benches/support/gen_other.py llvmjson).

Usage: llvm_json_load.py FILE
"""
import json
import sys


def main(path):
    with open(path, encoding="utf-8") as f:
        export = json.load(f)
    totals = {"lines": [0, 0], "functions": [0, 0], "regions": [0, 0], "branches": [0, 0]}
    files = 0
    for data in export["data"]:
        for file in data["files"]:
            files += 1
            for key, tally in totals.items():
                counts = file["summary"].get(key, {"count": 0, "covered": 0})
                tally[0] += counts["count"]
                tally[1] += counts["covered"]
    figures = " ".join(f"{key}={t[1]}/{t[0]}" for key, t in totals.items())
    print(f"files={files} {figures}")


if __name__ == "__main__":
    main(sys.argv[1])
