// The signer state: what a validator signed last, kept on disk, refusing any
// regression or conflicting signature, and surviving a restart.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "chain/keccak.h"
#include "consensus/sign_state.h"
#include "tests/util/test_util.h"

using namespace vest;
using namespace vest::consensus;

namespace {

SignRecord record_of(uint64_t h, uint32_t r, SignStep step, const std::string& what) {
  const PrivateKey key = *PrivateKey::from(keccak256(as_bytes("validator")).view());
  SignRecord rec{h, r, step, 1700000000 + h, Bytes(what.begin(), what.end()), {}};
  rec.sig = sign(key, keccak256(rec.sign_bytes));
  return rec;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("signer state: nothing signed allows anything, then only what comes after", "[consensus][signer]") {
  test::TempDir dir;
  const auto file = dir.path() / "signer_state.json";
  std::string error;
  auto state = SignState::load(file, error);
  REQUIRE(state);
  CHECK_FALSE(state->last());
  CHECK(state->check(1, 0, SignStep::kProposal, as_bytes("a")) == SignDecision::kSign);

  const SignRecord prevote = record_of(5, 2, SignStep::kPrevote, "prevote A");
  REQUIRE(state->record(prevote, error));
  // Later steps, rounds and heights may be signed.
  CHECK(state->check(5, 2, SignStep::kPrecommit, as_bytes("x")) == SignDecision::kSign);
  CHECK(state->check(5, 3, SignStep::kProposal, as_bytes("x")) == SignDecision::kSign);
  CHECK(state->check(6, 0, SignStep::kProposal, as_bytes("x")) == SignDecision::kSign);
  // The same message again: its signature again.
  CHECK(state->check(5, 2, SignStep::kPrevote, as_bytes("prevote A")) == SignDecision::kSame);
  // Another message at the same place: a double sign, refused.
  CHECK(state->check(5, 2, SignStep::kPrevote, as_bytes("prevote B")) == SignDecision::kConflict);
  // Anything before: refused.
  CHECK(state->check(5, 2, SignStep::kProposal, as_bytes("prevote A")) == SignDecision::kRegression);
  CHECK(state->check(5, 1, SignStep::kPrecommit, as_bytes("x")) == SignDecision::kRegression);
  CHECK(state->check(4, 9, SignStep::kPrecommit, as_bytes("x")) == SignDecision::kRegression);
}

TEST_CASE("signer state: a restart reads back exactly what was recorded, readable by its owner only",
          "[consensus][signer]") {
  test::TempDir dir;
  const auto file = dir.path() / "signer_state.json";
  std::string error;
  const SignRecord precommit = record_of(12, 1, SignStep::kPrecommit, "precommit for B");
  {
    auto state = SignState::load(file, error);
    REQUIRE(state);
    REQUIRE(state->record(record_of(12, 1, SignStep::kPrevote, "prevote for B"), error));
    REQUIRE(state->record(precommit, error));
  }
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);  // no temporary file left

  auto again = SignState::load(file, error);
  REQUIRE(again);
  REQUIRE(again->last());
  CHECK(*again->last() == precommit);
  CHECK(again->check(12, 1, SignStep::kPrecommit, precommit.sign_bytes) == SignDecision::kSame);
  CHECK(again->check(12, 1, SignStep::kPrevote, as_bytes("prevote for C")) == SignDecision::kRegression);
  CHECK(read_text(file).find("\"step\":\"precommit\"") != std::string::npos);
}

TEST_CASE("signer state: a damaged file is refused by name, never taken as empty", "[consensus][signer]") {
  test::TempDir dir;
  const auto file = dir.path() / "signer_state.json";
  std::string error;
  {
    auto state = SignState::load(file, error);
    REQUIRE(state);
    REQUIRE(state->record(record_of(3, 0, SignStep::kPrevote, "v"), error));
  }
  const std::string good = read_text(file);
  const std::vector<std::string> bad = {
      "",                                                        // emptied
      good.substr(0, good.size() / 2),                           // cut short
      "{}",                                                      // nothing in it
      std::string(good).replace(good.find("prevote"), 7, "prevot"),  // unknown step
      std::string(good).replace(good.find("\"3\""), 3, "\"-3\""),    // not a height
      std::string(good).replace(good.find("\"3\""), 3, "3"),         // a number where text is due
  };
  for (const std::string& text : bad) {
    std::ofstream(file, std::ios::trunc) << text;
    error.clear();
    CHECK_FALSE(SignState::load(file, error));
    CHECK(error.find(file.string()) != std::string::npos);
    CHECK(error.find("damaged") != std::string::npos);
  }
}

TEST_CASE("signer state: a failed write leaves the state as it was", "[consensus][signer]") {
  test::TempDir dir;
  const auto sub = dir.path() / "state";
  std::filesystem::create_directories(sub);
  std::string error;
  auto state = SignState::load(sub / "signer_state.json", error);
  REQUIRE(state);
  const SignRecord first = record_of(7, 0, SignStep::kPrevote, "first");
  REQUIRE(state->record(first, error));
  if (::geteuid() == 0) {
    // root writes through permissions: take the folder away instead.
    std::filesystem::rename(sub, dir.path() / "moved");
  } else {
    std::filesystem::permissions(sub, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  }
  CHECK_FALSE(state->record(record_of(7, 0, SignStep::kPrecommit, "second"), error));
  CHECK(error.find("cannot") != std::string::npos);
  REQUIRE(state->last());
  CHECK(*state->last() == first);
  CHECK(state->check(7, 0, SignStep::kPrecommit, as_bytes("second")) == SignDecision::kSign);
}
