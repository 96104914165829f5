// Evidence in blocks (docs/protocol.md, section 4, "Evidence"): a chain
// commits a validator's duplicate vote once, with an event and an index,
// refuses it a second time and past its age; a proposer leaves out what
// validation would refuse; and every rule of evidence refuses its violation
// in a block from elsewhere without changing the chain.
#include <catch2/catch.hpp>

#include "chain/check.h"
#include "chain/rlp.h"
#include "contracts/validators/validators.h"
#include "tests/util/block_workload.h"

using namespace vest;
using test::TestChain;

namespace {

using V = BlockValidation;

Hash block_named(const std::string& name) { return keccak256(as_bytes(name)); }

SignedVote vote_by(const PrivateKey& key, VoteType type, uint64_t height, uint32_t round, const Hash& block) {
  SignedVote v{Vote{type, height, round, block, test::kTestGenesisTime + height, test::kTestChainId},
               address_of(key), {}};
  v.sig = sign(key, v.vote.signing_digest());
  return v;
}

// `key`'s two precommits of (height, round) for blocks `a` and `b`.
DuplicateVote duplicate(const PrivateKey& key, uint64_t height, uint32_t round = 0, const std::string& a = "A",
                        const std::string& b = "B", VoteType type = VoteType::kPrecommit) {
  auto d = make_duplicate_vote(vote_by(key, type, height, round, block_named(a)),
                               vote_by(key, type, height, round, block_named(b)));
  REQUIRE(d);
  return *d;
}

// A test chain with evidence at most 5 blocks old, 2 items per block.
std::unique_ptr<TestChain> small_evidence_chain() {
  return std::make_unique<TestChain>(3, [](boost::json::object& g) {
    auto& p = g["params"].as_object();
    p["evidence_max_age_blocks"] = 5;
    p["max_block_evidence"] = 2;
  });
}

// Validates `block` on `t` and commits it with `certificate`; fails the test if either refuses.
void follow(TestChain& t, const Block& block, const Certificate& certificate) {
  ExecutedBlock x;
  BlockCheck check = t.chain->validate(block.encode(), x);
  INFO(to_string(check.result) << ": " << check.message);
  REQUIRE(check.ok());
  x.certificate = certificate;
  std::string error;
  INFO(error);
  REQUIRE(t.chain->commit(x, error));
}

std::string field(const Event& e, const std::string& name) {
  for (const auto& [k, v] : e.fields)
    if (k == name) return v;
  return "(none)";
}

}  // namespace

TEST_CASE("a chain commits evidence once, with its event, and refuses it again and past its age",
          "[chain][evidence]") {
  auto a = small_evidence_chain(), b = small_evidence_chain();
  for (int i = 0; i < 3; ++i) {
    auto out = a->produce({});
    follow(*b, out.block, out.certificate);
  }
  const DuplicateVote d = duplicate(a->validator, 2);
  CHECK(a->chain->check_evidence(d, a->chain->head().height + 1).ok());

  auto out = a->produce({}, 10, {d});
  REQUIRE(out.block.evidence == std::vector<DuplicateVote>{d});
  CHECK(out.dropped_evidence.empty());
  CHECK(out.block.header.evidence_hash == list_root({d.hash()}));
  const uint64_t at = out.block.header.height;
  // The event names the validator, the offence and both blocks.
  REQUIRE(out.block_events.size() == 1);
  const Event& e = out.block_events[0];
  CHECK(e.type == "consensus.evidence");
  CHECK(e.addresses == std::vector<Address>{address_of(a->validator)});
  CHECK(field(e, "validator") == to_checksum(address_of(a->validator)));
  CHECK(field(e, "power") == "1");
  CHECK(field(e, "height") == "2");
  CHECK(field(e, "round") == "0");
  CHECK(field(e, "type") == "precommit");
  CHECK(field(e, "blockA") == to_hex_0x(d.first.vote.block_hash.view()));
  CHECK(field(e, "blockB") == to_hex_0x(d.second.vote.block_hash.view()));
  CHECK(field(e, "evidence") == to_hex_0x(d.hash().view()));
  // Another node validates the block with its evidence and commits it the same.
  follow(*b, out.block, out.certificate);
  CHECK(b->chain->head().hash == a->chain->head().hash);
  for (TestChain* t : {a.get(), b.get()}) {
    const ChainStore& store = t->chain->store();
    CHECK(store.block(at)->evidence == std::vector<DuplicateVote>{d});
    auto listed = store.committed_evidence(std::nullopt, 0, at, std::nullopt, 10);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].height == at);
    CHECK(listed[0].index == 0);
    CHECK(listed[0].evidence == d);
    CHECK(store.committed_evidence(address_of(t->validator), 0, UINT64_MAX, std::nullopt, 10).size() == 1);
    CHECK(store.committed_evidence(address_of(test::test_key("stranger")), 0, UINT64_MAX, std::nullopt, 10).empty());
    CHECK(store.committed_evidence(std::nullopt, at + 1, UINT64_MAX, std::nullopt, 10).empty());
    CHECK(store.committed_evidence(std::nullopt, 0, at - 1, std::nullopt, 10).empty());
    CHECK(store.get(evidence_key(d)));
  }

  // Committed once: the proposer leaves it out, and so another pair of the same offence.
  const DuplicateVote same_offence = duplicate(a->validator, 2, 0, "A", "C");
  REQUIRE(same_offence.hash() != d.hash());
  BlockCheck again = a->chain->check_evidence(d, a->chain->head().height + 1);
  CHECK(again.result == V::kEvidenceCommitted);
  CHECK(again.message == "the precommit offence of " + to_checksum(address_of(a->validator)) +
                             " at height 2 round 0 is already committed (block " + std::to_string(at) + ")");
  auto next = a->produce({}, 10, {d, same_offence});
  CHECK(next.block.evidence.empty());
  REQUIRE(next.dropped_evidence.size() == 2);
  for (const auto& [hash, check] : next.dropped_evidence) CHECK(check.result == V::kEvidenceCommitted);
  follow(*b, next.block, next.certificate);

  // Evidence of height 3 fits blocks 4 to 8; past that it has expired.
  const DuplicateVote at3 = duplicate(a->validator, 3, 1);
  while (a->chain->head().height + 1 <= 8) {
    CHECK(a->chain->check_evidence(at3, a->chain->head().height + 1).ok());
    auto o = a->produce({});
    follow(*b, o.block, o.certificate);
  }
  BlockCheck old = a->chain->check_evidence(at3, 9);
  CHECK(old.result == V::kEvidenceExpired);
  CHECK(old.message == "evidence of height 3 is more than evidence_max_age_blocks 5 below block 9");
  auto late = a->produce({}, 10, {at3});
  CHECK(late.block.evidence.empty());
  REQUIRE(late.dropped_evidence.size() == 1);
  CHECK(late.dropped_evidence[0].second.result == V::kEvidenceExpired);

  // The store passes the consistency check, its evidence included, also after a restart.
  a->reopen();
  CHECK(a->chain->store().committed_evidence(std::nullopt, 0, UINT64_MAX, std::nullopt, 10).size() == 1);
  CheckReport report = check_store(a->chain->store(), a->chain->genesis_hash(), a->executor->contracts(), 100);
  INFO(report.problem);
  CHECK(report.ok());
}

TEST_CASE("a proposer includes evidence in hash order and leaves out what validation refuses", "[chain][evidence]") {
  auto t = small_evidence_chain();
  for (int i = 0; i < 3; ++i) t->produce({});
  const PrivateKey stranger = test::test_key("stranger");
  const DuplicateVote one = duplicate(t->validator, 1), two = duplicate(t->validator, 2),
                      three = duplicate(t->validator, 3, 0, "A", "B", VoteType::kPrevote);
  DuplicateVote forged = duplicate(t->validator, 2, 5);
  forged.second.sig = sign(stranger, forged.second.vote.signing_digest());
  const DuplicateVote too_new = duplicate(t->validator, 4);
  const DuplicateVote not_validator = duplicate(stranger, 2);
  auto out = t->produce({}, 10, {forged, three, not_validator, one, too_new, one, two});
  // At most max_block_evidence (2) of the three valid ones, the lowest hashes first; repeats dropped silently.
  std::vector<Hash> valid{one.hash(), two.hash(), three.hash()};
  std::sort(valid.begin(), valid.end());
  REQUIRE(out.block.evidence.size() == 2);
  CHECK(out.block.evidence[0].hash() == valid[0]);
  CHECK(out.block.evidence[1].hash() == valid[1]);
  std::map<Hash, V> dropped;
  for (const auto& [hash, check] : out.dropped_evidence) {
    CHECK_FALSE(check.message.empty());
    dropped[hash] = check.result;
  }
  // Items after the block is full are neither included nor dropped: the next block may take them.
  if (forged.hash() < valid[1]) CHECK(dropped[forged.hash()] == V::kBadEvidence);
  if (too_new.hash() < valid[1]) CHECK(dropped[too_new.hash()] == V::kEvidenceTooNew);
  if (not_validator.hash() < valid[1]) CHECK(dropped[not_validator.hash()] == V::kEvidenceNotValidator);
  for (const auto& [hash, rule] : dropped) CHECK(hash < valid[1]);
  CHECK(t->chain->check_evidence(forged, 5).result == V::kBadEvidence);
  CHECK(t->chain->check_evidence(forged, 5).message == "the second vote's signature is not its voter's");
  const DuplicateVote at5 = duplicate(t->validator, 5);
  CHECK(t->chain->check_evidence(at5, 5).result == V::kEvidenceTooNew);
  CHECK(t->chain->check_evidence(at5, 5).message == "evidence of height 5 is not below the block's height 5");
  CHECK(t->chain->check_evidence(not_validator, 5).result == V::kEvidenceNotValidator);
  CHECK(t->chain->check_evidence(not_validator, 5).message ==
        to_checksum(address_of(stranger)) + " was not a validator at height 2");
  // The third valid one goes into the next block.
  auto next = t->produce({}, 10, {one, two, three});
  REQUIRE(next.block.evidence.size() == 1);
  CHECK(next.block.evidence[0].hash() == valid[2]);
}

TEST_CASE("evidence is checked against the validator set of its height", "[chain][evidence]") {
  auto t = std::make_unique<TestChain>(3, [](boost::json::object& g) {
    g["validator_admin"] = to_checksum(address_of(test::test_key("account 0")));
  });
  const PrivateKey late = test::test_key("late validator");
  t->others.emplace(address_of(late), late);
  t->produce({});  // 1
  auto changed = t->produce({t->sign(0, validators::kSetPowerKind, validators::SetPower{address_of(late), 1}.encode())});
  REQUIRE(changed.receipts[0].ok());
  const uint64_t joins = changed.block.header.height + 2;  // 4
  while (t->chain->head().height < joins + 1) t->produce({});
  // Before it joined, its double votes are no evidence; from then on they are.
  BlockCheck before = t->chain->check_evidence(duplicate(late, joins - 1), t->chain->head().height + 1);
  CHECK(before.result == V::kEvidenceNotValidator);
  auto out = t->produce({}, 10, {duplicate(late, joins - 1), duplicate(late, joins)});
  REQUIRE(out.block.evidence.size() == 1);
  CHECK(out.block.evidence[0].height() == joins);
  CHECK(field(out.block_events[0], "power") == "1");
  REQUIRE(out.dropped_evidence.size() == 1);
  CHECK(out.dropped_evidence[0].second.result == V::kEvidenceNotValidator);
}

TEST_CASE("each rule of evidence refuses its violation and leaves the chain unchanged", "[chain][evidence]") {
  auto a = small_evidence_chain(), b = small_evidence_chain();
  for (int i = 0; i < 8; ++i) {
    auto out = a->produce({});
    follow(*b, out.block, out.certificate);
  }
  // One piece of evidence committed on both, so that it counts as committed.
  const DuplicateVote committed = duplicate(a->validator, 7);
  auto with = a->produce({}, 10, {committed});
  REQUIRE(with.block.evidence.size() == 1);
  follow(*b, with.block, with.certificate);

  Proposal next = a->propose_signed({});
  const Block good = next.executed.block;
  const uint64_t height = good.header.height;  // 10
  const Head head = b->chain->head();
  const auto entries = test::state_entries(b->chain->store());
  const PrivateKey& validator = a->validator;
  const PrivateKey stranger = test::test_key("stranger");
  // Sets the block's evidence, with the header's evidence_hash made to match, and reseals.
  auto with_evidence = [&](std::vector<DuplicateVote> list) {
    Block x = good;
    x.evidence = std::move(list);
    x.header.evidence_hash = evidence_root(x.evidence);
    test::reseal(x, validator);
    return x;
  };
  auto sorted = [](std::vector<DuplicateVote> list) {
    std::sort(list.begin(), list.end(), [](const auto& l, const auto& r) { return l.hash() < r.hash(); });
    return list;
  };
  const DuplicateVote fresh = duplicate(validator, 8), fresh2 = duplicate(validator, 9, 2), fresh3 = duplicate(validator, 9, 3);
  DuplicateVote forged = fresh;
  forged.first.sig = sign(stranger, forged.first.vote.signing_digest());
  const DuplicateVote swapped{fresh.second, fresh.first};

  struct Tamper {
    const char* what;
    V expected;
    Block block;
    uint32_t index = 0;
    std::string message = {};  // the end of the refusal's message, when given
  };
  Block unnamed = with_evidence({fresh});
  unnamed.header.evidence_hash = Hash{};
  test::reseal(unnamed, validator);
  const std::vector<DuplicateVote> two_sorted = sorted({fresh, fresh2});
  const std::vector<Tamper> tampers = {
      {"evidence the header does not name", V::kEvidenceHashMismatch, unnamed},
      {"more than max_block_evidence", V::kTooMuchEvidence, with_evidence(sorted({fresh, fresh2, fresh3})), 0,
       "3 items of evidence, more than max_block_evidence 2"},
      {"descending hashes", V::kEvidenceOutOfOrder, with_evidence({two_sorted[1], two_sorted[0]}), 1},
      {"one item twice", V::kEvidenceOutOfOrder, with_evidence({fresh, fresh}), 1},
      {"a pair out of canonical order", V::kBadEvidence, with_evidence({swapped}), 0,
       "not in canonical order (the lower block hash first)"},
      {"a forged vote", V::kBadEvidence, with_evidence({forged}), 0, "the first vote's signature is not its voter's"},
      {"two voters", V::kBadEvidence,
       with_evidence({DuplicateVote{vote_by(validator, VoteType::kPrecommit, 8, 0, Hash{}),
                                    vote_by(stranger, VoteType::kPrecommit, 8, 0, block_named("B"))}}),
       0, "the votes are of two voters"},
      {"evidence of the block's own height", V::kEvidenceTooNew, with_evidence({duplicate(validator, height)}), 0,
       "evidence of height 10 is not below the block's height 10"},
      {"evidence above the block", V::kEvidenceTooNew, with_evidence({duplicate(validator, height + 5)})},
      {"evidence older than evidence_max_age_blocks", V::kEvidenceExpired, with_evidence({duplicate(validator, 4)}), 0,
       "evidence of height 4 is more than evidence_max_age_blocks 5 below block 10"},
      {"a stranger's double vote", V::kEvidenceNotValidator, with_evidence({duplicate(stranger, 8)}), 0,
       to_checksum(address_of(stranger)) + " was not a validator at height 8"},
      {"evidence committed before", V::kEvidenceCommitted, with_evidence({committed}), 0,
       "is already committed (block 9)"},
      {"another pair of an offence committed before", V::kEvidenceCommitted,
       with_evidence({duplicate(validator, 7, 0, "A", "C")})},
  };
  // Two pairs of one offence in one block: the second one is refused.
  const std::vector<DuplicateVote> one_offence = sorted({duplicate(validator, 9, 4, "A", "B"),
                                                         duplicate(validator, 9, 4, "A", "C")});
  std::vector<Tamper> all = tampers;
  all.push_back({"two pairs of one offence in one block", V::kEvidenceCommitted, with_evidence(one_offence), 1,
                 "is already committed (block 10)"});
  for (const Tamper& t : all) {
    INFO(t.what);
    ExecutedBlock x;
    BlockCheck check = b->chain->validate(t.block, x);
    INFO(check.message);
    CHECK(to_string(check.result) == std::string(to_string(t.expected)));
    CHECK_FALSE(check.message.empty());
    if (!t.message.empty()) CHECK(check.message.ends_with(t.message));
    if (t.expected >= V::kEvidenceOutOfOrder) CHECK(check.evidence_index == t.index);
    CHECK(x.state == nullptr);
    // Its bytes give the same answer.
    ExecutedBlock y;
    CHECK(b->chain->validate(ByteView(t.block.encode()), y).result == t.expected);
    CHECK(b->chain->head().hash == head.hash);
    CHECK(test::state_entries(b->chain->store()) == entries);
    CHECK(b->chain->store().committed_evidence(std::nullopt, 0, UINT64_MAX, std::nullopt, 10).size() == 1);
  }
  // The untampered block is still good.
  ExecutedBlock ok;
  CHECK(b->chain->validate(good, ok).ok());
}

TEST_CASE("blocks carry evidence in one strict encoding", "[chain][evidence]") {
  auto t = small_evidence_chain();
  for (int i = 0; i < 3; ++i) t->produce({});
  const DuplicateVote d = duplicate(t->validator, 2);
  auto out = t->produce({}, 10, {d});
  REQUIRE(out.block.evidence.size() == 1);
  const Bytes raw = out.block.encode();
  Block back;
  REQUIRE(decode_block(raw, back).ok());
  CHECK(back.evidence == out.block.evidence);
  CHECK(back.encode() == raw);
  // The votes inside take the header's chain id.
  CHECK(back.evidence[0].first.vote.chain_id == test::kTestChainId);
  // The last element is the evidence list: RLP[duplicate vote, ...].
  rlp::Item item;
  REQUIRE(rlp::decode(raw, item) == rlp::Error::kOk);
  REQUIRE(item.items.size() == 5);
  CHECK(rlp::encode(item.items[4]) == encode_evidence_list(out.block.evidence));
  // An item that is not a pair of votes is a bad encoding, saying which.
  item.items[4].items[0].items.pop_back();
  Status s = decode_block(rlp::encode(item), back);
  CHECK_FALSE(s.ok());
  CHECK(s.message.starts_with("evidence 0: duplicate vote: "));
  // A block without its evidence list does not decode either.
  item.items.pop_back();
  CHECK_FALSE(decode_block(rlp::encode(item), back).ok());
  // The stored block keeps it.
  Bytes stored = encode_stored_block(*t->chain->store().block(out.block.header.height));
  StoredBlock sb;
  REQUIRE(decode_stored_block(stored, sb));
  CHECK(sb.evidence == out.block.evidence);
}
