// eddy — what an engine may know about one in-flight command.
//
// Owns: CookieIface (the engine's view of a front-end Cookie) and EngineStorage (the typed,
// owned slot where an engine parks per-command state between a would_block and the re-drive, and
// the per-connection slot where it keeps a DCP producer).
//
// Thread contract: every method is callable only on the front-end thread that owns the cookie,
// i.e. from inside an engine call made by that thread. A background task must never call any of
// them; it may hold a CookieIface& only to pass it to ServerApi::notifyIoComplete, exactly once
// (ARCHITECTURE.md §1). Debug and sanitizer builds assert this on every call.
#pragma once

#include <cstdint>
#include <memory>

namespace eddy {

/// Base of whatever an engine parks in a cookie. Destroyed when the command completes, when the
/// engine takes it back, or when the connection dies: the engine never frees it by hand.
class EngineStorage {
public:
    virtual ~EngineStorage() = default;
};

class CookieIface {
public:
    /// Parks `storage` in the cookie, replacing (and destroying) anything parked before.
    virtual void setEngineStorage(std::unique_ptr<EngineStorage> storage) = 0;
    /// Takes the parked state back (nullptr if none); after this the slot is empty.
    [[nodiscard]] virtual std::unique_ptr<EngineStorage> takeEngineStorage() = 0;
    /// Looks at the parked state without taking it (nullptr if none).
    [[nodiscard]] virtual EngineStorage* engineStorage() = 0;
    /// Id of the connection the command arrived on; unique for the life of the process.
    [[nodiscard]] virtual uint64_t connectionId() const = 0;

    /// A slot that lives as long as the connection, not the command (a DCP producer is kept
    /// there). Replaces anything set before; released when the connection is destroyed, after
    /// EngineIface::disconnect.
    virtual void setConnectionStorage(std::shared_ptr<EngineStorage> storage) = 0;
    /// What setConnectionStorage left (nullptr if nothing).
    [[nodiscard]] virtual EngineStorage* connectionStorage() = 0;

protected:
    ~CookieIface() = default;
};

}  // namespace eddy
