// eddy — one thread running one libevent event_base, and the only way into it from outside.
//
// Owns: EventLoopThread, a thread with its own event_base and a job queue. post() is the single
// cross-thread hand-off of the front end: any thread may post a job; the loop thread runs it.
// Everything registered on base() is touched only by the loop thread.
//
// Implementation: jobs sit in a mutex-guarded vector; the poster that turns it from empty to
// non-empty writes an eventfd (still holding the lock, so no poster touches the eventfd after
// its job may have run), whose read event wakes the loop, which swaps the vector out and runs
// the jobs in order. The eventfd is read before the swap, so a job posted while the loop is
// running is either in this swap or has written the eventfd again.
//
// Thread contract: post(), stop() and isLoopThread() are callable from any thread; base() and
// everything on it belong to the loop thread once start() has been called.
#pragma once

#include "common/mutex.h"

#include <functional>
#include <string>
#include <thread>
#include <vector>

struct event;
struct event_base;

namespace eddy::net {

class EventLoopThread {
public:
    explicit EventLoopThread(std::string name);
    ~EventLoopThread();
    EventLoopThread(const EventLoopThread&) = delete;
    EventLoopThread& operator=(const EventLoopThread&) = delete;

    /// The loop's event base: use it only on the loop thread (or before start()).
    [[nodiscard]] event_base* base() const { return base_; }

    /// Starts the thread, which runs the loop until stop().
    void start();

    /// Runs `job` on the loop thread, after the jobs posted before it. Any thread.
    void post(std::function<void()> job) EXCLUDES(mutex_);

    /// Asks the loop to exit once the jobs posted before it have run. Any thread. Jobs posted
    /// after the loop has ended never run: owners stop posting before they stop the loop.
    void stop();

    /// Waits for the loop thread to finish (call after stop() or when the loop exits itself).
    void join();

    [[nodiscard]] bool isLoopThread() const {
        return std::this_thread::get_id() == thread_.get_id();
    }
    [[nodiscard]] const std::string& name() const { return name_; }

private:
    static void onWake(int fd, short events, void* self);
    void runJobs() EXCLUDES(mutex_);

    const std::string name_;
    event_base* base_ = nullptr;
    event* wake_event_ = nullptr;
    int wake_fd_ = -1;
    std::thread thread_;
    Mutex mutex_;
    std::vector<std::function<void()>> jobs_ GUARDED_BY(mutex_);
};

}  // namespace eddy::net
