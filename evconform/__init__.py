"""evconform's tooling: one package, run as modules from the repository root
(`python3 -m evconform.<tool>`; the tools/ wrappers and CMake do that, CMake
with PYTHONPATH set to the source tree).

One module per concept:
  registry      implementations, columns (the one `impl/backend` name), areas
  results       the results folder (one record per column and test)
  ctest         asking CTest (its json-v1 test list) and running it
  expectations  an implementation's known divergences
  rules         rule ids: the scheme, the check of every EVC_RULE, listings
  status        the result vocabulary
  backends      selecting a kernel method (EVENT_NO<METHOD>)
  valgrind      the memcheck command line
  gtest_run     one GoogleTest case in its own process, classified
  engine        the suite manifest, and running selections in batches with
                exact crash/hang isolation (lone reruns)
  probe         what an implementation is: version, library, assertions
  proc          running other programs (and the package's own tools)
  cli           ToolError and the `main` wrapper every tool uses (exit 2)
The tools: runner (tools/evconform; merge), batch (CTest's entry into the
engine), run_test (one test by hand),
implementations (the implementations-file checker), rules, report (+ html_report),
check_flakes, mutation, properties, bench, fuzz_campaign, seeded_bugs.
Their self-tests are in evconform/tests/.
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
