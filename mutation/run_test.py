#!/usr/bin/env python3
"""Bad input to the mutation runner, the property runner and the flake hunt: one line on
stderr and exit status 2, before any build starts."""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def check(cmd, fragment):
    r = subprocess.run([sys.executable, *cmd], capture_output=True, text=True, timeout=60)
    lines = r.stderr.strip().splitlines()
    ok = r.returncode == 2 and len(lines) == 1 and fragment in lines[0]
    print(f"{'ok' if ok else 'FAIL'}: {' '.join(cmd[1:])} -> {r.returncode}: {r.stderr.strip()!r}")
    return ok


def main():
    # The build folder this test belongs to (CTest passes it): the flake
    # hunt needs a real test list to tell an unknown implementation.
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "default")
    mut = os.path.join(ROOT, "mutation", "run.py")
    props = os.path.join(ROOT, "property", "run_properties.py")
    flakes = os.path.join(ROOT, "harness", "check_flakes.py")
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "faults")
        os.makedirs(bad)
        with open(os.path.join(bad, "x.patch"), "w") as f:
            f.write("diff --git a/x b/x\n")
        empty = os.path.join(tmp, "empty")
        os.makedirs(empty)
        results = [
            check([mut, "--faults", "no-such-fault"], "unknown fault(s): no-such-fault"),
            check([mut, "--faults-dir", bad], "needs 'Area:"),
            check([mut, "--faults-dir", empty], "no *.patch"),
            check([mut, "--faults-dir", os.path.join(tmp, "missing")], "no fault folder"),
            check([props, "--build-dir", os.path.join(tmp, "nobuild")], "no registry"),
            check([props, "--cases", "0"], "at least 1"),
            check([props, "--compare", "reference"], "two different implementations"),
            check([flakes, "--repeat", "0"], "at least 1"),
            check([flakes, "--build", os.path.join(tmp, "nobuild")], "no CTest build"),
            check([flakes, "--build", build, "--impl", "nosuch"], "unknown implementation 'nosuch'"),
        ]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
