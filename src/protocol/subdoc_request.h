// eddy — the wire form of the sub-document commands.
//
// Owns: SubdocRequest, one sub-document command decoded from its frame (single-path opcodes
// 0xc5-0xcf and 0xd2, SUBDOC_MULTI_LOOKUP 0xd0, SUBDOC_MULTI_MUTATION 0xd1) and
// parseSubdocRequest, which decodes and validates it as kv_engine does.
//
// Layouts (kv_engine docs/SubDocument.md):
// - single path: extras = path length u16, path flags u8, [expiry u32], [doc flags u8] (3, 4, 7
//   or 8 bytes; lookups take no expiry); value = path, then the operation's value.
// - multi lookup: extras = [doc flags u8]; value = specs {opcode u8, path flags u8, path length
//   u16, path}.
// - multi mutation: extras = [expiry u32] [doc flags u8]; value = specs {opcode u8, path flags
//   u8, path length u16, value length u32, path, value}.
// Multi-path commands hold 1..kMaxSpecs specs, xattr specs first. The whole-document specs are
// get_doc (0x00, lookup), set_doc (0x01) and remove_doc (0x04), each with an empty path.
//
// Failures, in kv_engine's terms: a malformed layout, bad flags or a missing or unexpected path
// or value is Einval; an opcode that does not belong in the command, no spec or more than
// kMaxSpecs is SubdocInvalidCombo; an xattr spec after a body spec is SubdocInvalidXattrOrder;
// expand-macros or binary-value without the xattr flag is SubdocXattrInvalidFlagCombo; a bad
// xattr key is XattrEinval; a change to a virtual xattr is SubdocXattrCantModifyVattr. What eddy
// does not implement (macro expansion, binary xattr values, create-as-deleted, revive) is
// NotSupported, said in the message.
//
// Thread contract: pure functions; a SubdocRequest views the frame it was parsed from.
#pragma once

#include "protocol/frame.h"
#include "protocol/validators.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace eddy::mcbp::subdoc {

inline constexpr size_t kMaxSpecs = 16;
inline constexpr size_t kMaxPathLength = 1024;

/// Per-path flags.
namespace path_flag {
inline constexpr uint8_t kMkdirP = 0x01;
inline constexpr uint8_t kXattr = 0x04;
inline constexpr uint8_t kExpandMacros = 0x10;
inline constexpr uint8_t kBinaryValue = 0x20;
}  // namespace path_flag

/// Whole-document flags.
namespace doc_flag {
inline constexpr uint8_t kMkdoc = 0x01;
inline constexpr uint8_t kAdd = 0x02;
inline constexpr uint8_t kAccessDeleted = 0x04;
inline constexpr uint8_t kCreateAsDeleted = 0x08;
inline constexpr uint8_t kReviveDocument = 0x10;
}  // namespace doc_flag

/// The spec opcodes that exist only inside a multi-path command.
namespace whole_doc {
inline constexpr uint8_t kGet = 0x00;
inline constexpr uint8_t kSet = 0x01;
inline constexpr uint8_t kRemove = 0x04;
}  // namespace whole_doc

struct SubdocSpec {
    uint8_t opcode = 0;
    uint8_t flags = 0;
    std::string_view path;
    std::string_view value;

    [[nodiscard]] bool isXattr() const { return (flags & path_flag::kXattr) != 0; }
    [[nodiscard]] bool mkdirP() const { return (flags & path_flag::kMkdirP) != 0; }
};

struct SubdocRequest {
    bool multi = false;
    bool mutation = false;
    uint8_t doc_flags = 0;
    /// The new document's expiry as the protocol sends it, when the request carries one.
    std::optional<uint32_t> expiry;
    std::array<SubdocSpec, kMaxSpecs> specs{};
    size_t count = 0;

    [[nodiscard]] bool hasDocFlag(uint8_t flag) const { return (doc_flags & flag) != 0; }
};

/// Whether `opcode` is one of the sub-document commands.
[[nodiscard]] bool isSubdocOpcode(uint8_t opcode);

/// Decodes and validates the sub-document command in `frame` (whose opcode isSubdocOpcode).
[[nodiscard]] ValidationResult parseSubdocRequest(const Frame& frame, SubdocRequest& out);

}  // namespace eddy::mcbp::subdoc
