#include "engine/kvstore/disk_format.h"

#include "protocol/leb128.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::engine::disk {
namespace {

using namespace std::string_literals;

TEST(DiskFormatTest, DocumentHeaderHasTheDocumentedBytes) {
    DiskDocument document;
    document.key = "k";
    document.value = "xyz";
    document.by_seqno = 0x0102030405060708;
    document.rev_seqno = 0x1112131415161718;
    document.cas = 0x2122232425262728;
    document.flags = 0x31323334;
    document.expiry = 0x41424344;
    document.datatype = 0x05;
    document.deleted = true;
    const std::string expected =
        "\x01\x05"
        "\x01\x02\x03\x04\x05\x06\x07\x08"
        "\x11\x12\x13\x14\x15\x16\x17\x18"
        "\x21\x22\x23\x24\x25\x26\x27\x28"
        "\x31\x32\x33\x34"
        "\x41\x42\x43\x44"
        "xyz"s;
    EXPECT_EQ(expected, encodeDocument(document));
    EXPECT_EQ(kDocHeaderSize + 3, expected.size());
}

TEST(DiskFormatTest, DocumentRoundTripsWithBinaryAndEmptyValues) {
    for (const std::string& value : {"a\0b\0"s, ""s, std::string(1 << 20, '\xff')}) {
        DiskDocument document;
        document.key = "key\0with nul"s;
        document.value = value;
        document.by_seqno = INT64_MAX;
        document.rev_seqno = UINT64_MAX;
        document.cas = 7;
        document.flags = 0xffffffff;
        document.expiry = 1;
        document.datatype = 0xff;
        DiskDocument decoded;
        ASSERT_TRUE(decodeDocument(document.key, encodeDocument(document), decoded));
        EXPECT_EQ(document, decoded);
        EXPECT_EQ(INT64_MAX, bySeqnoOf(encodeDocument(document)));
    }
}

TEST(DiskFormatTest, MalformedDocumentsAreRejected) {
    DiskDocument decoded;
    EXPECT_FALSE(decodeDocument("k", std::string(kDocHeaderSize - 1, '\0'), decoded));
    std::string bad_flags(kDocHeaderSize, '\0');
    bad_flags[0] = '\x02';
    EXPECT_FALSE(decodeDocument("k", bad_flags, decoded));
    EXPECT_FALSE(decodeDocMeta(bad_flags));
    EXPECT_FALSE(bySeqnoOf("short"));
    EXPECT_TRUE(decodeDocument("k", std::string(kDocHeaderSize, '\0'), decoded));
}

TEST(DiskFormatTest, DocMetaReadsTheHeaderOnly) {
    DiskDocument document;
    document.by_seqno = 42;
    document.rev_seqno = 3;
    document.expiry = 99;
    document.deleted = true;
    const auto meta = decodeDocMeta(encodeDocument(document));
    ASSERT_TRUE(meta);
    EXPECT_EQ(42, meta->by_seqno);
    EXPECT_EQ(3u, meta->rev_seqno);
    EXPECT_EQ(99u, meta->expiry);
    EXPECT_TRUE(meta->deleted);
}

TEST(DiskFormatTest, KeysAreBigEndianAndSortByVbucketThenSeqno) {
    EXPECT_EQ("\x01\x02key"s, docKey(Vbid(0x0102), "key"));
    const SeqnoKey key = seqnoKey(Vbid(0x0102), 0x0a0b0c0d0e0f1011);
    EXPECT_EQ("\x01\x02\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11"s, std::string(key.data(), key.size()));
    EXPECT_EQ(0x0a0b0c0d0e0f1011u, seqnoOfKey(std::string_view(key.data(), key.size())));
    EXPECT_FALSE(seqnoOfKey("short"));

    const auto as_string = [](const SeqnoKey& k) { return std::string(k.data(), k.size()); };
    EXPECT_LT(as_string(seqnoKey(Vbid(1), 255)), as_string(seqnoKey(Vbid(1), 256)));
    EXPECT_LT(as_string(seqnoKey(Vbid(1), UINT64_MAX)), as_string(seqnoKey(Vbid(2), 0)));
    EXPECT_LT(docKey(Vbid(1), "\xff\xff\xff"), docKey(Vbid(2), ""));

    EXPECT_EQ(Vbid(0x0102), vbucketOfKey("\x01\x02rest"));
    EXPECT_FALSE(vbucketOfKey("\x01"));
    ASSERT_TRUE(vbucketPrefixEnd(Vbid(0x01ff)));
    EXPECT_EQ("\x02\x00"s, std::string(vbucketPrefixEnd(Vbid(0x01ff))->data(), 2));
    EXPECT_FALSE(vbucketPrefixEnd(Vbid(0xffff)));
}

TEST(DiskFormatTest, VBucketStateHasTheDocumentedBytes) {
    PersistedVBucketState state;
    state.state = VBucketState::Replica;
    state.high_seqno = 0x0102;
    state.snapshot_start = 0x0101;
    state.snapshot_end = 0x0103;
    state.purge_seqno = 0x05;
    state.max_cas = 0x0a0b;
    state.failover = {{0xaa, 0x10}, {0xbb, 0}};
    const std::string expected =
        "\x02"
        "\0\0\0\0\0\0\x01\x02"
        "\0\0\0\0\0\0\x01\x01"
        "\0\0\0\0\0\0\x01\x03"
        "\0\0\0\0\0\0\0\x05"
        "\0\0\0\0\0\0\x0a\x0b"
        "\0\x02"
        "\0\0\0\0\0\0\0\xaa"
        "\0\0\0\0\0\0\0\x10"
        "\0\0\0\0\0\0\0\xbb"
        "\0\0\0\0\0\0\0\0"s;
    EXPECT_EQ(expected, encodeVBucketState(state));
    EXPECT_EQ(state, decodeVBucketState(expected));
}

TEST(DiskFormatTest, VBucketStateRoundTripsAndRejectsMalformed) {
    PersistedVBucketState state;
    state.state = VBucketState::Pending;
    state.high_seqno = INT64_MAX;
    state.purge_seqno = 3;
    state.max_cas = UINT64_MAX;
    for (uint64_t i = 0; i < 25; ++i) {
        state.failover.push_back({UINT64_MAX - i, 1000 - i});
    }
    const std::string bytes = encodeVBucketState(state);
    EXPECT_EQ(kVBStateHeaderSize + 25 * 16, bytes.size());
    EXPECT_EQ(state, decodeVBucketState(bytes));

    EXPECT_FALSE(decodeVBucketState(bytes.substr(0, bytes.size() - 1)));
    EXPECT_FALSE(decodeVBucketState(bytes + "x"));
    EXPECT_FALSE(decodeVBucketState("\x01"));
    std::string bad_state = bytes;
    bad_state[0] = '\x05';
    EXPECT_FALSE(decodeVBucketState(bad_state));
    bad_state[0] = '\x00';
    EXPECT_FALSE(decodeVBucketState(bad_state));
}

TEST(DiskFormatTest, Version2KeysCarryTheCollectionPrefixAndVersion1KeysGainTheDefaultOne) {
    EXPECT_EQ(2u, kFormatVersion);
    EXPECT_EQ(1u, kUpgradableFormatVersion);
    // The default collection's id, 0, as unsigned LEB128 is the one byte 0x00.
    EXPECT_EQ(mcbp::encodeLeb128(0).view(), kDefaultCollectionPrefix);
    EXPECT_EQ("\0"s, std::string(kDefaultCollectionPrefix));
    // A version-2 key is the caller's key, collection prefix included, after the vbucket.
    EXPECT_EQ("\x01\x02\x08key"s, docKey(Vbid(0x0102), "\x08key"));
    EXPECT_EQ("\x01\x02\0key"s, upgradeV1DocsKey("\x01\x02key"));
    EXPECT_EQ("\x01\x02\0\0key\0"s, upgradeV1DocsKey("\x01\x02\0key\0"s));
    EXPECT_EQ("\x01\x02\0"s, upgradeV1DocsKey("\x01\x02"));
    EXPECT_FALSE(upgradeV1DocsKey("\x01"));
    EXPECT_EQ("\0key"s, upgradeV1DocumentKey("key"));
    EXPECT_EQ("\0\0"s, upgradeV1DocumentKey("\0"s));
    EXPECT_NE(kDocumentsFamily, kV1DocsFamily);
    EXPECT_NE(kBySeqnoFamily, kV1SeqnosFamily);
}

TEST(DiskFormatTest, FormatVersionIsPlainDecimal) {
    EXPECT_EQ("1", encodeFormatVersion(1));
    EXPECT_EQ("2", encodeFormatVersion(kFormatVersion));
    EXPECT_EQ(1u, decodeFormatVersion("1"));
    EXPECT_EQ(4294967295u, decodeFormatVersion("4294967295"));
    EXPECT_FALSE(decodeFormatVersion("4294967296"));
    EXPECT_FALSE(decodeFormatVersion(""));
    EXPECT_FALSE(decodeFormatVersion("+1"));
    EXPECT_FALSE(decodeFormatVersion("1 "));
    EXPECT_FALSE(decodeFormatVersion("\x01"));
}

}  // namespace
}  // namespace eddy::engine::disk
