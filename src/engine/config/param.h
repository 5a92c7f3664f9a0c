// eddy — bucket configuration parameters: ids, value types and the constexpr table.
//
// Owns: Param (one enumerator per row of parameters.def.h), ParamType<P> (the C++ type of each
// parameter, for compile-time checked access), Value (a parameter value of any type), ParamInfo
// and kParams (the table: name, type, default, bounds or accepted values, SET_PARAM category,
// unit, description), plus findParam() and the text form of values.
// Invariants: kParams[paramIndex(p)].id == p for every Param; every default lies within its bounds
// (config_table_test.cc); names are unique.
// Thread contract: immutable; everything here is safe from any thread.
#pragma once

#include "engine/config/enums.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace eddy::engine::config {

inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * kKiB;
inline constexpr uint64_t kGiB = 1024 * kMiB;
inline constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
inline constexpr double kDoubleMax = std::numeric_limits<double>::max();

/// Storage type of a parameter.
enum class Type : uint8_t {
    Bool,
    /// Unsigned 64-bit integer (sizes, counts, durations).
    Size,
    /// Signed 64-bit integer.
    Int,
    Double,
    String,
    /// One of a fixed set of names (EnumNames<E>); stored as the enumerator's index.
    Enum,
};

/// How a number reads; used by the docs and, for QuotaPercent, by the stats.
enum class Unit : uint8_t {
    None,
    Bytes,
    Count,
    Seconds,
    Milliseconds,
    Microseconds,
    /// Percent of something named in the description.
    Percent,
    /// Percent of max_size; the stats show it in bytes as ep_<name> and as ep_<name>_percent.
    QuotaPercent,
    /// A fraction or factor, as a plain number.
    Ratio,
};

/// Whether a parameter may change at run time and, if so, under which SET_PARAM category
/// (the names cbepctl uses: flush_param, checkpoint_param, dcp_param, vbucket_param).
enum class Category : uint8_t {
    /// Fixed when the bucket is created.
    Static,
    Flush,
    Checkpoint,
    Dcp,
    Vbucket,
};

/// "flush_param", "checkpoint_param", "dcp_param", "vbucket_param"; "static" for Static.
std::string_view toString(Category category);
/// "bool", "size", "int", "double", "string", "enum".
std::string_view toString(Type type);

/// One enumerator per parameter, in table order.
enum class Param : uint16_t {
#define EDDY_CONFIG_PARAM(name, Getter, ...) Getter,
#include "engine/config/parameters.def.h"
#undef EDDY_CONFIG_PARAM
};

/// Every Param, in table order.
inline constexpr std::array kAllParams{
#define EDDY_CONFIG_PARAM(name, Getter, ...) Param::Getter,
#include "engine/config/parameters.def.h"
#undef EDDY_CONFIG_PARAM
};

inline constexpr size_t kParamCount = kAllParams.size();

constexpr size_t paramIndex(Param param) {
    return static_cast<size_t>(param);
}

/// The value of an Enum parameter: the enumerator's underlying value.
struct EnumIndex {
    uint8_t index = 0;
    friend bool operator==(EnumIndex, EnumIndex) = default;
};

/// A value of any parameter; the alternative matches the parameter's Type.
using Value = std::variant<bool, uint64_t, int64_t, double, std::string, EnumIndex>;
/// The constexpr form of Value used by the table (string_view instead of string).
using ConstValue = std::variant<bool, uint64_t, int64_t, double, std::string_view, EnumIndex>;

/// Maps a parameter's C++ type to its storage Type and its constexpr (table) representation.
template <class T>
struct TypeTraits;

template <>
struct TypeTraits<bool> {
    static constexpr Type kType = Type::Bool;
    using Const = bool;
};
template <>
struct TypeTraits<uint64_t> {
    static constexpr Type kType = Type::Size;
    using Const = uint64_t;
};
template <>
struct TypeTraits<int64_t> {
    static constexpr Type kType = Type::Int;
    using Const = int64_t;
};
template <>
struct TypeTraits<double> {
    static constexpr Type kType = Type::Double;
    using Const = double;
};
template <>
struct TypeTraits<std::string> {
    static constexpr Type kType = Type::String;
    using Const = std::string_view;
};
template <ConfigEnum E>
struct TypeTraits<E> {
    static constexpr Type kType = Type::Enum;
    using Const = E;
};

/// The C++ type of parameter P: ParamType<Param::MaxSize> is uint64_t.
template <Param P>
struct ParamTypeOf;
#define EDDY_CONFIG_PARAM(name, Getter, CppType, ...) \
    template <>                                       \
    struct ParamTypeOf<Param::Getter> {               \
        using type = CppType;                         \
    };
#include "engine/config/parameters.def.h"
#undef EDDY_CONFIG_PARAM
template <Param P>
using ParamType = typename ParamTypeOf<P>::type;

/// One row of the table.
struct ParamInfo {
    Param id;
    std::string_view name;
    Type type;
    Unit unit;
    Category category;
    ConstValue default_value;
    /// Inclusive bounds; meaningful for Size, Int and Double only.
    ConstValue min;
    ConstValue max;
    /// The accepted names of an Enum parameter, indexed by EnumIndex; empty otherwise.
    std::span<const std::string_view> enum_names;
    std::string_view description;

    [[nodiscard]] constexpr bool dynamic() const { return category != Category::Static; }
};

namespace detail {

template <class T>
constexpr ConstValue toConst(typename TypeTraits<T>::Const value) {
    if constexpr (TypeTraits<T>::kType == Type::Enum) {
        return EnumIndex{static_cast<uint8_t>(value)};
    } else {
        return value;
    }
}

template <class T>
constexpr std::span<const std::string_view> enumNamesOf() {
    if constexpr (TypeTraits<T>::kType == Type::Enum) {
        return EnumNames<T>::kNames;
    } else {
        return {};
    }
}

template <class T>
constexpr ParamInfo makeInfo(Param id, std::string_view name, typename TypeTraits<T>::Const def,
                             typename TypeTraits<T>::Const min, typename TypeTraits<T>::Const max,
                             Category category, Unit unit, std::string_view description) {
    return ParamInfo{id,
                     name,
                     TypeTraits<T>::kType,
                     unit,
                     category,
                     toConst<T>(def),
                     toConst<T>(min),
                     toConst<T>(max),
                     enumNamesOf<T>(),
                     description};
}

}  // namespace detail

/// The table, indexed by paramIndex(Param).
inline constexpr std::array<ParamInfo, kParamCount> kParams{{
#define EDDY_CONFIG_PARAM(name, Getter, CppType, def, min, max, category, unit, description)       \
    detail::makeInfo<CppType>(Param::Getter, #name, def, min, max, Category::category, Unit::unit, \
                              description),
#include "engine/config/parameters.def.h"
#undef EDDY_CONFIG_PARAM
}};

constexpr const ParamInfo& info(Param param) {
    return kParams[paramIndex(param)];
}

/// The row named `name`, or nullptr.
const ParamInfo* findParam(std::string_view name);

/// The closest parameter name to a misspelt `name` (at most two edits away), or empty.
std::string_view suggestParam(std::string_view name);

/// A table constant as a Value.
Value fromConst(const ConstValue& value);

/// The default of `param` as a Value.
Value defaultValue(const ParamInfo& param);

/// False when a number parameter's max is its type's largest value (no real upper bound).
bool hasUpperBound(const ParamInfo& param);

/// What `param` accepts, for messages: "true or false", "1048576 or more", "0 to 100",
/// "one of persistent, ephemeral", "any string".
std::string acceptedText(const ParamInfo& param);

/// The text form used by key=value strings, stats and docs: true/false, decimal integers, the
/// shortest round-trip form of doubles, enum names, strings as they are.
std::string formatValue(const ParamInfo& param, const Value& value);

/// Converts a Value of parameter P to its C++ type (the alternative must match).
template <Param P>
ParamType<P> fromValue(const Value& value) {
    using T = ParamType<P>;
    if constexpr (TypeTraits<T>::kType == Type::Enum) {
        return static_cast<T>(std::get<EnumIndex>(value).index);
    } else {
        return std::get<T>(value);
    }
}

/// Converts a C++ value of parameter P to a Value.
template <Param P>
Value toValue(const ParamType<P>& value) {
    using T = ParamType<P>;
    if constexpr (TypeTraits<T>::kType == Type::Enum) {
        return EnumIndex{static_cast<uint8_t>(value)};
    } else {
        return value;
    }
}

}  // namespace eddy::engine::config
