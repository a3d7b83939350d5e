"""A results folder shaped like a real run, for the report's self-tests
(report_test, html_browser_test): the built-in registry's eight columns
(reference, libevent and their backend columns, and libev), every area,
long test names and rule ids, long expectation reasons and messages with
long unbreakable paths, and a run.json as the runner writes it.

Its records carry absolute paths as a user's checkout would: under
AUTHOR_ROOT (a checkout elsewhere, named by the registry's built-in
expectations files), under evconform.ROOT, under the build folder (outside
both), and system paths that must stay as they are.

Outcomes that the tests look for, each in one known place:
  UNEXPECTED_FAIL   libevent/epoll FAIL, expected PASS (the gate fails)
  UNEXPECTED_PASS   libevent PASS, expected FAIL: newly passing
  EXPECTED_FAIL     libevent/select FAIL, expected FAIL with a long reason
  EXPECTED_CRASH    libevent CRASH, expected CRASH
  SELF_SKIP         reference/poll SKIP (expected PASS: neutral)
  FLAKY             reference/epoll FAIL, expected "PASS|FAIL" (only with flaky=True)
  REFERENCE_ONLY_FAIL  reference FAIL (expected), libevent PASS (compare: newly failing)
"""
import json
import os

from evconform import ROOT, results

AUTHOR_ROOT = "/home/alice/src/evconform"
SIBLING = "/home/alice/src/evconform-old/conformance/x_test.cc"   # not under AUTHOR_ROOT
SYSTEM_PATH = "/usr/include/event2/event.h"

UNEXPECTED_FAIL = "EventTimer.PersistentTimeoutIsReArmedFromTheDeadlineThatFired"
UNEXPECTED_PASS = "EvbufferSearch.EmptyPatternReturnsTheStartOfTheBuffer"
EXPECTED_FAIL = "EventWhat/WhatTest.ExactWhatForEveryKindOfEventAndFlag/EdgeTriggeredPersistentTimeoutClosed_17"
EXPECTED_CRASH = "EvbufferReserve.ZeroSizeAfterPrependToAnEmptyBufferUsesNoExtent"
SELF_SKIP = "EventSignal.SignalDeliveredWhileTheLoopSleepsInPollWakesIt"
FLAKY = "BufferEventLife.WriteTimeoutDuringAConnectFiresOnceAndDisablesWrite"
REFERENCE_ONLY_FAIL = "libevent.le-proxy"

COLUMNS = [("reference", ""), ("reference", "epoll"), ("reference", "poll"),
           ("libevent", ""), ("libevent", "epoll"), ("libevent", "poll"), ("libevent", "select"),
           ("libev", "")]
PER_BACKEND = ["event", "listener", "bufferevent", "programs"]
ALL_AREAS = ["evbuffer", "event", "listener", "bufferevent", "programs", "compat14", "clients"]

LONG_REASON = ("why: libevent 2.1.12's select backend reports EV_CLOSED as EV_READ because "
               "select(2) has no way to tell a hang-up from readable data; the rule is "
               "event.h's EV_CLOSED line and the observed behaviour of epoll and poll, see "
               f"{AUTHOR_ROOT}/harness/expectations/notes/select-and-ev-closed-in-libevent-"
               "2.1.12-without-any-break-opportunity-in-this-very-long-file-name.md")


def _tests():
    """[(area, test, rule_id)] in a stable order."""
    out = [("event", UNEXPECTED_FAIL, "event.h/event_add/persist-rearmed-from-deadline"),
           ("event", EXPECTED_FAIL, "event.h/EV_CLOSED/what-is-exact-for-every-kind-of-event"),
           ("event", SELF_SKIP, "event.h/event_base_loop/signal-wakes-a-sleeping-loop"),
           ("bufferevent", FLAKY, "bufferevent.h/bufferevent_set_timeouts/write-timeout-during-connect"),
           ("evbuffer", UNEXPECTED_PASS, "buffer.h/evbuffer_search/empty-pattern"),
           ("evbuffer", EXPECTED_CRASH, "buffer.h/evbuffer_reserve_space/zero-size-after-prepend"),
           ("clients", REFERENCE_ONLY_FAIL, "")]
    words = ["Add", "Drain", "Remove", "Readln", "Peek", "Search", "Expand", "Prepend",
             "Freeze", "Reserve", "Commit", "Copyout"]
    for area, n in (("evbuffer", 30), ("event", 25), ("listener", 10), ("bufferevent", 15),
                    ("programs", 3), ("compat14", 12), ("clients", 8)):
        suite = {"evbuffer": "Evbuffer", "event": "Event", "listener": "Listener",
                 "bufferevent": "BufferEvent", "programs": "Programs", "compat14": "Compat14Io",
                 "clients": "memcached"}[area]
        for i in range(n):
            w = words[i % len(words)]
            if area == "clients":
                out.append((area, f"{suite}.case-{w.lower()}-{i}", ""))
            else:
                out.append((area, f"{suite}{w}.{w}OfAChainAfterA{words[(i + 3) % 12]}KeepsTheOrder{i}",
                            f"{area}.h/{area}_{w.lower()}/order-after-{words[(i + 3) % 12].lower()}-{i}"))
    return out


def _outcome(impl, backend, area, test, flaky):
    """(status, expected, reason, message) of one cell."""
    column = f"{impl}/{backend}" if backend else impl
    src = f"{AUTHOR_ROOT}/conformance/{area}/{area}_test.cc:88"
    if test == UNEXPECTED_FAIL and column == "libevent/epoll":
        return ("FAIL", "PASS", "",
                f"{src}\nExpected: (WallMs(deadline)) <= (WallMs(before) + 2), actual: 1703 vs 1700\n"
                f"included from {SYSTEM_PATH}:455 and {SIBLING}:3\n"
                f"log: {ROOT}/build/default/results/libevent+epoll/{test}.log\n"
                "binary: <build>/conformance/conformance_libevent")
    if test == UNEXPECTED_PASS and column == "libevent":
        return ("PASS", "FAIL", "libevent 2.1.12 returns -1 for an empty pattern (issue 3)", "")
    if test == EXPECTED_FAIL and column == "libevent/select":
        return ("FAIL", "FAIL", LONG_REASON,
                f"{src}\nValue of: what\n  Actual: 0x02 (EV_READ)\nExpected: 0x80 (EV_CLOSED)\n"
                "what=" + "EV_READ|EV_CLOSED|EV_PERSIST|EV_ET|" * 12)
    if test == EXPECTED_CRASH and column == "libevent":
        return ("CRASH", "CRASH", "libevent 2.1.12 asserts in evbuffer_reserve_space (issue 5)",
                f"killed by SIGABRT\n{src}\nevbuffer.c:1234: assertion chain->off == 0 failed")
    if test == SELF_SKIP and column == "reference/poll":
        return ("SKIP", "PASS", "", "needs:a second CPU (GTEST_SKIP)")
    if test == FLAKY and column == "reference/epoll" and flaky:
        return ("FAIL", "PASS|FAIL", "flaky on a loaded machine: the connect completes first",
                f"{src}\nwrite timeout ran 0 times")
    if test == REFERENCE_ONLY_FAIL and column == "reference":
        return ("FAIL", "FAIL", "le-proxy needs <event2/bufferevent_ssl.h> (issue 18)",
                "does not build: <event2/bufferevent_ssl.h> is not provided by reference")
    if impl == "libev":
        if area == "clients" or test.endswith(("1", "4", "7")):
            return ("FAIL", "FAIL", "libev's emulation has no evbuffer", f"{src}\nlink error")
    return ("PASS", "PASS", "", "")


def write(folder, run=True, flaky=False):
    """Writes <folder>/results (records, and run.json unless run=False) and
    <folder>/build/evconform-implementations.json. Returns (results, registry)."""
    res = os.path.join(folder, "build", "results")
    registry = os.path.join(folder, "build", "evconform-implementations.json")
    os.makedirs(res, exist_ok=True)
    with open(registry, "w", encoding="utf-8") as f:
        json.dump({"implementations": [
            {"name": "reference", "areas": ALL_AREAS, "backends": ["epoll", "poll"],
             "expectations": f"{AUTHOR_ROOT}/harness/expectations/reference.toml"},
            {"name": "libevent", "areas": ALL_AREAS, "backends": ["epoll", "poll", "select"],
             "expectations": f"{AUTHOR_ROOT}/harness/expectations/libevent.toml"},
            {"name": "libev", "areas": ["compat14", "clients"], "backends": [],
             "expectations": f"{AUTHOR_ROOT}/harness/expectations/libev.toml"}],
            "per_backend_areas": PER_BACKEND}, f)
    for impl, backend in COLUMNS:
        for area, test, rule_id in _tests():
            if (area in PER_BACKEND) != bool(backend):
                continue
            if impl == "libev" and area not in ("compat14", "clients"):
                continue  # the report fills in UNSUPPORTED
            status, expected, reason, message = _outcome(impl, backend, area, test, flaky)
            message = message.replace("<build>", os.path.join(folder, "build"))
            results.write(res, {
                "impl": impl, "backend": backend,
                "column": f"{impl}/{backend}" if backend else impl,
                "area": area, "kind": "client" if area == "clients" else "conformance",
                "test": test, "status": status, "expected": expected,
                "expectation_reason": reason, "message": message, "rule_id": rule_id,
                "rule": f"the rule of {test}: what the header says, in one sentence or two",
                "duration_s": 0.01})
    if run:
        with open(os.path.join(res, "run.json"), "w", encoding="utf-8") as f:
            json.dump(RUN, f, indent=1)
    return res, registry


def _column_meta(impl, backend):
    lib = {"reference": f"{AUTHOR_ROOT}/build/default/reference/libevref.so.0",
           "libevent": "/usr/lib/x86_64-linux-gnu/libevent_core-2.1.so.7.0.1",
           "libev": "/usr/lib/x86_64-linux-gnu/libev.so.4.0.0"}[impl]
    meta = {"impl": impl, "backend": backend,
            "version": {"reference": "2.1.12-stable", "libevent": "2.1.12-stable",
                        "libev": "libev-4.33 (event.h emulation)"}[impl],
            "version_number": "0x02010c00", "library": lib,
            "assertions": {"reference": "on", "libevent": "off", "libev": "unknown"}[impl],
            "build": {"asan": impl == "reference", "valgrind": False,
                      "build_type": "RelWithDebInfo"}}
    if impl == "libev":
        del meta["version_number"], meta["build"]  # what a partial probe leaves
    return meta


RUN = {"format": 1,
       "started": "2026-12-01T20:40:00Z", "finished": "2026-12-01T20:41:10Z",
       "toolkit": {"version": "0.1.0", "commit": "cf756c7", "dirty": True},
       "host": {"cpus": 2, "load_average": [1.2, 1.5, 1.6]},
       "selection": {"impls": [], "areas": [], "filters": [], "excludes": ["Fuzz*"],
                     "kinds": ["conformance", "property", "client"], "shard": "1/4", "tests": 2968},
       "shards": ["1/4", "2/4", "3/4", "4/4"],
       "columns": {(f"{i}/{b}" if b else i): _column_meta(i, b) for i, b in COLUMNS}}
