/*
 * evconform reference implementation: <event2/util.h>.
 *
 * Portable integer types and limits, the socket and time helpers, address
 * parsing and formatting, getaddrinfo and the secure random generator, with
 * libevent 2.1's names, signatures and values on Linux. What libevent makes
 * a macro on Linux (EVUTIL_SOCKET_ERROR, evutil_gettimeofday, the timeval
 * macros, evutil_addrinfo) is a macro here too, so code that tests them
 * with #ifdef keeps working.
 */
#ifndef EVENT2_UTIL_H_INCLUDED_
#define EVENT2_UTIL_H_INCLUDED_

#include <event2/visibility.h>

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ev_uint64_t uint64_t
#define ev_int64_t int64_t
#define ev_uint32_t uint32_t
#define ev_int32_t int32_t
#define ev_uint16_t uint16_t
#define ev_int16_t int16_t
#define ev_uint8_t uint8_t
#define ev_int8_t int8_t
#define ev_uintptr_t uintptr_t
#define ev_intptr_t intptr_t
#define ev_ssize_t ssize_t
#define ev_off_t ev_int64_t
#define ev_socklen_t socklen_t

#define EV_UINT64_MAX UINT64_MAX
#define EV_INT64_MAX INT64_MAX
#define EV_INT64_MIN INT64_MIN
#define EV_UINT32_MAX UINT32_MAX
#define EV_INT32_MAX INT32_MAX
#define EV_INT32_MIN INT32_MIN
#define EV_UINT16_MAX UINT16_MAX
#define EV_INT16_MAX INT16_MAX
#define EV_INT16_MIN INT16_MIN
#define EV_UINT8_MAX UINT8_MAX
#define EV_INT8_MAX INT8_MAX
#define EV_INT8_MIN INT8_MIN
#if EVENT__SIZEOF_SIZE_T == 8
#define EV_SIZE_MAX EV_UINT64_MAX
#define EV_SSIZE_MAX EV_INT64_MAX
#else
#define EV_SIZE_MAX EV_UINT32_MAX
#define EV_SSIZE_MAX EV_INT32_MAX
#endif
#define EV_SSIZE_MIN ((-EV_SSIZE_MAX) - 1)

/* A socket on Unix is a file descriptor. */
#define evutil_socket_t int
#define EVUTIL_INVALID_SOCKET -1

/* Socket errors are errno on Unix (libevent 2.1's definitions). */
#define EVUTIL_SOCKET_ERROR() (errno)
#define EVUTIL_SET_SOCKET_ERROR(errcode) \
  do {                                   \
    errno = (errcode);                   \
  } while (0)
#define evutil_socket_geterror(sock) (errno)
#define evutil_socket_error_to_string(errcode) (strerror(errcode))

/* A monotonic clock (opaque; evutil_monotonic_timer_new makes one). */
struct evutil_monotonic_timer;
#define EV_MONOT_PRECISE 1
#define EV_MONOT_FALLBACK 2

/* "Sun, 06 Nov 1994 08:49:37 GMT" for tm (the current time when NULL);
   returns what snprintf would have written. */
int evutil_date_rfc1123(char *date, const size_t datelen, const struct tm *tm);
struct evutil_monotonic_timer *evutil_monotonic_timer_new(void);
void evutil_monotonic_timer_free(struct evutil_monotonic_timer *timer);
int evutil_configure_monotonic_time(struct evutil_monotonic_timer *timer, int flags);
int evutil_gettime_monotonic(struct evutil_monotonic_timer *timer, struct timeval *tp);

/* Socket helpers: 0 on success, -1 with errno set on failure. On Unix
   evutil_socketpair is socketpair(2). */
int evutil_socketpair(int d, int type, int protocol, evutil_socket_t sv[2]);
int evutil_make_socket_nonblocking(evutil_socket_t sock);
int evutil_make_listen_socket_reuseable(evutil_socket_t sock);
int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock);
int evutil_make_listen_socket_ipv6only(evutil_socket_t sock);
int evutil_make_socket_closeonexec(evutil_socket_t sock);
int evutil_closesocket(evutil_socket_t sock);
#define EVUTIL_CLOSESOCKET(s) evutil_closesocket(s)
int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock);

/* struct timeval arithmetic. libevent maps these to the BSD timeradd family
   where the system has it; the portable definitions below mean the same and
   need no feature-test macro. */
#define evutil_timeradd(tvp, uvp, vvp)                 \
  do {                                                 \
    (vvp)->tv_sec = (tvp)->tv_sec + (uvp)->tv_sec;     \
    (vvp)->tv_usec = (tvp)->tv_usec + (uvp)->tv_usec;  \
    if ((vvp)->tv_usec >= 1000000) {                   \
      (vvp)->tv_sec++;                                 \
      (vvp)->tv_usec -= 1000000;                       \
    }                                                  \
  } while (0)
#define evutil_timersub(tvp, uvp, vvp)                 \
  do {                                                 \
    (vvp)->tv_sec = (tvp)->tv_sec - (uvp)->tv_sec;     \
    (vvp)->tv_usec = (tvp)->tv_usec - (uvp)->tv_usec;  \
    if ((vvp)->tv_usec < 0) {                          \
      (vvp)->tv_sec--;                                 \
      (vvp)->tv_usec += 1000000;                       \
    }                                                  \
  } while (0)
#define evutil_timerclear(tvp) (tvp)->tv_sec = (tvp)->tv_usec = 0
/* True iff tvp cmp uvp, cmp one of ==, <=, <, >=, >. */
#define evutil_timercmp(tvp, uvp, cmp)                              \
  (((tvp)->tv_sec == (uvp)->tv_sec) ? ((tvp)->tv_usec cmp(uvp)->tv_usec) \
                                    : ((tvp)->tv_sec cmp(uvp)->tv_sec))
#define evutil_timerisset(tvp) ((tvp)->tv_sec || (tvp)->tv_usec)

#define evutil_offsetof(type, field) offsetof(type, field)

/* As strtoll. */
ev_int64_t evutil_strtoll(const char *s, char **endptr, int base);

/* Linux has gettimeofday: libevent makes this a macro there. */
#define evutil_gettimeofday(tv, tz) gettimeofday((tv), (tz))

/* As C99 snprintf / vsnprintf: the length the whole output needs, buf
   NUL-terminated when buflen > 0. */
int evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 0)))
#endif
    ;

/* As inet_ntop / inet_pton; inet_pton_scope also takes an IPv6 zone
   ("fe80::1%eth0" or "%2") into *indexp. */
const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len);
int evutil_inet_pton_scope(int af, const char *src, void *dst, unsigned *indexp);
int evutil_inet_pton(int af, const char *src, void *dst);
struct sockaddr;

/* "[IPv6]:port", "[IPv6]", "IPv6", "IPv4:port" or "IPv4" into out (port 0
   when none is given): 0, or -1 when the address is malformed, the port out
   of range or *outlen too small; *outlen becomes the size used. */
int evutil_parse_sockaddr_port(const char *str, struct sockaddr *out, int *outlen);

/* 0 when equal (the port too if include_port), else the sign of an order
   (AF_INET and AF_INET6 only; the order is not a promise). */
int evutil_sockaddr_cmp(const struct sockaddr *sa1, const struct sockaddr *sa2,
                        int include_port);

/* strcasecmp / strncasecmp in ASCII, whatever the locale. */
int evutil_ascii_strcasecmp(const char *str1, const char *str2);
int evutil_ascii_strncasecmp(const char *str1, const char *str2, size_t n);

/* getaddrinfo: Linux has it, so evutil_addrinfo is struct addrinfo and the
   EVUTIL_EAI_* / EVUTIL_AI_* values are the system's where it defines them
   (libevent 2.1's rule, evaluated where the program is compiled). */
#define evutil_addrinfo addrinfo
#ifdef EAI_ADDRFAMILY
#define EVUTIL_EAI_ADDRFAMILY EAI_ADDRFAMILY
#else
#define EVUTIL_EAI_ADDRFAMILY -901
#endif
#ifdef EAI_AGAIN
#define EVUTIL_EAI_AGAIN EAI_AGAIN
#else
#define EVUTIL_EAI_AGAIN -902
#endif
#ifdef EAI_BADFLAGS
#define EVUTIL_EAI_BADFLAGS EAI_BADFLAGS
#else
#define EVUTIL_EAI_BADFLAGS -903
#endif
#ifdef EAI_FAIL
#define EVUTIL_EAI_FAIL EAI_FAIL
#else
#define EVUTIL_EAI_FAIL -904
#endif
#ifdef EAI_FAMILY
#define EVUTIL_EAI_FAMILY EAI_FAMILY
#else
#define EVUTIL_EAI_FAMILY -905
#endif
#ifdef EAI_MEMORY
#define EVUTIL_EAI_MEMORY EAI_MEMORY
#else
#define EVUTIL_EAI_MEMORY -906
#endif
#if defined(EAI_NODATA) && (!defined(EAI_NONAME) || EAI_NODATA != EAI_NONAME)
#define EVUTIL_EAI_NODATA EAI_NODATA
#else
#define EVUTIL_EAI_NODATA -907
#endif
#ifdef EAI_NONAME
#define EVUTIL_EAI_NONAME EAI_NONAME
#else
#define EVUTIL_EAI_NONAME -908
#endif
#ifdef EAI_SERVICE
#define EVUTIL_EAI_SERVICE EAI_SERVICE
#else
#define EVUTIL_EAI_SERVICE -909
#endif
#ifdef EAI_SOCKTYPE
#define EVUTIL_EAI_SOCKTYPE EAI_SOCKTYPE
#else
#define EVUTIL_EAI_SOCKTYPE -910
#endif
#ifdef EAI_SYSTEM
#define EVUTIL_EAI_SYSTEM EAI_SYSTEM
#else
#define EVUTIL_EAI_SYSTEM -911
#endif
#define EVUTIL_EAI_CANCEL -90001

#ifdef AI_PASSIVE
#define EVUTIL_AI_PASSIVE AI_PASSIVE
#else
#define EVUTIL_AI_PASSIVE 0x1000
#endif
#ifdef AI_CANONNAME
#define EVUTIL_AI_CANONNAME AI_CANONNAME
#else
#define EVUTIL_AI_CANONNAME 0x2000
#endif
#ifdef AI_NUMERICHOST
#define EVUTIL_AI_NUMERICHOST AI_NUMERICHOST
#else
#define EVUTIL_AI_NUMERICHOST 0x4000
#endif
#ifdef AI_NUMERICSERV
#define EVUTIL_AI_NUMERICSERV AI_NUMERICSERV
#else
#define EVUTIL_AI_NUMERICSERV 0x8000
#endif
#ifdef AI_V4MAPPED
#define EVUTIL_AI_V4MAPPED AI_V4MAPPED
#else
#define EVUTIL_AI_V4MAPPED 0x10000
#endif
#ifdef AI_ALL
#define EVUTIL_AI_ALL AI_ALL
#else
#define EVUTIL_AI_ALL 0x20000
#endif
#ifdef AI_ADDRCONFIG
#define EVUTIL_AI_ADDRCONFIG AI_ADDRCONFIG
#else
#define EVUTIL_AI_ADDRCONFIG 0x40000
#endif

struct evutil_addrinfo;
/* A blocking getaddrinfo (RFC 3493 6.1): 0 and *res, or an EVUTIL_EAI_*
   code. evutil_freeaddrinfo frees *res; evutil_gai_strerror names a code. */
int evutil_getaddrinfo(const char *nodename, const char *servname,
                       const struct evutil_addrinfo *hints_in, struct evutil_addrinfo **res);
void evutil_freeaddrinfo(struct evutil_addrinfo *ai);
const char *evutil_gai_strerror(int err);

/* The secure random generator: n random bytes into buf; init 0 once it is
   seeded (-1 if it cannot be); a device file in place of /dev/urandom;
   extra seed bytes. */
void evutil_secure_rng_get_bytes(void *buf, size_t n);
int evutil_secure_rng_init(void);
int evutil_secure_rng_set_urandom_device_file(char *fname);
void evutil_secure_rng_add_bytes(const char *dat, size_t datlen);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_UTIL_H_INCLUDED_ */
