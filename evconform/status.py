"""The result vocabulary shared by the launcher, the gate and the reports."""

PASS = "PASS"
FAIL = "FAIL"
CRASH = "CRASH"
TIMEOUT = "TIMEOUT"
MEMERR = "MEMERR"          # valgrind memcheck found errors or definite leaks
SKIP = "SKIP"              # the test skipped itself (GTEST_SKIP with a reason)
UNSUPPORTED = "UNSUPPORTED"  # the implementation does not claim the test's area
NOTRUN = "NOTRUN"          # claimed, but no result was recorded
ERROR = "ERROR"            # a harness problem, not a verdict on the implementation

# Statuses a test can end with (and an expectation can name).
RUN_STATUSES = (PASS, FAIL, CRASH, TIMEOUT, MEMERR, SKIP)
ALL_STATUSES = RUN_STATUSES + (UNSUPPORTED, NOTRUN, ERROR)


def allowed(expected):
    """The statuses an expected value allows: one status, or several joined
    by '|' ("PASS|FAIL", evconform.expectations.expected_of); a list of
    statuses (an entry's own `status`) is taken as it is."""
    if isinstance(expected, (list, tuple)):
        return list(expected)
    return expected.split("|")


def is_expected(status, expected):
    """A result is expected when the expectation allows its status; a SKIP
    is neutral: expected wherever PASS is allowed."""
    allowed_ = allowed(expected)
    return status in allowed_ or (status == SKIP and PASS in allowed_)
