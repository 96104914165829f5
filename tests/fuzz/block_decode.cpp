// Blocks, headers, receipts, events, certificates, validator sets, evidence
// and the store's block and transaction records. Each decoder gets the same bytes; whatever decodes must re-encode
// to exactly those bytes (the encodings are canonical, so a stored or hashed
// object has one form).
#include <algorithm>

#include "chain/block.h"
#include "chain/store.h"
#include "tests/fuzz/fuzz.h"

namespace {

using namespace vest;

using fuzz::same;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView raw = vest::fuzz::input_bytes(data, size);

  BlockHeader header;
  if (decode_header(raw, header).ok()) FUZZ_CHECK(same(header.encode(), raw));

  Block block;
  if (decode_block(raw, block).ok()) {
    FUZZ_CHECK(same(block.encode(), raw));
    // The header inside is one that decodes on its own.
    BlockHeader again;
    FUZZ_CHECK(decode_header(block.header.encode(), again).ok() && again.hash() == block.header.hash());
  }

  Receipt receipt;
  if (decode_receipt(raw, receipt).ok()) {
    FUZZ_CHECK(same(receipt.encode(), raw));
    (void)receipt.commitment();
  }

  Event event;
  if (decode_event(raw, event)) FUZZ_CHECK(same(encode_event(event), raw));

  StoredBlock stored;
  if (decode_stored_block(raw, stored)) {
    FUZZ_CHECK(same(encode_stored_block(stored), raw));
    FUZZ_CHECK(stored.hash == stored.header.hash());
  }

  Certificate cert;
  if (decode_certificate(raw, cert).ok()) FUZZ_CHECK(same(cert.encode(), raw));

  if (auto set = ValidatorSet::decode(raw)) FUZZ_CHECK(same(set->encode(), raw) && set->total_power() > 0);

  DuplicateVote evidence;
  std::string error;
  if (decode_duplicate_vote_form(raw, 1, evidence, error)) {
    FUZZ_CHECK(same(encode_duplicate_vote(evidence), raw));
    // Whole evidence is the form plus its rules: it decodes only when they hold.
    DuplicateVote checked;
    FUZZ_CHECK(decode_duplicate_vote(raw, 1, checked, error) == duplicate_vote_problem(evidence).empty());
  } else {
    FUZZ_CHECK(!error.empty());
  }
  std::vector<DuplicateVote> list;
  if (decode_evidence_list(raw, 1, list).ok()) FUZZ_CHECK(same(encode_evidence_list(list), raw));

  TxRecord record;
  if (decode_stored_tx(raw, record)) FUZZ_CHECK(same(encode_stored_tx(record), raw));
  return 0;
}
