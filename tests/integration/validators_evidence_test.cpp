// Integration: validator set changes and evidence on a real vestd --dev with
// real signed transactions and votes. The genesis validator_admin (devnet
// account 9) raises the validator's power, which chain_getValidators shows as
// pending, then in effect two blocks after the change; a stranger's attempt is
// refused. Two conflicting precommits signed with the devnet validator key,
// submitted through the node's evidence pool, are committed once, listed by
// chain_getEvidence and shown as a consensus.evidence event, also after a
// restart.
#include <catch2/catch.hpp>

#include "chain/evidence.h"
#include "chain/keccak.h"
#include "contracts/bank/messages.h"
#include "contracts/validators/messages.h"
#include "node/config.h"
#include "tests/integration/chain_calls.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {

const PrivateKey kValidatorKey = key_hex(node::devnet_validator_key_hex().c_str());

Bytes set_power(const char* validator, uint64_t power) {
  return validators::SetPower{*parse_address(validator), power}.encode();
}

// The power of `address` in a validator set view, 0 when absent.
uint64_t power_of(const json::value& set, const char* address) {
  for (const auto& v : set.at("validators").as_array())
    if (v.at("address") == json::value(address)) return std::stoull(str(v.at("power")));
  return 0;
}

// The devnet validator's precommit at (height, round) for `block`, at `time`.
SignedVote precommit(uint64_t height, const Hash& block, uint64_t time) {
  SignedVote v{Vote{VoteType::kPrecommit, height, 0, block, time, kDevChainId}, address_of(kValidatorKey), {}};
  v.sig = sign(kValidatorKey, v.vote.signing_digest());
  return v;
}

std::string hex_of(const Bytes& b) { return to_hex_0x(b); }

}  // namespace

TEST_CASE("rpc: the validator admin raises a validator's power, in effect two blocks later",
          "[integration][validators]") {
  TempDir dir;
  Vestd node(dir.path());
  json::value set = node.call("chain_getValidators");
  INFO(json::serialize(set));
  CHECK(u64(set.at("height")) == head_height(node) + 1);
  CHECK(u64(set.at("effectiveFrom")) == 0);
  CHECK(power_of(set, kValidator) == 1);
  CHECK(str(set.at("totalPower")) == "1");
  CHECK(set.at("pending").is_null());
  CHECK(str(set.at("admin")) == kDevAddr9);

  // A stranger signs a change that would make itself a validator: refused at submission, nothing changes.
  json::object stranger = submit_msg(node, kDevKey1, validators::kSetPowerKind, set_power(kDevAddr1, 100));
  INFO(json::serialize(stranger));
  REQUIRE(stranger.contains("error"));
  CHECK(error_code(stranger) == 1500);
  CHECK(error_reason(stranger) == "not_validator_admin");
  CHECK(node.call("chain_getValidators").at("pending").is_null());
  CHECK(power_of(node.call("chain_getValidators"), kDevAddr1) == 0);

  // The admin raises the validator from 1 to 3 in block h.
  json::object tx = submit_ok(node, kDevKey9, validators::kSetPowerKind, set_power(kValidator, 3));
  const uint64_t h = u64(tx.at("height"));
  auto events = events_of(tx, "validators.power_set");
  REQUIRE(events.size() == 1);
  CHECK(str(events[0].at("validator")) == kValidator);
  CHECK(str(events[0].at("power")) == "3");
  CHECK(str(events[0].at("previous")) == "1");
  CHECK(str(events[0].at("effectiveHeight")) == std::to_string(h + 2));
  REQUIRE(head_height(node) == h);

  // Block h + 1 is still certified by power 1; the change is pending for h + 2.
  set = node.call("chain_getValidators");
  INFO(json::serialize(set));
  CHECK(u64(set.at("height")) == h + 1);
  CHECK(power_of(set, kValidator) == 1);
  REQUIRE(set.at("pending").is_object());
  CHECK(u64(set.at("pending").at("effectiveFrom")) == h + 2);
  CHECK(power_of(set.at("pending"), kValidator) == 3);
  json::value at2 = node.call("chain_getValidators", json::object{{"height", h + 2}});
  CHECK(u64(at2.at("effectiveFrom")) == h + 2);
  CHECK(power_of(at2, kValidator) == 3);
  CHECK(at2.at("pending").is_null());
  // Beyond h + 2 nothing is fixed yet.
  json::object beyond = node.rpc("chain_getValidators", json::object{{"height", h + 3}});
  CHECK(error_code(beyond) == -32602);

  // Two blocks on, the new set certifies the head's successor and the chain goes on under it.
  node.call("dev_mine");
  set = node.call("chain_getValidators");
  CHECK(u64(set.at("height")) == h + 2);
  CHECK(u64(set.at("effectiveFrom")) == h + 2);
  CHECK(power_of(set, kValidator) == 3);
  CHECK(str(set.at("totalPower")) == "3");
  CHECK(set.at("pending").is_null());
  node.call("dev_mine");
  node.call("dev_mine");
  CHECK(head_height(node) == h + 3);
  // Past heights keep their set.
  json::value past = node.call("chain_getValidators", json::object{{"height", h + 1}});
  CHECK(power_of(past, kValidator) == 1);
  CHECK(u64(past.at("effectiveFrom")) == 0);
  // A transfer still commits under the new set.
  submit_ok(node, kDevKey0, bank::kTransferKind, bank::Transfer{*parse_address(kDevAddr1), "VEST", 1}.encode());
}

TEST_CASE("rpc: evidence of two conflicting precommits is committed once, listed and shown as an event",
          "[integration][evidence]") {
  TempDir dir;
  auto node = std::make_unique<Vestd>(dir.path());
  node->call("dev_mine", json::object{{"blocks", 3}});
  // The validator's real precommit for block 2, and a second one for another block.
  const Hash real = *Hash::from(*from_hex(block_hash(*node, 2)));
  const uint64_t time = block_time(*node, 2);
  auto d = make_duplicate_vote(precommit(2, real, time), precommit(2, keccak256(as_bytes("another block 2")), time));
  REQUIRE(d);
  const std::string hash = to_hex_0x(d->hash().view());

  json::value submitted = node->call("dev_submitEvidence", json::object{{"evidence", hex_of(encode_duplicate_vote(*d))}});
  CHECK(str(submitted.at("hash")) == hash);
  // The instant producer seals a block for it.
  json::value listed;
  eventually([&] {
    listed = node->call("chain_getEvidence");
    return !listed.at("evidence").as_array().empty();
  }, std::chrono::seconds(10), "the evidence to be committed");
  INFO(json::serialize(listed));
  REQUIRE(listed.at("evidence").as_array().size() == 1);
  const json::value& e = listed.at("evidence").at(0);
  const uint64_t committed = u64(e.at("committedHeight"));
  CHECK(committed > 3);
  CHECK(str(e.at("committedBlock")) == block_hash(*node, committed));
  CHECK(str(e.at("hash")) == hash);
  CHECK(str(e.at("validator")) == kValidator);
  CHECK(u64(e.at("height")) == 2);
  CHECK(u64(e.at("round")) == 0);
  CHECK(str(e.at("type")) == "precommit");
  CHECK(str(e.at("blockA")) == to_hex_0x(d->first.vote.block_hash.view()));
  CHECK(str(e.at("blockB")) == to_hex_0x(d->second.vote.block_hash.view()));
  CHECK(str(e.at("raw")) == hex_of(encode_duplicate_vote(*d)));
  CHECK(listed.at("nextCursor").is_null());
  // Filters: by validator, by height.
  CHECK(node->call("chain_getEvidence", json::object{{"validator", kValidator}}).at("evidence").as_array().size() == 1);
  CHECK(node->call("chain_getEvidence", json::object{{"validator", kDevAddr0}}).at("evidence").as_array().empty());
  CHECK(node->call("chain_getEvidence", json::object{{"fromHeight", committed + 1}}).at("evidence").as_array().empty());
  CHECK(node->call("chain_getEvidence", json::object{{"toHeight", committed - 1}}).at("evidence").as_array().empty());
  CHECK(error_code(node->rpc("chain_getEvidence", json::object{{"fromHeight", 5}, {"toHeight", 4}})) == -32602);
  CHECK(error_code(node->rpc("chain_getEvidence", json::object{{"limit", 101}})) == -32602);

  // The block carries it and its event names the validator.
  json::value block = node->call("chain_getBlock", json::object{{"height", committed}});
  REQUIRE(block.at("evidence").as_array().size() == 1);
  CHECK(str(block.at("evidence").at(0).at("hash")) == hash);
  json::value events = node->call("chain_getEvents", json::object{{"address", kValidator}, {"kind", "consensus.evidence"}});
  INFO(json::serialize(events));
  REQUIRE(events.at("events").as_array().size() == 1);
  const json::value& ev = events.at("events").at(0);
  CHECK(u64(ev.at("height")) == committed);
  CHECK(ev.at("txHash").is_null());
  CHECK(str(ev.at("fields").at("validator")) == kValidator);
  CHECK(str(ev.at("fields").at("height")) == "2");
  CHECK(str(ev.at("fields").at("type")) == "precommit");
  CHECK(str(ev.at("fields").at("evidence")) == hash);

  // Committed once: the same evidence, or another pair of the same offence, is refused.
  json::object again = node->rpc("dev_submitEvidence", json::object{{"evidence", hex_of(encode_duplicate_vote(*d))}});
  CHECK(error_code(again) == 2002);
  CHECK(error_reason(again) == "evidence_committed");
  auto other = make_duplicate_vote(precommit(2, real, time), precommit(2, keccak256(as_bytes("a third block")), time));
  json::object same_offence = node->rpc("dev_submitEvidence", json::object{{"evidence", hex_of(encode_duplicate_vote(*other))}});
  CHECK(error_reason(same_offence) == "evidence_committed");
  // Malformed, swapped or forged evidence is refused, saying why.
  CHECK(error_reason(node->rpc("dev_submitEvidence", json::object{{"evidence", "0xc0"}})) == "malformed");
  CHECK(error_code(node->rpc("dev_submitEvidence", json::object{{"evidence", "c0"}})) == -32602);
  DuplicateVote swapped{d->second, d->first};
  CHECK(error_reason(node->rpc("dev_submitEvidence",
                               json::object{{"evidence", hex_of(encode_duplicate_vote(swapped))}})) == "bad_evidence");
  auto later = make_duplicate_vote(precommit(3, real, time), precommit(3, keccak256(as_bytes("x")), time));
  DuplicateVote forged = *later;
  forged.second.sig = sign(key_hex(kDevKey0), forged.second.vote.signing_digest());
  CHECK(error_reason(node->rpc("dev_submitEvidence",
                               json::object{{"evidence", hex_of(encode_duplicate_vote(forged))}})) == "bad_evidence");
  node->call("dev_mine", json::object{{"blocks", 2}});
  CHECK(node->call("chain_getEvidence").at("evidence").as_array().size() == 1);

  // After a restart the record and its index are still there.
  REQUIRE(node->stop() == 0);
  node = std::make_unique<Vestd>(dir.path());
  listed = node->call("chain_getEvidence");
  REQUIRE(listed.at("evidence").as_array().size() == 1);
  CHECK(u64(listed.at("evidence").at(0).at("committedHeight")) == committed);
  CHECK(error_reason(node->rpc("dev_submitEvidence", json::object{{"evidence", hex_of(encode_duplicate_vote(*d))}})) ==
        "evidence_committed");
}
