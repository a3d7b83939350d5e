"""Runs the side-by-side benchmarks: reference vs libevent, in the same run.

Each benchmark binary exists once per implementation (bench_<name>_<impl>,
built by the default build). Trials alternate between the implementations
(ABBA order) so that machine noise hits both alike. A ratio is always
reference throughput / libevent throughput: above 1.0 the reference is
faster. Each figure is the median over trials, with the min-max of the
per-trial ratios.

  python3 -m evconform.bench                  # every benchmark, 5 trials, epoll
  python3 -m evconform.bench --method poll    # the same on the poll backend
  python3 -m evconform.bench --only evbuffer  # one family (evbuffer, dispatch, echo, bevkinds, wakeup, tls, memcached)
  python3 -m evconform.bench --out DIR        # also write DIR/bench.json and DIR/bench.md
  python3 -m evconform.bench --toolkit        # also time the toolkit (gate, fuzzing)

The families:
  evbuffer  Google Benchmark (bench/evbuffer_bench.cc): readln for every EOL
            style on 80-byte and 1 KiB lines in 4 KiB chains, search_eol next
            to a memchr of the same bytes, add / remove / add_buffer / pullup,
            add_file + write to a socket pair (with and without
            EVBUFFER_FLAG_DRAINS_TO_FD); each at 1x, 10x and 100x the work
            (100x = 64 MiB).
  dispatch  libevent's test/bench.c: P pipes with persistent read events, A
            active, W writes per round; the time to dispatch them.
  echo      loopback echo through listener + bufferevents, C connections x
            S-byte messages; also the server's peak memory per connection.
  bevkinds  bufferevent pairs and filters (bench/bevkinds_bench.cc): N MiB
            through a pair in S-byte writes, and through D stacked
            pass-through filters over a pair; a rate-limited socket
            bufferevent's achieved rate over its configured one (target:
            within 5% on both implementations).
  wakeup    cross-thread wake-up latency (bench/wakeup_bench.cc): the loop
            thread sleeps in dispatch; another thread takes a timestamp and
            calls event_active, event_add with a zero timeout, or
            event_base_loopbreak; the loop thread stamps the callback (or
            dispatch's return). 5000 rounds, each from sleep: median and
            p99 in microseconds (rows "... median" and "... p99").
  tls       TLS over loopback, both ends bufferevent_openssl on the same
            implementation (bench/tls_bench.cc): echo MiB/s, C connections x
            S-byte messages, and full handshakes/s (TLS 1.3, P-256, X25519);
            each also per CPU second of client + server (wait4/getrusage).
            Left out, with a note, while an implementation has no OpenSSL
            bufferevent (bench_tls_<impl> not built).
  memcached memcached 1.6 built on each implementation by the clients area
            (evconform/clients.py), under its load row's load: 50
            connections of set/get for 20 s, every reply checked (3 trials).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from . import ROOT, backends, cli
from .cli import ToolError
from .proc import run

IMPLS = ("reference", "libevent")
STYLES = ["ANY", "CRLF", "CRLF_STRICT", "LF", "NUL"]


# --- what runs -------------------------------------------------------------

def program_cases(smoke):
    """Cases of the plain programs: (id, family, args, figure, scale series)."""
    def dispatch(pipes, writes, kind, rounds, series=None, scale=None):
        if smoke:
            pipes, writes, rounds = min(pipes, 50), min(writes, 50), 2
        active = min(100, pipes)
        args = ["-n", str(pipes), "-a", str(active), "-w", str(writes), "-r", str(rounds), "-k", kind]
        return {"id": f"dispatch P={pipes} A={active} W={writes} {kind}", "family": "dispatch",
                "args": args, "figure": "dispatch_us", "work": writes,
                "series": series, "scale": scale}

    def echo(conns, size, rounds, series=None, scale=None):
        if smoke:
            conns, size, rounds = min(conns, 4), min(size, 1024), 5
        return {"id": f"echo C={conns} S={size}", "family": "echo",
                "args": ["-c", str(conns), "-s", str(size), "-n", str(rounds)],
                "figure": "elapsed_ms", "work": conns * rounds, "series": series, "scale": scale}

    def bevkinds(kind, mib, piece, depth=0):
        if smoke:
            mib = 1
        args = ["-k", kind, "-n", str(mib), "-s", str(piece)] + (["-d", str(depth)] if depth else [])
        what = f"filter D={depth} over a pair" if depth else "pair"
        return {"id": f"{what} {mib} MiB S={piece}", "family": "bevkinds", "args": args,
                "figure": "elapsed_ms", "work": mib, "series": None, "scale": None}

    def ratelim(rate, tick_ms, ticks):
        if smoke:
            ticks = 3
        return {"id": f"rate limit {rate} B per {tick_ms} ms, {ticks} ticks", "family": "bevkinds",
                "args": ["-k", "ratelim", "-r", str(rate), "-t", str(tick_ms), "-T", str(ticks)],
                "figure": "accuracy", "higher": True, "work": ticks, "series": None, "scale": None}

    def wakeup(kind, rounds):
        if smoke:
            rounds = 50
        what = {"active": "event_active", "add": "event_add 0 s", "break": "loopbreak"}[kind]
        return {"id": f"wakeup {what} median", "family": "wakeup", "args": ["-k", kind, "-n", str(rounds)],
                "figure": "median_us", "also_figures": [(f"wakeup {what} p99", "p99_us")], "work": rounds,
                "series": None, "scale": None}

    def tls(kind, conns, size, count):
        if smoke:
            count = min(count, 5 if kind == "echo" else 20)
        args = ["-k", kind, "-c", str(conns), "-n", str(count)] + (["-s", str(size)] if kind == "echo" else [])
        what = f"tls echo C={conns} S={size}" if kind == "echo" else f"tls handshakes C={conns}"
        figure = "mib_per_s" if kind == "echo" else "handshakes_per_s"
        # the same trials per CPU second of client + server: steadier than
        # wall time on a shared machine
        return {"id": what, "family": "tls", "args": args, "higher": True, "figure": figure,
                "also_figures": [(what + " per CPU s", figure.replace("_per_s", "_per_cpu_s"))],
                "work": count, "series": None, "scale": None}

    cases = [
        dispatch(1000, 1000, "socketpair", 25),
        # P=10000 socketpairs need 20,003 fds: over this machine's hard
        # limit, so the P series uses one eventfd per pipe.
        dispatch(100, 1000, "eventfd", 25, "dispatch: P pipes, W=1000", 1),
        dispatch(1000, 1000, "eventfd", 25, "dispatch: P pipes, W=1000", 10),
        # 100 rounds: at P=10000 a round is ~45 ms and 25 rounds left the median noisy
        dispatch(10000, 1000, "eventfd", 100, "dispatch: P pipes, W=1000", 100),
        dispatch(1000, 10000, "eventfd", 10, "dispatch: W writes, P=1000", 10),
        dispatch(1000, 100000, "eventfd", 5, "dispatch: W writes, P=1000", 100),
        echo(64, 16384, 200),
        echo(10, 64, 200, "echo: C connections, S=64 B", 1),
        echo(100, 64, 200, "echo: C connections, S=64 B", 10),
        echo(1000, 64, 200, "echo: C connections, S=64 B", 100),
        # sized for 100-300 ms a trial on this machine (a 16 KiB piece is
        # copied in cache: GB/s of its own)
        bevkinds("pair", 8192, 16384),
        bevkinds("pair", 128, 64),
        bevkinds("filter", 4096, 16384, 2),
        bevkinds("filter", 64, 64, 2),
        ratelim(8192, 20, 50),
        wakeup("active", 5000),
        wakeup("add", 5000),
        wakeup("break", 5000),
        # sized for about a second a trial on this machine
        tls("echo", 16, 16384, 100),
        tls("echo", 64, 256, 200),
        tls("handshake", 8, 0, 500),
    ]
    # W=1000 at P=1000 is also the first point of the W series.
    cases[2]["also"] = ("dispatch: W writes, P=1000", 1)
    seen, unique = set(), []
    for c in cases:  # smoke sizes collapse some cases into one
        if c["id"] not in seen:
            seen.add(c["id"])
            unique.append(c)
    return unique


def run_program(binary, args, method):
    env = backends.only(os.environ, method)
    try:
        p = run([binary] + args, capture_output=True, text=True, env=env, timeout=600)
    except subprocess.TimeoutExpired:
        raise ToolError(f"{os.path.basename(binary)} ran over 600 s")
    if p.returncode != 0:
        last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
        raise ToolError(f"{os.path.basename(binary)} {' '.join(args)} failed ({p.returncode}): {last}")
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise ToolError(f"{os.path.basename(binary)} printed no JSON result")


def list_gbench(binary, smoke):
    """The benchmark names of a Google Benchmark binary (only the 1x ones in smoke mode)."""
    p = run([binary, "--benchmark_list_tests"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise ToolError(f"{os.path.basename(binary)} --benchmark_list_tests failed ({p.returncode})")
    names = p.stdout.split()
    return [n for n in names if n.replace("/real_time", "").endswith("/1")] if smoke else names


def run_gbench(binary, smoke, name):
    """One benchmark case of the Google Benchmark binary, in a process of its
    own (so no case runs on the heap another left behind):
    {name: (throughput, unit)}."""
    args = [binary, "--benchmark_format=json", "--benchmark_min_time=" + ("0.01" if smoke else "0.1"),
            "--benchmark_filter=^" + re.escape(name) + "$"]
    try:
        p = run(args, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        raise ToolError(f"{os.path.basename(binary)} ran over 900 s")
    if p.returncode != 0:
        raise ToolError(f"{os.path.basename(binary)} failed ({p.returncode})")
    try:
        data = json.loads(p.stdout)
    except ValueError:
        raise ToolError(f"{os.path.basename(binary)} printed no JSON")
    out = {}
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            raise ToolError(f"{os.path.basename(binary)}: {b['name']}: {b.get('error_message')}")
        if "bytes_per_second" in b:
            out[b["name"]] = (b["bytes_per_second"], "GB/s")
        elif "items_per_second" in b:
            out[b["name"]] = (b["items_per_second"], "M op/s")
    if not out:
        raise ToolError(f"{os.path.basename(binary)} ran no benchmark")
    return out


def describe_gbench(name):
    """Readln/2/80/100 -> (case id, series, scale); a /real_time suffix
    (cases timed by the wall clock) is dropped."""
    parts = [p for p in name.split("/") if p != "real_time"]
    kind, scale = parts[0], int(parts[-1])
    if kind == "Readln":
        style, line = STYLES[int(parts[1])], int(parts[2])
        series = f"readln {style}, {line}-byte lines"
        size = 64 * scale / 100
        return f"readln {style} {line} B lines, {size:g} MiB", series, scale
    if kind == "SearchEol":
        series = f"search_eol {STYLES[int(parts[1])]}"
        return f"{series}, {64 * scale / 100:g} MiB", series, scale
    if kind == "Memchr":
        return f"memchr, {64 * scale / 100:g} MiB", "memchr", scale
    if kind == "Pullup":
        return f"pullup of {16 * scale} chains", "pullup", scale
    if kind == "AddFile":
        series = "add_file + write" + (", DRAINS_TO_FD" if parts[1] == "1" else "")
        return f"{series}, {64 * scale / 100:g} MiB", series, scale
    what = {"Add": "add 64 B", "Remove": "remove 64 B", "AddBuffer": "add_buffer of 16 chains"}[kind]
    return f"{what} x {1000 * scale}", what, scale


# --- statistics ------------------------------------------------------------

def ratio_stats(ref, lib, higher_is_better):
    """Per-trial ratios (reference throughput / libevent throughput)."""
    pairs = [(r / l if higher_is_better else l / r) for r, l in zip(ref, lib) if r > 0 and l > 0]
    if not pairs:
        return {"median": float("nan"), "min": float("nan"), "max": float("nan")}
    return {"median": statistics.median(pairs), "min": min(pairs), "max": max(pairs)}


TARGETS = [  # (case id pattern, minimum ratio, what the issue asks)
    (r"^readln .* 64 MiB$", 1.0),
    (r"^(add 64 B|remove 64 B|add_buffer of 16 chains) x 100000$", 1.0),
    (r"^pullup of 1600 chains$", 1.0),
    (r"^add_file \+ write.*, 64 MiB$", 1.0),  # issue 20
    (r"^dispatch P=1000 A=100 W=1000 socketpair$", 1.0),
    (r"^dispatch P=10000 A=100 W=1000 eventfd$", 1.0),
    (r"^echo C=64 S=16384$", 0.9),
    (r"^echo C=1000 S=64$", 0.9),
    (r"^(pair|filter D=2 over a pair) \d+ MiB S=\d+$", 1.0),  # issue 17
    (r"^wakeup .* median$", 1.0),  # issue 20: reference latency <= libevent's
    (r"^tls ", 1.0),  # issue 18: below 0.95 the bufferevent layer adds cost
]

# Rows whose figure is a fraction of a configured value: each
# implementation on its own must come within this much of 1.0.
ACCURACY = {"accuracy": 0.05}


def target_for(case_id):
    for pattern, minimum in TARGETS:
        if re.search(pattern, case_id):
            return minimum
    return None


# --- the run ---------------------------------------------------------------

def collect(args):
    rows = []       # one per case
    memory = []     # echo server memory per connection
    binaries = {}
    families = ["evbuffer", "dispatch", "echo", "bevkinds", "wakeup", "tls"]
    for fam in [f for f in families if not args.only or f == args.only]:
        for impl in IMPLS:
            path = os.path.join(args.build, "bench", f"bench_{fam}_{impl}")
            if not os.access(path, os.X_OK):
                if fam == "tls" and args.only != "tls":  # built only with an OpenSSL bufferevent
                    progress(f"tls left out: {path} not built ({impl} has no OpenSSL bufferevent in this build)")
                    families.remove("tls")
                    break
                raise ToolError(f"benchmark binary not found: {path} (build first)")
            binaries[(fam, impl)] = path
    wanted = [f for f in families + ["memcached"] if not args.only or f == args.only]
    order = lambda k: IMPLS if k % 2 == 0 else tuple(reversed(IMPLS))  # noqa: E731

    if "evbuffer" in wanted:
        # Each case in its own process, trials alternating per case (ABBA).
        names = list_gbench(binaries[("evbuffer", "reference")], args.smoke)
        trials = {i: [{} for _ in range(args.trials)] for i in IMPLS}
        for n, name in enumerate(names):
            progress(f"evbuffer {name} ({n + 1}/{len(names)}), {args.trials} trials")
            for k in range(args.trials):
                for impl in order(k):
                    trials[impl][k].update(run_gbench(binaries[("evbuffer", impl)], args.smoke, name))
        for name in trials["reference"][0]:
            ref = [t[name][0] for t in trials["reference"]]
            lib = [t[name][0] for t in trials["libevent"]]
            unit = trials["reference"][0][name][1]
            scale_div = 1e9 if unit == "GB/s" else 1e6
            case_id, series, scale = describe_gbench(name)
            rows.append({"id": case_id, "family": "evbuffer", "unit": unit,
                         "reference": statistics.median(ref) / scale_div,
                         "libevent": statistics.median(lib) / scale_div,
                         "ratio": ratio_stats(ref, lib, True), "series": series, "scale": scale,
                         "per_trial": {"reference": ref, "libevent": lib}})

    for case in program_cases(args.smoke):
        if case["family"] not in wanted:
            continue
        trials = {i: [] for i in IMPLS}
        for k in range(args.trials):
            for impl in order(k):
                progress(f"{case['id']} {impl} trial {k + 1}/{args.trials}")
                trials[impl].append(run_program(binaries[(case["family"], impl)], case["args"], args.method))
        for impl in IMPLS:
            if trials[impl][0].get("method") != args.method:
                raise ToolError(f"{impl} ran on {trials[impl][0].get('method')}, not {args.method}")
        fig = case["figure"]
        ref = [t[fig] for t in trials["reference"]]
        lib = [t[fig] for t in trials["libevent"]]
        row = {"id": case["id"], "family": case["family"], "unit": fig.replace("_", " "),
               "reference": statistics.median(ref), "libevent": statistics.median(lib),
               "ratio": ratio_stats(ref, lib, case.get("higher", False)), "series": case["series"], "scale": case["scale"],
               "work": case["work"], "per_trial": {"reference": ref, "libevent": lib}}
        rows.append(row)
        # Further figures of the same runs, as rows of their own: (id, figure).
        for extra_id, extra_fig in case.get("also_figures", []):
            ref_x = [t[extra_fig] for t in trials["reference"]]
            lib_x = [t[extra_fig] for t in trials["libevent"]]
            rows.append(dict(row, id=extra_id, unit=extra_fig.replace("_", " "),
                             reference=statistics.median(ref_x), libevent=statistics.median(lib_x),
                             ratio=ratio_stats(ref_x, lib_x, case.get("higher", False)),
                             per_trial={"reference": ref_x, "libevent": lib_x}))
        if "also" in case:
            extra = dict(row)
            extra["series"], extra["scale"] = case["also"]
            extra["hidden"] = True
            rows.append(extra)
        if case["family"] == "echo":
            memory.append({"id": case["id"],
                           **{impl: {"kib_per_conn": statistics.median(t["kib_per_conn"] for t in trials[impl]),
                                     "peak_kib": statistics.median(t["server_peak_kib"] for t in trials[impl])}
                              for impl in IMPLS}})
    # memcached may need building first (minutes): not part of a smoke run unless asked for
    if "memcached" in wanted and (not args.smoke or args.only == "memcached"):
        rows += memcached_rows(args, order)
    for r in rows:
        r["target"] = target_for(r["id"])
        r["met"] = None if r["target"] is None else r["ratio"]["median"] >= r["target"]
        if r["unit"] in ACCURACY:
            r["accuracy_within"] = ACCURACY[r["unit"]]
            r["accuracy_met"] = all(abs(r[i] - 1.0) <= ACCURACY[r["unit"]] for i in IMPLS)
    return rows, memory


def memcached_rows(args, order):
    """memcached's ops/s on both implementations (the clients area's load),
    or none when it cannot run on one of them (the reason is printed)."""
    from . import clients
    seconds = 2 if args.smoke else clients.LOAD_SECONDS
    trials = {i: [] for i in IMPLS}
    for k in range(min(args.trials, 3)):
        for impl in order(k):
            progress(f"memcached load {impl} trial {k + 1}/{min(args.trials, 3)} ({seconds} s)")
            r = clients.load(os.path.abspath(args.build), impl, seconds=seconds)
            if "ops_per_s" not in r:
                progress(f"memcached load left out: {impl}: {r.get('error')}")
                return []
            trials[impl].append(r["ops_per_s"])
    ref, lib = trials["reference"], trials["libevent"]
    return [{"id": f"memcached set/get C={clients.LOAD_CONNS} {seconds} s", "family": "memcached",
             "unit": "k op/s", "reference": statistics.median(ref) / 1000,
             "libevent": statistics.median(lib) / 1000, "ratio": ratio_stats(ref, lib, True),
             "series": None, "scale": None, "per_trial": {"reference": ref, "libevent": lib}}]


def search_vs_memchr(rows):
    """search_eol throughput as a fraction of memchr's, same binary and scale."""
    out = []
    memchr = {(r["scale"]): r for r in rows if r["series"] == "memchr"}
    for r in rows:
        if (r["series"] or "").startswith("search_eol") and r["scale"] in memchr:
            m = memchr[r["scale"]]
            # The target is for "a long buffer with few EOLs": the 64 MiB one.
            long_buffer = r["scale"] == 100
            out.append({"id": r["id"], "scale": r["scale"],
                        "reference": r["reference"] / m["reference"],
                        "libevent": r["libevent"] / m["libevent"],
                        "target": 0.5 if long_buffer else None,
                        "met": r["reference"] / m["reference"] >= 0.5 if long_buffer else None})
    return out


def scaling(rows):
    """Per series: cost per unit of work at 1x, 10x, 100x, relative to 1x."""
    series = {}
    for r in rows:
        if r["series"]:
            series.setdefault(r["series"], {})[r["scale"]] = r
    out = []
    for name, points in series.items():
        if 1 not in points or len(points) < 2:
            continue
        entry = {"series": name, "points": {}}
        for impl in IMPLS:
            base = unit_cost(points[1], impl)
            entry["points"][impl] = {s: unit_cost(points[s], impl) / base for s in sorted(points)}
        out.append(entry)
    return out


def unit_cost(row, impl):
    """Time per unit of work; throughput rows are already per unit."""
    v = row[impl]
    if row["family"] == "evbuffer":
        return 1.0 / v
    if row["family"] == "dispatch" and row["series"].startswith("dispatch: P"):
        return v  # the same W writes at every P: cost should stay flat
    return v / row["work"]


def progress(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# --- the toolkit itself ----------------------------------------------------

def toolkit_figures(args):
    """Wall time of the gate (build excluded and included) and fuzz exec/s."""
    root = ROOT
    out = {}

    def timed(cmd, **kw):
        progress("toolkit: " + " ".join(cmd))
        t0 = time.monotonic()
        p = run(cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)
        if p.returncode != 0 and cmd[0] == "cmake":
            raise ToolError(f"{' '.join(cmd)} failed: {p.stderr.strip().splitlines()[-1:]}")
        return time.monotonic() - t0

    build = timed(["cmake", "--build", "--preset", "default", "--clean-first"])
    gate = timed(["ctest", "--preset", "matrix", "-Q"])
    out["gate"] = {"build_s": build, "tests_s": gate, "total_s": build + gate, "jobs": os.cpu_count()}
    fuzz_dir = os.path.join(root, "build", "fuzz", "fuzz")
    fuzz = {}
    for target in ("eol_search_reference", "eol_search_libevent", "evbuffer_ops_reference",
                   "eol_differential", "evbuffer_ops_differential", "tls_read_reference", "tls_read_libevent"):
        binary = os.path.join(fuzz_dir, f"fuzz_{target}")
        if not os.access(binary, os.X_OK):
            continue
        family = "tls_read" if target.startswith("tls_") else "evbuffer_ops" if "ops" in target else "eol_search"
        progress(f"toolkit: fuzz {target} for {args.fuzz_seconds} s")
        # New inputs go to the first folder, a scratch one: the seed corpus
        # in the source tree stays as it is.
        with tempfile.TemporaryDirectory() as scratch:
            p = run([binary, f"-max_total_time={args.fuzz_seconds}", "-print_final_stats=1",
                                "-rss_limit_mb=2048", scratch, os.path.join(root, "fuzz", "corpus", family)],
                               capture_output=True, text=True, timeout=args.fuzz_seconds + 120)
        m = re.search(r"stat::number_of_executed_units:\s*(\d+)", p.stderr)
        t = re.search(r"Done \d+ runs in (\d+) second", p.stderr)
        if m and t and int(t.group(1)) > 0:
            fuzz[target] = int(m.group(1)) / int(t.group(1))
    out["fuzz_exec_per_s"] = fuzz
    return out


# --- output ----------------------------------------------------------------

def fmt_ratio(r):
    return f"{r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f})"


def markdown(rows, memory, search, scal, toolkit, args):
    lines = ["# Benchmarks: reference vs libevent 2.1.12 (same run)", "",
             f"Method {args.method}, {args.trials} trials per implementation in ABBA order; "
             "figures are medians, ratio = reference throughput / libevent throughput "
             "(median of per-trial ratios, min–max), above 1.0 the reference is faster.", "",
             "| benchmark | unit | reference | libevent | ratio (min–max) | target |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("hidden"):
            continue
        target = "" if r["target"] is None else f"≥ {r['target']:.1f} {'met' if r['met'] else '**missed**'}"
        if "accuracy_within" in r:
            target = (f"both within {r['accuracy_within']:.0%} of 1.0 "
                      f"{'met' if r['accuracy_met'] else '**missed**'}")
        lines.append(f"| {r['id']} | {r['unit']} | {r['reference']:.2f} | {r['libevent']:.2f} | "
                     f"{fmt_ratio(r['ratio'])} | {target} |")
    if search:
        lines += ["", "## search_eol as a fraction of a memchr scan of the same bytes", "",
                  "| benchmark | reference | libevent | target |", "|---|---|---|---|"]
        for s in search:
            target = ("" if s["target"] is None else
                      f"≥ {s['target']:.1f} {'met' if s['met'] else '**missed**'}")
            lines.append(f"| {s['id']} | {s['reference']:.2f} | {s['libevent']:.2f} | {target} |")
    if scal:
        lines += ["", "## Scaling: cost per unit of work at 10x and 100x the work, relative to 1x", "",
                  "1.0 = linear (per-unit cost unchanged). For the dispatch P series the work is "
                  "fixed (W=1000) while the number of idle pipes grows: 1.0 = independent of P.", "",
                  "| series | reference 10x | reference 100x | libevent 10x | libevent 100x |",
                  "|---|---|---|---|---|"]
        for s in scal:
            p = s["points"]
            cell = lambda impl, k: f"{p[impl][k]:.2f}" if k in p[impl] else "–"  # noqa: E731
            lines.append(f"| {s['series']} | {cell('reference', 10)} | {cell('reference', 100)} | "
                         f"{cell('libevent', 10)} | {cell('libevent', 100)} |")
    if memory:
        lines += ["", "## Echo server memory (peak resident, minus resident before the first connection)", "",
                  "| benchmark | reference KiB/conn | libevent KiB/conn | reference peak KiB | libevent peak KiB |",
                  "|---|---|---|---|---|"]
        for m in memory:
            lines.append(f"| {m['id']} | {m['reference']['kib_per_conn']:.2f} | "
                         f"{m['libevent']['kib_per_conn']:.2f} | {m['reference']['peak_kib']:.0f} | "
                         f"{m['libevent']['peak_kib']:.0f} |")
    if toolkit:
        g = toolkit["gate"]
        lines += ["", "## The toolkit", "",
                  f"- Gate (`ctest --preset matrix`, {g['jobs']} cores): {g['tests_s']:.0f} s of tests; "
                  f"with a clean rebuild first {g['total_s']:.0f} s (build {g['build_s']:.0f} s)."]
        for t, v in toolkit["fuzz_exec_per_s"].items():
            lines.append(f"- fuzz_{t}: {v:,.0f} executions/s on one core")
    return "\n".join(lines) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(prog="python3 -m evconform.bench", description="Side-by-side benchmarks, reference vs libevent.")
    ap.add_argument("--build", default="build/default", help="the build folder (default: %(default)s)")
    ap.add_argument("--trials", type=int, default=5, help="runs per implementation (default: 5)")
    ap.add_argument("--method", default="epoll", help="kernel method (default: epoll)")
    ap.add_argument("--only", choices=["evbuffer", "dispatch", "echo", "bevkinds", "wakeup", "tls", "memcached"],
                    help="run one family")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: check that it all runs")
    ap.add_argument("--toolkit", action="store_true",
                    help="also time the gate (clean rebuild + matrix) and the fuzz targets")
    ap.add_argument("--fuzz-seconds", type=int, default=20, help="per fuzz target with --toolkit")
    ap.add_argument("--out", help="folder to write bench.json and bench.md into")
    args = ap.parse_args(argv)
    if args.trials < 1:
        raise ToolError("--trials must be at least 1")
    if args.method not in backends.METHODS:
        raise ToolError(f"unknown method '{args.method}' (one of {', '.join(backends.METHODS)})")
    if args.out:
        try:
            os.makedirs(args.out, exist_ok=True)
            if not os.access(args.out, os.W_OK):
                raise OSError("not writable")
        except OSError as e:
            raise ToolError(f"cannot write to {args.out}: {e}") from None
    try:
        rows, memory = collect(args)
        toolkit = toolkit_figures(args) if args.toolkit else None
    except ToolError as e:  # a benchmark that failed: exit 1, not a usage error
        print(f"bench: {e}", file=sys.stderr)
        return 1
    search = search_vs_memchr(rows)
    scal = scaling(rows)
    md = markdown(rows, memory, search, scal, toolkit, args)
    print(md)
    if args.out:
        with open(os.path.join(args.out, "bench.json"), "w") as f:
            json.dump({"format": "evconform-bench-1",
                       "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "method": args.method, "trials": args.trials, "rows": rows, "memory": memory,
                       "search_vs_memchr": search, "scaling": scal, "toolkit": toolkit}, f, indent=1)
        with open(os.path.join(args.out, "bench.md"), "w") as f:
            f.write(md)
    return 0


if __name__ == "__main__":
    cli.main("bench", main)
