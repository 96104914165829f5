// Resource limits of the RPC server; every field has the production default.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace vest::rpc {

struct Limits {
  // Largest HTTP body or WebSocket message; above it HTTP answers 413 and closes.
  std::size_t max_body_bytes = 1024 * 1024;
  // Largest HTTP request line plus headers; above it HTTP answers 431 and closes.
  std::size_t max_header_bytes = 8 * 1024;
  // Most calls in one batch; above it the whole batch gets one -32600 "batch too large".
  std::size_t max_batch = 100;
  // Deepest nesting of JSON arrays and objects; above it the request gets -32700.
  std::size_t max_depth = 64;
  // Most open connections (HTTP and WebSocket). At the limit a new connection takes
  // the place of the one idle longest (waiting for a request; failing that, the one
  // reading its request headers longest), which is closed; when every connection is
  // busy (handling a request, reading a body, WebSocket) the new one gets 503.
  std::size_t max_connections = 8192;
  // Most messages of one WebSocket connection being handled or answered at once;
  // reading also pauses while their sizes add up to max_body_bytes.
  std::size_t max_ws_pending = 32;
  // How long an HTTP connection may wait between requests before it is closed; a
  // WebSocket is pinged at half of it and closed when nothing came back.
  std::chrono::milliseconds idle_timeout{30'000};
  // How long a request may take to arrive once its first byte came (slow senders);
  // also the WebSocket handshake limit.
  std::chrono::milliseconds read_timeout{10'000};
  // How long the request line and headers may take: from the connection's accept for
  // its first request, from the first byte for a later one (at most read_timeout).
  std::chrono::milliseconds header_timeout{5'000};
  // How long writing one HTTP response may take (slow readers); also how long a
  // WebSocket dropped for reading too slowly has to take its close frame.
  std::chrono::milliseconds write_timeout{10'000};

  // Subscriptions (WebSocket only, docs/rpc.md "Subscriptions"):
  // most open at once on one connection, and on the whole node; above, subscribe
  // answers an error and nothing changes.
  std::size_t max_subscriptions_per_connection = 32;
  std::size_t max_subscriptions = 10'000;
  // Most notifications, and most bytes of them, queued unsent on one connection;
  // a connection that would exceed either is closed (1008, "subscriber too slow").
  std::size_t max_subscriber_messages = 1'000;
  std::size_t max_subscriber_bytes = 16 * 1024 * 1024;
  // How far back `fromHeight` may reach: at most this many blocks before the
  // next one.
  std::uint64_t max_replay_blocks = 10'000;
};

}  // namespace vest::rpc
