// eddy — BackgroundStatTask, StatTaskHolder and StatTaskRegistry (background_stat_task.h).
#include "engine/stats/background_stat_task.h"

#include <spdlog/spdlog.h>

#include <exception>

namespace eddy::engine::stats {

namespace {

/// A collection taking longer than this is logged as slow by the executor.
constexpr std::chrono::milliseconds kMaxExpectedDuration{100};

using Pairs = std::vector<std::pair<std::string, std::string>>;

/// Runs `collector` into `pairs`; returns its status, Failed if it threw.
Status collectInto(const StatCollector& collector, Pairs& pairs, std::function<bool()> abandoned,
                   std::string_view what) {
    const StatSink sink(
        [&pairs](std::string_view key, std::string_view value) { pairs.emplace_back(key, value); },
        std::move(abandoned));
    try {
        return collector(sink);
    } catch (const std::exception& error) {
        spdlog::warn("{}: failed: {}", what, error.what());
    } catch (...) {
        spdlog::warn("{}: failed with an unknown exception", what);
    }
    return Status::Failed;
}

}  // namespace

Status collectAndWrite(const StatCollector& collector, const AddStatFn& add_stat) {
    Pairs pairs;
    const Status status = collectInto(collector, pairs, {}, "STAT collection");
    if (status == Status::Success) {
        for (const auto& [key, value] : pairs) {
            add_stat(key, value);
        }
    }
    return status;
}

BackgroundStatTask::BackgroundStatTask(executor::Taskable& owner, executor::TaskId id,
                                       std::string description, StatCollector collector,
                                       StatTaskHooks hooks)
    : Task(owner, id),
      description_(std::move(description)),
      collector_(std::move(collector)),
      hooks_(std::move(hooks)) {}

std::chrono::microseconds BackgroundStatTask::maxExpectedDuration() const {
    return kMaxExpectedDuration;
}

bool BackgroundStatTask::run() {
    // Nobody waits any more (the connection closed): nothing to collect for.
    if (hooks_.wanted(token())) {
        collect(/*watch=*/true);
    }
    hooks_.done(token());
    return false;
}

void BackgroundStatTask::collect(bool watch) {
    if (done()) {
        return;
    }
    std::function<bool()> abandoned;
    if (watch) {
        abandoned = [this] { return !hooks_.wanted(token()); };
    }
    status_ = collectInto(collector_, pairs_, std::move(abandoned), description_);
    done_.store(true, std::memory_order_release);
}

Status BackgroundStatTask::writeResponse(const AddStatFn& add_stat) const {
    if (!done()) {
        return Status::Failed;  // the caller checks done() first
    }
    if (status_ == Status::Success) {
        for (const auto& [key, value] : pairs_) {
            add_stat(key, value);
        }
    }
    return status_;
}

StatTaskRegistry::Tokens StatTaskRegistry::takeAll() {
    Tokens left;
    MutexLock lock(mutex_);
    left.swap(tokens_);
    return left;
}

void StatTaskRegistry::add(const void* token) {
    MutexLock lock(mutex_);
    tokens_.insert(token);
}

void StatTaskRegistry::remove(const void* token) {
    MutexLock lock(mutex_);
    tokens_.erase(token);
}

size_t StatTaskRegistry::size() const {
    MutexLock lock(mutex_);
    return tokens_.size();
}

}  // namespace eddy::engine::stats
