/*
 * The private helpers libevent 2.1.12's test programs call, for every
 * implementation alike.
 *
 * test-time.c and test-ratelim.c seed and draw from libevent's weak RNG
 * (evutil_weakrand_seed_, evutil_weakrand_, evutil_weakrand_range_), and
 * test-dumpevents.c opens a pipe with evutil_make_internal_pipe_. They are
 * declared in util-internal.h, a private header: no implementation of the
 * public API has to provide them, and a libevent build exports them only
 * for its own tests. So the clients area links this file into every
 * program, on every implementation (the system's libevent included), and
 * the programs test the implementation's public API only.
 *
 * The declarations come from the same source package (util-internal.h is
 * included from the unpacked libevent-2.1.12-stable tree, compiled against
 * the implementation's public headers, as the programs themselves are);
 * the bodies are libevent 2.1.12's evutil.c (3-clause BSD licence,
 * Copyright (c) 2007-2012 Niels Provos and Nick Mathewson), cut to the
 * Linux path: pipe2 exists, so the pipe/socketpair fallbacks are left out.
 */
#include "util-internal.h"

#include <fcntl.h>
#include <unistd.h>

ev_uint32_t
evutil_weakrand_seed_(struct evutil_weakrand_state *state, ev_uint32_t seed)
{
	if (seed == 0) {
		struct timeval tv;
		evutil_gettimeofday(&tv, NULL);
		seed = (ev_uint32_t)tv.tv_sec + (ev_uint32_t)tv.tv_usec;
		seed += (ev_uint32_t) getpid();
	}
	state->seed = seed;
	return seed;
}

ev_int32_t
evutil_weakrand_(struct evutil_weakrand_state *state)
{
	/* A linear congruential generator, modulus 2^31, multiplier
	 * 1103515245, addend 12345 (glibc's TYPE_0 RNG). */
	state->seed = ((state->seed) * 1103515245 + 12345) & 0x7fffffff;
	return (ev_int32_t)(state->seed);
}

ev_int32_t
evutil_weakrand_range_(struct evutil_weakrand_state *state, ev_int32_t top)
{
	ev_int32_t divisor, result;

	/* The low bits of the LCG are less random than the high ones. */
	divisor = EVUTIL_WEAKRAND_MAX / top;
	do {
		result = evutil_weakrand_(state) / divisor;
	} while (result >= top);
	return result;
}

int
evutil_make_internal_pipe_(evutil_socket_t fd[2])
{
	return pipe2(fd, O_NONBLOCK|O_CLOEXEC) == 0 ? 0 : -1;
}
