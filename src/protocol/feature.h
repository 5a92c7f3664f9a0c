// eddy — HELLO feature codes and the set a connection has negotiated.
// Thread contract: immutable values; a FeatureSet is owned by its connection's thread.
#pragma once

#include <bitset>
#include <cstdint>
#include <string_view>

namespace eddy::mcbp {

enum class Feature : uint16_t {
    Tls = 0x02,
    TcpNoDelay = 0x03,
    MutationSeqno = 0x04,
    TcpDelay = 0x05,
    Xattr = 0x06,
    Xerror = 0x07,
    SelectBucket = 0x08,
    Snappy = 0x0a,
    Json = 0x0b,
    Duplex = 0x0c,
    ClustermapChangeNotification = 0x0d,
    UnorderedExecution = 0x0e,
    Tracing = 0x0f,
    AltRequestSupport = 0x10,
    SyncReplication = 0x11,
    Collections = 0x12,
    PreserveTtl = 0x14,
    DedupeNotMyVbucketClustermap = 0x1e,
};

/// The features one connection has negotiated with HELLO.
class FeatureSet {
public:
    [[nodiscard]] bool has(Feature feature) const {
        return bits_.test(static_cast<uint16_t>(feature) & 0xff);
    }
    void enable(Feature feature) { bits_.set(static_cast<uint16_t>(feature) & 0xff); }
    void clear() { bits_.reset(); }

private:
    std::bitset<256> bits_;
};

/// "TCP nodelay", "XERROR", ... for logs; "unknown" otherwise.
[[nodiscard]] std::string_view featureName(uint16_t code);

}  // namespace eddy::mcbp
