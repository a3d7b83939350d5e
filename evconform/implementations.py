"""Implementations a user plugs in, by configuration alone.

An implementations file (TOML) names each implementation to test beside the
built-in ones:

    [[implementation]]
    name = "mylib"                          # the column's name
    areas = ["evbuffer", "event"]           # the feature areas it claims
    include_dirs = ["/opt/mylib/include"]   # where its <event2/...> headers are
    libraries = ["/opt/mylib/lib/libmylib.a", "m"]  # files, or names for the linker
    pkg_config = "mylib"                    # and/or a pkg-config module
    environment = { MYLIB_TRACE = "0" }     # set for every test
    backends = ["epoll", "poll"]            # kernel methods, one column each
    expectations = "mylib.toml"             # known divergences (relative to this file)

Areas it does not claim are reported UNSUPPORTED. CMake reads the file
through this module (-DEVCONFORM_IMPLEMENTATIONS_FILE=...): it checks the
file and writes the CMake calls that register each implementation.

  python3 -m evconform.implementations FILE             # check, print a summary
  python3 -m evconform.implementations FILE --cmake OUT # check, write OUT for CMake

Every error is one line on stderr, exit status 2.
"""
import os
import re
import subprocess
import tomllib

from . import backends, cli, expectations, proc
from .cli import ToolError
from .registry import AREAS, BUILTIN

KEYS = {"name", "areas", "include_dirs", "libraries", "pkg_config", "environment", "backends",
        "expectations"}
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _strings(impl, key, where):
    v = impl.get(key, [])
    if not isinstance(v, list) or not all(isinstance(s, str) and s for s in v):
        raise ToolError(f"{where}: '{key}' must be a list of non-empty strings")
    return v


def load(path, builtin=BUILTIN):
    """The implementations of `path`, checked. Raises ToolError."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ToolError(f"{path}: no such implementations file") from None
    except OSError as e:
        raise ToolError(f"{path}: cannot read: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ToolError(f"{path}: not valid TOML: {e}") from None
    if set(data) - {"implementation"}:
        raise ToolError(f"{path}: unknown top-level key(s): {', '.join(sorted(set(data) - {'implementation'}))}")
    items = data.get("implementation")
    if not isinstance(items, list) or not items:
        raise ToolError(f"{path}: needs at least one [[implementation]] table")
    base = os.path.dirname(os.path.abspath(path))
    out, names = [], set(builtin)
    for i, impl in enumerate(items, 1):
        where = f"{path}: implementation {i}"
        if not isinstance(impl, dict):
            raise ToolError(f"{where}: must be a table")
        extra = set(impl) - KEYS
        if extra:
            raise ToolError(f"{where}: unknown key(s): {', '.join(sorted(extra))}")
        name = impl.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise ToolError(f"{where}: 'name' must match [A-Za-z][A-Za-z0-9_-]*")
        where = f"{path}: implementation '{name}'"
        if name in names:
            raise ToolError(f"{where}: the name is already taken")
        names.add(name)
        areas = _strings(impl, "areas", where)
        if not areas:
            raise ToolError(f"{where}: claims no 'areas' (one or more of: {', '.join(AREAS)})")
        for a in areas:
            if a not in AREAS:
                raise ToolError(f"{where}: unknown area '{a}' (known: {', '.join(AREAS)})")
        includes = [os.path.join(base, d) for d in _strings(impl, "include_dirs", where)]
        for d in includes:
            if not os.path.isdir(d):
                raise ToolError(f"{where}: include directory not found: {d}")
        libraries = []
        for lib in _strings(impl, "libraries", where):
            if "/" in lib:
                lib = os.path.join(base, lib)
                if not os.path.isfile(lib):
                    raise ToolError(f"{where}: library not found: {lib}")
            libraries.append(lib)
        pc = impl.get("pkg_config")
        if pc is not None:
            if not isinstance(pc, str) or not pc:
                raise ToolError(f"{where}: 'pkg_config' must be a module name")
            try:
                found = proc.run(["pkg-config", "--exists", pc], timeout=30).returncode == 0
            except (ToolError, subprocess.TimeoutExpired):
                found = False
            if not found:
                raise ToolError(f"{where}: pkg-config module '{pc}' not found")
        if not libraries and pc is None:
            raise ToolError(f"{where}: needs 'libraries' or 'pkg_config'")
        env = impl.get("environment", {})
        if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
            raise ToolError(f"{where}: 'environment' must be a table of strings")
        for b in _strings(impl, "backends", where):
            if b not in backends.METHODS:
                raise ToolError(f"{where}: unknown backend '{b}' (known: {', '.join(backends.METHODS)})")
        exp = impl.get("expectations")
        if exp is not None:
            if not isinstance(exp, str) or not exp:
                raise ToolError(f"{where}: 'expectations' must be a file name")
            exp = os.path.join(base, exp)
            if not os.path.isfile(exp):
                raise ToolError(f"{where}: expectations file not found: {exp}")
            expectations.load(exp)
        out.append({"name": name, "areas": areas, "include_dirs": includes, "libraries": libraries,
                    "pkg_config": pc, "environment": env, "backends": impl.get("backends", []),
                    "expectations": exp})
    return out


def _cmake_list(items):
    return " ".join('"' + s.replace("\\", "/").replace('"', '\\"') + '"' for s in items)


def cmake(impls):
    """CMake code registering every implementation (cmake/Implementations.cmake)."""
    lines = ["# Generated by evconform/implementations.py; do not edit."]
    for im in impls:
        libs = list(im["libraries"])
        if im["pkg_config"]:
            var = "EVCONFORM_PC_" + re.sub(r"[^A-Za-z0-9_]", "_", im["name"])
            lines.append(f'pkg_check_modules({var} REQUIRED IMPORTED_TARGET "{im["pkg_config"]}")')
            libs.append(f"PkgConfig::{var}")
        args = [f'evconform_add_implementation({im["name"]}',
                f'  INCLUDE_DIRS {_cmake_list(im["include_dirs"])}' if im["include_dirs"] else "",
                f"  LIBRARIES {_cmake_list(libs)}",
                f"  AREAS {' '.join(im['areas'])}",
                f'  ENVIRONMENT {_cmake_list(f"{k}={v}" for k, v in im["environment"].items())}'
                if im["environment"] else "",
                f"  BACKENDS {' '.join(im['backends'])}" if im["backends"] else "",
                f'  EXPECTATIONS "{im["expectations"]}"' if im["expectations"] else "", ")"]
        lines.append("\n".join(a for a in args if a))
    return "\n".join(lines) + "\n"


def main(argv):
    p = cli.OneLineParser(prog="python3 -m evconform.implementations",
                          description="Check an implementations file (and write it for CMake).")
    p.add_argument("file")
    p.add_argument("--cmake", metavar="OUT", help="write the CMake calls registering them to OUT")
    p.add_argument("--builtin", default=";".join(BUILTIN),
                   help="the build's built-in implementations, ;-separated (their names are taken)")
    args = p.parse_args(argv)
    impls = load(args.file, tuple(x for x in args.builtin.split(";") if x))
    if args.cmake:
        try:
            with open(args.cmake, "w", encoding="utf-8") as f:
                f.write(cmake(impls))
        except OSError as e:
            raise ToolError(f"cannot write {args.cmake}: {e.strerror}") from None
    for im in impls:
        print(f"{im['name']}: areas {', '.join(im['areas'])}"
              + (f"; backends {', '.join(im['backends'])}" if im["backends"] else ""))
    return 0


if __name__ == "__main__":
    cli.main("evconform", main)
