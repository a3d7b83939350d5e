"""Drivers of the clients area: each runs one real program (built by
evconform/clients.py) and decides PASS / FAIL / CRASH / TIMEOUT from its
documented behaviour -- its exit status and output, or what a client sees.

Every wait has a deadline; nothing sleeps to synchronise: a driver polls
for the thing it waits for (a line of output, a listening port, a signal
handler in /proc/<pid>/status) until a deadline. Programs run in their own
session and are killed with their process group when the driver ends.
Servers listen on 127.0.0.1; only hello-world has a fixed port (9995,
hard-coded in sample/hello-world.c), so its runs take a machine-wide lock.
memcached has no "any port" (-p 0 turns TCP off): the load driver picks a
free port as memcached's own t/lib/MemcachedTest.pm does and retries when
another process took it meanwhile.
"""
import contextlib
import errno
import fcntl
import json
import os
import pty
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from . import gtest_run
from . import status as st
from .gtest_run import _signal_name as _signame

_TAIL = 1500


class HarnessError(Exception):
    """The harness cannot run the row (not a verdict on the implementation)."""


def _tail(text, limit=_TAIL):
    return gtest_run._tail(text, limit)  # noqa: SLF001 (one tail rule for every message)


class Child:
    """A program in its own session, its stdout and stderr collected as they
    come. tty=True gives it a terminal for stdout, so that printf output is
    line-buffered and a driver can wait for a line."""

    def __init__(self, argv, cwd=None, tty=False, env=None):
        self.out, self.err = b"", b""
        master = slave = None
        if tty:
            master, slave = pty.openpty()
        try:
            self.p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                      stdout=slave if tty else subprocess.PIPE, stderr=subprocess.PIPE,
                                      start_new_session=True)
        except OSError as e:
            for fd in (master, slave):
                if fd is not None:
                    os.close(fd)
            raise HarnessError(f"cannot run {argv[0]}: {e.strerror}") from None
        if tty:
            os.close(slave)
        self.fds = {(master if tty else self.p.stdout.fileno()): "out", self.p.stderr.fileno(): "err"}
        self._master = master
        self.sel = selectors.DefaultSelector()
        for fd in self.fds:
            os.set_blocking(fd, False)
            self.sel.register(fd, selectors.EVENT_READ)

    def pump(self, seconds):
        """Collects output for up to `seconds` (returns early on output)."""
        if not self.fds:
            return
        for key, _ in self.sel.select(max(seconds, 0)):
            try:
                data = os.read(key.fd, 65536)
            except OSError as e:
                data = b"" if e.errno == errno.EIO else None  # EIO: the pty's other side closed
            if data is None:
                continue
            if not data:
                self.sel.unregister(key.fd)
                del self.fds[key.fd]
                continue
            if self.fds[key.fd] == "out":
                self.out += data
            else:
                self.err += data

    def text(self):
        return (self.out + self.err).decode(errors="replace")

    def wait_for(self, pred, seconds):
        """Pumps output until pred() holds; False at the deadline or when the
        program ended without it."""
        deadline = time.monotonic() + seconds
        while not pred():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self.p.poll() is not None:
                self.drain()
                return pred()
            self.pump(min(left, 0.2))
        return True

    def wait(self, seconds):
        """The exit status (negative: a signal), or None at the deadline."""
        deadline = time.monotonic() + seconds
        while self.p.poll() is None and time.monotonic() < deadline:
            self.pump(min(deadline - time.monotonic(), 0.1))
        if self.p.poll() is None:
            return None
        self.drain()
        return self.p.returncode

    def drain(self):
        end = time.monotonic() + 2
        while self.fds and time.monotonic() < end:
            self.pump(0.05)

    def kill(self):
        if self.p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
        else:
            with contextlib.suppress(ProcessLookupError):  # its children, if any
                os.killpg(self.p.pid, signal.SIGKILL)
        self.drain()
        for fd in list(self.fds):
            self.sel.unregister(fd)
        self.fds = {}
        for f in (self.p.stdout, self.p.stderr):
            if f:
                f.close()
        if self._master is not None:
            os.close(self._master)
            self._master = None


@contextlib.contextmanager
def child(argv, **kw):
    c = Child(argv, **kw)
    try:
        yield c
    finally:
        c.kill()


def verdict(c, rc, seconds, expect=0):
    """The status of a program that had `seconds` to end with `expect`."""
    if rc is None:
        return st.TIMEOUT, f"still running after {seconds:.0f} s; killed. Output:\n" + _tail(c.text())
    if rc < 0:
        return st.CRASH, f"killed by {_signame(-rc)}\n" + _tail(c.text())
    if rc != expect:
        return st.FAIL, f"exit status {rc} (expected {expect})\n" + _tail(c.text())
    return st.PASS, ""


def ended(c):
    """For a program that should still run: (CRASH or FAIL, why) when it
    has ended, else None."""
    rc = c.p.poll()
    if rc is None:
        return None
    c.drain()
    if rc < 0:
        return st.CRASH, f"killed by {_signame(-rc)}\n" + _tail(c.text())
    return st.FAIL, f"exited with status {rc} while it should still run\n" + _tail(c.text())


# --- programs that decide for themselves (libevent's test.sh: exit 0) ---------

def exit_zero(path, timeout, _src=None, args=(), cwd=None):
    with child([path, *args], cwd=cwd) as c:
        return verdict(c, c.wait(timeout), timeout)


def ratelim(path, timeout, src):
    # libevent's CMakeLists.txt, test-ratelim__group_lim (5 s by default)
    return exit_zero(path, timeout, src, ["-g", "30000", "-n", "30", "-t", "100",
                                          "--check-grouplimit", "1000", "--check-stddev", "100"])


def dumpevents(path, timeout, src):
    """test.sh: test-dumpevents | test/check-dumpevents.py (from the same
    source package) must both succeed."""
    with child([path]) as c:
        status, msg = verdict(c, c.wait(timeout), timeout)
        out = c.out
    if status != st.PASS:
        return status, msg
    checker = os.path.join(src, "test", "check-dumpevents.py")
    p = subprocess.run([sys.executable, checker], input=out, capture_output=True, timeout=60)
    if p.returncode != 0:
        return st.FAIL, ("check-dumpevents.py: " + p.stderr.decode(errors="replace").strip() + "\n"
                         + _tail(out.decode(errors="replace")))
    return st.PASS, ""


# --- servers and long-running samples -------------------------------------------

HELLO_PORT = 9995  # sample/hello-world.c: #define PORT 9995


@contextlib.contextmanager
def machine_lock(name, seconds):
    """A lock every build on this machine shares (a fixed port)."""
    path = os.path.join(tempfile.gettempdir(), f"evconform-{name}.lock")
    with open(path, "w") as f:
        deadline = time.monotonic() + seconds
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise HarnessError(f"{path}: still held after {seconds} s") from None
                threading.Event().wait(0.1)  # polling a lock held by another process
        yield


def connect_when_listening(port, c, seconds):
    """A socket connected to 127.0.0.1:port once the program listens, or None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and c.p.poll() is None:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            c.pump(0.05)
    return None


def read_all(sock, seconds):
    sock.settimeout(seconds)
    data = b""
    with contextlib.suppress(socket.timeout):
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    return data, False


def hello_world(path, timeout, _src):
    """Each connection gets "Hello, World!\\n" then EOF; SIGINT makes it exit
    0 two seconds later, printing "done"."""
    with machine_lock(f"port-{HELLO_PORT}", timeout), child([path], tty=True) as c:
        for i in range(2):
            s = connect_when_listening(HELLO_PORT, c, 10)
            if s is None:
                return ended(c) or (st.FAIL, f"nothing listens on 127.0.0.1:{HELLO_PORT} after 10 s\n"
                                    + _tail(c.text()))
            with s:
                data, eof = read_all(s, 10)
            if data != b"Hello, World!\n" or not eof:
                return st.FAIL, f"connection {i + 1}: got {data[:100]!r}{'' if eof else ' and no EOF'}"
        if not c.wait_for(lambda: c.out.count(b"flushed answer") >= 2, 10):
            return st.FAIL, "no 'flushed answer' line per connection\n" + _tail(c.text())
        c.p.send_signal(signal.SIGINT)
        status, msg = verdict(c, c.wait(10), 10)
        if status == st.PASS and b"done" not in c.out:
            return st.FAIL, "exited without printing 'done'\n" + _tail(c.text())
        return status, msg


_TIMEOUT_CB = re.compile(rb"timeout_cb called at \d+: ([0-9.]+) seconds elapsed")


def time_test(path, timeout, _src):
    """time-test and time-test -p: the 2 s timeout fires twice, 2 s apart."""
    with child([path], tty=True) as once, child([path, "-p"], tty=True) as persist:
        for c, mode in ((once, "re-added"), (persist, "persistent (-p)")):
            if not c.wait_for(lambda: len(_TIMEOUT_CB.findall(c.out)) >= 2, 15):
                rc = c.p.poll()
                if rc is not None and rc < 0:
                    return st.CRASH, f"{mode}: killed by {_signame(-rc)}\n" + _tail(c.text())
                return st.FAIL, f"{mode}: the timeout did not fire twice in 15 s\n" + _tail(c.text())
            gaps = [float(x) for x in _TIMEOUT_CB.findall(c.out)[:2]]
            if not all(1.9 <= g <= 3.0 for g in gaps):
                return st.FAIL, f"{mode}: fired after {gaps} s, expected 2 s each\n" + _tail(c.text())
    return st.PASS, ""


def catches(pid, sig):
    """Whether the process has a handler for `sig` (/proc/<pid>/status SigCgt)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    except OSError:
        pass
    return False


def signal_test(path, timeout, _src):
    """Three SIGINTs, each acknowledged by "signal_cb: got signal 2"; the
    third deletes the event, so dispatch returns and main returns 0."""
    with child([path], tty=True) as c:
        if not c.wait_for(lambda: catches(c.p.pid, signal.SIGINT), 10):
            return ended(c) or (st.FAIL, "no SIGINT handler installed after 10 s")
        for n in range(1, 4):
            c.p.send_signal(signal.SIGINT)
            if not c.wait_for(lambda: c.out.count(b"signal_cb: got signal 2") >= n, 10):
                rc = c.p.poll()
                if rc is not None:
                    return verdict(c, rc, 10)
                return st.FAIL, f"signal {n}: no 'signal_cb: got signal 2' in 10 s\n" + _tail(c.text())
        return verdict(c, c.wait(10), 10)


def read_fifo(path, timeout, _src):
    """What is written to event.fifo is printed ("Read: ..."); the writer's
    close makes read() return 0: "Connection closed", exit 0, fifo removed."""
    line = b"evconform says hello through the fifo"
    with tempfile.TemporaryDirectory(prefix="evc-fifo-") as cwd, child([path], cwd=cwd, tty=True) as c:
        if not c.wait_for(lambda: b"Write data to event.fifo" in c.err, 10):
            return ended(c) or (st.FAIL, "no 'Write data to event.fifo' in 10 s\n" + _tail(c.text()))
        fd = os.open(os.path.join(cwd, "event.fifo"), os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, line)
            if not c.wait_for(lambda: b"Read: " + line in c.out, 10):
                return st.FAIL, "the line written was not printed in 10 s\n" + _tail(c.text())
        finally:
            os.close(fd)
        status, msg = verdict(c, c.wait(10), 10)
        if status == st.PASS and os.path.exists(os.path.join(cwd, "event.fifo")):
            return st.FAIL, "exited 0 but left event.fifo behind"
        return status, msg


def listening_port(pid):
    """The TCP port a process listens on (from /proc), or None."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                m = re.match(r"socket:\[(\d+)\]", os.readlink(f"/proc/{pid}/fd/{fd}"))
                if m:
                    inodes.add(m.group(1))
    with contextlib.suppress(OSError), open("/proc/net/tcp") as f:
        for row in f.readlines()[1:]:
            cols = row.split()
            if cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                return int(cols[1].split(":")[1], 16)
    return None


class EchoServer:
    """An echo server on 127.0.0.1 (le-proxy's upstream); with an
    ssl.SSLContext, a TLS one (each connection's handshake in its thread)."""

    def __init__(self, tls=None):
        self.tls = tls
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.sock.accept()
                threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    def _echo(self, conn):
        # (ssl.SSLError is an OSError: a proxy that hangs up is no error here)
        with contextlib.suppress(OSError):
            if self.tls:
                conn.settimeout(30)  # a handshake that never comes ends the thread
                conn = self.tls.wrap_socket(conn, server_side=True)
                conn.settimeout(None)
            with conn:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        return
                    conn.sendall(data)

    def close(self):
        self.sock.close()


def tls_server_context(folder):
    """A TLS server context with a throwaway P-256 key and self-signed
    certificate made by the openssl command in `folder` (no key files in
    the repository)."""
    key, cert = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
    try:
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
                           capture_output=True, text=True, timeout=60)
    except OSError as e:
        raise HarnessError(f"cannot run openssl: {e.strerror} (tools/debian-packages.txt: openssl)") from None
    if p.returncode != 0:
        raise HarnessError(f"openssl req failed: {_tail(p.stderr, 300)}")
    import ssl  # only the TLS rows need it
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def read_exactly(sock, n, seconds):
    """Up to n bytes: fewer at the deadline, an EOF or a reset (a verdict
    for the driver to give, not the harness's failure)."""
    sock.settimeout(seconds)
    data = b""
    with contextlib.suppress(socket.timeout, ConnectionResetError):
        while len(data) < n:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


def le_proxy(path, timeout, _src, options=(), tls=None):
    """le-proxy 127.0.0.1 <echo server>: 1 MiB through the proxy comes back
    byte for byte (past its 512 KiB output watermark). The client does not
    half-close: le-proxy frees both sides at a client's EOF (eventcb).
    `options` go before the addresses; `tls`: the echo server's SSLContext.
    The listen address has no port, so port 0: evutil_parse_sockaddr_port
    refuses "127.0.0.1:0" (port <= 0) and le-proxy then takes atoi() of the
    string as a port -- 127, one fixed port for every row and build."""
    payload = bytes((i * 7 + i // 251) & 0xff for i in range(1 << 20))
    echo = EchoServer(tls)
    try:
        with child([path, *options, "127.0.0.1", f"127.0.0.1:{echo.port}"], tty=True) as c:
            if not c.wait_for(lambda: listening_port(c.p.pid) is not None, 10):
                return ended(c) or (st.FAIL, "le-proxy does not listen after 10 s\n" + _tail(c.text()))
            with socket.create_connection(("127.0.0.1", listening_port(c.p.pid)), timeout=10) as s:
                sender = threading.Thread(target=s.sendall, args=(payload,), daemon=True)
                sender.start()
                data = read_exactly(s, len(payload), 20)
                sender.join(5)
            if c.p.poll() is not None:
                return ended(c)
            if data != payload:
                first = next((i for i, (a, b) in enumerate(zip(data, payload)) if a != b),
                             min(len(data), len(payload)))
                return st.FAIL, f"echoed {len(data)} of {len(payload)} bytes, first difference at {first}"
            return st.PASS, ""
    finally:
        echo.close()


def le_proxy_tls(path, timeout, src):
    """le-proxy -s -W: the proxy's upstream side is a TLS client
    (bufferevent_openssl_socket_new, CONNECTING) to a TLS echo server; the
    client's side stays plain. 1 MiB byte for byte, as le_proxy. (-W turns
    le-proxy's default wrapper off.)"""
    with tempfile.TemporaryDirectory(prefix="evc-tls-") as folder:
        return le_proxy(path, timeout, src, ["-s", "-W"], tls_server_context(folder))


def le_proxy_tls_filter(path, timeout, src):
    """le-proxy -s: the same through le-proxy's default wrapper, an OpenSSL
    filter (bufferevent_openssl_filter_new) over a socket bufferevent."""
    with tempfile.TemporaryDirectory(prefix="evc-tls-") as folder:
        return le_proxy(path, timeout, src, ["-s"], tls_server_context(folder))


# --- memcached -------------------------------------------------------------------

def prove(tree, tfile, timeout):
    """memcached's own test file through prove, in the build tree (its
    t/lib/MemcachedTest.pm finds memcached-debug in the working folder)."""
    with child(["prove", tfile], cwd=tree) as c:
        rc = c.wait(timeout)
        if rc is None:
            return st.TIMEOUT, f"prove {tfile} still running after {timeout:.0f} s; killed\n" + _tail(c.text())
        if rc == 0:
            return st.PASS, ""
        bad = [l for l in c.text().splitlines() if re.match(r"\s*(not ok|#\s+Failed|Failed|Dubious|Parse errors)", l)]
        crashed = re.search(r"wstat: (\d+)", c.text())
        status = st.FAIL
        if crashed and int(crashed.group(1)) & 0x7f:
            status = st.CRASH
        return status, _tail("\n".join(bad[:20]) + "\n---\n" + c.text(), 3000)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memcached_load(memcached, loader, timeout, seconds=20, conns=50):
    """memcached -t 4 on 127.0.0.1 under evc_memcached_load: (status,
    message, the loader's JSON)."""
    user = ["-u", "root"] if os.geteuid() == 0 else []  # memcached refuses root without -u
    for _ in range(5):
        port = free_port()
        with child([memcached, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-t", "4", "-c", "1024",
                    *user]) as server:
            probe = connect_when_listening(port, server, 10)
            if probe is None:
                if server.p.poll() is not None and b"failed to listen" in server.err:
                    continue  # another process took the port meanwhile
                status, msg = ended(server) or (st.FAIL, "nothing listens after 10 s")
                return status, "memcached did not listen: " + msg, {}
            probe.close()
            try:
                p = subprocess.run([loader, "--port", str(port), "--conns", str(conns), "--seconds", str(seconds)],
                                   capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                return st.TIMEOUT, f"the load ran over {timeout:.0f} s", {}
            try:
                data = json.loads(p.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                raise HarnessError(f"evc_memcached_load printed no JSON: {_tail(p.stdout + p.stderr, 300)}")
            if server.p.poll() is not None:
                return ended(server)[0], "memcached died under the load\n" + _tail(server.text()), data
            summary = (f"{data.get('ops_per_s', 0):,.0f} ops/s ({conns} connections, {seconds:g} s, "
                       f"{data.get('ops', 0):,} replies checked)")
            if p.returncode != 0:
                return st.FAIL, f"{summary}; wrong reply: {data.get('error')}", data
            return st.PASS, summary, data
    raise HarnessError("memcached found no free port in 5 tries")
