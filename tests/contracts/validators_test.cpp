// The validators contract over a real chain: the genesis validator_admin sets
// a validator's power, which certifies blocks from two heights later; anyone
// else, a chain without an admin, and a change that would break a set are
// refused with no change to the sets.
#include <catch2/catch.hpp>

#include "chain/validator_set.h"
#include "contracts/validators/validators.h"
#include "tests/util/block_workload.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using namespace vest::test;

namespace {

Address addr(const std::string& name) { return address_of(test_key(name)); }

// A test chain whose validator_admin is account 0 (the genesis edit `more`
// runs after that).
std::unique_ptr<TestChain> chain_with_admin(const std::function<void(boost::json::object&)>& more = {}) {
  return std::make_unique<TestChain>(3, [&](boost::json::object& g) {
    g["validator_admin"] = to_checksum(address_of(test_key("account 0")));
    if (more) more(g);
  });
}

VerifiedTx set_power(TestChain& t, size_t from, const Address& validator, uint64_t power) {
  return t.sign(from, validators::kSetPowerKind, validators::SetPower{validator, power}.encode());
}

ValidatorSet make_set(std::vector<Validator> v) {
  std::string error;
  auto s = ValidatorSet::make(std::move(v), error);
  INFO(error);
  REQUIRE(s);
  return *s;
}

std::vector<std::pair<uint64_t, Hash>> history(TestChain& t) {
  std::vector<std::pair<uint64_t, Hash>> out;
  for (const ValidatorsAt& v : validator_history(t.chain->store())) out.emplace_back(v.effective_from, v.set.hash());
  return out;
}

}  // namespace

TEST_CASE("validators: the admin's change certifies blocks from two heights later", "[validators]") {
  auto t = chain_with_admin();
  const Address v = address_of(t->validator);
  const ValidatorSet genesis_set = t->genesis.params.validators;
  t->produce({});  // block 1
  const uint64_t h = t->chain->head().height + 1;  // the block that executes the change
  Receipt r = t->run(set_power(*t, 0, v, 5));
  INFO(r.message);
  REQUIRE(r.ok());
  REQUIRE(t->chain->head().height == h);
  const ValidatorSet raised = make_set({{v, 5}});
  // Block h + 1 is certified by the set fixed before h; h + 2 by the new one.
  CHECK(t->chain->validators_at(h) == ValidatorsAt{genesis_set, 0});
  CHECK(t->chain->validators_at(h + 1) == ValidatorsAt{genesis_set, 0});
  CHECK(t->chain->validators_at(h + 2) == ValidatorsAt{raised, h + 2});
  CHECK_FALSE(t->chain->validators_at(h + 3));
  CHECK(t->chain->validators() == genesis_set);
  // The event names the validator and the admin, and says when it takes effect.
  const Event& e = r.events.back();
  CHECK(e.type == "validators.power_set");
  CHECK(e.addresses == std::vector<Address>{v, t->addrs[0]});
  CHECK(e.fields == std::vector<std::pair<std::string, std::string>>{
                        {"validator", to_checksum(v)}, {"power", "5"}, {"previous", "1"},
                        {"effectiveHeight", std::to_string(h + 2)}});

  auto b1 = t->produce({});
  CHECK(b1.block.header.validators_hash == genesis_set.hash());
  CHECK(b1.certificate.entries.size() == 1);
  auto b2 = t->produce({});
  CHECK(b2.block.header.height == h + 2);
  CHECK(b2.block.header.validators_hash == raised.hash());
  CHECK(t->chain->validators_at(h + 2) == ValidatorsAt{raised, h + 2});
  CHECK(t->chain->validators() == raised);
  // The genesis parameters still name the genesis set.
  CHECK(read_params(t->chain->store())->validators == genesis_set);
}

TEST_CASE("validators: a new member signs certificates from its first height on, and other nodes check them",
          "[validators]") {
  auto t = chain_with_admin();
  const PrivateKey second = test_key("second validator");
  t->others.emplace(address_of(second), second);
  // The genesis validator at 3 and a second one at 1: 3 of 4 still certifies alone.
  REQUIRE(t->run(set_power(*t, 0, address_of(t->validator), 3)).ok());
  REQUIRE(t->run(set_power(*t, 0, address_of(second), 1)).ok());
  const uint64_t changed = t->chain->head().height;  // the second change's block
  TestChain replica(3, [&](boost::json::object& g) { g["validator_admin"] = to_checksum(t->addrs[0]); });
  std::vector<Produced> blocks;
  for (int i = 0; i < 4; ++i) blocks.push_back(t->produce({}));
  const ValidatorSet two = make_set({{address_of(t->validator), 3}, {address_of(second), 1}});
  CHECK(t->chain->validators_at(changed + 2) == ValidatorsAt{two, changed + 2});
  // The certificate of block changed + 2 has one entry per member of the new set.
  const Produced& first_of_two = blocks[1];
  REQUIRE(first_of_two.block.header.height == changed + 2);
  CHECK(first_of_two.certificate.entries.size() == 2);
  CHECK(first_of_two.block.header.validators_hash == two.hash());
  CHECK(verify_certificate(first_of_two.certificate, two, kTestChainId, changed + 2, first_of_two.block.header.hash())
            .ok());

  // Another node replays the whole chain: each certificate against the set of its height.
  for (uint64_t height = 1; height <= t->chain->head().height; ++height) {
    Block b = stored_full_block(t->chain->store(), height);
    ExecutedBlock x;
    BlockCheck c = replica.chain->validate(b, x);
    INFO("block " << height << ": " << to_string(c.result) << ": " << c.message);
    REQUIRE(c.ok());
    x.certificate = t->chain->store().certificate(height);
    std::string error;
    REQUIRE(replica.chain->commit(x, error));
  }
  CHECK(replica.chain->head().hash == t->chain->head().hash);

  // A certificate made for the old set's shape does not certify a block of the new set.
  Proposal p = t->propose_signed({});
  Certificate one_entry{p.executed.header().height, 0, p.executed.hash(), {}};
  one_entry.entries.emplace_back(CommitSig{p.executed.header().time, Signature{}});
  one_entry.entries[0]->sig = vest::sign(t->validator, one_entry.precommit(0, kTestChainId).signing_digest());
  p.executed.certificate = one_entry;
  std::string error;
  CHECK_FALSE(t->chain->commit(p.executed, error));
  CHECK(error.find("wrong_size") != std::string::npos);
}

TEST_CASE("validators: a stranger cannot add itself, and nobody can change a set without an admin",
          "[validators][attack]") {
  auto t = chain_with_admin();
  const auto before = history(*t);
  // Account 1 signs a change that would make it a validator with all the power.
  const Amount fee_payer_before = t->balance(1);
  Receipt r = t->run(set_power(*t, 1, t->addrs[1], 1000000));
  CHECK_FALSE(r.ok());
  CHECK(r.code == 500);
  CHECK(r.reason == "not_validator_admin");
  CHECK(r.message == "only the validator admin " + to_checksum(t->addrs[0]) + " changes the validator set");
  CHECK(history(*t) == before);
  CHECK(t->balance(1) == fee_payer_before - kMinFee);  // the fee stays paid, nothing else changed
  t->produce({});
  t->produce({});
  CHECK_FALSE(t->chain->validators().contains(t->addrs[1]));
  // The mempool refuses it at admission too.
  auto snap = t->chain->store().snapshot();
  const Head head = t->chain->head();
  BlockEnv env{kTestChainId, head.height + 1, head.time + 1, address_of(t->validator)};
  Status s = t->executor->check_admission(*snap, env, set_power(*t, 2, t->addrs[2], 1), 0, 0);
  CHECK(s.reason == "not_validator_admin");

  // Without a validator_admin in genesis, the set never changes, whoever asks.
  TestChain fixed;
  CHECK_FALSE(fixed.genesis.params.validator_admin);
  const auto fixed_before = validator_history(fixed.chain->store());
  Receipt f = fixed.run(set_power(fixed, 0, address_of(fixed.validator), 2));
  CHECK(f.code == 501);
  CHECK(f.reason == "validator_set_fixed");
  CHECK(f.message == "the genesis names no validator_admin: this chain's validator set never changes");
  CHECK(validator_history(fixed.chain->store()) == fixed_before);
}

TEST_CASE("validators: a change that would break the set is refused with no change", "[validators]") {
  // The genesis validator at power 1000 and 99 more at 1: a full set that it certifies alone.
  auto t = chain_with_admin([](boost::json::object& g) {
    boost::json::array list{boost::json::object{{"address", to_checksum(address_of(test_key("validator")))},
                                                {"power", 1000}}};
    for (size_t i = 1; i < kMaxValidators; ++i)
      list.push_back(boost::json::object{{"address", to_checksum(addr("member " + std::to_string(i)))}, {"power", 1}});
    g["validators"] = list;
  });
  REQUIRE(t->chain->validators().size() == kMaxValidators);
  const Address v = address_of(t->validator);
  const auto before = history(*t);
  auto refused = [&](const Address& who, uint64_t power, const std::string& message) {
    Receipt r = t->run(set_power(*t, 0, who, power));
    INFO(r.message);
    CHECK(r.code == 502);
    CHECK(r.reason == "invalid_validator_change");
    CHECK(r.message == message);
    CHECK(history(*t) == before);
  };
  refused(addr("one too many"), 1,
          "adding " + to_checksum(addr("one too many")) + " would make 101 validators, more than 100");
  refused(v, 1000, to_checksum(v) + " already has power 1000");
  refused(addr("stranger"), 0, to_checksum(addr("stranger")) + " is not a validator");
  refused(v, UINT64_MAX, "power 18446744073709551615 would take the total power beyond 2^64 - 1");

  // The zero address and a malformed payload cannot be in a block at all.
  Proposal p = t->propose_signed({set_power(*t, 0, Address{}, 1), t->sign(0, validators::kSetPowerKind, Bytes{0xc0})});
  REQUIRE(p.dropped.size() == 2);
  CHECK(p.dropped[0].second.reason == "invalid_validator_change");
  CHECK(p.dropped[0].second.message == "the zero address cannot be a validator");
  CHECK(p.dropped[1].second.reason == "malformed_payload");
  CHECK(p.executed.txs.empty());

  // Removing the last validator is refused too.
  auto single = chain_with_admin();
  const auto single_before = history(*single);
  Receipt r = single->run(set_power(*single, 0, address_of(single->validator), 0));
  CHECK(r.reason == "invalid_validator_change");
  CHECK(r.message == "removing " + to_checksum(address_of(single->validator)) + " would leave no validator");
  CHECK(history(*single) == single_before);
}

TEST_CASE("validators: changes in one block apply in order, and a next block's change applies on top",
          "[validators]") {
  auto t = chain_with_admin();
  const PrivateKey b = test_key("b"), c = test_key("c");
  t->others.emplace(address_of(b), b);
  t->others.emplace(address_of(c), c);
  const Address v = address_of(t->validator);
  // Block h: add b, then c, then raise the genesis validator; block h + 1: remove it.
  auto out = t->produce({set_power(*t, 0, address_of(b), 2), set_power(*t, 0, address_of(c), 3),
                         set_power(*t, 0, v, 4)});
  for (const Receipt& r : out.receipts) CHECK(r.ok());
  const uint64_t h = out.block.header.height;
  auto next = t->produce({set_power(*t, 0, v, 0)});
  REQUIRE(next.receipts[0].ok());
  // The last change of block h named previous power 1: each change reads the newest set.
  CHECK(out.receipts[2].events.back().fields[2] == std::pair<std::string, std::string>{"previous", "1"});
  CHECK(t->chain->validators_at(h + 2) ==
        ValidatorsAt{make_set({{v, 4}, {address_of(b), 2}, {address_of(c), 3}}), h + 2});
  CHECK(t->chain->validators_at(h + 3) == ValidatorsAt{make_set({{address_of(b), 2}, {address_of(c), 3}}), h + 3});
  // The chain goes on under each set: the genesis validator proposes h + 2, a member of the next set then.
  auto at2 = t->produce({});
  CHECK(at2.block.header.proposer == v);
  CHECK(at2.certificate.entries.size() == 3);
  auto at3 = t->produce({});
  CHECK(at3.block.header.proposer != v);
  CHECK(t->chain->validators_at(h + 3)->set.contains(at3.block.header.proposer));
  CHECK(at3.certificate.entries.size() == 2);
  CHECK(verify_certificate(at3.certificate, t->chain->validators_at(h + 3)->set, kTestChainId).ok());
}
