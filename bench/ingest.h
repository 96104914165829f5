// RPC ingest: pre-signed transfers sent over JSON-RPC from concurrent
// keep-alive connections, timed until every one is committed. The same load
// runs against vestd (tx_submit) and against an Ethereum dev node such as
// anvil (eth_sendRawTransaction), for a side-by-side figure.
#pragma once

#include <string>
#include <vector>

namespace vest::bench {

struct IngestSpec {
  std::string url;                        // the node asked for nonces and counts
  std::vector<std::string> submit_urls;   // client c sends to submit_urls[c % size]; empty: url
  std::string dialect = "vest";  // vest | eth
  size_t clients = 8;
  size_t senders = 1000;
  size_t txs = 20000;
  unsigned long long chain_id = 0;  // 0: ask the node
};

struct IngestResult {
  double submit_per_s = 0;     // accepted per second of sending
  double committed_per_s = 0;  // committed per second, from the first send until the last commit
  size_t committed = 0;
  size_t refused = 0;
  double seconds = 0;          // from the first send until the last commit
};

// Sends the load and waits until every accepted transaction is committed;
// complains about refusals on stderr. Throws when they are not committed
// within 600 s.
IngestResult measure_ingest(const IngestSpec& spec);

// measure_ingest, printing the figures; returns 0 when every transaction was committed.
int run_ingest(const IngestSpec& spec);

}  // namespace vest::bench
