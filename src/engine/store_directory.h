// eddy — the files of a bucket's directory besides its store: the clean-shutdown marker and the
// bucket uuid.
//
// The marker ("clean_shutdown") is written at the end of a clean shutdown and removed once the
// store is open, so its absence next to a store means the last run ended without flushing
// everything. The uuid ("bucket_uuid", 32 hex digits) is made once and kept.
//
// Thread contract: functions of the file system only; callers serialise per directory.
#pragma once

#include <string>

namespace eddy::engine {

/// The store's directory inside the bucket's directory.
inline constexpr const char* kStoreDirectoryName = "store";

[[nodiscard]] bool hasCleanShutdownMarker(const std::string& directory);
/// Removes the marker durably (from here on, stopping without the final flush is a crash).
void removeCleanShutdownMarker(const std::string& directory);
/// Writes the marker durably.
void writeCleanShutdownMarker(const std::string& directory);

/// The uuid kept in `directory` (made and written there the first time); a new random one for
/// an empty `directory`.
[[nodiscard]] std::string loadOrMakeBucketUuid(const std::string& directory);

}  // namespace eddy::engine
