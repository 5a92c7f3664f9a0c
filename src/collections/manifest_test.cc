// eddy — tests of the collections manifest: the default manifest, parsing and writing back,
// every invariant parse() enforces, the path lookups, the successor rule and droppedIn.
#include "collections/manifest.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::collections {
namespace {

constexpr std::string_view kDefaultJson =
    R"({"uid":"0","scopes":[{"name":"_default","uid":"0","collections":[)"
    R"({"name":"_default","uid":"0"}]}]})";

/// A manifest with every feature: maxTTL, upper-case hex, an empty scope, a 32-bit id, and
/// fields eddy does not know (ignored).
constexpr std::string_view kFullJson = R"({
    "uid": "1F", "flush_uid": "2",
    "scopes": [
        {"name": "_default", "uid": "0", "collections": [
            {"name": "_default", "uid": "0"},
            {"name": "c", "uid": "8", "maxTTL": 60, "history": false}]},
        {"name": "s", "uid": "9", "limits": {"kv": {"data_size": 1}}, "collections": [
            {"name": "c", "uid": "a", "metered": true},
            {"name": "d-1%", "uid": "B", "maxTTL": 0}]},
        {"name": "empty", "uid": "ffffffff", "collections": []}]})";

/// kFullJson as toJson() writes it.
constexpr std::string_view kFullCompact =
    R"({"uid":"1f","scopes":[)"
    R"({"name":"_default","uid":"0","collections":[{"name":"_default","uid":"0"},)"
    R"({"name":"c","uid":"8","maxTTL":60}]},)"
    R"({"name":"s","uid":"9","collections":[{"name":"c","uid":"a"},)"
    R"({"name":"d-1%","uid":"b","maxTTL":0}]},)"
    R"({"name":"empty","uid":"ffffffff","collections":[]}]})";

/// A manifest of uid 5 with `_default._default` and the scopes (JSON objects) in `more`.
std::string withScopes(std::string_view more, std::string_view uid = "5") {
    std::string json = R"({"uid":")" + std::string(uid) +
                       R"(","scopes":[{"name":"_default","uid":"0","collections":[)"
                       R"({"name":"_default","uid":"0"}]})";
    if (!more.empty()) {
        json += ",";
        json += more;
    }
    return json + "]}";
}

/// A manifest of uid 5 whose `_default` scope holds `_default` and the collections in `more`.
std::string withCollections(std::string_view more) {
    return R"({"uid":"5","scopes":[{"name":"_default","uid":"0","collections":[)"
           R"({"name":"_default","uid":"0"},)" +
           std::string(more) + "]}]}";
}

/// Expects parse() to refuse `json`; returns the message.
std::string refusal(const std::string& json) {
    try {
        (void)Manifest::parse(json);
    } catch (const ManifestError& e) {
        return e.what();
    }
    ADD_FAILURE() << "accepted: " << json;
    return {};
}

/// Expects parse() to refuse `json` with a message about `field` (it starts with "field: ").
void expectRefused(const std::string& json, const std::string& field) {
    const std::string message = refusal(json);
    EXPECT_EQ(field + ": ", message.substr(0, field.size() + 2)) << message;
}

std::string longName(size_t length) {
    return std::string(length, 'n');
}

// ---- The default manifest, parsing, writing back ----------------------------------------------

TEST(ManifestTest, DefaultManifest) {
    const Manifest manifest;
    EXPECT_EQ(0U, manifest.uid());
    ASSERT_EQ(1U, manifest.scopes().size());
    const Scope& scope = manifest.scopes()[0];
    EXPECT_EQ(kDefaultScope, scope.id);
    EXPECT_EQ("_default", scope.name);
    ASSERT_EQ(1U, scope.collections.size());
    EXPECT_EQ(kDefaultCollection, scope.collections[0].id);
    EXPECT_EQ("_default", scope.collections[0].name);
    EXPECT_FALSE(scope.collections[0].max_ttl.has_value());
    EXPECT_TRUE(manifest.hasDefaultCollection());
    ASSERT_NE(nullptr, manifest.findCollection(kDefaultCollection));
    EXPECT_EQ(std::optional<ScopeId>(kDefaultScope), manifest.scopeOf(kDefaultCollection));
    EXPECT_EQ(nullptr, manifest.findCollection(8));
    EXPECT_EQ(std::nullopt, manifest.scopeOf(8));
    EXPECT_EQ(kDefaultJson, manifest.toJson());
    EXPECT_EQ(manifest, Manifest::parse(kDefaultJson));
}

TEST(ManifestTest, ParsesEveryField) {
    const Manifest manifest = Manifest::parse(kFullJson);
    EXPECT_EQ(0x1fU, manifest.uid());
    ASSERT_EQ(3U, manifest.scopes().size());
    EXPECT_TRUE(manifest.hasDefaultCollection());

    const Scope& defaults = manifest.scopes()[0];
    ASSERT_EQ(2U, defaults.collections.size());
    EXPECT_EQ((Collection{8, "c", 60}), defaults.collections[1]);

    const Scope& s = manifest.scopes()[1];
    EXPECT_EQ(9U, s.id);
    EXPECT_EQ("s", s.name);
    ASSERT_EQ(2U, s.collections.size());
    EXPECT_EQ((Collection{0xa, "c", std::nullopt}), s.collections[0]);
    EXPECT_EQ((Collection{0xb, "d-1%", 0}), s.collections[1]);

    const Scope& empty = manifest.scopes()[2];
    EXPECT_EQ(0xffffffffU, empty.id);
    EXPECT_TRUE(empty.collections.empty());

    ASSERT_NE(nullptr, manifest.findCollection(0xb));
    EXPECT_EQ("d-1%", manifest.findCollection(0xb)->name);
    EXPECT_EQ(std::optional<ScopeId>(9), manifest.scopeOf(0xb));
    EXPECT_EQ(std::optional<ScopeId>(0), manifest.scopeOf(8));
    EXPECT_EQ(nullptr, manifest.findCollection(0xc));
}

TEST(ManifestTest, RoundTrip) {
    const Manifest manifest = Manifest::parse(kFullJson);
    EXPECT_EQ(kFullCompact, manifest.toJson());
    EXPECT_EQ(manifest, Manifest::parse(manifest.toJson()));
    EXPECT_EQ(manifest.toJson(), Manifest::parse(manifest.toJson()).toJson());
}

TEST(ManifestTest, DefaultCollectionMayBeDropped) {
    const Manifest manifest =
        Manifest::parse(R"({"uid":"2","scopes":[{"name":"_default","uid":"0","collections":[]},)"
                        R"({"name":"s","uid":"8","collections":[{"name":"c","uid":"8"}]}]})");
    EXPECT_FALSE(manifest.hasDefaultCollection());
    EXPECT_EQ(nullptr, manifest.findCollection(kDefaultCollection));
    EXPECT_EQ(std::nullopt, manifest.scopeOf(kDefaultCollection));
    EXPECT_EQ(manifest, Manifest::parse(manifest.toJson()));
}

TEST(ManifestTest, LargestUidsAndIds) {
    const Manifest manifest = Manifest::parse(
        withScopes(R"({"name":"s","uid":"00000008","collections":[{"name":"c","uid":"fffffffF"}]})",
                   "ffffffffffffffff"));
    EXPECT_EQ(UINT64_MAX, manifest.uid());
    EXPECT_EQ(8U, manifest.scopes()[1].id);
    EXPECT_EQ(0xffffffffU, manifest.scopes()[1].collections[0].id);
    EXPECT_EQ(std::optional<uint32_t>(UINT32_MAX),
              Manifest::parse(withCollections(R"({"name":"c","uid":"8","maxTTL":4294967295})"))
                  .findCollection(8)
                  ->max_ttl);
}

TEST(ManifestTest, ToHex) {
    EXPECT_EQ("0", toHex(0));
    EXPECT_EQ("8", toHex(8));
    EXPECT_EQ("ff", toHex(255));
    EXPECT_EQ("deadbeef", toHex(0xdeadbeef));
    EXPECT_EQ("ffffffffffffffff", toHex(UINT64_MAX));
}

// ---- The JSON form ----------------------------------------------------------------------------

TEST(ManifestParseTest, RefusesInvalidJson) {
    expectRefused("", "manifest");
    expectRefused(R"({"uid":"0","scopes":[)", "manifest");
    expectRefused(std::string(kDefaultJson) + "x", "manifest");
    // nlohmann refuses a number no double holds with out_of_range, not parse_error.
    EXPECT_EQ("manifest: not valid JSON (a number out of range)",
              refusal(R"({"uid":"5","scopes":[],"x":1e999})"));
}

TEST(ManifestParseTest, RefusesNonObject) {
    EXPECT_EQ("manifest: an array is not an object", refusal("[]"));
    expectRefused(R"("uid")", "manifest");
    expectRefused("null", "manifest");
}

TEST(ManifestParseTest, RefusesBadManifestUid) {
    EXPECT_EQ("uid: missing", refusal(R"({"scopes":[]})"));
    EXPECT_EQ("uid: 5 is not a string", refusal(R"({"uid":5,"scopes":[]})"));
    EXPECT_EQ("uid: \"0x5\" is not a hex id", refusal(withScopes("", "0x5")));
    EXPECT_EQ("uid: \"\" is not a hex id", refusal(withScopes("", "")));
    EXPECT_EQ("uid: \"-5\" is not a hex id", refusal(withScopes("", "-5")));
    EXPECT_EQ("uid: \"10000000000000000\" is longer than 16 hex digits",
              refusal(withScopes("", "10000000000000000")));
    EXPECT_EQ("uid: an object is not a string", refusal(R"({"uid":{"a":1},"scopes":[]})"));
}

TEST(ManifestParseTest, RefusesBadScopesArray) {
    EXPECT_EQ("scopes: missing", refusal(R"({"uid":"5"})"));
    EXPECT_EQ("scopes: an object is not an array", refusal(R"({"uid":"5","scopes":{}})"));
    EXPECT_EQ("scopes[1]: \"s\" is not an object", refusal(withScopes(R"("s")")));
}

TEST(ManifestParseTest, RefusesBadScopeFields) {
    expectRefused(withScopes(R"({"uid":"8","collections":[]})"), "scopes[1].name");
    expectRefused(withScopes(R"({"name":8,"uid":"8","collections":[]})"), "scopes[1].name");
    expectRefused(withScopes(R"({"name":"s","collections":[]})"), "scopes[1].uid");
    expectRefused(withScopes(R"({"name":"s","uid":8,"collections":[]})"), "scopes[1].uid");
    EXPECT_EQ("scopes[1].uid: \"g\" is not a hex id",
              refusal(withScopes(R"({"name":"s","uid":"g","collections":[]})")));
    EXPECT_EQ("scopes[1].collections: missing", refusal(withScopes(R"({"name":"s","uid":"8"})")));
    EXPECT_EQ("scopes[1].collections: null is not an array",
              refusal(withScopes(R"({"name":"s","uid":"8","collections":null})")));
}

TEST(ManifestParseTest, RefusesBadCollectionFields) {
    EXPECT_EQ("scopes[0].collections[1]: 8 is not an object", refusal(withCollections("8")));
    expectRefused(withCollections(R"({"uid":"8"})"), "scopes[0].collections[1].name");
    expectRefused(withCollections(R"({"name":"c"})"), "scopes[0].collections[1].uid");
    EXPECT_EQ(
        R"(scopes[1].collections[0].uid: "zz" is not a hex id)",
        refusal(withScopes(R"({"name":"s","uid":"8","collections":[{"name":"c","uid":"zz"}]})")));
    EXPECT_EQ(R"(scopes[0].collections[1].uid: "100000000" does not fit 32 bits)",
              refusal(withCollections(R"({"name":"c","uid":"100000000"})")));
    EXPECT_EQ(R"(scopes[1].uid: "fffffffff" does not fit 32 bits)",
              refusal(withScopes(R"({"name":"s","uid":"fffffffff","collections":[]})")));
}

TEST(ManifestParseTest, RefusesBadMaxTtl) {
    EXPECT_EQ("scopes[0].collections[1].maxTTL: -1 is negative",
              refusal(withCollections(R"({"name":"c","uid":"8","maxTTL":-1})")));
    EXPECT_EQ("scopes[0].collections[1].maxTTL: 1.5 is not an integer",
              refusal(withCollections(R"({"name":"c","uid":"8","maxTTL":1.5})")));
    EXPECT_EQ("scopes[0].collections[1].maxTTL: \"60\" is not an integer",
              refusal(withCollections(R"({"name":"c","uid":"8","maxTTL":"60"})")));
    EXPECT_EQ("scopes[0].collections[1].maxTTL: 4294967296 does not fit 32 bits",
              refusal(withCollections(R"({"name":"c","uid":"8","maxTTL":4294967296})")));
}

TEST(ManifestParseTest, QuotesLongValuesShortAndNestedValuesByKind) {
    const std::string message = refusal(withScopes("", std::string(1000, 'x')));
    EXPECT_EQ("uid: \"xxxx", message.substr(0, 10));
    EXPECT_LT(message.size(), 120U) << message;
    // A deeply nested value is neither serialised nor walked recursively.
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    EXPECT_EQ("scopes[0]: an array is not an object",
              refusal(R"({"uid":"5","scopes":[)" + deep + "]}"));
}

// ---- Invariants -------------------------------------------------------------------------------

TEST(ManifestInvariantTest, DefaultScopeMustExist) {
    EXPECT_EQ(R"(scopes: no scope _default (uid "0"))", refusal(R"({"uid":"5","scopes":[]})"));
    expectRefused(R"({"uid":"5","scopes":[{"name":"s","uid":"8","collections":[]}]})", "scopes");
}

TEST(ManifestInvariantTest, ScopeIdZeroIsOnlyDefault) {
    expectRefused(R"({"uid":"5","scopes":[{"name":"s","uid":"0","collections":[]}]})",
                  "scopes[0].uid");
}

TEST(ManifestInvariantTest, DefaultScopeHasIdZero) {
    expectRefused(R"({"uid":"5","scopes":[{"name":"_default","uid":"8","collections":[]}]})",
                  "scopes[0].uid");
}

TEST(ManifestInvariantTest, CollectionIdZeroIsOnlyDefaultCollection) {
    // Another name in the default scope.
    EXPECT_EQ(R"(scopes[0].collections[0].uid: "0" is only the collection _default._default)",
              refusal(R"({"uid":"5","scopes":[{"name":"_default","uid":"0","collections":[)"
                      R"({"name":"c","uid":"0"}]}]})"));
    // The right name in another scope.
    expectRefused(
        withScopes(R"({"name":"s","uid":"8","collections":[{"name":"_default","uid":"0"}]})"),
        "scopes[1].collections[0].uid");
}

TEST(ManifestInvariantTest, DefaultCollectionHasIdZero) {
    expectRefused(R"({"uid":"5","scopes":[{"name":"_default","uid":"0","collections":[)"
                  R"({"name":"_default","uid":"8"}]}]})",
                  "scopes[0].collections[0].uid");
    expectRefused(
        withScopes(R"({"name":"s","uid":"8","collections":[{"name":"_default","uid":"9"}]})"),
        "scopes[1].collections[0].uid");
}

TEST(ManifestInvariantTest, ScopeIdsAreUnique) {
    EXPECT_EQ(R"(scopes[2].uid: "8" duplicates scopes[1].uid)",
              refusal(withScopes(R"({"name":"s","uid":"8","collections":[]},)"
                                 R"({"name":"t","uid":"8","collections":[]})")));
}

TEST(ManifestInvariantTest, ScopeNamesAreUnique) {
    EXPECT_EQ(R"(scopes[2].name: "s" duplicates scopes[1].name)",
              refusal(withScopes(R"({"name":"s","uid":"8","collections":[]},)"
                                 R"({"name":"s","uid":"9","collections":[]})")));
}

TEST(ManifestInvariantTest, CollectionIdsAreUniqueAcrossScopes) {
    EXPECT_EQ(R"(scopes[1].collections[0].uid: "8" duplicates scopes[0].collections[1].uid)",
              refusal(R"({"uid":"5","scopes":[{"name":"_default","uid":"0","collections":[)"
                      R"({"name":"_default","uid":"0"},{"name":"c","uid":"8"}]},)"
                      R"({"name":"s","uid":"8","collections":[{"name":"d","uid":"8"}]}]})"));
    expectRefused(withCollections(R"({"name":"c","uid":"8"},{"name":"d","uid":"8"})"),
                  "scopes[0].collections[2].uid");
}

TEST(ManifestInvariantTest, CollectionNamesAreUniqueWithinTheirScope) {
    EXPECT_EQ(R"(scopes[0].collections[2].name: "c" duplicates scopes[0].collections[1].name)",
              refusal(withCollections(R"({"name":"c","uid":"8"},{"name":"c","uid":"9"})")));
    // The same name in two scopes is two collections.
    const Manifest manifest = Manifest::parse(
        withScopes(R"({"name":"s","uid":"8","collections":[{"name":"same","uid":"8"}]},)"
                   R"({"name":"t","uid":"9","collections":[{"name":"same","uid":"9"}]})"));
    EXPECT_EQ(3U, manifest.scopes().size());
}

TEST(ManifestInvariantTest, ReservedIdsAreRefused) {
    for (const char* id : {"1", "2", "7"}) {
        EXPECT_EQ(
            R"(scopes[0].collections[1].uid: ")" + std::string(id) + R"(" is a reserved id (1-7))",
            refusal(withCollections(R"({"name":"c","uid":")" + std::string(id) + R"("})")));
        expectRefused(
            withScopes(R"({"name":"s","uid":")" + std::string(id) + R"(","collections":[]})"),
            "scopes[1].uid");
    }
}

TEST(ManifestInvariantTest, NameRules) {
    const auto collection_named = [](const std::string& name) {
        return withCollections(R"({"name":")" + name + R"(","uid":"8"})");
    };
    const auto scope_named = [](const std::string& name) {
        return withScopes(R"({"name":")" + name + R"(","uid":"8","collections":[]})");
    };
    for (const std::string& bad :
         {std::string(), longName(kMaxNameLength + 1), std::string("a b"), std::string("a.b"),
          std::string("a$"), std::string("%a"), std::string("_a"), std::string("_Default"),
          std::string("caf\u00e9")}) {
        expectRefused(collection_named(bad), "scopes[0].collections[1].name");
        expectRefused(scope_named(bad), "scopes[1].name");
    }
    EXPECT_EQ(R"(scopes[1].name: "%a" starts with %)", refusal(scope_named("%a")));
    for (const std::string& good :
         {longName(kMaxNameLength), std::string("a%"), std::string("-_"), std::string("Az09_-%")}) {
        EXPECT_NO_THROW((void)Manifest::parse(collection_named(good))) << good;
        EXPECT_NO_THROW((void)Manifest::parse(scope_named(good))) << good;
    }
}

TEST(ManifestInvariantTest, UidZeroIsOnlyTheDefaultManifest) {
    EXPECT_EQ(R"(uid: "0" is only the manifest a bucket starts with (_default._default alone))",
              refusal(withScopes(R"({"name":"s","uid":"8","collections":[]})", "0")));
    expectRefused(R"({"uid":"0","scopes":[{"name":"_default","uid":"0","collections":[)"
                  R"({"name":"_default","uid":"0"},{"name":"c","uid":"8"}]}]})",
                  "uid");
    expectRefused(R"({"uid":"0","scopes":[{"name":"_default","uid":"0","collections":[]}]})",
                  "uid");
    expectRefused(R"({"uid":"0","scopes":[{"name":"_default","uid":"0","collections":[)"
                  R"({"name":"_default","uid":"0","maxTTL":5}]}]})",
                  "uid");
    EXPECT_EQ(Manifest(), Manifest::parse(withScopes("", "00")));
}

// ---- Lookups ----------------------------------------------------------------------------------

class ManifestLookupTest : public ::testing::Test {
protected:
    const Manifest manifest_ = Manifest::parse(kFullJson);

    void expectCollection(std::string_view path, ScopeId scope, CollectionId collection) {
        const Lookup lookup = manifest_.lookupCollection(path);
        EXPECT_EQ(Lookup::Result::Found, lookup.result) << path;
        EXPECT_EQ(scope, lookup.scope) << path;
        EXPECT_EQ(collection, lookup.collection) << path;
    }
    void expectCollectionResult(std::string_view path, Lookup::Result result) {
        EXPECT_EQ(result, manifest_.lookupCollection(path).result) << path;
    }
    void expectScope(std::string_view path, ScopeId scope) {
        const Lookup lookup = manifest_.lookupScope(path);
        EXPECT_EQ(Lookup::Result::Found, lookup.result) << path;
        EXPECT_EQ(scope, lookup.scope) << path;
    }
    void expectScopeResult(std::string_view path, Lookup::Result result) {
        EXPECT_EQ(result, manifest_.lookupScope(path).result) << path;
    }
};

TEST_F(ManifestLookupTest, CollectionPaths) {
    expectCollection(".", kDefaultScope, kDefaultCollection);
    expectCollection("_default._default", kDefaultScope, kDefaultCollection);
    expectCollection("._default", kDefaultScope, kDefaultCollection);
    expectCollection("_default.", kDefaultScope, kDefaultCollection);
    expectCollection(".c", kDefaultScope, 8);
    expectCollection("_default.c", kDefaultScope, 8);
    expectCollection("s.c", 9, 0xa);
    expectCollection("s.d-1%", 9, 0xb);
}

TEST_F(ManifestLookupTest, MalformedCollectionPaths) {
    expectCollectionResult("", Lookup::Result::Invalid);
    expectCollectionResult("s", Lookup::Result::Invalid);
    expectCollectionResult("_default", Lookup::Result::Invalid);
    expectCollectionResult("s.c.d", Lookup::Result::Invalid);
    expectCollectionResult("..", Lookup::Result::Invalid);
    expectCollectionResult("s.a b", Lookup::Result::Invalid);
    expectCollectionResult("s b.c", Lookup::Result::Invalid);
    expectCollectionResult("s.%c", Lookup::Result::Invalid);
    expectCollectionResult("s." + longName(kMaxNameLength + 1), Lookup::Result::Invalid);
    expectCollectionResult(longName(kMaxNameLength + 1) + ".c", Lookup::Result::Invalid);
}

TEST_F(ManifestLookupTest, UnknownScopeOrCollection) {
    // The scope decides first: `c` exists, but not in scope `x`.
    expectCollectionResult("x.c", Lookup::Result::UnknownScope);
    expectCollectionResult("_system.c", Lookup::Result::UnknownScope);
    expectCollectionResult(longName(kMaxNameLength) + ".c", Lookup::Result::UnknownScope);
    const Lookup lookup = manifest_.lookupCollection("s.x");
    EXPECT_EQ(Lookup::Result::UnknownCollection, lookup.result);
    EXPECT_EQ(9U, lookup.scope);
    // `s` has no `_default`.
    expectCollectionResult("s.", Lookup::Result::UnknownCollection);
    expectCollectionResult("empty.c", Lookup::Result::UnknownCollection);
    expectCollectionResult("._system", Lookup::Result::UnknownCollection);
    // Names are case-sensitive.
    expectCollectionResult("S.c", Lookup::Result::UnknownScope);
    expectCollectionResult("s.C", Lookup::Result::UnknownCollection);
}

TEST_F(ManifestLookupTest, DroppedDefaultCollectionIsUnknown) {
    const Manifest manifest =
        Manifest::parse(R"({"uid":"2","scopes":[{"name":"_default","uid":"0","collections":[]}]})");
    EXPECT_EQ(Lookup::Result::UnknownCollection, manifest.lookupCollection(".").result);
    EXPECT_EQ(Lookup::Result::Found, manifest.lookupScope("").result);
}

TEST_F(ManifestLookupTest, ScopePaths) {
    expectScope("s", 9);
    expectScope("s.", 9);
    expectScope("", kDefaultScope);
    expectScope(".", kDefaultScope);
    expectScope("_default", kDefaultScope);
    expectScope("_default.", kDefaultScope);
    expectScope("empty", 0xffffffff);
}

TEST_F(ManifestLookupTest, MalformedOrUnknownScopePaths) {
    expectScopeResult("s.c", Lookup::Result::Invalid);
    expectScopeResult(".c", Lookup::Result::Invalid);
    expectScopeResult("..", Lookup::Result::Invalid);
    expectScopeResult("a b", Lookup::Result::Invalid);
    expectScopeResult("%s", Lookup::Result::Invalid);
    expectScopeResult(longName(kMaxNameLength + 1), Lookup::Result::Invalid);
    expectScopeResult("x", Lookup::Result::UnknownScope);
    expectScopeResult("x.", Lookup::Result::UnknownScope);
    expectScopeResult("_system", Lookup::Result::UnknownScope);
    expectScopeResult("c", Lookup::Result::UnknownScope);
}

// ---- The successor rule and droppedIn ---------------------------------------------------------

class ManifestSuccessorTest : public ::testing::Test {
protected:
    /// `_default` holds `_default` and the `default_collections`; `s` (9) holds the
    /// `s_collections`.
    static Manifest make(std::string_view uid, std::string_view default_collections,
                         std::string_view s_collections, std::string_view s_name = "s") {
        return Manifest::parse(R"({"uid":")" + std::string(uid) +
                               R"(","scopes":[{"name":"_default","uid":"0","collections":[)"
                               R"({"name":"_default","uid":"0"})" +
                               std::string(default_collections) + R"(]},{"name":")" +
                               std::string(s_name) + R"(","uid":"9","collections":[)" +
                               std::string(s_collections) + "]}]}");
    }

    const Manifest current_ = make("5", R"(,{"name":"c","uid":"8"})", R"({"name":"d","uid":"a"})");
};

TEST_F(ManifestSuccessorTest, OlderUidIsRefused) {
    const auto refusal = current_.refuseSuccessor(
        make("3", R"(,{"name":"c","uid":"8"})", R"({"name":"d","uid":"a"})"));
    ASSERT_TRUE(refusal.has_value());
    EXPECT_NE(std::string::npos, refusal->find("0x3")) << *refusal;
    EXPECT_NE(std::string::npos, refusal->find("0x5")) << *refusal;
    EXPECT_TRUE(current_.refuseSuccessor(Manifest()).has_value());
}

TEST_F(ManifestSuccessorTest, EqualUidAndIdenticalIsAccepted) {
    EXPECT_EQ(std::nullopt, current_.refuseSuccessor(current_));
    EXPECT_EQ(std::nullopt, current_.refuseSuccessor(Manifest::parse(current_.toJson())));
    EXPECT_EQ(std::nullopt, Manifest().refuseSuccessor(Manifest()));
}

TEST_F(ManifestSuccessorTest, EqualUidAndDifferentIsRefused) {
    const auto added = current_.refuseSuccessor(make(
        "5", R"(,{"name":"c","uid":"8"},{"name":"e","uid":"b"})", R"({"name":"d","uid":"a"})"));
    ASSERT_TRUE(added.has_value());
    EXPECT_NE(std::string::npos, added->find("0x5")) << *added;
    // A changed maxTTL is a difference too.
    EXPECT_TRUE(current_
                    .refuseSuccessor(make("5", R"(,{"name":"c","uid":"8","maxTTL":9})",
                                          R"({"name":"d","uid":"a"})"))
                    .has_value());
}

TEST_F(ManifestSuccessorTest, RenamedCollectionIsRefused) {
    const auto refusal = current_.refuseSuccessor(
        make("6", R"(,{"name":"c2","uid":"8"})", R"({"name":"d","uid":"a"})"));
    ASSERT_TRUE(refusal.has_value());
    EXPECT_NE(std::string::npos, refusal->find("0x8")) << *refusal;
    EXPECT_NE(std::string::npos, refusal->find("c2")) << *refusal;
}

TEST_F(ManifestSuccessorTest, RenamedScopeIsRefused) {
    const auto refusal = current_.refuseSuccessor(
        make("6", R"(,{"name":"c","uid":"8"})", R"({"name":"d","uid":"a"})", "t"));
    ASSERT_TRUE(refusal.has_value());
    EXPECT_NE(std::string::npos, refusal->find("0x9")) << *refusal;
}

TEST_F(ManifestSuccessorTest, MovedCollectionIsRefused) {
    // `d` (a) moves from `s` to `_default`, keeping its name.
    const auto refusal = current_.refuseSuccessor(
        make("6", R"(,{"name":"c","uid":"8"},{"name":"d","uid":"a"})", ""));
    ASSERT_TRUE(refusal.has_value());
    EXPECT_NE(std::string::npos, refusal->find("0xa")) << *refusal;
}

TEST_F(ManifestSuccessorTest, DropAndAddIsAccepted) {
    // `c` (8) dropped, `e` (b) added to `s`, a new scope `t`.
    const Manifest next = Manifest::parse(
        R"({"uid":"6","scopes":[{"name":"_default","uid":"0","collections":[)"
        R"({"name":"_default","uid":"0"}]},)"
        R"({"name":"s","uid":"9","collections":[{"name":"d","uid":"a"},{"name":"e","uid":"b"}]},)"
        R"({"name":"t","uid":"c","collections":[{"name":"c","uid":"d"}]}]})");
    EXPECT_EQ(std::nullopt, current_.refuseSuccessor(next));
    EXPECT_EQ(std::vector<CollectionId>{8}, current_.droppedIn(next));
    EXPECT_EQ((std::vector<CollectionId>{0xb, 0xd}), next.droppedIn(current_));
    // The bucket's first manifest may hold anything.
    EXPECT_EQ(std::nullopt, Manifest().refuseSuccessor(current_));
}

TEST_F(ManifestSuccessorTest, DroppedScopeAndDefaultCollection) {
    const Manifest next =
        Manifest::parse(R"({"uid":"7","scopes":[{"name":"_default","uid":"0","collections":[)"
                        R"({"name":"c","uid":"8"}]}]})");
    EXPECT_EQ(std::nullopt, current_.refuseSuccessor(next));
    EXPECT_EQ((std::vector<CollectionId>{kDefaultCollection, 0xa}), current_.droppedIn(next));
    EXPECT_TRUE(next.droppedIn(current_).empty());
    EXPECT_TRUE(current_.droppedIn(current_).empty());
    EXPECT_EQ(std::vector<CollectionId>{kDefaultCollection}, Manifest().droppedIn(next));
}

}  // namespace
}  // namespace eddy::collections
