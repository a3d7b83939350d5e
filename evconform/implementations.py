"""Implementations a user plugs in, by configuration alone.

An implementations file (TOML) names each implementation to test beside the
built-in ones:

    [[implementation]]
    name = "mylib"                          # the column's name
    areas = ["evbuffer", "event"]           # the feature areas it claims
    include_dirs = ["/opt/mylib/include"]   # where its <event2/...> headers are
    libraries = ["/opt/mylib/lib/libmylib.a", "m"]  # files, or names for the linker
    library_dirs = ["/opt/mylib/lib"]       # linker search folders, also the run path
    pkg_config = "mylib"                    # and/or a pkg-config module
    pkg_config_path = ["/opt/mylib/lib/pkgconfig"]  # where that module is (this one only)
    environment = { MYLIB_TRACE = "0" }     # set for every test
    backends = ["epoll", "poll"]            # kernel methods, one column each
    expectations = "mylib.toml"             # known divergences

Every path is relative to the folder of the implementations file (an
absolute path stays as it is); errors print the path as resolved. Without
`expectations` the file is <that folder>/<name>.expectations.toml (it need
not exist: no entries; --update-expectations creates it there). Areas it
does not claim are reported UNSUPPORTED. CMake reads the file through this
module (-DEVCONFORM_IMPLEMENTATIONS_FILE=...): it checks the file and writes
the CMake calls that register each implementation. docs/plugging-in.md has
the whole story.

  python3 -m evconform.implementations FILE             # check, print a summary
  python3 -m evconform.implementations FILE --cmake OUT # check, write OUT for CMake

Every error is one line on stderr (`evconform: FILE: ...`), exit status 2.
"""
import os
import platform
import re
import subprocess
import tomllib

from . import backends, cli, expectations, proc
from .cli import ToolError
from .registry import AREAS, BUILTIN

KEYS = {"name", "areas", "include_dirs", "libraries", "library_dirs", "pkg_config",
        "pkg_config_path", "environment", "backends", "expectations"}
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

# The kernel methods libevent can have on each system (what its build
# compiles in there); a backend column for any other method would only
# produce failures.
HOST_METHODS = {
    "Linux": ("epoll", "poll", "select"),
    "Darwin": ("kqueue", "poll", "select"),
    "FreeBSD": ("kqueue", "poll", "select"),
    "OpenBSD": ("kqueue", "poll", "select"),
    "NetBSD": ("kqueue", "poll", "select"),
    "DragonFly": ("kqueue", "poll", "select"),
    "SunOS": ("evport", "devpoll", "poll", "select"),
    "Windows": ("win32",),
}


def host_methods(system=None):
    """The methods an implementation can use on this host (`system`: a
    platform.system() name; unknown systems: poll and select)."""
    return HOST_METHODS.get(system or platform.system(), ("poll", "select"))


def _strings(impl, key, where):
    v = impl.get(key, [])
    if not isinstance(v, list) or not all(isinstance(s, str) and s for s in v):
        raise ToolError(f"{where}: '{key}' must be a list of non-empty strings")
    twice = sorted({s for s in v if v.count(s) > 1})
    if twice:  # a backend twice would be two columns of one name
        raise ToolError(f"{where}: '{key}' lists {', '.join(repr(s) for s in twice)} twice")
    return v


class _Paths:
    """Resolves the file's paths against its folder, and says so when one is wrong."""

    def __init__(self, path):
        self.base = os.path.dirname(os.path.abspath(path))

    def resolve(self, given):
        return os.path.normpath(os.path.join(self.base, given))

    def error(self, where, what, given, resolved):
        how = ("" if os.path.isabs(given)
               else f" (paths are relative to the implementations file's folder, {self.base})")
        shown = given if given == resolved else f"'{given}', resolved to {resolved}"
        return ToolError(f"{where}: {what}: {shown}{how}")


def _read(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ToolError(f"{path}: no such implementations file") from None
    except IsADirectoryError:
        raise ToolError(f"{path}: is a folder, not an implementations file") from None
    except OSError as e:
        raise ToolError(f"{path}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise ToolError(f"{path}: not a text file (not UTF-8): not an implementations file") from None
    except tomllib.TOMLDecodeError as e:
        raise ToolError(f"{path}: not valid TOML: {e}") from None


def _pkg_config(pc, dirs, where, paths, given_dirs):
    """Checks that pkg-config finds module `pc`: with `dirs`, in one of them
    (searched first, the system's folders after for what it requires);
    without, as the environment says."""
    env = dict(os.environ)
    if dirs:
        env["PKG_CONFIG_PATH"] = os.pathsep.join(dirs)
    try:
        p = proc.run(["pkg-config", "--variable=pcfiledir", pc], env=env, timeout=30,
                     capture_output=True, text=True)
        found = p.stdout.strip() if p.returncode == 0 else None
    except (ToolError, subprocess.TimeoutExpired):
        found = None
    if not dirs:
        if found is None:
            raise ToolError(f"{where}: pkg-config module '{pc}' not found (PKG_CONFIG_PATH="
                            f"{os.environ.get('PKG_CONFIG_PATH', '')!r}; or give 'pkg_config_path')")
        return
    real = {os.path.realpath(d) for d in dirs}
    if found is None or os.path.realpath(found) not in real:
        shown = ", ".join(d if d == g else f"'{g}' resolved to {d}" for g, d in zip(given_dirs, dirs))
        rel = ("" if all(os.path.isabs(g) for g in given_dirs)
               else f"; paths are relative to the implementations file's folder, {paths.base}")
        elsewhere = f" (pkg-config finds it in {found} instead)" if found else ""
        raise ToolError(f"{where}: pkg-config module '{pc}' not found in pkg_config_path "
                        f"({shown}{rel}){elsewhere}")


def _one(impl, i, path, paths, names):
    where = f"{path}: implementation {i}"
    if not isinstance(impl, dict):
        raise ToolError(f"{where}: must be a table")
    extra = set(impl) - KEYS
    if extra:
        raise ToolError(f"{where}: unknown key(s): {', '.join(sorted(extra))} "
                        f"(known: {', '.join(sorted(KEYS))})")
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
    dirs = {}
    for key, what in (("include_dirs", "include directory not found"),
                      ("library_dirs", "library directory not found"),
                      ("pkg_config_path", "pkg_config_path folder not found")):
        dirs[key] = []
        for given in _strings(impl, key, where):
            d = paths.resolve(given)
            if not os.path.isdir(d):
                raise paths.error(where, what, given, d)
            dirs[key].append(d)
    libraries = []
    for lib in _strings(impl, "libraries", where):
        if "/" in lib:
            resolved = paths.resolve(lib)
            if not os.path.isfile(resolved):
                raise paths.error(where, "library not found", lib, resolved)
            lib = resolved
        libraries.append(lib)
    pc = impl.get("pkg_config")
    if pc is not None:
        if not isinstance(pc, str) or not pc:
            raise ToolError(f"{where}: 'pkg_config' must be a module name")
        _pkg_config(pc, dirs["pkg_config_path"], where, paths, impl.get("pkg_config_path", []))
    elif dirs["pkg_config_path"]:
        raise ToolError(f"{where}: 'pkg_config_path' without 'pkg_config' (the module to find there)")
    if not libraries and pc is None:
        raise ToolError(f"{where}: needs 'libraries' or 'pkg_config'")
    env = impl.get("environment", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ToolError(f"{where}: 'environment' must be a table of strings")
    supported = host_methods()
    for b in _strings(impl, "backends", where):
        if b not in backends.METHODS:
            raise ToolError(f"{where}: unknown backend '{b}' (known: {', '.join(backends.METHODS)})")
        if b not in supported:
            raise ToolError(f"{where}: backend '{b}' is not available on this host "
                            f"({platform.system()} supports: {', '.join(supported)})")
    exp = impl.get("expectations")
    if exp is not None:
        if not isinstance(exp, str) or not exp:
            raise ToolError(f"{where}: 'expectations' must be a file name")
        resolved = paths.resolve(exp)
        if not os.path.isfile(resolved):
            raise paths.error(where, "expectations file not found", exp, resolved)
        exp = resolved
    else:
        # Beside the implementations file, never in the toolkit's own tree:
        # --update-expectations writes the first baseline there.
        exp = os.path.join(paths.base, f"{name}.expectations.toml")
    expectations.load(exp)
    return {"name": name, "areas": areas, "include_dirs": dirs["include_dirs"],
            "library_dirs": dirs["library_dirs"], "libraries": libraries, "pkg_config": pc,
            "pkg_config_path": dirs["pkg_config_path"], "environment": env,
            "backends": impl.get("backends", []), "expectations": exp}


def load(path, builtin=BUILTIN):
    """The implementations of `path`, checked. Raises ToolError."""
    data = _read(path)
    if set(data) - {"implementation"}:
        raise ToolError(f"{path}: unknown top-level key(s): {', '.join(sorted(set(data) - {'implementation'}))}")
    items = data.get("implementation")
    if not isinstance(items, list) or not items:
        raise ToolError(f"{path}: needs at least one [[implementation]] table")
    paths, names = _Paths(path), set(builtin)
    return [_one(impl, i, path, paths, names) for i, impl in enumerate(items, 1)]


def _cmake_list(items):
    """Quoted CMake arguments (a `$` stays literal)."""
    return " ".join('"' + s.replace("\\", "/").replace('"', '\\"').replace("$", "\\$") + '"'
                    for s in items)


def _pkg_check(var, im):
    """The pkg_check_modules call for `im`'s module. With pkg_config_path
    the module is looked up there (searched before the system's folders,
    which may hold what it requires), PKG_CONFIG_PATH being restored after,
    so neither the built-ins nor other implementations see it; without, as
    the environment says. The check is redone at every configure, so an
    edit of the path or the environment takes effect."""
    call = [f"unset(__pkg_config_checked_{var} CACHE)"]
    if not im["pkg_config_path"]:
        return call + [f'pkg_check_modules({var} REQUIRED IMPORTED_TARGET {_cmake_list([im["pkg_config"]])})']
    return call + [
        'set(_evconform_saved_pkg_config_path "$ENV{PKG_CONFIG_PATH}")',
        f'set(ENV{{PKG_CONFIG_PATH}} {_cmake_list([os.pathsep.join(im["pkg_config_path"])])})',
        f'pkg_check_modules({var} REQUIRED IMPORTED_TARGET NO_CMAKE_PATH NO_CMAKE_ENVIRONMENT_PATH '
        f'{_cmake_list([im["pkg_config"]])})',
        'set(ENV{PKG_CONFIG_PATH} "${_evconform_saved_pkg_config_path}")']


def cmake(impls):
    """CMake code registering every implementation (cmake/Implementations.cmake)."""
    lines = ["# Generated by evconform/implementations.py; do not edit."]
    for im in impls:
        libs = list(im["libraries"])
        if im["pkg_config"]:
            var = "EVCONFORM_PC_" + re.sub(r"[^A-Za-z0-9_]", "_", im["name"])
            lines += _pkg_check(var, im)
            libs.append(f"PkgConfig::{var}")
        args = [f'evconform_add_implementation({im["name"]}',
                f'  INCLUDE_DIRS {_cmake_list(im["include_dirs"])}' if im["include_dirs"] else "",
                f'  LIBRARY_DIRS {_cmake_list(im["library_dirs"])}' if im["library_dirs"] else "",
                f"  LIBRARIES {_cmake_list(libs)}",
                f"  AREAS {' '.join(im['areas'])}",
                f'  ENVIRONMENT {_cmake_list(f"{k}={v}" for k, v in im["environment"].items())}'
                if im["environment"] else "",
                f"  BACKENDS {' '.join(im['backends'])}" if im["backends"] else "",
                f'  EXPECTATIONS {_cmake_list([im["expectations"]])}', ")"]
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
              + (f"; backends {', '.join(im['backends'])}" if im["backends"] else "")
              + f"; expectations {im['expectations']}")
    return 0


if __name__ == "__main__":
    cli.main("evconform", main)
