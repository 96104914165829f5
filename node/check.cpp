#include "node/check.h"

#include <fstream>
#include <ostream>
#include <sstream>

#include "chain/chain.h"
#include "chain/check.h"
#include "contracts/native.h"

namespace vest::node {

int run_check(const CheckOptions& options, std::ostream& out) {
  std::ifstream in(options.genesis, std::ios::binary);
  if (!in) {
    out << "cannot read genesis file " << options.genesis.string() << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  Genesis genesis;
  std::string error;
  if (!parse_genesis(text.str(), genesis, error)) {
    out << options.genesis.string() << ": " << error << "\n";
    return 2;
  }
  NativeContracts contracts;
  Executor executor(genesis.params);
  contracts.register_with(executor);
  GenesisBlock g;
  if (Status s = build_genesis(genesis, executor, g); !s.ok()) {
    out << options.genesis.string() << ": " << s.message << "\n";
    return 2;
  }

  out << "checking " << options.datadir.string() << " against " << options.genesis.string() << "\n";
  auto store = ChainStore::open(options.datadir, error, ChainStore::OpenMode::kExisting);
  if (!store) {
    out << "PROBLEM: " << error << "\n";
    return 1;
  }
  CheckReport report = check_store(*store, g.block.header.hash(), executor.contracts(), options.recent_blocks);
  for (const std::string& line : report.passed) out << "ok  " << line << "\n";
  if (!report.ok()) {
    out << "PROBLEM: " << report.problem << "\n";
    return 1;
  }
  out << "consistent\n";
  return 0;
}

}  // namespace vest::node
