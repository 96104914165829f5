// The subscription hub (rpc/subscriptions.h) on a real chain in LevelDB, with a
// subscriber that records what it is sent: activation after the answer, height
// order, replay and its seam with new commits, pacing and dropping, the bounds,
// ownership of ids, the transaction topic and unlock notices.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "contracts/sale/messages.h"
#include "contracts/staking/messages.h"
#include "rpc/subscriptions.h"
#include "rpc/views.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using namespace vest::rpc;
using vest::test::TestChain;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// NodeApi over a TestChain: reads from its store; the mempool and the waiters
// are the test's.
class ChainNode : public NodeApi {
 public:
  explicit ChainNode(TestChain& c) : c_(c) {}
  const ChainStore& store() const override { return c_.chain->store(); }
  const ChainParams& params() const override { return c_.chain->params(); }
  const Hash& genesis_hash() const override { return c_.chain->genesis_hash(); }
  NodeInfo info() const override { return NodeInfo{}; }
  BlockEnv next_block_env() const override {
    Head h = c_.chain->head();
    return BlockEnv{params().chain_id, h.height + 1, h.time, address_of(c_.validator)};
  }
  Status submit(ByteView, Hash&) override { return Status{1, "unsupported", "unsupported"}; }
  size_t pending_count(const Address&) const override { return 0; }
  std::optional<VerifiedTx> pending(const Hash& hash) const override {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(hash);
    if (it == pending_.end()) return std::nullopt;
    return it->second;
  }
  void wait_for(const Hash& hash, std::chrono::milliseconds, std::function<void(WaitResult)> done) override {
    std::lock_guard lock(mutex_);
    waiting_.emplace(hash, std::move(done));
  }
  Status dev_mine(uint32_t, uint64_t&) override { return Status{1, "unsupported", "unsupported"}; }
  Status dev_increase_time(uint64_t, uint64_t&) override { return Status{1, "unsupported", "unsupported"}; }
  Status dev_submit_evidence(ByteView, Hash&) override { return Status{1, "unsupported", "unsupported"}; }

  void add_pending(const VerifiedTx& tx) {
    std::lock_guard lock(mutex_);
    pending_[tx.hash] = tx;
  }
  // Takes `hash` out of the mempool and answers its waiters with `kind`.
  void resolve(const Hash& hash, WaitResult result) {
    std::vector<std::function<void(WaitResult)>> fire;
    {
      std::lock_guard lock(mutex_);
      pending_.erase(hash);
      auto [b, e] = waiting_.equal_range(hash);
      for (auto it = b; it != e; ++it) fire.push_back(std::move(it->second));
      waiting_.erase(b, e);
    }
    for (auto& f : fire) f(result);
  }
  size_t waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
  }

 private:
  TestChain& c_;
  mutable std::mutex mutex_;
  std::map<Hash, VerifiedTx> pending_;
  std::multimap<Hash, std::function<void(WaitResult)>> waiting_;
};

// A connection that queues at most `cap` unread notifications.
class Recorder : public Subscriber {
 public:
  explicit Recorder(size_t cap = 1000) : cap_(cap) {}

  Queued notify(std::string text) override {
    std::lock_guard lock(mutex_);
    if (dropped_) return Queued::kClosed;
    if (queue_.size() >= cap_) {
      dropped_ = true;
      return Queued::kOverflow;
    }
    queue_.push_back(json::parse(text).as_object());
    arrived_.notify_all();
    return Queued::kYes;
  }
  bool has_room() const override {
    std::lock_guard lock(mutex_);
    return !dropped_ && queue_.size() < cap_ / 2;
  }
  void after_reply(std::function<void()> fn) override {
    std::lock_guard lock(mutex_);
    after_.push_back(std::move(fn));
  }
  void on_close(std::function<void()> fn) override {
    std::lock_guard lock(mutex_);
    hooks_.push_back(std::move(fn));
  }

  // The answers are on the wire: runs what waited for them.
  void answered() {
    std::vector<std::function<void()>> fns;
    {
      std::lock_guard lock(mutex_);
      fns.swap(after_);
    }
    for (auto& f : fns) f();
  }
  void closed() {
    std::vector<std::function<void()>> fns;
    {
      std::lock_guard lock(mutex_);
      fns.swap(hooks_);
    }
    for (auto& f : fns) f();
  }
  // The next notification's params, waiting up to `timeout`.
  std::optional<json::object> next(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    if (!arrived_.wait_for(lock, timeout, [&] { return !queue_.empty(); })) return std::nullopt;
    json::object n = std::move(queue_.front());
    queue_.pop_front();
    REQUIRE(n.at("jsonrpc") == "2.0");
    REQUIRE(n.at("method") == "subscription");
    return n.at("params").as_object();
  }
  size_t unread() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }
  bool dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  const size_t cap_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<json::object> queue_;
  bool dropped_ = false;
  std::vector<std::function<void()>> after_;
  std::vector<std::function<void()>> hooks_;
};

struct Fixture {
  explicit Fixture(Limits l = {}) : node(chain), limits(l), hub(node, limits) { hub.start(); }

  // Commits a block (with `txs`) `step` seconds after the head and tells the hub.
  uint64_t block(const std::vector<VerifiedTx>& txs = {}, uint64_t step = 10) {
    chain.produce(txs, step);
    const uint64_t h = chain.chain->head().height;
    hub.on_head(h);
    return h;
  }

  TestChain chain;
  ChainNode node;
  Limits limits;
  SubscriptionHub hub;
};

json::object heads() { return json::object{{"topic", "newHeads"}}; }

uint64_t height_of(const json::object& n) { return n.at("result").at("height").to_number<uint64_t>(); }

uint64_t metric_value(const SubscriptionHub& hub, const std::string& name) {
  std::string text;
  hub.append_metrics(text);
  const size_t at = text.find("\n" + name + " ");
  REQUIRE(at != std::string::npos);
  return std::stoull(text.substr(at + name.size() + 2));
}

}  // namespace

TEST_CASE("hub: notifications start once the answer is queued and follow the chain in height order",
          "[rpc][subscriptions]") {
  Fixture f;
  auto s = std::make_shared<Recorder>();
  const std::string id = f.hub.subscribe(s, heads());
  f.block();
  f.block();
  // Not before its answer: a client learns the id before any notification.
  CHECK_FALSE(s->next(200ms).has_value());
  s->answered();
  for (uint64_t h = 1; h <= 2; ++h) {
    auto n = s->next();
    REQUIRE(n);
    CHECK(n->at("subscription") == json::value(id));
    CHECK(n->at("result") == json::value(block_view(*f.chain.chain->store().block(h))));
  }
  CHECK(f.hub.unsubscribe(*s, id));
  CHECK_FALSE(f.hub.unsubscribe(*s, id));
  const std::string id2 = f.hub.subscribe(s, heads());
  s->answered();
  f.block();
  auto n = s->next();
  REQUIRE(n);
  CHECK(n->at("subscription") == json::value(id2));
  CHECK(height_of(*n) == 3);
  CHECK_FALSE(s->next(200ms).has_value());
  CHECK(metric_value(f.hub, "vest_rpc_notifications_sent_total") == 3);
}

TEST_CASE("hub: fromHeight replays, then continues live with no gap and no repeat while blocks commit",
          "[rpc][subscriptions]") {
  Fixture f;
  for (int i = 0; i < 40; ++i) f.block({f.chain.transfer(0, f.chain.addrs[1], 1 + i)});
  auto s = std::make_shared<Recorder>(64);  // replay paces itself on the reader's room
  f.hub.subscribe(s, json::object{{"topic", "newHeads"}, {"fromHeight", 1}});
  auto t = std::make_shared<Recorder>();
  f.hub.subscribe(t, json::object{{"topic", "events"}, {"fromHeight", 20}});
  std::thread commits([&] {
    for (int i = 0; i < 40; ++i) f.block({f.chain.transfer(1, f.chain.addrs[2], 1 + i)}, 1);
  });
  s->answered();
  t->answered();
  std::vector<uint64_t> got, got_events;
  while (got.size() < 80) {
    auto n = s->next();
    REQUIRE(n);
    got.push_back(height_of(*n));
  }
  commits.join();
  while (got_events.size() < 61) {
    auto n = t->next();
    REQUIRE(n);
    got_events.push_back(height_of(*n));
  }
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == i + 1);
  for (size_t i = 0; i < got_events.size(); ++i) CHECK(got_events[i] == i + 20);
  CHECK_FALSE(s->dropped());
  CHECK_FALSE(s->next(200ms).has_value());
}

TEST_CASE("hub: a live subscriber whose queue overflows is dropped and released, and others go on",
          "[rpc][subscriptions]") {
  Fixture f;
  auto slow = std::make_shared<Recorder>(10);
  auto fine = std::make_shared<Recorder>();
  f.hub.subscribe(slow, heads());
  f.hub.subscribe(slow, json::object{{"topic", "events"}});
  f.hub.subscribe(fine, heads());
  slow->answered();
  fine->answered();
  CHECK(f.hub.open() == 3);
  for (int i = 0; i < 20; ++i) f.block();
  for (uint64_t h = 1; h <= 20; ++h) {
    auto n = fine->next();
    REQUIRE(n);
    CHECK(height_of(*n) == h);
  }
  CHECK(slow->dropped());
  CHECK(slow->unread() == 10);  // never more than its bound
  CHECK(f.hub.open() == 1);
  CHECK(metric_value(f.hub, "vest_rpc_subscribers_dropped_total") == 1);
  CHECK(metric_value(f.hub, "vest_rpc_subscriptions_open") == 1);
}

TEST_CASE("hub: bounds per connection and per node refuse with an error and change nothing",
          "[rpc][subscriptions]") {
  Limits l;
  l.max_subscriptions_per_connection = 2;
  l.max_subscriptions = 3;
  l.max_replay_blocks = 4;
  Fixture f(l);
  for (int i = 0; i < 6; ++i) f.block();
  auto a = std::make_shared<Recorder>(), b = std::make_shared<Recorder>();
  f.hub.subscribe(a, heads());
  f.hub.subscribe(a, heads());
  try {
    f.hub.subscribe(a, heads());
    FAIL("a third subscription on one connection");
  } catch (const Exception& e) {
    CHECK(e.error().code == kTooManySubscriptions);
    CHECK(e.error().data.at("scope") == "connection");
  }
  f.hub.subscribe(b, heads());
  try {
    f.hub.subscribe(b, heads());
    FAIL("a fourth subscription on the node");
  } catch (const Exception& e) {
    CHECK(e.error().code == kTooManySubscriptions);
    CHECK(e.error().data.at("scope") == "node");
  }
  CHECK(f.hub.open() == 3);
  // fromHeight: at most 4 blocks back from the next one, never past it.
  CHECK_THROWS_WITH(f.hub.subscribe(b, json::object{{"topic", "events"}, {"fromHeight", 2}}),
                    Catch::Contains("at most 4 blocks back"));
  CHECK_THROWS_WITH(f.hub.subscribe(b, json::object{{"topic", "events"}, {"fromHeight", 8}}),
                    Catch::Contains("is in the future"));
  CHECK_THROWS_AS(f.hub.subscribe(b, json::object{{"topic", "nope"}}), InvalidParams);
  CHECK(f.hub.open() == 3);
  // Closing a connection releases its share.
  a->closed();
  CHECK(f.hub.open() == 1);
  f.hub.subscribe(b, json::object{{"topic", "newHeads"}, {"fromHeight", 3}});
  CHECK(f.hub.open() == 2);
}

TEST_CASE("hub: a subscription id is its connection's alone", "[rpc][subscriptions]") {
  Fixture f;
  auto a = std::make_shared<Recorder>(), b = std::make_shared<Recorder>();
  const std::string id = f.hub.subscribe(a, heads());
  a->answered();
  CHECK_FALSE(f.hub.unsubscribe(*b, id));
  f.block();
  auto n = a->next();
  REQUIRE(n);
  CHECK(n->at("subscription") == json::value(id));
  CHECK(f.hub.unsubscribe(*a, id));
}

TEST_CASE("hub: a transaction's status from pending to its end", "[rpc][subscriptions]") {
  Fixture f;
  auto s = std::make_shared<Recorder>();
  VerifiedTx tx = f.chain.transfer(0, f.chain.addrs[1], 5);
  CHECK_THROWS_WITH(f.hub.subscribe(s, json::object{{"topic", "transaction"}, {"hash", to_hex_0x(tx.hash.view())}}),
                    Catch::Contains("neither pending nor committed"));
  f.node.add_pending(tx);
  const std::string id = f.hub.subscribe(s, json::object{{"topic", "transaction"}, {"hash", to_hex_0x(tx.hash.view())}});
  s->answered();
  auto pending = s->next();
  REQUIRE(pending);
  CHECK(pending->at("result").at("status") == "pending");
  CHECK(f.node.waiting() == 1);
  f.block({tx});
  f.node.resolve(tx.hash, WaitResult{WaitResult::Kind::kCommitted, {}});
  auto done = s->next();
  REQUIRE(done);
  CHECK(done->at("result").at("status") == "committed");
  CHECK(done->at("result").at("height") == 1);
  CHECK(f.hub.open() == 0);

  VerifiedTx other = f.chain.transfer(1, f.chain.addrs[0], 5);
  f.node.add_pending(other);
  f.hub.subscribe(s, json::object{{"topic", "transaction"}, {"hash", to_hex_0x(other.hash.view())}});
  s->answered();
  REQUIRE(s->next());
  f.node.resolve(other.hash, WaitResult{WaitResult::Kind::kDropped, Status{9, "insufficient_fee", "no fee"}});
  auto dropped = s->next();
  REQUIRE(dropped);
  CHECK(dropped->at("result").at("status") == "dropped");
  CHECK(dropped->at("result").at("error").at("reason") == "insufficient_fee");
  CHECK(f.hub.open() == 0);
  (void)id;
}

TEST_CASE("hub: unlock notices at the first block at or after each step, once, live and replayed alike",
          "[rpc][subscriptions]") {
  Fixture f;
  // Package 2 ("Tranche"): its bonus vests 30% at +100 s and 70% at +200 s.
  // Package 4 ("Stake"): 50% at +100 s, 50% once 100 VEST stay staked 300 s.
  const uint64_t bought = f.block({f.chain.sign(0, sale::kPurchaseKind, sale::Purchase{2, 1, 50 * test::kUsd, {}}.encode()),
                                   f.chain.sign(0, sale::kPurchaseKind, sale::Purchase{4, 1, 1000 * test::kUsd, {}}.encode()),
                                   f.chain.sign(0, staking::kStakeKind, staking::AmountMsg{100 * test::kVest}.encode())});
  const uint64_t anchor = f.chain.chain->head().time;
  const std::string who = to_checksum(f.chain.addrs[0]);
  auto live = std::make_shared<Recorder>();
  f.hub.subscribe(live, json::object{{"topic", "account"}, {"address", who}, {"fromHeight", bought}});
  live->answered();
  for (int i = 0; i < 40; ++i) f.block({}, 15);  // past +300 s

  auto collect = [&](Recorder& r) {
    std::vector<json::object> unlocks;
    while (auto n = r.next(500ms)) {
      json::object res = n->at("result").as_object();
      if (res.at("type") == "unlock") unlocks.push_back(res);
    }
    return unlocks;
  };
  std::vector<json::object> got = collect(*live);
  // Tranche package: +100 (7 VEST x 30%) and +200; stake package: +100, and
  // the milestone met at +300 (stake and position both from the purchase block).
  REQUIRE(got.size() == 4);
  auto time_of = [](const json::object& o) { return o.at("unlockTime").to_number<uint64_t>(); };
  auto height_at_or_after = [&](uint64_t t) {
    for (uint64_t h = bought;; ++h)
      if (f.chain.chain->store().block(h)->header.time >= t) return h;
  };
  std::map<uint64_t, std::vector<std::string>> kinds;  // unlock time -> part types
  for (const json::object& u : got) {
    CHECK(u.at("height").to_number<uint64_t>() == height_at_or_after(time_of(u)));
    for (const auto& p : u.at("parts").as_array()) kinds[time_of(u)].push_back(std::string(p.at("type").as_string()));
  }
  CHECK(kinds[anchor + 100] == std::vector<std::string>{"tranche", "tranche"});
  CHECK(kinds[anchor + 200] == std::vector<std::string>{"tranche"});
  CHECK(kinds[anchor + 300] == std::vector<std::string>{"milestone"});
  CHECK(got[0].at("amount") == json::value(to_decimal(7 * test::kVest * 3 / 10)));

  // Replayed later, the same notices at the same heights.
  auto later = std::make_shared<Recorder>();
  f.hub.subscribe(later, json::object{{"topic", "account"}, {"address", who}, {"fromHeight", bought}});
  later->answered();
  CHECK(collect(*later) == got);
}
