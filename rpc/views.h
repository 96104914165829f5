// JSON views of chain objects, as documented in docs/rpc.md. Amounts are
// decimal strings of base units, hashes and bytes 0x-hex, addresses EIP-55.
#pragma once

#include <boost/json.hpp>

#include "chain/store.h"
#include "chain/transaction.h"

namespace vest::rpc {

boost::json::object block_view(const StoredBlock& b);
// A validator set: {effectiveFrom, hash, totalPower, validators: [{address, power}]}, powers as decimal strings.
boost::json::object validator_set_view(const ValidatorsAt& v);
// One duplicate vote: {hash, validator, height, round, type, blockA, blockB, votes, raw}.
boost::json::object duplicate_vote_view(const DuplicateVote& d);
boost::json::object event_view(const Event& e);
boost::json::object error_view(uint32_t code, const std::string& reason, const std::string& message);
// A transaction's own fields (from, nonce, fee, kind, message, raw).
boost::json::object tx_fields_view(const Transaction& tx, const Address& sender, const Hash& hash, ByteView raw);
// A committed transaction with its outcome and its place: the block's height,
// hash and time, and its index there.
boost::json::object committed_tx_view(const TxRecord& r, const Transaction& tx, const StoredBlock& block);
// The same from the stored record alone (decodes the transaction).
boost::json::object committed_tx_view(const TxRecord& r, const StoredBlock& block);

std::string cursor_text(const Cursor& c);
// Parses "height:index" or "height:index:sub"; nullopt when malformed.
std::optional<Cursor> parse_cursor(std::string_view text);

}  // namespace vest::rpc
