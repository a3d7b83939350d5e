// Paired bufferevents (bufferevent_pair_new): two bufferevents that "behave
// as would two bufferevent_sock instances connected to opposite ends of a
// socketpair()" (bufferevent.h) -- partners, data both ways, callbacks from
// the loop, watermarks and enabling across the pair, and flush
// (pair_life_test.cc: free, references, timeouts and bad input).
#include <tuple>

#include "pair_fixture.h"

namespace evc {
namespace {

// --------------------------------------------------------------- partners

TEST_F(BufferEventPair, EachEndIsTheOthersPartner) {
  EVC_RULE("bufferevent.h/bufferevent_pair_get_partner/each-other",
           "bufferevent.h: bufferevent_pair_new fills pair[0] and pair[1] and returns 0; "
           "bufferevent_pair_get_partner of either returns the other one");
  NewPair();
  ASSERT_NE(end_[0], end_[1]);
  EXPECT_EQ(bufferevent_pair_get_partner(end_[0]), end_[1]);
  EXPECT_EQ(bufferevent_pair_get_partner(end_[1]), end_[0]);
}

TEST_F(BufferEventPair, ASocketBuffereventHasNoPartner) {
  EVC_RULE("bufferevent.h/bufferevent_pair_get_partner/not-a-pair",
           "bufferevent.h: bufferevent_pair_get_partner takes 'one bufferevent returned by "
           "bufferevent_pair_new()'; for a socket bufferevent libevent 2.1.12 returns NULL");
  bufferevent* sock = bufferevent_socket_new(base_, -1, 0);
  ASSERT_NE(sock, nullptr);
  EXPECT_EQ(bufferevent_pair_get_partner(sock), nullptr);
  bufferevent_free(sock);
}

TEST_F(BufferEventPair, AnEndHasNoSocketNorUnderlyingAndTheGivenBase) {
  EVC_RULE("bufferevent.h/bufferevent_pair_new/no-fd",
           "bufferevent.h: 'no internal socketpair is allocated': bufferevent_getfd of a pair end "
           "is -1, bufferevent_get_underlying is NULL, bufferevent_get_base is the base given, "
           "and like any new bufferevent only EV_WRITE is enabled");
  NewPair();
  for (bufferevent* b : end_) {
    EXPECT_EQ(bufferevent_getfd(b), -1);
    EXPECT_EQ(bufferevent_get_underlying(b), nullptr);
    EXPECT_EQ(bufferevent_get_base(b), base_);
    EXPECT_EQ(bufferevent_get_enabled(b), EV_WRITE);
  }
}

// --------------------------------------------------------------- data

class BufferEventPairOptions : public BufferEventPair, public ::testing::WithParamInterface<int> {};

TEST_P(BufferEventPairOptions, CallbacksRunFromTheLoopNotInsideTheWrite) {
  EVC_RULE("bufferevent.h/bufferevent_pair_new/callbacks-from-loop",
           "bufferevent.h: pair ends behave as socket bufferevents on a socketpair, whose "
           "callbacks run from the event loop: with or without BEV_OPT_DEFER_CALLBACKS "
           "(libevent 2.1.12 forces it on pairs), no callback runs inside bufferevent_write; the "
           "loop then calls the reader's read callback and the writer's write callback");
  NewPair(GetParam());
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  ASSERT_EQ(bufferevent_write(end_[0], "hello", 5), 0);
  EXPECT_EQ(log_[1].reads, 0);
  EXPECT_EQ(log_[0].writes, 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(log_[1].reads, 1);
  EXPECT_EQ(log_[0].writes, 1);
  EXPECT_EQ(Drain(bufferevent_get_input(end_[1])), "hello");
  EXPECT_EQ(log_[0].reads + log_[1].writes, 0);
}

TEST_P(BufferEventPairOptions, DataGoesBothWays) {
  EVC_RULE("bufferevent.h/bufferevent_pair_new/both-ways",
           "bufferevent.h: what one end writes arrives in the input of the other, in both "
           "directions, as on a socketpair");
  NewPair(GetParam());
  for (bufferevent* b : end_) ASSERT_EQ(bufferevent_enable(b, EV_READ), 0);
  ASSERT_EQ(bufferevent_write(end_[0], "ping", 4), 0);
  ASSERT_EQ(bufferevent_write(end_[1], "pong!", 5), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(Drain(bufferevent_get_input(end_[1])), "ping");
  EXPECT_EQ(Drain(bufferevent_get_input(end_[0])), "pong!");
  EXPECT_EQ(Out(0) + Out(1), 0u);
}

TEST_P(BufferEventPairOptions, EchoFromTheReadCallbackReturnsEverything) {
  EVC_RULE("bufferevent.h/bufferevent_pair_new/echo-in-read-cb",
           "bufferevent.h: writing from inside the read callback is allowed; an end that echoes "
           "what it reads sends all of it back to its partner");
  NewPair(GetParam());
  for (bufferevent* b : end_) ASSERT_EQ(bufferevent_enable(b, EV_READ), 0);
  log_[1].on_read = [](bufferevent* b) { bufferevent_write_buffer(b, bufferevent_get_input(b)); };
  std::string sent, got;
  log_[0].on_read = [&got](bufferevent* b) { got += Drain(bufferevent_get_input(b)); };
  for (size_t i = 0; i < 100000; ++i) sent += PatternByte(i);
  ASSERT_EQ(bufferevent_write(end_[0], sent.data(), sent.size()), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(got, sent);
}

INSTANTIATE_TEST_SUITE_P(Options, BufferEventPairOptions, ::testing::Values(0, int{BEV_OPT_DEFER_CALLBACKS}),
                         [](const ::testing::TestParamInfo<int>& i) { return i.param ? "Deferred" : "Plain"; });

TEST_F(BufferEventPair, SeveralMegabytesArriveIntactThroughASmallWindow) {
  EVC_RULE("bufferevent.h/bufferevent_pair_new/large-transfer",
           "bufferevent.h: 8 MB written in 64 KB pieces from the write callback, read by a "
           "partner whose read high watermark is 64 KB, arrive complete and in order");
  NewPair();
  const size_t total = 8u << 20, piece = 64u << 10;
  bufferevent_setwatermark(end_[1], EV_READ, 0, piece);
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  size_t sent = 0, got = 0, bad = 0;
  log_[0].on_write = [&](bufferevent* b) {
    std::string s;
    for (; s.size() < piece && sent < total; ++sent) s += PatternByte(sent);
    if (!s.empty()) bufferevent_write(b, s.data(), s.size());
  };
  log_[1].on_read = [&](bufferevent* b) {
    for (char c : Drain(bufferevent_get_input(b))) bad += c != PatternByte(got++);
  };
  log_[0].on_write(end_[0]);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(got, total);
  EXPECT_EQ(bad, 0u);
  EXPECT_GE(log_[1].reads, static_cast<int>(total / piece));
}

// --------------------------------------------------------------- watermarks

TEST_F(BufferEventPair, ReadHighWatermarkStopsTheTransferUntilDrained) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/pair-read-high",
           "bufferevent.h: reading stops while the input is at its high watermark: the rest "
           "stays in the partner's output; draining the input resumes the transfer");
  NewPair();
  bufferevent_setcb(end_[1], nullptr, nullptr, nullptr, nullptr);
  bufferevent_setwatermark(end_[1], EV_READ, 0, 1000);
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  const std::string data(5000, 'h');
  ASSERT_EQ(bufferevent_write(end_[0], data.data(), data.size()), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_GT(In(1), 0u);
  EXPECT_LE(In(1), 1000u);
  EXPECT_EQ(In(1) + Out(0), 5000u);
  size_t got = 0;
  for (int i = 0; i < 100 && got < 5000; ++i) {
    got += Drain(bufferevent_get_input(end_[1])).size();
    Run();
    EXPECT_LE(In(1), 1000u);
  }
  EXPECT_EQ(got, 5000u);
  EXPECT_EQ(Out(0), 0u);
}

TEST_F(BufferEventPair, ReadCallbackDrainingAtTheHighWatermarkGetsEverything) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/pair-read-high-cb",
           "bufferevent.h: with a read high watermark the read callback never sees more than it "
           "in the input; a callback that drains the input gets all the partner wrote");
  NewPair();
  bufferevent_setwatermark(end_[1], EV_READ, 0, 1000);
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  size_t got = 0;
  log_[1].on_read = [&got](bufferevent* b) { got += Drain(bufferevent_get_input(b)).size(); };
  const std::string data(10000, 'd');
  ASSERT_EQ(bufferevent_write(end_[0], data.data(), data.size()), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(got, 10000u);
  EXPECT_GE(log_[1].reads, 10);
  for (size_t n : log_[1].input_at_read) EXPECT_LE(n, 1000u);
}

TEST_F(BufferEventPair, WriteLowWatermarkGatesTheWritersCallback) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/pair-write-low",
           "bufferevent.h: the write callback runs when the output drains to the write low "
           "watermark or below; a pair end's output drains as the partner reads");
  NewPair();
  bufferevent_setwatermark(end_[0], EV_WRITE, 100, 0);
  bufferevent_setwatermark(end_[1], EV_READ, 0, 1000);
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  log_[1].on_read = [](bufferevent* b) { Drain(bufferevent_get_input(b)); };
  const std::string data(3000, 'w');
  ASSERT_EQ(bufferevent_write(end_[0], data.data(), data.size()), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_GE(log_[0].writes, 1);
  for (size_t n : log_[0].output_at_write) EXPECT_LE(n, 100u);
  EXPECT_EQ(Out(0), 0u);
}

TEST_F(BufferEventPair, ReadLowWatermarkHoldsTheReadCallbackBack) {
  EVC_RULE("bufferevent.h/bufferevent_setwatermark/pair-read-low",
           "bufferevent.h: the read callback is not invoked until the input holds at least the "
           "read low watermark");
  NewPair();
  bufferevent_setwatermark(end_[1], EV_READ, 10, 0);
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  ASSERT_EQ(bufferevent_write(end_[0], "1234", 4), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(log_[1].reads, 0);
  EXPECT_EQ(In(1), 4u);
  ASSERT_EQ(bufferevent_write(end_[0], "567890", 6), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(log_[1].input_at_read, (std::vector<size_t>{10}));
}

// --------------------------------------------------------------- enable

TEST_F(BufferEventPair, DataWaitsInTheWriterUntilTheReaderEnablesRead) {
  EVC_RULE("bufferevent.h/bufferevent_enable/pair-reader",
           "bufferevent.h: a bufferevent does not read while EV_READ is disabled: what its "
           "partner writes stays in the partner's output and moves once EV_READ is enabled");
  NewPair();
  ASSERT_EQ(bufferevent_write(end_[0], "wait", 4), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(Out(0), 4u);
  EXPECT_EQ(In(1), 0u);
  EXPECT_EQ(log_[1].reads, 0);
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(Out(0), 0u);
  EXPECT_EQ(log_[1].reads, 1);
  EXPECT_EQ(Drain(bufferevent_get_input(end_[1])), "wait");
  ASSERT_EQ(bufferevent_disable(end_[1], EV_READ), 0);
  ASSERT_EQ(bufferevent_write(end_[0], "more", 4), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(Out(0), 4u);
}

TEST_F(BufferEventPair, DataWaitsInTheWriterWhileItDisablesWrite) {
  EVC_RULE("bufferevent.h/bufferevent_disable/pair-writer",
           "bufferevent.h: a bufferevent does not write while EV_WRITE is disabled: its output "
           "keeps the data, which moves to the partner once EV_WRITE is enabled again");
  NewPair();
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  ASSERT_EQ(bufferevent_disable(end_[0], EV_WRITE), 0);
  ASSERT_EQ(bufferevent_write(end_[0], "held", 4), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(Out(0), 4u);
  EXPECT_EQ(log_[1].reads, 0);
  EXPECT_EQ(log_[0].writes, 0);
  ASSERT_EQ(bufferevent_enable(end_[0], EV_WRITE), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(Drain(bufferevent_get_input(end_[1])), "held");
  EXPECT_EQ(log_[1].reads, 1);
  EXPECT_EQ(log_[0].writes, 1);
}

// --------------------------------------------------------------- flush

TEST_F(BufferEventPair, FinishedWriteFlushGivesThePartnerEofAfterTheData) {
  EVC_RULE("bufferevent.h/bufferevent_flush/pair-finished-write",
           "bufferevent.h: BEV_FINISHED means 'done sending data'; observed libevent 2.1.12: "
           "bufferevent_flush(end, EV_WRITE, BEV_FINISHED) returns 0, and the partner gets the "
           "data, then one BEV_EVENT_EOF|BEV_EVENT_READING, from the loop");
  NewPair();
  ASSERT_EQ(bufferevent_enable(end_[1], EV_READ), 0);
  ASSERT_EQ(bufferevent_write(end_[0], "last", 4), 0);
  int reads_before_eof = -1;
  log_[1].on_event = [&](bufferevent*, short) { reads_before_eof = log_[1].reads; };
  EXPECT_EQ(bufferevent_flush(end_[0], EV_WRITE, BEV_FINISHED), 0);
  EXPECT_TRUE(log_[1].events.empty()) << "not inside the call";
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(log_[1].events, (std::vector<short>{BEV_EVENT_EOF | BEV_EVENT_READING}));
  EXPECT_EQ(reads_before_eof, 1);
  EXPECT_EQ(Drain(bufferevent_get_input(end_[1])), "last");
  EXPECT_TRUE(log_[0].events.empty());
}

class BufferEventPairFinished : public BufferEventPair,
                                public ::testing::WithParamInterface<std::tuple<short, short>> {};

TEST_P(BufferEventPairFinished, PartnerEofSaysWhichDirectionEnded) {
  EVC_RULE("bufferevent.h/bufferevent_flush/pair-finished-flags",
           "observed libevent 2.1.12 (be_pair_flush): BEV_FINISHED on one end reports "
           "BEV_EVENT_EOF to the partner, with BEV_EVENT_READING for EV_WRITE (the partner can "
           "read no more) and BEV_EVENT_WRITING for EV_READ (it can write no more)");
  NewPair();
  EXPECT_EQ(bufferevent_flush(end_[0], std::get<0>(GetParam()), BEV_FINISHED), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(log_[1].events, (std::vector<short>{static_cast<short>(BEV_EVENT_EOF | std::get<1>(GetParam()))}));
  EXPECT_TRUE(log_[0].events.empty());
}

INSTANTIATE_TEST_SUITE_P(Directions, BufferEventPairFinished,
                         ::testing::Values(std::make_tuple(short{EV_WRITE}, short{BEV_EVENT_READING}),
                                           std::make_tuple(short{EV_READ}, short{BEV_EVENT_WRITING}),
                                           std::make_tuple(short{EV_READ | EV_WRITE},
                                                           short{BEV_EVENT_READING | BEV_EVENT_WRITING})),
                         [](const ::testing::TestParamInfo<std::tuple<short, short>>& i) {
                           const short io = std::get<0>(i.param);
                           return io == EV_WRITE ? "Write" : io == EV_READ ? "Read" : "Both";
                         });

TEST_F(BufferEventPair, NormalFlushDoesNothing) {
  EVC_RULE("bufferevent.h/bufferevent_flush/pair-normal",
           "bufferevent.h: bufferevent_flush returns 0 'if no data was produced'; observed "
           "libevent 2.1.12: BEV_NORMAL on a pair end moves nothing and reports nothing");
  NewPair();
  ASSERT_EQ(bufferevent_write(end_[0], "stay", 4), 0);
  EXPECT_EQ(bufferevent_flush(end_[0], EV_READ | EV_WRITE, BEV_NORMAL), 0);
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(Out(0), 4u);
  EXPECT_EQ(In(1), 0u);
  EXPECT_TRUE(log_[1].events.empty());
}

TEST_F(BufferEventPair, FlushHandsOverWhatThePartnerHasNotTaken) {
  EVC_RULE("bufferevent.h/bufferevent_flush/pair-flush",
           "bufferevent.h: BEV_FLUSH means 'checkpoint all data sent'; observed libevent 2.1.12: "
           "it moves a pair end's output to its partner's input even while the partner does not "
           "read, and reports no event; the return value is 0 (libevent) or 1 (data produced)");
  NewPair();
  ASSERT_EQ(bufferevent_write(end_[0], "flushed", 7), 0);
  const int r = bufferevent_flush(end_[0], EV_WRITE, BEV_FLUSH);
  EXPECT_TRUE(r == 0 || r == 1) << r;
  EXPECT_EQ(Out(0), 0u);
  EXPECT_EQ(Drain(bufferevent_get_input(end_[1])), "flushed");
  EXPECT_EQ(Run(), 1);
  EXPECT_TRUE(log_[1].events.empty());
}

}  // namespace
}  // namespace evc
