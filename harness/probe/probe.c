/* The probe of an implementation: built against it like the suites, it
 * prints what the report says of the column, as JSON on one line:
 * the version string and number the implementation reports, and the file
 * its code was loaded from (dladdr of event_get_version: a shared library,
 * or this program when the implementation is linked statically). The
 * harness reads that file to tell whether libevent's internal assertions
 * are compiled in (evconform/probe.py). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

/* <event.h>: every implementation has it (libevent 2 and the reference as
 * the 1.4 compatibility header that includes <event2/event.h>, libev's
 * emulation as its only header); the implementation's include folders come
 * first. libevent 2's headers define LIBEVENT_VERSION_NUMBER with
 * event_get_version_number. */
#include <event.h>

static void json_string(const char* s) {
  putchar('"');
  for (; s && *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

int main(void) {
  Dl_info info;
  const char* version = event_get_version();
  const char* file = "";
  if (dladdr((void*)&event_get_version, &info) && info.dli_fname) file = info.dli_fname;
  printf("{\"version\": ");
  json_string(version);
#ifdef LIBEVENT_VERSION_NUMBER
  printf(", \"version_number\": \"0x%08x\"", (unsigned)event_get_version_number());
#endif
  printf(", \"loaded_from\": ");
  json_string(file);
  printf("}\n");
  return 0;
}
