#include "test_engines/delayed_notifier.h"

#include <algorithm>

namespace eddy::test_engines {

DelayedNotifier::DelayedNotifier() : worker_([this] { run(); }) {}

DelayedNotifier::~DelayedNotifier() {
    shutdown();
}

void DelayedNotifier::schedule(std::chrono::milliseconds delay, Job job) {
    if (!job) {
        return;  // an empty Job is the worker's "stop" signal and must never be queued
    }
    {
        MutexLock lock(mutex_);
        if (!stopping_) {
            queue_.emplace(QueueKey{Clock::now() + delay, next_sequence_++}, std::move(job));
            cv_.notify_one();
            return;
        }
    }
    job();
}

void DelayedNotifier::shutdown() {
    {
        MutexLock lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) {
        worker_.join();
    }
}

void DelayedNotifier::expedite() {
    {
        MutexLock lock(mutex_);
        // One deadline for all keeps their order (the sequence numbers break the tie).
        const Clock::time_point now = Clock::now();
        std::map<QueueKey, Job> due;
        for (auto& [key, job] : queue_) {
            due.emplace(QueueKey{std::min(key.first, now), key.second}, std::move(job));
        }
        queue_ = std::move(due);
    }
    cv_.notify_all();
}

void DelayedNotifier::run() {
    for (Job job = nextDueJob(); job; job = nextDueJob()) {
        job();
    }
}

DelayedNotifier::Job DelayedNotifier::nextDueJob() {
    MutexLock lock(mutex_);
    for (;;) {
        if (queue_.empty()) {
            if (stopping_) {
                return {};
            }
            waitOn(cv_, mutex_);
            continue;
        }
        auto first = queue_.begin();
        const Clock::time_point deadline = first->first.first;
        if (stopping_ || deadline <= Clock::now()) {
            Job job = std::move(first->second);
            queue_.erase(first);
            return job;
        }
        waitUntil(cv_, mutex_, deadline);
    }
}

}  // namespace eddy::test_engines
