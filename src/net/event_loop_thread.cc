#include "net/event_loop_thread.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <system_error>

#include <sys/eventfd.h>
#include <unistd.h>

namespace eddy::net {

EventLoopThread::EventLoopThread(std::string name) : name_(std::move(name)) {
    base_ = event_base_new();
    if (base_ == nullptr) {
        throw std::runtime_error("event_base_new failed");
    }
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "eventfd");
    }
    wake_event_ = event_new(base_, wake_fd_, EV_READ | EV_PERSIST, &EventLoopThread::onWake, this);
    event_add(wake_event_, nullptr);
}

EventLoopThread::~EventLoopThread() {
    stop();
    join();
    {
        // Wait out a poster that is still inside post().
        MutexLock lock(mutex_);
    }
    event_free(wake_event_);
    close(wake_fd_);
    event_base_free(base_);
}

void EventLoopThread::start() {
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
        event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY);
        // Jobs posted after the loop ended still run, so no hand-off is lost.
        runJobs();
    });
}

void EventLoopThread::post(std::function<void()> job) {
    // The eventfd is written under the lock: once the loop may have run this job (and its owner
    // may be tearing the loop down), the poster must be done with wake_fd_.
    MutexLock lock(mutex_);
    jobs_.push_back(std::move(job));
    if (jobs_.size() == 1) {
        const uint64_t one = 1;
        while (write(wake_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {
        }
    }
}

void EventLoopThread::stop() {
    // event_base_loopbreak is only safe from the loop thread without libevent locking, so the
    // break itself is posted.
    if (thread_.joinable()) {
        post([this] { event_base_loopbreak(base_); });
    }
}

void EventLoopThread::join() {
    if (thread_.joinable()) {
        thread_.join();
    }
}

void EventLoopThread::onWake(int fd, short /*events*/, void* self) {
    uint64_t count = 0;
    while (read(fd, &count, sizeof(count)) < 0 && errno == EINTR) {
    }
    static_cast<EventLoopThread*>(self)->runJobs();
}

void EventLoopThread::runJobs() {
    std::vector<std::function<void()>> jobs;
    {
        MutexLock lock(mutex_);
        jobs.swap(jobs_);
    }
    for (auto& job : jobs) {
        job();
    }
}

}  // namespace eddy::net
