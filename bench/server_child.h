// The server side of a loopback benchmark in a child process of its own
// (so its memory and CPU are its own): the child binds an evconnlistener
// on 127.0.0.1 port 0, reports "port method" on a pipe and serves until
// killed. Used by echo_bench.cc and tls_bench.cc.
#ifndef EVC_BENCH_SERVER_CHILD_H
#define EVC_BENCH_SERVER_CHILD_H

#include <event2/event.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace evc {

// In the child: listens with `on_accept(arg)`, reports, dispatches, exits.
[[noreturn]] inline void ServeOnLoopback(int report, evconnlistener_cb on_accept, void* arg) {
  event_base* base = event_base_new();
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  evconnlistener* lev = evconnlistener_new_bind(base, on_accept, arg, LEV_OPT_CLOSE_ON_FREE, -1,
                                                reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  if (lev == nullptr) _exit(1);
  socklen_t len = sizeof sin;
  getsockname(evconnlistener_get_fd(lev), reinterpret_cast<sockaddr*>(&sin), &len);
  const std::string line = std::to_string(ntohs(sin.sin_port)) + " " + event_base_get_method(base) + "\n";
  if (write(report, line.data(), line.size()) < 0) _exit(1);
  close(report);
  event_base_dispatch(base);
  _exit(0);
}

struct ServerChild {
  pid_t pid = -1;
  int port = 0;
  char method[64] = {};

  // Forks the server; false (nothing left running) when it did not report.
  bool Start(evconnlistener_cb on_accept, void* arg) {
    int rep[2];
    if (pipe(rep) != 0) return false;
    pid = fork();
    if (pid == 0) {
      close(rep[0]);
      ServeOnLoopback(rep[1], on_accept, arg);
    }
    close(rep[1]);
    char line[128] = {};
    const ssize_t n = pid > 0 ? read(rep[0], line, sizeof line - 1) : -1;
    close(rep[0]);
    if (n > 0 && std::sscanf(line, "%d %63s", &port, method) == 2) return true;
    Stop();
    return false;
  }

  // Kills and reaps the server; `usage` (if given) gets its CPU times.
  void Stop(rusage* usage = nullptr) {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    rusage ru{};
    wait4(pid, nullptr, 0, &ru);
    if (usage != nullptr) *usage = ru;
    pid = -1;
  }
};

}  // namespace evc

#endif  // EVC_BENCH_SERVER_CHILD_H
