"""Configuration traps of the implementations file and the CMake registry,
each shown fixed (configure runs only, no build; about half a minute):

- a PKG_CONFIG_PATH naming another libevent leaves the built-in `libevent`
  column on the system's libevent (a fake libevent_core.pc in a temporary
  folder), while plugged implementations see that environment, or their
  own `pkg_config_path` and exactly that;
- paths are relative to the implementations file, and every error naming
  one prints it resolved and says so; `library_dirs` reach the link line
  as -L and run path;
- a backend this host lacks (kqueue on Linux) is a configuration error
  naming the methods it has;
- a binary or garbage implementations file is one line, through the
  checker, CMake and the runner, with one `evconform: ` prefix;
- an implementation without `expectations` gets <its file's folder>/
  <name>.expectations.toml, carried by the registry, and
  --update-expectations writes there, not into harness/expectations/.

  python3 -m unittest -v evconform.tests.config_test
"""
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from evconform import ROOT, cli, implementations, proc, results

CONFIGURE_TIMEOUT = 300


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)
    return path


def fake_pc(folder, version):
    """A libevent_core.pc of another libevent (headers folder included, as
    CMake checks that imported include folders exist)."""
    os.makedirs(os.path.join(folder, "include"), exist_ok=True)
    return write(os.path.join(folder, "pc", "libevent_core.pc"),
                 f"prefix={folder}\nName: libevent_core\nDescription: not the system's libevent\n"
                 f"Version: {version}\nLibs: -L${{prefix}}/lib -levent_core\nCflags: -I${{prefix}}/include\n")


def cache(build):
    out = {}
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^([A-Za-z0-9_]+):[A-Z]+=(.*)$", line.rstrip("\n"))
            if m:
                out[m.group(1)] = m.group(2)
    return out


def first_evconform_line(text):
    m = re.search(r"^evconform: .*$", text, re.M)
    return m and m.group(0)


class ConfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.build = os.path.join(cls.dir, "build")
        cls.impl_dir = os.path.join(cls.dir, "impls")
        fake_pc(os.path.join(cls.dir, "ambient"), "2.2.1-ambient")
        fake_pc(cls.impl_dir, "2.2.1-plugged")
        os.makedirs(os.path.join(cls.impl_dir, "lib"))
        cls.impls = write(os.path.join(cls.impl_dir, "impls.toml"),
                          '[[implementation]]\nname = "dev-tree"\npkg_config = "libevent_core"\n'
                          'pkg_config_path = ["pc"]\nlibrary_dirs = ["lib"]\nareas = ["evbuffer"]\n'
                          'backends = ["poll"]\n'
                          '\n[[implementation]]\nname = "from-env"\npkg_config = "libevent_core"\n'
                          'areas = ["evbuffer"]\n')
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(cls.dir, "ambient", "pc"))
        cls.env = env
        cls.configured = cls.configure(cls.impls, env, cls.build)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def configure(cls, impls, env=None, build=None):
        """Configures `build` (default: a tree of its own for the refused
        files, so the good configure's tree stays as it was)."""
        return subprocess.run(["cmake", "-S", ROOT, "-B", build or os.path.join(cls.dir, "build-refused"),
                               "-G", "Ninja",
                               "-DEVCONFORM_BUILTIN=reference;libevent",
                               f"-DEVCONFORM_IMPLEMENTATIONS_FILE={impls}"],
                              env=env or cls.env, capture_output=True, text=True,
                              timeout=CONFIGURE_TIMEOUT)

    def assertConfigured(self):
        p = self.configured
        self.assertEqual(p.returncode, 0, p.stdout[-2000:] + p.stderr[-3000:])

    # a, c: pkg-config lookups
    def test_the_builtin_libevent_column_is_the_system_one_whatever_PKG_CONFIG_PATH_says(self):
        self.assertConfigured()
        c = cache(self.build)
        debian = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libevent-dev"],
                                capture_output=True, text=True).stdout
        self.assertEqual(c["LIBEVENT_CORE_PREFIX"], "/usr")
        self.assertTrue(debian.startswith(c["LIBEVENT_CORE_VERSION"]), (debian, c["LIBEVENT_CORE_VERSION"]))
        self.assertNotIn(self.dir, c["LIBEVENT_CORE_INCLUDE_DIRS"] + c.get("LIBEVENT_CORE_LINK_LIBRARIES", ""))

    def test_a_plugged_pkg_config_path_is_that_implementations_alone(self):
        self.assertConfigured()
        c = cache(self.build)
        # its own folder, relative to the file, and nothing else
        self.assertEqual(c["EVCONFORM_PC_dev_tree_VERSION"], "2.2.1-plugged")
        self.assertEqual(c["EVCONFORM_PC_dev_tree_PREFIX"], self.impl_dir)
        # the environment is left as it was for an implementation without one
        self.assertEqual(c["EVCONFORM_PC_from_env_VERSION"], "2.2.1-ambient")

    def test_a_pkg_config_path_without_the_module_is_refused_naming_where_it_was_found(self):
        empty = os.path.join(self.dir, "nopc", "pc")
        os.makedirs(empty, exist_ok=True)
        f = write(os.path.join(self.dir, "nopc", "impls.toml"),
                  '[[implementation]]\nname = "x"\npkg_config = "libevent_core"\npkg_config_path = ["pc"]\n'
                  'areas = ["evbuffer"]\n')
        with self.assertRaises(cli.ToolError) as cm:
            implementations.load(f)
        msg = str(cm.exception)
        self.assertIn("not found in pkg_config_path", msg)
        self.assertIn(f"resolved to {empty}", msg)
        self.assertIn("relative to the implementations file's folder", msg)
        self.assertRegex(msg, r"pkg-config finds it in /usr/.*pkgconfig instead")

    # b: paths relative to the file, library_dirs
    def test_errors_naming_a_path_print_it_resolved_and_relative_to_the_file(self):
        sub = os.path.join(self.dir, "rel")
        for key, line, what in (
                ("include_dirs", 'include_dirs = ["../inc"]\nlibraries = ["m"]', "include directory not found"),
                ("library_dirs", 'library_dirs = ["lib"]\nlibraries = ["m"]', "library directory not found"),
                ("libraries", 'libraries = ["lib/libx.a"]', "library not found"),
                ("expectations", 'libraries = ["m"]\nexpectations = "x.toml"', "expectations file not found")):
            f = write(os.path.join(sub, "impls.toml"),
                      f'[[implementation]]\nname = "x"\nareas = ["evbuffer"]\n{line}\n')
            with self.assertRaises(cli.ToolError, msg=key) as cm:
                implementations.load(f)
            msg = str(cm.exception)
            given = re.search(r'"([^"]+)"', line.split("\n")[0] if key != "expectations" else line.split("\n")[1])
            resolved = os.path.normpath(os.path.join(sub, given.group(1)))
            self.assertIn(what, msg)
            self.assertIn(f"resolved to {resolved}", msg)
            self.assertIn(f"relative to the implementations file's folder, {sub}", msg)
        f = write(os.path.join(sub, "impls.toml"),
                  '[[implementation]]\nname = "x"\nareas = ["evbuffer"]\nlibraries = ["/nonexistent/libx.a"]\n')
        with self.assertRaises(cli.ToolError) as cm:
            implementations.load(f)
        self.assertNotIn("relative", str(cm.exception))  # an absolute path is as given

    def test_library_dirs_are_searched_and_the_run_path(self):
        self.assertConfigured()
        lib = os.path.join(self.impl_dir, "lib")
        with open(os.path.join(self.build, "build.ninja"), encoding="utf-8") as f:
            ninja = f.read()
        link = lambda impl: [b for b in ninja.split("\nbuild ")  # noqa: E731
                             if f"CXX_EXECUTABLE_LINKER__conformance_evbuffer_{impl}_" in b.split("\n")[0]]
        links = link("dev-tree")
        self.assertEqual(len(links), 1, "no link step of conformance_evbuffer_dev-tree in build.ninja")
        self.assertIn(f"-L{lib}", links[0])
        self.assertIn(f"-Wl,-rpath,{lib}", links[0])
        other = link("from-env")
        self.assertEqual(len(other), 1)
        self.assertNotIn(lib, other[0])

    # d: backends this host has
    def test_a_backend_the_host_lacks_is_refused_at_configure(self):
        if platform.system() != "Linux":
            self.skipTest("the refused method is Linux's")
        f = write(os.path.join(self.dir, "kq", "impls.toml"),
                  '[[implementation]]\nname = "kq"\nlibraries = ["m"]\nareas = ["event"]\n'
                  'backends = ["epoll", "kqueue"]\n')
        p = self.configure(f)
        self.assertNotEqual(p.returncode, 0)
        line = first_evconform_line(p.stderr)
        self.assertEqual(line, f"evconform: {f}: implementation 'kq': backend 'kqueue' is not available "
                               "on this host (Linux supports: epoll, poll, select)")

    def test_a_backend_or_area_twice_is_refused(self):
        for line, word in (('backends = ["epoll", "poll", "epoll"]', "'backends' lists 'epoll' twice"),
                           ('areas = ["event", "event"]', "'areas' lists 'event' twice")):
            f = write(os.path.join(self.dir, "twice", "impls.toml"),
                      f'[[implementation]]\nname = "t"\nlibraries = ["m"]\nareas = ["event"]\n'.replace(
                          'areas = ["event"]\n', "" if line.startswith("areas") else 'areas = ["event"]\n')
                      + line + "\n")
            with self.assertRaises(cli.ToolError) as cm:
                implementations.load(f)
            self.assertIn(word, str(cm.exception))

    # e, f: garbage files, one line, one prefix
    def test_a_binary_implementations_file_is_one_line_through_the_checker_and_cmake(self):
        binary = os.path.join(self.dir, "garbage", "impls.toml")
        os.makedirs(os.path.dirname(binary), exist_ok=True)
        shutil.copy("/bin/true", binary)
        text = write(os.path.join(self.dir, "garbage", "text.toml"), "this is = not [ toml\n")
        for f, what in ((binary, "not a text file"), (text, "not valid TOML")):
            p = proc.tool("implementations", [f], capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 2)
            self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
            self.assertTrue(p.stderr.startswith(f"evconform: {f}: {what}"), p.stderr)
            c = self.configure(f)
            self.assertNotEqual(c.returncode, 0)
            self.assertNotIn("Traceback", c.stderr)
            self.assertEqual(first_evconform_line(c.stderr), p.stderr.strip())

    def test_through_the_runner_a_bad_file_is_one_line_with_one_prefix(self):
        binary = os.path.join(self.dir, "garbage-runner", "impls.toml")
        os.makedirs(os.path.dirname(binary), exist_ok=True)
        shutil.copy("/bin/true", binary)
        self.configure(binary)  # the tree's cache, as a user's earlier configure left it
        p = proc.tool("runner", ["--build-dir", os.path.join(self.dir, "build-refused"),
                                 "--implementations", binary],
                      capture_output=True, text=True, timeout=CONFIGURE_TIMEOUT, env=self.env)
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 2, out)
        self.assertIn(f"evconform: {binary}: not a text file", out)
        for wrong in ("Traceback", "CMake Error", "evconform: evconform:"):
            self.assertNotIn(wrong, out)
        self.assertEqual(len([l for l in out.splitlines() if l.strip()]), 1, out)

    def test_one_prefix(self):
        self.assertEqual(cli.one_prefix("evconform", "evconform: x: y"), "evconform: x: y")
        self.assertEqual(cli.one_prefix("evconform", "evconform: evconform: x"), "evconform: x")
        self.assertEqual(cli.one_prefix("evconform report", "evconform: x"), "evconform report: x")
        self.assertEqual(cli.one_prefix("clients", "x: evconform: y"), "clients: x: evconform: y")
        p = subprocess.run([sys.executable, "-c",
                            "from evconform import cli\n"
                            "def run(argv): raise cli.ToolError('evconform: the clients\\' rows: clients: bad')\n"
                            "cli.main('evconform', run, [])"],
                           env=proc.module_env(), capture_output=True, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (2, "evconform: the clients' rows: clients: bad\n"))

    # g: default expectations beside the file
    def test_default_expectations_are_beside_the_file_and_updates_go_there(self):
        self.assertConfigured()
        with open(os.path.join(self.build, "evconform-implementations.json")) as f:
            reg = {i["name"]: i for i in json.load(f)["implementations"]}
        want = os.path.join(self.impl_dir, "dev-tree.expectations.toml")
        self.assertEqual(reg["dev-tree"]["expectations"], want)
        self.assertFalse(os.path.exists(want))
        res = os.path.join(self.dir, "results")
        outcome = {"status": "FAIL", "message": "m", "rule": "r", "rule_id": "", "duration_s": 0.1}
        for column, backend in (("dev-tree", ""), ("dev-tree/poll", "poll")):
            results.write(res, results.record("dev-tree", backend, "evbuffer", "conformance",
                                              "EvbufferAdd.Something", outcome, None))
        before = sorted(os.listdir(os.path.join(ROOT, "harness", "expectations")))
        p = proc.tool("report", ["--results", res, "--registry",
                                 os.path.join(self.build, "evconform-implementations.json"),
                                 "--out", os.path.join(self.dir, "report"), "--columns", "dev-tree",
                                 "--update-expectations"],
                      capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(os.path.isfile(want), p.stdout + p.stderr)
        with open(want) as f:
            self.assertIn("EvbufferAdd.Something", f.read())
        self.assertEqual(sorted(os.listdir(os.path.join(ROOT, "harness", "expectations"))), before)


if __name__ == "__main__":
    unittest.main()
