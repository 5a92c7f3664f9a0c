// Key-value semantics of the bucket through EngineIface: CAS, store semantics, counters,
// touch, expiry, limits.

#include "engine/bucket_test_fixture.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace eddy::engine::bucket_test {
namespace {

// ---- get / set / CAS -------------------------------------------------------------------------

TEST_P(BucketTest, GetOfMissingKeyIsKeyNotFound) {
    ItemPtr item;
    EXPECT_EQ(Status::KeyNotFound, get("nope", item));
    EXPECT_EQ(nullptr, item);
}

TEST_P(BucketTest, SetThenGetReturnsTheDocument) {
    StoreRequest request = makeStore("k", "hello");
    request.flags = 0xdeadbeef;
    request.datatype = datatype::kJson;
    Cas cas = 0;
    ASSERT_EQ(Status::Success, store(request, &cas));

    ItemPtr item;
    ASSERT_EQ(Status::Success, get("k", item));
    EXPECT_EQ("k", item->key());
    EXPECT_EQ("hello", item->value());
    EXPECT_EQ(0xdeadbeefu, item->flags());
    EXPECT_EQ(datatype::kJson, item->datatype());
    EXPECT_EQ(0u, item->expiry());
    EXPECT_EQ(cas, item->cas());
}

TEST_P(BucketTest, CasIsStrictlyIncreasingAcrossKeysAndMutations) {
    Cas previous = 0;
    for (int i = 0; i < 50; ++i) {
        Cas cas = 0;
        ASSERT_EQ(Status::Success, set("key" + std::to_string(i % 5), "v", &cas));
        EXPECT_GT(cas, previous);
        previous = cas;
    }
    uint64_t counter = 0;
    Cas cas = 0;
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("n", true, 1), counter, &cas));
    EXPECT_GT(cas, previous);
}

TEST_P(BucketTest, SetReplacesAnExistingValue) {
    ASSERT_EQ(Status::Success, set("k", "one"));
    ASSERT_EQ(Status::Success, set("k", "two"));
    EXPECT_EQ("two", valueOf("k"));
}

TEST_P(BucketTest, SetWithMatchingCasStores) {
    Cas cas = 0;
    ASSERT_EQ(Status::Success, set("k", "one", &cas));
    StoreRequest request = makeStore("k", "two");
    request.cas = cas;
    Cas new_cas = 0;
    EXPECT_EQ(Status::Success, store(request, &new_cas));
    EXPECT_GT(new_cas, cas);
    EXPECT_EQ("two", valueOf("k"));
}

TEST_P(BucketTest, SetWithWrongCasIsKeyExistsAndKeepsTheValue) {
    Cas cas = 0;
    ASSERT_EQ(Status::Success, set("k", "one", &cas));
    StoreRequest request = makeStore("k", "two");
    request.cas = cas + 1;
    EXPECT_EQ(Status::KeyExists, store(request));
    EXPECT_EQ("one", valueOf("k"));
    EXPECT_EQ(cas, casOf("k"));
}

TEST_P(BucketTest, SetWithCasOnMissingKeyIsKeyNotFound) {
    StoreRequest request = makeStore("k", "v");
    request.cas = 1234;
    EXPECT_EQ(Status::KeyNotFound, store(request));
    EXPECT_EQ("<absent>", valueOf("k"));
}

TEST_P(BucketTest, ValueLargerThanTheLimitIsTooBig) {
    const std::string at_limit(kMaxValueSize, 'x');
    const std::string over_limit(kMaxValueSize + 1, 'x');
    EXPECT_EQ(Status::Success, set("a", at_limit));
    EXPECT_EQ(Status::TooBig, set("b", over_limit));
    EXPECT_EQ("<absent>", valueOf("b"));
}

// ---- add / replace ---------------------------------------------------------------------------

TEST_P(BucketTest, AddCreatesOnlyWhenAbsent) {
    EXPECT_EQ(Status::Success, store(makeStore("k", "one", StoreSemantics::Add)));
    EXPECT_EQ(Status::KeyExists, store(makeStore("k", "two", StoreSemantics::Add)));
    EXPECT_EQ("one", valueOf("k"));
}

TEST_P(BucketTest, AddWithCasIsRejected) {
    StoreRequest request = makeStore("k", "v", StoreSemantics::Add);
    request.cas = 5;
    EXPECT_EQ(Status::InvalidArguments, store(request));
    EXPECT_EQ("<absent>", valueOf("k"));
}

TEST_P(BucketTest, ReplaceOfMissingKeyIsKeyNotFound) {
    EXPECT_EQ(Status::KeyNotFound, store(makeStore("k", "v", StoreSemantics::Replace)));
    EXPECT_EQ("<absent>", valueOf("k"));
}

TEST_P(BucketTest, ReplaceChecksCas) {
    Cas cas = 0;
    ASSERT_EQ(Status::Success, set("k", "one", &cas));
    StoreRequest request = makeStore("k", "two", StoreSemantics::Replace);
    request.cas = cas + 7;
    EXPECT_EQ(Status::KeyExists, store(request));
    EXPECT_EQ("one", valueOf("k"));
    request.cas = cas;
    EXPECT_EQ(Status::Success, store(request));
    EXPECT_EQ("two", valueOf("k"));
    request.cas = 0;
    request.value = "three";
    EXPECT_EQ(Status::Success, store(request));
    EXPECT_EQ("three", valueOf("k"));
}

// ---- append / prepend ------------------------------------------------------------------------

TEST_P(BucketTest, AppendAndPrependOfMissingKeyAreNotStored) {
    EXPECT_EQ(Status::NotStored, store(makeStore("k", "x", StoreSemantics::Append)));
    EXPECT_EQ(Status::NotStored, store(makeStore("k", "x", StoreSemantics::Prepend)));
    StoreRequest with_cas = makeStore("k", "x", StoreSemantics::Append);
    with_cas.cas = 9;
    EXPECT_EQ(Status::NotStored, store(with_cas));
    EXPECT_EQ("<absent>", valueOf("k"));
}

TEST_P(BucketTest, AppendAndPrependConcatenate) {
    ASSERT_EQ(Status::Success, set("k", "mid"));
    EXPECT_EQ(Status::Success, store(makeStore("k", "-end", StoreSemantics::Append)));
    EXPECT_EQ(Status::Success, store(makeStore("k", "start-", StoreSemantics::Prepend)));
    EXPECT_EQ("start-mid-end", valueOf("k"));
}

TEST_P(BucketTest, AppendKeepsFlagsExpiryAndDatatype) {
    StoreRequest original = makeStore("k", "{\"a\":");
    original.flags = 42;
    original.exptime = 100;
    original.datatype = datatype::kJson;
    ASSERT_EQ(Status::Success, store(original));

    StoreRequest append = makeStore("k", "1}", StoreSemantics::Append);
    append.flags = 7;
    append.exptime = 5;
    append.datatype = datatype::kRaw;
    Cas cas = 0;
    ASSERT_EQ(Status::Success, store(append, &cas));

    ItemPtr item;
    ASSERT_EQ(Status::Success, get("k", item));
    EXPECT_EQ("{\"a\":1}", item->value());
    EXPECT_EQ(42u, item->flags());
    EXPECT_EQ(kStartTime + 100, item->expiry());
    EXPECT_EQ(datatype::kJson, item->datatype());
    EXPECT_EQ(cas, item->cas());
}

TEST_P(BucketTest, AppendChecksCas) {
    Cas cas = 0;
    ASSERT_EQ(Status::Success, set("k", "a", &cas));
    StoreRequest request = makeStore("k", "b", StoreSemantics::Append);
    request.cas = cas + 1;
    EXPECT_EQ(Status::KeyExists, store(request));
    EXPECT_EQ("a", valueOf("k"));
    request.cas = cas;
    EXPECT_EQ(Status::Success, store(request));
    EXPECT_EQ("ab", valueOf("k"));
}

TEST_P(BucketTest, PrependChecksCas) {
    Cas cas = 0;
    ASSERT_EQ(Status::Success, set("k", "a", &cas));
    StoreRequest request = makeStore("k", "b", StoreSemantics::Prepend);
    request.cas = cas + 1;
    EXPECT_EQ(Status::KeyExists, store(request));
    request.cas = cas;
    EXPECT_EQ(Status::Success, store(request));
    EXPECT_EQ("ba", valueOf("k"));
}

TEST_P(BucketTest, AppendBeyondTheLimitIsTooBig) {
    const std::string half(kMaxValueSize / 2, 'x');
    ASSERT_EQ(Status::Success, set("k", half));
    EXPECT_EQ(Status::Success, store(makeStore("k", half, StoreSemantics::Append)));
    EXPECT_EQ(Status::TooBig, store(makeStore("k", "y", StoreSemantics::Append)));
    EXPECT_EQ(Status::TooBig, store(makeStore("k", "y", StoreSemantics::Prepend)));
    EXPECT_EQ(std::string(kMaxValueSize, 'x'), valueOf("k"));
}

// ---- remove ----------------------------------------------------------------------------------

TEST_P(BucketTest, RemoveOfMissingKeyIsKeyNotFound) {
    EXPECT_EQ(Status::KeyNotFound, remove("k"));
}

TEST_P(BucketTest, RemoveDeletesAndReturnsANewCas) {
    Cas cas = 0;
    ASSERT_EQ(Status::Success, set("k", "v", &cas));
    Cas removed_cas = 0;
    EXPECT_EQ(Status::Success, remove("k", 0, &removed_cas));
    EXPECT_GT(removed_cas, cas);
    EXPECT_EQ("<absent>", valueOf("k"));
    EXPECT_EQ(Status::KeyNotFound, remove("k"));
}

TEST_P(BucketTest, RemoveChecksCas) {
    Cas cas = 0;
    ASSERT_EQ(Status::Success, set("k", "v", &cas));
    EXPECT_EQ(Status::KeyExists, remove("k", cas + 1));
    EXPECT_EQ("v", valueOf("k"));
    EXPECT_EQ(Status::Success, remove("k", cas));
    EXPECT_EQ("<absent>", valueOf("k"));
}

// ---- arithmetic ------------------------------------------------------------------------------

TEST_P(BucketTest, IncrementOfMissingKeyCreatesTheInitialValue) {
    uint64_t value = 0;
    Cas cas = 0;
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("n", true, 5, 1000), value, &cas));
    EXPECT_EQ(1000u, value);
    ItemPtr item;
    ASSERT_EQ(Status::Success, get("n", item));
    EXPECT_EQ("1000", item->value());
    EXPECT_EQ(cas, item->cas());
    EXPECT_EQ(0u, item->expiry());
}

TEST_P(BucketTest, DecrementOfMissingKeyCreatesTheInitialValue) {
    uint64_t value = 0;
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("n", false, 5, 7), value));
    EXPECT_EQ(7u, value);
    EXPECT_EQ("7", valueOf("n"));
}

TEST_P(BucketTest, ArithmeticCreateUsesTheExpiry) {
    uint64_t value = 0;
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("n", true, 1, 3, 10), value));
    ItemPtr item;
    ASSERT_EQ(Status::Success, get("n", item));
    EXPECT_EQ(kStartTime + 10, item->expiry());
    advance(10);
    EXPECT_EQ("<absent>", valueOf("n"));
}

TEST_P(BucketTest, ArithmeticWithNoCreateExptimeDoesNotCreate) {
    uint64_t value = 99;
    EXPECT_EQ(Status::KeyNotFound, arithmetic(makeArithmetic("n", true, 1, 5, 0xffffffff), value));
    EXPECT_EQ(Status::KeyNotFound, arithmetic(makeArithmetic("n", false, 1, 5, 0xffffffff), value));
    EXPECT_EQ("<absent>", valueOf("n"));
}

TEST_P(BucketTest, NoCreateExptimeStillUpdatesAnExistingCounter) {
    ASSERT_EQ(Status::Success, set("n", "4"));
    uint64_t value = 0;
    EXPECT_EQ(Status::Success, arithmetic(makeArithmetic("n", true, 1, 0, 0xffffffff), value));
    EXPECT_EQ(5u, value);
}

TEST_P(BucketTest, IncrementAddsAndKeepsFlagsAndExpiry) {
    StoreRequest request = makeStore("n", "10");
    request.flags = 3;
    request.exptime = 50;
    Cas old_cas = 0;
    ASSERT_EQ(Status::Success, store(request, &old_cas));

    uint64_t value = 0;
    Cas cas = 0;
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("n", true, 5, 0, 1), value, &cas));
    EXPECT_EQ(15u, value);
    EXPECT_GT(cas, old_cas);
    ItemPtr item;
    ASSERT_EQ(Status::Success, get("n", item));
    EXPECT_EQ("15", item->value());
    EXPECT_EQ(3u, item->flags());
    EXPECT_EQ(kStartTime + 50, item->expiry());
    EXPECT_EQ(cas, item->cas());
}

TEST_P(BucketTest, IncrementWrapsModulo2To64) {
    ASSERT_EQ(Status::Success, set("n", "18446744073709551615"));
    uint64_t value = 0;
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("n", true, 2), value));
    EXPECT_EQ(1u, value);
    EXPECT_EQ("1", valueOf("n"));
}

TEST_P(BucketTest, IncrementReachesTheLargestCounter) {
    ASSERT_EQ(Status::Success, set("n", "18446744073709551614"));
    uint64_t value = 0;
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("n", true, 1), value));
    EXPECT_EQ(std::numeric_limits<uint64_t>::max(), value);
    EXPECT_EQ("18446744073709551615", valueOf("n"));
}

TEST_P(BucketTest, DecrementSubtractsWithoutPadding) {
    ASSERT_EQ(Status::Success, set("n", "100"));
    uint64_t value = 0;
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("n", false, 1), value));
    EXPECT_EQ(99u, value);
    EXPECT_EQ("99", valueOf("n"));
}

TEST_P(BucketTest, DecrementFloorsAtZero) {
    ASSERT_EQ(Status::Success, set("n", "5"));
    uint64_t value = 1;
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("n", false, 10), value));
    EXPECT_EQ(0u, value);
    EXPECT_EQ("0", valueOf("n"));
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("n", false, 1), value));
    EXPECT_EQ(0u, value);
}

TEST_P(BucketTest, LeadingZerosAreDecimal) {
    ASSERT_EQ(Status::Success, set("n", "007"));
    uint64_t value = 0;
    ASSERT_EQ(Status::Success, arithmetic(makeArithmetic("n", true, 1), value));
    EXPECT_EQ(8u, value);
    EXPECT_EQ("8", valueOf("n"));
}

TEST_P(BucketTest, NonNumericValuesAreDeltaBadValue) {
    const std::vector<std::string> bad = {
        "abc",
        "12a",
        " 12",
        "12 ",
        "-1",
        "+1",
        "",
        "1.5",
        "0x10",
        "000000000000000000001",  // 21 digits
        "18446744073709551616",   // 2^64
    };
    for (const std::string& text : bad) {
        SCOPED_TRACE("value '" + text + "'");
        ASSERT_EQ(Status::Success, set("n", text));
        const Cas cas = casOf("n");
        uint64_t value = 0;
        EXPECT_EQ(Status::DeltaBadValue, arithmetic(makeArithmetic("n", true, 1), value));
        EXPECT_EQ(Status::DeltaBadValue, arithmetic(makeArithmetic("n", false, 1), value));
        EXPECT_EQ(text, valueOf("n"));
        EXPECT_EQ(cas, casOf("n"));
    }
}

}  // namespace
}  // namespace eddy::engine::bucket_test
