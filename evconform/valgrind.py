"""The memcheck command line, for the launcher (one test) and the flake hunt
(one suite binary, whose tests may start helper programs)."""

# The exit status valgrind gives a run with memory errors or definite leaks.
ERROR_EXIT = 99


def command(valgrind="valgrind", trace_children=False):
    """memcheck: memory errors and definite leaks exit ERROR_EXIT."""
    cmd = [valgrind, "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=definite",
           "--errors-for-leak-kinds=definite", f"--error-exitcode={ERROR_EXIT}", "--track-fds=no"]
    if trace_children:
        # the programs' tests start their clients; system tools are not ours to check
        cmd += ["--trace-children=yes", "--trace-children-skip=/bin/*,/usr/bin/*,/usr/sbin/*"]
    return cmd + ["-q"]
