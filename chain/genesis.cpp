#include "chain/genesis.h"

#include <boost/json.hpp>

#include "chain/json_fields.h"

namespace vest {

bool parse_genesis(std::string_view text, Genesis& out, std::string& error) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(text, ec);
  if (ec) {
    error = "genesis is not valid JSON: " + ec.message();
    return false;
  }
  error.clear();
  jf::Fields top(doc, "", &error);
  Genesis g;
  g.params.chain_id = top.u64("chain_id");
  g.params.chain_name = top.str("chain_name");
  g.params.genesis_time = top.u64("genesis_time");
  if (top.has("validator")) {
    error = "genesis: validator: replaced by validators: [{\"address\": ..., \"power\": 1}] (docs/genesis.md)";
    return false;
  }
  const boost::json::array& validators = top.array("validators");
  std::vector<Validator> listed;
  for (size_t i = 0; i < validators.size() && error.empty(); ++i) {
    jf::Fields v(validators[i], "validators[" + std::to_string(i) + "]", &error);
    Validator x{v.address("address"), v.u64("power")};
    v.only({"address", "power", "note"});
    listed.push_back(x);
  }
  if (top.has("validator_admin")) g.params.validator_admin = top.address("validator_admin");
  jf::Fields p = top.object("params");
  g.params.min_fee = p.amount("min_fee");
  g.params.block_time_ms = p.u64("block_time_ms");
  g.params.max_block_bytes = p.u64("max_block_bytes");
  g.params.max_block_txs = p.u64("max_block_txs");
  g.params.max_tx_bytes = p.u64("max_tx_bytes");
  g.params.evidence_max_age_blocks = p.u64("evidence_max_age_blocks", ChainParams{}.evidence_max_age_blocks);
  g.params.max_block_evidence = p.u64("max_block_evidence", ChainParams{}.max_block_evidence);
  p.only({"min_fee", "block_time_ms", "max_block_bytes", "max_block_txs", "max_tx_bytes", "evidence_max_age_blocks",
          "max_block_evidence"});
  if (!error.empty()) {
    error = "genesis: " + error;
    return false;
  }
  auto bad = [&](const char* field, const char* what) {
    error = std::string("genesis: ") + field + ": " + what;
    return false;
  };
  if (g.params.chain_id == 0) return bad("chain_id", "must be positive");
  if (g.params.chain_name.empty() || g.params.chain_name.size() > 64) return bad("chain_name", "must be 1 to 64 characters");
  std::string set_error;
  auto set = ValidatorSet::make(std::move(listed), set_error);
  if (!set) {
    error = "genesis: validators" + (set_error.starts_with("[") ? set_error : ": " + set_error);
    return false;
  }
  g.params.validators = std::move(*set);
  if (g.params.validator_admin && g.params.validator_admin->is_zero())
    return bad("validator_admin", "must not be the zero address (leave it out for a set that never changes)");
  if (g.params.block_time_ms == 0 || g.params.block_time_ms > 3600 * 1000)
    return bad("params.block_time_ms", "must be between 1 and 3600000");
  if (g.params.max_tx_bytes < 256 || g.params.max_tx_bytes > kMaxTxBytesLimit)
    return bad("params.max_tx_bytes", "must be between 256 and 1048576");
  // At most 4 MiB: a block, its transaction list and its certificate then fit
  // one p2p block message (8 MiB, docs/protocol.md section 8).
  if (g.params.max_block_bytes < g.params.max_tx_bytes || g.params.max_block_bytes > kMaxBlockBytesLimit)
    return bad("params.max_block_bytes", "must be at least max_tx_bytes and at most 4194304");
  if (g.params.max_block_txs == 0 || g.params.max_block_txs > 100000)
    return bad("params.max_block_txs", "must be between 1 and 100000");
  if (g.params.evidence_max_age_blocks == 0 || g.params.evidence_max_age_blocks > kMaxEvidenceAgeLimit)
    return bad("params.evidence_max_age_blocks", "must be between 1 and 10000000");
  if (g.params.max_block_evidence == 0 || g.params.max_block_evidence > kMaxBlockEvidenceLimit)
    return bad("params.max_block_evidence", "must be between 1 and 256");
  g.doc = doc.as_object();
  out = std::move(g);
  return true;
}

}  // namespace vest
