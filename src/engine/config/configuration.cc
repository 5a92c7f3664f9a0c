#include "engine/config/configuration.h"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>
#include <utility>

namespace eddy::engine::config {

namespace {

static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "the getters rely on lock-free 64-bit atomics");

Error setParamError(ErrorCode code, std::string_view source, std::string_view key,
                    std::string_view why) {
    return Error{code, std::string(key), fmt::format("{}: \"{}\": {}", source, key, why)};
}

/// Runs one listener; a throwing listener is a programmer error and terminates.
void invokeListener(const Configuration::Listener& listener, const Value& value) noexcept {
    listener(value);
}

}  // namespace

Configuration::Configuration() : Configuration(Values{}) {}

Configuration::Configuration(const Values& values) {
    MutexLock lock(mutex_);
    for (const auto& row : kParams) {
        store(row.id, values[row.id]);
    }
}

uint64_t Configuration::encode(const Value& value) {
    return std::visit(
        [](const auto& alternative) -> uint64_t {
            using T = std::decay_t<decltype(alternative)>;
            if constexpr (std::is_same_v<T, bool>) {
                return alternative ? 1 : 0;
            } else if constexpr (std::is_same_v<T, uint64_t>) {
                return alternative;
            } else if constexpr (std::is_same_v<T, int64_t>) {
                return static_cast<uint64_t>(alternative);
            } else if constexpr (std::is_same_v<T, double>) {
                return std::bit_cast<uint64_t>(alternative);
            } else if constexpr (std::is_same_v<T, EnumIndex>) {
                return alternative.index;
            } else {
                return 0;  // strings live in strings_
            }
        },
        value);
}

void Configuration::store(Param param, const Value& value) {
    if (const auto* text = std::get_if<std::string>(&value)) {
        strings_[paramIndex(param)] = *text;
    } else {
        slots_[paramIndex(param)].store(encode(value), std::memory_order_release);
    }
}

std::string Configuration::getString(Param param) const {
    MutexLock lock(mutex_);
    return strings_[paramIndex(param)];
}

Value Configuration::slotValue(Param param) const {
    const uint64_t bits = slots_[paramIndex(param)].load(std::memory_order_acquire);
    switch (info(param).type) {
    case Type::Bool: return decode<bool>(bits);
    case Type::Size: return decode<uint64_t>(bits);
    case Type::Int: return decode<int64_t>(bits);
    case Type::Double: return decode<double>(bits);
    case Type::Enum: return EnumIndex{static_cast<uint8_t>(bits)};
    case Type::String: break;
    }
    return bits;
}

Value Configuration::getValue(Param param) const {
    if (info(param).type == Type::String) {
        return getString(param);
    }
    return slotValue(param);
}

Values Configuration::snapshotLocked() const {
    Values values;
    for (const auto& row : kParams) {
        // Writers hold mutex_, so with it held the slots form one consistent state.
        values.setUnchecked(row.id, row.type == Type::String ? Value{strings_[paramIndex(row.id)]}
                                                             : slotValue(row.id));
    }
    return values;
}

Values Configuration::snapshot() const {
    MutexLock lock(mutex_);
    return snapshotLocked();
}

uint64_t Configuration::memLowWatBytes() const {
    return percentOf(getMaxSize(), getMemLowWat());
}

uint64_t Configuration::memHighWatBytes() const {
    return percentOf(getMaxSize(), getMemHighWat());
}

Result<Category> Configuration::setParam(std::string_view name, std::string_view value,
                                         std::optional<Category> expected) {
    const auto* param = findParam(name);
    if (param == nullptr) {
        const auto suggestion = suggestParam(name);
        return setParamError(
            ErrorCode::UnknownKey, kSetSource, name,
            suggestion.empty()
                ? std::string("unknown parameter")
                : fmt::format("unknown parameter; did you mean \"{}\"?", suggestion));
    }
    if (!param->dynamic()) {
        return setParamError(ErrorCode::NotDynamic, kSetSource, name,
                             "not settable at run time (only when the bucket is created)");
    }
    if (expected && *expected != param->category) {
        return setParamError(
            ErrorCode::WrongCategory, kSetSource, name,
            fmt::format("is a {}, not a {}", toString(param->category), toString(*expected)));
    }
    auto parsed = parseValue(*param, value, kSetSource);
    if (!parsed) {
        return parsed.error();
    }
    return setValue(*param, std::move(parsed.value()), kSetSource);
}

Result<Category> Configuration::setValue(const ParamInfo& param, Value value,
                                         std::string_view source) {
    if (!param.dynamic()) {
        return setParamError(ErrorCode::NotDynamic, source, param.name,
                             "not settable at run time (only when the bucket is created)");
    }
    if (auto error = checkValue(param, value, source)) {
        return std::move(*error);
    }
    MutexLock lock(mutex_);
    auto candidate = snapshotLocked();
    candidate.setUnchecked(param.id, value);
    if (auto error = checkConstraints(candidate, source)) {
        return std::move(*error);
    }
    store(param.id, value);
    pending_.push_back(Change{param.id, std::move(value)});
    if (!delivering_) {
        delivering_ = true;
        deliverer_ = std::this_thread::get_id();
        deliverPending();
        delivering_ = false;
        deliverer_ = {};
    }
    return param.category;
}

void Configuration::deliverPending() {
    while (!pending_.empty()) {
        const Change change = std::move(pending_.front());
        pending_.pop_front();
        // Listeners added or removed while one runs are seen by the next lookup; ids only grow,
        // so "the next id above the last one called" visits each remaining listener once.
        ListenerId last = 0;
        while (true) {
            const auto next = std::find_if(
                listeners_.begin(), listeners_.end(), [&change, last](const ListenerEntry& entry) {
                    return entry.id > last && entry.param == change.param;
                });
            if (next == listeners_.end()) {
                break;
            }
            last = next->id;
            running_listener_ = next->id;
            const Listener listener = next->listener;
            mutex_.unlock();
            invokeListener(listener, change.value);
            mutex_.lock();
            running_listener_ = 0;
            listener_finished_.notify_all();
        }
    }
}

Configuration::ListenerId Configuration::addListener(Param param, Listener listener) {
    MutexLock lock(mutex_);
    const ListenerId id = next_listener_id_++;
    listeners_.push_back(ListenerEntry{id, param, std::move(listener)});
    return id;
}

Result<Configuration::ListenerId> Configuration::addListener(std::string_view name,
                                                             Listener listener) {
    const auto* param = findParam(name);
    if (param == nullptr) {
        return setParamError(ErrorCode::UnknownKey, "add listener", name, "unknown parameter");
    }
    if (!param->dynamic()) {
        return setParamError(ErrorCode::NotDynamic, "add listener", name,
                             "not settable at run time, so it never changes");
    }
    return addListener(param->id, std::move(listener));
}

void Configuration::removeListener(ListenerId id) {
    MutexLock lock(mutex_);
    std::erase_if(listeners_, [id](const ListenerEntry& entry) { return entry.id == id; });
    while (running_listener_ == id && deliverer_ != std::this_thread::get_id()) {
        waitOn(listener_finished_, mutex_);
    }
}

void Configuration::addStats(const StatCallback& add) const {
    const Values values = snapshot();
    const uint64_t quota = values.get<Param::MaxSize>();
    for (const auto& row : kParams) {
        const std::string key = fmt::format("ep_{}", row.name);
        const Value& value = values[row.id];
        if (row.unit == Unit::QuotaPercent) {
            const double percent = std::get<double>(value);
            add(key, std::to_string(percentOf(quota, percent)));
            add(key + "_percent", formatValue(row, value));
        } else {
            add(key, formatValue(row, value));
        }
    }
}

}  // namespace eddy::engine::config
