// eddy — the live configuration of one bucket.
//
// Owns: Configuration, the current value of every parameter of parameters.def.h for one bucket:
// typed getters (getMaxSize(), get<Param::MaxSize>()), run-time changes of dynamic parameters
// (SET_PARAM), change listeners, and the `config` stats (ep_<name>).
//
// Semantics. A Configuration starts from a validated Values (parseConfigString/parseConfigJson)
// or the defaults. After that only dynamic parameters change, one at a time, through setParam()
// or set<P>(), and only to values that are in range and keep every rule of constraints()
// satisfied; a refused change leaves everything as it was. Every successful change is
// announced to the listeners of that parameter, in the order the changes were made, with the
// value that change stored.
//
// Implementation. Every non-string value lives in a std::atomic<uint64_t> slot (bools as 0/1,
// int64 and double by bit pattern, enums by index), so the getters of those types are single
// lock-free loads. Strings (only `dbname` today) live under mutex_. Writers serialise on mutex_,
// which also makes snapshot() consistent. Listeners run with no lock held: a change is queued
// under mutex_ and the thread that finds no delivery in progress becomes the deliverer and runs
// the queue dry, so a listener may call getters, setParam() or addListener() without
// deadlocking; a change made while another thread is delivering is delivered by that thread,
// possibly after the setParam() that made it has returned.
//
// Invariants: slots_ and strings_ change only under mutex_; every stored value is in range and
// the whole set satisfies constraints(); at most one thread delivers at a time.
//
// Thread contract: every method is thread-safe. Getters of different parameters are each
// atomic but not a consistent pair (a getMemLowWat()/getMemHighWat() read racing with two
// SET_PARAMs may mix old and new); use snapshot() when a consistent set matters. Listeners must
// not throw (std::terminate) and must not outlive the Configuration; removeListener() returns
// only when the listener is not running (unless called from that listener itself).
#pragma once

#include "common/mutex.h"
#include "engine/config/param.h"
#include "engine/config/values.h"

#include <array>
#include <atomic>
#include <bit>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

namespace eddy::engine::config {

class Configuration {
public:
    /// Receives the value a successful change stored; must not throw.
    using Listener = std::function<void(const Value& new_value)>;
    using ListenerId = uint64_t;
    using StatCallback = std::function<void(std::string_view key, std::string_view value)>;

    /// Every parameter at its default.
    Configuration();
    /// `values` as returned by parseConfigString or parseConfigJson (already validated).
    explicit Configuration(const Values& values);

    Configuration(const Configuration&) = delete;
    Configuration& operator=(const Configuration&) = delete;

    /// The current value of P, typed and checked at compile time. Lock-free except for strings.
    template <Param P>
    [[nodiscard]] ParamType<P> get() const {
        using T = ParamType<P>;
        if constexpr (TypeTraits<T>::kType == Type::String) {
            return getString(P);
        } else {
            return decode<T>(slots_[paramIndex(P)].load(std::memory_order_acquire));
        }
    }

    // getMaxSize(), getBucketType(), ... : one per row of parameters.def.h.
#define EDDY_CONFIG_PARAM(name, Getter, CppType, ...) \
    [[nodiscard]] CppType get##Getter() const {       \
        return get<Param::Getter>();                  \
    }
#include "engine/config/parameters.def.h"
#undef EDDY_CONFIG_PARAM

    /// mem_low_wat / mem_high_wat as bytes of the current max_size (the ep_mem_*_wat stats).
    [[nodiscard]] uint64_t memLowWatBytes() const;
    [[nodiscard]] uint64_t memHighWatBytes() const;

    /// The current value of any parameter.
    [[nodiscard]] Value getValue(Param param) const;
    /// A consistent copy of every value.
    [[nodiscard]] Values snapshot() const EXCLUDES(mutex_);

    /// SET_PARAM: changes the dynamic parameter `name` to `value` (text, as in a config string)
    /// and returns its category. Errors: UnknownKey, NotDynamic ("not settable at run time"),
    /// WrongCategory (when `expected` is given and differs), WrongType, OutOfRange,
    /// BadEnumValue, Constraint. Listeners run before it returns unless another thread is
    /// delivering (see above).
    Result<Category> setParam(std::string_view name, std::string_view value,
                              std::optional<Category> expected = std::nullopt) EXCLUDES(mutex_);

    /// The typed form of setParam(), for engine code and tests; same checks and errors.
    template <Param P>
    Result<Category> set(const ParamType<P>& value) EXCLUDES(mutex_) {
        return setValue(info(P), toValue<P>(value), kSetSource);
    }

    /// Calls `listener` after every successful change of `param`. Returns an id for
    /// removeListener().
    ListenerId addListener(Param param, Listener listener) EXCLUDES(mutex_);
    /// As above by name; UnknownKey for an unknown name, NotDynamic for a parameter that never
    /// changes.
    Result<ListenerId> addListener(std::string_view name, Listener listener) EXCLUDES(mutex_);
    /// Typed form: `addListener<Param::MaxSize>([](uint64_t quota) { ... })`.
    template <Param P>
    ListenerId addListener(std::function<void(ParamType<P>)> listener) EXCLUDES(mutex_) {
        return addListener(P, [listener = std::move(listener)](const Value& value) {
            listener(fromValue<P>(value));
        });
    }
    /// After it returns the listener is not called again, and is not running unless the caller
    /// is that listener.
    void removeListener(ListenerId id) EXCLUDES(mutex_);

    /// Emits every parameter as `ep_<name>` → text value, in table order (the `config` stat
    /// group). QuotaPercent parameters are emitted in bytes, plus `ep_<name>_percent`.
    void addStats(const StatCallback& add) const EXCLUDES(mutex_);

private:
    static constexpr std::string_view kSetSource = "set_param";

    struct Change {
        Param param;
        Value value;
    };
    struct ListenerEntry {
        ListenerId id;
        Param param;
        Listener listener;
    };

    static uint64_t encode(const Value& value);
    template <class T>
    static T decode(uint64_t bits) {
        if constexpr (std::is_same_v<T, bool>) {
            return bits != 0;
        } else if constexpr (std::is_same_v<T, uint64_t>) {
            return bits;
        } else if constexpr (std::is_same_v<T, int64_t>) {
            return static_cast<int64_t>(bits);
        } else if constexpr (std::is_same_v<T, double>) {
            return std::bit_cast<double>(bits);
        } else {
            static_assert(TypeTraits<T>::kType == Type::Enum);
            return static_cast<T>(bits);
        }
    }

    void store(Param param, const Value& value) REQUIRES(mutex_);
    std::string getString(Param param) const EXCLUDES(mutex_);
    /// The value of a non-string parameter, from its slot (lock-free).
    Value slotValue(Param param) const;
    Values snapshotLocked() const REQUIRES(mutex_);
    Result<Category> setValue(const ParamInfo& param, Value value, std::string_view source)
        EXCLUDES(mutex_);
    /// Runs queued changes past their listeners until the queue is empty; temporarily releases
    /// mutex_ around each call. Precondition: this thread set delivering_.
    void deliverPending() REQUIRES(mutex_);

    std::array<std::atomic<uint64_t>, kParamCount> slots_{};

    mutable Mutex mutex_;
    std::array<std::string, kParamCount> strings_ GUARDED_BY(mutex_);
    std::vector<ListenerEntry> listeners_ GUARDED_BY(mutex_);
    ListenerId next_listener_id_ GUARDED_BY(mutex_) = 1;
    std::deque<Change> pending_ GUARDED_BY(mutex_);
    bool delivering_ GUARDED_BY(mutex_) = false;
    std::thread::id deliverer_ GUARDED_BY(mutex_);
    /// The listener the deliverer is running now; 0 = none.
    ListenerId running_listener_ GUARDED_BY(mutex_) = 0;
    /// Signalled whenever running_listener_ goes back to 0.
    std::condition_variable listener_finished_;
};

}  // namespace eddy::engine::config
