// What a validator signed last, kept on disk so that it never signs two
// different messages for one (height, round, step), whatever happens to its
// process: the record of a signature is durable (chain/durable_file.h) before
// the signature may leave the process. The file format and the recovery rules
// are in docs/operations.md ("Signer state").
//
//   DATADIR/consensus/signer_state.json =
//     {"height": "12", "round": 0, "step": "precommit", "time": "1767225600",
//      "signBytes": "0x...", "signature": "0x..."}
//
// Steps are ordered within a round: proposal < prevote < precommit.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "chain/bytes.h"
#include "chain/secp256k1.h"

namespace vest::consensus {

enum class SignStep : uint8_t { kProposal = 1, kPrevote = 2, kPrecommit = 3 };

// "proposal", "prevote" or "precommit".
const char* to_string(SignStep s);

struct SignRecord {
  uint64_t height = 0;
  uint32_t round = 0;
  SignStep step = SignStep::kProposal;
  uint64_t time = 0;  // a vote's time; 0 for a proposal
  Bytes sign_bytes;
  Signature sig;

  friend bool operator==(const SignRecord&, const SignRecord&) = default;
};

enum class [[nodiscard]] SignDecision : uint8_t {
  kSign,        // after the last record: may be signed, once recorded
  kSame,        // the last record's position and sign bytes: its signature, again
  kRegression,  // before the last record: refused
  kConflict,    // the last record's position with other sign bytes: refused
};

class SignState {
 public:
  // Loads the state kept in `file`. A missing file is an empty state (nothing
  // signed yet); an unreadable or malformed one is an error that names the file.
  static std::optional<SignState> load(const std::filesystem::path& file, std::string& error);

  // Where (height, round, step) with `sign_bytes` stands against the last record.
  SignDecision check(uint64_t height, uint32_t round, SignStep step, ByteView sign_bytes) const;
  // Makes `record` the last one and writes it durably. False (with `error`)
  // when the write failed: the signature must not be released, and the state
  // in memory and on disk stays as it was.
  bool record(const SignRecord& record, std::string& error);

  const std::optional<SignRecord>& last() const { return last_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::optional<SignRecord> last_;
};

}  // namespace vest::consensus
