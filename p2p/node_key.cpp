#include "p2p/node_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <openssl/crypto.h>

namespace vest::p2p {

namespace fs = std::filesystem;

NodeId node_id_of(const Key32& pub) {
  Key32 h = sha256(pub);
  NodeId id{};
  std::copy(h.begin(), h.begin() + id.size(), id.begin());
  return id;
}

std::optional<NodeKey> NodeKey::from_seed(const Key32& seed) {
  EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (!raw) return std::nullopt;
  NodeKey k;
  k.key_.reset(raw, EVP_PKEY_free);
  size_t len = k.public_.size();
  if (EVP_PKEY_get_raw_public_key(raw, k.public_.data(), &len) != 1 || len != 32) return std::nullopt;
  k.id_ = node_id_of(k.public_);
  return k;
}

std::optional<NodeKey> NodeKey::generate() {
  Key32 seed{};
  if (!random_bytes(seed.data(), seed.size())) return std::nullopt;
  auto k = from_seed(seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return k;
}

Signature64 NodeKey::sign(ByteView message) const {
  Signature64 sig{};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = sig.size();
  bool ok = ctx && EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
            EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) == 1 && len == sig.size();
  assert(ok && "Ed25519 signing with a valid key cannot fail");
  (void)ok;
  return sig;
}

namespace {

std::string errno_text() { return std::strerror(errno); }

bool write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::optional<NodeKey> create_key_file(const fs::path& dir, const fs::path& file, std::string& error) {
  auto key_seed = [&]() -> std::optional<std::pair<NodeKey, std::string>> {
    Key32 seed{};
    if (!random_bytes(seed.data(), seed.size())) return std::nullopt;
    auto key = NodeKey::from_seed(seed);
    std::string hex = to_hex(seed) + "\n";
    OPENSSL_cleanse(seed.data(), seed.size());
    if (!key) return std::nullopt;
    return std::make_pair(*key, hex);
  }();
  if (!key_seed) {
    error = "cannot generate a node key (OpenSSL failed)";
    return std::nullopt;
  }
  auto& [key, text] = *key_seed;
  fs::path tmp = file;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot create " + tmp.string() + ": " + errno_text();
    return std::nullopt;
  }
  // The umask cannot widen 0600, but a pre-existing temp file could have other bits.
  bool ok = ::fchmod(fd, 0600) == 0 && write_all(fd, text.data(), text.size()) && ::fsync(fd) == 0;
  OPENSSL_cleanse(text.data(), text.size());
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    error = "cannot write " + file.string() + ": " + errno_text();
    ::unlink(tmp.c_str());
    return std::nullopt;
  }
  if (!fsync_dir(dir)) {
    error = "cannot sync " + dir.string() + ": " + errno_text();
    return std::nullopt;
  }
  return key;
}

}  // namespace

std::optional<NodeKey> NodeKey::load_or_create(const fs::path& datadir, std::string& error) {
  std::error_code ec;
  fs::create_directories(datadir, ec);
  if (ec) {
    error = "cannot create " + datadir.string() + ": " + ec.message();
    return std::nullopt;
  }
  fs::path file = datadir / kNodeKeyFile;
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      error = "cannot read " + file.string() + ": " + errno_text();
      return std::nullopt;
    }
    return create_key_file(datadir, file, error);
  }
  if (!S_ISREG(st.st_mode)) {
    error = file.string() + " is not a regular file";
    return std::nullopt;
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    error = "permissions " + std::string(mode) + " for '" + file.string() +
            "' are too open: the node key must not be accessible by others (chmod 600 " + file.string() + ")";
    return std::nullopt;
  }
  std::string text;
  {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      error = "cannot read " + file.string() + ": " + errno_text();
      return std::nullopt;
    }
    char buf[80];
    in.read(buf, sizeof buf);
    text.assign(buf, static_cast<size_t>(in.gcount()));
    OPENSSL_cleanse(buf, sizeof buf);
  }
  if (!text.empty() && text.back() == '\n') text.pop_back();
  auto seed_bytes = text.size() == 64 ? from_hex(text) : std::nullopt;
  OPENSSL_cleanse(text.data(), text.size());
  if (!seed_bytes) {
    error = file.string() + " is not a node key (expected one line of 64 hex digits)";
    return std::nullopt;
  }
  Key32 seed{};
  std::copy(seed_bytes->begin(), seed_bytes->end(), seed.begin());
  OPENSSL_cleanse(seed_bytes->data(), seed_bytes->size());
  auto key = from_seed(seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  if (!key) error = file.string() + " holds a key OpenSSL refuses";
  return key;
}

}  // namespace vest::p2p
