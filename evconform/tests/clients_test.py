"""Self-test of the clients area's machinery (evconform/clients.py,
client_drivers.py, clients/memcached_load.cc, tools/fetch-sources) without
the real clients: fake programs for the drivers' verdicts, a fake memcached
for the load generator's reply checking, a fake implementation for the
"not provided" headers and the ERROR row. When libevent's source package
has been fetched, one real program is built against the system's libevent
and against an implementation with no headers. A few seconds in all.

  python3 -m unittest -v evconform.tests.clients_test
  (EVCONFORM_MEMCACHED_LOAD: the evc_memcached_load binary; CTest sets it)
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest

from evconform import ROOT, clients, proc
from evconform import client_drivers as drv
from evconform import status as st


def flags(build, impl, text):
    """A fake build's flags file for `impl` (see evconform/clients.py)."""
    os.makedirs(os.path.join(build, "clients"), exist_ok=True)
    with open(os.path.join(build, "clients", f"{impl}.flags"), "w") as f:
        f.write(text)


def script(folder, name, text):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text).lstrip())
    os.chmod(path, 0o755)
    return path


class Rows(unittest.TestCase):
    def test_subset_has_every_program_the_memcached_subset_and_the_load(self):
        names = [r[0] for r in clients.rows("subset", "/nonexistent")]
        self.assertEqual(sum(n.startswith("libevent.") for n in names), 16)
        self.assertIn("memcached.getset", names)
        self.assertIn("memcached.testapp", names)
        self.assertEqual(names[-1], "memcached.load")
        self.assertEqual(len(names), len(set(names)))

    def test_all_lists_the_fetched_suites_files(self):
        with tempfile.TemporaryDirectory() as src:
            os.makedirs(os.path.join(src, "memcached-1.6.99", "t"))
            for t in ("getset.t", "zz-last.t", "00-startup.t"):
                open(os.path.join(src, "memcached-1.6.99", "t", t), "w").close()
            names = [r[0] for r in clients.rows("all", src) if r[0].startswith("memcached.")]
        self.assertEqual(names, ["memcached.testapp", "memcached.00-startup", "memcached.getset",
                                 "memcached.zz-last", "memcached.load"])


class FirstError(unittest.TestCase):
    def test_a_poison_header_names_what_is_missing(self):
        log = ("In file included from /s/test/test-eof.c:28:\n"
               '/b/poison/event2/event-config.h:1:2: error: #error "<event2/event-config.h> is not provided by x"\n')
        self.assertEqual(clients.first_error(log), "<event2/event-config.h> is not provided by x")

    def test_the_first_error_line_with_the_tree_stripped(self):
        log = "a.c:1: warning: meh\n/s/tree/a.c:2:3: error: unknown type name 'va_list'\nb.c:9: error: later\n"
        self.assertEqual(clients.first_error(log, ("/s/tree",)), "a.c:2:3: error: unknown type name 'va_list'")
        self.assertEqual(clients.first_error("checking...\nconfigure: error: libevent is required\n"),
                         "configure: error: libevent is required")
        self.assertEqual(clients.first_error("ld: x.o: undefined reference to `evutil_foo'\n"),
                         "ld: x.o: undefined reference to `evutil_foo'")


class Flavours(unittest.TestCase):
    def test_flags_file_and_poison_headers(self):
        with tempfile.TemporaryDirectory() as tmp:
            inc = os.path.join(tmp, "inc")
            os.makedirs(os.path.join(inc, "event2"))
            open(os.path.join(inc, "event.h"), "w").close()
            open(os.path.join(inc, "event2", "event.h"), "w").close()
            flags(tmp, "fake", f"prefix=\ninstall=\ninclude={inc}\nlink=/no/libfake.a\nlink=-lm\n")
            fl = clients.Flavour.load(tmp, "fake")
            self.assertEqual((fl.includes, fl.links, fl.ldflags()), ([inc], ["/no/libfake.a", "-lm"], []))
            src = os.path.join(tmp, "libevent")
            os.makedirs(os.path.join(src, "include", "event2"))
            for h in ("event.h", "evutil.h", "event2/event.h", "event2/util.h"):
                open(os.path.join(src, "include", h), "w").close()
            poison = clients.write_poison(fl, src, tmp)
            self.assertEqual(clients.write_poison(fl, src, tmp), poison)
            found = sorted(os.path.relpath(os.path.join(d, n), poison)
                           for d, _, ns in os.walk(poison) for n in ns)
            self.assertEqual(found, ["event2/event-config.h", "event2/util.h", "evutil.h"])
            with open(os.path.join(poison, "evutil.h")) as f:
                self.assertIn("<evutil.h> is not provided by fake", f.read())
            with self.assertRaises(clients.ToolError):
                clients.Flavour.load(tmp, "other")

    def test_a_prefix_gives_its_include_folder_and_a_run_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            flags(tmp, "p", "prefix=/opt/ev\ninstall=evref\nlink=-levent\ndep=/opt/ev.a\n")
            fl = clients.Flavour.load(tmp, "p")
        self.assertEqual(fl.includes, ["/opt/ev/include"])
        self.assertEqual(fl.ldflags(), ["-L/opt/ev/lib", "-Wl,-rpath,/opt/ev/lib"])
        self.assertEqual(fl.install, "evref")


class Drivers(unittest.TestCase):
    def test_exit_status_crash_and_timeout(self):
        self.assertEqual(drv.exit_zero("/bin/true", 10)[0], st.PASS)
        self.assertEqual(drv.exit_zero("/bin/false", 10)[0], st.FAIL)
        with tempfile.TemporaryDirectory() as tmp:
            crash = script(tmp, "crash", "#!/bin/sh\nkill -SEGV $$\n")
            hang = script(tmp, "hang", "#!/bin/sh\nexec sleep 30\n")
            status, msg = drv.exit_zero(crash, 10)
            self.assertEqual((status, msg.splitlines()[0]), (st.CRASH, "killed by SIGSEGV"))
            self.assertEqual(drv.exit_zero(hang, 0.5)[0], st.TIMEOUT)

    def test_signal_driver_waits_for_the_handler_and_each_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            # perl: no SIGINT handler until it sets one. sh and python catch
            # SIGINT from the start (dash running a script file dies of the
            # signal until its trap is set), so the driver, which waits for a
            # handler in SigCgt, could signal them too early.
            good = script(tmp, "good", """
                #!/usr/bin/perl
                $| = 1; my $n = 0;
                select(undef, undef, undef, 0.3);  # a late handler must not be missed
                $SIG{INT} = sub { $n++; print "signal_cb: got signal 2\\n"; exit 0 if $n == 3; };
                while (1) { select(undef, undef, undef, 0.05); }
                """)
            deaf = script(tmp, "deaf", """
                #!/usr/bin/perl
                $SIG{INT} = sub { };
                while (1) { select(undef, undef, undef, 0.05); }
                """)
            self.assertEqual(drv.signal_test(good, 20, None), (st.PASS, ""))
            status, msg = drv.signal_test(deaf, 20, None)
            self.assertEqual(status, st.FAIL)
            self.assertIn("signal 1: no 'signal_cb: got signal 2'", msg)

    def test_proxy_driver_finds_a_port_0_listener_and_checks_every_byte(self):
        with tempfile.TemporaryDirectory() as tmp:
            relay = f"""
                #!{sys.executable}
                import socket, sys, threading
                lst = socket.create_server(("127.0.0.1", 0))
                host, port = sys.argv[2].rsplit(":", 1)
                def pump(a, b, flip):
                    while True:
                        d = a.recv(65536)
                        if not d:
                            b.shutdown(socket.SHUT_WR); return
                        b.sendall(bytes(x ^ 1 for x in d) if flip and len(d) > 1000 else d)
                while True:
                    c, _ = lst.accept()
                    u = socket.create_connection((host, int(port)))
                    threading.Thread(target=pump, args=(c, u, FLIP), daemon=True).start()
                    threading.Thread(target=pump, args=(u, c, False), daemon=True).start()
                """
            honest = script(tmp, "honest", relay.replace("FLIP", "False"))
            corrupt = script(tmp, "corrupt", relay.replace("FLIP", "True"))
            self.assertEqual(drv.le_proxy(honest, 60, None), (st.PASS, ""))
            status, msg = drv.le_proxy(corrupt, 60, None)
            self.assertEqual(status, st.FAIL)
            self.assertIn("first difference at", msg)

    def test_tls_proxy_driver_needs_tls_upstream(self):
        """le_proxy_tls: the upstream is a TLS echo server (certificate by the
        openssl command); a relay that speaks TLS upstream with -s passes,
        one that ignores -s does not."""
        with tempfile.TemporaryDirectory() as tmp:
            relay = f"""
                #!{sys.executable}
                import select, socket, ssl, sys
                lst = socket.create_server(("127.0.0.1", 0))
                host, port = sys.argv[-1].rsplit(":", 1)
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
                # One thread: an SSL object must not be read and written
                # from two threads at once (OpenSSL; it crashed the relay).
                def relay(c, u):
                    peer, live = {{c: u, u: c}}, [c, u]
                    while live:
                        buffered = u in live and getattr(u, "pending", lambda: 0)()
                        for a in [u] if buffered else select.select(live, [], [])[0]:
                            try:
                                d = a.recv(65536)
                            except OSError:
                                d = b""
                            if d:
                                peer[a].sendall(d)
                                continue
                            live.remove(a)  # its end: pass the half-close on
                            try:
                                peer[a].shutdown(socket.SHUT_WR)
                            except OSError:
                                pass
                while True:
                    c, _ = lst.accept()
                    u = socket.create_connection((host, int(port)))
                    if "-s" in sys.argv and USE_TLS:
                        u = ctx.wrap_socket(u)
                    relay(c, u)
                    for s in (c, u):
                        s.close()
                """
            tls = script(tmp, "tls", relay.replace("USE_TLS", "True"))
            plain = script(tmp, "plain", relay.replace("USE_TLS", "False"))
            self.assertEqual(drv.le_proxy_tls(tls, 60, None), (st.PASS, ""))
            self.assertEqual(drv.le_proxy_tls_filter(tls, 60, None), (st.PASS, ""))
            self.assertEqual(drv.le_proxy_tls(plain, 60, None)[0], st.FAIL)


class FakeMemcached:
    """set/get over the text protocol; `lie` corrupts every get."""

    def __init__(self, lie=False):
        self.data, self.lie = {}, lie
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        try:
            while True:
                c, _ = self.sock.accept()
                threading.Thread(target=self.conn, args=(c,), daemon=True).start()
        except OSError:
            pass

    def conn(self, c):
        f = c.makefile("rb")
        try:
            for line in f:
                words = line.split()
                if words[0] == b"set":
                    self.data[words[1]] = f.read(int(words[4]) + 2)[:-2]
                    c.sendall(b"STORED\r\n")
                elif words[0] == b"get":
                    v = self.data[words[1]]
                    v = v[::-1] if self.lie else v
                    c.sendall(b"VALUE %s 0 %d\r\n%s\r\nEND\r\n" % (words[1], len(v), v))
        except OSError:
            pass


@unittest.skipUnless(os.environ.get("EVCONFORM_MEMCACHED_LOAD"), "EVCONFORM_MEMCACHED_LOAD not set")
class Load(unittest.TestCase):
    def run_load(self, server, *extra):
        p = subprocess.run([os.environ["EVCONFORM_MEMCACHED_LOAD"], "--port", str(server.port),
                            "--conns", "4", "--seconds", "1", *extra], capture_output=True, text=True, timeout=30)
        return p.returncode, json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else p.stderr

    def test_every_reply_is_checked(self):
        rc, data = self.run_load(FakeMemcached())
        self.assertEqual((rc, data["error"]), (0, ""))
        self.assertGreater(data["ops"], 10)
        rc, data = self.run_load(FakeMemcached(lie=True))
        self.assertEqual(rc, 1)
        self.assertIn("expected 'VALUE evc:", data["error"])

    def test_bad_arguments(self):
        p = subprocess.run([os.environ["EVCONFORM_MEMCACHED_LOAD"], "--conns", "0", "--port", "1"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2)


class Rows2ResultRecords(unittest.TestCase):
    def test_missing_sources_are_an_error_row_and_bad_input_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            flags(tmp, "fake", f"include={tmp}\nlink=-lm\n")
            res = os.path.join(tmp, "results")
            base = ["run", "--build", tmp, "--impl", "fake", "--expectations", os.path.join(tmp, "none.toml"),
                    "--results", res, "--sources", os.path.join(tmp, "nosources")]
            r = proc.tool("clients", base + ["--test", "libevent.test-eof"], capture_output=True, text=True,
                          timeout=60)
            self.assertEqual(r.returncode, 2)
            with open(os.path.join(res, "fake", "libevent.test-eof.json")) as f:
                rec = json.load(f)
            self.assertEqual((rec["status"], rec["area"], rec["kind"]), (st.ERROR, "clients", "client"))
            self.assertIn("tools/fetch-sources", rec["message"])
            for args, fragment in ((base + ["--test", "nope.x"], "unknown clients row 'nope.x'"),
                                   (base + ["--test", "libevent.test-eof", "--timeout", "0"], "positive"),
                                   (["load", "--build", tmp, "--impl", "fake", "--conns", "0"], "--conns"),
                                   (["frobnicate"], "invalid choice")):
                r = proc.tool("clients", args, capture_output=True, text=True, timeout=60)
                lines = r.stderr.strip().splitlines()
                self.assertEqual((r.returncode, len(lines)), (2, 1), r.stderr)
                self.assertIn(fragment, lines[0])


class FetchSources(unittest.TestCase):
    tool = os.path.join(ROOT, "tools", "fetch-sources")

    def test_bad_arguments(self):
        r = subprocess.run([self.tool, "--frobnicate"], capture_output=True, text=True, timeout=30)
        self.assertEqual((r.returncode, len(r.stderr.strip().splitlines())), (2, 1))

    @unittest.skipUnless(os.path.exists("/usr/bin/apt-get") and os.geteuid() == 0, "needs apt-get as root")
    def test_an_unreachable_archive_is_one_line_and_exit_2(self):
        with tempfile.TemporaryDirectory() as tmp:
            sources = os.path.join(tmp, "unreachable.sources")
            with open(sources, "w") as f:
                f.write("Types: deb\nURIs: http://127.0.0.1:9/debian\nSuites: bookworm\nComponents: main\n")
            r = subprocess.run([self.tool, "--dest", os.path.join(tmp, "dest")], capture_output=True, text=True,
                               timeout=120, env=dict(os.environ, EVCONFORM_APT_SOURCES=sources))
        self.assertEqual((r.returncode, len(r.stderr.strip().splitlines())), (2, 1), r.stderr)
        self.assertIn("unreachable", r.stderr)


@unittest.skipUnless(clients.libevent_tree(clients.SOURCES), "libevent's source package not fetched")
class RealProgram(unittest.TestCase):
    def test_test_init_on_the_systems_libevent_and_on_no_headers(self):
        with tempfile.TemporaryDirectory() as tmp:
            flags(tmp, "sys", "prefix=/usr\ninclude=/usr/include\nlink=-levent\n")
            empty = os.path.join(tmp, "empty")
            os.makedirs(empty)
            flags(tmp, "none", f"include={empty}\nlink=-lm\n")
            self.assertEqual(clients.drive(tmp, "sys", "libevent.test-init", 30, clients.SOURCES), (st.PASS, ""))
            self.assertEqual(clients.drive(tmp, "none", "libevent.test-init", 30, clients.SOURCES),
                             (st.FAIL, "does not build: <event2/event-config.h> is not provided by none"))


if __name__ == "__main__":
    unittest.main()
