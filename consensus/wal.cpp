#include "consensus/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/crc.hpp>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "chain/durable_file.h"

namespace vest::consensus {

namespace fs = std::filesystem;

namespace {

constexpr size_t kHeaderBytes = 8;

uint32_t get_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void put_u32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

uint32_t crc_of(const uint8_t* data, size_t n) {
  boost::crc_32_type crc;
  crc.process_bytes(data, n);
  return crc.checksum();
}

std::string errno_text(int err) { return std::strerror(err); }

std::string damaged(const fs::path& file, uint64_t offset, size_t record, const std::string& why) {
  return "the consensus WAL " + file.string() + " is damaged at byte " + std::to_string(offset) + " (record " +
         std::to_string(record + 1) + "): " + why +
         ". The node stops rather than guess what it signed. If the disk is sound, move the file away and restart: "
         "the signer state still refuses whatever would conflict with what this validator signed "
         "(docs/operations.md, \"Recovering after a crash\")";
}

bool write_all(int fd, const uint8_t* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

fs::path Wal::file_of(const fs::path& dir, uint64_t height) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.wal", static_cast<unsigned long long>(height));
  return dir / name;
}

bool read_wal_file(const fs::path& file, std::vector<WalRecord>& records, uint64_t& good_bytes, bool& torn,
                   std::string& error) {
  records.clear();
  good_bytes = 0;
  torn = false;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = "cannot read the consensus WAL " + file.string();
    return false;
  }
  const Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    error = "cannot read the consensus WAL " + file.string();
    return false;
  }
  size_t off = 0;
  while (off < data.size()) {
    const size_t left = data.size() - off;
    // A tail of zeros: the file system extended the file for a write that never landed.
    if (std::all_of(data.begin() + static_cast<std::ptrdiff_t>(off), data.end(), [](uint8_t b) { return b == 0; })) {
      torn = true;
      return true;
    }
    if (left < kHeaderBytes) {
      torn = true;
      return true;
    }
    const uint32_t length = get_u32(&data[off]);
    const uint32_t crc = get_u32(&data[off + 4]);
    if (length == 0 || length > Wal::kMaxPayload + 1) {
      error = damaged(file, off, records.size(), "a record length of " + std::to_string(length));
      return false;
    }
    if (left - kHeaderBytes < length) {
      torn = true;
      return true;
    }
    const uint8_t* body = &data[off + kHeaderBytes];
    const bool last = left - kHeaderBytes == length;
    if (crc_of(body, length) != crc) {
      if (last) {
        torn = true;
        return true;
      }
      error = damaged(file, off, records.size(), "its checksum does not match");
      return false;
    }
    records.push_back(WalRecord{body[0], Bytes(body + 1, body + length)});
    off += kHeaderBytes + length;
    good_bytes = off;
  }
  return true;
}

std::unique_ptr<Wal> Wal::open(const fs::path& dir, uint64_t height, std::vector<WalRecord>& replay, bool& torn,
                               std::string& error) {
  replay.clear();
  torn = false;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    error = "cannot create " + dir.string() + ": " + ec.message();
    return nullptr;
  }
  const fs::path file = file_of(dir, height);
  const bool existed = fs::exists(file, ec);
  uint64_t good = 0;
  if (existed && !read_wal_file(file, replay, good, torn, error)) return nullptr;
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot open the consensus WAL " + file.string() + ": " + errno_text(errno);
    return nullptr;
  }
  std::unique_ptr<Wal> wal(new Wal(dir, height, fd));
  if (torn && (::ftruncate(fd, static_cast<off_t>(good)) != 0 || ::fsync(fd) != 0)) {
    error = "cannot cut the torn last record off " + file.string() + ": " + errno_text(errno);
    return nullptr;
  }
  if (!existed && (::fsync(fd) != 0 || !sync_folder(dir, error))) {
    if (error.empty()) error = "cannot sync " + file.string() + ": " + errno_text(errno);
    return nullptr;
  }
  return wal;
}

Wal::~Wal() {
  if (fd_ >= 0) ::close(fd_);
}

bool Wal::append(uint8_t type, ByteView payload, bool sync, std::string& error) {
  if (payload.size() > kMaxPayload) {
    error = "a consensus WAL record of " + std::to_string(payload.size()) + " bytes is larger than " +
            std::to_string(kMaxPayload);
    return false;
  }
  Bytes record(kHeaderBytes + 1 + payload.size());
  record[kHeaderBytes] = type;
  std::copy(payload.begin(), payload.end(), record.begin() + kHeaderBytes + 1);
  const uint32_t length = static_cast<uint32_t>(1 + payload.size());
  put_u32(&record[0], length);
  put_u32(&record[4], crc_of(&record[kHeaderBytes], length));
  if (!write_all(fd_, record.data(), record.size()) || (sync && ::fdatasync(fd_) != 0)) {
    error = "cannot write the consensus WAL " + file_of(dir_, height_).string() + ": " + errno_text(errno);
    return false;
  }
  return true;
}

bool Wal::start_height(uint64_t height, std::string& error) {
  if (height <= height_) {
    error = "the consensus WAL is at height " + std::to_string(height_) + ", not below " + std::to_string(height);
    return false;
  }
  const fs::path file = file_of(dir_, height);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot create the consensus WAL " + file.string() + ": " + errno_text(errno);
    return false;
  }
  if (::fsync(fd) != 0 || !sync_folder(dir_, error)) {
    if (error.empty()) error = "cannot sync " + file.string() + ": " + errno_text(errno);
    ::close(fd);
    return false;
  }
  ::close(fd_);
  fd_ = fd;
  height_ = height;
  // Keep the file of the height before, for inspection; remove the older ones.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 24 || entry.path().extension() != ".wal") continue;
    uint64_t h = 0;
    if (std::from_chars(name.data(), name.data() + 20, h).ec != std::errc()) continue;
    if (h + 1 < height) fs::remove(entry.path(), ec);
  }
  return true;
}

}  // namespace vest::consensus
