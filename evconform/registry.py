"""The implementation registry: the implementations a build tests, the areas
each claims, and the matrix's columns.

CMake writes it (cmake/Implementations.cmake, evconform_write_registry) as
<build>/evconform-implementations.json:

    {"implementations": [{"name": ..., "areas": [...], "backends": [...],
                          "expectations": "<file>"}, ...],
     "per_backend_areas": [...]}

A column is an implementation's plain column (named like the
implementation) or, for each backend it declares, a backend column
"<impl>/<backend>" that runs the per-backend areas with that kernel method
selected.
"""
import json
import os

from . import ROOT
from .cli import ToolError

# The feature areas a suite can belong to, and the built-in implementations.
AREAS = ("evbuffer", "event", "listener", "bufferevent", "programs", "compat14", "clients", "thread", "tls")
BUILTIN = ("reference", "libevent", "libev")


def column_name(impl, backend=None):
    """The column of `impl` on `backend` (None or "": its plain column)."""
    return f"{impl}/{backend}" if backend else impl


def applies(column, area, per_backend):
    """Whether `column` has a cell for tests of `area`: backend columns hold
    the per-backend areas, the plain column holds the rest (or everything,
    for an implementation that declares no backends)."""
    if column["per_backend"]:
        return area in per_backend
    return area not in per_backend or not column["has_backends"]


class Registry:
    """implementations: dicts (name, areas, backends, expectations), in
    registry order; per_backend: the areas run per backend; columns: dicts
    (name, impl, backend ("" for a plain column), claimed (the
    implementation's areas), per_backend, has_backends), in registry order."""

    def __init__(self, implementations, per_backend):
        self.implementations = implementations
        self.per_backend = set(per_backend)
        self.columns = []
        for i in implementations:
            backends = i["backends"] if self.per_backend else []
            self.columns.append({"name": i["name"], "impl": i["name"], "backend": "",
                                 "claimed": i["areas"], "per_backend": False,
                                 "has_backends": bool(backends)})
            self.columns += [{"name": column_name(i["name"], b), "impl": i["name"], "backend": b,
                              "claimed": i["areas"], "per_backend": True, "has_backends": True}
                             for b in backends]

    def applies(self, column, area):
        return applies(column, area, self.per_backend)

    def areas(self):
        """Every area of the build: claimed by some implementation or run per backend."""
        return self.per_backend | {a for i in self.implementations for a in i["areas"]}

    def expectations(self):
        """{impl: its expectations file}."""
        return {i["name"]: i["expectations"] for i in self.implementations}


def default_expectations(impl):
    return os.path.join(ROOT, "harness", "expectations", f"{impl}.toml")


def load(path):
    """The registry of `path`. Raises ToolError."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        impls = [{"name": i["name"], "areas": list(i["areas"]), "backends": list(i.get("backends", [])),
                  "expectations": os.path.normpath(i.get("expectations") or default_expectations(i["name"]))}
                 for i in data["implementations"]]
        return Registry(impls, data.get("per_backend_areas", []))
    except FileNotFoundError:
        raise ToolError(f"implementation registry not found: {path} (configure the build first)") from None
    except (ValueError, KeyError, TypeError) as e:
        raise ToolError(f"implementation registry {path} is malformed: {e}") from None


def of_build(build):
    """The registry of a configured build tree."""
    return os.path.join(build, "evconform-implementations.json")
