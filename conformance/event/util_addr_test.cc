// <event2/util.h>, addresses: evutil_parse_sockaddr_port, evutil_inet_pton
// and evutil_inet_ntop over tables of hostile text, evutil_sockaddr_cmp's
// order, and evutil_getaddrinfo / evutil_freeaddrinfo / evutil_gai_strerror
// on numeric hosts only (nothing here asks a resolver). Inputs libevent
// crashes on (NULL pointers) run in a child. (util_test.cc has the first
// rule of each function.)
#include <event2/util.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <climits>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "evc_net.h"
#include "evc_test.h"

namespace evc {
namespace {

// ---------------------------------------------------------------- parse_sockaddr_port

using UtilParseSockaddr = Test;

struct Parsed {
  int r = 0;
  int len = 0;
  sockaddr_storage ss{};
  int family() const { return ss.ss_family; }
  int port() const {
    return ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port
                                          : reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  }
  // The address bytes, and whether they are those of `text` (read by the
  // system's inet_pton).
  std::string bytes() const {
    if (ss.ss_family == AF_INET6) {
      const auto* a = &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr;
      return std::string(reinterpret_cast<const char*>(a), sizeof *a);
    }
    const auto* a = &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr;
    return std::string(reinterpret_cast<const char*>(a), sizeof *a);
  }
  bool is(const char* text) const {
    unsigned char want[16];
    if (inet_pton(ss.ss_family, text, want) != 1) return false;
    return bytes() == std::string(reinterpret_cast<const char*>(want), ss.ss_family == AF_INET6 ? 16 : 4);
  }
};

Parsed Parse(const std::string& text, int room = sizeof(sockaddr_storage)) {
  Parsed p;
  p.len = room;
  p.r = evutil_parse_sockaddr_port(text.c_str(), reinterpret_cast<sockaddr*>(&p.ss), &p.len);
  return p;
}

struct ParseCase {
  const char* text;
  int family;  // 0: refused (-1)
  const char* address;
  int port;
};

void ExpectParses(const ParseCase& c) {
  SCOPED_TRACE(std::string("\"") + c.text + "\"");
  const Parsed p = Parse(c.text);
  if (c.family == 0) {
    EXPECT_EQ(p.r, -1);
    return;
  }
  ASSERT_EQ(p.r, 0);
  EXPECT_EQ(p.family(), c.family);
  EXPECT_EQ(p.len, static_cast<int>(c.family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6)));
  EXPECT_TRUE(p.is(c.address)) << "not " << c.address;
  EXPECT_EQ(p.port(), c.port);
}

TEST_F(UtilParseSockaddr, HostileTable) {
  EVC_RULE("util.h/evutil_parse_sockaddr_port/hostile-table",
           "util.h: evutil_parse_sockaddr_port reads [IPv6]:port, [IPv6], IPv6, IPv4:port and "
           "IPv4 (port 0 when none is given) and returns -1 if the address is not well-formed or "
           "the port is out of range (1..65535: an empty port, 0, 65536, -1 are out); the table "
           "is what libevent 2.1.12 answers");
  const std::vector<ParseCase> cases = {
      {"1.2.3.4", AF_INET, "1.2.3.4", 0},
      {"1.2.3.4:1", AF_INET, "1.2.3.4", 1},
      {"1.2.3.4:65535", AF_INET, "1.2.3.4", 65535},
      {"0.0.0.0:65535", AF_INET, "0.0.0.0", 65535},  // parsed only: nothing binds
      {"[::1]", AF_INET6, "::1", 0},
      {"[::1]:80", AF_INET6, "::1", 80},
      {"[::]:1", AF_INET6, "::", 1},
      {"::1", AF_INET6, "::1", 0},
      {"::1:80", AF_INET6, "::1:80", 0},  // bare IPv6 takes no port: the address ::1:80
      {"::ffff:1.2.3.4", AF_INET6, "::ffff:1.2.3.4", 0},
      {"[::ffff:1.2.3.4]:8080", AF_INET6, "::ffff:1.2.3.4", 8080},
      {"1.2.3.4:", 0, nullptr, 0},
      {"1.2.3.4:0", 0, nullptr, 0},
      {"1.2.3.4:65536", 0, nullptr, 0},
      {"1.2.3.4:-1", 0, nullptr, 0},
      {"1.2.3.4:0x50", 0, nullptr, 0},
      {"1.2.3.4:80:90", 0, nullptr, 0},
      {"[::1]:", 0, nullptr, 0},
      {"[::1]:0", 0, nullptr, 0},
      {"[::1]:65536", 0, nullptr, 0},
      {"[::1", 0, nullptr, 0},
      {"::1]", 0, nullptr, 0},
      {"[[::1]]", 0, nullptr, 0},
      {"[1.2.3.4]", 0, nullptr, 0},
      {"[1.2.3.4]:80", 0, nullptr, 0},
      {"[]", 0, nullptr, 0},
      {"[]:80", 0, nullptr, 0},
      {"", 0, nullptr, 0},
      {":", 0, nullptr, 0},
      {":80", 0, nullptr, 0},
      {"1.2.3", 0, nullptr, 0},
      {"1.2.3.4 ", 0, nullptr, 0},
      {"256.1.1.1:80", 0, nullptr, 0},
      {"1::2::3", 0, nullptr, 0},
      {"abc", 0, nullptr, 0},
      {"localhost:80", 0, nullptr, 0},
  };
  for (const auto& c : cases) ExpectParses(c);
}

TEST_F(UtilParseSockaddr, ScopedIpv6TakesTheZoneIndex) {
  EVC_RULE("util.h/evutil_parse_sockaddr_port/scope",
           "observed libevent 2.1.12: evutil_parse_sockaddr_port reads an IPv6 zone as "
           "evutil_inet_pton_scope does ('%1' is interface index 1) into sin6_scope_id, with or "
           "without brackets and port");
  for (const char* text : {"[fe80::1%1]:80", "fe80::1%1"}) {
    SCOPED_TRACE(text);
    const Parsed p = Parse(text);
    ASSERT_EQ(p.r, 0);
    EXPECT_EQ(p.family(), AF_INET6);
    EXPECT_TRUE(p.is("fe80::1"));
    EXPECT_EQ(reinterpret_cast<const sockaddr_in6*>(&p.ss)->sin6_scope_id, 1u);
  }
}

TEST_F(UtilParseSockaddr, TextAfterThePortIsIgnoredOrRefused) {
  EVC_RULE("util.h/evutil_parse_sockaddr_port/trailing-text",
           "observed libevent 2.1.12: the port is read as atoi reads it (leading blanks, a sign "
           "and leading zeros taken, reading stops at the first non-digit) and text after ']' "
           "that does not start with ':' is ignored, so '1.2.3.4:80x' is port 80 and '[::1]x' "
           "port 0. util.h calls such text not well-formed, so -1 is accepted too; no other "
           "answer is");
  const std::vector<ParseCase> lax = {
      {"1.2.3.4:80x", AF_INET, "1.2.3.4", 80},  {"1.2.3.4: 80", AF_INET, "1.2.3.4", 80},
      {"1.2.3.4:+80", AF_INET, "1.2.3.4", 80},  {"1.2.3.4:0080", AF_INET, "1.2.3.4", 80},
      {"[::1]x", AF_INET6, "::1", 0},           {"[::1]:80x", AF_INET6, "::1", 80},
      {"[::1]]:80", AF_INET6, "::1", 0},
  };
  for (const auto& c : lax) {
    const Parsed p = Parse(c.text);
    if (p.r == -1) continue;
    ExpectParses(c);
  }
}

TEST_F(UtilParseSockaddr, PortsBeyondIntAreOutOfRange) {
  EVC_RULE("util.h/evutil_parse_sockaddr_port/port-wraps",
           "util.h: evutil_parse_sockaddr_port returns -1 if the port is out of range: "
           "4294967376 (2^32 + 80) and -4294967216 are, though their low 32 bits are 80");
  for (const char* text : {"1.2.3.4:4294967376", "[::1]:4294967376", "1.2.3.4:-4294967216",
                           "1.2.3.4:18446744073709551696"}) {
    const Parsed p = Parse(text);
    EXPECT_EQ(p.r, -1) << text << " parsed as port " << p.port();
  }
}

TEST_F(UtilParseSockaddr, LongInputIsRefused) {
  EVC_RULE("util.h/evutil_parse_sockaddr_port/long-input",
           "util.h: evutil_parse_sockaddr_port returns -1 for an address that is not well-formed: "
           "200 characters in brackets, before a port or bare are never an address (libevent "
           "copies at most 127 into its buffer)");
  const std::string zeros(200, '0');
  for (const std::string& text : {"[" + zeros + "::1]:80", std::string(200, '1') + ":80",
                                  zeros + "::1", "[" + zeros + "]"}) {
    EXPECT_IN_CHILD({ EXPECT_EQ(Parse(text).r, -1) << text.size() << " characters"; });
  }
}

TEST_F(UtilParseSockaddr, FailureLeavesOutlenAlone) {
  EVC_RULE("util.h/evutil_parse_sockaddr_port/outlen-on-failure",
           "util.h: *outlen is set to the bytes used on success only: -1 for a room of 0, -1 or "
           "one byte short of the result, *outlen unchanged; a room of exactly the result's size "
           "succeeds");
  for (int room : {0, -1, static_cast<int>(sizeof(sockaddr_in)) - 1}) {
    const Parsed p = Parse("1.2.3.4:80", room);
    EXPECT_EQ(p.r, -1) << room;
    EXPECT_EQ(p.len, room);
  }
  const Parsed short6 = Parse("[::1]:80", sizeof(sockaddr_in6) - 1);
  EXPECT_EQ(short6.r, -1);
  EXPECT_EQ(short6.len, static_cast<int>(sizeof(sockaddr_in6)) - 1);
  const Parsed exact6 = Parse("[::1]:80", sizeof(sockaddr_in6));
  EXPECT_EQ(exact6.r, 0);
  EXPECT_EQ(exact6.len, static_cast<int>(sizeof(sockaddr_in6)));
  const Parsed bad = Parse("junk", 0);
  EXPECT_EQ(bad.r, -1);
  EXPECT_EQ(bad.len, 0);
}

// A call given a NULL pointer that libevent dereferences: -1 is the other
// acceptable answer, never a success.
void ExpectMinusOneOrCrash(const std::string& what, const std::function<int()>& call) {
  ExpectAnswerOrCrash(what, call, -1);
}

TEST_F(UtilParseSockaddr, NullArgumentsAreNeverASuccess) {
  EVC_RULE("util.h/evutil_parse_sockaddr_port/null",
           "observed libevent 2.1.12: a NULL str, out or outlen is dereferenced (SIGSEGV), except "
           "that text refused before out is written returns -1 first; not documented inputs. "
           "Accepted: that crash or -1");
  sockaddr_storage ss;
  int len = sizeof ss;
  auto* out = reinterpret_cast<sockaddr*>(&ss);
  ExpectMinusOneOrCrash("NULL str", [&] { return evutil_parse_sockaddr_port(nullptr, out, &len); });
  ExpectMinusOneOrCrash("NULL out", [&] { return evutil_parse_sockaddr_port("1.2.3.4", nullptr, &len); });
  ExpectMinusOneOrCrash("NULL outlen", [&] { return evutil_parse_sockaddr_port("1.2.3.4", out, nullptr); });
  EXPECT_IN_CHILD({ EXPECT_EQ(evutil_parse_sockaddr_port("junk", out, nullptr), -1); });
}

// ---------------------------------------------------------------- inet_pton

using UtilInetPton = Test;

// The 16 bytes of eight 16-bit groups.
std::vector<unsigned char> Groups(std::vector<unsigned> words) {
  std::vector<unsigned char> bytes;
  for (unsigned w : words) {
    bytes.push_back(static_cast<unsigned char>(w >> 8));
    bytes.push_back(static_cast<unsigned char>(w & 0xff));
  }
  return bytes;
}

int Pton4(const char* text, unsigned* host_order = nullptr) {
  in_addr a{};
  const int r = evutil_inet_pton(AF_INET, text, &a);
  if (host_order != nullptr) *host_order = ntohl(a.s_addr);
  return r;
}

TEST_F(UtilInetPton, Ipv4Table) {
  EVC_RULE("util.h/evutil_inet_pton/ipv4-table",
           "util.h: evutil_inet_pton is inet_pton (POSIX): AF_INET text is four dotted decimal "
           "numbers of 0..255, 1 and the address; fewer or more parts, an empty part, a number "
           "over 255, hex, a sign inside or text after it are 0");
  struct Good {
    const char* text;
    unsigned value;
  };
  for (const Good& g : {Good{"1.2.3.4", 0x01020304u}, Good{"255.255.255.255", 0xffffffffu},
                        Good{"0.0.0.0", 0u}, Good{"192.0.2.255", 0xc00002ffu}}) {  // parsed only: nothing binds
    unsigned v = 0;
    EXPECT_EQ(Pton4(g.text, &v), 1) << g.text;
    EXPECT_EQ(v, g.value) << g.text;
  }
  for (const char* bad : {"1.2.3", "1.2.3.4.5", "256.0.0.0", "1.2.3.256", "1..2.3", ".1.2.3",
                          "1.2.3.4.", "1.2.3.-4", "", "0x1.2.3.4", "1.2.3.4 ", "1.2.3.4x",
                          "1234.1.1.1", "1e1.1.1.1", "::1", "1.2.3.4/8"})
    EXPECT_EQ(Pton4(bad), 0) << bad;
}

TEST_F(UtilInetPton, LeadingZerosAreDecimalOrRefused) {
  EVC_RULE("util.h/evutil_inet_pton/leading-zeros",
           "util.h: evutil_inet_pton is inet_pton: POSIX allows one to three decimal digits per "
           "part, so '010.0.0.1' is 10.0.0.1 (observed libevent 2.1.12), but glibc refuses leading "
           "zeros: 1 with the decimal value or 0 are accepted, never an octal reading; the same "
           "for a dotted quad inside IPv6");
  struct Case {
    const char* text;
    unsigned value;
  };
  for (const Case& c : {Case{"010.0.0.1", 0x0a000001u}, Case{"01.2.3.4", 0x01020304u},
                        Case{"001.002.003.004", 0x01020304u}, Case{"1.2.3.010", 0x0102030au}}) {
    unsigned v = 0;
    const int r = Pton4(c.text, &v);
    EXPECT_TRUE(r == 0 || (r == 1 && v == c.value)) << c.text << ": " << r << ", " << std::hex << v;
  }
  in6_addr a6{};
  const int r = evutil_inet_pton(AF_INET6, "::ffff:010.2.3.4", &a6);
  EXPECT_TRUE(r == 0 || (r == 1 && a6.s6_addr[12] == 10)) << r;
}

TEST_F(UtilInetPton, AnOctetThatWrapsIsRefused) {
  EVC_RULE("util.h/evutil_inet_pton/octet-wraps",
           "util.h: evutil_inet_pton is inet_pton: a part over 255 is not an address (0), "
           "4294967297 (2^32 + 1) included, in IPv4 and in an IPv6 dotted quad");
  EXPECT_EQ(Pton4("4294967297.1.1.1"), 0);
  EXPECT_EQ(Pton4("1.2.3.4294967297"), 0);
  in6_addr a6{};
  EXPECT_EQ(evutil_inet_pton(AF_INET6, "::ffff:4294967297.1.1.1", &a6), 0);
}

TEST_F(UtilInetPton, BlanksSignsAndLongPartsAreRefused) {
  EVC_RULE("util.h/evutil_inet_pton/blanks-and-signs",
           "util.h: evutil_inet_pton is inet_pton: POSIX's ddd.ddd.ddd.ddd has one to three "
           "digits per part and nothing else, so a leading blank, a sign or four digits are 0");
  for (const char* bad : {" 1.2.3.4", "\t1.2.3.4", "+1.2.3.4", "-0.1.2.3", "1. 2.3.4", "1.+2.3.4",
                          "0001.2.3.4", "1.2.3.0004"})
    EXPECT_EQ(Pton4(bad), 0) << "\"" << bad << "\"";
}

TEST_F(UtilInetPton, Ipv6Table) {
  EVC_RULE("util.h/evutil_inet_pton/ipv6-table",
           "util.h: evutil_inet_pton is inet_pton: AF_INET6 text is RFC 4291 2.2's (eight groups "
           "of 1-4 hex digits, one :: for one or more zero groups, an optional final dotted "
           "quad): 1 and the address; anything else (too many or few groups, a second ::, five "
           "digits, brackets, a zone, blanks) is 0");
  struct Good {
    const char* text;
    std::vector<unsigned> words;
  };
  const std::vector<Good> good = {
      {"::", {0, 0, 0, 0, 0, 0, 0, 0}},
      {"::1", {0, 0, 0, 0, 0, 0, 0, 1}},
      {"1::", {1, 0, 0, 0, 0, 0, 0, 0}},
      {"1:2:3:4:5:6:7:8", {1, 2, 3, 4, 5, 6, 7, 8}},
      {"1:2:3:4:5:6:7::", {1, 2, 3, 4, 5, 6, 7, 0}},
      {"::1:2:3:4:5:6:7", {0, 1, 2, 3, 4, 5, 6, 7}},
      {"::ffff:1.2.3.4", {0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304}},
      {"1:2:3:4:5:6:1.2.3.4", {1, 2, 3, 4, 5, 6, 0x0102, 0x0304}},
      {"1::1.2.3.4", {1, 0, 0, 0, 0, 0, 0x0102, 0x0304}},
      {"0001::", {1, 0, 0, 0, 0, 0, 0, 0}},
      {"fFfF::aBcD", {0xffff, 0, 0, 0, 0, 0, 0, 0xabcd}},
  };
  for (const auto& g : good) {
    in6_addr a6{};
    ASSERT_EQ(evutil_inet_pton(AF_INET6, g.text, &a6), 1) << g.text;
    EXPECT_EQ(std::vector<unsigned char>(a6.s6_addr, a6.s6_addr + 16), Groups(g.words)) << g.text;
  }
  for (const char* bad :
       {"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:1.2.3.4",
        "::ffff:1.2.3", "::ffff:256.1.1.1", "00001::", "12345::", "[::1]", ":::", "1:::2", "::1::",
        ":1::", ":", "1:", "1.2.3.4", "1.2.3.4::", "g::1", " ::1", "::1 ", "+1::", "fe80::1%1",
        "::1.2.3.4:5", ""}) {
    in6_addr a6{};
    EXPECT_EQ(evutil_inet_pton(AF_INET6, bad, &a6), 0) << "\"" << bad << "\"";
  }
}

TEST_F(UtilInetPton, MalformedIpv6GroupsAreRefused) {
  EVC_RULE("util.h/evutil_inet_pton/ipv6-malformed-groups",
           "util.h: evutil_inet_pton is inet_pton: RFC 4291 2.2 text has no trailing single ':' "
           "after a group and no 0x prefix, so '1::2:', '::1:', '0x1::' and '::0x1' are 0");
  for (const char* bad : {"1::2:", "::1:", "0x1::", "::0x1"}) {
    in6_addr a6{};
    EXPECT_EQ(evutil_inet_pton(AF_INET6, bad, &a6), 0) << "\"" << bad << "\"";
  }
}

TEST_F(UtilInetPton, UnknownFamilyIsMinusOne) {
  EVC_RULE("util.h/evutil_inet_pton/bad-family",
           "util.h: evutil_inet_pton is inet_pton: -1 for a family other than AF_INET and "
           "AF_INET6");
  unsigned char buf[16];
  for (int af : {AF_UNIX, AF_UNSPEC, 12345, -1})
    EXPECT_EQ(evutil_inet_pton(af, "1.2.3.4", buf), -1) << "af " << af;
}

TEST_F(UtilInetPton, NullArgumentsAreNeverASuccess) {
  EVC_RULE("util.h/evutil_inet_pton/null",
           "observed libevent 2.1.12: evutil_inet_pton with a NULL src, or a NULL dst for valid "
           "text, dereferences it (SIGSEGV); not documented inputs. Accepted: that crash or -1");
  in_addr a{};
  ExpectMinusOneOrCrash("NULL src", [&] { return evutil_inet_pton(AF_INET, nullptr, &a); });
  ExpectMinusOneOrCrash("NULL dst", [] { return evutil_inet_pton(AF_INET, "1.2.3.4", nullptr); });
  ExpectMinusOneOrCrash("NULL dst v6", [] { return evutil_inet_pton(AF_INET6, "::1", nullptr); });
}

TEST_F(UtilInetPton, ScopeZonesByNameIndexOrNothing) {
  EVC_RULE("util.h/evutil_inet_pton_scope/zones",
           "observed libevent 2.1.12 (evutil.c): evutil_inet_pton_scope sets *indexp to 0 first; "
           "an IPv6 zone after % is an interface name (if_nametoindex), else a decimal index, an "
           "empty zone index 0, and anything else (1x) makes the text not an address (0); AF_INET "
           "text takes no zone (0)");
  in6_addr a6{};
  unsigned index = 99;
  const unsigned lo = if_nametoindex("lo");
  if (lo != 0) {
    EXPECT_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%lo", &a6, &index), 1);
    EXPECT_EQ(index, lo);
  }
  index = 99;
  EXPECT_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%", &a6, &index), 1);
  EXPECT_EQ(index, 0u);
  index = 99;
  EXPECT_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::1%1x", &a6, &index), 0);
  EXPECT_EQ(index, 0u);
  index = 99;
  EXPECT_EQ(evutil_inet_pton_scope(AF_INET6, "fe80::zz%1", &a6, &index), 0);
  in_addr a4{};
  index = 99;
  EXPECT_EQ(evutil_inet_pton_scope(AF_INET, "1.2.3.4%1", &a4, &index), 0);
  EXPECT_EQ(index, 0u);
  index = 99;
  EXPECT_EQ(evutil_inet_pton_scope(AF_INET, "1.2.3.4", &a4, &index), 1);
  EXPECT_EQ(index, 0u);
}

TEST_F(UtilInetPton, ScopeWithoutAnIndexPointerIsNeverASuccess) {
  EVC_RULE("util.h/evutil_inet_pton_scope/null",
           "observed libevent 2.1.12: evutil_inet_pton_scope with a NULL indexp writes through it "
           "(SIGSEGV); not a documented input. Accepted: that crash or -1");
  ExpectMinusOneOrCrash("NULL indexp", [] {
    in6_addr a6{};
    return evutil_inet_pton_scope(AF_INET6, "::1", &a6, nullptr);
  });
}

// ---------------------------------------------------------------- inet_ntop

using UtilInetNtop = Test;

TEST_F(UtilInetNtop, Rfc5952Table) {
  EVC_RULE("util.h/evutil_inet_ntop/rfc5952-table",
           "util.h: evutil_inet_ntop is inet_ntop: IPv6 text in lower case without leading "
           "zeros, the longest run of two or more zero groups as :: (the first of equal runs), a "
           "single zero group kept, ::ffff:a.b.c.d for a mapped IPv4 address (RFC 5952 4)");
  struct Case {
    std::vector<unsigned> words;
    const char* text;
  };
  const std::vector<Case> cases = {
      {{0, 0, 0, 0, 0, 0, 0, 0}, "::"},
      {{1, 0, 0, 1, 0, 0, 0, 1}, "1:0:0:1::1"},
      {{1, 0, 1, 0, 1, 0, 1, 0}, "1:0:1:0:1:0:1:0"},
      {{0, 0, 1, 0, 0, 0, 0, 0}, "0:0:1::"},
      {{0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}, "2001:db8::1:0:0:1"},
      {{0xFFFF, 0xABCD, 0x00ef, 1, 2, 3, 4, 5}, "ffff:abcd:ef:1:2:3:4:5"},
      {{0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201}, "::ffff:192.0.2.1"},
      {{0xfe80, 0, 0, 0, 0, 0, 0, 1}, "fe80::1"},
  };
  for (const auto& c : cases) {
    const std::vector<unsigned char> bytes = Groups(c.words);
    char buf[INET6_ADDRSTRLEN];
    const char* r = evutil_inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
    ASSERT_NE(r, nullptr) << c.text;
    EXPECT_STREQ(r, c.text);
  }
}

TEST_F(UtilInetNtop, TextMustFitWithItsNul) {
  EVC_RULE("util.h/evutil_inet_ntop/exact-size",
           "util.h: evutil_inet_ntop is inet_ntop: NULL (ENOSPC) when len cannot hold the text "
           "and its NUL, so a len of exactly the text's length is too small; one more fits");
  for (const char* text : {"::1", "fe80::1", "2001:db8::1:0:0:1", "::ffff:1.2.3.4",
                           "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    SCOPED_TRACE(text);
    in6_addr a6{};
    ASSERT_EQ(inet_pton(AF_INET6, text, &a6), 1);
    char buf[INET6_ADDRSTRLEN];
    const size_t n = std::strlen(text);
    const char* r = evutil_inet_ntop(AF_INET6, &a6, buf, n);
    EXPECT_EQ(r, nullptr) << "returned \"" << (r ? r : "") << "\" for len " << n;
    r = evutil_inet_ntop(AF_INET6, &a6, buf, n + 1);
    ASSERT_NE(r, nullptr);
    EXPECT_STREQ(r, text);
  }
  in_addr a4{};
  a4.s_addr = htonl(0xc0000201);
  char buf[16];
  EXPECT_EQ(evutil_inet_ntop(AF_INET, &a4, buf, 9), nullptr) << "192.0.2.1 is 9 characters";
  EXPECT_STREQ(evutil_inet_ntop(AF_INET, &a4, buf, 10), "192.0.2.1");
}

TEST_F(UtilInetNtop, UnknownFamilyOrNoRoomIsNull) {
  EVC_RULE("util.h/evutil_inet_ntop/bad-family",
           "util.h: evutil_inet_ntop is inet_ntop: NULL for a family other than AF_INET and "
           "AF_INET6, and for a len of 0");
  unsigned char addr[16] = {1, 2, 3, 4};
  char buf[64];
  for (int af : {AF_UNIX, AF_UNSPEC, 12345, -1})
    EXPECT_EQ(evutil_inet_ntop(af, addr, buf, sizeof buf), nullptr) << "af " << af;
  EXPECT_EQ(evutil_inet_ntop(AF_INET, addr, buf, 0), nullptr);
  EXPECT_EQ(evutil_inet_ntop(AF_INET6, addr, buf, 0), nullptr);
}

TEST_F(UtilInetNtop, NullArgumentsAreNeverASuccess) {
  EVC_RULE("util.h/evutil_inet_ntop/null",
           "observed libevent 2.1.12: evutil_inet_ntop with a NULL src, or a NULL dst with room, "
           "dereferences it (SIGSEGV); not documented inputs. Accepted: that crash or NULL");
  auto null_or_crash = [](const char* what, const std::function<const char*()>& call) {
    ExpectAnswerOrCrash(what, call, static_cast<const char*>(nullptr));
  };
  null_or_crash("NULL src", [] {
    char buf[64];
    return evutil_inet_ntop(AF_INET6, nullptr, buf, sizeof buf);
  });
  null_or_crash("NULL dst", [] {
    in_addr a{};
    return evutil_inet_ntop(AF_INET, &a, nullptr, 64);
  });
}

// ---------------------------------------------------------------- sockaddr_cmp

using UtilSockaddrCmp = Test;

const sockaddr* Sa(const sockaddr_in& s) { return reinterpret_cast<const sockaddr*>(&s); }
const sockaddr* Sa(const sockaddr_in6& s) { return reinterpret_cast<const sockaddr*>(&s); }

int Sign(int v) { return (v > 0) - (v < 0); }

sockaddr_in V4(unsigned host_order, uint16_t port) {
  sockaddr_in s = Loopback4(port);
  s.sin_addr.s_addr = htonl(host_order);
  return s;
}

TEST_F(UtilSockaddrCmp, AnyTrueIncludePortCountsThePort) {
  EVC_RULE("util.h/evutil_sockaddr_cmp/include-port",
           "util.h: evutil_sockaddr_cmp considers the port as well as the address if include_port "
           "is true (any nonzero value: 1, 2, -1), opposite signs when the arguments swap; with 0 "
           "addresses that differ only in port are equal. AF_INET and AF_INET6 alike");
  const sockaddr_in a = V4(0x7f000001, 80), b = V4(0x7f000001, 81);
  sockaddr_in6 c = Loopback6(80), d = Loopback6(443);
  for (int include : {1, 2, -1}) {
    SCOPED_TRACE("include_port " + std::to_string(include));
    const int ab = evutil_sockaddr_cmp(Sa(a), Sa(b), include);
    EXPECT_NE(ab, 0);
    EXPECT_EQ(Sign(evutil_sockaddr_cmp(Sa(b), Sa(a), include)), -Sign(ab));
    const int cd = evutil_sockaddr_cmp(Sa(c), Sa(d), include);
    EXPECT_NE(cd, 0);
    EXPECT_EQ(Sign(evutil_sockaddr_cmp(Sa(d), Sa(c), include)), -Sign(cd));
    EXPECT_EQ(evutil_sockaddr_cmp(Sa(a), Sa(a), include), 0);
  }
  EXPECT_EQ(evutil_sockaddr_cmp(Sa(a), Sa(b), 0), 0);
  EXPECT_EQ(evutil_sockaddr_cmp(Sa(c), Sa(d), 0), 0);
}

TEST_F(UtilSockaddrCmp, OrderIsTotalOverAddressesAndPorts) {
  EVC_RULE("util.h/evutil_sockaddr_cmp/order",
           "util.h: evutil_sockaddr_cmp returns < 0 if sa1 precedes sa2, > 0 if it follows, 0 if "
           "equal: over a set of AF_INET and AF_INET6 addresses and ports (the order itself is "
           "not promised) it is antisymmetric and transitive, and an address equals only itself");
  std::vector<sockaddr_storage> all;
  auto add = [&](const auto& s) {
    sockaddr_storage ss{};
    std::memcpy(&ss, &s, sizeof s);
    all.push_back(ss);
  };
  for (unsigned host : {0x7f000001u, 0x7f000002u, 0x0a000001u, 0xc0000201u})
    for (uint16_t port : {80, 81, 65535}) add(V4(host, port));
  for (const char* text : {"::1", "::2", "2001:db8::1", "fe80::1"})
    for (uint16_t port : {80, 8080}) {
      sockaddr_in6 s = Loopback6(port);
      ASSERT_EQ(inet_pton(AF_INET6, text, &s.sin6_addr), 1);
      add(s);
    }
  auto cmp = [&](size_t i, size_t j) {
    return Sign(evutil_sockaddr_cmp(reinterpret_cast<const sockaddr*>(&all[i]),
                                    reinterpret_cast<const sockaddr*>(&all[j]), 1));
  };
  for (size_t i = 0; i < all.size(); ++i)
    for (size_t j = 0; j < all.size(); ++j) {
      ASSERT_EQ(cmp(i, j), -cmp(j, i)) << i << " vs " << j;
      ASSERT_EQ(cmp(i, j) == 0, i == j) << i << " vs " << j;
      for (size_t k = 0; k < all.size(); ++k)
        if (cmp(i, j) < 0 && cmp(j, k) < 0) ASSERT_LT(cmp(i, k), 0) << i << " " << j << " " << k;
    }
}

TEST_F(UtilSockaddrCmp, OtherFamiliesGiveAnAnswerWithoutHarm) {
  EVC_RULE("util.h/evutil_sockaddr_cmp/other-family",
           "util.h: evutil_sockaddr_cmp is only implemented for AF_INET and AF_INET6; observed "
           "libevent 2.1.12: two AF_UNIX (or AF_UNSPEC) addresses compare as 1, even identical "
           "ones. Any answer is accepted, a crash is not; families that differ are never equal");
  EXPECT_IN_CHILD({
    sockaddr_un u{};
    u.sun_family = AF_UNIX;
    std::strcpy(u.sun_path, "/tmp/evc");
    sockaddr_storage unspec{};
    (void)evutil_sockaddr_cmp(reinterpret_cast<sockaddr*>(&u), reinterpret_cast<sockaddr*>(&u), 1);
    (void)evutil_sockaddr_cmp(reinterpret_cast<sockaddr*>(&unspec),
                              reinterpret_cast<sockaddr*>(&unspec), 0);
    const sockaddr_in a = V4(0x7f000001, 80);
    EXPECT_NE(evutil_sockaddr_cmp(Sa(a), reinterpret_cast<sockaddr*>(&u), 0), 0);
  });
}

// ---------------------------------------------------------------- getaddrinfo

using UtilAddrinfo = Test;

addrinfo Hints(int family, int socktype, int flags, int protocol = 0) {
  addrinfo h{};
  h.ai_family = family;
  h.ai_socktype = socktype;
  h.ai_flags = flags;
  h.ai_protocol = protocol;
  return h;
}

// evutil_getaddrinfo's answer; a list it gives is freed at once.
int Lookup(const char* node, const char* service, const addrinfo& hints) {
  addrinfo* res = nullptr;
  const int r = evutil_getaddrinfo(node, service, &hints, &res);
  if (r == 0 && res != nullptr) evutil_freeaddrinfo(res);
  return r;
}

uint16_t PortOf(const addrinfo* ai) {
  return ntohs(ai->ai_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_port
                                         : reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_port);
}

constexpr int kNumeric = EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV;

TEST_F(UtilAddrinfo, ErrorCodesForBadRequests) {
  EVC_RULE("util.h/evutil_getaddrinfo/error-codes",
           "util.h: evutil_getaddrinfo clones getaddrinfo (RFC 3493 6.1, POSIX): no node and no "
           "service, or a non-numeric service with AI_NUMERICSERV, is EVUTIL_EAI_NONAME; an "
           "unknown family EVUTIL_EAI_FAMILY; an unknown socket type EVUTIL_EAI_SOCKTYPE; unknown "
           "flag bits, or AI_CANONNAME without a node, EVUTIL_EAI_BADFLAGS; a port for SOCK_RAW "
           "EVUTIL_EAI_SERVICE");
  EXPECT_EQ(Lookup(nullptr, nullptr, Hints(AF_UNSPEC, 0, EVUTIL_AI_NUMERICHOST)), EVUTIL_EAI_NONAME);
  EXPECT_EQ(Lookup("127.0.0.1", "http", Hints(AF_UNSPEC, SOCK_STREAM, kNumeric)), EVUTIL_EAI_NONAME);
  EXPECT_EQ(Lookup("127.0.0.1", "80", Hints(12345, 0, kNumeric)), EVUTIL_EAI_FAMILY);
  EXPECT_EQ(Lookup("127.0.0.1", "80", Hints(AF_UNIX, SOCK_STREAM, kNumeric)), EVUTIL_EAI_FAMILY);
  EXPECT_EQ(Lookup("127.0.0.1", "80", Hints(AF_UNSPEC, 12345, kNumeric)), EVUTIL_EAI_SOCKTYPE);
  EXPECT_EQ(Lookup("127.0.0.1", "80", Hints(AF_UNSPEC, SOCK_STREAM, 0x40000000)), EVUTIL_EAI_BADFLAGS);
  EXPECT_EQ(Lookup(nullptr, "80", Hints(AF_UNSPEC, SOCK_STREAM, kNumeric | EVUTIL_AI_CANONNAME)),
            EVUTIL_EAI_BADFLAGS);
  EXPECT_EQ(Lookup("127.0.0.1", "80", Hints(AF_INET, SOCK_RAW, kNumeric)), EVUTIL_EAI_SERVICE);
}

TEST_F(UtilAddrinfo, NumericHostOfTheWrongFamilyIsRefused) {
  EVC_RULE("util.h/evutil_getaddrinfo/family-mismatch",
           "util.h: evutil_getaddrinfo clones getaddrinfo: with AI_NUMERICHOST an IPv4 literal "
           "asked as AF_INET6, an IPv6 literal as AF_INET, '[::1]' or '' give no address: "
           "EVUTIL_EAI_NONAME, or EVUTIL_EAI_ADDRFAMILY (glibc's answer for the mismatch)");
  struct Case {
    const char* node;
    int family;
  };
  for (const Case& c : {Case{"127.0.0.1", AF_INET6}, Case{"::1", AF_INET}, Case{"[::1]", AF_UNSPEC},
                        Case{"", AF_UNSPEC}}) {
    const int r = Lookup(c.node, "80", Hints(c.family, SOCK_STREAM, kNumeric));
    EXPECT_TRUE(r == EVUTIL_EAI_NONAME || r == EVUTIL_EAI_ADDRFAMILY)
        << "\"" << c.node << "\" family " << c.family << ": " << r;
  }
}

TEST_F(UtilAddrinfo, NoNodeWithoutPassiveIsTheLoopback) {
  EVC_RULE("util.h/EVUTIL_AI_PASSIVE/unset",
           "RFC 3493 6.1 (util.h's evutil_getaddrinfo): with no nodename and AI_PASSIVE unset the "
           "address is the loopback address (127.0.0.1, ::1), for connect; with AI_PASSIVE, "
           "IPv6's is the wildcard ::");
  for (int family : {AF_INET, AF_INET6}) {
    addrinfo* res = nullptr;
    const addrinfo hints = Hints(family, SOCK_STREAM, EVUTIL_AI_NUMERICSERV);
    ASSERT_EQ(evutil_getaddrinfo(nullptr, "4242", &hints, &res), 0);
    ASSERT_NE(res, nullptr);
    EXPECT_EQ(res->ai_family, family);
    EXPECT_EQ(PortOf(res), 4242);
    if (family == AF_INET)
      EXPECT_EQ(ntohl(reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr.s_addr), INADDR_LOOPBACK);
    else
      EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr));
    evutil_freeaddrinfo(res);
  }
  addrinfo* res = nullptr;
  const addrinfo passive = Hints(AF_INET6, SOCK_STREAM, EVUTIL_AI_PASSIVE | EVUTIL_AI_NUMERICSERV);
  ASSERT_EQ(evutil_getaddrinfo(nullptr, "4242", &passive, &res), 0);
  ASSERT_NE(res, nullptr);
  EXPECT_TRUE(IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr));
  evutil_freeaddrinfo(res);
}

TEST_F(UtilAddrinfo, ServiceNumbersBecomeThePort) {
  EVC_RULE("util.h/evutil_getaddrinfo/service-numbers",
           "util.h: evutil_getaddrinfo clones getaddrinfo: a decimal service is the port (0 and "
           "65535 included), no service or an empty one leaves port 0");
  struct Case {
    const char* service;
    uint16_t port;
  };
  for (const Case& c : {Case{"0", 0}, Case{"1", 1}, Case{"65535", 65535}, Case{"080", 80},
                        Case{nullptr, 0}, Case{"", 0}}) {
    SCOPED_TRACE(c.service == nullptr ? "NULL" : c.service);
    addrinfo* res = nullptr;
    const addrinfo hints = Hints(AF_INET, SOCK_STREAM, EVUTIL_AI_NUMERICHOST);
    ASSERT_EQ(evutil_getaddrinfo("127.0.0.1", c.service, &hints, &res), 0);
    ASSERT_NE(res, nullptr);
    EXPECT_EQ(PortOf(res), c.port);
    evutil_freeaddrinfo(res);
  }
}

TEST_F(UtilAddrinfo, ProtocolFollowsTheSocketType) {
  EVC_RULE("util.h/evutil_getaddrinfo/socktype-protocol",
           "util.h: evutil_getaddrinfo clones getaddrinfo: ai_socktype 0 gives an entry per "
           "socket type (stream and datagram at least), and each entry's ai_protocol matches "
           "its type (TCP, UDP): libevent's evutil.c fills it in where the system does not");
  addrinfo* res = nullptr;
  const addrinfo hints = Hints(AF_INET, 0, kNumeric);
  ASSERT_EQ(evutil_getaddrinfo("127.0.0.1", "80", &hints, &res), 0);
  bool stream = false, dgram = false;
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    EXPECT_EQ(PortOf(ai), 80);
    if (ai->ai_socktype == SOCK_STREAM) {
      stream = true;
      EXPECT_EQ(ai->ai_protocol, IPPROTO_TCP);
    } else if (ai->ai_socktype == SOCK_DGRAM) {
      dgram = true;
      EXPECT_EQ(ai->ai_protocol, IPPROTO_UDP);
    }
  }
  EXPECT_TRUE(stream && dgram);
  evutil_freeaddrinfo(res);
}

TEST_F(UtilAddrinfo, FreeaddrinfoReleasesAWholeList) {
  EVC_RULE("util.h/evutil_freeaddrinfo",
           "util.h: evutil_freeaddrinfo releases the storage evutil_getaddrinfo allocated: a "
           "list of one entry or several, with or without a canonical name (what is left is "
           "checked by the leak-checking columns)");
  for (const addrinfo& hints : {Hints(AF_INET, SOCK_STREAM, kNumeric), Hints(AF_UNSPEC, 0, kNumeric),
                                Hints(AF_INET, SOCK_STREAM, kNumeric | EVUTIL_AI_CANONNAME)}) {
    addrinfo* res = nullptr;
    ASSERT_EQ(evutil_getaddrinfo("127.0.0.1", "80", &hints, &res), 0);
    ASSERT_NE(res, nullptr);
    evutil_freeaddrinfo(res);
  }
}

TEST_F(UtilAddrinfo, NullListOrResultIsNotASuccess) {
  EVC_RULE("util.h/evutil_freeaddrinfo/null",
           "observed libevent 2.1.12: evutil_freeaddrinfo(NULL), and evutil_getaddrinfo with a "
           "NULL res for a request that succeeds, dereference the NULL (SIGSEGV); not documented "
           "inputs. Accepted: that crash, or nothing done (free) and a nonzero error (lookup)");
  const ChildEnd freed = RunInChild([] { evutil_freeaddrinfo(nullptr); });
  EXPECT_TRUE((freed.kind == ChildEnd::kExited && freed.code == 0) || freed.kind == ChildEnd::kSignalled)
      << freed.Describe();
  const ChildEnd looked = RunInChild([] {
    const addrinfo hints = Hints(AF_INET, SOCK_STREAM, kNumeric);
    EXPECT_NE(evutil_getaddrinfo("127.0.0.1", "80", &hints, nullptr), 0);
  });
  EXPECT_TRUE((looked.kind == ChildEnd::kExited && looked.code == 0) || looked.kind == ChildEnd::kSignalled)
      << looked.Describe();
}

TEST_F(UtilAddrinfo, ErrorCodesAreDistinctAndNamed) {
  EVC_RULE("util.h/EVUTIL_EAI_CANCEL",
           "util.h: the EVUTIL_EAI_* codes are nonzero (0 is success) and pairwise different, "
           "EVUTIL_EAI_CANCEL is -90001, and evutil_gai_strerror names each with a different "
           "nonempty text");
  const int codes[] = {EVUTIL_EAI_ADDRFAMILY, EVUTIL_EAI_AGAIN,   EVUTIL_EAI_BADFLAGS,
                       EVUTIL_EAI_FAIL,       EVUTIL_EAI_FAMILY,  EVUTIL_EAI_MEMORY,
                       EVUTIL_EAI_NODATA,     EVUTIL_EAI_NONAME,  EVUTIL_EAI_SERVICE,
                       EVUTIL_EAI_SOCKTYPE,   EVUTIL_EAI_SYSTEM,  EVUTIL_EAI_CANCEL};
  std::set<int> seen;
  std::set<std::string> texts;
  for (int code : codes) {
    EXPECT_NE(code, 0);
    seen.insert(code);
    const char* text = evutil_gai_strerror(code);
    ASSERT_NE(text, nullptr) << code;
    EXPECT_GT(std::strlen(text), 0u) << code;
    texts.insert(text);
  }
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_EQ(texts.size(), 12u);
  EXPECT_EQ(EVUTIL_EAI_CANCEL, -90001);
}

TEST_F(UtilAddrinfo, GaiStrerrorAnswersAnyCode) {
  EVC_RULE("util.h/evutil_gai_strerror/unknown-code",
           "observed libevent 2.1.12: evutil_gai_strerror gives a string for any int, 0 and "
           "codes that are no error code included ('No error', the system's 'Unknown error'), "
           "never NULL");
  for (int code : {0, 1, 12345, -12345, INT_MIN, INT_MAX}) {
    const char* text = evutil_gai_strerror(code);
    ASSERT_NE(text, nullptr) << code;
    EXPECT_GT(std::strlen(text), 0u) << code;
  }
}

TEST_F(UtilAddrinfo, FlagsAreDistinctBits) {
  EVC_RULE("util.h/EVUTIL_AI_NUMERICHOST/distinct-bits",
           "util.h: the EVUTIL_AI_* flags (PASSIVE, CANONNAME, NUMERICHOST, NUMERICSERV, "
           "V4MAPPED, ALL, ADDRCONFIG) are ai_flags bits: each nonzero, no two sharing a bit, so "
           "they can be or-ed");
  const int flags[] = {EVUTIL_AI_PASSIVE,  EVUTIL_AI_CANONNAME, EVUTIL_AI_NUMERICHOST,
                       EVUTIL_AI_NUMERICSERV, EVUTIL_AI_V4MAPPED, EVUTIL_AI_ALL,
                       EVUTIL_AI_ADDRCONFIG};
  int all = 0;
  for (int f : flags) {
    EXPECT_NE(f, 0);
    EXPECT_EQ(all & f, 0) << std::hex << f;
    all |= f;
  }
}

}  // namespace
}  // namespace evc
