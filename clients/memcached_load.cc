// The clients area's load row: C connections to a memcached on 127.0.0.1,
// each alternating "set" and "get" of its own keys for S seconds, every
// reply checked byte for byte (a set must answer STORED, a get must return
// exactly the value this connection stored last under that key). Prints
// one JSON line: ops (a set or a get is one op), seconds, ops_per_s, and
// the first mismatch, if any. Exit 0 when every reply was right and at
// least one op completed; 1 otherwise; 2 on bad arguments.
//
//   evc_memcached_load --port P [--conns 50] [--seconds 20] [--value-size 100] [--keys 100]
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 0;
  int conns = 50;
  double seconds = 20;
  int value_size = 100;
  int keys = 100;
};

// One connection's lockstep: send a request, read its whole reply, check it.
struct Conn {
  int fd = -1;
  int id = 0;
  long round = 0;        // requests sent so far
  std::string out;       // request bytes not yet written
  std::string expect;    // the exact reply awaited
  std::string in;        // reply bytes read so far
  std::vector<long> stored;  // per key: the round whose value it holds (-1: none)
};

std::string Key(const Conn& c, long k) { return "evc:" + std::to_string(c.id) + ":" + std::to_string(k); }

// A value naming its connection, key and round, padded to the size: a stale
// or crossed reply cannot compare equal.
std::string Value(const Conn& c, long k, long round, int size) {
  std::string v = std::to_string(c.id) + "/" + std::to_string(k) + "/" + std::to_string(round) + "/";
  v.resize(static_cast<size_t>(size), 'v');
  return v;
}

// Even rounds set key (round/2 mod keys), odd rounds get it back.
void NextRequest(Conn& c, const Options& o) {
  const long k = (c.round / 2) % o.keys;
  const std::string key = Key(c, k);
  if (c.round % 2 == 0) {
    const std::string v = Value(c, k, c.round, o.value_size);
    c.out = "set " + key + " 0 0 " + std::to_string(v.size()) + "\r\n" + v + "\r\n";
    c.expect = "STORED\r\n";
    c.stored[static_cast<size_t>(k)] = c.round;
  } else {
    const std::string v = Value(c, k, c.stored[static_cast<size_t>(k)], o.value_size);
    c.out = "get " + key + "\r\n";
    c.expect = "VALUE " + key + " 0 " + std::to_string(v.size()) + "\r\n" + v + "\r\nEND\r\n";
  }
  c.in.clear();
  ++c.round;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--port") o->port = std::atoi(v);
    else if (k == "--conns") o->conns = std::atoi(v);
    else if (k == "--seconds") o->seconds = std::atof(v);
    else if (k == "--value-size") o->value_size = std::atoi(v);
    else if (k == "--keys") o->keys = std::atoi(v);
    else return false;
  }
  return argc % 2 == 1 && o->port > 0 && o->port < 65536 && o->conns > 0 && o->conns <= 1000 &&
         o->seconds > 0 && o->value_size >= 16 && o->value_size <= 100000 && o->keys > 0;
}

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(port));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const unsigned char u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') out += std::string("\\") + ch;
    else if (u < 0x20 || u >= 0x7f) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", u); out += b; }
    else out += ch;
  }
  return out;
}

// Reads what is there; returns false with `error` set on a wrong reply.
bool ReadReply(Conn& c, std::string* error) {
  char buf[65536];
  const ssize_t n = recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n == 0) { *error = "connection " + std::to_string(c.id) + " closed by the server"; return false; }
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return true;
    *error = "recv: " + std::string(std::strerror(errno));
    return false;
  }
  c.in.append(buf, static_cast<size_t>(n));
  if (c.in.size() > c.expect.size() || c.expect.compare(0, c.in.size(), c.in) != 0) {
    *error = "connection " + std::to_string(c.id) + " round " + std::to_string(c.round - 1) +
             ": expected '" + c.expect.substr(0, 80) + "', got '" + c.in.substr(0, 80) + "'";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) {
    std::fprintf(stderr, "usage: evc_memcached_load --port P [--conns N] [--seconds S] "
                         "[--value-size B] [--keys K]\n");
    return 2;
  }
  std::vector<Conn> conns(static_cast<size_t>(o.conns));
  for (int i = 0; i < o.conns; ++i) {
    Conn& c = conns[static_cast<size_t>(i)];
    c.id = i;
    c.stored.assign(static_cast<size_t>(o.keys), -1);
    c.fd = Connect(o.port);
    if (c.fd < 0) {
      std::printf("{\"ops\": 0, \"error\": \"connect to 127.0.0.1:%d: %s\"}\n", o.port, std::strerror(errno));
      return 1;
    }
    NextRequest(c, o);
  }
  long ops = 0;
  std::string error;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  std::vector<pollfd> pfds(conns.size());
  while (error.empty() && Clock::now() < end) {
    for (size_t i = 0; i < conns.size(); ++i)
      pfds[i] = {conns[i].fd, static_cast<short>(conns[i].out.empty() ? POLLIN : POLLOUT), 0};
    const int r = poll(pfds.data(), pfds.size(), 1000);
    if (r < 0 && errno != EINTR) { error = "poll: " + std::string(std::strerror(errno)); break; }
    for (size_t i = 0; i < conns.size() && error.empty(); ++i) {
      Conn& c = conns[i];
      if (pfds[i].revents & POLLOUT) {
        const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN && errno != EINTR) error = "send: " + std::string(std::strerror(errno));
        else if (n > 0) c.out.erase(0, static_cast<size_t>(n));
      } else if (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        if (ReadReply(c, &error) && c.in.size() == c.expect.size()) {
          ++ops;
          NextRequest(c, o);
        }
      }
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  for (Conn& c : conns) close(c.fd);
  std::printf("{\"ops\": %ld, \"seconds\": %.3f, \"ops_per_s\": %.1f, \"conns\": %d, \"value_size\": %d, "
              "\"error\": \"%s\"}\n", ops, secs, ops / secs, o.conns, o.value_size, JsonEscape(error).c_str());
  return error.empty() && ops > 0 ? 0 : 1;
}
