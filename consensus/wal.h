// The consensus write-ahead log: what consensus took in and sent at the height
// it works on, so that a restarted validator goes on where it stopped and asks
// its signer for exactly what it signed before. The format and the recovery
// rules are in docs/protocol.md ("Consensus WAL").
//
//   DIR/<height as 20 digits>.wal = record*
//   record = length (u32 big-endian: 1 + payload size) | crc32 (u32 big-endian, of type and payload)
//            | type (u8) | payload
//
// A height's file is started once the block before it is committed, which ends
// the previous height's log; the file of the height before is kept, older ones
// are removed. Each record goes to the file in one write, so a crash can only
// tear the last one: reading cuts a torn last record off, and reports any
// other damage without guessing past it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chain/bytes.h"

namespace vest::consensus {

struct WalRecord {
  uint8_t type = 0;
  Bytes payload;

  friend bool operator==(const WalRecord&, const WalRecord&) = default;
};

class Wal {
 public:
  // A record's payload is at most this long (a proposal carries its block).
  static constexpr uint32_t kMaxPayload = 16u << 20;

  // Opens `dir` (created when missing) to log `height`: the records already in
  // that height's file go to `replay`, a torn last record is cut off (and
  // `torn` set), and appends follow them. Nullptr with `error` when the file is
  // damaged anywhere else or cannot be read or written; the error says which
  // file, where, and what an operator can do.
  static std::unique_ptr<Wal> open(const std::filesystem::path& dir, uint64_t height, std::vector<WalRecord>& replay,
                                   bool& torn, std::string& error);
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Appends a record to the current height's file. With `sync` it is on disk
  // when this returns (own proposals and votes, before they are sent).
  bool append(uint8_t type, ByteView payload, bool sync, std::string& error);
  // Ends the current height's log and starts `height`'s (greater than the
  // current one) with an empty, synced file; removes files below height - 1.
  bool start_height(uint64_t height, std::string& error);

  uint64_t height() const { return height_; }
  // The file of `height` in `dir`.
  static std::filesystem::path file_of(const std::filesystem::path& dir, uint64_t height);

 private:
  Wal(std::filesystem::path dir, uint64_t height, int fd) : dir_(std::move(dir)), height_(height), fd_(fd) {}

  std::filesystem::path dir_;
  uint64_t height_;
  int fd_;
};

// Reads the records of one WAL file for inspection and tests: `torn` is set
// when its last record is torn, and `error` names any other damage (then the
// records before it are given).
bool read_wal_file(const std::filesystem::path& file, std::vector<WalRecord>& records, uint64_t& good_bytes,
                   bool& torn, std::string& error);

}  // namespace vest::consensus
