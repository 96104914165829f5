// Files that must survive a crash whole: either the old contents or the new,
// never a mix, and the new ones on disk before the call returns.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace vest {

// Replaces `file` with `contents`: writes a temporary file beside it with
// `mode`, syncs it, renames it over `file` and syncs the folder. On failure
// (false, `error` says what) `file` is as it was and no temporary file is left.
bool write_file_durably(const std::filesystem::path& file, std::string_view contents, mode_t mode,
                        std::string& error);

// Syncs the folder `dir`, so that files created, renamed or removed in it stay
// so after a crash.
bool sync_folder(const std::filesystem::path& dir, std::string& error);

}  // namespace vest
