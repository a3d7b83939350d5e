// The seed programs end to end: the book's echo server and the hello-world
// server, built as ordinary libevent programs against this implementation
// (conformance/programs/*.c), run as child processes and checked by real
// clients on 127.0.0.1. They inherit the environment, so a backend column
// runs them on that backend.
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "evc_net.h"
#include "evc_test.h"
#include "tls_certs.h"

namespace evc {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A program under test: started with its stdout on a pipe; killed if still
// running when the test ends.
class Program {
 public:
  explicit Program(const std::string& name, const std::vector<std::string>& args = {}) {
    path_ = std::string(EVC_PROGRAM_DIR) + "/" + name + "_" + EVC_IMPL_NAME;
    int out[2];
    if (access(path_.c_str(), X_OK) != 0 || pipe2(out, O_CLOEXEC) != 0) return;
    std::vector<char*> argv{const_cast<char*>(path_.c_str())};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      execv(path_.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
  }
  ~Program() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  bool started() const { return pid_ > 0; }
  const std::string& path() const { return path_; }
  pid_t pid() const { return pid_; }

  // Reads stdout until `needle` appears or the deadline passes.
  bool WaitFor(const std::string& needle, double seconds) {
    const auto start = Clock::now();
    while (text_.find(needle) == std::string::npos) {
      const double left = seconds - SecondsSince(start);
      if (left <= 0) return false;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left * 1000) + 1) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) return text_.find(needle) != std::string::npos;
      text_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  int Port() {
    if (!WaitFor("\n", 10)) return -1;
    return text_.rfind("port ", 0) == 0 ? std::stoi(text_.substr(5)) : -1;
  }
  // Waits for the exit (bounded); returns the wait status or -1.
  int Wait(double seconds) {
    const auto start = Clock::now();
    int status = 0;
    while (SecondsSince(start) < seconds) {
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return status;
      }
      pollfd p{out_, POLLIN, 0};  // wait on its output meanwhile (bounded)
      if (poll(&p, 1, 20) > 0) WaitFor("\x01", 0.001);
    }
    return -1;
  }
  const std::string& output() const { return text_; }
  int OpenFds() const { return static_cast<int>(evc::OpenFds(pid_).size()); }

 private:
  std::string path_;
  pid_t pid_ = -1;
  int out_ = -1;
  std::string text_;
};

std::string ReadToEof(int fd, double seconds) {
  std::string out;
  const auto start = Clock::now();
  char buf[4096];
  while (SecondsSince(start) < seconds) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// One client's traffic: sends `data`, reads back as much.
struct Session {
  int fd = -1;
  std::string data, got;
  size_t sent = 0;
};

// Drives every session with poll until each got its bytes back or the
// deadline passes. Returns false on a socket error.
bool Pump(std::vector<Session>& ss, double seconds) {
  const auto start = Clock::now();
  for (;;) {
    std::vector<pollfd> ps;
    for (auto& s : ss) {
      short ev = 0;
      if (s.got.size() < s.data.size()) ev |= POLLIN;
      if (s.sent < s.data.size()) ev |= POLLOUT;
      if (ev) ps.push_back(pollfd{s.fd, ev, 0});
    }
    if (ps.empty()) return true;
    if (SecondsSince(start) > seconds) return false;
    if (poll(ps.data(), ps.size(), 100) < 0) return false;
    size_t k = 0;
    for (auto& s : ss) {
      if (k == ps.size() || ps[k].fd != s.fd) continue;
      const pollfd& p = ps[k++];
      if (p.revents & POLLOUT) {
        const size_t chunk = std::min<size_t>(16384, s.data.size() - s.sent);
        const ssize_t n = send(s.fd, s.data.data() + s.sent, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) s.sent += static_cast<size_t>(n);
      }
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[65536];
        const ssize_t n = recv(s.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN)) return false;
        if (n > 0) s.got.append(buf, static_cast<size_t>(n));
      }
    }
  }
}

TEST(EchoServer, EchoesEveryByteOnManyConcurrentConnections) {
  EVC_RULE("programs/echo_server/concurrent-echo",
           "seed 001 (libevent book, echo server): every byte sent on each of 32 concurrent "
           "connections (256 KiB each) comes back, in order");
  Program server("echo_server");
  ASSERT_TRUE(server.started()) << "program not built: " << server.path();
  const int port = server.Port();
  ASSERT_GT(port, 0) << server.output();
  std::vector<Session> ss(32);
  for (size_t i = 0; i < ss.size(); ++i) {
    ss[i].fd = ConnectLoopback(static_cast<uint16_t>(port));
    ASSERT_GE(ss[i].fd, 0);
    ss[i].data.resize(256 * 1024);
    for (size_t j = 0; j < ss[i].data.size(); ++j)
      ss[i].data[j] = static_cast<char>('a' + (i * 7 + j * 13) % 26);
  }
  EXPECT_TRUE(Pump(ss, 30));
  for (auto& s : ss) {
    EXPECT_TRUE(s.got == s.data) << "echoed " << s.got.size() << " of " << s.data.size();
    close(s.fd);
  }
}

TEST(EchoServer, ClosedConnectionsReleaseTheirSockets) {
  EVC_RULE("programs/echo_server/closed-connections-released",
           "seed 001: the event callback frees the bufferevent on EOF (BEV_OPT_CLOSE_ON_FREE), "
           "so closed connections leave no socket open in the server");
  Program server("echo_server");
  ASSERT_TRUE(server.started()) << "program not built: " << server.path();
  const int port = server.Port();
  ASSERT_GT(port, 0) << server.output();
  // A ping answered on a connection that stays open: once it is echoed, the
  // server has been through every event that was ready before it.
  auto ping = [](Session& s) {
    std::vector<Session> one(1);
    one[0].fd = s.fd;
    one[0].data = "ping";
    const bool ok = Pump(one, 10) && one[0].got == "ping";
    return ok;
  };
  Session a, b;
  a.fd = ConnectLoopback(static_cast<uint16_t>(port));
  ASSERT_GE(a.fd, 0);
  ASSERT_TRUE(ping(a));
  const int baseline = server.OpenFds();  // listener, base, a's socket, ...
  std::vector<Session> ss(10);
  for (auto& s : ss) {
    s.fd = ConnectLoopback(static_cast<uint16_t>(port));
    s.data = "x";
  }
  ASSERT_TRUE(Pump(ss, 10));
  for (auto& s : ss) close(s.fd);
  b.fd = ConnectLoopback(static_cast<uint16_t>(port));
  ASSERT_GE(b.fd, 0);
  // Several pings: libevent finishes a free on a later loop turn.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ping(b));
  EXPECT_EQ(server.OpenFds(), baseline + 1) << "only b's socket was added";
  close(a.fd);
  close(b.fd);
}

// The seeds' TLS server (tls_echo_server.c), with a certificate chain and
// key the test writes to a temporary folder (made in memory by
// tls_certs.cc, signed by the test CA its client trusts).
class TlsEchoServer : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef EVC_PROGRAM_TLS
    GTEST_SKIP() << "needs:tls: this implementation does not claim bufferevent_ssl.h";
#endif
    char dir[] = "/tmp/evc-tls-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    std::ofstream(dir_ + "/cert.pem") << tls::LeafPem();
    std::ofstream(dir_ + "/key.pem") << tls::LeafKeyPem();
  }
  void TearDown() override {
    if (dir_.empty()) return;
    unlink((dir_ + "/cert.pem").c_str());
    unlink((dir_ + "/key.pem").c_str());
    rmdir(dir_.c_str());
  }
  std::vector<std::string> Args() const { return {dir_ + "/cert.pem", dir_ + "/key.pem"}; }

  // A blocking TLS client connection to the server, verified (the test CA,
  // host name localhost); every wait bounded by a 10 s socket timeout.
  SSL* Connect(int port) {
    const int fd = ConnectLoopback(static_cast<uint16_t>(port));
    if (fd < 0) return nullptr;
    const timeval bound{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);
    SSL* ssl = SSL_new(tls::ClientCtx());
    SSL_set_fd(ssl, fd);
    SSL_set1_host(ssl, "localhost");
    if (SSL_connect(ssl) != 1) {
      Close(ssl);
      return nullptr;
    }
    return ssl;
  }
  static void Close(SSL* ssl) {
    const int fd = SSL_get_fd(ssl);
    SSL_free(ssl);
    close(fd);
  }
  // Sends data and reads as many bytes back.
  static std::string Echo(SSL* ssl, const std::string& data) {
    if (!data.empty() && SSL_write(ssl, data.data(), static_cast<int>(data.size())) != static_cast<int>(data.size()))
      return "(write failed)";
    std::string got;
    char buf[16384];
    while (got.size() < data.size()) {
      const int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
  std::string dir_;
};

TEST_F(TlsEchoServer, EchoesEverySizeOverAVerifiedConnection) {
  EVC_RULE("programs/tls_echo_server/verified-echo",
           "seed 003 (TLS server: SSL_new, bufferevent_openssl_socket_new with "
           "BUFFEREVENT_SSL_ACCEPTING): a TLS client that verifies the server's certificate "
           "completes the handshake, and every message (1 byte to 1 MiB, across TLS records) "
           "comes back intact");
  Program server("tls_echo_server", Args());
  ASSERT_TRUE(server.started()) << "program not built: " << server.path();
  const int port = server.Port();
  ASSERT_GT(port, 0) << server.output();
  SSL* ssl = Connect(port);
  ASSERT_NE(ssl, nullptr) << "handshake failed";
  EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_OK);
  size_t seed = 0;
  for (size_t size : {1u, 100u, 16383u, 16384u, 16385u, 100000u, 1u << 20}) {
    std::string data(size, '\0');
    for (size_t j = 0; j < size; ++j) data[j] = static_cast<char>('a' + (seed + j * 13) % 26);
    ++seed;
    EXPECT_TRUE(Echo(ssl, data) == data) << size << " bytes";
  }
  EXPECT_EQ(SSL_shutdown(ssl) >= 0, true);
  Close(ssl);
  EXPECT_TRUE(server.WaitFor("connection closed\n", 10)) << server.output();
}

TEST_F(TlsEchoServer, CloseNotifyReleasesTheConnection) {
  EVC_RULE("programs/tls_echo_server/close-notify-released",
           "seed 003 with seed 001's event callback: a client's close_notify is BEV_EVENT_EOF, "
           "on which the server frees the bufferevent (BEV_OPT_CLOSE_ON_FREE), so its socket is "
           "closed");
  Program server("tls_echo_server", Args());
  ASSERT_TRUE(server.started()) << "program not built: " << server.path();
  const int port = server.Port();
  ASSERT_GT(port, 0) << server.output();
  SSL* first = Connect(port);
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(Echo(first, "ping"), "ping");
  const int baseline = server.OpenFds();
  SSL* second = Connect(port);
  ASSERT_NE(second, nullptr);
  ASSERT_EQ(Echo(second, "ping"), "ping");
  EXPECT_EQ(server.OpenFds(), baseline + 1);
  ASSERT_GE(SSL_shutdown(second), 0);
  EXPECT_TRUE(server.WaitFor("connection closed\n", 10)) << server.output();
  Close(second);
  ASSERT_EQ(Echo(first, "ping"), "ping");  // the server went through its events
  EXPECT_EQ(server.OpenFds(), baseline);
  Close(first);
}

TEST(HelloWorld, SendsTheMessageThenCloses) {
  EVC_RULE("programs/hello_world/message-then-close",
           "seed 002 (hello-world): each client receives \"Hello, World!\\n\", then the "
           "connection is closed once the answer is flushed");
  Program server("hello_world");
  ASSERT_TRUE(server.started()) << "program not built: " << server.path();
  const int port = server.Port();
  ASSERT_GT(port, 0) << server.output();
  for (int i = 0; i < 3; ++i) {
    const int fd = ConnectLoopback(static_cast<uint16_t>(port));
    ASSERT_GE(fd, 0);
    EXPECT_EQ(ReadToEof(fd, 10), "Hello, World!\n");
    close(fd);
  }
  EXPECT_TRUE(server.WaitFor("flushed answer\nflushed answer\nflushed answer\n", 10))
      << server.output();
}

TEST(HelloWorld, SigintExitsCleanlyAfterTwoSeconds) {
  EVC_RULE("programs/hello_world/sigint-exits-cleanly",
           "seed 002: SIGINT runs the signal event, whose callback asks for loopexit in two "
           "seconds; the program then frees everything and exits 0");
  Program server("hello_world");
  ASSERT_TRUE(server.started()) << "program not built: " << server.path();
  ASSERT_GT(server.Port(), 0) << server.output();
  const auto start = Clock::now();
  ASSERT_EQ(kill(server.pid(), SIGINT), 0);
  const int status = server.Wait(10);
  const double took = SecondsSince(start);
  ASSERT_NE(status, -1) << "still running 10 s after SIGINT";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_GE(took, 1.9);
  EXPECT_LT(took, 6.0);
  server.WaitFor("done\n", 1);
  EXPECT_NE(server.output().find("Caught an interrupt signal"), std::string::npos);
  EXPECT_NE(server.output().find("done\n"), std::string::npos) << server.output();
}

}  // namespace
}  // namespace evc
