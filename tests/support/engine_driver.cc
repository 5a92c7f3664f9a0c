#include "support/engine_driver.h"

#include <gtest/gtest.h>

#include <thread>

namespace eddy::test {

void MockServerApi::notifyIoComplete(CookieIface& cookie, Status status) {
    auto* mock = dynamic_cast<MockCookie*>(&cookie);
    if (mock == nullptr) {
        ADD_FAILURE() << "notifyIoComplete on a cookie that is not a MockCookie";
        return;
    }
    notifications_.fetch_add(1, std::memory_order_acq_rel);
    mock->notify(status);
}

void MockServerApi::scheduleDcpStep(CookieIface& cookie) {
    MutexLock lock(mutex_);
    ++dcp_steps_[cookie.connectionId()];
}

uint64_t MockServerApi::dcpStepsScheduled(uint64_t connection_id) const {
    MutexLock lock(mutex_);
    const auto found = dcp_steps_.find(connection_id);
    return found == dcp_steps_.end() ? 0 : found->second;
}

Status EngineDriver::drive(MockCookie& cookie, const std::function<Status()>& call) {
    Status status = Status::Success;
    for (;;) {
        calls_.fetch_add(1, std::memory_order_relaxed);
        status = call();
        if (status != Status::WouldBlock) {
            break;
        }
        would_blocks_.fetch_add(1, std::memory_order_relaxed);
        const auto notified = cookie.waitForNotification(timeout_);
        if (!notified) {
            ADD_FAILURE() << "engine returned would_block but did not notify within "
                          << timeout_.count() << " ms";
            status = Status::Failed;
            break;
        }
        if (*notified == Status::WouldBlock) {
            ADD_FAILURE() << "engine notified with would_block";
            status = Status::Failed;
            break;
        }
        if (*notified != Status::Success) {
            status = *notified;
            break;
        }
    }
    // The command is over: like the daemon, free whatever the engine left parked.
    (void)cookie.takeEngineStorage();
    return status;
}

Status EngineDriver::get(MockCookie& cookie, std::string_view key, ItemPtr& out, Vbid vbucket) {
    return drive(cookie, [&] { return engine_.get(cookie, DocKey(key), vbucket, out); });
}

Status EngineDriver::getAndTouch(MockCookie& cookie, std::string_view key, uint32_t exptime,
                                 ItemPtr& out, Vbid vbucket) {
    return drive(cookie,
                 [&] { return engine_.getAndTouch(cookie, DocKey(key), vbucket, exptime, out); });
}

Status EngineDriver::store(MockCookie& cookie, const StoreRequest& request,
                           MutationResult& result) {
    return drive(cookie, [&] { return engine_.store(cookie, request, result); });
}

Status EngineDriver::remove(MockCookie& cookie, std::string_view key, Cas cas,
                            MutationResult& result, Vbid vbucket) {
    return drive(cookie, [&] { return engine_.remove(cookie, DocKey(key), vbucket, cas, result); });
}

Status EngineDriver::arithmetic(MockCookie& cookie, const ArithmeticRequest& request,
                                uint64_t& value, MutationResult& result) {
    return drive(cookie, [&] { return engine_.arithmetic(cookie, request, value, result); });
}

Status EngineDriver::flush(MockCookie& cookie) {
    return drive(cookie, [&] { return engine_.flush(cookie); });
}

Status EngineDriver::getStats(MockCookie& cookie, std::string_view group, StatMap& out,
                              std::string_view value) {
    const auto driving_thread = std::this_thread::get_id();
    const AddStatFn add_stat = [&out, driving_thread](std::string_view key, std::string_view stat) {
        if (std::this_thread::get_id() != driving_thread) {
            ADD_FAILURE() << "AddStatFn called off the front-end thread for key " << key;
            return;
        }
        out.insert_or_assign(std::string(key), std::string(stat));
    };
    return drive(cookie, [&] { return engine_.getStats(cookie, group, value, add_stat); });
}

Status EngineDriver::unknownCommand(MockCookie& cookie, const EngineCommand& command,
                                    std::optional<EngineResponse>& response) {
    const auto driving_thread = std::this_thread::get_id();
    const EngineResponseFn respond = [&response, driving_thread](Status status,
                                                                 std::string_view value) {
        if (std::this_thread::get_id() != driving_thread) {
            ADD_FAILURE() << "EngineResponseFn called off the front-end thread";
            return;
        }
        response = EngineResponse{status, std::string(value)};
    };
    return drive(cookie, [&] { return engine_.unknownCommand(cookie, command, respond); });
}

void EngineDriver::disconnect(MockCookie& cookie) {
    engine_.disconnect(cookie);
}

}  // namespace eddy::test
