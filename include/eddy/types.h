// eddy — small strong types shared by every component.
//
// Owns: Vbid (vbucket id), Cas, DocKey (a borrowed key). A DocKey never owns its bytes: it is
// valid only while the buffer it views is (for a request, until the command completes or the
// cookie preserves its packet).
// Thread contract: immutable values.
#pragma once

#include <cstdint>
#include <string_view>

namespace eddy {

/// Identifies one vbucket (partition) of a bucket.
class Vbid {
public:
    constexpr Vbid() = default;
    constexpr explicit Vbid(uint16_t id) : id_(id) {}
    [[nodiscard]] constexpr uint16_t get() const { return id_; }
    constexpr auto operator<=>(const Vbid&) const = default;

private:
    uint16_t id_ = 0;
};

/// Compare-and-swap value of a document; 0 means "no CAS" in requests.
using Cas = uint64_t;

/// A borrowed document key.
class DocKey {
public:
    constexpr DocKey() = default;
    constexpr explicit DocKey(std::string_view bytes) : bytes_(bytes) {}
    [[nodiscard]] constexpr std::string_view bytes() const { return bytes_; }
    [[nodiscard]] constexpr size_t size() const { return bytes_.size(); }
    constexpr bool operator==(const DocKey&) const = default;

private:
    std::string_view bytes_;
};

/// MCBP datatype bits (a document property, so the engine stores them).
namespace datatype {
inline constexpr uint8_t kRaw = 0x00;
inline constexpr uint8_t kJson = 0x01;
inline constexpr uint8_t kSnappy = 0x02;
inline constexpr uint8_t kXattr = 0x04;
}  // namespace datatype

}  // namespace eddy
