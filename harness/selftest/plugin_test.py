#!/usr/bin/env python3
"""A user plugs in an implementation by configuration alone.

Writes an implementations file that names the system's libevent again,
under another name and through pkg-config, claiming only the evbuffer area;
configures a scratch build with it (the reference as the only built-in),
builds that implementation's evbuffer suite, runs part of it through CTest
and checks that the new column appears in the registry with its results,
and that the areas it does not claim are UNSUPPORTED in the report.

  plugin_test.py SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-3000:] + p.stderr[-3000:])
        raise SystemExit(f"FAIL: {' '.join(cmd[:4])}... exited {p.returncode}")
    return p.stdout


def main(src):
    with tempfile.TemporaryDirectory() as tmp:
        impl_file = os.path.join(tmp, "impls.toml")
        with open(impl_file, "w") as f:
            f.write('[[implementation]]\n'
                    'name = "libevent-pc"\n'
                    'pkg_config = "libevent_core"\n'
                    'areas = ["evbuffer"]\n'
                    f'expectations = "{src}/harness/expectations/libevent.toml"\n'
                    'environment = { EVC_PLUGGED = "1" }\n')
        build = os.path.join(tmp, "build")
        sh(["cmake", "-S", src, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
            "-DEVCONFORM_BUILTIN=reference", f"-DEVCONFORM_IMPLEMENTATIONS_FILE={impl_file}"])
        with open(os.path.join(build, "evconform-implementations.json")) as f:
            registry = json.load(f)
        names = [i["name"] for i in registry["implementations"]]
        assert names == ["reference", "libevent-pc"], names
        sh(["cmake", "--build", build, "--target", "conformance_evbuffer_libevent-pc", "-j", "2"])
        out = sh(["ctest", "--test-dir", build, "-L", "column:libevent-pc", "-R",
                  "EvbufferBadInput|EvbufferReserve", "-j", "2"])
        assert "tests passed" in out, out
        records = os.path.join(build, "results", "libevent-pc")
        statuses = {}
        for name in os.listdir(records):
            with open(os.path.join(records, name)) as f:
                r = json.load(f)
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        # libevent's known reserve_space abort is in the expectations given
        assert statuses.get("CRASH") == 2 and statuses.get("PASS", 0) > 10, statuses
        report = os.path.join(tmp, "report")
        sh([sys.executable, os.path.join(src, "reports", "generate.py"), "--results",
            os.path.join(build, "results"), "--registry",
            os.path.join(build, "evconform-implementations.json"), "--out", report])
        with open(os.path.join(report, "matrix.json")) as f:
            matrix = json.load(f)
        cols = [c["name"] for c in matrix["columns"]]
        assert "libevent-pc" in cols, cols
        print(f"ok: plugged column libevent-pc ran {sum(statuses.values())} tests: {statuses}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: plugin_test.py SOURCE_DIR")
    main(os.path.abspath(sys.argv[1]))
