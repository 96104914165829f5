// Genesis files: the chain's parameters and initial state, as JSON. Every field
// is documented in docs/genesis.md. chain/ reads the common fields; each
// contract reads its own section when the executor builds the genesis state.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "chain/block.h"
#include "chain/executor.h"
#include "chain/params.h"

namespace vest {

struct Genesis {
  ChainParams params;
  boost::json::object doc;  // the whole document, for the contracts' sections
};

// Parses the document and its common fields. On failure `error` names the
// field, e.g. "params.min_fee: expected an amount as a decimal string".
bool parse_genesis(std::string_view text, Genesis& out, std::string& error);

}  // namespace vest
