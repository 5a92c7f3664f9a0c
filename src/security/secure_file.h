// eddy — reading and atomically replacing the small files that hold secrets.
//
// Owns: readSecureFile() and writeSecureFile(), used for the password and RBAC databases and
// the bucket list.
// writeSecureFile writes a uniquely named temporary file in the same directory with mode 0600,
// fsyncs it,
// renames it over the target and fsyncs the directory, so a reader sees either the old file or
// the new one, never a torn one, and nobody but the owner can read either.
//
// Thread contract: free functions; concurrent writers of one path must be serialised by the
// caller (the last rename wins).
#pragma once

#include <optional>
#include <string>

namespace eddy::security {

/// The file's contents; nullopt with `error` set (strerror text) if it cannot be read.
[[nodiscard]] std::optional<std::string> readSecureFile(const std::string& path,
                                                        std::string& error);

/// Replaces `path` with `contents` atomically (see above). False with `error` set on failure,
/// in which case the old file is untouched.
[[nodiscard]] bool writeSecureFile(const std::string& path, const std::string& contents,
                                   std::string& error);

}  // namespace eddy::security
