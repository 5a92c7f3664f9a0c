// eddy — CREATE_BUCKET and DELETE_BUCKET (bucket_contexts.h).
#include "daemon/bucket_contexts.h"

#include "daemon/background_job.h"
#include "daemon/connection.h"
#include "daemon/cookie.h"
#include "daemon/front_end.h"
#include "daemon/server.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace eddy::daemon {

namespace {

using mcbp::ResponseStatus;

constexpr std::string_view kKnownTypes[] = {"", "ep", "ep.so"};

}  // namespace

Status CreateBucketContext::step() {
    Cookie& cmd = cookie();
    Connection& connection = cmd.connection();
    Server& server = connection.server();
    const std::string name(cmd.request().key);
    if (!result_) {
        const std::string_view value = cmd.request().value;
        const auto nul = value.find('\0');
        const std::string_view type = value.substr(0, nul);
        const std::string_view config =
            nul == std::string_view::npos ? std::string_view{} : value.substr(nul + 1);
        if (std::find(std::begin(kKnownTypes), std::end(kKnownTypes), type) ==
            std::end(kKnownTypes)) {
            cmd.setErrorContext(fmt::format("Unknown bucket type '{}' (known: ep)", type));
            return Status::InvalidArguments;
        }
        std::string message;
        const Status reserved = server.buckets().reserve(name, config, message);
        if (reserved != Status::Success) {
            cmd.setErrorContext(message);
            return reserved;
        }
        result_ = std::make_shared<Result>();
        runInBackground(server, cmd, executor::TaskId::BucketCreateTask,
                        fmt::format("create bucket '{}'", name),
                        [result = result_, &buckets = server.buckets(), name] {
                            result->status = buckets.create(name, result->message);
                        });
        return Status::WouldBlock;
    }
    const auto result = std::move(result_);
    if (result->status != Status::Success) {
        spdlog::error("{}", result->message);
        cmd.setErrorContext(result->message);
        return result->status;
    }
    server.audit().record("bucket_created", connection.session().user(), connection.peer(),
                          {{"bucket", name}});
    spdlog::info("bucket '{}' created", name);
    cmd.sendResponse(ResponseStatus::Success);
    return Status::Success;
}

Status DeleteBucketContext::step() {
    Cookie& cmd = cookie();
    Connection& connection = cmd.connection();
    Server& server = connection.server();
    const std::string name(cmd.request().key);
    if (started_) {
        server.audit().record("bucket_deleted", connection.session().user(), connection.peer(),
                              {{"bucket", name}});
        cmd.sendResponse(ResponseStatus::Success);
        return Status::Success;
    }
    bool keep_data = false;
    bool force = false;
    const std::string_view value = cmd.request().value;
    if (!value.empty()) {
        const auto options = nlohmann::json::parse(value, nullptr, false);
        if (!options.is_object()) {
            cmd.setErrorContext("The value must be a JSON object such as {\"keep_data\": true}");
            return Status::InvalidArguments;
        }
        for (const auto& [key, option] : options.items()) {
            if ((key != "keep_data" && key != "force") || !option.is_boolean()) {
                cmd.setErrorContext(
                    fmt::format("Unknown option '{}' (known: keep_data and force, booleans)", key));
                return Status::InvalidArguments;
            }
            (key == "force" ? force : keep_data) = option.get<bool>();
        }
    }
    std::shared_ptr<Bucket> bucket = server.buckets().detach(name);
    if (!bucket) {
        cmd.setErrorContext(fmt::format("No bucket '{}'", name));
        return Status::KeyNotFound;
    }
    if (connection.session().bucket() == bucket.get()) {
        connection.session().selectNoBucket();
    }
    const Bucket* doomed = bucket.get();
    server.forEachFrontEnd([doomed](FrontEnd& front_end) {
        front_end.post([&front_end, doomed] { front_end.closeConnectionsOf(doomed); });
    });
    started_ = true;
    runInBackground(server, cmd, executor::TaskId::BucketDeleteTask,
                    fmt::format("delete bucket '{}'", name),
                    [bucket = std::move(bucket), &buckets = server.buckets(), keep_data,
                     force]() mutable { buckets.destroy(std::move(bucket), keep_data, force); });
    return Status::WouldBlock;
}

}  // namespace eddy::daemon
