#include "node/verify_pool.h"

#include <atomic>
#include <future>

#include "chain/keccak.h"

namespace vest::node {

VerifyPool::VerifyPool(unsigned threads, size_t cache_entries)
    : cache_entries_(cache_entries),
      thread_count_(threads ? threads : std::max(1u, std::thread::hardware_concurrency())) {}

VerifyPool::~VerifyPool() {
  {
    std::lock_guard lock(jobs_mutex_);
    stopping_ = true;
  }
  jobs_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void VerifyPool::run_worker() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(jobs_mutex_);
      jobs_cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

bool VerifyPool::cached_sender(const Hash& hash, Address& sender) const {
  std::lock_guard lock(cache_mutex_);
  auto it = senders_.find(hash);
  if (it == senders_.end()) return false;
  sender = it->second;
  ++hits_;
  return true;
}

void VerifyPool::remember(const Hash& hash, const Address& sender) {
  if (cache_entries_ == 0) return;
  std::lock_guard lock(cache_mutex_);
  if (!senders_.emplace(hash, sender).second) return;
  order_.push_back(hash);
  while (order_.size() > cache_entries_) {
    senders_.erase(order_.front());
    order_.pop_front();
  }
}

size_t VerifyPool::cache_hits() const {
  std::lock_guard lock(cache_mutex_);
  return hits_;
}

Status VerifyPool::verify_one(ByteView raw, uint64_t chain_id, uint64_t max_tx_bytes, VerifiedTx& out) {
  return check(raw, chain_id, max_tx_bytes, out, true);
}

Status VerifyPool::check(ByteView raw, uint64_t chain_id, uint64_t max_tx_bytes, VerifiedTx& out, bool keep) {
  Hash hash = keccak256(raw);
  Address sender;
  if (raw.size() <= max_tx_bytes && cached_sender(hash, sender)) {
    VerifiedTx v;
    if (Status s = decode_transaction(raw, v.tx); !s.ok()) return s;
    if (v.tx.chain_id == chain_id) {
      v.raw.assign(raw.begin(), raw.end());
      v.hash = hash;
      v.sender = sender;
      out = std::move(v);
      return Status::success();
    }
  }
  Status s = verify_transaction(raw, chain_id, max_tx_bytes, out);
  if (s.ok() && keep) remember(out.hash, out.sender);
  return s;
}

std::vector<Status> VerifyPool::verify(const std::vector<Bytes>& raws, uint64_t chain_id, uint64_t max_tx_bytes,
                                       std::vector<VerifiedTx>& out) {
  std::vector<Status> statuses(raws.size());
  out.assign(raws.size(), VerifiedTx{});
  // Chunks of consecutive transactions, a few per worker so that uneven
  // chunks even out; workers take the next unclaimed one.
  std::call_once(started_, [this] {
    for (unsigned i = 0; i < thread_count_; ++i) workers_.emplace_back([this] { run_worker(); });
  });
  const size_t chunk = std::max<size_t>(1, raws.size() / (thread_count_ * 4));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (;;) {
      size_t begin = next.fetch_add(chunk);
      if (begin >= raws.size()) return;
      size_t end = std::min(raws.size(), begin + chunk);
      for (size_t i = begin; i < end; ++i) statuses[i] = check(raws[i], chain_id, max_tx_bytes, out[i], false);
    }
  };
  std::vector<std::future<void>> done;
  for (unsigned i = 0; i < thread_count_; ++i) {
    auto task = std::make_shared<std::packaged_task<void()>>(work);
    done.push_back(task->get_future());
    {
      std::lock_guard lock(jobs_mutex_);
      jobs_.emplace_back([task] { (*task)(); });
    }
    jobs_cv_.notify_one();
  }
  for (auto& f : done) f.get();
  return statuses;
}

}  // namespace vest::node
