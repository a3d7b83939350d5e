// TLS bufferevents: data both ways, transfers larger than a TLS record
// (16 KiB of plaintext) and than the watermarks, read and write watermarks
// and timeouts, during and after the handshake.
#include <algorithm>

#include "tls_fixture.h"

namespace evc {
namespace {

// The most plaintext one TLS record carries (RFC 8446 5.1, RFC 5246 6.2.1).
constexpr size_t kMaxRecord = 16384;

using TlsIo = TlsTransportTest;
EVC_TLS_TRANSPORTS(TlsIo);

TEST_P(TlsIo, TransfersLargerThanARecordArriveIntactBothWays) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_filter_new/large-transfer",
           "bufferevent_ssl.h: an SSL bufferevent sends its data over its socket or underlying "
           "bufferevent: 1 MiB each way, many TLS records, arrives intact and in order");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  EXPECT_TRUE(Transfer(0, Pattern(1 << 20, 1)));
  EXPECT_TRUE(Transfer(1, Pattern(1 << 20, 2)));
}

TEST_P(TlsIo, ManySmallWritesArriveInOrder) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/small-writes",
           "bufferevent_ssl.h: 500 writes of 1 to 100 bytes on an SSL bufferevent arrive as one "
           "stream, in order, whatever records they were sent in");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  std::string all;
  for (size_t i = 0; i < 500; ++i) {
    const std::string piece = Pattern(1 + i % 100, i);
    ASSERT_EQ(bufferevent_write(end_[1].bev, piece.data(), piece.size()), 0);
    all += piece;
  }
  Collect(0);
  ASSERT_TRUE(RunUntil([&] { return end_[0].got.size() >= all.size(); }));
  EXPECT_TRUE(end_[0].got == all);
}

TEST_P(TlsIo, ReadCallbackWaitsForTheLowWatermark) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/read-low-watermark",
           "bufferevent.h: a bufferevent does not invoke the user read callback unless there is "
           "at least low watermark data in the buffer: so on an SSL bufferevent whose watermark "
           "was set before the handshake, with the data sent in 100-byte writes");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  const size_t low = 3000;
  bufferevent_setwatermark(end_[1].bev, EV_READ, low, 0);
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  const std::string data = Pattern(30000);
  for (size_t at = 0; at < data.size(); at += 100) bufferevent_write(end_[0].bev, data.data() + at, 100);
  Collect(1);
  // The last bytes may stay under the watermark, unread by the callback.
  evbuffer* in = bufferevent_get_input(end_[1].bev);
  ASSERT_TRUE(RunUntil([&] { return end_[1].got.size() + evbuffer_get_length(in) >= data.size(); }));
  TakeAll(in, end_[1].got);
  EXPECT_TRUE(end_[1].got == data);
  for (size_t n : end_[1].log.input_at_read) EXPECT_GE(n, low);
}

TEST_P(TlsIo, ReadingStopsNearTheHighWatermark) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/read-high-watermark",
           "bufferevent.h: if the read buffer is beyond the high watermark, the bufferevent stops "
           "reading (an SSL bufferevent may overrun it, the header warns: by less than the one "
           "TLS record it had to decrypt, 16 KiB); the rest arrives once the input is drained");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  const size_t high = 5000;
  bufferevent_setwatermark(end_[1].bev, EV_READ, 0, high);
  const std::string data = Pattern(256 * 1024);
  ASSERT_EQ(bufferevent_write(end_[0].bev, data.data(), data.size()), 0);
  // The read callback drains only what reached the high watermark, so
  // reading must stop there each time.
  std::string got;
  end_[1].log.on_read = [&](bufferevent* b) {
    if (evbuffer_get_length(bufferevent_get_input(b)) >= high) TakeAll(bufferevent_get_input(b), got);
  };
  auto total = [&] { return got.size() + evbuffer_get_length(bufferevent_get_input(end_[1].bev)); };
  ASSERT_TRUE(RunUntil([&] { return total() >= data.size(); })) << total() << " of " << data.size();
  TakeAll(bufferevent_get_input(end_[1].bev), got);
  EXPECT_TRUE(got == data) << got.size() << " bytes, " << data.size() << " sent; first difference at "
                           << std::mismatch(got.begin(), got.end(), data.begin(), data.end()).first - got.begin();
  size_t most = 0;
  for (size_t n : end_[1].log.input_at_read) most = std::max(most, n);
  EXPECT_LT(most, high + kMaxRecord);
}

TEST_P(TlsIo, WriteCallbackRunsWhenOutputFallsToTheLowWatermark) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/write-low-watermark",
           "bufferevent.h: the user write callback is invoked whenever the buffered data falls "
           "below the low watermark: on an SSL bufferevent sending 512 KiB, every call sees at "
           "most that many bytes still in the output, and the last sees it empty");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  const size_t low = 20000;
  bufferevent_setwatermark(end_[0].bev, EV_WRITE, low, 0);
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  end_[0].log.output_at_write.clear();
  Collect(1);
  const std::string data = Pattern(512 * 1024);
  ASSERT_EQ(bufferevent_write(end_[0].bev, data.data(), data.size()), 0);
  ASSERT_TRUE(RunUntil([&] { return end_[1].got.size() >= data.size(); }, 10000));
  RunUntil([&] { return !end_[0].log.output_at_write.empty() && end_[0].log.output_at_write.back() == 0; }, 1000);
  ASSERT_FALSE(end_[0].log.output_at_write.empty());
  for (size_t n : end_[0].log.output_at_write) EXPECT_LE(n, low);
  EXPECT_EQ(end_[0].log.output_at_write.back(), 0u);
}

TEST_P(TlsIo, ReadTimeoutAfterTheHandshakeFiresOnceAndDisablesReading) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/read-timeout",
           "bufferevent.h: if the read timeout elapses, EV_READ becomes disabled until re-enabled "
           "and the event callback is told BEV_EVENT_TIMEOUT|BEV_EVENT_READING: on an SSL "
           "bufferevent whose peer is silent after the handshake, once in 300 ms with 50 ms");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  RunFor(20);  // the TLS 1.3 session tickets, if any, are read
  end_[1].log.events.clear();
  const timeval t = Ms(50);
  ASSERT_EQ(bufferevent_set_timeouts(end_[1].bev, &t, nullptr), 0);
  RunFor(300);
  EXPECT_EQ(end_[1].log.events, std::vector<short>{BEV_EVENT_TIMEOUT | BEV_EVENT_READING});
  EXPECT_FALSE(bufferevent_get_enabled(end_[1].bev) & EV_READ);
}

TEST_P(TlsIo, ReadingAgainAfterATimeoutGetsTheData) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/read-after-timeout",
           "bufferevent.h: a timed-out direction stays disabled 'until you re-enable it': on an "
           "SSL bufferevent, after bufferevent_enable(EV_READ) the data sent meanwhile arrives");
  ASSERT_NO_FATAL_FAILURE(NewEnds(GetParam()));
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  const timeval t = Ms(30);
  ASSERT_EQ(bufferevent_set_timeouts(end_[1].bev, &t, nullptr), 0);
  ASSERT_TRUE(RunUntil([this] { return HasEvent(end_[1].log, BEV_EVENT_TIMEOUT); }, 2000));
  ASSERT_EQ(bufferevent_set_timeouts(end_[1].bev, nullptr, nullptr), 0);
  ASSERT_EQ(bufferevent_enable(end_[1].bev, EV_READ), 0);
  EXPECT_TRUE(Transfer(0, "late data"));
}

TEST_P(TlsIo, ReadTimeoutDuringTheHandshakeIsReportedAsReading) {
  EVC_RULE("bufferevent_ssl.h/BUFFEREVENT_SSL_ACCEPTING/read-timeout",
           "bufferevent.h: a read timeout is reported as BEV_EVENT_TIMEOUT|BEV_EVENT_READING and "
           "disables EV_READ: so while an accepting SSL bufferevent waits for a client hello that "
           "never comes, once in 300 ms with a 50 ms timeout");
  ASSERT_NO_FATAL_FAILURE(TcpPair());
  ASSERT_NE(NewEnd(1, GetParam(), BUFFEREVENT_SSL_ACCEPTING), nullptr);
  const timeval t = Ms(50);
  ASSERT_EQ(bufferevent_set_timeouts(end_[1].bev, &t, nullptr), 0);
  ASSERT_EQ(bufferevent_enable(end_[1].bev, EV_READ | EV_WRITE), 0);
  RunFor(300);
  EXPECT_EQ(end_[1].log.events, std::vector<short>{BEV_EVENT_TIMEOUT | BEV_EVENT_READING});
  EXPECT_FALSE(bufferevent_get_enabled(end_[1].bev) & EV_READ);
}

// A write timeout needs output that cannot leave: a socket SSL
// bufferevent whose peer stopped reading (small kernel buffers fill fast).
using TlsWriteTimeout = TlsTest;

TEST_F(TlsWriteTimeout, FiresOnceAndDisablesWritingWhenThePeerStopsReading) {
  EVC_RULE("bufferevent_ssl.h/bufferevent_openssl_socket_new/write-timeout",
           "bufferevent.h: if the write timeout elapses, EV_WRITE becomes disabled until "
           "re-enabled and the event callback is told BEV_EVENT_TIMEOUT|BEV_EVENT_WRITING: on a "
           "socket SSL bufferevent whose peer stopped reading, once in 300 ms with 50 ms");
  ASSERT_NO_FATAL_FAILURE(NewEnds(kSocket));
  ASSERT_TRUE(RunUntil([this] { return BothConnected(); }));
  const int small = 4096;
  setsockopt(bufferevent_getfd(end_[0].bev), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  setsockopt(bufferevent_getfd(end_[1].bev), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  ASSERT_EQ(bufferevent_disable(end_[1].bev, EV_READ), 0);
  const std::string data = Pattern(8 << 20);
  ASSERT_EQ(bufferevent_write(end_[0].bev, data.data(), data.size()), 0);
  // Until the socket is full: the output stops shrinking.
  size_t last = SIZE_MAX;
  for (int i = 0; i < 200; ++i) {
    RunFor(10);
    const size_t now = evbuffer_get_length(bufferevent_get_output(end_[0].bev));
    if (now == last) break;
    last = now;
  }
  ASSERT_GT(last, 0u) << "the peer's socket took everything";
  end_[0].log.events.clear();
  const timeval t = Ms(50);
  ASSERT_EQ(bufferevent_set_timeouts(end_[0].bev, nullptr, &t), 0);
  RunFor(300);
  EXPECT_EQ(end_[0].log.events, std::vector<short>{BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING});
  EXPECT_FALSE(bufferevent_get_enabled(end_[0].bev) & EV_WRITE);
}

}  // namespace
}  // namespace evc
