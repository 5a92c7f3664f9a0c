// eddy — the on-disk encoding of the RocksDB store (docs/storage_format.md, format version 1).
//
// Owns: the names of the column families and meta keys, the format version and identity
// marker, and the pure functions that turn keys, documents and vbucket states into bytes and
// back. Every integer is big-endian, so keys sort by vbucket, then by document key or seqno.
// Nothing here touches RocksDB: a decode failure is reported (nullopt / false) and the store
// turns it into a KVStoreError naming its path.
//
// Thread contract: stateless functions and constants; safe from any thread.
#pragma once

#include "eddy/types.h"
#include "engine/kvstore/kvstore.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::engine::disk {

/// The format this eddy writes and reads. Bump it for any change to the encodings below.
inline constexpr uint32_t kFormatVersion = 1;

/// Column families (the RocksDB "default" one exists too, and stays empty).
inline constexpr std::string_view kDocsFamily = "docs";
inline constexpr std::string_view kSeqnosFamily = "seqnos";
inline constexpr std::string_view kVBStateFamily = "vbstate";
inline constexpr std::string_view kMetaFamily = "meta";

/// Keys of the meta family and the identity marker.
inline constexpr std::string_view kMagicKey = "magic";
inline constexpr std::string_view kMagic = "eddy-kvstore";
inline constexpr std::string_view kFormatVersionKey = "format_version";
inline constexpr std::string_view kCreatedByKey = "created_by";

/// The format version as stored: ASCII decimal ("1").
[[nodiscard]] std::string encodeFormatVersion(uint32_t version);
/// nullopt unless `bytes` is a plain decimal number that fits in 32 bits.
[[nodiscard]] std::optional<uint32_t> decodeFormatVersion(std::string_view bytes);

/// Keys: a 2-byte vbucket prefix, then the document key (docs) or the 8-byte seqno (seqnos).
inline constexpr size_t kVbidSize = 2;
inline constexpr size_t kSeqnoKeySize = kVbidSize + 8;

using VbidBytes = std::array<char, kVbidSize>;
using SeqnoKey = std::array<char, kSeqnoKeySize>;

[[nodiscard]] VbidBytes vbucketPrefix(Vbid vbucket);
/// The first prefix after the vbucket's (an exclusive upper bound); nullopt for vbucket 65535.
[[nodiscard]] std::optional<VbidBytes> vbucketPrefixEnd(Vbid vbucket);
/// The key of the docs family: prefix + document key.
[[nodiscard]] std::string docKey(Vbid vbucket, std::string_view key);
/// The key of the seqnos family. Seqnos are non-negative; the value is the document key.
[[nodiscard]] SeqnoKey seqnoKey(Vbid vbucket, uint64_t seqno);
/// The seqno of a seqnos-family key; nullopt if it is not kSeqnoKeySize bytes long.
[[nodiscard]] std::optional<uint64_t> seqnoOfKey(std::string_view key);
/// The key of the vbstate family: the prefix alone.
[[nodiscard]] inline VbidBytes vbstateKey(Vbid vbucket) {
    return vbucketPrefix(vbucket);
}
/// The vbucket of a docs/seqnos/vbstate key (its first two bytes); nullopt if shorter.
[[nodiscard]] std::optional<Vbid> vbucketOfKey(std::string_view key);

/// A document's value in the docs family: a fixed header, then the value bytes.
///   0  u8   document flags (bit 0: deleted; other bits zero)
///   1  u8   datatype
///   2  i64  by_seqno
///  10  u64  rev_seqno
///  18  u64  cas
///  26  u32  flags
///  30  u32  expiry (delete time for a tombstone)
///  34  ...  value
inline constexpr size_t kDocHeaderSize = 34;
inline constexpr uint8_t kDocDeleted = 0x01;

using DocHeader = std::array<char, kDocHeaderSize>;

[[nodiscard]] DocHeader encodeDocHeader(const DiskDocument& document);
/// Header + value in one string (tests and tools; the write path uses the header and the value
/// as two slices).
[[nodiscard]] std::string encodeDocument(const DiskDocument& document);
/// Decodes a docs-family value for `key` (the document key, without the vbucket prefix).
/// False if the header is short or has unknown flag bits.
[[nodiscard]] bool decodeDocument(std::string_view key, std::string_view bytes, DiskDocument& out);
/// The by_seqno of an encoded document without decoding the rest; nullopt if too short.
[[nodiscard]] std::optional<int64_t> bySeqnoOf(std::string_view bytes);

/// The header fields maintenance needs, without copying the value.
struct DocMeta {
    int64_t by_seqno = 0;
    uint64_t rev_seqno = 0;
    uint32_t expiry = 0;
    bool deleted = false;
};
/// nullopt if the header is short or has unknown flag bits.
[[nodiscard]] std::optional<DocMeta> decodeDocMeta(std::string_view bytes);

/// A vbucket state in the vbstate family:
///   0  u8   state (wire value: 1 active, 2 replica, 3 pending, 4 dead)
///   1  i64  high_seqno
///   9  i64  snapshot_start
///  17  i64  snapshot_end
///  25  i64  purge_seqno
///  33  u64  max_cas
///  41  u16  number of failover entries N
///  43  N x (u64 vb_uuid, u64 by_seqno), newest first
inline constexpr size_t kVBStateHeaderSize = 43;

[[nodiscard]] std::string encodeVBucketState(const PersistedVBucketState& state);
/// nullopt if the length does not match or the state is not a known wire value.
[[nodiscard]] std::optional<PersistedVBucketState> decodeVBucketState(std::string_view bytes);

}  // namespace eddy::engine::disk
