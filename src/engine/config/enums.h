// eddy — the enumerated value sets of bucket configuration parameters.
//
// Owns: one C++ enum per enum-valued parameter (BucketType, EphemeralFullPolicy, EvictionPolicy)
// and, for each, EnumNames<E>::kNames: the accepted spellings in the config string, in JSON and
// in SET_PARAM, indexed by the enumerator's underlying value.
// Invariants: enumerators are numbered 0..N-1 in declaration order and kNames has exactly N
// entries, so `kNames[static_cast<size_t>(e)]` is the spelling of `e` (config_table_test.cc checks
// the round trip).
// Thread contract: immutable.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

namespace eddy::engine::config {

/// What a bucket keeps on disk.
enum class BucketType : uint8_t {
    /// Items are written to the storage back end by the flusher and survive a restart.
    Persistent,
    /// Memory only: nothing is written to disk; the pager deletes instead of ejecting.
    Ephemeral,
};

/// What an ephemeral bucket does when memory use reaches the high watermark.
enum class EphemeralFullPolicy : uint8_t {
    /// The item pager deletes items (which DCP streams see as deletions) down to the low mark.
    AutoDelete,
    /// Nothing is deleted; new writes are refused until memory is freed.
    FailNewData,
};

/// What a persistent bucket drops from memory when it evicts.
enum class EvictionPolicy : uint8_t {
    /// Only values of clean items leave memory; keys and metadata stay resident.
    ValueOnly,
    /// Whole items leave memory; a lookup of a missing key may need a disk read.
    FullEviction,
};

/// The accepted spellings of each enum; specialised below for every parameter enum.
template <class E>
struct EnumNames;

template <>
struct EnumNames<BucketType> {
    static constexpr std::array<std::string_view, 2> kNames{"persistent", "ephemeral"};
};

template <>
struct EnumNames<EphemeralFullPolicy> {
    static constexpr std::array<std::string_view, 2> kNames{"auto_delete", "fail_new_data"};
};

template <>
struct EnumNames<EvictionPolicy> {
    static constexpr std::array<std::string_view, 2> kNames{"value_only", "full_eviction"};
};

/// True for the enums above (those with an EnumNames specialisation).
template <class E>
concept ConfigEnum = std::is_enum_v<E> && requires {
    EnumNames<E>::kNames;
};

/// The configuration spelling of `value` ("persistent", "full_eviction", ...).
template <ConfigEnum E>
constexpr std::string_view toString(E value) {
    return EnumNames<E>::kNames[static_cast<size_t>(value)];
}

/// The enumerator spelled `name`, or nullopt when `name` is not one of EnumNames<E>::kNames.
template <ConfigEnum E>
constexpr std::optional<E> parseEnum(std::string_view name) {
    const auto& names = EnumNames<E>::kNames;
    for (size_t index = 0; index < names.size(); ++index) {
        if (names[index] == name) {
            return static_cast<E>(index);
        }
    }
    return std::nullopt;
}

}  // namespace eddy::engine::config
