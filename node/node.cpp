#include "node/node.h"

#include <set>

#include "node/log.h"

namespace vest::node {

Node::Node(const Genesis& genesis, const PrivateKey& key, NodeOptions options)
    : executor_(genesis.params), mempool_(options.mempool), key_(key), options_(std::move(options)) {
  contracts_.register_with(executor_);
}

std::unique_ptr<Node> Node::open(const std::filesystem::path& datadir, const Genesis& genesis, const PrivateKey& key,
                                 NodeOptions options, std::string& error) {
  if (address_of(key) != genesis.params.validator) {
    error = "the validator key's address " + to_checksum(address_of(key)) + " is not the genesis validator " +
            to_checksum(genesis.params.validator);
    return nullptr;
  }
  std::unique_ptr<Node> node(new Node(genesis, key, std::move(options)));
  node->chain_ = Chain::open(datadir, genesis, node->executor_, error);
  if (!node->chain_) return nullptr;
  if (node->options_.block_time_ms == 0) node->options_.block_time_ms = genesis.params.block_time_ms;
  // A restarted dev chain keeps its clock at least at the head's time.
  Head head = node->chain_->head();
  uint64_t now = node->block_time_now();
  if (head.time > now) node->time_offset_ = head.time - now;
  return node;
}

Node::~Node() { stop(); }

void Node::start() {
  producer_ = std::thread([this] { producer_loop(); });
}

void Node::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (producer_.joinable()) producer_.join();
  // Whoever still waits learns that nothing more will happen.
  std::multimap<Hash, Waiter> left;
  {
    std::lock_guard lock(waiters_mutex_);
    left.swap(waiters_);
  }
  for (auto& [h, w] : left) w.done(rpc::WaitResult{rpc::WaitResult::Kind::kTimeout, {}});
}

uint64_t Node::block_time_now() const {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count()) + time_offset_.load();
}

BlockEnv Node::next_env() const {
  Head head = chain_->head();
  return BlockEnv{params().chain_id, head.height + 1, std::max(head.time, block_time_now()), params().validator};
}

rpc::NodeInfo Node::info() const {
  rpc::NodeInfo i;
  i.version = options_.version;
  i.dev = options_.dev;
  i.time_offset = time_offset_.load();
  i.mempool_txs = mempool_.size();
  i.mempool_bytes = mempool_.bytes();
  return i;
}

Status Node::submit(ByteView raw, Hash& hash) {
  VerifiedTx tx;
  if (Status s = verify_pool_.verify_one(raw, params().chain_id, params().max_tx_bytes, tx); !s.ok()) return s;
  hash = tx.hash;
  if (chain_->store().transaction(tx.hash))
    return reject(ChainCode::kAlreadyKnown, "transaction is already in block");
  auto state = chain_->store().snapshot();
  Status s = mempool_.add(tx, executor_, *state, next_env());
  if (!s.ok()) return s;
  {
    std::lock_guard lock(wake_mutex_);
    tx_arrived_ = true;
  }
  if (options_.instant) wake_.notify_all();
  return s;
}

std::optional<VerifiedTx> Node::pending(const Hash& hash) const { return mempool_.get(hash); }

void Node::wait_for(const Hash& hash, std::chrono::milliseconds timeout, std::function<void(rpc::WaitResult)> done) {
  {
    std::lock_guard lock(waiters_mutex_);
    waiters_.emplace(hash, Waiter{std::chrono::steady_clock::now() + timeout, std::move(done)});
  }
  // It may have been committed or dropped before the waiter was registered.
  if (chain_->store().transaction(hash)) {
    notify(hash, rpc::WaitResult{rpc::WaitResult::Kind::kCommitted, {}});
  } else if (!mempool_.get(hash)) {
    notify(hash, rpc::WaitResult{rpc::WaitResult::Kind::kDropped,
                                 reject(ChainCode::kMalformed, "transaction is neither pending nor committed")});
  }
}

void Node::notify(const Hash& hash, rpc::WaitResult result) {
  std::vector<Waiter> fire;
  {
    std::lock_guard lock(waiters_mutex_);
    auto [b, e] = waiters_.equal_range(hash);
    for (auto it = b; it != e; ++it) fire.push_back(std::move(it->second));
    waiters_.erase(b, e);
  }
  for (auto& w : fire) w.done(result);
}

void Node::expire_waiters() {
  auto now = std::chrono::steady_clock::now();
  std::vector<Waiter> fire;
  {
    std::lock_guard lock(waiters_mutex_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.deadline <= now) {
        fire.push_back(std::move(it->second));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& w : fire) w.done(rpc::WaitResult{rpc::WaitResult::Kind::kTimeout, {}});
}

bool Node::produce_block(std::string& error) {
  auto candidates = mempool_.select(params().max_block_txs);
  Chain::Produced out;
  if (!chain_->produce(candidates, block_time_now(), key_, out, error)) return false;

  std::set<Address> touched;
  for (const Event& e : out.block.events) touched.insert(e.addresses.begin(), e.addresses.end());
  std::vector<Hash> included;
  for (size_t i = 0; i < out.included.size(); ++i) {
    included.push_back(out.included[i].hash);
    touched.insert(out.included[i].sender);
    for (const Event& e : out.receipts[i].events) touched.insert(e.addresses.begin(), e.addresses.end());
  }
  auto state = chain_->store().snapshot();
  auto removed = mempool_.after_block(included, out.dropped, touched, executor_, *state, next_env());

  log_info("block " + std::to_string(out.block.header.height) + " " + to_hex_0x(out.block.hash.view()) + " txs " +
           std::to_string(included.size()) + (out.dropped.empty() ? "" : " dropped " + std::to_string(out.dropped.size())));
  for (const Hash& h : included) notify(h, rpc::WaitResult{rpc::WaitResult::Kind::kCommitted, {}});
  for (auto& [h, why] : removed) notify(h, rpc::WaitResult{rpc::WaitResult::Kind::kDropped, why});
  return true;
}

void Node::producer_loop() {
  using namespace std::chrono;
  const auto block_time = milliseconds(options_.block_time_ms);
  auto next_block = steady_clock::now() + block_time;
  for (;;) {
    {
      std::unique_lock lock(wake_mutex_);
      auto until = std::min(next_block, steady_clock::now() + milliseconds(100));
      wake_.wait_until(lock, until, [&] { return stopping_ || (options_.instant && tx_arrived_); });
      if (stopping_) return;
    }
    expire_waiters();
    bool due = options_.instant || steady_clock::now() >= next_block;
    if (!due) continue;
    next_block = steady_clock::now() + block_time;
    {
      std::lock_guard lock(wake_mutex_);
      tx_arrived_ = false;
    }
    if (mempool_.size() == 0) continue;
    std::lock_guard produce(produce_mutex_);
    std::string error;
    if (!produce_block(error)) {
      log_error("block production failed: " + error);
    }
  }
}

Status Node::dev_mine(uint32_t blocks, uint64_t& height) {
  std::lock_guard produce(produce_mutex_);
  for (uint32_t i = 0; i < blocks; ++i) {
    std::string error;
    if (!produce_block(error)) return Status{1, "internal", error};
  }
  height = chain_->head().height;
  return Status::success();
}

Status Node::dev_increase_time(uint64_t seconds, uint64_t& offset) {
  offset = time_offset_.fetch_add(seconds) + seconds;
  return Status::success();
}

}  // namespace vest::node
