"""Runs one GoogleTest case in its own process and classifies the outcome."""
import json
import os
import signal
import subprocess
import tempfile
import time

from . import status as st
from . import valgrind as vg
_MAX_MESSAGE = 4000


def _tail(text, limit=_MAX_MESSAGE):
    text = text.strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def _signal_name(num):
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"


def _find_case(report, test):
    suite, _, name = test.partition(".")
    for s in report.get("testsuites", []):
        if s.get("name") != suite:
            continue
        for case in s.get("testsuite", []):
            if case.get("name") == name:
                return case
    return None


def run(binary, test, timeout, env=None, valgrind=None):
    """Runs `test` alone in its own process with the environment `env`
    (default: this process's). Returns a dict: status, message, rule_id,
    rule, duration_s."""
    with tempfile.TemporaryDirectory(prefix="evconform-") as tmp:
        out_json = os.path.join(tmp, "result.json")
        cmd = [binary, f"--gtest_filter={test}", f"--gtest_output=json:{out_json}"]
        if valgrind:
            cmd = vg.command(valgrind) + cmd
        env = dict(os.environ) if env is None else env
        start = time.monotonic()
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=env, start_new_session=True, text=True,
                                    errors="replace")
        except OSError as e:
            return {"status": st.ERROR, "message": f"cannot run {binary}: {e.strerror}",
                    "rule_id": "", "rule": "", "duration_s": 0.0}
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            return {"status": st.TIMEOUT,
                    "message": f"no result after {timeout} s; killed. Output so far:\n"
                               + _tail(out + err, 1500),
                    "rule_id": "", "rule": "", "duration_s": round(time.monotonic() - start, 3)}
        duration = round(time.monotonic() - start, 3)
        report = load_report(out_json)
    return _classify(test, proc.returncode, out, err, report, duration)


# What a sanitizer prints when it finds a problem: the test's result is a
# CRASH with the report as its message (ASan, UBSan, LSan, TSan).
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
                     "WARNING: ThreadSanitizer")


def load_report(path):
    """GoogleTest's JSON report at `path`, or None (not written: the process
    died before the end, or it is malformed)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _classify(test, rc, out, err, report, duration):
    case = _find_case(report, test) if report else None
    # EVC_RULE's two properties (conformance/common/evc_test.h)
    res = {"rule_id": case.get("rule_id", "") if case else "",
           "rule": case.get("rule", "") if case else "", "duration_s": duration}
    if rc < 0:
        res.update(status=st.CRASH, message=f"killed by {_signal_name(-rc)}\n" + _tail(out + err))
        return res
    if any(s in err for s in SANITIZER_REPORTS):
        res.update(status=st.CRASH, message="sanitizer report:\n" + _tail(err))
        return res
    if rc == vg.ERROR_EXIT and "==" in err:
        res.update(status=st.MEMERR, message="valgrind memcheck:\n" + _tail(err))
        return res
    if case is None:
        if report is not None and rc == 0:
            res.update(status=st.ERROR, message=f"no test named {test} in the binary")
        else:
            res.update(status=st.CRASH, message=f"exited with status {rc} before reporting\n"
                       + _tail(out + err))
        return res
    res.update(case_result(case, out), duration_s=duration)
    if res["status"] == st.PASS and rc != 0:
        res.update(status=st.CRASH, message=f"exited with status {rc} after the test\n"
                   + _tail(out + err))
    return res


def case_result(case, out):
    """The result of one case of a GoogleTest JSON report, `out` being what
    the test printed: FAIL (its failure messages), SKIP (the reason) or
    PASS; with its rule id and duration."""
    res = {"rule_id": case.get("rule_id", ""), "rule": case.get("rule", ""),
           "duration_s": _seconds(case.get("time", "0s"))}
    failures = case.get("failures", [])
    if failures:
        msgs = "\n".join(f.get("failure", "") for f in failures)
        res.update(status=st.FAIL, message=_tail(msgs))
    elif case.get("result") == "SKIPPED":
        res.update(status=st.SKIP, message=_tail(_skip_reason(out)))
    else:
        res.update(status=st.PASS, message="")
    return res


def _seconds(text):
    try:
        return float(str(text).rstrip("s"))
    except ValueError:
        return 0.0


def _skip_reason(out):
    lines = [l for l in out.splitlines() if "Skipped" in l or "needs:" in l]
    return "\n".join(lines) or "skipped"
