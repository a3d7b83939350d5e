"""Selecting a kernel method the way libevent reads it: EVENT_NO<METHOD> in
the environment disables that method (event.c, event_base_new_with_config);
the reference honours the same names. Used by the harness's backend columns
and by the benchmark driver."""

# libevent's methods, in its order of preference.
METHODS = ("epoll", "poll", "select", "devpoll", "kqueue", "evport", "win32")


def disabling_others(method):
    """{EVENT_NO<M>: "1"} for every method M other than `method`."""
    return {f"EVENT_NO{m.upper()}": "1" for m in METHODS if m != method}


def only(env, method):
    """A copy of `env` in which `method` is the only method allowed."""
    out = {k: v for k, v in env.items() if k not in {f"EVENT_NO{m.upper()}" for m in METHODS}}
    out.update(disabling_others(method))
    return out


def column_environment(method):
    """What a backend column sets for its tests: every other method disabled,
    and EVC_BACKEND=<method>, which the suite checks against the method the
    base really uses."""
    env = disabling_others(method)
    env["EVC_BACKEND"] = method
    return env
