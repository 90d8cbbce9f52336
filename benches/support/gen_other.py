#!/usr/bin/env python3
"""Seeded generators for the coverage formats the Rust generator
(benches/support/generate.rs) does not make: SonarQube generic coverage XML
and Go cover profiles, of about MB megabytes, for benches/other-formats.sh.

Usage: gen_other.py sonar|go MB SEED OUT

The shapes follow the producers: Sonar's `<file path>` with one
`<lineToCover>` per executable line, one in eight with branches; Go's
`mode: count` profile with one block per statement run, files of 20 to 400
blocks, named by import path under the module `example.com/bench` (run
tollgate where a go.mod declares that module).
"""
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


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("sonar", "go"):
        sys.exit(__doc__)
    kind, mb, seed, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    with open(path, "w", encoding="ascii") as out:
        {"sonar": sonar, "go": go}[kind](out, mb * 1_000_000, rng)


if __name__ == "__main__":
    main()
