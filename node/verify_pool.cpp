#include "node/verify_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
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
  // Raising one's own nice value needs no privilege; a failure leaves the default.
  const auto tid = static_cast<id_t>(gettid());
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(nice + kWorkerNice, 19));
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
  // The caller's vector outlives the batch: it waits for it here.
  std::shared_ptr<const std::vector<Bytes>> borrowed(&raws, [](const std::vector<Bytes>*) {});
  Batch b = verify_async(std::move(borrowed), chain_id, max_tx_bytes).get();
  out = std::move(b.txs);
  return std::move(b.statuses);
}

std::future<VerifyPool::Batch> VerifyPool::verify_async(std::shared_ptr<const std::vector<Bytes>> raws,
                                                        uint64_t chain_id, uint64_t max_tx_bytes) {
  struct State {
    std::shared_ptr<const std::vector<Bytes>> raws;
    Batch batch;
    std::atomic<size_t> chunks_left{0};
    std::promise<Batch> done;
  };
  auto state = std::make_shared<State>();
  const size_t n = raws->size();
  state->raws = std::move(raws);
  state->batch.statuses.resize(n);
  state->batch.txs.resize(n);
  std::future<Batch> result = state->done.get_future();
  if (n == 0) {
    state->done.set_value(std::move(state->batch));
    return result;
  }
  std::call_once(started_, [this] {
    for (unsigned i = 0; i < thread_count_; ++i) workers_.emplace_back([this] { run_worker(); });
  });
  // A few chunks of consecutive transactions per worker, so that uneven
  // chunks even out; whichever worker finishes the last one hands the batch over.
  const size_t chunk = std::max<size_t>(1, n / (thread_count_ * 4));
  const size_t chunks = (n + chunk - 1) / chunk;
  state->chunks_left = chunks;
  {
    std::lock_guard lock(jobs_mutex_);
    for (size_t begin = 0; begin < n; begin += chunk) {
      const size_t end = std::min(n, begin + chunk);
      jobs_.emplace_back([this, state, begin, end, chain_id, max_tx_bytes] {
        for (size_t i = begin; i < end; ++i)
          state->batch.statuses[i] = check((*state->raws)[i], chain_id, max_tx_bytes, state->batch.txs[i], false);
        if (state->chunks_left.fetch_sub(1) == 1) state->done.set_value(std::move(state->batch));
      });
    }
  }
  jobs_cv_.notify_all();
  return result;
}

}  // namespace vest::node
