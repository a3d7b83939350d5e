"""Running other programs: the one subprocess helper of the toolkit."""
import os
import subprocess
import sys

from . import ROOT
from .cli import ToolError


def run(cmd, **kw):
    """subprocess.run; a program that cannot be started is a ToolError."""
    try:
        return subprocess.run(cmd, **kw)
    except OSError as e:
        raise ToolError(f"cannot run {cmd[0]}: {e.strerror}") from None


def output(cmd, **kw):
    """(exit status, stdout and stderr interleaved as text)."""
    r = run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", **kw)
    return r.returncode, r.stdout


def must(cmd, what, **kw):
    """The output of cmd; when it fails, the end of its output goes to stderr
    and `what failed` is a ToolError."""
    rc, out = output(cmd, **kw)
    if rc:
        sys.stderr.write(out[-3000:])
        raise ToolError(f"{what} failed")
    return out


def module_env(env=None):
    """`env` (default: this process's) with the package importable."""
    return dict(os.environ if env is None else env, PYTHONPATH=ROOT)


def tool(module, args, **kw):
    """Runs another tool of the package (`python3 -m evconform.<module>`)."""
    kw["env"] = module_env(kw.get("env"))
    return run([sys.executable, "-m", f"evconform.{module}", *args], **kw)
