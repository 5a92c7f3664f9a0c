// eddy — Taskable: whoever owns background tasks (a bucket, or the daemon itself).
//
// Owns: the identity under which tasks are scheduled. An executor accepts a task only while its
// owner is registered (ExecutorPoolIface::registerTaskable); unregisterTaskable() cancels all of
// the owner's tasks and returns once none of them is running, after which the owner may be
// destroyed. Identity is the object's address.
// Thread contract: name() is const and callable from any thread; implementations keep it so.
#pragma once

#include <string>
#include <utility>

namespace eddy::executor {

class Taskable {
public:
    virtual ~Taskable() = default;

    /// A human-readable name for logs ("bucket default", "daemon").
    [[nodiscard]] virtual std::string name() const = 0;
};

/// A Taskable that is nothing but a name (the daemon, tests).
class NamedTaskable final : public Taskable {
public:
    explicit NamedTaskable(std::string name) : name_(std::move(name)) {}
    [[nodiscard]] std::string name() const override { return name_; }

private:
    const std::string name_;
};

}  // namespace eddy::executor
