// The node's messages on its p2p channels (node/wire.h): status, block request, block
// (with its certificate) and evidence. Each decoder gets the same bytes, as a peer's
// payload arrives after its frame opened:
//   - whatever decodes re-encodes to exactly those bytes (one encoding per message);
//   - a refused block message or evidence says why;
//   - decoded evidence is two headers of one height and proposer, both signed by it, lower
//     hash first, and make_double_sign gives the same pair from either order.
#include "node/wire.h"
#include "tests/fuzz/fuzz.h"

using namespace vest;
using fuzz::same;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView raw = fuzz::input_bytes(data, size);

  node::StatusMessage status;
  if (node::decode_status(raw, status)) FUZZ_CHECK(same(node::encode_status(status), raw));

  uint64_t height = 0;
  if (node::decode_block_request(raw, height)) FUZZ_CHECK(same(node::encode_block_request(height), raw));

  node::BlockMessage block;
  std::string error;
  if (node::decode_block_message(raw, block, error)) {
    FUZZ_CHECK(same(node::encode_block_message(block.block, block.certificate), raw));
  } else {
    FUZZ_CHECK(!error.empty());
  }

  node::DoubleSign evidence;
  error.clear();
  if (node::decode_evidence(raw, evidence, error)) {
    FUZZ_CHECK(same(node::encode_evidence(evidence), raw));
    FUZZ_CHECK(evidence.first.header.height == evidence.second.header.height);
    FUZZ_CHECK(evidence.first.header.proposer == evidence.second.header.proposer);
    FUZZ_CHECK(evidence.first.header.hash() < evidence.second.header.hash());
    auto swapped = node::make_double_sign(evidence.second, evidence.first);
    FUZZ_CHECK(swapped && swapped->first == evidence.first && swapped->second == evidence.second);
  } else {
    FUZZ_CHECK(!error.empty());
  }
  return 0;
}
