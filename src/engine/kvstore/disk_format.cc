#include "engine/kvstore/disk_format.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

namespace eddy::engine::disk {
namespace {

template <typename T>
void putBig(char* out, T value) {
    static_assert(std::is_unsigned_v<T>);
    for (size_t i = 0; i < sizeof(T); ++i) {
        out[sizeof(T) - 1 - i] = static_cast<char>(static_cast<uint8_t>(value & 0xff));
        value = static_cast<T>(value >> 8);
    }
}

template <typename T>
T getBig(const char* in) {
    static_assert(std::is_unsigned_v<T>);
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
        value = static_cast<T>((value << 8) | static_cast<uint8_t>(in[i]));
    }
    return value;
}

}  // namespace

std::string encodeFormatVersion(uint32_t version) {
    return std::to_string(version);
}

std::optional<uint32_t> decodeFormatVersion(std::string_view bytes) {
    uint32_t version = 0;
    const char* end = bytes.data() + bytes.size();
    if (bytes.empty() || bytes.front() < '0' || bytes.front() > '9') {
        return std::nullopt;
    }
    auto [ptr, ec] = std::from_chars(bytes.data(), end, version);
    if (ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return version;
}

VbidBytes vbucketPrefix(Vbid vbucket) {
    VbidBytes out{};
    putBig<uint16_t>(out.data(), vbucket.get());
    return out;
}

std::optional<VbidBytes> vbucketPrefixEnd(Vbid vbucket) {
    if (vbucket.get() == std::numeric_limits<uint16_t>::max()) {
        return std::nullopt;
    }
    return vbucketPrefix(Vbid(static_cast<uint16_t>(vbucket.get() + 1)));
}

std::optional<std::string> prefixEnd(std::string_view prefix) {
    std::string end(prefix);
    while (!end.empty()) {
        const auto last = static_cast<unsigned char>(end.back());
        if (last != 0xff) {
            end.back() = static_cast<char>(last + 1);
            return end;
        }
        end.pop_back();
    }
    return std::nullopt;
}

std::string docKey(Vbid vbucket, std::string_view key) {
    std::string out;
    out.reserve(kVbidSize + key.size());
    const VbidBytes prefix = vbucketPrefix(vbucket);
    out.append(prefix.data(), prefix.size());
    out.append(key);
    return out;
}

SeqnoKey seqnoKey(Vbid vbucket, uint64_t seqno) {
    SeqnoKey out{};
    putBig<uint16_t>(out.data(), vbucket.get());
    putBig<uint64_t>(out.data() + kVbidSize, seqno);
    return out;
}

std::optional<uint64_t> seqnoOfKey(std::string_view key) {
    if (key.size() != kSeqnoKeySize) {
        return std::nullopt;
    }
    return getBig<uint64_t>(key.data() + kVbidSize);
}

std::optional<Vbid> vbucketOfKey(std::string_view key) {
    if (key.size() < kVbidSize) {
        return std::nullopt;
    }
    return Vbid(getBig<uint16_t>(key.data()));
}

DocHeader encodeDocHeader(const DiskDocument& document) {
    DocHeader out{};
    char* p = out.data();
    p[0] = static_cast<char>(document.deleted ? kDocDeleted : 0);
    p[1] = static_cast<char>(document.datatype);
    putBig<uint64_t>(p + 2, static_cast<uint64_t>(document.by_seqno));
    putBig<uint64_t>(p + 10, document.rev_seqno);
    putBig<uint64_t>(p + 18, document.cas);
    putBig<uint32_t>(p + 26, document.flags);
    putBig<uint32_t>(p + 30, document.expiry);
    return out;
}

std::string encodeDocument(const DiskDocument& document) {
    const DocHeader header = encodeDocHeader(document);
    std::string out;
    out.reserve(header.size() + document.value.size());
    out.append(header.data(), header.size());
    out.append(document.value);
    return out;
}

bool decodeDocument(std::string_view key, std::string_view bytes, DiskDocument& out) {
    if (bytes.size() < kDocHeaderSize) {
        return false;
    }
    const char* p = bytes.data();
    const auto doc_flags = static_cast<uint8_t>(p[0]);
    if ((doc_flags & ~kDocDeleted) != 0) {
        return false;
    }
    out.key.assign(key);
    out.value.assign(bytes.substr(kDocHeaderSize));
    out.deleted = (doc_flags & kDocDeleted) != 0;
    out.datatype = static_cast<uint8_t>(p[1]);
    out.by_seqno = static_cast<int64_t>(getBig<uint64_t>(p + 2));
    out.rev_seqno = getBig<uint64_t>(p + 10);
    out.cas = getBig<uint64_t>(p + 18);
    out.flags = getBig<uint32_t>(p + 26);
    out.expiry = getBig<uint32_t>(p + 30);
    return true;
}

std::optional<int64_t> bySeqnoOf(std::string_view bytes) {
    if (bytes.size() < kDocHeaderSize) {
        return std::nullopt;
    }
    return static_cast<int64_t>(getBig<uint64_t>(bytes.data() + 2));
}

std::optional<DocMeta> decodeDocMeta(std::string_view bytes) {
    if (bytes.size() < kDocHeaderSize) {
        return std::nullopt;
    }
    const char* p = bytes.data();
    const auto doc_flags = static_cast<uint8_t>(p[0]);
    if ((doc_flags & ~kDocDeleted) != 0) {
        return std::nullopt;
    }
    DocMeta meta;
    meta.deleted = (doc_flags & kDocDeleted) != 0;
    meta.by_seqno = static_cast<int64_t>(getBig<uint64_t>(p + 2));
    meta.rev_seqno = getBig<uint64_t>(p + 10);
    meta.expiry = getBig<uint32_t>(p + 30);
    return meta;
}

std::string encodeVBucketState(const PersistedVBucketState& state) {
    if (state.failover.size() > std::numeric_limits<uint16_t>::max()) {
        throw std::invalid_argument("encodeVBucketState: more than 65535 failover entries");
    }
    std::string out(kVBStateHeaderSize + 16 * state.failover.size(), '\0');
    char* p = out.data();
    p[0] = static_cast<char>(static_cast<uint8_t>(state.state));
    putBig<uint64_t>(p + 1, static_cast<uint64_t>(state.high_seqno));
    putBig<uint64_t>(p + 9, static_cast<uint64_t>(state.snapshot_start));
    putBig<uint64_t>(p + 17, static_cast<uint64_t>(state.snapshot_end));
    putBig<uint64_t>(p + 25, static_cast<uint64_t>(state.purge_seqno));
    putBig<uint64_t>(p + 33, state.max_cas);
    putBig<uint16_t>(p + 41, static_cast<uint16_t>(state.failover.size()));
    p += kVBStateHeaderSize;
    for (const FailoverEntry& entry : state.failover) {
        putBig<uint64_t>(p, entry.vb_uuid);
        putBig<uint64_t>(p + 8, entry.by_seqno);
        p += 16;
    }
    return out;
}

std::optional<PersistedVBucketState> decodeVBucketState(std::string_view bytes) {
    if (bytes.size() < kVBStateHeaderSize) {
        return std::nullopt;
    }
    const char* p = bytes.data();
    const auto wire = static_cast<uint8_t>(p[0]);
    if (wire < static_cast<uint8_t>(VBucketState::Active) ||
        wire > static_cast<uint8_t>(VBucketState::Dead)) {
        return std::nullopt;
    }
    const size_t entries = getBig<uint16_t>(p + 41);
    if (bytes.size() != kVBStateHeaderSize + 16 * entries) {
        return std::nullopt;
    }
    PersistedVBucketState state;
    state.state = static_cast<VBucketState>(wire);
    state.high_seqno = static_cast<int64_t>(getBig<uint64_t>(p + 1));
    state.snapshot_start = static_cast<int64_t>(getBig<uint64_t>(p + 9));
    state.snapshot_end = static_cast<int64_t>(getBig<uint64_t>(p + 17));
    state.purge_seqno = static_cast<int64_t>(getBig<uint64_t>(p + 25));
    state.max_cas = getBig<uint64_t>(p + 33);
    state.failover.reserve(entries);
    p += kVBStateHeaderSize;
    for (size_t i = 0; i < entries; ++i, p += 16) {
        state.failover.push_back({getBig<uint64_t>(p), getBig<uint64_t>(p + 8)});
    }
    return state;
}

std::optional<std::string> upgradeV1DocsKey(std::string_view v1_key) {
    if (v1_key.size() < kVbidSize) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(v1_key.size() + kDefaultCollectionPrefix.size());
    out.append(v1_key.substr(0, kVbidSize));
    out.append(kDefaultCollectionPrefix);
    out.append(v1_key.substr(kVbidSize));
    return out;
}

std::string upgradeV1DocumentKey(std::string_view v1_key) {
    std::string out;
    out.reserve(kDefaultCollectionPrefix.size() + v1_key.size());
    out.append(kDefaultCollectionPrefix);
    out.append(v1_key);
    return out;
}

}  // namespace eddy::engine::disk
