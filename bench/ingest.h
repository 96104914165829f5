// RPC ingest: pre-signed transfers sent over JSON-RPC from concurrent
// keep-alive connections, timed until every one is committed. The same load
// runs against vestd (tx_submit) and against an Ethereum dev node such as
// anvil (eth_sendRawTransaction), for a side-by-side figure.
#pragma once

#include <string>

namespace vest::bench {

struct IngestSpec {
  std::string url;
  std::string dialect = "vest";  // vest | eth
  size_t clients = 8;
  size_t senders = 1000;
  size_t txs = 20000;
  unsigned long long chain_id = 0;  // 0: ask the node
};

// Prints the figures; returns 0 when every transaction was committed.
int run_ingest(const IngestSpec& spec);

}  // namespace vest::bench
