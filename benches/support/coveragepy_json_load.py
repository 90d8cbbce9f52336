#!/usr/bin/env python3
"""A coverage.py JSON report reader in Python, the yardstick for tollgate's:
`json.load` of the whole report (what a user would write), then each file's
`executed_lines` and `missing_lines` as lines, `executed_branches` and
`missing_branches` as branches, named functions with statements as
functions. Prints the totals, which agree with `tollgate inspect` on the
generated file (benches/support/gen_other.py coveragepy).

Usage: coveragepy_json_load.py FILE
"""
import json
import sys


def main(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    lines, branches, functions = [0, 0], [0, 0], [0, 0]
    for file in report["files"].values():
        lines[0] += len(file["executed_lines"]) + len(file["missing_lines"])
        lines[1] += len(file["executed_lines"])
        hit = len(file.get("executed_branches", ()))
        branches[0] += hit + len(file.get("missing_branches", ()))
        branches[1] += hit
        for name, function in file.get("functions", {}).items():
            summary = function["summary"]
            if name and summary["num_statements"]:
                functions[0] += 1
                functions[1] += summary["covered_lines"] > 0
    print(
        f"files={len(report['files'])} lines={lines[1]}/{lines[0]} "
        f"branches={branches[1]}/{branches[0]} functions={functions[1]}/{functions[0]}"
    )


if __name__ == "__main__":
    main(sys.argv[1])
