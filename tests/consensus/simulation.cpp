#include "tests/consensus/simulation.h"

#include <cassert>
#include <deque>
#include <iostream>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "chain/keccak.h"
#include "tests/util/test_util.h"

namespace vest::consensus::sim {
namespace {

constexpr uint64_t kChainId = 99;
constexpr uint64_t kEpochSeconds = 1700000000;  // the clock of every node at simulated time 0
constexpr size_t kMaxBuffered = 256;            // messages a node keeps for the next height
constexpr uint64_t kMaxEvents = 3000000;

// Node-to-node messages: consensus messages and the block sync exchange.
struct StatusMsg {
  uint64_t height;  // the height the sender works on
};
struct CommitMsg {
  uint64_t height;
  Hash block;
  Certificate cert;
};
using Payload = std::variant<SignedProposal, SignedVote, StatusMsg, CommitMsg>;

struct Deliver {
  size_t from;
  size_t to;
  Payload payload;
};
struct NodeEvent {  // a timeout or the node's own answer (block built, block checked)
  size_t node;
  uint64_t epoch;
  Event input;
};
struct Tick {
  size_t node;
  uint64_t epoch;
};
struct Crash {
  size_t node;
};
struct Restart {
  size_t node;
};
struct Partition {
  std::vector<uint8_t> side;  // by node; empty: healed
};
struct Gst {};
using What = std::variant<Deliver, NodeEvent, Tick, Crash, Restart, Partition, Gst>;

struct Scheduled {
  uint64_t time;
  uint64_t seq;
  What what;
};
struct Later {
  bool operator()(const Scheduled& a, const Scheduled& b) const {
    return std::tie(a.time, a.seq) > std::tie(b.time, b.seq);
  }
};

struct Decision {
  Hash block;
  Certificate cert;
};

struct Node {
  size_t index = 0;
  PrivateKey key;
  Address address;
  bool byzantine = false;
  bool up = true;
  uint64_t epoch = 0;  // bumped by a crash: timers of the old life are void
  std::optional<Core> core;
  std::vector<Input> wal;  // since the last StartHeight
  size_t synced = 0;       // records of `wal` that survive a crash
  uint64_t height = 1;     // the height being decided
  std::map<uint64_t, Decision> store;
  std::vector<Payload> buffered;  // for height + 1
};

struct ValueInfo {
  uint64_t height = 0;
  bool valid = false;
  bool proposed = false;
};

std::optional<uint64_t> height_of(const Event& e) {
  if (const auto* p = std::get_if<SignedProposal>(&e)) return p->proposal.height;
  if (const auto* v = std::get_if<SignedVote>(&e)) return v->vote.height;
  return std::nullopt;
}

std::string short_hex(const Hash& h) { return h.is_zero() ? "nil" : to_hex(h.view()).substr(0, 8); }

class Simulation {
 public:
  Simulation(const Scenario& s, bool trace) : s_(s), trace_(trace), rng_(s.seed) {
    assert(!s.powers.empty() && s.byzantine.size() == s.powers.size());
    std::vector<Validator> vals;
    std::vector<std::pair<PrivateKey, bool>> keys;
    for (size_t i = 0; i < s.powers.size(); ++i) {
      PrivateKey k = vest::test::test_key("sim validator " + std::to_string(i));
      vals.push_back({address_of(k), s.powers[i]});
      keys.emplace_back(k, s.byzantine[i]);
    }
    std::string error;
    set_ = *ValidatorSet::make(vals, error);
    nodes_.resize(set_.size());
    for (const auto& [k, byz] : keys) {
      size_t i = *set_.index_of(address_of(k));
      nodes_[i].index = i;
      nodes_[i].key = k;
      nodes_[i].address = address_of(k);
      nodes_[i].byzantine = byz;
    }
    schedules_[1] = ProposerSchedule(set_);
    config_ = Config{kChainId, s.timeouts, 4};
  }

  Result run() {
    at(s_.gst_ms, Gst{});
    for (auto& n : nodes_) {
      if (s_.gossip_ms) at(rnd(s_.gossip_ms), Tick{n.index, n.epoch});
      if (s_.crashes && chance(500) && s_.gst_ms > 0) {
        for (uint64_t k = 1 + rnd(2); k > 0; --k) at(rnd(s_.gst_ms), Crash{n.index});
      }
    }
    if (s_.partitions && s_.gst_ms > 0 && nodes_.size() > 1) {
      for (uint64_t k = 1 + rnd(3); k > 0; --k) {
        Partition p;
        for (size_t i = 0; i < nodes_.size(); ++i) p.side.push_back(static_cast<uint8_t>(rnd(2)));
        const uint64_t start = rnd(s_.gst_ms);
        at(start, p);
        at(start + 100 + rnd(900), Partition{});
      }
    }
    for (auto& n : nodes_) {
      n.core.emplace(config_);
      start_height(n);
    }
    uint64_t events = 0;
    while (!queue_.empty() && failure_.empty() && !done()) {
      Scheduled ev = queue_.top();
      queue_.pop();
      now_ = ev.time;
      if (now_ > s_.gst_ms + s_.deadline_ms) {
        fail("no progress: " + progress() + " " + std::to_string(s_.deadline_ms) + " ms after GST");
        break;
      }
      if (++events > kMaxEvents) {
        fail("more than " + std::to_string(kMaxEvents) + " events: " + progress());
        break;
      }
      std::visit([&](auto& w) { dispatch(w); }, ev.what);
    }
    if (failure_.empty() && !done()) fail("the network went quiet: " + progress());
    result_.ok = failure_.empty();
    result_.failure = failure_;
    result_.heights = agreed_.size();
    result_.virtual_ms = now_;
    result_.evidence = evidence_.size();
    return result_;
  }

 private:
  // ---- events ----

  void dispatch(Deliver& d) {
    Node& to = nodes_[d.to];
    if (!to.up) return;
    ++result_.messages;
    trace("deliver " + std::to_string(d.from) + "->" + std::to_string(d.to) + " " + describe(d.payload));
    if (const auto* p = std::get_if<SignedProposal>(&d.payload)) {
      if (to.byzantine) amnesia(to, p->proposal);
      route(to, p->proposal.height, *p);
    } else if (const auto* v = std::get_if<SignedVote>(&d.payload)) {
      route(to, v->vote.height, *v);
    } else if (const auto* st = std::get_if<StatusMsg>(&d.payload)) {
      if (auto it = to.store.find(st->height); it != to.store.end())
        send(to.index, d.from, CommitMsg{st->height, it->second.block, it->second.cert});
    } else if (const auto* c = std::get_if<CommitMsg>(&d.payload)) {
      if (c->height != to.height) return;
      if (!certificate_ok(c->cert, c->height, c->block)) return fail("a peer served a certificate that does not verify");
      if (!values_.count(c->block) || !values_[c->block].valid) return fail("a certified block is invalid");
      ++result_.synced;
      trace("node " + std::to_string(to.index) + " syncs height " + std::to_string(c->height));
      commit(to, c->height, c->block, c->cert);
    }
  }

  void dispatch(NodeEvent& e) {
    Node& n = nodes_[e.node];
    if (!n.up || e.epoch != n.epoch) return;
    trace("node " + std::to_string(n.index) + " input " + describe(e.input));
    feed(n, e.input);
  }

  void dispatch(Tick& t) {
    Node& n = nodes_[t.node];
    if (!n.up || t.epoch != n.epoch) return;
    feed(n, GossipTick{}, false);
    for (const auto& other : nodes_) send(n.index, other.index, StatusMsg{n.height});
    at(now_ + s_.gossip_ms, Tick{n.index, n.epoch});
  }

  void dispatch(Crash& c) {
    Node& n = nodes_[c.node];
    if (!n.up || gst_passed_) return;
    n.up = false;
    ++n.epoch;
    n.core.reset();
    n.buffered.clear();
    ++result_.crashes;
    const bool torn = chance(500);
    if (torn) n.wal.resize(n.synced);  // the unsynced tail of the WAL is lost
    trace("node " + std::to_string(n.index) + " crashes" + (torn ? " losing its unsynced WAL" : ""));
    at(now_ + 50 + rnd(750), Restart{n.index});
  }

  void dispatch(Restart& r) { restart(nodes_[r.node]); }

  void dispatch(Partition& p) {
    if (gst_passed_) return;
    side_ = p.side;
    trace(side_.empty() ? "partition heals" : "partition");
  }

  void dispatch(Gst&) {
    gst_passed_ = true;
    side_.clear();
    trace("GST");
    for (auto& n : nodes_)
      if (!n.up) restart(n);
  }

  // ---- nodes ----

  void restart(Node& n) {
    if (n.up) return;
    n.up = true;
    n.core.emplace(config_);
    trace("node " + std::to_string(n.index) + " restarts, replaying " + std::to_string(n.wal.size()) + " inputs");
    // Replay the WAL: the core must ask for exactly what it asked for before.
    const std::vector<Input> log = n.wal;
    std::deque<std::pair<Event, bool>> pending;
    std::vector<Decide> decided;
    for (const Input& in : log) {
      auto actions = n.core->handle(in);
      for (auto& a : actions) act(n, a, pending, &decided);
      if (!failure_.empty()) return;
    }
    drain(n, pending);
    if (!decided.empty()) decide(n, decided.front());
    if (s_.gossip_ms) at(now_ + rnd(s_.gossip_ms), Tick{n.index, n.epoch});
  }

  void start_height(Node& n) {
    if (!schedules_.count(n.height)) schedules_[n.height] = schedules_.at(n.height - 1).next_height();
    StartHeight sh{n.height, set_, schedules_.at(n.height), n.address};
    n.wal.clear();
    n.wal.push_back(Input{clock(), sh});
    n.synced = 1;
    feed(n, sh, false);
    std::vector<Payload> buffered;
    buffered.swap(n.buffered);
    for (auto& p : buffered) {
      if (const auto* x = std::get_if<SignedProposal>(&p)) route(n, x->proposal.height, *x);
      if (const auto* x = std::get_if<SignedVote>(&p)) route(n, x->vote.height, *x);
    }
  }

  template <class M>
  void route(Node& n, uint64_t height, const M& m) {
    if (height == n.height)
      feed(n, m);
    else if (height == n.height + 1 && n.buffered.size() < kMaxBuffered)
      n.buffered.push_back(m);
  }

  // Hands `e` (recorded in the WAL when `record`) and whatever it leads to to the core.
  void feed(Node& n, const Event& e, bool record = true) {
    std::deque<std::pair<Event, bool>> pending{{e, record}};
    drain(n, pending);
  }

  void drain(Node& n, std::deque<std::pair<Event, bool>>& pending) {
    while (!pending.empty() && failure_.empty() && n.up) {
      auto [e, record] = std::move(pending.front());
      pending.pop_front();
      if (auto h = height_of(e); h && *h != n.height) continue;  // decided meanwhile
      Input in{clock(), e};
      if (record) n.wal.push_back(in);
      auto actions = n.core->handle(in);
      for (auto& a : actions) act(n, a, pending, nullptr);
    }
  }

  // Carries out one action; `replay` collects decisions while a WAL is replayed.
  void act(Node& n, Action& a, std::deque<std::pair<Event, bool>>& pending, std::vector<Decide>* replay) {
    if (auto* p = std::get_if<BroadcastProposal>(&a)) {
      if (n.byzantine && !replay) mislead(p->proposal);
      SignedProposal sp{p->proposal, n.address, sign(n.key, p->proposal.signing_digest())};
      signed_once(n, p->proposal.height, p->proposal.round, 0, p->proposal.sign_bytes());
      values_[p->proposal.block_hash].proposed = true;
      persist(n, sp, pending, replay != nullptr);
      if (n.byzantine && chance(500)) {
        Proposal twin = p->proposal;
        twin.block_hash = fresh_value(twin.height, chance(500));
        twin.pol_round.reset();
        values_[twin.block_hash].proposed = true;
        split(n, sp, SignedProposal{twin, n.address, sign(n.key, twin.signing_digest())});
      } else {
        broadcast(n, sp);
      }
    } else if (auto* v = std::get_if<BroadcastVote>(&a)) {
      SignedVote sv{v->vote, n.address, sign(n.key, v->vote.signing_digest())};
      signed_once(n, v->vote.height, v->vote.round, static_cast<int>(v->vote.type), v->vote.sign_bytes());
      note_vote(sv);
      persist(n, sv, pending, replay != nullptr);
      if (n.byzantine && v->vote.type == VoteType::kPrecommit && !v->vote.block_hash.is_zero()) {
        // Its precommit for the block to one peer, nil to the others: one node
        // may decide while the others move on to the next round, locked.
        Vote nil = v->vote;
        nil.block_hash = Hash{};
        const SignedVote sn{nil, n.address, sign(n.key, nil.signing_digest())};
        const size_t lucky = rnd(nodes_.size());
        for (const auto& other : nodes_) send(n.index, other.index, other.index == lucky ? sv : sn);
      } else if (n.byzantine && chance(500)) {
        Vote twin = v->vote;
        twin.block_hash = twin.block_hash.is_zero() ? fresh_value(twin.height, true) : Hash{};
        SignedVote st{twin, n.address, sign(n.key, twin.signing_digest())};
        note_vote(st);
        split(n, sv, st);
      } else {
        broadcast(n, sv);
      }
    } else if (auto* t = std::get_if<ScheduleTimeout>(&a)) {
      at(now_ + t->duration_ms, NodeEvent{n.index, n.epoch, TimeoutFired{t->height, t->round, t->step}});
    } else if (auto* r = std::get_if<RequestValue>(&a)) {
      const bool valid = !n.byzantine || chance(500);
      at(now_ + rnd(4), NodeEvent{n.index, n.epoch, ValueReady{r->height, r->round, fresh_value(r->height, valid)}});
    } else if (auto* c = std::get_if<CheckValue>(&a)) {
      auto it = values_.find(c->block_hash);
      const bool valid = it != values_.end() && it->second.valid && it->second.height == c->height;
      at(now_ + rnd(4), NodeEvent{n.index, n.epoch, ValueChecked{c->height, c->block_hash, valid}});
    } else if (auto* d = std::get_if<Decide>(&a)) {
      if (replay)
        replay->push_back(*d);
      else
        decide(n, *d);
    } else if (auto* e = std::get_if<Equivocation>(&a)) {
      check_evidence(*e);
    } else if (auto* g = std::get_if<Gossip>(&a)) {
      for (const auto& p : g->proposals) broadcast(n, p);
      for (const auto& v : g->votes) broadcast(n, v);
    }
  }

  // An own signed message: written to the WAL and synced before it leaves,
  // then fed back. A replay finds it in the WAL already.
  template <class M>
  void persist(Node& n, const M& m, std::deque<std::pair<Event, bool>>& pending, bool replaying) {
    if (replaying) {
      for (const Input& in : n.wal)
        if (const auto* x = std::get_if<M>(&in.event); x && *x == m) return;
    }
    n.wal.push_back(Input{clock(), m});
    n.synced = n.wal.size();
    pending.emplace_back(m, false);
  }

  void decide(Node& n, const Decide& d) {
    if (!certificate_ok(d.certificate, d.height, d.block_hash))
      return fail("node " + std::to_string(n.index) + " decided height " + std::to_string(d.height) +
                  " with a certificate that does not verify");
    ++result_.decisions;
    if (!n.byzantine) result_.max_round = std::max<uint64_t>(result_.max_round, d.round);
    trace("node " + std::to_string(n.index) + " decides " + short_hex(d.block_hash) + " at height " +
          std::to_string(d.height) + " round " + std::to_string(d.round));
    commit(n, d.height, d.block_hash, d.certificate);
  }

  void commit(Node& n, uint64_t height, const Hash& block, const Certificate& cert) {
    if (!n.byzantine) {
      auto it = values_.find(block);
      if (it == values_.end() || !it->second.proposed)
        return fail("height " + std::to_string(height) + ": decided " + short_hex(block) + ", never proposed");
      if (!it->second.valid || it->second.height != height)
        return fail("height " + std::to_string(height) + ": decided the invalid block " + short_hex(block));
      auto [agreed, fresh] = agreed_.emplace(height, block);
      if (!fresh && agreed->second != block)
        return fail("agreement broken at height " + std::to_string(height) + ": node " + std::to_string(n.index) +
                    " decided " + short_hex(block) + ", another node " + short_hex(agreed->second));
    }
    n.store[height] = Decision{block, cert};
    n.height = height + 1;
    start_height(n);
  }

  void check_evidence(const Equivocation& e) {
    const Vote& a = e.first.vote;
    const Vote& b = e.second.vote;
    if (e.first.voter != e.second.voter || a.height != b.height || a.round != b.round || a.type != b.type ||
        !(a.block_hash < b.block_hash) || !verify(e.first) || !verify(e.second))
      return fail("malformed evidence");
    auto index = set_.index_of(e.first.voter);
    if (!index || !nodes_[*index].byzantine)
      return fail("evidence against the honest validator " + to_checksum(e.first.voter));
    evidence_.insert({*index, a.height, a.round, static_cast<int>(a.type)});
  }

  // No honest key signs two different messages of one (height, round, kind).
  void signed_once(const Node& n, uint64_t height, uint32_t round, int kind, const Bytes& bytes) {
    if (n.byzantine) return;
    auto [it, fresh] = ledger_.emplace(std::make_tuple(n.index, height, round, kind), bytes);
    if (!fresh && it->second != bytes)
      fail("honest node " + std::to_string(n.index) + " signed two different " +
           (kind == 0 ? "proposals" : kind == 1 ? "prevotes" : "precommits") + " at height " +
           std::to_string(height) + " round " + std::to_string(round));
  }

  bool certificate_ok(const Certificate& cert, uint64_t height, const Hash& block) {
    const Hash key = cert.hash();
    auto it = verified_.find(key);
    if (it == verified_.end())
      it = verified_.emplace(key, verify_certificate(cert, set_, kChainId, height, block).ok()).first;
    return it->second && cert.height == height && cert.block_hash == block;
  }

  Hash fresh_value(uint64_t height, bool valid) {
    Bytes seed;
    put_u64_be(seed, s_.seed);
    put_u64_be(seed, ++value_counter_);
    Hash h = keccak256(seed);
    values_[h] = ValueInfo{height, valid, false};
    return h;
  }

  // ---- byzantine behaviour ----

  // A byzantine proposer, besides its core's choice, may propose a fresh block
  // (ignoring its valid value) or re-propose a block that had a polka in an
  // earlier round, with that round as POL: what a lock must withstand.
  void mislead(Proposal& p) {
    if (chance(500)) {  // a block that had a polka in an earlier round, with that POL round
      std::vector<std::pair<uint32_t, Hash>> stale;
      for (const auto& [round, blocks] : prevotes_.at_height(p.height))
        if (round < p.round)
          for (const auto& [block, voters] : blocks)
            if (!block.is_zero() && block != p.block_hash &&
                more_than_two_thirds(power_of(voters), set_.total_power()))
              stale.emplace_back(round, block);
      if (!stale.empty()) {
        const auto& [round, block] = stale[rnd(stale.size())];
        p.block_hash = block;
        p.pol_round = round;
        return;
      }
    }
    p.block_hash = fresh_value(p.height, chance(700));  // a fresh block, valid or not
    p.pol_round.reset();
  }

  // A byzantine validator with amnesia: on a proposal of its height it may
  // prevote and precommit the block at once, whatever it is locked on.
  void amnesia(Node& n, const Proposal& p) {
    if (!n.up || p.height != n.height || !chance(500)) return;
    if (!amnesia_done_.insert({n.index, p.height, p.round, p.block_hash}).second) return;
    for (VoteType type : {VoteType::kPrevote, VoteType::kPrecommit}) {
      Vote v{type, p.height, p.round, p.block_hash, clock(), kChainId};
      SignedVote sv{v, n.address, sign(n.key, v.signing_digest())};
      note_vote(sv);
      broadcast(n, sv);
    }
  }

  void note_vote(const SignedVote& v) {
    if (v.vote.type == VoteType::kPrevote)
      prevotes_.seen[v.vote.height][v.vote.round][v.vote.block_hash].insert(*set_.index_of(v.voter));
  }

  uint64_t power_of(const std::set<size_t>& voters) const {
    uint64_t p = 0;
    for (size_t i : voters) p += set_.validators()[i].power;
    return p;
  }

  // ---- network ----

  template <class M>
  void broadcast(const Node& n, const M& m) {
    for (const auto& other : nodes_) send(n.index, other.index, m);
  }

  // A byzantine sender: `a` to a random half of its peers, `b` to the others.
  template <class M>
  void split(const Node& n, const M& a, const M& b) {
    for (const auto& other : nodes_) send(n.index, other.index, chance(500) ? a : b);
  }

  void send(size_t from, size_t to, Payload p) {
    if (from == to) return;
    const bool faulty = !gst_passed_;
    if (faulty && !side_.empty() && side_[from] != side_[to]) return;
    if ((faulty || s_.drops_after_gst) && chance(s_.drop_permille)) return;
    const uint64_t max_delay = faulty ? s_.max_delay_ms : s_.post_gst_delay_ms;
    if (faulty && chance(s_.duplicate_permille)) at(now_ + 1 + rnd(max_delay), Deliver{from, to, p});
    at(now_ + 1 + rnd(max_delay), Deliver{from, to, std::move(p)});
  }

  // ---- helpers ----

  void at(uint64_t time, What w) { queue_.push(Scheduled{time, seq_++, std::move(w)}); }
  uint64_t rnd(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool chance(uint32_t permille) { return rnd(1000) < permille; }
  uint64_t clock() const { return kEpochSeconds + now_ / 1000; }

  bool done() const {
    for (const auto& n : nodes_)
      if (!n.byzantine && n.height <= s_.heights) return false;
    return true;
  }

  std::string progress() const {
    std::ostringstream o;
    o << "heights of the nodes";
    for (const auto& n : nodes_) {
      o << " " << n.index << (n.byzantine ? "(byz)" : "") << "=" << n.height;
      if (n.up && n.core) o << "/r" << n.core->round() << "/" << to_string(n.core->step());
      if (!n.up) o << "/down";
    }
    return o.str();
  }

  void fail(const std::string& what) {
    if (failure_.empty()) failure_ = "at " + std::to_string(now_) + " ms: " + what;
  }

  void trace(const std::string& what) const {
    if (trace_) std::cerr << "[" << now_ << " ms] " << what << "\n";
  }

  static std::string describe(const Payload& p) {
    std::ostringstream o;
    if (const auto* x = std::get_if<SignedProposal>(&p))
      o << "proposal h" << x->proposal.height << " r" << x->proposal.round << " " << short_hex(x->proposal.block_hash)
        << (x->proposal.pol_round ? " pol " + std::to_string(*x->proposal.pol_round) : "");
    else if (const auto* x = std::get_if<SignedVote>(&p))
      o << (x->vote.type == VoteType::kPrevote ? "prevote" : "precommit") << " h" << x->vote.height << " r"
        << x->vote.round << " " << short_hex(x->vote.block_hash);
    else if (const auto* x = std::get_if<StatusMsg>(&p))
      o << "status h" << x->height;
    else if (const auto* x = std::get_if<CommitMsg>(&p))
      o << "commit h" << x->height << " " << short_hex(x->block);
    return o.str();
  }

  static std::string describe(const Event& e) {
    std::ostringstream o;
    if (const auto* t = std::get_if<TimeoutFired>(&e))
      o << "timeout " << to_string(t->step) << " h" << t->height << " r" << t->round;
    else if (const auto* v = std::get_if<ValueReady>(&e))
      o << "value ready r" << v->round << " " << short_hex(v->block_hash);
    else if (const auto* c = std::get_if<ValueChecked>(&e))
      o << "checked " << short_hex(c->block_hash) << (c->valid ? " valid" : " invalid");
    return o.str();
  }

  const Scenario& s_;
  bool trace_;
  std::mt19937_64 rng_;
  ValidatorSet set_;
  Config config_;
  std::map<uint64_t, ProposerSchedule> schedules_;
  std::vector<Node> nodes_;
  std::priority_queue<Scheduled, std::vector<Scheduled>, Later> queue_;
  uint64_t seq_ = 0;
  uint64_t now_ = 0;
  bool gst_passed_ = false;
  std::vector<uint8_t> side_;
  std::map<Hash, ValueInfo> values_;
  uint64_t value_counter_ = 0;
  std::map<uint64_t, Hash> agreed_;
  std::map<std::tuple<size_t, uint64_t, uint32_t, int>, Bytes> ledger_;
  std::map<Hash, bool> verified_;
  std::set<std::tuple<size_t, uint64_t, uint32_t, int>> evidence_;
  // Every prevote signed, by height, round and block: voters (set positions).
  struct Prevotes {
    std::map<uint64_t, std::map<uint32_t, std::map<Hash, std::set<size_t>>>> seen;
    const std::map<uint32_t, std::map<Hash, std::set<size_t>>>& at_height(uint64_t h) {
      return seen[h];
    }
  } prevotes_;
  std::set<std::tuple<size_t, uint64_t, uint32_t, Hash>> amnesia_done_;
  Result result_;
  std::string failure_;
};

}  // namespace

std::string Scenario::describe() const {
  std::ostringstream o;
  o << "seed " << seed << ": powers";
  for (size_t i = 0; i < powers.size(); ++i) o << " " << powers[i] << (byzantine[i] ? "(byz)" : "");
  o << "; before GST at " << gst_ms << " ms: drop " << drop_permille << "/1000, duplicate " << duplicate_permille
    << "/1000, delay <= " << max_delay_ms << " ms" << (partitions ? ", partitions" : "") << (crashes ? ", crashes" : "")
    << "; after: delay <= " << post_gst_delay_ms << " ms" << (drops_after_gst ? " with the same drops" : "")
    << "; gossip every " << gossip_ms << " ms; " << heights << " heights";
  return o.str();
}

Scenario random_scenario(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto rnd = [&](uint64_t n) { return rng() % n; };
  Scenario s;
  s.seed = seed;
  const size_t n = rnd(4) == 0 ? 1 + rnd(3) : 4 + rnd(4);  // mostly 4-7: room for byzantine validators
  const bool equal = rnd(2) == 0;
  for (size_t i = 0; i < n; ++i) s.powers.push_back(equal ? 1 : 1 + rnd(10));
  s.byzantine.assign(n, false);
  uint64_t total = 0;
  for (uint64_t p : s.powers) total += p;
  // None, one, or (half the time) as many as keep their power below 1/3, in a random order.
  const uint64_t mode = std::min<uint64_t>(rnd(4), 2);
  uint64_t byz_power = 0;
  size_t byz_count = 0;
  for (size_t k = 0; k < n && mode > 0; ++k) {
    const size_t i = (k + seed) % n;
    if ((byz_power + s.powers[i]) * 3 < total) {
      s.byzantine[i] = true;
      byz_power += s.powers[i];
      if (++byz_count == 1 && mode == 1) break;
    }
  }
  s.drop_permille = rnd(4) == 0 ? 0 : static_cast<uint32_t>(rnd(300));
  s.duplicate_permille = static_cast<uint32_t>(rnd(200));
  s.max_delay_ms = 1 + rnd(150);
  s.partitions = rnd(2) == 0;
  s.crashes = rnd(2) == 0;
  s.gst_ms = 200 + rnd(1800);
  s.post_gst_delay_ms = 1 + rnd(10);
  s.gossip_ms = 100;
  s.heights = 4;
  s.timeouts.propose = {40, 10};
  s.timeouts.prevote = {10, 5};
  s.timeouts.precommit = {10, 5};
  return s;
}

Result run(const Scenario& s, bool trace) { return Simulation(s, trace).run(); }

}  // namespace vest::consensus::sim
