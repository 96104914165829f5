// Subscriptions over WebSocket (docs/rpc.md, "Subscriptions"): `subscribe`
// {topic, ...} answers an id, then notifications follow on the same
// connection; `unsubscribe` {subscription} ends one.
//
// Topics: newHeads (each new block as chain_getBlock shows it), events (the
// events of each block that match a filter), transaction (one transaction's
// status until it is in a block or dropped), account (an account's holdings
// after each block that touched it, the vesting steps that became claimable,
// a coming tier lapse). Every block topic follows the chain one height after
// the other from a cursor of its own, so `fromHeight` replays stored blocks
// first and continues live with neither a gap nor a repeat at the seam.
//
// Threads: the node tells the hub of a new head (on_head, never on the thread
// that commits); one fan-out thread of the hub reads the blocks from the store
// and queues each notification on its connection, which bounds what it holds
// (Subscriber::notify) and drops a reader too slow to keep up. Nothing here
// holds a contract rule: payloads come from the contracts' read models.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "rpc/json_rpc.h"
#include "rpc/limits.h"
#include "rpc/node_api.h"

namespace vest::rpc {

// JSON-RPC application error codes (docs/rpc.md, "Errors").
constexpr int kNeedsWebSocket = 3001;         // subscribe over HTTP
constexpr int kTooManySubscriptions = 3002;   // per connection or per node

// How a connection dropped for reading too slowly is closed: WebSocket status
// 1008 (policy violation) with this reason text.
constexpr std::uint16_t kSlowSubscriberCloseCode = 1008;
constexpr std::string_view kSlowSubscriberReason = "subscriber too slow: notification queue full";

// The account topic's tierLapseWindow (seconds): default and largest.
constexpr std::uint64_t kDefaultTierLapseWindow = 7 * 86400;
constexpr std::uint64_t kMaxTierLapseWindow = 90 * 86400;
// Most unlock notices of one account in one block.
constexpr std::size_t kMaxUnlocksPerBlock = 64;

// One WebSocket connection as the hub sees it; the server implements it.
// Thread-safe.
class Subscriber : public Session {
 public:
  enum class Queued {
    kYes,
    // It would take the connection's queue past Limits::max_subscriber_messages
    // or max_subscriber_bytes: the connection is being closed
    // (kSlowSubscriberCloseCode). Answered once per connection.
    kOverflow,
    kClosed,  // the connection is closing or closed: nothing more is queued
  };
  // Queues the notification `text`.
  virtual Queued notify(std::string text) = 0;
  // Whether the queue is under half of both bounds: a replay waits for it.
  virtual bool has_room() const = 0;
  // Runs `fn` once the answer to the call being handled is queued, so that
  // notifications queued by `fn` follow it; called outside a call, soon.
  virtual void after_reply(std::function<void()> fn) = 0;
  // Runs `fn` once, when the connection closes.
  virtual void on_close(std::function<void()> fn) = 0;
};

class SubscriptionHub {
 public:
  // `node` must outlive the hub.
  SubscriptionHub(NodeApi& node, const Limits& limits);
  // Calls stop().
  ~SubscriptionHub();
  SubscriptionHub(const SubscriptionHub&) = delete;
  SubscriptionHub& operator=(const SubscriptionHub&) = delete;

  // Starts the fan-out thread. Call once.
  void start();
  // Ends the fan-out thread; later notifications are not sent. Idempotent.
  void stop();
  // The node's head listener: block `height` is committed. Thread-safe, never
  // waits on a subscriber.
  void on_head(std::uint64_t height);
  // on_head as a function for NodeApi::set_head_listener that does nothing
  // once the hub is gone.
  std::function<void(std::uint64_t)> head_listener() const;

  // subscribe: a new subscription of `subscriber` for `params` ({topic,
  // filter?, fromHeight?, hash?, address?, tierLapseWindow?}); its
  // notifications start once the answer is queued. Throws InvalidParams for
  // bad params, Exception kTooManySubscriptions at a bound (nothing changes).
  std::string subscribe(const std::shared_ptr<Subscriber>& subscriber, const boost::json::object& params);
  // unsubscribe: true when `id` was one of `subscriber`'s subscriptions (no
  // notification of it follows the answer), false otherwise.
  bool unsubscribe(const Subscriber& subscriber, const std::string& id);

  // Open subscriptions, on all connections.
  std::size_t open() const;
  // Prometheus text: subscriptions open, notifications sent, subscribers dropped.
  void append_metrics(std::string& out) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// Registers subscribe and unsubscribe on `d`; `hub` must outlive it.
void register_subscription_methods(Dispatcher& d, SubscriptionHub& hub);

}  // namespace vest::rpc
