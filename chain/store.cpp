#include "chain/store.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include <cassert>
#include <map>
#include <set>

#include "chain/keccak.h"
#include "chain/rlp.h"

namespace vest {

namespace {

// "2": vesting positions have an active index (vesting/active/), and the genesis
// document hash is recorded. A store of another version is refused, not misread.
// "3": every balance movement emits
// bank.transfer (receipts change), positions record acceptance (offered
// grants, vesting/offered/), periodic schedule parts, per-unit tier bonus.
// "4": headers carry version, validators_hash and last_commit_hash; stored
// blocks end with their last_commit; commit certificates under c<height>; the
// validator set in the state (chain/validators) and chain/params without the
// validator.
// "5": the validator sets by the height they certify from (chain/valset/)
// replace chain/validators; blocks carry evidence (header version 2 with
// evidence_hash, stored blocks end with it), committed evidence in the state
// (chain/evidence/) and indexed (v, V); chain/params ends with
// validator_admin, evidence_max_age_blocks and max_block_evidence.
// "6": schedules have purchases, referrals and usage parts; positions end with
// counted_from; vesting/metric/, vesting/count/, vesting/log/ and vesting/await/.
// "7": packages end with upgrades_to and refund_window, purchase records with
// upgrade_of, upgraded_by, release_at, released, refunded_at and
// counted_referral; sale/release/.
// "8": badges (loyalty/badge/, loyalty/held/, loyalty/holder/, loyalty/wait/,
// loyalty/due/) and the devnet genesis defines some.
constexpr std::string_view kSchemaVersion = "8";

leveldb::Slice slice(ByteView b) { return leveldb::Slice(reinterpret_cast<const char*>(b.data()), b.size()); }
ByteView view(const leveldb::Slice& s) { return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

Bytes key1(char tag, ByteView a) {
  Bytes k{static_cast<uint8_t>(tag)};
  append(k, a);
  return k;
}

Bytes meta_key(std::string_view name) { return key1('M', as_bytes(name)); }

// History entries: 'h' || key || height u64 || len(key) u16. Keys sort by
// state key first, so a prefix of state keys is a prefix of history keys; the
// length at the end tells an entry of `key` from one of a longer key.
Bytes history_key(ByteView key, uint64_t height) {
  Bytes k{'h'};
  append(k, key);
  put_u64_be(k, height);
  k.push_back(static_cast<uint8_t>(key.size() >> 8));
  k.push_back(static_cast<uint8_t>(key.size()));
  return k;
}

// The state key of a history entry, or empty when `entry` is not one.
ByteView history_entry_key(ByteView entry) {
  if (entry.size() < 11) return {};
  size_t len = static_cast<size_t>(entry[entry.size() - 2]) << 8 | entry[entry.size() - 1];
  if (entry.size() != 1 + len + 10) return {};
  return entry.subspan(1, len);
}

uint64_t history_entry_height(ByteView entry) { return get_u64_be(entry.data() + entry.size() - 10); }

Bytes height_key(char tag, uint64_t height) {
  Bytes k{static_cast<uint8_t>(tag)};
  put_u64_be(k, height);
  return k;
}

Bytes receipt_key(uint64_t height, uint32_t index) {
  Bytes k = height_key('r', height);
  put_u32_be(k, index);
  return k;
}

bool has_prefix(ByteView key, ByteView prefix) {
  return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

std::optional<Bytes> db_get(const leveldb::DB* db, const leveldb::Snapshot* snap, ByteView key) {
  leveldb::ReadOptions ro;
  ro.snapshot = snap;
  std::string value;
  leveldb::Status s = const_cast<leveldb::DB*>(db)->Get(ro, slice(key), &value);
  if (s.IsNotFound()) return std::nullopt;
  assert(s.ok() && "storage read failed");
  return Bytes(value.begin(), value.end());
}

// Visits the state entries under `prefix` from `start` through `snap`.
void db_scan(const leveldb::DB* db, const leveldb::Snapshot* snap, ByteView prefix, ByteView start,
             const ScanFn& fn) {
  leveldb::ReadOptions ro;
  ro.snapshot = snap;
  std::unique_ptr<leveldb::Iterator> it(const_cast<leveldb::DB*>(db)->NewIterator(ro));
  Bytes full_prefix = key1('s', prefix);
  Bytes from = key1('s', std::lexicographical_compare(start.begin(), start.end(), prefix.begin(), prefix.end())
                             ? prefix
                             : start);
  for (it->Seek(slice(from)); it->Valid(); it->Next()) {
    ByteView k = view(it->key());
    if (!has_prefix(k, full_prefix)) break;
    if (!fn(k.subspan(1), view(it->value()))) break;
  }
}

Bytes encode_head(const Head& h) {
  rlp::Encoder e;
  e.begin_list().uint(h.height).fixed(h.hash).uint(h.time).fixed(h.state_root).end_list();
  return e.finish();
}

std::optional<Head> decode_head(ByteView b) {
  rlp::ListReader r(b);
  Head h;
  h.height = r.u64();
  h.hash = r.fixed<32>();
  h.time = r.u64();
  h.state_root = r.fixed<32>();
  if (!r.done()) return std::nullopt;
  return h;
}

class DbTree : public merkle::NodeReader {
 public:
  explicit DbTree(const leveldb::DB* db) : db_(db) {}
  std::optional<Bytes> get_node(ByteView path_key) const override {
    return db_get(db_, nullptr, key1('m', path_key));
  }

 private:
  const leveldb::DB* db_;
};

Cursor decode_cursor_suffix(ByteView k) {
  Cursor c;
  c.height = get_u64_be(k.data());
  c.index = get_u32_be(k.data() + 8);
  if (k.size() >= 14) c.sub = static_cast<uint16_t>(k[12] << 8 | k[13]);
  return c;
}

// Keys `prefix || height || index [|| sub]`, newest first, strictly before
// `after`; `fn` returns false to stop early.
template <typename Fn>
void scan_backwards(const leveldb::DB* db, const Bytes& prefix, std::optional<Cursor> after, bool with_sub,
                    size_t limit, Fn fn) {
  std::unique_ptr<leveldb::Iterator> it(const_cast<leveldb::DB*>(db)->NewIterator(leveldb::ReadOptions()));
  Bytes seek = prefix;
  if (after) {
    put_u64_be(seek, after->height);
    put_u32_be(seek, after->index);
    if (with_sub) {
      seek.push_back(static_cast<uint8_t>(after->sub >> 8));
      seek.push_back(static_cast<uint8_t>(after->sub));
    }
  } else {
    seek.insert(seek.end(), with_sub ? 14 : 12, 0xff);
  }
  it->Seek(slice(seek));
  // Seek lands on the first key >= seek; every result must be strictly before it.
  if (it->Valid()) {
    it->Prev();
  } else {
    it->SeekToLast();
  }
  size_t n = 0;
  for (; it->Valid() && n < limit; it->Prev()) {
    ByteView k = view(it->key());
    if (!has_prefix(k, prefix)) break;
    if (after && std::ranges::equal(k, seek)) continue;
    if (!fn(decode_cursor_suffix(k.subspan(prefix.size())), view(it->value()))) break;
    ++n;
  }
}

}  // namespace

StateSnapshot::StateSnapshot(const leveldb::DB* db, const leveldb::Snapshot* snap, Head head)
    : db_(db), snap_(snap), head_(head) {}

StateSnapshot::~StateSnapshot() { const_cast<leveldb::DB*>(db_)->ReleaseSnapshot(snap_); }

std::optional<Bytes> StateSnapshot::get(ByteView key) const { return db_get(db_, snap_, key1('s', key)); }

void StateSnapshot::scan(ByteView prefix, ByteView start, const ScanFn& fn) const {
  db_scan(db_, snap_, prefix, start, fn);
}

HistoricalState::HistoricalState(std::shared_ptr<const StateSnapshot> base, uint64_t height)
    : base_(std::move(base)), height_(height) {}

std::optional<Bytes> HistoricalState::get(ByteView key) const {
  if (height_ >= base_->head().height) return base_->get(key);
  // The first change after `height_` recorded the value the key had at `height_`.
  Bytes prefix = key1('h', key);
  Bytes seek = prefix;
  put_u64_be(seek, height_ + 1);
  leveldb::ReadOptions ro;
  ro.snapshot = base_->leveldb_snapshot();
  std::unique_ptr<leveldb::Iterator> it(const_cast<leveldb::DB*>(base_->db())->NewIterator(ro));
  // Entries of longer keys that start with `key` may sort in between: skip them.
  for (it->Seek(slice(seek)); it->Valid() && has_prefix(view(it->key()), prefix); it->Next()) {
    ByteView entry = view(it->key());
    if (history_entry_key(entry).size() != key.size()) continue;
    ByteView v = view(it->value());
    if (v.empty() || v[0] == 0) return std::nullopt;
    return Bytes(v.begin() + 1, v.end());
  }
  return base_->get(key);
}

void HistoricalState::scan(ByteView prefix, ByteView start, const ScanFn& fn) const {
  if (height_ >= base_->head().height) return base_->scan(prefix, start, fn);
  // The keys that existed at `height_`: those that exist now, and those that
  // later blocks deleted (found through their history entries).
  std::map<Bytes, Bytes, BytesLess> found;
  std::set<Bytes, BytesLess> checked;
  base_->scan(prefix, start, [&](ByteView key, ByteView) {
    checked.emplace(key.begin(), key.end());
    if (auto v = get(key)) found.emplace(Bytes(key.begin(), key.end()), std::move(*v));
    return true;
  });
  leveldb::ReadOptions ro;
  ro.snapshot = base_->leveldb_snapshot();
  std::unique_ptr<leveldb::Iterator> it(const_cast<leveldb::DB*>(base_->db())->NewIterator(ro));
  Bytes hprefix = key1('h', prefix);
  Bytes from = key1('h', std::lexicographical_compare(start.begin(), start.end(), prefix.begin(), prefix.end())
                             ? prefix
                             : start);
  for (it->Seek(slice(from)); it->Valid() && has_prefix(view(it->key()), hprefix); it->Next()) {
    ByteView entry = view(it->key());
    ByteView key = history_entry_key(entry);
    if (key.empty() || history_entry_height(entry) <= height_ || checked.count(key)) continue;
    checked.emplace(key.begin(), key.end());
    if (auto v = get(key)) found.emplace(Bytes(key.begin(), key.end()), std::move(*v));
  }
  for (const auto& [key, value] : found)
    if (!fn(key, value)) return;
}

ChainStore::~ChainStore() = default;

std::unique_ptr<ChainStore> ChainStore::open(const std::filesystem::path& dir, std::string& error, OpenMode mode) {
  std::error_code ec;
  if (mode == OpenMode::kExisting) {
    if (!std::filesystem::exists(dir / "chain" / "CURRENT", ec)) {
      error = "no chain database in " + dir.string() + " (expected " + (dir / "chain").string() + ")";
      return nullptr;
    }
  } else {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      error = "cannot create data directory " + dir.string() + ": " + ec.message();
      return nullptr;
    }
  }
  std::unique_ptr<ChainStore> store(new ChainStore());
  store->block_cache_.reset(leveldb::NewLRUCache(64 << 20));
  store->filter_policy_.reset(leveldb::NewBloomFilterPolicy(10));
  leveldb::Options options;
  options.create_if_missing = mode == OpenMode::kCreate;
  options.paranoid_checks = true;
  options.max_open_files = 512;
  options.block_cache = store->block_cache_.get();
  options.filter_policy = store->filter_policy_.get();
  options.write_buffer_size = 32 << 20;
  // Larger tables keep a big state in few files (all open at once), and state
  // hashes do not compress: spare the work of trying.
  options.max_file_size = 32 << 20;
  options.compression = leveldb::kNoCompression;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, (dir / "chain").string(), &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      error = "data directory " + dir.string() + " is in use by another vestd (" + s.ToString() + ")";
    } else {
      error = "cannot open the chain database in " + dir.string() + ": " + s.ToString() +
              ". If it is corrupt, restore a backup or remove the directory to start the chain again.";
    }
    return nullptr;
  }
  store->db_.reset(raw);
  store->tree_ = std::make_unique<DbTree>(raw);
  auto version = db_get(raw, nullptr, meta_key("version"));
  if (version && as_string(*version) != kSchemaVersion) {
    error = "data directory " + dir.string() + " has storage version " + std::string(as_string(*version)) +
            ", this vestd reads version " + std::string(kSchemaVersion) +
            " only; an older store is not converted: start the chain again in a new --datadir";
    return nullptr;
  }
  if (auto h = db_get(raw, nullptr, meta_key("head"))) {
    store->head_ = decode_head(*h);
    if (!store->head_) {
      error = "data directory " + dir.string() + " has a corrupt head record";
      return nullptr;
    }
  }
  return store;
}

std::optional<Bytes> ChainStore::get(ByteView key) const { return db_get(db_.get(), nullptr, key1('s', key)); }

void ChainStore::scan(ByteView prefix, ByteView start, const ScanFn& fn) const {
  db_scan(db_.get(), nullptr, prefix, start, fn);
}

std::shared_ptr<const StateSnapshot> ChainStore::snapshot() const {
  // The head record is written in the batch of the block whose state it
  // describes, so read through the same LevelDB snapshot it is that block's.
  // (head_ is updated after the batch is written: a snapshot taken in between
  // would see the new block's state with the old head.)
  const leveldb::Snapshot* snap = db_->GetSnapshot();
  Head head;
  if (auto stored = db_get(db_.get(), snap, meta_key("head"))) {
    auto decoded = decode_head(*stored);
    assert(decoded && "corrupt head record");
    head = decoded.value_or(Head{});
  }
  return std::make_shared<StateSnapshot>(db_.get(), snap, head);
}

const merkle::NodeReader& ChainStore::tree() const { return *tree_; }

std::optional<Hash> ChainStore::genesis_document_hash() const {
  auto v = db_get(db_.get(), nullptr, meta_key("genesis_document"));
  if (!v) return std::nullopt;
  return Hash::from(*v);
}

std::optional<Hash> ChainStore::genesis_hash() const {
  auto v = db_get(db_.get(), nullptr, meta_key("genesis"));
  if (!v) return std::nullopt;
  return Hash::from(*v);
}

std::optional<Head> ChainStore::head() const {
  std::lock_guard lock(head_mutex_);
  return head_;
}

void ChainStore::compact() const { db_->CompactRange(nullptr, nullptr); }

bool ChainStore::commit(const BlockCommit& c, std::string& error) {
  assert(c.txs.size() == c.receipts.size());
  const BlockHeader& h = c.block.header;
  const Hash block_hash = h.hash();
  leveldb::WriteBatch batch;

  if (c.state_writes) {
    for (const auto& [key, value] : c.state_writes->writes()) {
      // History: the value before this block, for reads "as of" older blocks.
      auto old = get(key);
      Bytes hist_value{old ? uint8_t(1) : uint8_t(0)};
      if (old) append(hist_value, *old);
      Bytes hk = history_key(key, h.height);
      batch.Put(slice(hk), slice(hist_value));
      if (value) {
        batch.Put(slice(key1('s', key)), slice(*value));
      } else {
        batch.Delete(slice(key1('s', key)));
      }
    }
  }
  for (const auto& w : c.tree_writes) {
    if (w.node) {
      batch.Put(slice(key1('m', w.path_key)), slice(*w.node));
    } else {
      batch.Delete(slice(key1('m', w.path_key)));
    }
  }

  StoredBlock stored{h, c.block.sig, {}, c.block_events, c.block.last_commit, c.block.evidence, block_hash};
  for (uint32_t i = 0; i < c.block.evidence.size(); ++i) {
    const DuplicateVote& d = c.block.evidence[i];
    Bytes vk = height_key('v', h.height);
    put_u32_be(vk, i);
    batch.Put(slice(vk), slice(encode_duplicate_vote(d)));
    Bytes ak = key1('V', d.voter().view());
    put_u64_be(ak, h.height);
    put_u32_be(ak, i);
    batch.Put(slice(ak), leveldb::Slice());
  }
  if (c.certificate) batch.Put(slice(height_key('c', h.height)), slice(c.certificate->encode()));
  for (const auto& tx : c.txs) stored.tx_hashes.push_back(tx.hash);
  for (uint16_t ev = 0; ev < c.block_events.size(); ++ev) {
    for (const Address& a : c.block_events[ev].addresses) {
      Bytes ek = key1('e', a.view());
      put_u64_be(ek, h.height);
      put_u32_be(ek, kBlockEventsIndex);
      ek.push_back(static_cast<uint8_t>(ev >> 8));
      ek.push_back(static_cast<uint8_t>(ev));
      batch.Put(slice(ek), leveldb::Slice());
    }
  }
  batch.Put(slice(height_key('b', h.height)), slice(encode_stored_block(stored)));
  Bytes hb;
  put_u64_be(hb, h.height);
  batch.Put(slice(key1('B', block_hash.view())), slice(hb));

  for (uint32_t i = 0; i < c.txs.size(); ++i) {
    const VerifiedTx& tx = c.txs[i];
    TxRecord record{tx.hash, h.height, i, tx.raw, tx.sender, {}};
    batch.Put(slice(key1('t', tx.hash.view())), slice(encode_stored_tx(record)));
    batch.Put(slice(receipt_key(h.height, i)), slice(c.receipts[i].encode()));

    // Explorer indexes: the sender and every address an event names.
    std::vector<Address> touched{tx.sender};
    for (uint16_t ev = 0; ev < c.receipts[i].events.size(); ++ev) {
      for (const Address& a : c.receipts[i].events[ev].addresses) {
        touched.push_back(a);
        Bytes ek = key1('e', a.view());
        put_u64_be(ek, h.height);
        put_u32_be(ek, i);
        ek.push_back(static_cast<uint8_t>(ev >> 8));
        ek.push_back(static_cast<uint8_t>(ev));
        batch.Put(slice(ek), leveldb::Slice());
      }
    }
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (const Address& a : touched) {
      Bytes ak = key1('a', a.view());
      put_u64_be(ak, h.height);
      put_u32_be(ak, i);
      batch.Put(slice(ak), slice(tx.hash.view()));
    }
  }

  Head head{h.height, block_hash, h.time, h.state_root};
  batch.Put(slice(meta_key("head")), slice(encode_head(head)));
  if (pending_genesis_) {
    batch.Put(slice(meta_key("genesis")), slice(pending_genesis_->view()));
    batch.Put(slice(meta_key("genesis_document")), slice(pending_genesis_document_.view()));
    batch.Put(slice(meta_key("version")), slice(as_bytes(kSchemaVersion)));
  }

  leveldb::WriteOptions wo;
  wo.sync = true;
  leveldb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) {
    error = "writing block " + std::to_string(h.height) + " failed: " + s.ToString();
    return false;
  }
  pending_genesis_.reset();
  std::lock_guard lock(head_mutex_);
  head_ = head;
  return true;
}

Bytes encode_stored_block(const StoredBlock& b) {
  rlp::Encoder e;
  e.begin_list().raw(b.header.encode()).bytes(b.sig.to_bytes()).begin_list();
  for (const Hash& h : b.tx_hashes) e.fixed(h);
  e.end_list().begin_list();
  for (const Event& ev : b.events) e.raw(encode_event(ev));
  e.end_list().raw(encode_last_commit(b.last_commit)).raw(encode_evidence_list(b.evidence)).end_list();
  return e.finish();
}

bool decode_stored_block(ByteView raw, StoredBlock& out) {
  rlp::ListReader r(raw);
  StoredBlock b;
  ByteView header = r.raw();
  auto sig = Signature::from_bytes(r.bytes());
  rlp::ListReader hashes = r.list();
  while (hashes.ok() && !hashes.at_end()) b.tx_hashes.push_back(hashes.fixed<32>());
  rlp::ListReader events = r.list();
  bool events_ok = true;
  while (events_ok && events.ok() && !events.at_end()) {
    Event e;
    events_ok = decode_event(events.raw(), e);
    b.events.push_back(std::move(e));
  }
  ByteView last_commit = r.raw();
  ByteView evidence = r.raw();
  if (!(events_ok && hashes.done() && events.done() && r.done() && sig && decode_header(header, b.header).ok() &&
        decode_last_commit(last_commit, b.last_commit).ok() &&
        decode_evidence_list(evidence, b.header.chain_id, b.evidence).ok()))
    return false;
  b.sig = *sig;
  b.hash = b.header.hash();
  out = std::move(b);
  return true;
}

Bytes encode_stored_tx(const TxRecord& t) {
  rlp::Encoder e;
  e.begin_list().uint(t.height).uint(t.index).bytes(t.raw).fixed(t.sender).end_list();
  return e.finish();
}

bool decode_stored_tx(ByteView raw, TxRecord& out) {
  rlp::ListReader r(raw);
  TxRecord t;
  t.height = r.u64();
  uint64_t index = r.u64();
  ByteView tx = r.bytes();
  t.sender = r.fixed<20>();
  if (!r.done() || index > UINT32_MAX) return false;
  t.index = static_cast<uint32_t>(index);
  t.raw.assign(tx.begin(), tx.end());
  out = std::move(t);
  return true;
}

std::optional<StoredBlock> ChainStore::block(uint64_t height) const {
  bool corrupt = false;
  auto b = find_block(height, corrupt);
  assert(!corrupt && "corrupt stored block");
  return b;
}

std::optional<StoredBlock> ChainStore::find_block(uint64_t height, bool& corrupt) const {
  corrupt = false;
  auto v = db_get(db_.get(), nullptr, height_key('b', height));
  if (!v) return std::nullopt;
  StoredBlock b;
  if (!decode_stored_block(*v, b)) {
    corrupt = true;
    return std::nullopt;
  }
  return b;
}

std::optional<uint64_t> ChainStore::height_of(const Hash& block_hash) const {
  auto v = db_get(db_.get(), nullptr, key1('B', block_hash.view()));
  if (!v || v->size() != 8) return std::nullopt;
  return get_u64_be(v->data());
}

std::optional<Certificate> ChainStore::certificate(uint64_t height) const {
  auto v = db_get(db_.get(), nullptr, height_key('c', height));
  if (!v) return std::nullopt;
  Certificate c;
  if (!decode_certificate(*v, c).ok()) return std::nullopt;
  return c;
}

std::optional<Receipt> ChainStore::receipt(uint64_t height, uint32_t index) const {
  auto v = db_get(db_.get(), nullptr, receipt_key(height, index));
  if (!v) return std::nullopt;
  Receipt r;
  if (!decode_receipt(*v, r).ok()) return std::nullopt;
  return r;
}

std::optional<TxRecord> ChainStore::transaction(const Hash& tx_hash) const {
  auto v = db_get(db_.get(), nullptr, key1('t', tx_hash.view()));
  if (!v) return std::nullopt;
  TxRecord t;
  if (!decode_stored_tx(*v, t)) return std::nullopt;
  t.hash = tx_hash;
  auto rc = receipt(t.height, t.index);
  if (!rc) return std::nullopt;
  t.receipt = std::move(*rc);
  return t;
}

std::optional<Bytes> ChainStore::transaction_bytes(const Hash& tx_hash) const {
  auto v = db_get(db_.get(), nullptr, key1('t', tx_hash.view()));
  if (!v) return std::nullopt;
  TxRecord t;
  if (!decode_stored_tx(*v, t)) return std::nullopt;
  return std::move(t.raw);
}

std::vector<std::pair<Cursor, Hash>> ChainStore::account_transactions(const Address& account,
                                                                      std::optional<Cursor> after,
                                                                      size_t limit) const {
  std::vector<std::pair<Cursor, Hash>> out;
  scan_backwards(db_.get(), key1('a', account.view()), after, false, limit, [&](Cursor c, ByteView value) {
    if (auto h = Hash::from(value)) out.emplace_back(c, *h);
    return true;
  });
  return out;
}

std::vector<Cursor> ChainStore::account_events(const Address& account, std::optional<Cursor> after,
                                               size_t limit) const {
  std::vector<Cursor> out;
  scan_backwards(db_.get(), key1('e', account.view()), after, true, limit, [&](Cursor c, ByteView) {
    out.push_back(c);
    return true;
  });
  return out;
}

std::vector<CommittedEvidence> ChainStore::committed_evidence(const std::optional<Address>& validator,
                                                              uint64_t from, uint64_t to,
                                                              std::optional<Cursor> after, size_t limit) const {
  std::vector<CommittedEvidence> out;
  auto genesis = block(0);
  if (from > to || !genesis) return out;
  // Strictly before (to, 2^32 - 1), which no block reaches, or `after` when that is lower.
  Cursor start{to, UINT32_MAX, 0};
  if (after && std::pair(after->height, after->index) < std::pair(start.height, start.index)) start = *after;
  // Votes carry no chain id in storage: they get the chain's, as on the wire.
  const uint64_t chain_id = genesis->header.chain_id;
  const Bytes prefix = validator ? key1('V', validator->view()) : Bytes{'v'};
  scan_backwards(db_.get(), prefix, start, false, limit, [&](Cursor c, ByteView) {
    if (c.height < from) return false;
    Bytes key = height_key('v', c.height);
    put_u32_be(key, c.index);
    auto raw = db_get(db_.get(), nullptr, key);
    CommittedEvidence e{c.height, c.index, {}};
    std::string error;
    const bool decoded = raw && decode_duplicate_vote_form(*raw, chain_id, e.evidence, error);
    assert(decoded && "an evidence index entry without its stored evidence");
    (void)decoded;
    out.push_back(std::move(e));
    return true;
  });
  return out;
}

Hash compute_state_root(const merkle::NodeReader& tree, const Overlay& writes,
                        std::vector<merkle::NodeWrite>& tree_writes) {
  std::vector<merkle::Update> updates;
  updates.reserve(writes.writes().size());
  for (const auto& [key, value] : writes.writes()) {
    merkle::Update u{keccak256(key), std::nullopt};
    if (value) u.value_hash = keccak256(*value);
    updates.push_back(u);
  }
  return merkle::apply(tree, std::move(updates), tree_writes);
}

}  // namespace vest
