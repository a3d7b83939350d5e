// Loopback echo throughput: a child process runs an echo server on the
// implementation under test (evconnlistener + one socket bufferevent per
// connection, evbuffer_add_buffer from input to output, as in the book's
// echo server); the parent, the same plain epoll client for every
// implementation, keeps C connections busy, each sending S-byte messages
// and waiting for the echo, N times. Prints the elapsed time and MiB/s.
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "server_child.h"

namespace {

void echo_read(bufferevent* bev, void*) {
  evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}

void echo_event(bufferevent* bev, short what, void*) {
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev);
}

// Without TCP_NODELAY a ping-pong of partial writes waits on delayed ACKs
// (40 ms a round) and the benchmark would measure the kernel's timers.
void no_delay(int fd) {
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void on_accept(evconnlistener* lev, evutil_socket_t fd, sockaddr*, int, void*) {
  no_delay(fd);
  bufferevent* bev =
      bufferevent_socket_new(evconnlistener_get_base(lev), fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, echo_read, nullptr, echo_event, nullptr);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct Conn {
  int fd;
  size_t sent = 0, got = 0;
  int rounds = 0;
};

// A "Name:   123 kB" field of /proc/<pid>/status, in KiB (-1 if absent).
long ProcStatusKiB(pid_t pid, const char* field) {
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  const size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, field, n) == 0) {
      kib = std::strtol(line + n, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return kib;
}

int usage(const char* why) {
  std::fprintf(stderr, "echo_bench: %s (usage: echo_bench [-c conns] [-s bytes] [-n rounds])\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int conns = 64, size = 16384, rounds = 200, c;
  while ((c = getopt(argc, argv, "c:s:n:")) != -1) {
    const int v = std::atoi(optarg);
    if (c == 'c') conns = v;
    else if (c == 's') size = v;
    else if (c == 'n') rounds = v;
    else return usage("unknown option");
  }
  if (conns < 1 || conns > 4096 || size < 1 || size > (1 << 24) || rounds < 1 || rounds > 1000000)
    return usage("need 1 <= conns <= 4096, 1 <= bytes <= 16 MiB, 1 <= rounds <= 1000000");
  signal(SIGPIPE, SIG_IGN);
  evc::ServerChild server;
  if (!server.Start(on_accept, nullptr)) return usage("the server did not start");
  const pid_t child = server.pid;
  const int port = server.port;
  // The server's resident memory before any connection, to compare with
  // its peak at the end: the memory the connections cost.
  const long rss_before_kib = ProcStatusKiB(child, "VmRSS:");
  const std::string msg(static_cast<size_t>(size), 'e');
  std::vector<char> sink(static_cast<size_t>(size));
  std::vector<Conn> cs(static_cast<size_t>(conns));
  const int ep = epoll_create1(0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(port));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (size_t i = 0; i < cs.size(); ++i) {
    cs[i].fd = socket(AF_INET, SOCK_STREAM, 0);
    no_delay(cs[i].fd);
    if (connect(cs[i].fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0)
      return usage("connect failed");
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
  }
  const auto start = std::chrono::steady_clock::now();
  int done = 0;
  std::vector<epoll_event> evs(static_cast<size_t>(conns));
  // Bounded: stops after 120 s even if bytes went missing.
  while (done < conns &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(120)) {
    const int k = epoll_wait(ep, evs.data(), conns, 1000);
    for (int i = 0; i < k; ++i) {
      Conn& cn = cs[evs[i].data.u64];
      if (cn.rounds == rounds) continue;
      if ((evs[i].events & EPOLLOUT) && cn.sent < msg.size()) {
        const ssize_t w = send(cn.fd, msg.data() + cn.sent, msg.size() - cn.sent, MSG_DONTWAIT);
        if (w > 0) cn.sent += static_cast<size_t>(w);
      }
      if (evs[i].events & EPOLLIN) {
        const ssize_t r = recv(cn.fd, sink.data(), sink.size(), MSG_DONTWAIT);
        if (r > 0) cn.got += static_cast<size_t>(r);
      }
      if (cn.got == msg.size()) {
        cn.sent = cn.got = 0;
        if (++cn.rounds == rounds) {
          ++done;
          epoll_ctl(ep, EPOLL_CTL_DEL, cn.fd, nullptr);
        }
      }
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long peak_kib = ProcStatusKiB(child, "VmHWM:");
  for (Conn& cn : cs) close(cn.fd);
  close(ep);
  server.Stop();
  if (done < conns) {
    std::fprintf(stderr, "echo_bench: only %d of %d connections finished\n", done, conns);
    return 1;
  }
  const double mib = 2.0 * conns * rounds * static_cast<double>(size) / (1 << 20);
  std::printf("{\"bench\": \"echo\", \"method\": \"%s\", \"conns\": %d, \"size\": %d, "
              "\"rounds\": %d, \"elapsed_ms\": %.1f, \"mib_per_s\": %.1f, "
              "\"server_rss_before_kib\": %ld, \"server_peak_kib\": %ld, "
              "\"kib_per_conn\": %.2f}\n",
              server.method, conns, size, rounds, secs * 1e3, mib / secs, rss_before_kib, peak_kib,
              static_cast<double>(peak_kib - rss_before_kib) / conns);
  return 0;
}
