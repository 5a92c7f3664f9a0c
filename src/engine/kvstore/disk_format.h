// eddy — the on-disk encoding of the RocksDB store (docs/storage_format.md, format version 2).
//
// Owns: the names of the column families and meta keys, the format version and identity
// marker, and the pure functions that turn keys, documents and vbucket states into bytes and
// back. Every integer is big-endian, so keys sort by vbucket, then by document key or seqno.
// A document key is opaque bytes here; since version 2 it starts with its collection id as
// unsigned LEB128 (the engine's key; the default collection is the byte 0x00). Version 1 (keys
// without that prefix, in other column families) is read only by the upgrade (rocks_upgrade.h).
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

/// The format this eddy writes and reads. Bump it for any change to the encodings below, or to
/// the set of column families.
inline constexpr uint32_t kFormatVersion = 2;
/// The older format this eddy still opens: such a store is upgraded in place to kFormatVersion
/// when opened (rocks_upgrade.h), and never read otherwise.
inline constexpr uint32_t kUpgradableFormatVersion = 1;

/// Column families of version 2 (the RocksDB "default" one exists too, and stays empty). The
/// document families have other names than in version 1, so that while an upgrade copies one
/// into the other, the family a key is in says which encoding it has (a version-1 key may
/// itself start with 0x00, the default collection's prefix).
inline constexpr std::string_view kDocumentsFamily = "documents";
inline constexpr std::string_view kBySeqnoFamily = "by_seqno";
inline constexpr std::string_view kVBStateFamily = "vbstate";
inline constexpr std::string_view kMetaFamily = "meta";
/// Version 1's document families (keys without the collection prefix): read by the upgrade
/// only, then dropped.
inline constexpr std::string_view kV1DocsFamily = "docs";
inline constexpr std::string_view kV1SeqnosFamily = "seqnos";

/// Keys of the meta family and the identity marker.
inline constexpr std::string_view kMagicKey = "magic";
inline constexpr std::string_view kMagic = "eddy-kvstore";
inline constexpr std::string_view kFormatVersionKey = "format_version";
inline constexpr std::string_view kCreatedByKey = "created_by";
/// Present only while a version-1 store is being upgraded: the last key of the version-1
/// family (docs, seqnos) whose entries are already copied into the version-2 one.
inline constexpr std::string_view kUpgradeDocsCopiedKey = "upgrade_docs_copied_through";
inline constexpr std::string_view kUpgradeSeqnosCopiedKey = "upgrade_seqnos_copied_through";

/// The collection-id prefix of the default collection: unsigned LEB128 of 0, one byte 0x00.
/// The upgrade puts it in front of every version-1 document key.
inline constexpr std::string_view kDefaultCollectionPrefix{"\0", 1};

/// The format version as stored: ASCII decimal ("1").
[[nodiscard]] std::string encodeFormatVersion(uint32_t version);
/// nullopt unless `bytes` is a plain decimal number that fits in 32 bits.
[[nodiscard]] std::optional<uint32_t> decodeFormatVersion(std::string_view bytes);

/// Keys: a 2-byte vbucket prefix, then the document key (documents) or the 8-byte seqno
/// (by_seqno). The document key includes its collection prefix (the caller's key, unchanged).
inline constexpr size_t kVbidSize = 2;
inline constexpr size_t kSeqnoKeySize = kVbidSize + 8;

using VbidBytes = std::array<char, kVbidSize>;
using SeqnoKey = std::array<char, kSeqnoKeySize>;

[[nodiscard]] VbidBytes vbucketPrefix(Vbid vbucket);
/// The first prefix after the vbucket's (an exclusive upper bound); nullopt for vbucket 65535.
[[nodiscard]] std::optional<VbidBytes> vbucketPrefixEnd(Vbid vbucket);
/// The key of the documents family: prefix + document key.
[[nodiscard]] std::string docKey(Vbid vbucket, std::string_view key);
/// The smallest key greater than every key that starts with `prefix` (the exclusive end of a
/// prefix range), or nullopt when there is none (`prefix` is empty or all 0xff bytes).
[[nodiscard]] std::optional<std::string> prefixEnd(std::string_view prefix);
/// The key of the by_seqno family. Seqnos are non-negative; the value is the document key.
[[nodiscard]] SeqnoKey seqnoKey(Vbid vbucket, uint64_t seqno);
/// The seqno of a by_seqno-family key; nullopt if it is not kSeqnoKeySize bytes long.
[[nodiscard]] std::optional<uint64_t> seqnoOfKey(std::string_view key);
/// The key of the vbstate family: the prefix alone.
[[nodiscard]] inline VbidBytes vbstateKey(Vbid vbucket) {
    return vbucketPrefix(vbucket);
}
/// The vbucket of a documents/by_seqno/vbstate key (its first two bytes); nullopt if shorter.
[[nodiscard]] std::optional<Vbid> vbucketOfKey(std::string_view key);

/// A document's value in the documents family (the same in version 1's docs family): a fixed
/// header, then the value bytes.
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
/// Decodes a documents-family value for `key` (the document key, without the vbucket prefix).
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

/// A vbucket state in the vbstate family (unchanged since version 1):
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

/// The upgrade from version 1: a docs key (vbucket + key) as a documents key (vbucket + 0x00 +
/// key); nullopt if it is shorter than the vbucket prefix.
[[nodiscard]] std::optional<std::string> upgradeV1DocsKey(std::string_view v1_key);
/// The upgrade from version 1: a seqnos value (a key) as a by_seqno value (0x00 + key).
[[nodiscard]] std::string upgradeV1DocumentKey(std::string_view v1_key);

}  // namespace eddy::engine::disk
