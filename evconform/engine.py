"""The harness's engine: which tests a build has, and running any selection
of them in batches with exact crash and hang isolation.

A build describes its suites in <build>/evconform-suites.json (written by
cmake/ConformanceSuite.cmake): one entry per suite binary and column, with
the implementation, area, kind, environment, expectations file and the
per-test timeout. The tests of a binary come from the binary itself
(--gtest_list_tests), so nothing is registered per test.

Running. The tests of one binary, column and GoogleTest suite run in one
process (a batch) with --gtest_filter naming them, and each test's result
comes from GoogleTest's JSON output. The engine reads the process's output
as it goes, so it knows which test is running:

- a test that runs past its timeout is killed with its batch, and a test
  that is running when its batch dies (a crash, an abort, a sanitizer
  report, an early exit) is the culprit; in both cases that test is run
  again alone, in its own process (as every test once was), and that run is
  its result; the batch's other tests run again as a new batch;
- a test that does not pass in a batch, or whose batch result is not the
  expected one (a PASS where its expectations say FAIL), is run again alone
  and the lone run is its result, so a test that fails (or passes) only
  because an earlier test of its batch left something behind is never
  reported so (the record
  keeps the batch's status as `batch_status`, and the run lists such
  tests: they are isolation bugs of the suite);
- problems that cannot be pinned on one test (memcheck errors or a leak
  report at exit) run the whole batch again one test per process;
- tests named in harness/own-process.txt always run alone (they change
  process-wide state, such as libevent's debug mode).

So every result is what the test gives in a process of its own, while a
passing batch costs one process start instead of one per test.
"""
import concurrent.futures
import fnmatch
import json
import os
import re
import selectors
import signal
import subprocess
import tempfile
import threading
import time

from . import ROOT, backends, expectations, gtest_run, results
from . import status as st
from . import valgrind as vg
from .cli import ToolError

MANIFEST = "evconform-suites.json"
OWN_PROCESS = os.path.join(ROOT, "harness", "own-process.txt")

_RUN = re.compile(r"^\[ RUN      \] (\S+)$")
_END = re.compile(r"^\[ +(?:OK|FAILED|SKIPPED) +\] (\S+) \(\d+ ms\)$")


class Suite:
    """One suite binary in one column."""

    def __init__(self, doc):
        self.target = doc["target"]
        self.binary = doc["binary"]
        self.impl = doc["impl"]
        self.backend = doc.get("backend", "")
        self.column = doc["column"]
        self.area = doc["area"]
        self.kind = doc["kind"]
        self.env = list(doc.get("env", []))
        self.expectations = doc["expectations"]
        self.timeout = float(doc["timeout"])

    def environment(self, extra=None):
        env = dict(os.environ)
        if self.backend:
            env = backends.only(env, self.backend)
            env.update(backends.column_environment(self.backend))
        for kv in self.env:
            k, _, v = kv.partition("=")
            env[k] = v
        env.update(extra or {})
        return env


class Manifest:
    def __init__(self, path):
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            self.suites = [Suite(s) for s in doc["suites"]]
            self.results_dir = doc["results_dir"]
            self.valgrind = doc.get("valgrind", "")
            self.probes = dict(doc.get("probes", {}))
            self.api_probes = dict(doc.get("api_probes", {}))
            self.build = doc.get("build", {})
            if not self.results_dir or not all(os.path.isabs(s.expectations) for s in self.suites):
                raise ValueError("empty results folder or relative expectations path")
        except FileNotFoundError:
            raise ToolError(f"{path} not found: configure the build first "
                            f"(cmake --preset default)") from None
        except (ValueError, KeyError, TypeError) as e:
            raise ToolError(f"{path} is malformed: {e}") from None


def manifest_of(build):
    return Manifest(os.path.join(build, MANIFEST))


def list_tests(binary):
    """The GoogleTest names (Suite.Case) of a built binary."""
    try:
        p = subprocess.run([binary, "--gtest_list_tests"], capture_output=True, text=True,
                           errors="replace", timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolError(f"cannot list the tests of {binary}: {e}") from None
    if p.returncode != 0:
        raise ToolError(f"{binary} --gtest_list_tests failed with status {p.returncode}")
    names, suite = [], ""
    for line in p.stdout.splitlines():
        line = line.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line.startswith(" "):
            suite = line.strip()
        else:
            names.append(suite + line.strip())
    return names


def own_process_globs(path=OWN_PROCESS):
    """Test globs that must run in a process of their own."""
    globs = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    globs.append(line)
    except FileNotFoundError:
        pass
    return globs


class Item:
    """One test of one suite binary in one column."""
    __slots__ = ("suite", "test")

    def __init__(self, suite, test):
        self.suite, self.test = suite, test

    @property
    def key(self):
        return f"{self.suite.column} {self.test}"


# ------------------------------------------------------------------ running

class Runner:
    """Runs items and writes a result record for each.

    context(column) -> the expectations context of a column (see
    expectations.lookup); on_result(record) is called after each record
    (from the worker threads); `running` maps each test running now
    ("<column> <test>") to its start (time.monotonic()), under `lock`."""

    def __init__(self, results_dir, jobs=2, valgrind="", context=None, extra_env=None,
                 on_result=None, own_process=None, write=True):
        self.results_dir = results_dir
        self.jobs = jobs
        self.valgrind = valgrind
        self.context = context or (lambda column: {})
        self.extra_env = extra_env or {}
        self.on_result = on_result or (lambda rec: None)
        self.own = own_process_globs() if own_process is None else own_process
        self.write = write
        self.lock = threading.RLock()
        self.running = {}         # item key -> start time (monotonic)
        self.isolation = []       # records whose batch status differed
        self.records = []
        self._expect_cache = {}

    # -- scheduling
    def batches(self, items):
        """[(suite, [tests])]: per binary, column and GoogleTest suite;
        own-process tests alone; the biggest first."""
        groups, alone = {}, []
        for it in items:
            if any(fnmatch.fnmatchcase(it.test, g) for g in self.own):
                alone.append((it.suite, [it.test]))
                continue
            gsuite = it.test.split(".", 1)[0]
            groups.setdefault((id(it.suite), gsuite), (it.suite, []))[1].append(it.test)
        out = list(groups.values()) + alone
        out.sort(key=lambda b: -len(b[1]))
        return out

    def run(self, items):
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs)
        try:
            pending = {pool.submit(self._batch, s, t) for s, t in self.batches(items)}
            while pending:
                done, pending = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED)
                for f in done:
                    for s, t in f.result():   # batches to run again
                        pending.add(pool.submit(self._batch, s, t))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return self.records

    # -- one batch
    def _batch(self, suite, tests):
        """Runs a batch; records what it can and returns the batches that
        must run again."""
        if len(tests) == 1:
            self._alone(suite, tests[0], None)
            return []
        outcome = self._run_batch(suite, tests)
        kind = outcome["kind"]
        if kind == "ok":
            for test in tests:
                res = outcome["cases"][test]
                expected = expectations.expected_of(self._entry(suite, test))
                if res["status"] in (st.PASS, st.SKIP) and st.is_expected(res["status"], expected):
                    self._record(suite, test, res, None)
                else:
                    self._alone(suite, test, res["status"])
            return []
        if kind == "culprit":
            culprit = outcome["culprit"]
            self._alone(suite, culprit, outcome["culprit_status"])
            rest = [t for t in tests if t != culprit]
            return [(suite, rest)] if rest else []
        # "unattributable": every test alone
        for test in tests:
            self._alone(suite, test, None)
        return []

    def _alone(self, suite, test, batch_status):
        key = f"{suite.column} {test}"
        with self.lock:
            self.running[key] = time.monotonic()
        try:
            res = gtest_run.run(suite.binary, test, self._timeout(suite),
                                env=suite.environment(self.extra_env), valgrind=self.valgrind)
        finally:
            with self.lock:
                self.running.pop(key, None)
        self._record(suite, test, res, batch_status)

    def _timeout(self, suite):
        return suite.timeout * (20 if self.valgrind else 1)

    def _entry(self, suite, test):
        """The expectation that governs `test` in the suite's column."""
        with self.lock:
            entries = self._expect_cache.get(suite.expectations)
            if entries is None:
                entries = self._expect_cache[suite.expectations] = expectations.load(suite.expectations)
        return expectations.lookup(entries, test, suite.backend or None, self.context(suite.column))

    def _record(self, suite, test, res, batch_status):
        entry = self._entry(suite, test)
        rec = results.record(suite.impl, suite.backend, suite.area, suite.kind, test, res, entry)
        if batch_status and batch_status != rec["status"]:
            rec["batch_status"] = batch_status
        if self.write:
            try:
                results.write(self.results_dir, rec)
            except OSError as e:
                raise ToolError(f"cannot write results to {self.results_dir}: {e.strerror}") from None
        with self.lock:
            self.records.append(rec)
            if "batch_status" in rec:
                self.isolation.append(rec)
        self.on_result(rec)

    def _run_batch(self, suite, tests):
        """Runs `tests` of `suite` in one process. Returns {"kind": "ok",
        "cases": {test: result}} | {"kind": "culprit", "culprit": test,
        "culprit_status": CRASH|TIMEOUT} | {"kind": "unattributable"}."""
        with tempfile.TemporaryDirectory(prefix="evconform-batch-") as tmp:
            out_json = os.path.join(tmp, "result.json")
            cmd = [suite.binary, "--gtest_filter=" + ":".join(tests), f"--gtest_output=json:{out_json}"]
            if self.valgrind:
                cmd = vg.command(self.valgrind) + cmd
            try:
                proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env=suite.environment(self.extra_env), start_new_session=True)
            except OSError as e:
                raise ToolError(f"cannot run {suite.binary}: {e.strerror}") from None
            watch = _Watch(proc, self._timeout(suite))
            keys = {}
            try:
                def started(test):
                    with self.lock:
                        for k in list(keys.values()):
                            self.running.pop(k, None)
                        keys.clear()
                        keys[test] = f"{suite.column} {test}"
                        self.running[keys[test]] = time.monotonic()
                watch.follow(started)
            finally:
                with self.lock:
                    for k in keys.values():
                        self.running.pop(k, None)
            rc = proc.returncode
            report = gtest_run.load_report(out_json)
        out, err = watch.stdout(), watch.stderr()
        if watch.timed_out:
            if watch.current:
                return {"kind": "culprit", "culprit": watch.current, "culprit_status": st.TIMEOUT}
            return {"kind": "unattributable"}
        sanitizer = any(s in err for s in gtest_run.SANITIZER_REPORTS)
        clean_exit = rc in (0, 1) and report is not None and not sanitizer
        if self.valgrind and rc == vg.ERROR_EXIT:
            return {"kind": "unattributable"}
        if not clean_exit:
            if watch.current:
                return {"kind": "culprit", "culprit": watch.current, "culprit_status": st.CRASH}
            return {"kind": "unattributable"}
        cases = {}
        segments = watch.segments()
        for test in tests:
            case = gtest_run._find_case(report, test)
            if case is None:
                return {"kind": "unattributable"}
            cases[test] = gtest_run.case_result(case, segments.get(test, ""))
        return {"kind": "ok", "cases": cases}


class _Watch:
    """Follows a batch process's output: the test running now, each test's
    stdout, and the per-test timeout (measured from the test's start)."""

    def __init__(self, proc, timeout):
        self.proc, self.timeout = proc, timeout
        self.current = None
        self.timed_out = False
        self._out, self._err = bytearray(), bytearray()
        self._lines = []           # decoded stdout lines
        self._partial = b""

    def follow(self, started):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ, self._out)
        sel.register(self.proc.stderr, selectors.EVENT_READ, self._err)
        deadline = time.monotonic() + self.timeout
        open_streams = 2
        while open_streams:
            left = deadline - time.monotonic()
            if left <= 0:
                self.timed_out = True
                self._kill()
                break
            for key, _ in sel.select(timeout=min(left, 1.0)):
                data = os.read(key.fileobj.fileno(), 65536)
                if not data:
                    sel.unregister(key.fileobj)
                    open_streams -= 1
                    continue
                key.data.extend(data)
                if key.data is self._out:
                    for line in self._split(data):
                        m = _RUN.match(line)
                        if m:
                            self.current = m.group(1)
                            deadline = time.monotonic() + self.timeout
                            started(self.current)
                        elif _END.match(line) and _END.match(line).group(1) == self.current:
                            self.current = None
                            deadline = time.monotonic() + self.timeout
        sel.close()
        if self.timed_out:
            self._drain()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()

    def _split(self, data):
        buf = self._partial + data
        *lines, self._partial = buf.split(b"\n")
        decoded = [l.decode(errors="replace").rstrip("\r") for l in lines]
        self._lines.extend(decoded)
        return decoded

    def _kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _drain(self):
        for stream, buf in ((self.proc.stdout, self._out), (self.proc.stderr, self._err)):
            try:
                buf.extend(stream.read())
            except (OSError, ValueError):
                pass

    def stdout(self):
        return self._out.decode(errors="replace")

    def stderr(self):
        return self._err.decode(errors="replace")

    def segments(self):
        """{test: the stdout lines it printed, RUN to end}."""
        segs, cur, acc = {}, None, []
        for line in self._lines:
            m = _RUN.match(line)
            if m:
                cur, acc = m.group(1), [line]
                continue
            if cur:
                acc.append(line)
                if _END.match(line):
                    segs[cur] = "\n".join(acc)
                    cur = None
        return segs


# ---------------------------------------------------------------- selection

def parse_shard(text):
    """'I/N' -> (I, N), 1 <= I <= N. Raises ToolError."""
    m = re.fullmatch(r"(\d+)/(\d+)", text or "")
    if not m or not (1 <= int(m.group(1)) <= int(m.group(2))):
        raise ToolError(f"--shard takes I/N with 1 <= I <= N (got '{text}')")
    return int(m.group(1)), int(m.group(2))


def shard_of(keys, index, count):
    """The keys of shard index/count: a deterministic 1/count of the sorted
    keys (round robin over the sorted order, so shards differ by at most one)."""
    ordered = sorted(keys)
    return set(ordered[index - 1::count])
