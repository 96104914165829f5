#include "rpc/subscriptions.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "contracts/sale/sale.h"
#include "contracts/staking/staking.h"
#include "rpc/chain_methods.h"
#include "rpc/event_filter.h"
#include "rpc/method_util.h"
#include "rpc/params.h"
#include "rpc/views.h"

namespace vest::rpc {

namespace json = boost::json;

namespace {

enum class Topic { kNewHeads, kEvents, kTransaction, kAccount };

constexpr std::pair<std::string_view, Topic> kTopics[] = {
    {"newHeads", Topic::kNewHeads}, {"events", Topic::kEvents}, {"transaction", Topic::kTransaction},
    {"account", Topic::kAccount}};

// Most blocks one subscription is given in one pass of the fan-out thread, so
// that a long replay does not hold up the others.
constexpr std::uint64_t kBlocksPerPass = 64;
// How often the fan-out thread looks again at a replay that waits for room.
constexpr auto kRoomPoll = std::chrono::milliseconds(20);
// One wait for a transaction's outcome; renewed while the subscription lasts.
constexpr auto kTxWait = std::chrono::hours(1);
// Blocks the fan-out thread keeps read for the subscriptions at them.
constexpr std::size_t kCachedBlocks = 64;
// At most this many bytes of an unknown topic are quoted back.
constexpr std::size_t kMaxQuoted = 64;

struct Sub {
  std::string id;
  Topic topic = Topic::kNewHeads;
  const Subscriber* key = nullptr;
  std::weak_ptr<Subscriber> subscriber;
  EventFilter filter;
  Address address;
  Hash tx;
  std::uint64_t lapse_window = 0;

  bool active = false;  // guarded by State::mutex; set once its subscribe answer is queued

  // The fan-out thread's alone once active:
  std::uint64_t next = 0;  // the next height to deliver
  bool replaying = false;  // paced by Subscriber::has_room until caught up
  std::optional<std::uint64_t> lapse_height;  // the height `lapse` was found at
  std::optional<sale::TierLapse> lapse;

  std::mutex deliver_mutex;  // held while a notification is queued, so unsubscribe waits for it
  bool closed = false;       // guarded by deliver_mutex: nothing more is sent
};

struct Conn {
  std::weak_ptr<Subscriber> subscriber;
  std::map<std::string, std::shared_ptr<Sub>> subs;
};

// A block as the topics need it.
struct BlockData {
  StoredBlock block;
  std::vector<std::optional<Receipt>> receipts;  // one per transaction
  std::uint64_t parent_time = 0;                 // 0 for the genesis block
};

std::string notification(const std::string& id, json::value result) {
  return render_json(json::object{{"jsonrpc", "2.0"},
                                  {"method", "subscription"},
                                  {"params", json::object{{"subscription", id}, {"result", std::move(result)}}}});
}

std::string quoted_text(std::string_view s) {
  if (s.size() <= kMaxQuoted) return std::string(s);
  std::size_t n = kMaxQuoted;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "...";
}

// The event as chain_getEvents shows it.
json::object located_event(const Event& e, std::uint64_t height, std::uint32_t index, const Hash* tx) {
  json::object o = event_view(e);
  o["height"] = height;
  o["txIndex"] = tx ? json::value(index) : json::value(nullptr);
  o["txHash"] = tx ? json::value(to_hex_0x(tx->view())) : json::value(nullptr);
  return o;
}

}  // namespace

struct SubscriptionHub::State : std::enable_shared_from_this<SubscriptionHub::State> {
  State(NodeApi& n, const Limits& l) : node(n), limits(l), rng(std::random_device{}()) {}

  NodeApi& node;
  const Limits limits;

  mutable std::mutex mutex;  // guards the six below
  std::condition_variable wake;
  std::map<const Subscriber*, Conn> conns;
  std::size_t total = 0;
  bool work = false;
  bool stopping = false;
  std::mt19937_64 rng;

  std::thread thread;
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> dropped{0};
  std::map<std::uint64_t, std::shared_ptr<const BlockData>> cache;  // the fan-out thread's

  // Caller holds mutex.
  std::string new_id() {
    static const char* kHex = "0123456789abcdef";
    std::string id = "0x";
    for (int i = 0; i < 2; ++i) {
      std::uint64_t r = rng();
      for (int k = 0; k < 16; ++k, r >>= 4) id.push_back(kHex[r & 15]);
    }
    return id;
  }

  // Closes `sub` for sending; nothing more of it is queued after this returns.
  static void close(Sub& sub) {
    std::lock_guard lock(sub.deliver_mutex);
    sub.closed = true;
  }

  // Ends every subscription of the connection `key`; false when it had none.
  bool release(const Subscriber* key) {
    std::vector<std::shared_ptr<Sub>> ended;
    {
      std::lock_guard lock(mutex);
      auto it = conns.find(key);
      if (it == conns.end()) return false;
      for (auto& [id, sub] : it->second.subs) ended.push_back(sub);
      total -= it->second.subs.size();
      conns.erase(it);
    }
    for (auto& sub : ended) close(*sub);
    return true;
  }

  // Ends one subscription; false when `key` has no `id`.
  bool remove(const Subscriber* key, const std::string& id) {
    std::shared_ptr<Sub> sub;
    {
      std::lock_guard lock(mutex);
      auto it = conns.find(key);
      if (it == conns.end()) return false;
      auto found = it->second.subs.find(id);
      if (found == it->second.subs.end()) return false;
      sub = found->second;
      it->second.subs.erase(found);
      --total;
    }
    close(*sub);
    return true;
  }

  // Queues `payload` as a notification of `sub`; false when it is closed or
  // its connection was just dropped for being too slow.
  bool send(Sub& sub, Subscriber& to, json::value payload) {
    std::string text = notification(sub.id, std::move(payload));
    Subscriber::Queued queued = Subscriber::Queued::kClosed;
    {
      std::lock_guard lock(sub.deliver_mutex);
      if (sub.closed) return false;
      queued = to.notify(std::move(text));
    }
    if (queued != Subscriber::Queued::kYes) {
      if (queued == Subscriber::Queued::kOverflow) ++dropped;
      release(sub.key);
      return false;
    }
    ++sent;
    return true;
  }

  void activate(const std::shared_ptr<Sub>& sub) {
    if (sub->topic == Topic::kTransaction) return start_tx(sub);
    std::lock_guard lock(mutex);
    sub->active = true;
    work = true;
    wake.notify_one();
  }

  // ---- the transaction topic: driven by the node's waiters, not by blocks ----

  // The committed transaction as chain_getTransaction shows it; null when not committed.
  json::value committed_view(const Hash& hash) const {
    auto rec = node.store().transaction(hash);
    if (!rec) return nullptr;
    auto block = node.store().block(rec->height);
    if (!block) return nullptr;
    return committed_tx_view(*rec, *block);
  }

  static json::value dropped_view(const Hash& hash, const Status& why) {
    return json::object{{"hash", to_hex_0x(hash.view())},
                        {"status", "dropped"},
                        {"error", error_view(why.code, why.reason, why.message)}};
  }

  // Sends the final status of `sub` and ends it.
  void finish_tx(const std::shared_ptr<Sub>& sub, json::value payload) {
    auto to = sub->subscriber.lock();
    if (to && send(*sub, *to, std::move(payload))) remove(sub->key, sub->id);
  }

  void start_tx(const std::shared_ptr<Sub>& sub) {
    auto to = sub->subscriber.lock();
    if (!to) return;
    // The mempool first: a transaction leaves it only after its block is stored.
    const bool pending = node.pending(sub->tx).has_value();
    if (json::value done = committed_view(sub->tx); !done.is_null()) return finish_tx(sub, std::move(done));
    if (!pending) {
      return finish_tx(sub, dropped_view(sub->tx, Status{1, "malformed", "transaction is neither pending nor committed"}));
    }
    if (!send(*sub, *to, json::object{{"hash", to_hex_0x(sub->tx.view())}, {"status", "pending"}})) return;
    wait_tx(sub);
  }

  void wait_tx(const std::shared_ptr<Sub>& sub) {
    std::weak_ptr<State> weak = weak_from_this();
    node.wait_for(sub->tx, kTxWait, [weak, sub](WaitResult w) {
      auto self = weak.lock();
      if (!self) return;
      {
        std::lock_guard lock(self->mutex);
        if (self->stopping) return;
      }
      {
        std::lock_guard lock(sub->deliver_mutex);
        if (sub->closed) return;
      }
      switch (w.kind) {
        case WaitResult::Kind::kCommitted:
          return self->finish_tx(sub, self->committed_view(sub->tx));
        case WaitResult::Kind::kDropped:
          return self->finish_tx(sub, dropped_view(sub->tx, w.why));
        case WaitResult::Kind::kTimeout:
          return self->wait_tx(sub);
      }
    });
  }

  // ---- the block topics: one fan-out thread ----

  std::shared_ptr<const BlockData> block_data(std::uint64_t height) {
    if (auto it = cache.find(height); it != cache.end()) return it->second;
    auto b = node.store().block(height);
    if (!b) return nullptr;
    auto data = std::make_shared<BlockData>();
    data->block = std::move(*b);
    for (std::uint32_t i = 0; i < data->block.tx_hashes.size(); ++i) data->receipts.push_back(node.store().receipt(height, i));
    if (height > 0) {
      if (auto it = cache.find(height - 1); it != cache.end()) {
        data->parent_time = it->second->block.header.time;
      } else if (auto parent = node.store().block(height - 1)) {
        data->parent_time = parent->header.time;
      }
    }
    if (cache.size() >= kCachedBlocks) cache.erase(cache.begin());
    cache.emplace(height, data);
    return data;
  }

  // The state after block `height` (committed).
  std::shared_ptr<const StateReader> state_after(std::uint64_t height) const {
    auto snap = node.store().snapshot();
    if (snap->head().height == height) return snap;
    return std::make_shared<HistoricalState>(snap, height);
  }

  json::value events_payload(const Sub& sub, const BlockData& d) const {
    const std::uint64_t height = d.block.header.height;
    json::array events;
    for (const Event& e : d.block.events)
      if (sub.filter.matches(e)) events.push_back(located_event(e, height, kBlockEventsIndex, nullptr));
    for (std::uint32_t i = 0; i < d.receipts.size(); ++i) {
      if (!d.receipts[i]) continue;
      for (const Event& e : d.receipts[i]->events)
        if (sub.filter.matches(e)) events.push_back(located_event(e, height, i, &d.block.tx_hashes[i]));
    }
    if (events.empty()) return nullptr;
    return json::object{{"height", height},
                        {"blockHash", to_hex_0x(d.block.hash.view())},
                        {"time", d.block.header.time},
                        {"events", std::move(events)}};
  }

  static bool names(const Event& e, const Address& a) {
    for (const Address& x : e.addresses)
      if (x == a) return true;
    return false;
  }

  static bool touches(const BlockData& d, const Address& a) {
    for (const Event& e : d.block.events)
      if (names(e, a)) return true;
    for (const auto& r : d.receipts) {
      if (!r) continue;
      for (const Event& e : r->events)
        if (names(e, a)) return true;
    }
    return false;
  }

  std::optional<sale::TierLapse> lapse_at(const StateReader& state, const Address& a, std::uint64_t time,
                                          std::uint64_t window, std::optional<sale::Config>& cfg) const {
    cfg = sale::config(state);
    if (!cfg || window == 0) return std::nullopt;
    return sale::tier_lapse(state, *cfg, a, time, window);
  }

  std::vector<json::value> account_payloads(Sub& sub, const BlockData& d) {
    std::vector<json::value> out;
    const std::uint64_t height = d.block.header.height;
    const std::uint64_t time = d.block.header.time;
    const std::string address = to_checksum(sub.address);
    if (touches(d, sub.address)) {
      json::object o{{"type", "holdings"}};
      json::value account = account_get(node, json::object{{"address", address}, {"atHeight", height}});
      for (auto& kv : account.as_object()) o[kv.key()] = kv.value();
      o["now"] = nullptr;  // as of the block, live or replayed alike
      out.push_back(std::move(o));
    }
    auto state = state_after(height);
    for (const staking::UnlockReached& u :
         staking::unlocks_reached(*state, sub.address, d.parent_time, time, kMaxUnlocksPerBlock)) {
      json::array parts;
      for (const vesting::PartStep& p : u.parts)
        parts.push_back(json::object{{"part", p.part}, {"type", vesting::step_kind_name(p.kind)}});
      out.push_back(json::object{{"type", "unlock"},
                                 {"address", address},
                                 {"height", height},
                                 {"time", time},
                                 {"positionId", u.position_id},
                                 {"asset", u.asset},
                                 {"unlockTime", u.time},
                                 {"amount", to_decimal(u.amount)},
                                 {"parts", std::move(parts)},
                                 {"claimable", to_decimal(u.claimable)}});
    }
    // A tier lapse is told at the first block that sees it within the window
    // (or sees it move): compared with what the parent block saw.
    std::optional<sale::Config> cfg, parent_cfg;
    auto lapse = lapse_at(*state, sub.address, time, sub.lapse_window, cfg);
    std::optional<sale::TierLapse> before;
    if (sub.lapse_height && height > 0 && *sub.lapse_height == height - 1) {
      before = sub.lapse;
    } else if (height > 0) {
      before = lapse_at(*state_after(height - 1), sub.address, d.parent_time, sub.lapse_window, parent_cfg);
    }
    sub.lapse_height = height;
    sub.lapse = lapse;
    if (lapse && lapse != before && cfg && lapse->from < cfg->tiers.size() && lapse->to < cfg->tiers.size()) {
      out.push_back(json::object{{"type", "tierLapse"},
                                 {"address", address},
                                 {"height", height},
                                 {"time", time},
                                 {"tier", cfg->tiers[lapse->from].name},
                                 {"lapseTime", lapse->time},
                                 {"nextTier", cfg->tiers[lapse->to].name},
                                 {"spendAfter", to_decimal(lapse->spend_after)},
                                 {"paymentAsset", cfg->payment_asset},
                                 {"windowSeconds", cfg->tier_window}});
    }
    return out;
  }

  std::vector<json::value> payloads(Sub& sub, const BlockData& d) {
    switch (sub.topic) {
      case Topic::kNewHeads: return {block_view(d.block)};
      case Topic::kEvents: {
        json::value v = events_payload(sub, d);
        if (v.is_null()) return {};
        return {std::move(v)};
      }
      case Topic::kAccount: return account_payloads(sub, d);
      case Topic::kTransaction: break;
    }
    return {};
  }

  // Gives `sub` the blocks after its cursor, up to `head`; sets `paused` when a
  // replay waits for room, `more` when blocks are left for the next pass.
  void step(Subscriber& to, Sub& sub, std::uint64_t head, bool& paused, bool& more) {
    for (std::uint64_t n = 0; sub.next <= head; ++n) {
      if (n == kBlocksPerPass) {
        more = true;
        return;
      }
      if (sub.replaying && !to.has_room()) {
        paused = true;
        return;
      }
      auto data = block_data(sub.next);
      if (!data) return;  // not readable yet: the next pass
      std::vector<json::value> out;
      try {
        out = payloads(sub, *data);
      } catch (const std::exception&) {
        // A read model refused a committed block's state (a broken store):
        // end the subscription rather than skip a block silently.
        remove(sub.key, sub.id);
        return;
      }
      for (json::value& p : out)
        if (!send(sub, to, std::move(p))) return;
      ++sub.next;
    }
    sub.replaying = false;
  }

  void run() {
    std::unique_lock lock(mutex);
    bool paused = false, more = false;
    for (;;) {
      if (!more) {
        auto ready = [this] { return stopping || work; };
        if (paused) {
          wake.wait_for(lock, kRoomPoll, ready);
        } else {
          wake.wait(lock, ready);
        }
      }
      if (stopping) return;
      work = false;
      std::vector<std::pair<std::shared_ptr<Subscriber>, std::shared_ptr<Sub>>> list;
      std::vector<const Subscriber*> gone;
      for (auto& [key, conn] : conns) {
        auto s = conn.subscriber.lock();
        if (!s) {
          gone.push_back(key);
          continue;
        }
        for (auto& [id, sub] : conn.subs)
          if (sub->active && sub->topic != Topic::kTransaction) list.emplace_back(s, sub);
      }
      lock.unlock();
      for (const Subscriber* key : gone) release(key);
      paused = more = false;
      if (auto head = node.store().head()) {
        for (auto& [to, sub] : list) step(*to, *sub, head->height, paused, more);
      }
      list.clear();
      lock.lock();
    }
  }
};

SubscriptionHub::SubscriptionHub(NodeApi& node, const Limits& limits)
    : state_(std::make_shared<State>(node, limits)) {}

SubscriptionHub::~SubscriptionHub() { stop(); }

void SubscriptionHub::start() {
  state_->thread = std::thread([s = state_.get()] { s->run(); });
}

void SubscriptionHub::stop() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_one();
  if (state_->thread.joinable()) state_->thread.join();
}

void SubscriptionHub::on_head(std::uint64_t) {
  {
    std::lock_guard lock(state_->mutex);
    state_->work = true;
  }
  state_->wake.notify_one();
}

std::function<void(std::uint64_t)> SubscriptionHub::head_listener() const {
  return [weak = std::weak_ptr<State>(state_)](std::uint64_t) {
    auto s = weak.lock();
    if (!s) return;
    {
      std::lock_guard lock(s->mutex);
      s->work = true;
    }
    s->wake.notify_one();
  };
}

std::string SubscriptionHub::subscribe(const std::shared_ptr<Subscriber>& subscriber, const json::object& p) {
  State& s = *state_;
  auto sub = std::make_shared<Sub>();
  const std::string topic = get_string(p, "topic");
  bool known = false;
  for (const auto& [name, t] : kTopics) {
    if (name == topic) {
      sub->topic = t;
      known = true;
    }
  }
  if (!known)
    fail_params("field 'topic': unknown topic '" + quoted_text(topic) + "' (newHeads, events, transaction, account)");
  auto only_for = [&](std::string_view field, Topic t, std::string_view name) {
    if (opt_value(p, field) && sub->topic != t)
      fail_params("field '" + std::string(field) + "': only for topic " + std::string(name));
  };
  only_for("filter", Topic::kEvents, "events");
  only_for("hash", Topic::kTransaction, "transaction");
  only_for("address", Topic::kAccount, "account");
  only_for("tierLapseWindow", Topic::kAccount, "account");
  if (opt_value(p, "fromHeight") && sub->topic == Topic::kTransaction)
    fail_params("field 'fromHeight': not for topic transaction (its first notification is its current status)");
  switch (sub->topic) {
    case Topic::kEvents:
      if (opt_value(p, "filter")) {
        const json::object& f = get_object(p, "filter");
        for (const auto& kv : f) {
          if (kv.key() != "types" && kv.key() != "addresses")
            fail_params("field 'filter': unknown field '" + quoted_text(kv.key()) + "' (types, addresses)");
        }
        sub->filter = event_filter_param(f);
      }
      break;
    case Topic::kTransaction:
      sub->tx = hash_param(p, "hash");
      if (!s.node.pending(sub->tx) && !s.node.store().transaction(sub->tx))
        fail_params("field 'hash': transaction " + to_hex_0x(sub->tx.view()) + " is neither pending nor committed on this node");
      break;
    case Topic::kAccount: {
      sub->address = address_param(p, "address");
      sub->lapse_window = opt_u64(p, "tierLapseWindow").value_or(kDefaultTierLapseWindow);
      if (sub->lapse_window > kMaxTierLapseWindow)
        fail_params("field 'tierLapseWindow': at most " + std::to_string(kMaxTierLapseWindow) + " seconds");
      break;
    }
    case Topic::kNewHeads: break;
  }
  const std::uint64_t head = s.node.store().head()->height;
  sub->next = head + 1;
  if (auto from = opt_u64(p, "fromHeight")) {
    if (*from > head + 1)
      fail_params("field 'fromHeight': block " + std::to_string(*from) + " is in the future (the head is " +
                  std::to_string(head) + ")");
    if (head + 1 - *from > s.limits.max_replay_blocks)
      fail_params("field 'fromHeight': at most " + std::to_string(s.limits.max_replay_blocks) +
                  " blocks back (from " + std::to_string(head + 1 - std::min(head + 1, s.limits.max_replay_blocks)) +
                  " at head " + std::to_string(head) + ")");
    sub->next = *from;
    sub->replaying = true;
  }
  sub->key = subscriber.get();
  sub->subscriber = subscriber;

  bool hook = false;
  {
    std::lock_guard lock(s.mutex);
    auto it = s.conns.find(sub->key);
    const std::size_t here = it == s.conns.end() ? 0 : it->second.subs.size();
    if (here >= s.limits.max_subscriptions_per_connection)
      throw Exception(kTooManySubscriptions,
                      "too many subscriptions on this connection (at most " +
                          std::to_string(s.limits.max_subscriptions_per_connection) + ")",
                      json::object{{"limit", s.limits.max_subscriptions_per_connection}, {"scope", "connection"}});
    if (s.total >= s.limits.max_subscriptions)
      throw Exception(kTooManySubscriptions,
                      "too many subscriptions on this node (at most " + std::to_string(s.limits.max_subscriptions) + ")",
                      json::object{{"limit", s.limits.max_subscriptions}, {"scope", "node"}});
    if (it == s.conns.end()) {
      it = s.conns.emplace(sub->key, Conn{subscriber, {}}).first;
      hook = true;
    }
    sub->id = s.new_id();
    it->second.subs.emplace(sub->id, sub);
    ++s.total;
  }
  std::weak_ptr<State> weak = state_;
  if (hook) {
    subscriber->on_close([weak, key = sub->key] {
      if (auto self = weak.lock()) self->release(key);
    });
  }
  subscriber->after_reply([weak, sub] {
    if (auto self = weak.lock()) self->activate(sub);
  });
  return sub->id;
}

bool SubscriptionHub::unsubscribe(const Subscriber& subscriber, const std::string& id) {
  return state_->remove(&subscriber, id);
}

std::size_t SubscriptionHub::open() const {
  std::lock_guard lock(state_->mutex);
  return state_->total;
}

void SubscriptionHub::append_metrics(std::string& out) const {
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help, std::uint64_t value) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    out.append(name).append(" ").append(std::to_string(value)).append("\n");
  };
  metric("vest_rpc_subscriptions_open", "gauge", "WebSocket subscriptions open.", open());
  metric("vest_rpc_notifications_sent_total", "counter", "Subscription notifications queued to WebSocket connections.",
         state_->sent.load());
  metric("vest_rpc_subscribers_dropped_total", "counter",
         "WebSocket connections closed for reading their notifications too slowly.", state_->dropped.load());
}

void register_subscription_methods(Dispatcher& d, SubscriptionHub& hub) {
  auto subscriber_of = [](const std::shared_ptr<Session>& session) {
    auto s = std::dynamic_pointer_cast<Subscriber>(session);
    if (!s)
      throw Exception(kNeedsWebSocket,
                      "subscriptions need a WebSocket connection: open ws:// on this port and subscribe there");
    return s;
  };
  d.add_session("subscribe", {"topic", "filter", "fromHeight", "hash", "address", "tierLapseWindow"},
                [&hub, subscriber_of](const json::value& v, const std::shared_ptr<Session>& session) {
                  auto s = subscriber_of(session);
                  return Result(json::value(hub.subscribe(s, params_object(v))));
                });
  d.add_session("unsubscribe", {"subscription"},
                [&hub, subscriber_of](const json::value& v, const std::shared_ptr<Session>& session) {
                  auto s = subscriber_of(session);
                  return Result(json::value(hub.unsubscribe(*s, get_string(params_object(v), "subscription"))));
                });
}

}  // namespace vest::rpc
