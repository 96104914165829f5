// Signed transactions as they arrive from tx_submit: strict decoding, the
// checks that need no state, and the message payloads the catalog describes.
//   - a transaction that decodes re-encodes to exactly the input bytes;
//   - one that verifies also decodes, keeps its bytes, hashes them, and its
//     sender recovers again to the same address;
//   - every message kind's payload that decodes re-encodes to the same bytes.
#include <algorithm>

#include "chain/keccak.h"
#include "chain/transaction.h"
#include "contracts/bank/messages.h"
#include "contracts/catalog.h"
#include "contracts/sale/messages.h"
#include "contracts/staking/messages.h"
#include "contracts/vesting/messages.h"
#include "contracts/vesting/schedule.h"
#include "tests/fuzz/fuzz.h"

namespace {

using namespace vest;

constexpr uint64_t kMaxTxBytes = 64 * 1024;

using fuzz::same;

// decode ok => encode gives the payload back.
template <typename Message>
void check_message(ByteView payload) {
  Message m;
  if (Message::decode(payload, m).ok()) FUZZ_CHECK(same(m.encode(), payload));
}

void check_payload(ByteView payload) {
  check_message<bank::Transfer>(payload);
  check_message<sale::Purchase>(payload);
  check_message<sale::Package>(payload);
  check_message<sale::PackageUpdate>(payload);
  check_message<staking::AmountMsg>(payload);
  check_message<staking::ClaimRewards>(payload);
  check_message<vesting::Claim>(payload);
  check_message<vesting::Grant>(payload);
  check_message<vesting::Revoke>(payload);
  vesting::Schedule schedule;
  if (vesting::decode(payload, schedule).ok()) {
    FUZZ_CHECK(vesting::validate(schedule).ok());
    FUZZ_CHECK(same(vesting::encode(schedule), payload));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView raw = vest::fuzz::input_bytes(data, size);

  Transaction tx;
  Status decoded = decode_transaction(raw, tx);
  if (decoded.ok()) {
    FUZZ_CHECK(same(tx.encode(), raw));
    (void)describe_message(tx.kind, tx.payload);
  } else {
    FUZZ_CHECK(decoded.code == static_cast<uint32_t>(ChainCode::kMalformed));
  }

  // Verified against the transaction's own chain id, so the signature is checked.
  VerifiedTx v;
  Status verified = verify_transaction(raw, decoded.ok() ? tx.chain_id : 1, kMaxTxBytes, v);
  if (verified.ok()) {
    FUZZ_CHECK(decoded.ok());
    FUZZ_CHECK(same(v.raw, raw));
    FUZZ_CHECK(v.hash == keccak256(raw));
    FUZZ_CHECK(v.tx.encode() == v.raw);
    Address again;
    FUZZ_CHECK(recover_sender(v.tx, again).ok() && again == v.sender);
  } else {
    FUZZ_CHECK(!verified.reason.empty());
  }

  check_payload(decoded.ok() ? ByteView(tx.payload) : raw);
  return 0;
}
