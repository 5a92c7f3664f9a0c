// eddy-bench — one load thread's epoll loop (load_thread.h).
#include "load_thread.h"

#include "common/errno_string.h"

#include <array>
#include <optional>
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

bool LoadThread::pump(Slot& slot, OperationSource& source, TimePoint now, ThreadOutcome& outcome) {
    try {
        slot.connection.fill(source, now);
        const bool all_written = slot.connection.flush();
        watch(slot, static_cast<size_t>(&slot - slots_.data()), !all_written);
        return true;
    } catch (const client::Error& error) {
        drop(slot, error.what(), outcome);
        return false;
    }
}

ThreadOutcome LoadThread::run(OperationSource& source, ResponseSink& sink,
                              const std::atomic<bool>& stop,
                              std::chrono::milliseconds drain_timeout) {
    ThreadOutcome outcome;
    auto in_flight = [this] {
        size_t total = 0;
        for (const Slot& slot : slots_) {
            total += slot.live ? slot.connection.inFlight() : 0;
        }
        return total;
    };
    TimePoint now = Clock::now();
    for (Slot& slot : slots_) {
        if (slot.live) {
            pump(slot, source, now, outcome);
        }
    }
    size_t outstanding = in_flight();
    std::optional<TimePoint> exhausted_at;
    std::array<epoll_event, 64> events{};
    while (!stop.load(std::memory_order_relaxed)) {
        if (outstanding == 0) {
            // Every pipeline is empty after a fill: the source has nothing more.
            break;
        }
        const int ready =
            ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), kWaitMillis);
        if (ready < 0 && errno != EINTR) {
            throw std::runtime_error("epoll_wait: " + errnoString(errno));
        }
        now = Clock::now();
        for (int i = 0; i < ready; ++i) {
            Slot& slot = slots_[events[static_cast<size_t>(i)].data.u64];
            if (!slot.live) {
                continue;
            }
            const size_t before = slot.connection.inFlight();
            try {
                if ((events[static_cast<size_t>(i)].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) !=
                    0) {
                    slot.connection.receive(sink);
                }
            } catch (const client::Error& error) {
                drop(slot, error.what(), outcome);
                outstanding -= before;
                continue;
            }
            const size_t answered = before - slot.connection.inFlight();
            outstanding -= answered;
            const size_t room_before = slot.connection.inFlight();
            if (pump(slot, source, now, outcome)) {
                const size_t added = slot.connection.inFlight() - room_before;
                outstanding += added;
                if (added == 0 && answered > 0 && !exhausted_at) {
                    exhausted_at = now;  // room in the pipeline and nothing to send
                }
            } else {
                outstanding -= room_before;
            }
        }
        if (exhausted_at && now - *exhausted_at > drain_timeout) {
            outcome.unanswered = outstanding;
            break;
        }
    }
    return outcome;
}

}  // namespace eddy::bench
