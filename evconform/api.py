"""API coverage: which of libevent's public API the suite checks, and what
each implementation provides of it.

The surface is computed, never kept by hand: the public functions and
macros of the in-scope headers of the libevent the toolkit tests against
(Debian's 2.1.12, found with pkg-config), as its preprocessor sees them
(`cc -E -dD`, so `#if 0` and Windows-only declarations drop out):

  function  a name declared in the header and exported by libevent's
            libraries (nm -D): what a program can call;
  macro     a `#define` of the header, except its include guard;
  constant  an enumerator of the header (EVENT_BASE_FLAG_*, BEV_OPT_*...).

Per symbol the table gives
  rules     the tests whose rule id names it (`<header>/<symbol>/...`,
            docs/rules.md): the checks of that symbol;
  uses      the tests whose code mentions it: the test's body, its
            fixture and the helpers it calls, followed transitively through
            conformance/ (a static reading of the sources);
and per implementation
  declared  the implementation's own copy of the header declares it (the
            header is looked up the way its suites compile: a header that
            resolves outside the implementation's event2/ folder, e.g. the
            system's libevent copy, is not the implementation's);
  links     the libraries its columns link provide it (functions: the API
            probe evc_api_<impl>, linked like the suites with `-u <name>`
            for every function, asks dlsym which it can call);
and per column how many of the symbol's rule tests pass.

The gate does not depend on any of this. Built at configure time:

  python3 -m evconform.api --generate DIR   # surface.json, api_probe.c,
                                            # api_headers.c, api_probe.ld
  python3 -m evconform.api --build BUILD [--matrix M] [--md F] [--json F]
      the coverage of a configured build tree (and of a matrix's results)
"""
import argparse
import collections
import glob
import json
import os
import re
import shlex
import subprocess

from . import ROOT, cli
from .cli import ToolError

# The headers a libevent implementation is checked on (event2/<name>).
HEADERS = ("event.h", "buffer.h", "bufferevent.h", "listener.h", "util.h", "thread.h",
           "bufferevent_ssl.h", "event_compat.h", "buffer_compat.h", "bufferevent_compat.h")
# The libraries of libevent 2.1 whose exports make the function surface.
LIBEVENT_LIBS = ("libevent_core", "libevent_extra", "libevent_pthreads", "libevent_openssl")
CONFORMANCE = os.path.join(ROOT, "conformance")

_LINEMARK = re.compile(r'^# \d+ "([^"]*)"')
_DEFINE = re.compile(r"^#define ([A-Za-z_][A-Za-z0-9_]*)")
_CALLISH = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# ------------------------------------------------------------ headers
def sections(preprocessed, headers=HEADERS):
    """{header: (path, text)} of the in-scope headers in `cc -E -dD` output:
    the lines the preprocessor attributes to each header's file."""
    out, current = {}, None
    for line in preprocessed.splitlines():
        m = _LINEMARK.match(line)
        if m:
            path = m.group(1)
            name = os.path.basename(path)
            current = name if (os.path.basename(os.path.dirname(path)) == "event2"
                               and name in headers) else None
            if current and current not in out:
                out[current] = (path, [])
            continue
        if current:
            out[current][1].append(line)
    return {h: (p, "\n".join(lines)) for h, (p, lines) in out.items()}


def macros_of(text):
    """The macros a header section defines: not its include guard, nor names
    starting or ending with '_' (libevent's internal spelling)."""
    names = []
    for line in text.splitlines():
        m = _DEFINE.match(line)
        if m and not m.group(1).startswith("_") and not m.group(1).endswith("_"):
            names.append(m.group(1))
    return names


_ENUM = re.compile(r"\benum\s*[A-Za-z_]*\s*\{([^}]*)\}")


def constants_of(text):
    """The enumerators a header section declares (EVENT_BASE_FLAG_*, BEV_OPT_*...)."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    names = []
    for m in _ENUM.finditer(body):
        for item in m.group(1).split(","):
            ident = _IDENT.match(item.strip())
            if ident and not ident.group(0).endswith("_"):
                names.append(ident.group(0))
    return names


def declared_names(text):
    """Every name written as `name(` outside #define lines: the functions a
    section declares (and some keywords, which no surface holds)."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return set(_CALLISH.findall(body))


def preprocess(command, source):
    """Runs a compile command on `source` with -E -dD (no -c/-o, no
    dependency files, its own source dropped); the output."""
    args, skip = [], False
    for a in command:
        if skip:
            skip = False
        elif a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
        elif a not in ("-c", "-MD", "-MMD") and not a.endswith(".c"):
            args.append(a)
    p = subprocess.run(args + ["-E", "-dD", "-x", "c", source], capture_output=True, text=True)
    if p.returncode != 0:
        raise ToolError(f"cannot preprocess ({' '.join(args[:1])}): "
                        + (p.stderr.strip().splitlines() or ["no output"])[-1])
    return p.stdout


def headers_source():
    """A C file including every in-scope header that exists."""
    lines = ["/* Generated by evconform.api: every in-scope <event2/...> header the",
             " * implementation has, and last <event.h> (all a libevent 1.4 emulation",
             " * has), so that the preprocessed text says what its own headers",
             " * declare. Only preprocessed, never compiled. */"]
    for h in HEADERS + ("../event.h",):
        h = h.replace("../", "") if h.startswith("../") else f"event2/{h}"
        lines += [f"#if __has_include(<{h}>)", f"#include <{h}>", "#endif"]
    lines += ["int evc_api_headers_unused;", ""]
    return "\n".join(lines)


def exports(libdir, libs=LIBEVENT_LIBS):
    """The function names libevent's shared libraries export."""
    names = set()
    for lib in libs:
        path = os.path.join(libdir, f"{lib}.so")
        if not os.path.exists(path):
            continue
        p = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True)
        if p.returncode != 0:
            raise ToolError(f"nm cannot read {path}: {p.stderr.strip()}")
        for line in p.stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in ("T", "W"):
                names.add(parts[2])
    return names


def surface(preprocessed, exported):
    """[{header, name, kind}] of the oracle's headers: the functions it
    exports and the macros it defines, in header order."""
    out = []
    secs = sections(preprocessed)
    for h in HEADERS:
        if h not in secs:
            continue
        text = secs[h][1]
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        seen = set()
        for name in _CALLISH.findall(body):
            if name in exported and name not in seen:
                seen.add(name)
                out.append({"header": h, "name": name, "kind": "function"})
        for kind, names in (("macro", macros_of(text)), ("constant", constants_of(text))):
            for name in names:
                if name not in seen:
                    seen.add(name)
                    out.append({"header": h, "name": name, "kind": kind})
    return out


def root_of(command, preprocessed):
    """The implementation's include folder: the first folder of the compile
    command's -I/-isystem list holding event.h or event2/, else the folder
    where the compiler's own search path found <event2/event.h> (an
    implementation installed in the system, like Debian's libevent)."""
    dirs, it = [], iter(command)
    for a in it:
        for flag in ("-I", "-isystem"):
            if a == flag:
                dirs.append(next(it, ""))
            elif a.startswith(flag) and len(a) > len(flag):
                dirs.append(a[len(flag):])
    for d in dirs:
        if os.path.exists(os.path.join(d, "event.h")) or os.path.isdir(os.path.join(d, "event2")):
            return os.path.realpath(d)
    secs = sections(preprocessed)
    return os.path.dirname(os.path.dirname(os.path.realpath(secs["event.h"][0]))) if "event.h" in secs else None


def provided(preprocessed, root):
    """What an implementation's own headers (those under its include folder
    `root`: a copy of libevent's found elsewhere is not its own) declare:
    {"headers": the in-scope event2 headers it has, "declared": names}. A
    libevent 1.4 emulation with only <event.h> declares through that."""
    own, current = collections.defaultdict(list), None
    for line in preprocessed.splitlines():
        m = _LINEMARK.match(line)
        if m:
            path = os.path.realpath(m.group(1)) if m.group(1).startswith("/") else ""
            current = path if root and path.startswith(root + os.sep) else None
            continue
        if current:
            own[current].append(line)
    names = set()
    for lines in own.values():
        text = "\n".join(lines)
        names |= declared_names(text) | set(macros_of(text)) | set(constants_of(text))
    headers = [h for h in HEADERS if os.path.join(root or "", "event2", h) in own]
    return {"headers": headers, "declared": names}


# ------------------------------------------------------------ the probe
def probe_source(surf):
    """The API probe: which functions of the surface the process can call,
    by dlsym. Its link line (api_probe.ld, a response file of compiler
    driver options, read by gcc and clang alike) asks for every name with -u, so
    the linker pulls them from static archives (exported again with
    -rdynamic) and keeps every shared library (--no-as-needed); a name
    nothing defines is left unresolved (--unresolved-symbols=ignore-all,
    harmless: no code refers to it)."""
    fns = [s["name"] for s in surf if s["kind"] == "function"]
    lines = ["/* Generated by evconform.api: which functions of libevent's public",
             " * surface the implementation this probe is linked with provides. */",
             "#define _GNU_SOURCE", "#include <dlfcn.h>", "#include <stdio.h>", "",
             "static const char* const names[] = {"]
    lines += [f'  "{n}",' for n in fns]
    lines += ["};", "", "int main(void) {",
              "  printf(\"{\");",
              "  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)",
              "    printf(\"%s\\\"%s\\\": %s\", i ? \", \" : \"\", names[i],",
              "           dlsym(RTLD_DEFAULT, names[i]) ? \"true\" : \"false\");",
              "  printf(\"}\\n\");", "  return 0;", "}", ""]
    return "\n".join(lines)


def generate(out_dir, cc="cc", libdir=None):
    """Configure time: the oracle's surface and the probe's sources."""
    libdir = libdir or _pkg_libdir()
    src = headers_source()
    p = subprocess.run([cc, "-E", "-dD", "-x", "c", "-"], input=src, capture_output=True, text=True)
    if p.returncode != 0:
        raise ToolError(f"cannot preprocess libevent's headers with {cc}: "
                        + (p.stderr.strip().splitlines() or ["no output"])[-1])
    surf = surface(p.stdout, exports(libdir))
    if not any(s["kind"] == "function" for s in surf):
        raise ToolError(f"no libevent function found (headers via {cc}, libraries in {libdir})")
    os.makedirs(out_dir, exist_ok=True)
    fns = [s["name"] for s in surf if s["kind"] == "function"]
    files = {"surface.json": json.dumps(surf, indent=1) + "\n",
             "api_probe.c": probe_source(surf),
             "api_headers.c": src,
             "api_probe.ld": "-Wl,--no-as-needed\n-Wl,--unresolved-symbols=ignore-all\n"
                             + "".join(f"-Wl,-u,{n}\n" for n in fns)}
    for name, text in files.items():
        path = os.path.join(out_dir, name)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:  # unchanged files keep their time: no rebuild
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    return surf


def _pkg_libdir():
    p = subprocess.run(["pkg-config", "--variable=libdir", "libevent"], capture_output=True, text=True)
    if p.returncode != 0 or not p.stdout.strip():
        raise ToolError("pkg-config cannot find libevent (libevent-dev)")
    return p.stdout.strip()


# ------------------------------------------------------------ the tests
def _strip(src):
    """C++ source without comments and string/char literals (same length
    per line is not kept; only identifiers matter)."""
    src = re.sub(r"//[^\n]*|/\*.*?\*/", " ", src, flags=re.S)
    return re.sub(r'R"\((?:.|\n)*?\)"|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', '""', src)


def _block(src, open_brace):
    """The text of the brace block starting at src[open_brace] == '{'."""
    depth = 0
    for i in range(open_brace, len(src)):
        if src[i] == "{":
            depth += 1
        elif src[i] == "}":
            depth -= 1
            if depth == 0:
                return src[open_brace:i + 1]
    return src[open_brace:]


_DEF = re.compile(r"\b(?:class|struct)\s+([A-Za-z_]\w*)[^;{()]*\{"
                  r"|\b([A-Za-z_]\w*)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)\s*"
                  r"(?:const\s*)?(?:noexcept\s*)?(?:override\s*)?\{")
_TEST = re.compile(r"\b(?:TEST|TEST_F|TEST_P)\(\s*(\w+)\s*,\s*(\w+)\s*\)\s*\{")
_KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "catch", "TEST", "TEST_F", "TEST_P"}


def test_uses(root=CONFORMANCE):
    """{"Suite.Case": set of identifiers} for every test under `root`: its
    body, its fixture's class and every helper it names, transitively.
    Helpers are looked up in the test's own file first, then in headers."""
    files = sorted(glob.glob(os.path.join(root, "**", "*.cc"), recursive=True)
                   + glob.glob(os.path.join(root, "**", "*.h"), recursive=True))
    defs = {}  # file -> {name: identifiers}
    tests = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            src = _strip(f.read())
        found = collections.defaultdict(set)
        for m in _DEF.finditer(src):
            name = m.group(1) or m.group(2)
            if name in _KEYWORDS:
                continue
            found[name] |= set(_IDENT.findall(_block(src, m.end() - 1)))
        defs[path] = found
        for m in _TEST.finditer(src):
            body = set(_IDENT.findall(_block(src, m.end() - 1)))
            tests[f"{m.group(1)}.{m.group(2)}"] = (path, body | {m.group(1)})
    headers = [p for p in files if p.endswith(".h")]
    out = {}
    for name, (path, ids) in tests.items():
        seen, todo = set(ids), list(ids)
        while todo:
            ident = todo.pop()
            for where in [path] + headers:
                more = defs[where].get(ident)
                if more is not None:
                    for x in more - seen:
                        seen.add(x)
                        todo.append(x)
                    break
        out[name] = seen
    return out


# ------------------------------------------------------------ the table
def _symbol_of(rule_id):
    parts = (rule_id or "").split("/")
    return (parts[0], parts[1]) if len(parts) >= 2 else (None, None)


def _base_name(test):
    """gtest's full name of a parameterized test, without instance/param."""
    test = test.split("/", 1)[1] if test.count("/") >= 2 else test
    return test.rsplit("/", 1)[0]


def coverage(surf, impls, matrix=None, uses=None):
    """The coverage document: per symbol its tests and what each
    implementation provides; per header the counts. `impls`: {name:
    {"provides": provided(), "links": {fn: bool} or None}}."""
    rows = matrix["tests"] if matrix else []
    columns = [c["name"] for c in matrix["columns"]] if matrix else []
    by_rule = collections.defaultdict(list)
    for r in rows:
        by_rule[_symbol_of(r.get("rule_id"))].append(r)
    uses = uses or {}
    users = collections.defaultdict(set)
    for test, ids in uses.items():
        for ident in ids:
            users[ident].add(test)
    symbols = []
    for s in surf:
        mine = by_rule.get((s["header"], s["name"]), [])
        entry = dict(s)
        entry["rules"] = sorted({r["rule_id"] for r in mine})
        entry["tests"] = len({r["test"] for r in mine})
        entry["uses"] = len(users.get(s["name"], ()))
        entry["impls"] = {}
        for name, facts in impls.items():
            links = facts.get("links")
            entry["impls"][name] = {
                "declared": s["name"] in facts["provides"]["declared"],
                "links": (None if s["kind"] != "function" or links is None
                          else bool(links.get(s["name"])))}
        entry["columns"] = {}
        for c in columns:
            cells = [r["results"][c] for r in mine if c in r["results"]]
            run = [x for x in cells if x["status"] not in ("UNSUPPORTED", "NOTRUN", "SKIP")]
            if cells:
                entry["columns"][c] = {"tests": len(run),
                                       "pass": sum(x["status"] == "PASS" for x in run),
                                       "unsupported": len(cells) - len(run)}
        symbols.append(entry)
    return {"headers": _header_summary(symbols, impls), "symbols": symbols,
            "columns": columns, "implementations": sorted(impls),
            "own_headers": {i: facts["provides"]["headers"] for i, facts in impls.items()}}


def _header_summary(symbols, impls):
    out = []
    for h in HEADERS:
        mine = [s for s in symbols if s["header"] == h]
        if not mine:
            continue
        fns = [s for s in mine if s["kind"] == "function"]
        macros = [s for s in mine if s["kind"] != "function"]
        out.append({
            "header": h,
            "functions": len(fns), "functions_checked": sum(s["tests"] > 0 for s in fns),
            "functions_used": sum(s["tests"] > 0 or s["uses"] > 0 for s in fns),
            "macros": len(macros), "macros_checked": sum(s["tests"] > 0 for s in macros),
            "macros_used": sum(s["tests"] > 0 or s["uses"] > 0 for s in macros),
            "declared": {i: sum(s["impls"][i]["declared"] for s in mine) for i in impls},
            "links": {i: sum(bool(s["impls"][i]["links"]) for s in fns) for i in impls},
        })
    return out


def _pct(n, d):
    return f"{n}/{d} ({100 * n // d if d else 0}%)"


def markdown(doc, headline_only=False):
    """The table as Markdown: the per-header summary, then (unless
    headline_only) every symbol."""
    impls = doc["implementations"]
    out = ["## API coverage", "",
           "Computed from libevent's headers and the suite's sources (`python3 -m evconform.api`, "
           "docs/report.md#api-coverage). *Checked*: at least one test's rule id names the symbol; "
           "*used*: checked, or called by some test's code. *Declared* / *links*: the "
           "implementation's own header declares it / its libraries resolve it.", "",
           "| header | functions checked | functions used | macros and constants checked | " +
           " | ".join(f"{i} declared / links" for i in impls) + " |",
           "|---|---|---|---|" + "---|" * len(impls)]
    for h in doc["headers"]:
        n = h["functions"] + h["macros"]
        cells = [f"{h['declared'][i]}/{n} · {h['links'][i]}/{h['functions']}" for i in impls]
        out.append(f"| `{h['header']}` | {_pct(h['functions_checked'], h['functions'])} | "
                   f"{_pct(h['functions_used'], h['functions'])} | "
                   f"{_pct(h['macros_checked'], h['macros'])} | " + " | ".join(cells) + " |")
    if headline_only:
        return out
    cols = doc["columns"]
    out += ["", "### Every symbol", "",
            "Per implementation: D = declared by its own header, L = its libraries resolve it "
            "(functions), – = neither. Per column: passes / rule tests run there.", ""]
    for h in doc["headers"]:
        out += [f"#### `{h['header']}`", "",
                "| symbol | kind | rule tests | used by | " + " | ".join(f"{i} D/L" for i in impls) + " | " +
                " | ".join(cols) + " |",
                "|---|---|---|---|" + "---|" * (len(impls) + len(cols))]
        for s in doc["symbols"]:
            if s["header"] != h["header"]:
                continue
            prov = []
            for i in impls:
                p = s["impls"][i]
                prov.append(("D" if p["declared"] else "") + ("L" if p["links"] else "") or "–")
            res = []
            for c in cols:
                x = s["columns"].get(c)
                res.append(f"{x['pass']}/{x['tests']}" if x and x["tests"] else "·")
            out.append(f"| `{s['name']}` | {s['kind']} | {s['tests'] or '**0**'} | {s['uses']} | "
                       + " | ".join(prov) + " | " + " | ".join(res) + " |")
        out.append("")
    return out


# ------------------------------------------------------------ a build tree
def for_build(build, matrix=None):
    """The coverage of a configured build tree: its surface, its API probes
    (run here) and compile commands. None when the tree has no API data."""
    api_dir = os.path.join(build, "api")
    manifest = os.path.join(build, "evconform-suites.json")
    if not os.path.exists(os.path.join(api_dir, "surface.json")) or not os.path.exists(manifest):
        return None
    with open(os.path.join(api_dir, "surface.json"), encoding="utf-8") as f:
        surf = json.load(f)
    with open(manifest, encoding="utf-8") as f:
        probes = json.load(f).get("api_probes", {})
    commands = _compile_commands(build)
    headers_c = os.path.join(api_dir, "api_headers.c")
    impls = {}
    for impl, binary in sorted(probes.items()):
        cmd = commands.get(impl)
        headers = {"headers": [], "declared": set()}
        if cmd:
            text = preprocess(cmd, headers_c)
            headers = provided(text, root_of(cmd, text))
        impls[impl] = {"provides": headers, "links": _run_probe(binary)}
    return coverage(surf, impls, matrix, test_uses())


def _compile_commands(build):
    """{impl: argv}: how the API probe of each implementation is compiled
    (its include path is the implementation's, as for its suites)."""
    path = os.path.join(build, "compile_commands.json")
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for e in json.load(f):
            m = re.search(r"evc_api_([A-Za-z0-9_-]+)\.dir", e.get("output", "") + e.get("command", ""))
            if m:
                out[m.group(1)] = e["arguments"] if "arguments" in e else shlex.split(e["command"])
    return out


def _run_probe(binary):
    if not binary or not os.access(binary, os.X_OK):
        return None
    try:
        p = subprocess.run([binary], capture_output=True, text=True, timeout=30)
        return json.loads(p.stdout) if p.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None


def main(argv):
    p = cli.OneLineParser(prog="python3 -m evconform.api", description=__doc__.split("\n\n")[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--generate", metavar="DIR", help="write the surface and the probe's sources")
    g.add_argument("--build", metavar="BUILD", help="a configured build tree's coverage")
    p.add_argument("--cc", default="cc", help="the C compiler (--generate)")
    p.add_argument("--libdir", help="libevent's library folder (--generate; default: pkg-config)")
    p.add_argument("--matrix", help="a report's matrix.json (--build): per column results")
    p.add_argument("--json", help="write the coverage document here (--build)")
    p.add_argument("--md", help="write the Markdown table here (--build)")
    args = p.parse_args(argv)
    if args.generate:
        surf = generate(args.generate, args.cc, args.libdir)
        kinds = collections.Counter(s["kind"] for s in surf)
        print(f"api: {kinds['function']} functions, {kinds['macro']} macros, {kinds['constant']} "
              f"constants in {len(HEADERS)} headers")
        return 0
    if not os.path.isdir(args.build):
        raise ToolError(f"no build tree at {args.build}")
    matrix = cli.read_json(args.matrix, "matrix") if args.matrix else None
    doc = for_build(args.build, matrix)
    if doc is None:
        raise ToolError(f"{args.build} has no API data (configure it with this toolkit)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
    text = "\n".join(markdown(doc)) + "\n"
    if args.md:
        with open(args.md, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        print("\n".join(markdown(doc, headline_only=True)))
    return 0


if __name__ == "__main__":
    cli.main("evconform api", main)
