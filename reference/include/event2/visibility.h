/*
 * evconform reference implementation: <event2/visibility.h>.
 *
 * libevent 2.1 marks its exported functions EVENT2_EXPORT_SYMBOL (and
 * EVENT2_CORE_EXPORT_SYMBOL); both expand to nothing outside libevent's own
 * build, and programs that declare wrappers with them need the names. The
 * reference's functions are ordinary extern "C" definitions, so here too
 * they are empty.
 */
#ifndef EVENT2_VISIBILITY_H_INCLUDED_
#define EVENT2_VISIBILITY_H_INCLUDED_

#include <event2/event-config.h>

#define EVENT2_EXPORT_SYMBOL
#define EVENT2_CORE_EXPORT_SYMBOL EVENT2_EXPORT_SYMBOL

#endif /* EVENT2_VISIBILITY_H_INCLUDED_ */
