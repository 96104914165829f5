#include "chain/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vest {

namespace fs = std::filesystem;

bool sync_folder(const fs::path& dir, std::string& error) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open " + dir.string() + ": " + std::strerror(errno);
    return false;
  }
  const bool ok = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) error = "cannot sync " + dir.string() + ": " + std::strerror(err);
  return ok;
}

bool write_file_durably(const fs::path& file, std::string_view contents, mode_t mode, std::string& error) {
  fs::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  const fs::path tmp = dir / ("." + file.filename().string() + "." + std::to_string(::getpid()) + ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    error = "cannot create " + tmp.string() + ": " + std::strerror(errno);
    return false;
  }
  // The umask narrows `mode`; a temporary file left by a crash may have had other bits.
  bool ok = ::fchmod(fd, mode) == 0;
  for (size_t done = 0; ok && done < contents.size();) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  int err = errno;
  if (ok && ::fsync(fd) != 0) {
    ok = false;
    err = errno;
  }
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && ::rename(tmp.c_str(), file.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    error = "cannot write " + file.string() + ": " + std::strerror(err);
    return false;
  }
  return sync_folder(dir, error);
}

}  // namespace vest
