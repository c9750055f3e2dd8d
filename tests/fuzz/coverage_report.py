#!/usr/bin/env python3
"""Seed coverage of the fuzzed parsers: runs each harness's coverage build
(<harness>_cov, clang source-based coverage on its parser files) once over every
seed, merges the profile, and prints per parser file the regions and branches
reached, then every region and branch no seed reaches, with its source line.

    tests/fuzz/coverage_report.py BUILD_DIR [--list] [--require-full HARNESS ...] HARNESS...

BUILD_DIR is the fuzz build (build/fuzz); seeds come from tests/fuzz/corpus/<harness>/
plus the extra directories in SEED_DIRS. Without --list only the summary lines are
printed. --require-full names harnesses whose parser files must have every region
and branch reached by a seed (exit 1 otherwise)."""
import json
import os
import subprocess
import sys
import tempfile

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# Seeds that live elsewhere in the tree: the config fixtures (one per rule).
SEED_DIRS = {"config": ["tests/data/config"]}


def seed_files(harness):
    dirs = [os.path.join("tests/fuzz/corpus", harness)] + SEED_DIRS.get(harness, [])
    files = []
    for d in dirs:
        full = os.path.join(TOP, d)
        if os.path.isdir(full):
            files += sorted(os.path.join(full, f) for f in os.listdir(full))
    return [f for f in files if os.path.isfile(f)]


def covered_files(build):
    table = {}
    with open(os.path.join(build, "tests", "fuzz", "covered_files.txt")) as f:
        for line in f:
            parts = line.split()
            if parts:
                table[parts[0]] = parts[1:]
    return table


def tool(name):
    for candidate in (name, name + "-14", name + "-15", name + "-16"):
        for d in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/bin"]:
            if os.access(os.path.join(d, candidate), os.X_OK):
                return os.path.join(d, candidate)
    raise SystemExit(f"coverage: {name} not found (Debian package llvm)")


def run_harness(build, harness, tmp):
    binary = os.path.join(build, "tests", "fuzz", f"{harness}_cov")
    seeds = seed_files(harness)
    raw = os.path.join(tmp, f"{harness}-%p.profraw")
    env = dict(os.environ, LLVM_PROFILE_FILE=raw, ASAN_OPTIONS="detect_leaks=0")
    # Batches keep the command line short; each file is run once, no fuzzing.
    for i in range(0, len(seeds), 200):
        proc = subprocess.run([binary, "-runs=1", *seeds[i:i + 200]], env=env, capture_output=True, text=True,
                              timeout=300)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-3000:])
            raise SystemExit(f"coverage: {harness}_cov failed on a seed (exit {proc.returncode})")
    profraws = [os.path.join(tmp, f) for f in os.listdir(tmp) if f.startswith(harness + "-")]
    profdata = os.path.join(tmp, harness + ".profdata")
    subprocess.run([tool("llvm-profdata"), "merge", "-sparse", "-o", profdata, *profraws], check=True)
    out = subprocess.run([tool("llvm-cov"), "export", binary, "-instr-profile=" + profdata, "-format=text"],
                         check=True, capture_output=True, text=True).stdout
    return len(seeds), json.loads(out)["data"][0]


def source_line(path, line, cache={}):
    if path not in cache:
        try:
            with open(path) as f:
                cache[path] = f.read().split("\n")
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def file_report(data, path):
    """(summary, unreached) for one source file: unreached is a sorted list of
    (line, col, text) for regions never run and branch sides never taken."""
    entry = next((f for f in data["files"] if os.path.realpath(f["filename"]) == os.path.realpath(path)), None)
    if entry is None:
        return None, []
    unreached = set()
    for fn in data["functions"]:
        names = [os.path.realpath(n) for n in fn["filenames"]]
        for r in fn["regions"]:
            # [line, col, end line, end col, count, file id, expanded file id, kind]; kind 0: code
            if r[7] == 0 and r[4] == 0 and names[r[5]] == os.path.realpath(path):
                unreached.add((r[0], r[1], "region never run"))
    for b in entry.get("branches", []):
        # [line, col, end line, end col, true count, false count, file id, expanded file id, kind]
        if b[4] == 0 and b[5] == 0:
            unreached.add((b[0], b[1], "condition never evaluated"))
        elif b[4] == 0:
            unreached.add((b[0], b[1], "branch never true"))
        elif b[5] == 0:
            unreached.add((b[0], b[1], "branch never false"))
    return entry["summary"], sorted(unreached)


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    build = args.pop(0)
    listing = "--list" in args
    require = set()
    harnesses = []
    i = 0
    while i < len(args):
        if args[i] == "--list":
            pass
        elif args[i] == "--require-full":
            i += 1
            require.add(args[i])
        else:
            harnesses.append(args[i])
        i += 1
    table = covered_files(build)
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        for harness in harnesses:
            count, data = run_harness(build, harness, tmp)
            for path in table[harness]:
                summary, unreached = file_report(data, path)
                rel = os.path.relpath(path, TOP)
                if summary is None:
                    print(f"coverage {harness:14} {rel}: not in the profile")
                    status = 1
                    continue
                reg, br = summary["regions"], summary["branches"]
                print(f"coverage {harness:14} {rel:34} {count:4} seeds  regions {reg['covered']:4}/{reg['count']:<4}"
                      f"  branches {br['covered']:4}/{br['count']:<4}  {len(unreached):3} not reached")
                if listing:
                    for line, col, what in unreached:
                        print(f"  {rel}:{line}:{col}: {what}: {source_line(path, line)[:90]}")
                if harness in require and unreached:
                    print(f"coverage {harness}: {rel} has {len(unreached)} regions/branches no seed reaches")
                    status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
