// Stateful property: two evbuffers against the model of the evbuffer
// vocabulary (fuzz/evbuffer_vocab.h), which the evbuffer_ops fuzz targets
// run too. RapidCheck generates command sequences (add, prepend,
// add_reference, add_buffer / prepend_buffer / remove_buffer between the
// two, remove, drain, copyout, copyout_from, pullup, peek, reserve_space +
// commit_space, search, search_range, search_eol and readln for every EOL
// style with generated start pointers, freeze / unfreeze, a callback
// disabled and enabled, add_iovec, add_buffer_reference, add_file_segment
// of a memfd, write_atmost to a pipe); every returned value is compared with what the
// model predicts, and after every command the length, the contents and the
// calls each buffer's callback was told (orig_size, n_added, n_deleted)
// must match the model. The rules modelled are listed in the vocabulary.
//
// Each command here is only generation and precondition: the operation,
// its prediction and its checks are the vocabulary's. The generators are
// biased toward what breaks buffers: "\r", "\n" and "\0" are common bytes,
// and small add_reference pieces (one chain each) are common, so lines and
// CRLF pairs are split across chain boundaries.
#include <event2/buffer.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <string>
#include <vector>

#include "evbuffer_vocab.h"  // fuzz/: the operations and the model
#include "evc_property.h"

namespace evc {
namespace {

using Sut = Bufs<CApi>;

// One vocabulary operation as a RapidCheck command: `make` generates it
// from the model; it may run only where its positions fit the model (a
// shrunk sequence can leave a buffer shorter than when it was generated).
template <class Op, Op (*make)(const Model&)>
struct Cmd final : rc::state::Command<Model, Sut> {
  Op op;
  explicit Cmd(const Model& m) : op(make(m)) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(Fits(op, m)); }
  void apply(Model& m) const override { Apply(op, m); }
  void run(const Model& m, Sut& s) const override {
    Model next = m;
    const Outcome o = Step(op, next, s);
    if (!o.mismatch.empty()) RC_FAIL(o.mismatch);
  }
  void show(std::ostream& os) const override { os << op.show(); }
};

int GenSide() { return *rc::gen::inRange(0, 2); }

size_t GenCount(const Model& m, int w) {  // 0 .. length + 1, ends and middles alike
  return *rc::gen::inRange<size_t>(0, m.side[w].bytes.size() + 2);
}

size_t GenPosition(const Model& m, int w) {  // 0 .. length
  return *rc::gen::inRange<size_t>(0, m.side[w].bytes.size() + 1);
}

long GenLength(const Model& m, int w, size_t from) {  // -1 (all) .. what is left + 1
  return *rc::gen::inRange<long>(-1, static_cast<long>(m.side[w].bytes.size() - from) + 2);
}

// Braced initialisers run in order, so `w` is drawn before what depends on it.
Add GenAdd(const Model&) { return {GenSide(), *GenBytes()}; }

AddReference GenAddReference(const Model&) { return {GenSide(), {*GenBytes()}}; }

// Several small pieces, each a chain: the boundaries between them fall
// between a CR and an LF as often as anywhere else.
AddReference GenAddPieces(const Model&) {
  return {GenSide(), *rc::gen::container<std::vector<std::string>>(static_cast<size_t>(*rc::gen::inRange(2, 5)),
                                                                    GenPiece())};
}

Prepend GenPrepend(const Model&) { return {GenSide(), *GenBytes()}; }

MoveAll GenMoveAll(const Model&) { return {GenSide(), *rc::gen::arbitrary<bool>()}; }

RemoveBuffer GenRemoveBuffer(const Model& m) {
  const int w = GenSide();
  return {w, GenCount(m, w)};
}

Drain GenDrain(const Model& m) {
  const int w = GenSide();
  return {w, GenCount(m, w)};
}

CopyOut GenCopyOut(const Model& m) {
  const int w = GenSide();
  const size_t n = GenCount(m, w);
  const size_t from = GenPosition(m, w);
  return {w, static_cast<CopyOut::Kind>(*rc::gen::inRange(0, 3)), from, n};
}

Pullup GenPullup(const Model& m) {
  const int w = GenSide();
  return {w, GenLength(m, w, 0)};
}

Peek GenPeek(const Model& m) {
  const int w = GenSide();
  const size_t from = GenPosition(m, w);
  return {w, from, *rc::gen::inRange<long>(-1, static_cast<long>(m.side[w].bytes.size()) + 2)};
}

// The property runs on libevent too: the known abort is always avoided.
ReserveCommit GenReserveCommit(const Model&) {
  const int w = GenSide();
  std::string data = *GenBytes();
  return ReserveCommit::Make(w, std::move(data), *rc::gen::inRange(1, 4), VocabOptions{true});
}

Search GenSearch(const Model& m) {
  const int w = GenSide();
  std::string pat = *rc::gen::container<std::string>(*rc::gen::inRange(1, 4), GenByte());
  const size_t from = GenPosition(m, w);
  const size_t end = *rc::gen::inRange<size_t>(from, m.side[w].bytes.size() + 1);
  return {w, std::move(pat), from, end, *rc::gen::arbitrary<bool>()};
}

SearchEol GenSearchEol(const Model& m) {
  const int w = GenSide();
  const int style = *rc::gen::inRange(0, 5);
  return {w, style, GenPosition(m, w)};
}

Readln GenReadln(const Model&) { return {GenSide(), *rc::gen::inRange(0, 5)}; }

Freeze GenFreeze(const Model&) { return {GenSide(), *rc::gen::arbitrary<bool>(), *rc::gen::arbitrary<bool>()}; }

EnableCb GenEnableCb(const Model&) { return {GenSide(), *rc::gen::arbitrary<bool>()}; }

AddIovec GenAddIovec(const Model&) {
  return {GenSide(), *rc::gen::container<std::vector<std::string>>(static_cast<size_t>(*rc::gen::inRange(0, 5)),
                                                                    GenPiece())};
}

AddBufferReference GenAddBufferReference(const Model&) { return {GenSide()}; }

AddSegment GenAddSegment(const Model&) {
  const size_t offset = *rc::gen::inRange<size_t>(0, FileBytes().size());
  const size_t length = *rc::gen::inRange<size_t>(1, std::min<size_t>(FileBytes().size() - offset, 300) + 1);
  return {GenSide(), *rc::gen::inRange(0, 2), offset, length};
}

WriteAtmost GenWriteAtmost(const Model&) { return {GenSide(), *rc::gen::inRange<long>(-1, 65)}; }

RC_GTEST_PROP(EvbufferModel, EveryOperationMatchesTwoStringModels, ()) {
  EVC_RULE(
      "buffer.h/evbuffer/operation-model",
      "buffer.h: each operation's result and the buffer's bytes are those of the same operation "
      "on a string; buffer callbacks are told every change as it is made; libevent 2.1's freeze rules");
  Model initial;
  Sut sut;
  // add_reference pieces: many small chains, so EOLs fall on chain
  // boundaries; the pieces and the EOL searches are listed twice to run often
  rc::state::check(
      initial, sut,
      rc::state::gen::execOneOfWithArgs<
          Cmd<Add, GenAdd>, Cmd<AddReference, GenAddReference>, Cmd<AddReference, GenAddPieces>,
          Cmd<AddReference, GenAddPieces>, Cmd<Prepend, GenPrepend>, Cmd<MoveAll, GenMoveAll>,
          Cmd<RemoveBuffer, GenRemoveBuffer>, Cmd<Drain, GenDrain>, Cmd<CopyOut, GenCopyOut>,
          Cmd<Pullup, GenPullup>, Cmd<Peek, GenPeek>, Cmd<ReserveCommit, GenReserveCommit>,
          Cmd<Search, GenSearch>, Cmd<SearchEol, GenSearchEol>, Cmd<SearchEol, GenSearchEol>,
          Cmd<Readln, GenReadln>, Cmd<Readln, GenReadln>, Cmd<Freeze, GenFreeze>, Cmd<EnableCb, GenEnableCb>,
          Cmd<AddIovec, GenAddIovec>, Cmd<AddBufferReference, GenAddBufferReference>,
          Cmd<AddSegment, GenAddSegment>, Cmd<WriteAtmost, GenWriteAtmost>>());
}

}  // namespace
}  // namespace evc
