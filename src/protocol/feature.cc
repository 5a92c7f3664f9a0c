#include "protocol/feature.h"

#include <array>

namespace eddy::mcbp {

namespace {

// Display names indexed by feature code, including codes this server never enables, so a log
// line about what a client asked for reads well. Empty = retired or unassigned code.
// clang-format off
constexpr std::array<std::string_view, 0x27> kFeatureNames{
    "",                                          // 0x00
    "Datatype (retired)",                        // 0x01
    "TLS",                                       // 0x02
    "TCP nodelay",                               // 0x03
    "Mutation seqno",                            // 0x04
    "TCP delay",                                 // 0x05
    "XATTR",                                     // 0x06
    "XERROR",                                    // 0x07
    "Select bucket",                             // 0x08
    "Collections (retired)",                     // 0x09
    "Snappy",                                    // 0x0a
    "JSON",                                      // 0x0b
    "Duplex",                                    // 0x0c
    "Clustermap change notification",            // 0x0d
    "Unordered execution",                       // 0x0e
    "Tracing",                                   // 0x0f
    "Alt request support",                       // 0x10
    "Sync replication",                          // 0x11
    "Collections",                               // 0x12
    "OpenTracing",                               // 0x13
    "Preserve TTL",                              // 0x14
    "VAttr",                                     // 0x15
    "PiTR",                                      // 0x16
    "Subdoc create as deleted",                  // 0x17
    "Subdoc document macro support",             // 0x18
    "Subdoc replace body with xattr",            // 0x19
    "Report unit usage",                         // 0x1a
    "Non-blocking throttling mode",              // 0x1b
    "Subdoc replica read",                       // 0x1c
    "Get cluster config with known version",     // 0x1d
    "Dedupe not-my-vbucket clustermap",          // 0x1e
    "Clustermap change notification brief",      // 0x1f
    "Subdoc access on multiple xattr keys",      // 0x20
    "Subdoc binary xattr",                       // 0x21
    "Range scan include xattr",                  // 0x22
    "Subdoc replica read on deleted docs",       // 0x23
    "Get random key include xattr",              // 0x24
    "Mutate with meta",                          // 0x25
    "DCP skip deletes in initial backfill",      // 0x26
};
// clang-format on

}  // namespace

std::string_view featureName(uint16_t code) {
    if (code < kFeatureNames.size() && !kFeatureNames[code].empty()) {
        return kFeatureNames[code];
    }
    return "unknown";
}

}  // namespace eddy::mcbp
