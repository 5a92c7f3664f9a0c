// eddy — parsing and validating bucket configuration.
//
// Owns: Error and Result (how every configuration failure is reported), Values (a complete,
// validated set of parameter values, as a plain copyable object), the parsers for the
// `key=value;key=value` string and for a JSON object, the per-value parser shared with
// SET_PARAM, and constraints() (the cross-parameter rules).
// Invariants: a Values returned by parseConfigString/parseConfigJson has every value in range
// and satisfies every rule of constraints(); parsing is all-or-nothing.
// Thread contract: free functions are pure; a Values object is a plain value (no internal
// synchronisation, like std::string).
#pragma once

#include "engine/config/param.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace eddy::engine::config {

enum class ErrorCode : uint8_t {
    /// Not `key=value;key=value`: an empty entry, no '=', an empty key; or not a JSON object.
    Syntax,
    /// No parameter has this name.
    UnknownKey,
    /// The same key appears twice in one string.
    DuplicateKey,
    /// The value cannot be read as the parameter's type ("12abc" for a size, a JSON string for a
    /// bool, ...).
    WrongType,
    /// A number outside the parameter's [min, max].
    OutOfRange,
    /// An enum parameter given a name that is not one of its accepted values.
    BadEnumValue,
    /// Each value is fine on its own but a cross-parameter rule (constraints()) fails.
    Constraint,
    /// SET_PARAM on a parameter that is fixed at bucket creation.
    NotDynamic,
    /// SET_PARAM under a category the parameter does not belong to.
    WrongCategory,
};

std::string_view toString(ErrorCode code);

struct Error {
    ErrorCode code;
    /// The offending key (the first one named, for a constraint); empty for syntax errors that
    /// have none.
    std::string key;
    /// The whole message, naming the source, the key and what is accepted, e.g.
    /// `bucket config: "bucket_type": "persistant" is not one of persistent, ephemeral`.
    std::string message;
};

/// A value or the Error that prevented it (std::expected is C++23).
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

    [[nodiscard]] bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    /// Precondition: ok().
    T& value() { return std::get<0>(state_); }
    const T& value() const { return std::get<0>(state_); }
    /// Precondition: !ok().
    const Error& error() const { return std::get<1>(state_); }

private:
    std::variant<T, Error> state_;
};

/// A complete set of parameter values: the defaults, overridden by what a config string or JSON
/// object gave. Only the parsers and Configuration produce validated ones; a default-constructed
/// Values holds the defaults, which are valid.
class Values {
public:
    Values();

    template <Param P>
    [[nodiscard]] ParamType<P> get() const {
        return fromValue<P>(values_[paramIndex(P)]);
    }
    [[nodiscard]] const Value& operator[](Param param) const { return values_[paramIndex(param)]; }

    /// Unchecked assignment for the parsers and Configuration: the alternative must match the
    /// parameter's type; range and constraints are the caller's business.
    void setUnchecked(Param param, Value value) { values_[paramIndex(param)] = std::move(value); }

    /// The watermarks in bytes: mem_low_wat / mem_high_wat percent of max_size, rounded down.
    [[nodiscard]] uint64_t memLowWatBytes() const;
    [[nodiscard]] uint64_t memHighWatBytes() const;

    friend bool operator==(const Values&, const Values&) = default;

private:
    std::array<Value, kParamCount> values_;
};

/// `percent` % of `quota`, rounded down, for the watermark helpers.
uint64_t percentOf(uint64_t quota, double percent);

inline constexpr std::string_view kDefaultSource = "bucket config";

/// Parses `key=value;key=value`. Spaces around keys and values are ignored, one trailing ';' is
/// allowed, an empty string gives the defaults. Keys not given keep their defaults. `source`
/// starts every message.
Result<Values> parseConfigString(std::string_view text, std::string_view source = kDefaultSource);

/// Parses a JSON object whose members are parameters: JSON booleans for bool, non-negative
/// integers for size, integers for int, numbers for double, strings for string and enum.
Result<Values> parseConfigJson(const nlohmann::json& object,
                               std::string_view source = kDefaultSource);

/// Reads `text` as a value of `param` and checks its range or accepted names (not the
/// constraints). The message starts with `source: "name": `.
Result<Value> parseValue(const ParamInfo& param, std::string_view text, std::string_view source);

/// Checks that `value` has the alternative of `param`'s type and lies within its bounds or
/// accepted names (not the constraints). The message starts with `source: "name": `.
std::optional<Error> checkValue(const ParamInfo& param, const Value& value,
                                std::string_view source);

/// A cross-parameter rule. `check` returns the reason when `values` break the rule.
struct Constraint {
    /// The parameter named first in messages.
    Param first;
    /// The rule as written in the docs, e.g. "`mem_low_wat` < `mem_high_wat`".
    std::string_view text;
    std::optional<std::string> (*check)(const Values& values);
};

/// Every cross-parameter rule; checked after parsing and by every SET_PARAM.
std::span<const Constraint> constraints();

/// The first broken rule of constraints() as an Error (code Constraint), or nullopt.
std::optional<Error> checkConstraints(const Values& values, std::string_view source);

}  // namespace eddy::engine::config
