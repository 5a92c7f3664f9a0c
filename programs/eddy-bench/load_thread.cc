// eddy-bench — one load thread's epoll loop (load_thread.h).
#include "load_thread.h"

#include "common/errno_string.h"

#include <array>
#include <stdexcept>

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace eddy::bench {

namespace {

/// How long one epoll_wait may sleep before `stop` and the drain deadline are looked at again.
constexpr int kWaitMillis = 50;

}  // namespace

LoadThread::LoadThread(std::vector<LoadConnection> connections) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) {
        throw std::runtime_error("epoll_create1: " + errnoString(errno));
    }
    slots_.reserve(connections.size());
    for (LoadConnection& connection : connections) {
        slots_.push_back(Slot{.connection = std::move(connection)});
    }
    for (size_t i = 0; i < slots_.size(); ++i) {
        const int fd = slots_[i].connection.fd();
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
            throw std::runtime_error("fcntl O_NONBLOCK: " + errnoString(errno));
        }
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = i;
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) < 0) {
            throw std::runtime_error("epoll_ctl ADD: " + errnoString(errno));
        }
    }
}

LoadThread::~LoadThread() {
    if (epoll_fd_ >= 0) {
        ::close(epoll_fd_);
    }
}

size_t LoadThread::liveConnections() const {
    size_t live = 0;
    for (const Slot& slot : slots_) {
        live += slot.live ? 1 : 0;
    }
    return live;
}

void LoadThread::watch(Slot& slot, size_t index, bool write) {
    if (slot.wants_write == write) {
        return;
    }
    epoll_event event{};
    event.events = EPOLLIN | (write ? EPOLLOUT : 0U);
    event.data.u64 = index;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, slot.connection.fd(), &event) < 0) {
        throw std::runtime_error("epoll_ctl MOD: " + errnoString(errno));
    }
    slot.wants_write = write;
}

void LoadThread::drop(Slot& slot, const std::string& why, ThreadOutcome& outcome) {
    slot.live = false;
    (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, slot.connection.fd(), nullptr);
    ++outcome.connection_errors;
    if (outcome.first_error.empty()) {
        outcome.first_error = why;
    }
}

bool LoadThread::pump(Slot& slot, OperationSource& source, ThreadOutcome& outcome) {
    try {
        slot.connection.fill(source, Clock::now());
        const bool all_written = slot.connection.flush();
        watch(slot, static_cast<size_t>(&slot - slots_.data()), !all_written);
        return true;
    } catch (const client::Error& error) {
        drop(slot, error.what(), outcome);
        return false;
    }
}

void LoadThread::retire(Slot& slot) {
    slot.live = false;
    (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, slot.connection.fd(), nullptr);
}

ThreadOutcome LoadThread::run(OperationSource& source, ResponseSink& sink,
                              const std::atomic<bool>& stop,
                              std::chrono::milliseconds drain_timeout) {
    ThreadOutcome outcome;
    size_t outstanding = 0;
    // Set once a fill leaves room in a pipeline: the source has nothing more to send.
    bool exhausted = false;
    TimePoint last_progress = Clock::now();
    const auto pumped = [&](Slot& slot, size_t before) {
        if (!pump(slot, source, outcome)) {
            outstanding -= before;
            return;
        }
        outstanding += slot.connection.inFlight() - before;
        exhausted = exhausted || slot.connection.hasRoom();
    };
    for (Slot& slot : slots_) {
        if (slot.live) {
            pumped(slot, slot.connection.inFlight());
        }
    }
    std::array<epoll_event, 64> events{};
    while (outstanding > 0 && !stop.load(std::memory_order_relaxed)) {
        const int ready =
            ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), kWaitMillis);
        if (ready < 0 && errno != EINTR) {
            throw std::runtime_error("epoll_wait: " + errnoString(errno));
        }
        for (int i = 0; i < ready; ++i) {
            const epoll_event& event = events[static_cast<size_t>(i)];
            Slot& slot = slots_[event.data.u64];
            if (!slot.live) {
                continue;
            }
            const size_t before = slot.connection.inFlight();
            try {
                if ((event.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
                    slot.connection.receive(sink);
                }
            } catch (const client::Error& error) {
                drop(slot, error.what(), outcome);
                outstanding -= before;
                continue;
            }
            const size_t after = slot.connection.inFlight();
            if (after < before) {
                outstanding -= before - after;
                last_progress = Clock::now();
            }
            pumped(slot, after);
        }
        if (exhausted && outstanding > 0 && Clock::now() - last_progress > drain_timeout) {
            break;  // answers stopped coming
        }
    }
    if (outstanding > 0) {
        // Given up (stop, or no answer for drain_timeout): these connections still owe answers
        // that a later run must not take for its own, so they are not used again.
        outcome.unanswered = outstanding;
        for (Slot& slot : slots_) {
            if (slot.live && slot.connection.inFlight() > 0) {
                retire(slot);
            }
        }
    }
    return outcome;
}

}  // namespace eddy::bench
