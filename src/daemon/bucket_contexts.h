// eddy — CREATE_BUCKET and DELETE_BUCKET.
//
// Semantics.
//   - CREATE_BUCKET (0x85): key = the name; value = "<type>\0<config>", where type is "ep",
//     "ep.so" or empty (eddy's one bucket engine; the persistent or ephemeral kind is the
//     bucket_type parameter) and config the bucket parameters as "key=value;key=value". A bad
//     name or configuration is EINVAL with the reason, an existing name KEY_EEXISTS. The name
//     is reserved at once; the engine is built on the executor (it opens the store), then the
//     bucket is Ready and the bucket list saved.
//   - DELETE_BUCKET (0x86): key = the name; value empty or a JSON object of booleans
//     {"keep_data": ..., "force": ...}.
//     The bucket leaves the map at once (SELECT_BUCKET answers KEY_ENOENT from then on), the
//     requesting connection leaves it if it had it selected, every other connection that has
//     it selected is closed (one with a blocked command once that command is notified), and on
//     the executor the deletion waits for the last of them to go, destroys the engine (its
//     tasks stop; what is left is flushed if the files are kept and force is not set),
//     removes <data_dir>/<name> unless keep_data, and
//     saves the list. KEY_ENOENT for a bucket that does not exist or is still being created.
// Both are audited ("bucket_created", "bucket_deleted").
//
// Thread contract: front-end thread of the cookie (CommandContexts).
#pragma once

#include "daemon/command_context.h"

#include <memory>
#include <string>

namespace eddy::daemon {

class CreateBucketContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;

private:
    struct Result {
        Status status = Status::Success;
        std::string message;
    };
    std::shared_ptr<Result> result_;
};

class DeleteBucketContext final : public SteppableCommandContext {
public:
    using SteppableCommandContext::SteppableCommandContext;

protected:
    Status step() override;

private:
    bool started_ = false;
};

}  // namespace eddy::daemon
