#!/usr/bin/env python3
"""Runs the README's walk-through and checks what it prints.

    readme_walkthrough.py README.md            run every ```sh block of the walk-through in
                                               one bash (set -euo pipefail), in order, and
                                               compare each block's output with the ```text
                                               block right after it (`…` matches anything)
    readme_walkthrough.py README.md --print    run them and print each block's output

The server is the caller's: API, MARKETPLACE_ADMIN_TOKEN, MARKETPLACE (the binary) and
DATABASE_URL come from the environment. Exit status 0 when every block ran and matched.
"""
import re
import signal
import subprocess
import sys
import tempfile

SECTION = "## Walk-through: the whole flow"
MARKER = "@@MK_WALKTHROUGH_BLOCK_END@@"


def blocks(readme: str):
    lines = readme.split("\n")
    start = lines.index(SECTION)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    out, i = [], start
    while i < end:
        if lines[i] == "```sh":
            j = lines.index("```", i + 1)
            code = "\n".join(lines[i + 1 : j])
            k = j + 1
            while k < end and lines[k].strip() == "":
                k += 1
            expected = None
            if k < end and lines[k] == "```text":
                m = lines.index("```", k + 1)
                expected = lines[k + 1 : m]
                j = m
            out.append((code, expected))
            i = j + 1
        else:
            i += 1
    return out


def matches(expected: str, actual: str) -> bool:
    pattern = "".join(".*?" if part == "…" else re.escape(part) for part in re.split("(…)", expected))
    return re.fullmatch(pattern, actual) is not None


def main() -> int:
    # A parent may hand down blocked signals (Foundation's Process does): unblock them, or the
    # walk-through's `kill` could not stop the receiver it started.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    readme = open(sys.argv[1], encoding="utf-8").read()
    printing = "--print" in sys.argv[2:]
    found = blocks(readme)
    # Background jobs a block starts (the webhook receiver) end with the script, whatever happens.
    script = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"
    script += "".join(f"{code}\nprintf '\\n{MARKER}\\n'\n" for code, _ in found)
    # Files, not pipes: a background job holding a pipe open would keep us waiting.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        try:
            returncode = subprocess.run(["bash", "-c", script], stdout=out, stderr=err, timeout=180).returncode
        except subprocess.TimeoutExpired:
            returncode = -1
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    outputs = [chunk.strip("\n") for chunk in stdout.split(MARKER + "\n")]
    failures = []
    for n, (code, expected) in enumerate(found):
        if n >= len(outputs) - 1:
            failures.append(f"block {n + 1} did not finish (bash exit {returncode}):\n{code}\n--- stderr:\n{stderr}")
            break
        actual = outputs[n].split("\n") if outputs[n] else []
        if printing:
            print(f"--- block {n + 1}\n" + "\n".join(actual))
            continue
        if expected is None:
            continue
        if len(actual) != len(expected) and expected != ["…"]:
            failures.append(f"block {n + 1}: {len(actual)} lines printed, {len(expected)} shown\n" + "\n".join(actual))
            continue
        if expected == ["…"]:
            continue
        for want, got in zip(expected, actual):
            if not matches(want, got):
                failures.append(f"block {n + 1}:\n  README shows: {want}\n  it printed:   {got}")
    if returncode != 0 and not failures:
        failures.append(f"bash exited {returncode}\n{stderr}")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"walk-through: {len(found)} blocks, {len(failures)} failures", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
