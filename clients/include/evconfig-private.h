/*
 * evconfig-private.h as libevent 2.1.12's configure writes it on Linux with
 * glibc (from evconfig-private.h.in: the AC_USE_SYSTEM_EXTENSIONS macros).
 * util-internal.h includes it; the source package ships only the template,
 * so the clients area provides the configured file. Nothing here is part
 * of an implementation: it only selects the C library's extensions.
 */
#ifndef EVCONFIG_PRIVATE_H_INCLUDED_
#define EVCONFIG_PRIVATE_H_INCLUDED_

#ifndef _ALL_SOURCE
# define _ALL_SOURCE 1
#endif
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif
#ifndef _POSIX_PTHREAD_SEMANTICS
# define _POSIX_PTHREAD_SEMANTICS 1
#endif
#ifndef _TANDEM_SOURCE
# define _TANDEM_SOURCE 1
#endif
#ifndef __EXTENSIONS__
# define __EXTENSIONS__ 1
#endif

#endif
