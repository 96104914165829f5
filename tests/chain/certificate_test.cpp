// Validator sets, votes and commit certificates (docs/protocol.md, section 4):
// the canonical encodings, the genesis field, and each rule of
// verify_certificate refusing its own violation.
#include <catch2/catch.hpp>

#include <leveldb/db.h>
#include <set>

#include "chain/certificate.h"
#include "chain/rlp.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using C = CertificateValidation;

namespace {

Address addr(const std::string& name) { return address_of(test::test_key(name)); }

ValidatorSet make_set(std::vector<Validator> v) {
  std::string error;
  auto s = ValidatorSet::make(std::move(v), error);
  INFO(error);
  REQUIRE(s);
  return *s;
}

std::string make_error(std::vector<Validator> v) {
  std::string error;
  CHECK_FALSE(ValidatorSet::make(std::move(v), error));
  return error;
}

// Validators named "v0".."v<n-1>" with the given powers, and their keys by address.
struct Committee {
  ValidatorSet set;
  std::map<Address, PrivateKey> keys;

  explicit Committee(const std::vector<uint64_t>& powers) {
    std::vector<Validator> v;
    for (size_t i = 0; i < powers.size(); ++i) {
      PrivateKey k = test::test_key("v" + std::to_string(i));
      keys.emplace(address_of(k), k);
      v.push_back({address_of(k), powers[i]});
    }
    set = make_set(v);
  }

  const PrivateKey& key_at(size_t i) const { return keys.at(set.validators()[i].address); }

  // A certificate for `block` at `height` signed by the validators at `signers` (set positions).
  Certificate certify(uint64_t height, const Hash& block, const std::vector<size_t>& signers, uint64_t chain_id = 7) const {
    Certificate c{height, 2, block, {}};
    c.entries.resize(set.size());
    for (size_t i : signers) {
      const uint64_t time = 1700000000 + i;
      c.entries[i] = CommitSig{time, Signature{}};
      c.entries[i]->sig = sign(key_at(i), c.precommit(i, chain_id).signing_digest());
    }
    return c;
  }
};

const Hash kBlock = keccak256(as_bytes("block"));

}  // namespace

TEST_CASE("a validator set has one canonical order and encoding", "[certificate]") {
  const Address a = addr("a"), b = addr("b"), c = addr("c");
  ValidatorSet s1 = make_set({{a, 5}, {b, 1}, {c, 3}});
  ValidatorSet s2 = make_set({{c, 3}, {a, 5}, {b, 1}});
  CHECK(s1 == s2);
  CHECK(s1.encode() == s2.encode());
  CHECK(s1.hash() == keccak256(s1.encode()));
  CHECK(s1.total_power() == 9);
  // Ascending by address bytes.
  for (size_t i = 1; i < s1.size(); ++i) CHECK(s1.validators()[i - 1].address < s1.validators()[i].address);
  CHECK(s1.index_of(s1.validators()[2].address) == 2u);
  CHECK_FALSE(s1.index_of(addr("stranger")));
  // The encoding is RLP[[address, power], ...], byte for byte.
  rlp::Encoder e;
  e.begin_list();
  for (const Validator& v : s1.validators()) e.begin_list().fixed(v.address).uint(v.power).end_list();
  e.end_list();
  CHECK(s1.encode() == e.finish());
  auto back = ValidatorSet::decode(s1.encode());
  REQUIRE(back);
  CHECK(*back == s1);
  // Another power is another hash.
  CHECK(make_set({{a, 5}, {b, 1}, {c, 4}}).hash() != s1.hash());
}

TEST_CASE("validator sets refuse every broken invariant", "[certificate]") {
  const Address a = addr("a"), b = addr("b");
  CHECK(make_error({}) == "must list at least one validator");
  CHECK(make_error({{a, 1}, {b, 0}}) == "[1].power: must be positive");
  CHECK(make_error({{Address{}, 1}}) == "[0].address: must not be the zero address");
  CHECK(make_error({{a, 1}, {a, 2}}).starts_with("[1].address: "));
  CHECK(make_error({{a, UINT64_MAX}, {b, 1}}) == "[1].power: the total power must fit in 64 bits");
  CHECK(make_set({{a, UINT64_MAX - 1}, {b, 1}}).total_power() == UINT64_MAX);

  // The decoder takes only the canonical form.
  ValidatorSet s = make_set({{a, 1}, {b, 2}});
  auto encode = [](const std::vector<Validator>& v) {
    rlp::Encoder e;
    e.begin_list();
    for (const Validator& x : v) e.begin_list().fixed(x.address).uint(x.power).end_list();
    e.end_list();
    return e.finish();
  };
  const Validator lo = s.validators()[0], hi = s.validators()[1];
  CHECK(ValidatorSet::decode(encode({lo, hi})));
  CHECK_FALSE(ValidatorSet::decode(encode({hi, lo})));                   // out of order
  CHECK_FALSE(ValidatorSet::decode(encode({lo, lo})));                   // repeated
  CHECK_FALSE(ValidatorSet::decode(encode({{lo.address, 0}})));          // zero power
  CHECK_FALSE(ValidatorSet::decode(encode({})));                         // empty
  CHECK_FALSE(ValidatorSet::decode(encode({{lo.address, UINT64_MAX}, {hi.address, 1}})));  // overflow
  Bytes trailing = s.encode();
  trailing.push_back(0);
  CHECK_FALSE(ValidatorSet::decode(trailing));
}

TEST_CASE("genesis validators are parsed into the state, errors name the field", "[certificate][genesis]") {
  const Address v1 = addr("validator"), v2 = addr("second");
  test::TestChain t(3, [&](boost::json::object& g) {
    g["validators"] = boost::json::array{
        boost::json::object{{"address", to_checksum(v1)}, {"power", 3}},
        boost::json::object{{"address", to_checksum(v2)}, {"power", 1}, {"note", "a second one"}}};
  });
  const ValidatorSet& set = t.genesis.params.validators;
  CHECK(set.size() == 2);
  CHECK(set.total_power() == 4);
  // In the state as the set from height 0, in its canonical encoding; the
  // genesis header commits to its hash.
  Bytes key(kValidatorSetPrefix.begin(), kValidatorSetPrefix.end());
  put_u64_be(key, UINT64_MAX);
  auto stored = t.chain->store().get(key);
  REQUIRE(stored);
  CHECK(*stored == set.encode());
  CHECK(t.chain->validators() == set);
  CHECK(t.chain->validators_at(1) == ValidatorsAt{set, 0});
  CHECK(t.chain->validators_at(2) == ValidatorsAt{set, 0});
  CHECK_FALSE(t.chain->validators_at(3));  // blocks 1 and 2 may still change it
  CHECK(t.chain->store().block(0)->header.validators_hash == set.hash());
  CHECK(read_params(t.chain->store())->validators == set);

  auto error_of = [](const std::function<void(boost::json::object&)>& edit) {
    auto doc = boost::json::parse(test::test_genesis_json({addr("x")}, addr("validator"))).as_object();
    edit(doc);
    Genesis g;
    std::string error;
    CHECK_FALSE(parse_genesis(boost::json::serialize(doc), g, error));
    return error;
  };
  auto first = [](boost::json::object& g) -> boost::json::object& {
    return g["validators"].as_array()[0].as_object();
  };
  CHECK(error_of([](auto& g) { g.erase("validators"); }) == "genesis: validators: missing");
  CHECK(error_of([](auto& g) { g["validators"] = boost::json::array{}; }) ==
        "genesis: validators: must list at least one validator");
  CHECK(error_of([&](auto& g) { first(g)["power"] = 0; }) == "genesis: validators[0].power: must be positive");
  CHECK(error_of([&](auto& g) { first(g).erase("power"); }).starts_with("genesis: validators[0].power: "));
  CHECK(error_of([&](auto& g) { first(g)["power"] = -1; }).starts_with("genesis: validators[0].power: "));
  CHECK(error_of([&](auto& g) { first(g)["address"] = "0x12"; }).starts_with("genesis: validators[0].address: "));
  CHECK(error_of([&](auto& g) { first(g)["colour"] = "red"; }).starts_with("genesis: validators[0].colour: "));
  CHECK(error_of([&](auto& g) {
          g["validators"].as_array().push_back(first(g));
        }).starts_with("genesis: validators[1].address: "));
  CHECK(error_of([&](auto& g) {
          first(g)["power"] = UINT64_MAX;
          g["validators"].as_array().push_back(
              boost::json::object{{"address", to_checksum(addr("other"))}, {"power", 1}});
        }) == "genesis: validators[1].power: the total power must fit in 64 bits");
  // The single-validator field of older genesis files is refused, saying what replaced it.
  CHECK(error_of([&](auto& g) {
          g.erase("validators");
          g["validator"] = to_checksum(addr("validator"));
        }).starts_with("genesis: validator: replaced by validators"));
}

TEST_CASE("vote sign bytes match the pinned vector", "[certificate]") {
  // Computed once with an independent RLP encoder (a few lines of Python
  // following docs/protocol.md section 2) for
  //   ["vestchain/vote/v1", 7357, 2, 1000, 3, 0x0102..20, 1767225600]:
  // f840 (list of 64 bytes), 91 + the 17-byte tag, 82 1cbd, 02, 82 03e8, 03,
  // a0 + the 32 hash bytes, 84 6955b900. The digest is keccak256 of those
  // bytes as this code computed it once.
  Hash block;
  for (size_t i = 0; i < 32; ++i) block.bytes[i] = static_cast<uint8_t>(i + 1);
  Vote v{VoteType::kPrecommit, 1000, 3, block, 1767225600, 7357};
  CHECK(to_hex_0x(v.sign_bytes()) ==
        "0xf8409176657374636861696e2f766f74652f7631821cbd028203e803a00102030405060708090a0b0c0d0e0f1011121314151617"
        "18191a1b1c1d1e1f20846955b900");
  CHECK(to_hex_0x(v.signing_digest().view()) == "0xa3437e1f0a542d961cdf6f640abdc4013ef99c611eed8bdb91da862915e62481");
  CHECK(v.signing_digest() == keccak256(v.sign_bytes()));
  // A prevote, another chain, round, time or block: other bytes.
  Vote p = v;
  p.type = VoteType::kPrevote;
  CHECK(p.sign_bytes() != v.sign_bytes());
  for (auto edit : std::vector<std::function<void(Vote&)>>{
           [](Vote& x) { ++x.chain_id; }, [](Vote& x) { ++x.height; }, [](Vote& x) { ++x.round; },
           [](Vote& x) { ++x.time; }, [](Vote& x) { x.block_hash.bytes[0] ^= 1; }}) {
    Vote w = v;
    edit(w);
    CHECK(w.signing_digest() != v.signing_digest());
  }
}

TEST_CASE("certificates round-trip in one strict encoding", "[certificate]") {
  Committee k({1, 1, 1, 1});
  Certificate c = k.certify(9, kBlock, {0, 2, 3});
  Bytes raw = c.encode();
  Certificate d;
  REQUIRE(decode_certificate(raw, d).ok());
  CHECK(d == c);
  CHECK_FALSE(d.entries[1]);
  CHECK(d.encode() == raw);
  Bytes trailing = raw;
  trailing.push_back(0);
  CHECK_FALSE(decode_certificate(trailing, d).ok());
  // An absent entry is RLP[]; a signed one RLP[time, 65-byte signature].
  rlp::Item item;
  REQUIRE(rlp::decode(raw, item) == rlp::Error::kOk);
  REQUIRE(item.items.size() == 4);
  CHECK(item.items[3].items[1].is_list);
  CHECK(item.items[3].items[1].items.empty());
  CHECK(item.items[3].items[0].items.size() == 2);
  CHECK(item.items[3].items[0].items[1].data.size() == 65);
  // A signature of another length, or an entry of one field, is refused.
  item.items[3].items[0].items[1].data.pop_back();
  CHECK_FALSE(decode_certificate(rlp::encode(item), d).ok());
  item.items[3].items[0].items.pop_back();
  CHECK_FALSE(decode_certificate(rlp::encode(item), d).ok());
}

TEST_CASE("certificate verification accepts the valid one and refuses each rule", "[certificate]") {
  Committee k({1, 1, 1, 1});
  const Certificate good = k.certify(9, kBlock, {0, 1, 2, 3});
  REQUIRE(verify_certificate(good, k.set, 7).ok());
  REQUIRE(verify_certificate(good, k.set, 7, 9, kBlock).ok());

  auto refused = [&](const Certificate& c, C expected, std::optional<size_t> entry = std::nullopt) {
    CertificateCheck r = verify_certificate(c, k.set, 7, 9, kBlock);
    INFO(r.message);
    CHECK(std::string(to_string(r.result)) == to_string(expected));
    CHECK_FALSE(r.message.empty());
    if (entry) CHECK(r.entry == *entry);
  };
  SECTION("a tampered signature") {
    Certificate c = good;
    c.entries[2]->sig.r.bytes[31] ^= 1;
    CertificateCheck r = verify_certificate(c, k.set, 7);
    // A changed r recovers to another key, or to none.
    CHECK((r.result == C::kWrongSigner || r.result == C::kBadSignature));
    CHECK(r.entry == 2);
    c = good;
    c.entries[2]->sig.r = FixedBytes<32>{};
    refused(c, C::kBadSignature, 2);
    c = good;
    c.entries[1]->sig.s = FixedBytes<32>{};
    c.entries[1]->sig.s.bytes[0] = 0xff;  // high S (above n/2)
    refused(c, C::kBadSignature, 1);
  }
  SECTION("a signature by a non-member") {
    Certificate c = good;
    c.entries[3]->sig = sign(test::test_key("stranger"), c.precommit(3, 7).signing_digest());
    refused(c, C::kWrongSigner, 3);
  }
  SECTION("a member's signature in another member's place") {
    Certificate c = good;
    c.entries[0]->sig = sign(k.key_at(1), c.precommit(0, 7).signing_digest());
    refused(c, C::kWrongSigner, 0);
  }
  SECTION("the time of an entry changed after signing") {
    Certificate c = good;
    ++c.entries[1]->time;
    refused(c, C::kWrongSigner, 1);
  }
  SECTION("wrong block hash") {
    CertificateCheck r = verify_certificate(good, k.set, 7, 9, keccak256(as_bytes("another block")));
    CHECK(r.result == C::kWrongBlock);
    CHECK_FALSE(r.message.empty());
    Certificate c = good;
    c.block_hash.bytes[0] ^= 1;
    // Not what the validators signed either.
    CHECK(verify_certificate(c, k.set, 7).result == C::kWrongSigner);
    CHECK(verify_certificate(c, k.set, 7, 9, c.block_hash).result == C::kWrongSigner);
  }
  SECTION("wrong height") {
    CHECK(verify_certificate(good, k.set, 7, 10, kBlock).result == C::kWrongHeight);
    Certificate c = good;
    c.height = 10;
    CHECK(verify_certificate(c, k.set, 7, 10, kBlock).result == C::kWrongSigner);
  }
  SECTION("another round or chain than signed") {
    Certificate c = good;
    ++c.round;
    refused(c, C::kWrongSigner, 0);
    CHECK(verify_certificate(good, k.set, 8).result == C::kWrongSigner);
  }
  SECTION("wrong size") {
    Certificate c = good;
    c.entries.pop_back();
    refused(c, C::kWrongSize);
    c = good;
    c.entries.emplace_back(std::nullopt);
    refused(c, C::kWrongSize);
    CHECK(verify_certificate(good, ValidatorSet{}, 7).result == C::kWrongSize);
  }
  SECTION("a bad signature refuses even past 2/3") {
    Certificate c = good;
    c.entries[3]->sig = sign(test::test_key("stranger"), c.precommit(3, 7).signing_digest());
    CHECK(verify_certificate(c, k.set, 7).result == C::kWrongSigner);
  }
}

TEST_CASE("certificates need strictly more than 2/3 of the power", "[certificate]") {
  SECTION("powers 1, 1, 1, 1") {
    Committee k({1, 1, 1, 1});
    CHECK(verify_certificate(k.certify(9, kBlock, {}), k.set, 7).result == C::kNotEnoughPower);
    CHECK(verify_certificate(k.certify(9, kBlock, {3}), k.set, 7).result == C::kNotEnoughPower);
    CHECK(verify_certificate(k.certify(9, kBlock, {0, 2}), k.set, 7).result == C::kNotEnoughPower);
    CHECK(verify_certificate(k.certify(9, kBlock, {0, 1, 3}), k.set, 7).ok());
    CHECK(verify_certificate(k.certify(9, kBlock, {1, 2, 3}), k.set, 7).ok());
  }
  SECTION("powers 1, 3") {
    Committee k({1, 3});
    const size_t one = k.set.validators()[0].power == 1 ? 0 : 1, three = 1 - one;
    // 3 of 4: 9 > 8.
    CHECK(verify_certificate(k.certify(9, kBlock, {three}), k.set, 7).ok());
    CHECK(verify_certificate(k.certify(9, kBlock, {one}), k.set, 7).result == C::kNotEnoughPower);
    CHECK(verify_certificate(k.certify(9, kBlock, {one, three}), k.set, 7).ok());
  }
  SECTION("exactly 2/3 is not enough") {
    Committee k({1, 2});  // 2 of 3: 6 > 6 fails
    const size_t two = k.set.validators()[0].power == 2 ? 0 : 1;
    CHECK(verify_certificate(k.certify(9, kBlock, {two}), k.set, 7).result == C::kNotEnoughPower);
    CHECK(verify_certificate(k.certify(9, kBlock, {0, 1}), k.set, 7).ok());
  }
  SECTION("powers near 2^64 do not overflow") {
    // total = 2^64 - 1; signed power 2^64 - 2 times 3 needs 66 bits.
    Committee k({UINT64_MAX - 2, 1});
    const size_t big = k.set.validators()[0].power == 1 ? 1 : 0;
    CHECK(k.set.total_power() == UINT64_MAX - 1);
    CHECK(verify_certificate(k.certify(9, kBlock, {big}), k.set, 7).ok());
    CHECK(verify_certificate(k.certify(9, kBlock, {1 - big}), k.set, 7).result == C::kNotEnoughPower);
  }
}

TEST_CASE("certificate rules have stable names", "[certificate]") {
  CHECK(std::string(to_string(C::kOk)) == "ok");
  CHECK(std::string(to_string(C::kNotEnoughPower)) == "not_enough_power");
  std::set<std::string> names;
  for (int v = 0; v <= static_cast<int>(C::kNotEnoughPower); ++v) names.insert(to_string(static_cast<C>(v)));
  CHECK(names.size() == static_cast<size_t>(C::kNotEnoughPower) + 1);
  CHECK(names.count("unknown") == 0);
}

TEST_CASE("a data directory of storage version 4 is refused by name", "[certificate][store]") {
  test::TempDir dir;
  {
    test::TestChain t;  // a store of this version, then marked as version 4
    std::filesystem::copy(t.dir.path(), dir.path(), std::filesystem::copy_options::recursive |
                                                        std::filesystem::copy_options::overwrite_existing);
  }
  {
    leveldb::DB* raw = nullptr;
    leveldb::Options o;
    REQUIRE(leveldb::DB::Open(o, (dir.path() / "chain").string(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    REQUIRE(db->Put(leveldb::WriteOptions(), "Mversion", "4").ok());
  }
  std::string error;
  CHECK_FALSE(ChainStore::open(dir.path(), error));
  CHECK(error.find("has storage version 4, this vestd reads version 8") != std::string::npos);
  CHECK(error.find(dir.path().string()) != std::string::npos);
  CHECK(error.find("new --datadir") != std::string::npos);
}
