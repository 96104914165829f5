// `vestd check` as the node wires it: genesis file, contracts, report, exit codes.
#include <leveldb/db.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "node/check.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using vest::test::TempDir;
using vest::test::TestChain;

namespace {

void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.rfind('\n') + 1);
}

}  // namespace

TEST_CASE("vestd check: the report and its exit codes", "[check]") {
  TestChain t;
  t.produce({t.transfer(0, t.addrs[1], 5 * test::kVest)});
  t.produce({t.transfer(1, t.addrs[2], 7 * test::kVest)});
  TempDir files;
  node::CheckOptions options;
  options.datadir = t.dir.path();
  options.genesis = files.path() / "genesis.json";
  write_text(options.genesis, test::test_genesis_json(t.addrs, address_of(t.validator)));

  std::ostringstream out;
  SECTION("a running node holds the store") {
    CHECK(node::run_check(options, out) == 1);
    CHECK(last_line(out.str()).find("PROBLEM: data directory") == 0);
    CHECK(out.str().find("in use") != std::string::npos);
  }
  t.chain.reset();

  SECTION("consistent") {
    CHECK(node::run_check(options, out) == 0);
    INFO(out.str());
    CHECK(out.str().find("ok  genesis 0x") != std::string::npos);
    CHECK(out.str().find("ok  blocks 0..2 present") != std::string::npos);
    CHECK(out.str().find("ok  bank: each asset's balances add up to its supply") != std::string::npos);
    CHECK(out.str().find("ok  transactions 2 in blocks 0..2") != std::string::npos);
    CHECK(last_line(out.str()) == "consistent");
  }
  SECTION("a missing block") {
    {
      leveldb::DB* raw = nullptr;
      REQUIRE(leveldb::DB::Open(leveldb::Options(), (t.dir.path() / "chain").string(), &raw).ok());
      std::unique_ptr<leveldb::DB> db(raw);
      Bytes key{'b'};
      put_u64_be(key, 1);
      REQUIRE(db->Delete(leveldb::WriteOptions(), std::string(as_string(key))).ok());
    }
    CHECK(node::run_check(options, out) == 1);
    CHECK(last_line(out.str()) == "PROBLEM: block 1 is missing (the head record is at block 2)");
  }
  SECTION("another chain's genesis") {
    auto doc = boost::json::parse(test::test_genesis_json(t.addrs, address_of(t.validator)));
    doc.as_object()["chain_name"] = "another";
    write_text(options.genesis, boost::json::serialize(doc));
    CHECK(node::run_check(options, out) == 1);
    CHECK(last_line(out.str()).find("PROBLEM: the store belongs to another chain") == 0);
  }
  SECTION("no database: nothing is created") {
    options.datadir = files.path() / "nothing";
    CHECK(node::run_check(options, out) == 1);
    CHECK(last_line(out.str()).find("PROBLEM: no chain database in") == 0);
    CHECK_FALSE(std::filesystem::exists(options.datadir));
  }
  SECTION("an unreadable genesis file") {
    options.genesis = files.path() / "absent.json";
    CHECK(node::run_check(options, out) == 2);
    CHECK(out.str().find("cannot read genesis file") == 0);
  }
}
