// The consensus WAL: records come back as written, a torn last record is cut
// off, any other damage stops the reader with a message naming the file.
#include <catch2/catch.hpp>
#include <fstream>

#include "consensus/wal.h"
#include "tests/util/test_util.h"

using namespace vest;
using namespace vest::consensus;
namespace fs = std::filesystem;

namespace {

Bytes payload_of(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

std::vector<WalRecord> sample() {
  return {{1, payload_of(0, 0)}, {2, payload_of(100, 1)}, {3, payload_of(70000, 2)}, {4, payload_of(5, 3)}};
}

// Writes `records` to height `h`'s file in `dir`.
void write_records(const fs::path& dir, uint64_t h, const std::vector<WalRecord>& records) {
  std::vector<WalRecord> replay;
  bool torn = false;
  std::string error;
  auto wal = Wal::open(dir, h, replay, torn, error);
  REQUIRE(wal);
  for (size_t i = 0; i < records.size(); ++i) REQUIRE(wal->append(records[i].type, records[i].payload, i % 2 == 0, error));
}

Bytes file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void set_file_bytes(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace

TEST_CASE("wal: records come back in order, reopening appends after them", "[consensus][wal]") {
  test::TempDir dir;
  write_records(dir.path(), 8, sample());
  std::vector<WalRecord> replay;
  bool torn = true;
  std::string error;
  auto wal = Wal::open(dir.path(), 8, replay, torn, error);
  INFO(error);
  REQUIRE(wal);
  CHECK_FALSE(torn);
  CHECK(replay == sample());
  REQUIRE(wal->append(9, payload_of(3, 9), true, error));
  wal.reset();
  wal = Wal::open(dir.path(), 8, replay, torn, error);
  REQUIRE(wal);
  REQUIRE(replay.size() == 5);
  CHECK(replay.back() == WalRecord{9, payload_of(3, 9)});
  // Another height's log is empty.
  auto other = Wal::open(dir.path(), 9, replay, torn, error);
  REQUIRE(other);
  CHECK(replay.empty());
}

TEST_CASE("wal: a new height starts an empty file and keeps only the height before", "[consensus][wal]") {
  test::TempDir dir;
  std::vector<WalRecord> replay;
  bool torn = false;
  std::string error;
  auto wal = Wal::open(dir.path(), 1, replay, torn, error);
  REQUIRE(wal);
  for (uint64_t h = 1; h <= 5; ++h) {
    REQUIRE(wal->append(1, payload_of(10, static_cast<uint8_t>(h)), true, error));
    REQUIRE(wal->start_height(h + 1, error));
  }
  CHECK(wal->height() == 6);
  CHECK_FALSE(wal->start_height(6, error));  // not forward
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir.path())) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  CHECK(files == std::vector<std::string>{"00000000000000000005.wal", "00000000000000000006.wal"});
  wal.reset();
  REQUIRE(Wal::open(dir.path(), 5, replay, torn, error));
  CHECK(replay == std::vector<WalRecord>{{1, payload_of(10, 5)}});
}

TEST_CASE("wal: a last record torn at any byte is cut off, and the log goes on after the good ones",
          "[consensus][wal]") {
  test::TempDir dir;
  write_records(dir.path(), 3, sample());
  const fs::path file = Wal::file_of(dir.path(), 3);
  const Bytes whole = file_bytes(file);
  const size_t last_start = whole.size() - (8 + 1 + 5);  // the last record: 5 bytes of payload
  for (size_t cut = last_start + 1; cut < whole.size(); ++cut) {
    set_file_bytes(file, Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut)));
    std::vector<WalRecord> replay;
    bool torn = false;
    std::string error;
    auto wal = Wal::open(dir.path(), 3, replay, torn, error);
    INFO("cut at " << cut << ": " << error);
    REQUIRE(wal);
    CHECK(torn);
    CHECK(replay.size() == 3);
    CHECK(file_bytes(file).size() == last_start);
  }
  // A last record written whole but with bytes that never reached the disk (bad checksum),
  // and a tail of zeros the file system left: torn too.
  Bytes flipped = whole;
  flipped.back() ^= 0xff;
  Bytes zeros(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(last_start));
  zeros.resize(zeros.size() + 4096, 0);
  for (const Bytes& b : {flipped, zeros}) {
    set_file_bytes(file, b);
    std::vector<WalRecord> replay;
    bool torn = false;
    std::string error;
    auto wal = Wal::open(dir.path(), 3, replay, torn, error);
    REQUIRE(wal);
    CHECK(torn);
    CHECK(replay.size() == 3);
    REQUIRE(wal->append(4, payload_of(5, 3), true, error));
    wal.reset();
    REQUIRE(Wal::open(dir.path(), 3, replay, torn, error));
    CHECK_FALSE(torn);
    CHECK(replay == sample());
  }
}

TEST_CASE("wal: damage before the last record stops the reader, naming the file and the place", "[consensus][wal]") {
  test::TempDir dir;
  write_records(dir.path(), 3, sample());
  const fs::path file = Wal::file_of(dir.path(), 3);
  const Bytes whole = file_bytes(file);
  const size_t second = 8 + 1;  // the second record starts after the first (empty payload)

  Bytes payload_flip = whole;
  payload_flip[second + 8 + 10] ^= 0x01;  // inside the second record's payload
  Bytes huge_length = whole;
  huge_length[second] = 0xff;  // a length beyond any record
  Bytes zero_length = whole;
  std::fill(zero_length.begin() + static_cast<std::ptrdiff_t>(second),
            zero_length.begin() + static_cast<std::ptrdiff_t>(second + 4), 0);
  for (const Bytes& b : {payload_flip, huge_length, zero_length}) {
    set_file_bytes(file, b);
    std::vector<WalRecord> replay;
    bool torn = false;
    std::string error;
    CHECK_FALSE(Wal::open(dir.path(), 3, replay, torn, error));
    CHECK(error.find(file.string()) != std::string::npos);
    CHECK(error.find("damaged at byte " + std::to_string(second) + " (record 2)") != std::string::npos);
    CHECK(error.find("move the file away") != std::string::npos);
    CHECK(file_bytes(file) == b);  // nothing cut, nothing appended
  }
}

TEST_CASE("wal: a payload above the limit is refused and nothing is written", "[consensus][wal]") {
  test::TempDir dir;
  std::vector<WalRecord> replay;
  bool torn = false;
  std::string error;
  auto wal = Wal::open(dir.path(), 1, replay, torn, error);
  REQUIRE(wal);
  CHECK_FALSE(wal->append(1, Bytes(Wal::kMaxPayload + 1), false, error));
  CHECK(error.find("larger than") != std::string::npos);
  CHECK(file_bytes(Wal::file_of(dir.path(), 1)).empty());
}
