#!/usr/bin/env python3
"""Seeded generators for the coverage formats the Rust generator
(benches/support/generate.rs) does not make: SonarQube generic coverage XML,
Go cover profiles, Clover XML, llvm-cov export JSON and coverage.py JSON, of
about MB megabytes, for benches/whole-process.sh.

Usage: gen_other.py sonar|go|clover|llvmjson|coveragepy MB SEED OUT

The shapes follow the producers: Sonar's `<file path>` with one
`<lineToCover>` per executable line, one in eight with branches; Go's
`mode: count` profile with one block per statement run, files of 20 to 400
blocks, named by import path under the module `example.com/bench` (run
tollgate where a go.mod declares that module).

Clover follows istanbul/nyc's `--reporter=clover` (fixtures/coverage/nyc-clover):
`<project>` metrics first, a `<package>` per directory, `<file name path>`
with absolute paths of the CI machine, its `<metrics>` (conditionals in
istanbul's reading: `truecount` covered and `falsecount` uncovered branches),
then `<line type="stmt">` and, one in six, `<line type="cond">`; no method
lines (istanbul writes none). llvmjson follows `cargo llvm-cov --json`
(fixtures/coverage/llvm-cov): compact, keys sorted, each file's `segments`
and `summary`, then the top-level `functions` with their `regions`, the
`totals` (the sum of the files) and `type` last; filenames absolute.
coveragepy follows `coverage json` 7.x with branch coverage
(fixtures/coverage/coveragepy): `meta` first, relative file keys, each
file's line and arc lists, `summary`, `functions` (the module's `""` and
named ones, each with its own lists) and `classes`, then `totals`.
Absolute paths stay as written when run in an empty repository.
"""
import json
import random
import sys


def sonar(out, size, rng):
    out.write('<coverage version="1">\n')
    written, f = 0, 0
    while written < size:
        lines = [f'  <file path="src/d{f // 100}/f{f}.rs">\n']
        line = 0
        for _ in range(rng.randint(20, 400)):
            line += rng.randint(1, 3)
            covered = "true" if rng.random() < 0.8 else "false"
            if rng.random() < 0.125:
                total = rng.choice((2, 2, 4))
                taken = rng.randint(0, total)
                lines.append(
                    f'    <lineToCover lineNumber="{line}" covered="{covered}" '
                    f'branchesToCover="{total}" coveredBranches="{taken}"/>\n'
                )
            else:
                lines.append(f'    <lineToCover lineNumber="{line}" covered="{covered}"/>\n')
        lines.append("  </file>\n")
        chunk = "".join(lines)
        out.write(chunk)
        written += len(chunk)
        f += 1
    out.write("</coverage>\n")


def go(out, size, rng):
    out.write("mode: count\n")
    written, f = 0, 0
    while written < size:
        name = f"example.com/bench/pkg/d{f // 100}/f{f}.go"
        lines = []
        line = 1
        for _ in range(rng.randint(20, 400)):
            start = line + rng.randint(0, 2)
            end = start + rng.randint(0, 4)
            count = 0 if rng.random() < 0.2 else rng.randint(1, 5000)
            col = rng.randint(2, 30)
            end_col = rng.randint(col + 1, 60) if end == start else rng.randint(2, 60)
            lines.append(
                f"{name}:{start}.{col},{end}.{end_col} {rng.randint(1, 6)} {count}\n"
            )
            line = end + 1
        chunk = "".join(lines)
        out.write(chunk)
        written += len(chunk)
        f += 1


CI_ROOT = "/home/runner/work/bench/bench"


def clover_metrics(m, indent):
    return (
        f'{indent}<metrics statements="{m[0]}" coveredstatements="{m[1]}" '
        f'conditionals="{m[2]}" coveredconditionals="{m[3]}" '
        f'methods="{m[4]}" coveredmethods="{m[5]}"/>\n'
    )


def clover(out, size, rng):
    # istanbul writes the project's metrics before its files: the packages
    # are made first, then written after the header.
    packages, total, written, f = [], [0] * 6, 0, 0
    while written < size:
        d = f // 100
        pkg = [0] * 6
        files = []
        for _ in range(100):
            lines, m = [], [0] * 6
            line = 0
            for _ in range(rng.randint(20, 400)):
                line += rng.randint(1, 3)
                count = 0 if rng.random() < 0.2 else rng.randint(1, 500)
                m[0] += 1
                m[1] += count > 0
                if rng.random() < 1 / 6:
                    branches = rng.choice((2, 2, 2, 3, 4))
                    taken = rng.randint(0, branches) if count else 0
                    m[2] += branches
                    m[3] += taken
                    lines.append(
                        f'        <line num="{line}" count="{count}" type="cond" '
                        f'truecount="{taken}" falsecount="{branches - taken}"/>\n'
                    )
                else:
                    lines.append(f'        <line num="{line}" count="{count}" type="stmt"/>\n')
            m[4] = rng.randint(1, 20)
            m[5] = rng.randint(0, m[4])
            chunk = (
                f'      <file name="f{f}.js" path="{CI_ROOT}/lib/d{d}/f{f}.js">\n'
                + clover_metrics(m, "        ")
                + "".join(lines)
                + "      </file>\n"
            )
            files.append(chunk)
            written += len(chunk)
            pkg = [a + b for a, b in zip(pkg, m)]
            f += 1
            if written >= size:
                break
        total = [a + b for a, b in zip(total, pkg)]
        packages.append(
            f'    <package name="lib.d{d}">\n'
            + clover_metrics(pkg, "      ")
            + "".join(files)
            + "    </package>\n"
        )
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<coverage generated="1796131320530" clover="3.2.0">\n')
    out.write('  <project timestamp="1796131320530" name="All files">\n')
    out.write(clover_metrics(total, "    ").replace("/>", f' files="{f}" packages="{len(packages)}"/>'))
    out.writelines(packages)
    out.write("  </project>\n</coverage>\n")


def llvm_summary(lines, covered_lines, functions, covered_functions, regions, covered_regions):
    def pct(a, b):
        return a * 100 / b if b else 0

    return {
        "branches": {"count": 0, "covered": 0, "notcovered": 0, "percent": 0},
        "functions": {"count": functions, "covered": covered_functions,
                      "percent": pct(covered_functions, functions)},
        "instantiations": {"count": functions, "covered": covered_functions,
                           "percent": pct(covered_functions, functions)},
        "lines": {"count": lines, "covered": covered_lines, "percent": pct(covered_lines, lines)},
        "mcdc": {"count": 0, "covered": 0, "notcovered": 0, "percent": 0},
        "regions": {"count": regions, "covered": covered_regions,
                    "notcovered": regions - covered_regions,
                    "percent": pct(covered_regions, regions)},
    }


def llvmjson(out, size, rng):
    def dump(value):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    # Files, then functions, as llvm-cov writes them: the functions are
    # kept until the files are written (about a third of the export).
    out.write('{"data":[{"files":[')
    functions, total, written, f = [], [0] * 6, 0, 0
    while written < size:
        name = f"{CI_ROOT}/src/d{f // 100}/f{f}.rs"
        segments, fn_count, fn_hit, covered_lines, lines = [], 0, 0, set(), set()
        regions_hit, regions = 0, 0
        line = 1
        for _ in range(rng.randint(2, 40)):
            start = line
            fn_regions = []
            calls = 0 if rng.random() < 0.2 else rng.randint(1, 5000)
            for _ in range(rng.randint(1, 12)):
                rs = line
                re = rs + rng.randint(0, 3)
                cs, ce = rng.randint(1, 40), rng.randint(2, 80)
                count = 0 if calls == 0 or rng.random() < 0.15 else rng.randint(1, calls)
                fn_regions.append([rs, cs, re, ce, count, 0, 0, 0])
                segments.append([rs, cs, count, True, True, False])
                segments.append([re, ce, 0, False, False, False])
                regions += 1
                regions_hit += count > 0
                for n in range(rs, re + 1):
                    lines.add(n)
                    if count:
                        covered_lines.add(n)
                line = re + 1
            line += rng.randint(1, 3)
            fn_count += 1
            fn_hit += calls > 0
            functions.append({"branches": [], "count": calls, "filenames": [name],
                              "mcdc_records": [], "name": f"_RNvCs0bench_{f}_{start}",
                              "regions": fn_regions})
        figures = [len(lines), len(covered_lines), fn_count, fn_hit, regions, regions_hit]
        total = [a + b for a, b in zip(total, figures)]
        chunk = ("," if f else "") + dump({
            "branches": [], "expansions": [], "filename": name, "mcdc_records": [],
            "segments": segments, "summary": llvm_summary(*figures)})
        out.write(chunk)
        written += len(chunk) + sum(len(dump(fn)) for fn in functions[-fn_count:])
        f += 1
    out.write('],"functions":[')
    for i, fn in enumerate(functions):
        out.write(("," if i else "") + dump(fn))
    out.write('],"totals":' + dump(llvm_summary(*total)) + "}]")
    out.write(',"cargo_llvm_cov":{"manifest_path":"' + CI_ROOT + '/Cargo.toml","version":"0.9.1"}')
    out.write(',"type":"llvm.coverage.json.export","version":"3.1.0"}')


def coveragepy_entry(executed, missing, arcs_hit, arcs_missed, start_line=None):
    covered, statements = len(executed), len(executed) + len(missing)
    branches, branches_hit = len(arcs_hit) + len(arcs_missed), len(arcs_hit)
    partial = len({a for a, _ in arcs_missed} & set(executed))
    percent = 100 * (covered + branches_hit) / (statements + branches) if statements + branches else 100.0
    summary = {
        "covered_lines": covered, "num_statements": statements,
        "percent_covered": percent, "percent_covered_display": f"{percent:.0f}",
        "missing_lines": len(missing), "excluded_lines": 0,
        "percent_statements_covered": 100 * covered / statements if statements else 100.0,
        "percent_statements_covered_display": f"{100 * covered / statements if statements else 100:.0f}",
        "num_branches": branches, "num_partial_branches": partial,
        "covered_branches": branches_hit, "missing_branches": len(arcs_missed),
        "percent_branches_covered": 100 * branches_hit / branches if branches else 100.0,
        "percent_branches_covered_display": f"{100 * branches_hit / branches if branches else 100:.0f}",
    }
    entry = {"executed_lines": executed, "summary": summary, "missing_lines": missing,
             "excluded_lines": []}
    if start_line is not None:
        entry["start_line"] = start_line
    entry["executed_branches"] = arcs_hit
    entry["missing_branches"] = arcs_missed
    return entry, summary


def coveragepy(out, size, rng):
    out.write('{"meta": {"format": 3, "version": "7.17.4", "timestamp": "2026-11-25T14:06:59.780404", '
              '"branch_coverage": true, "show_contexts": false}, "files": {')
    total = {"covered_lines": 0, "num_statements": 0, "num_branches": 0, "covered_branches": 0,
             "missing_lines": 0, "num_partial_branches": 0, "missing_branches": 0}
    written, f = 0, 0
    while written < size:
        name = f"src/pkg/d{f // 100}/f{f}.py"
        functions = {}
        whole = ([], [], [], [])
        module = ([], [], [], [])
        line = 1
        for k in range(rng.randint(2, 30)):
            # Module-level statements, then a function of 3 to 30.
            for _ in range(rng.randint(1, 3)):
                module[0].append(line)
                whole[0].append(line)
                line += 1
            start = line
            line += 1  # the def line is the module's
            module[0].append(start)
            whole[0].append(start)
            ran = rng.random() >= 0.2
            body = ([], [], [], [])
            for _ in range(rng.randint(3, 30)):
                hit = ran and rng.random() >= 0.1
                body[0 if hit else 1].append(line)
                if rng.random() < 1 / 6:
                    for to in (line + 1, line + 2):
                        body[2 if hit and rng.random() >= 0.3 else 3].append([line, to])
                line += rng.randint(1, 2)
            for a, b in zip(whole, body):
                a.extend(b)
            functions[f"f{k}"] = coveragepy_entry(*body, start_line=start)[0]
        functions[""] = coveragepy_entry(*module, start_line=1)[0]
        for lst in whole[:2]:
            lst.sort()
        entry, summary = coveragepy_entry(*whole)
        entry["functions"] = functions
        entry["classes"] = {"": coveragepy_entry(*whole, start_line=1)[0]}
        for key in total:
            total[key] += summary[key]
        chunk = ("" if f == 0 else ", ") + json.dumps(name) + ": " + json.dumps(entry)
        out.write(chunk)
        written += len(chunk)
        f += 1
    totals, _ = coveragepy_entry([], [], [], [])
    totals.clear()
    for key, value in total.items():
        totals[key] = value
    statements, branches = total["num_statements"], total["num_branches"]
    totals["percent_covered"] = 100 * (total["covered_lines"] + total["covered_branches"]) / (statements + branches)
    out.write('}, "totals": ' + json.dumps(totals) + "}")


def main():
    kinds = {"sonar": sonar, "go": go, "clover": clover, "llvmjson": llvmjson,
             "coveragepy": coveragepy}
    if len(sys.argv) != 5 or sys.argv[1] not in kinds:
        sys.exit(__doc__)
    kind, mb, seed, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    with open(path, "w", encoding="ascii") as out:
        kinds[kind](out, mb * 1_000_000, rng)


if __name__ == "__main__":
    main()
