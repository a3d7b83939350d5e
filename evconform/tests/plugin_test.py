"""A user plugs in an implementation by configuration alone, and the gate
flips on a deliberately broken build.

Writes an implementations file that names the system's libevent again,
under another name and through pkg-config, claiming only the evbuffer area;
configures a scratch build with it (the reference as the only built-in),
builds that implementation's evbuffer suite, runs it through CTest
and checks that the new column appears in the registry with its results,
and that the areas it does not claim are UNSUPPORTED in the report.

The same file names "libevent-broken": libevent with a shared library in
front that replaces evbuffer_readln by one that always returns NULL, held
to libevent's expectations. That library is named for the linker
(`libraries = ["broken_readln"]`) and found through `library_dirs = ["lib"]`,
a path relative to the implementations file; its tests run without
LD_LIBRARY_PATH (the folder is the binaries' run path). The runner
(evconform.runner) gates the readln tests: exit 0 on libevent-pc, exit 1 on
libevent-broken with each regression printed as it happens.

  python3 -m evconform.tests.plugin_test
"""
import json
import os
import tempfile

from evconform import ROOT, proc


def sh(cmd, **kw):
    return proc.must(cmd, "FAIL: " + " ".join(cmd[:4]) + "...", timeout=900, **kw)


BROKEN_READLN = """
#include <stddef.h>
struct evbuffer;
/* The deliberate regression: no line is ever found. */
char *evbuffer_readln(struct evbuffer *buf, size_t *n_read_out, int eol_style) {
  (void)buf; (void)eol_style;
  if (n_read_out) *n_read_out = 0;
  return NULL;
}
"""


def broken_library(folder):
    """libbroken_readln.so in `folder`."""
    os.makedirs(folder)
    c = os.path.join(folder, "broken_readln.c")
    with open(c, "w") as f:
        f.write(BROKEN_READLN)
    lib = os.path.join(folder, "libbroken_readln.so")
    sh(["cc", "-shared", "-fPIC", c, "-o", lib])
    return lib


def gate(src, build, impl):
    """The runner's exit status and output on the readln tests of impl."""
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    p = proc.tool("runner", ["--build-dir", build, "--no-build", "--impl", impl, "--area", "evbuffer", "--kind", "conformance",
                             "--filter", "EvbufferReadln", "--out", os.path.join(build, "report-" + impl)],
                  capture_output=True, text=True, timeout=600, env=env)
    return p.returncode, p.stdout + p.stderr


def main(src):
    with tempfile.TemporaryDirectory() as tmp:
        impl_dir = os.path.join(tmp, "impls")
        lib_dir = os.path.dirname(broken_library(os.path.join(impl_dir, "lib")))
        impl_file = os.path.join(impl_dir, "impls.toml")
        libevent_expectations = f"{src}/harness/expectations/libevent.toml"
        with open(impl_file, "w") as f:
            f.write('[[implementation]]\n'
                    'name = "libevent-pc"\n'
                    'pkg_config = "libevent_core"\n'
                    'areas = ["evbuffer"]\n'
                    f'expectations = "{libevent_expectations}"\n'
                    'environment = { EVC_PLUGGED = "1" }\n'
                    '\n[[implementation]]\n'
                    'name = "libevent-broken"\n'
                    'libraries = ["broken_readln"]\n'
                    'library_dirs = ["lib"]\n'
                    'pkg_config = "libevent_core"\n'
                    'areas = ["evbuffer"]\n'
                    f'expectations = "{libevent_expectations}"\n')
        build = os.path.join(tmp, "build")
        sh(["cmake", "-S", src, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
            "-DEVCONFORM_BUILTIN=reference", f"-DEVCONFORM_IMPLEMENTATIONS_FILE={impl_file}"])
        with open(os.path.join(build, "evconform-implementations.json")) as f:
            registry = json.load(f)
        names = [i["name"] for i in registry["implementations"]]
        assert names == ["reference", "libevent-pc", "libevent-broken"], names
        sh(["cmake", "--build", build, "--target", "conformance_evbuffer_libevent-pc",
            "conformance_evbuffer_libevent-broken", "evc_probe_libevent-pc", "-j", "2"])
        # CTest runs the column's evbuffer binary through the engine (one
        # CTest test per binary and column; its label anchored, as the
        # README says, so "libevent-pc" does not also select "libevent-pcx").
        out = sh(["ctest", "--test-dir", build, "-L", "^column:libevent-pc$", "-L", "^kind:conformance$",
                  "-j", "2"])
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
        if proc.tool("report", ["--results", os.path.join(build, "results"), "--registry",
                                os.path.join(build, "evconform-implementations.json"), "--out", report],
                     capture_output=True).returncode:
            raise SystemExit("FAIL: the report of the plugged build")
        with open(os.path.join(report, "matrix.json")) as f:
            matrix = json.load(f)
        cols = [c["name"] for c in matrix["columns"]]
        assert "libevent-pc" in cols, cols
        print(f"ok: plugged column libevent-pc ran {sum(statuses.values())} tests: {statuses}")

        exe = os.path.join(build, "conformance", "conformance_evbuffer_libevent-broken")
        dyn = sh(["readelf", "-d", exe])
        assert f"[{lib_dir}]" in dyn and "libbroken_readln.so" in dyn, dyn

        code, out = gate(src, build, "libevent-pc")
        assert code == 0, f"the gate failed on libevent itself ({code}):\n{out}"
        code, out = gate(src, build, "libevent-broken")
        regressions = [l for l in out.splitlines() if l.startswith("UNEXPECTED libevent-broken ")]
        assert code == 1, f"the gate did not flip on the broken build ({code}):\n{out}"
        assert len(regressions) >= 5, out
        print(f"ok: the gate passes libevent-pc and fails libevent-broken "
              f"({len(regressions)} readln regressions, e.g. {regressions[0]})")


if __name__ == "__main__":
    main(ROOT)
