#include "protocol/persistence_formats.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace eddy::mcbp {
namespace {

std::string bytesOf(std::initializer_list<uint8_t> values) {
    std::string out;
    for (uint8_t value : values) {
        out.push_back(static_cast<char>(value));
    }
    return out;
}

ObserveSeqnoBody sampleBody() {
    ObserveSeqnoBody body;
    body.vbucket = 0x0102;
    body.vbucket_uuid = 0x1112131415161718ULL;
    body.last_persisted_seqno = 0x2122232425262728ULL;
    body.current_seqno = 0x3132333435363738ULL;
    return body;
}

TEST(ObserveSeqnoBodyTest, FormatZeroLayout) {
    std::string out = "x";
    appendObserveSeqnoBody(out, sampleBody());
    EXPECT_EQ("x" + bytesOf({0x00, 0x01, 0x02,                                  // format, vbucket
                             0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,    // uuid
                             0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,    // persisted
                             0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38}),  // current
              out);
    EXPECT_EQ(1 + kObserveSeqnoBodySize, out.size());
}

TEST(ObserveSeqnoBodyTest, FormatOneCarriesTheOldBranch) {
    ObserveSeqnoBody body = sampleBody();
    body.failed_over = true;
    body.old_vbucket_uuid = 0x4142434445464748ULL;
    body.old_branch_last_seqno = 0x5152535455565758ULL;
    std::string out;
    appendObserveSeqnoBody(out, body);
    ASSERT_EQ(kObserveSeqnoFailoverBodySize, out.size());
    EXPECT_EQ('\x01', out[0]);
    EXPECT_EQ(bytesOf({0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x51, 0x52, 0x53, 0x54, 0x55,
                       0x56, 0x57, 0x58}),
              out.substr(27));
}

TEST(ObserveSeqnoBodyTest, RoundTrip) {
    for (bool failed_over : {false, true}) {
        ObserveSeqnoBody body = sampleBody();
        if (failed_over) {
            body.failed_over = true;
            body.old_vbucket_uuid = 7;
            body.old_branch_last_seqno = 9;
        }
        std::string out;
        appendObserveSeqnoBody(out, body);
        const auto parsed = parseObserveSeqnoBody(out);
        ASSERT_TRUE(parsed.has_value()) << failed_over;
        EXPECT_EQ(body, *parsed);
    }
}

TEST(ObserveSeqnoBodyTest, FormatZeroIgnoresOldBranchFields) {
    ObserveSeqnoBody body = sampleBody();
    body.old_vbucket_uuid = 7;  // not sent without failed_over
    std::string out;
    appendObserveSeqnoBody(out, body);
    EXPECT_EQ(kObserveSeqnoBodySize, out.size());
    EXPECT_EQ(0u, parseObserveSeqnoBody(out)->old_vbucket_uuid);
}

TEST(ObserveSeqnoBodyTest, MalformedValuesAreRejected) {
    std::string zero;
    appendObserveSeqnoBody(zero, sampleBody());
    EXPECT_FALSE(parseObserveSeqnoBody({}).has_value());
    EXPECT_FALSE(parseObserveSeqnoBody(zero.substr(0, 26)).has_value());
    EXPECT_FALSE(parseObserveSeqnoBody(zero + std::string(16, '\0')).has_value())
        << "format 0 with the failover fields";
    std::string one = zero;
    one[0] = '\x01';
    EXPECT_FALSE(parseObserveSeqnoBody(one).has_value()) << "format 1 without them";
    std::string two = zero;
    two[0] = '\x02';
    EXPECT_FALSE(parseObserveSeqnoBody(two).has_value()) << "unknown format";
}

TEST(CompactDbExtrasTest, Layout) {
    std::string out;
    appendCompactDbExtras(out, {.purge_before_ts = 0x0102030405060708ULL,
                                .purge_before_seq = 0x1112131415161718ULL,
                                .drop_deletes = true});
    EXPECT_EQ(bytesOf({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x11, 0x12, 0x13, 0x14,
                       0x15, 0x16, 0x17, 0x18, 0x01, 0,    0,    0,    0,    0,    0,    0}),
              out);
    EXPECT_EQ(kCompactDbExtrasSize, out.size());
}

TEST(CompactDbExtrasTest, RoundTrip) {
    for (const CompactDbExtras& extras :
         {CompactDbExtras{}, CompactDbExtras{.purge_before_ts = 1700000000},
          CompactDbExtras{.purge_before_seq = 42, .drop_deletes = true}}) {
        std::string out;
        appendCompactDbExtras(out, extras);
        const auto parsed = parseCompactDbExtras(out);
        ASSERT_TRUE(parsed.has_value());
        EXPECT_EQ(extras, *parsed);
    }
}

TEST(CompactDbExtrasTest, AnyNonZeroDropDeletesIsTrueAndReservedBytesAreIgnored) {
    std::string out;
    appendCompactDbExtras(out, {});
    out[16] = '\x80';
    out[23] = '\xff';
    const auto parsed = parseCompactDbExtras(out);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_TRUE(parsed->drop_deletes);
    EXPECT_EQ(0u, parsed->purge_before_ts);
}

TEST(CompactDbExtrasTest, WrongSizeIsRejected) {
    EXPECT_FALSE(parseCompactDbExtras({}).has_value());
    EXPECT_FALSE(parseCompactDbExtras(std::string(23, '\0')).has_value());
    EXPECT_FALSE(parseCompactDbExtras(std::string(25, '\0')).has_value());
}

}  // namespace
}  // namespace eddy::mcbp
