// eddyctl collection — lists, creates and drops the collections of a bucket.
//
// Owns: CollectionCommand (what `eddyctl collection ...` asks for), parseCollectionCommand(),
// the pure edits of a manifest (withCollection(), withoutCollection(), collectionLines()) and
// runCollectionCommand(), which talks to the server.
//
// Semantics.
//   collection list [--bucket NAME]
//       GET_COLLECTIONS_MANIFEST; one line per collection: "scope.collection id 0x8" (and
//       "maxTTL N" when the manifest sets one), then the manifest uid
//   collection create SCOPE.COLLECTION [--bucket NAME]
//   collection drop SCOPE.COLLECTION [--bucket NAME]
//       read the manifest in force, change it, and SET_COLLECTIONS_MANIFEST it with the uid one
//       higher. create makes the scope too when it is missing. A new collection (or scope) gets
//       the id max(8, highest id in use + 1, new uid + 7): while eddyctl gives every id, ids grow
//       with the uid and a dropped one is not handed out again. (Whatever gave the ids, the
//       server refuses a manifest that brings a dropped id back: its documents may still be
//       stored.) A collection maxTTL is not offered: the server does not enforce one yet.
//       Someone else changing the manifest meanwhile makes the set fail (same uid, other
//       content): run the command again.
// The bucket is "default" unless --bucket names another.
//
// Thread contract: pure functions over caller-owned values, except runCollectionCommand().
#pragma once

#include "client/connection.h"
#include "collections/manifest.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace eddy::tools::ctl {

struct CollectionCommand {
    enum class Kind {
        List,
        Create,
        Drop
    };
    Kind kind = Kind::List;
    std::string bucket = "default";
    std::string scope;
    std::string collection;
};

/// The words after "collection". Throws UsageError.
[[nodiscard]] CollectionCommand parseCollectionCommand(const std::vector<std::string>& words);

/// `current` with `scope.collection` added (see the id rule above); throws std::runtime_error
/// if it exists.
[[nodiscard]] collections::Manifest withCollection(const collections::Manifest& current,
                                                   const CollectionCommand& command);
/// `current` without `scope.collection`; throws std::runtime_error if it does not exist.
[[nodiscard]] collections::Manifest withoutCollection(const collections::Manifest& current,
                                                      const CollectionCommand& command);
/// What `collection list` prints.
[[nodiscard]] std::string collectionLines(const collections::Manifest& manifest);

/// Carries `command` out over `connection` (the bucket selected); prints the outcome to `out`
/// or the failure to `err` and returns the exit code.
[[nodiscard]] int runCollectionCommand(client::Connection& connection,
                                       const CollectionCommand& command, std::ostream& out,
                                       std::ostream& err);

}  // namespace eddy::tools::ctl
