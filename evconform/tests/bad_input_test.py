"""Bad input to the toolkit's own tools (mutation runner, property runner,
flake hunt, implementations file, the matrix runner): one line on
stderr and exit status 2, before any build starts."""
import os
import sys
import tempfile

from evconform import ROOT, proc


def check(cmd, fragment):
    """Runs the tool cmd[0] of the package with the arguments cmd[1:]."""
    r = proc.tool(cmd[0], cmd[1:], capture_output=True, text=True, timeout=60)
    lines = r.stderr.strip().splitlines()
    ok = r.returncode == 2 and len(lines) == 1 and fragment in lines[0]
    print(f"{'ok' if ok else 'FAIL'}: {' '.join(cmd[1:])} -> {r.returncode}: {r.stderr.strip()!r}")
    return ok


def main():
    # The build folder this test belongs to (CTest passes it): the flake
    # hunt needs a real test list to tell an unknown implementation.
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "default")
    mut, props, flakes, impls, runner = "mutation", "properties", "check_flakes", "implementations", "runner"
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "faults")
        os.makedirs(bad)
        with open(os.path.join(bad, "x.patch"), "w") as f:
            f.write("diff --git a/x b/x\n")
        empty = os.path.join(tmp, "empty")
        os.makedirs(empty)
        def impl_file(name, text):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(text)
            return path

        ok = 'name = "x"\nareas = ["evbuffer"]\n'
        results = [
            check([impls, os.path.join(tmp, "none.toml")], "no such implementations file"),
            check([impls, impl_file("a.toml", "[[implementation]\n")], "not valid TOML"),
            check([impls, impl_file("b.toml", f'[[implementation]]\n{ok}libraries = ["/no/libx.so"]\n')],
                  "library not found: /no/libx.so"),
            check([impls, impl_file("c.toml", f'[[implementation]]\n{ok}pkg_config = "no-such-module"\n')],
                  "pkg-config module 'no-such-module' not found"),
            check([impls, impl_file("d.toml", '[[implementation]]\nname = "x"\nareas = ["threads"]\n'
                                    'libraries = ["m"]\n')], "unknown area 'threads'"),
            check([impls, impl_file("e.toml", '[[implementation]]\nname = "libevent"\nareas = ["event"]\n'
                                    'libraries = ["m"]\n')], "already taken"),
            check([impls, impl_file("f.toml", f'[[implementation]]\n{ok}libraries = ["m"]\n'
                                    'backends = ["kqueue2"]\n')], "unknown backend 'kqueue2'"),
            check([impls, impl_file("g.toml", f'[[implementation]]\n{ok}libraries = ["m"]\nlibs = 1\n')],
                  "unknown key(s): libs"),
            check([mut, "--faults", "no-such-fault"], "unknown fault(s): no-such-fault"),
            check([mut, "--faults-dir", bad], "needs 'Area:"),
            check([mut, "--faults-dir", empty], "no *.patch"),
            check([mut, "--faults-dir", os.path.join(tmp, "missing")], "no fault folder"),
            check([props, "--build-dir", os.path.join(tmp, "nobuild")], "no registry"),
            check([props, "--cases", "0"], "at least 1"),
            check([props, "--compare", "reference"], "two different implementations"),
            check([flakes, "--repeat", "0"], "at least 1"),
            check([flakes, "--build", os.path.join(tmp, "nobuild")], "configure the build first"),
            check([flakes, "--build", build, "--impl", "nosuch"], "unknown implementation 'nosuch'"),
            check([runner, "--bogus"], "unrecognized arguments: --bogus"),
            check([runner, "--filter", "(", "--no-build"], "not a regular expression"),
            check([runner, "-j", "0"], "positive number"),
            check([runner, "--update-expectations", "--area", "event"], "whole implementations"),
            check([runner, "--implementations", os.path.join(tmp, "none.toml")],
                  "implementations file not found"),
            check([runner, "--no-build", "--build-dir", tmp], "not a configured evconform build"),
            check([runner, "--no-build", "--build-dir", build, "--impl", "nosuch"],
                  "unknown implementation or column 'nosuch'"),
            check([runner, "--no-build", "--build-dir", build, "--area", "threads"],
                  "unknown area 'threads'"),
            check([runner, "--no-build", "--build-dir", build, "--filter", "^NoSuchTest$"],
                  "no test matches"),
        ]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
