// eddy — the daemon's slow work on the executor (background_job.h).
#include "daemon/background_job.h"

#include "daemon/cookie.h"
#include "daemon/server.h"
#include "executor/executor_pool.h"
#include "executor/task.h"

#include <atomic>
#include <memory>
#include <utility>

namespace eddy::daemon {

namespace {

class BackgroundJobTask final : public executor::Task {
public:
    BackgroundJobTask(Server& server, Cookie& cookie, executor::TaskId id, std::string description,
                      std::function<void()> work)
        : Task(server.daemonTaskable(), id),
          server_(server),
          cookie_(cookie),
          description_(std::move(description)),
          work_(std::move(work)) {}

    ~BackgroundJobTask() override {
        if (!ran_.load(std::memory_order_acquire)) {
            server_.notifyIoComplete(cookie_, Status::TemporaryFailure);
        }
    }
    BackgroundJobTask(const BackgroundJobTask&) = delete;
    BackgroundJobTask& operator=(const BackgroundJobTask&) = delete;

    bool run() override {
        work_();
        ran_.store(true, std::memory_order_release);
        server_.notifyIoComplete(cookie_, Status::Success);
        return false;
    }

    [[nodiscard]] std::string description() const override { return description_; }

private:
    Server& server_;
    /// Only handed back to notifyIoComplete, never read.
    Cookie& cookie_;
    const std::string description_;
    std::function<void()> work_;
    std::atomic<bool> ran_{false};
};

}  // namespace

void runInBackground(Server& server, Cookie& cookie, executor::TaskId id, std::string description,
                     std::function<void()> work) {
    server.executor().schedule(std::make_shared<BackgroundJobTask>(
        server, cookie, id, std::move(description), std::move(work)));
}

}  // namespace eddy::daemon
