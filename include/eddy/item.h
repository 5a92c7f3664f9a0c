// eddy — a document as engines hand it to the front end.
//
// Owns: Item, one immutable document version (key, value, flags, absolute expiry, CAS,
// datatype), and ItemPtr, the shared handle through which the front end can keep a value alive
// while it sits in a connection's output queue without copying it.
// Thread contract: immutable after construction; ItemPtr may be copied and read on any thread.
#pragma once

#include "eddy/types.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace eddy {

class Item {
public:
    /// @param expiry absolute expiry in Unix seconds, 0 = never.
    Item(std::string_view key, std::string_view value, uint32_t flags, uint32_t expiry, Cas cas,
         uint8_t datatype)
        : flags_(flags),
          expiry_(expiry),
          cas_(cas),
          key_size_(static_cast<uint32_t>(key.size())),
          datatype_(datatype) {
        bytes_.reserve(key.size() + value.size());
        bytes_.append(key).append(value);
    }

    [[nodiscard]] std::string_view key() const {
        return std::string_view(bytes_).substr(0, key_size_);
    }
    [[nodiscard]] std::string_view value() const {
        return std::string_view(bytes_).substr(key_size_);
    }
    [[nodiscard]] uint32_t flags() const { return flags_; }
    [[nodiscard]] uint32_t expiry() const { return expiry_; }
    [[nodiscard]] Cas cas() const { return cas_; }
    [[nodiscard]] uint8_t datatype() const { return datatype_; }

private:
    std::string bytes_;  // key then value, one allocation
    uint32_t flags_;
    uint32_t expiry_;
    Cas cas_;
    uint32_t key_size_;
    uint8_t datatype_;
};

using ItemPtr = std::shared_ptr<const Item>;

}  // namespace eddy
