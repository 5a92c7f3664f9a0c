#include "engine/config/values.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <set>
#include <system_error>
#include <vector>

namespace eddy::engine::config {

namespace {

using nlohmann::json;

Error makeError(ErrorCode code, std::string_view source, std::string_view key,
                std::string_view why) {
    return Error{code, std::string(key), fmt::format("{}: \"{}\": {}", source, key, why)};
}

std::string_view trim(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    const auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(kSpace);
    return text.substr(first, last - first + 1);
}

/// Checks a number against the row's bounds.
template <class T>
std::optional<Error> checkBounds(const ParamInfo& param, T number, std::string_view source) {
    const T min = std::get<T>(param.min);
    const T max = std::get<T>(param.max);
    if (number >= min && number <= max) {
        return std::nullopt;
    }
    const auto shown = formatValue(param, Value{number});
    if (!hasUpperBound(param)) {
        return makeError(
            ErrorCode::OutOfRange, source, param.name,
            fmt::format("{} is below the minimum {}", shown, formatValue(param, Value{min})));
    }
    return makeError(ErrorCode::OutOfRange, source, param.name,
                     fmt::format("{} is outside [{}, {}]", shown, formatValue(param, Value{min}),
                                 formatValue(param, Value{max})));
}

Result<Value> badEnum(const ParamInfo& param, std::string_view name, std::string_view source) {
    return makeError(
        ErrorCode::BadEnumValue, source, param.name,
        fmt::format("\"{}\" is not one of {}", name, fmt::join(param.enum_names, ", ")));
}

Result<Value> enumValue(const ParamInfo& param, std::string_view name, std::string_view source) {
    for (size_t i = 0; i < param.enum_names.size(); ++i) {
        if (param.enum_names[i] == name) {
            return Value{EnumIndex{static_cast<uint8_t>(i)}};
        }
    }
    return badEnum(param, name, source);
}

template <class T>
Result<Value> integerFromText(const ParamInfo& param, std::string_view text,
                              std::string_view source, std::string_view what) {
    T number{};
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, number);
    if (ec == std::errc::result_out_of_range && ptr == end) {
        return makeError(
            ErrorCode::OutOfRange, source, param.name,
            fmt::format("{} does not fit in 64 bits (accepted: {})", text, acceptedText(param)));
    }
    if (ec != std::errc() || ptr != end || text.empty()) {
        return makeError(
            ErrorCode::WrongType, source, param.name,
            fmt::format("\"{}\" is not {} (accepted: {})", text, what, acceptedText(param)));
    }
    if (auto error = checkBounds(param, number, source)) {
        return std::move(*error);
    }
    return Value{number};
}

Result<Value> doubleFromText(const ParamInfo& param, std::string_view text,
                             std::string_view source) {
    double number = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, number);
    if (ec != std::errc() || ptr != end || text.empty() || !std::isfinite(number)) {
        return makeError(
            ErrorCode::WrongType, source, param.name,
            fmt::format("\"{}\" is not a number (accepted: {})", text, acceptedText(param)));
    }
    if (auto error = checkBounds(param, number, source)) {
        return std::move(*error);
    }
    return Value{number};
}

/// A short rendering of a JSON value for messages ("string \"abc\"", "number 1.5", ...).
std::string describeJson(const json& value) {
    auto text = value.dump();
    constexpr size_t kMaxShown = 60;
    if (text.size() > kMaxShown) {
        text = text.substr(0, kMaxShown) + "...";
    }
    return fmt::format("{} {}", value.type_name(), text);
}

Result<Value> wrongJsonType(const ParamInfo& param, const json& value, std::string_view expected,
                            std::string_view source) {
    return makeError(ErrorCode::WrongType, source, param.name,
                     fmt::format("expected {} ({}), got {}", expected, acceptedText(param),
                                 describeJson(value)));
}

Result<Value> valueFromJson(const ParamInfo& param, const json& value, std::string_view source) {
    switch (param.type) {
    case Type::Bool:
        if (!value.is_boolean()) {
            return wrongJsonType(param, value, "a JSON boolean", source);
        }
        return Value{value.get<bool>()};
    case Type::Size:
        if (value.is_number_unsigned()) {
            const auto number = value.get<uint64_t>();
            if (auto error = checkBounds(param, number, source)) {
                return std::move(*error);
            }
            return Value{number};
        }
        if (value.is_number_integer()) {  // negative
            return makeError(ErrorCode::OutOfRange, source, param.name,
                             fmt::format("{} is negative (accepted: {})", value.get<int64_t>(),
                                         acceptedText(param)));
        }
        return wrongJsonType(param, value, "a non-negative integer", source);
    case Type::Int:
        if (value.is_number_unsigned() &&
            value.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) {
            return makeError(ErrorCode::OutOfRange, source, param.name,
                             fmt::format("{} does not fit in 64 bits (accepted: {})",
                                         value.get<uint64_t>(), acceptedText(param)));
        }
        if (value.is_number_integer()) {
            const auto number = value.get<int64_t>();
            if (auto error = checkBounds(param, number, source)) {
                return std::move(*error);
            }
            return Value{number};
        }
        return wrongJsonType(param, value, "an integer", source);
    case Type::Double:
        if (value.is_number()) {
            const auto number = value.get<double>();
            if (auto error = checkBounds(param, number, source)) {
                return std::move(*error);
            }
            return Value{number};
        }
        return wrongJsonType(param, value, "a number", source);
    case Type::String:
        if (!value.is_string()) {
            return wrongJsonType(param, value, "a string", source);
        }
        return Value{value.get<std::string>()};
    case Type::Enum:
        if (!value.is_string()) {
            return wrongJsonType(param, value, "a string", source);
        }
        return enumValue(param, value.get_ref<const std::string&>(), source);
    }
    return wrongJsonType(param, value, "a known type", source);
}

Error unknownKey(std::string_view key, std::string_view source) {
    const auto suggestion = suggestParam(key);
    if (!suggestion.empty()) {
        return makeError(ErrorCode::UnknownKey, source, key,
                         fmt::format("unknown parameter; did you mean \"{}\"?", suggestion));
    }
    return makeError(ErrorCode::UnknownKey, source, key,
                     "unknown parameter (the bucket parameters are listed in "
                     "docs/configuration.md)");
}

// --- cross-parameter rules ---------------------------------------------------------------

std::optional<std::string> lowBelowHigh(const Values& values) {
    const auto low = values.get<Param::MemLowWat>();
    const auto high = values.get<Param::MemHighWat>();
    if (low < high) {
        return std::nullopt;
    }
    return fmt::format("\"mem_low_wat\" ({}) must be below \"mem_high_wat\" ({})", low, high);
}

std::optional<std::string> recoveryLowerBelowUpper(const Values& values) {
    const auto lower = values.get<Param::CheckpointMemoryRecoveryLowerMark>();
    const auto upper = values.get<Param::CheckpointMemoryRecoveryUpperMark>();
    if (lower < upper) {
        return std::nullopt;
    }
    return fmt::format(
        "\"checkpoint_memory_recovery_lower_mark\" ({}) must be below "
        "\"checkpoint_memory_recovery_upper_mark\" ({})",
        lower, upper);
}

std::optional<std::string> noopBelowIdleTimeout(const Values& values) {
    const auto noop = values.get<Param::DcpNoopTxInterval>();
    const auto idle = values.get<Param::DcpIdleTimeout>();
    if (noop < idle) {
        return std::nullopt;
    }
    return fmt::format("\"dcp_noop_tx_interval\" ({}) must be below \"dcp_idle_timeout\" ({})",
                       noop, idle);
}

std::optional<std::string> fullEvictionNeedsDisk(const Values& values) {
    if (values.get<Param::ItemEvictionPolicy>() != EvictionPolicy::FullEviction ||
        values.get<Param::BucketType>() == BucketType::Persistent) {
        return std::nullopt;
    }
    return std::string(
        "\"item_eviction_policy\" full_eviction needs \"bucket_type\" persistent (an ephemeral "
        "bucket has no disk to evict to)");
}

constexpr std::array kConstraints{
    Constraint{Param::MemLowWat, "`mem_low_wat` < `mem_high_wat`", &lowBelowHigh},
    Constraint{Param::CheckpointMemoryRecoveryLowerMark,
               "`checkpoint_memory_recovery_lower_mark` < `checkpoint_memory_recovery_upper_mark`",
               &recoveryLowerBelowUpper},
    Constraint{Param::DcpNoopTxInterval, "`dcp_noop_tx_interval` < `dcp_idle_timeout`",
               &noopBelowIdleTimeout},
    Constraint{Param::ItemEvictionPolicy,
               "`item_eviction_policy` = `full_eviction` only with `bucket_type` = `persistent`",
               &fullEvictionNeedsDisk},
};

}  // namespace

std::string_view toString(ErrorCode code) {
    switch (code) {
    case ErrorCode::Syntax: return "syntax";
    case ErrorCode::UnknownKey: return "unknown_key";
    case ErrorCode::DuplicateKey: return "duplicate_key";
    case ErrorCode::WrongType: return "wrong_type";
    case ErrorCode::OutOfRange: return "out_of_range";
    case ErrorCode::BadEnumValue: return "bad_enum_value";
    case ErrorCode::Constraint: return "constraint";
    case ErrorCode::NotDynamic: return "not_dynamic";
    case ErrorCode::WrongCategory: return "wrong_category";
    }
    return "unknown";
}

Values::Values() {
    for (const auto& row : kParams) {
        values_[paramIndex(row.id)] = defaultValue(row);
    }
}

uint64_t percentOf(uint64_t quota, double percent) {
    return static_cast<uint64_t>(static_cast<long double>(quota) * percent / 100.0L);
}

uint64_t Values::memLowWatBytes() const {
    return percentOf(get<Param::MaxSize>(), get<Param::MemLowWat>());
}

uint64_t Values::memHighWatBytes() const {
    return percentOf(get<Param::MaxSize>(), get<Param::MemHighWat>());
}

Result<Value> parseValue(const ParamInfo& param, std::string_view text, std::string_view source) {
    switch (param.type) {
    case Type::Bool:
        if (text == "true") {
            return Value{true};
        }
        if (text == "false") {
            return Value{false};
        }
        return makeError(ErrorCode::WrongType, source, param.name,
                         fmt::format("\"{}\" is not a bool (accepted: true or false)", text));
    case Type::Size: return integerFromText<uint64_t>(param, text, source, "an unsigned integer");
    case Type::Int: return integerFromText<int64_t>(param, text, source, "an integer");
    case Type::Double: return doubleFromText(param, text, source);
    case Type::String: return Value{std::string(text)};
    case Type::Enum: return enumValue(param, text, source);
    }
    return makeError(ErrorCode::WrongType, source, param.name, "parameter of unknown type");
}

std::optional<Error> checkValue(const ParamInfo& param, const Value& value,
                                std::string_view source) {
    const bool type_matches = std::visit(
        [&param](const auto& alternative) {
            using T = std::decay_t<decltype(alternative)>;
            if constexpr (std::is_same_v<T, EnumIndex>) {
                return param.type == Type::Enum;
            } else {
                return param.type == TypeTraits<T>::kType;
            }
        },
        value);
    if (!type_matches) {
        return makeError(ErrorCode::WrongType, source, param.name,
                         fmt::format("expected a {} value", toString(param.type)));
    }
    switch (param.type) {
    case Type::Size: return checkBounds(param, std::get<uint64_t>(value), source);
    case Type::Int: return checkBounds(param, std::get<int64_t>(value), source);
    case Type::Double: {
        const double number = std::get<double>(value);
        if (!std::isfinite(number)) {
            return makeError(ErrorCode::WrongType, source, param.name,
                             fmt::format("{} is not a finite number (accepted: {})",
                                         formatValue(param, value), acceptedText(param)));
        }
        return checkBounds(param, number, source);
    }
    case Type::Enum:
        if (std::get<EnumIndex>(value).index >= param.enum_names.size()) {
            return makeError(
                ErrorCode::BadEnumValue, source, param.name,
                fmt::format("index {} is not one of {}", std::get<EnumIndex>(value).index,
                            fmt::join(param.enum_names, ", ")));
        }
        return std::nullopt;
    case Type::Bool:
    case Type::String: return std::nullopt;
    }
    return std::nullopt;
}

Result<Values> parseConfigString(std::string_view text, std::string_view source) {
    // Pass 1, syntax only, so that a malformed string is reported as such before any key.
    struct Entry {
        std::string_view key;
        std::string_view value;
    };
    std::vector<Entry> entries;
    size_t entry_number = 0;
    size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find(';', start), text.size());
        const auto entry = trim(text.substr(start, end - start));
        const bool last = end == text.size();
        start = end + 1;
        ++entry_number;
        if (entry.empty()) {
            if (last) {
                break;  // an empty string and one trailing ';' are fine
            }
            return Error{ErrorCode::Syntax,
                         {},
                         fmt::format("{}: entry {} of \"{}\" is empty (expected "
                                     "key=value;key=value)",
                                     source, entry_number, text)};
        }
        const auto equals = entry.find('=');
        if (equals == std::string_view::npos) {
            return makeError(ErrorCode::Syntax, source, entry, "expected key=value");
        }
        const auto key = trim(entry.substr(0, equals));
        if (key.empty()) {
            return Error{ErrorCode::Syntax,
                         {},
                         fmt::format("{}: entry {} (\"{}\") has no key before '='", source,
                                     entry_number, entry)};
        }
        entries.push_back(Entry{key, trim(entry.substr(equals + 1))});
    }

    // Pass 2: names, values, then the rules between parameters.
    Values values;
    std::set<std::string_view> seen;
    for (const auto& [key, value_text] : entries) {
        const auto* param = findParam(key);
        if (param == nullptr) {
            return unknownKey(key, source);
        }
        if (!seen.insert(param->name).second) {
            return makeError(ErrorCode::DuplicateKey, source, key, "given twice");
        }
        auto value = parseValue(*param, value_text, source);
        if (!value) {
            return value.error();
        }
        values.setUnchecked(param->id, std::move(value.value()));
    }
    if (auto error = checkConstraints(values, source)) {
        return std::move(*error);
    }
    return values;
}

Result<Values> parseConfigJson(const nlohmann::json& object, std::string_view source) {
    if (!object.is_object()) {
        return Error{ErrorCode::Syntax,
                     {},
                     fmt::format("{}: must be a JSON object of parameters, got {}", source,
                                 describeJson(object))};
    }
    Values values;
    for (const auto& [key, item] : object.items()) {
        const auto* param = findParam(key);
        if (param == nullptr) {
            return unknownKey(key, source);
        }
        auto value = valueFromJson(*param, item, source);
        if (!value) {
            return value.error();
        }
        values.setUnchecked(param->id, std::move(value.value()));
    }
    if (auto error = checkConstraints(values, source)) {
        return std::move(*error);
    }
    return values;
}

std::span<const Constraint> constraints() {
    return kConstraints;
}

std::optional<Error> checkConstraints(const Values& values, std::string_view source) {
    for (const auto& rule : kConstraints) {
        if (auto why = rule.check(values)) {
            return Error{ErrorCode::Constraint, std::string(info(rule.first).name),
                         fmt::format("{}: {}", source, *why)};
        }
    }
    return std::nullopt;
}

}  // namespace eddy::engine::config
