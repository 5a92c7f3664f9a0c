// eddy — SCRAM and PLAIN, server and client: the RFC vectors, full exchanges and every refusal.
#include "security/sasl_client.h"
#include "security/sasl_server.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::security {
namespace {

using Kind = SaslOutcome::Kind;

constexpr unsigned kTestIterations = 16;
constexpr std::string_view kProcessSecret = "process secret";
constexpr std::string_view kAuthFailed = "Authentication failed";
constexpr Digest kAllDigests[] = {Digest::Sha512, Digest::Sha256, Digest::Sha1};

/// The SCRAM secrets of `password` with a given salt, as makeUser() would store them.
ScramSecrets secretsFor(Digest digest, std::string_view password, std::string_view salt,
                        unsigned iterations) {
    const std::string salted = pbkdf2(digest, password, salt, iterations);
    ScramSecrets secrets;
    secrets.salt = std::string(salt);
    secrets.iterations = iterations;
    secrets.keys.push_back(
        {hash(digest, hmac(digest, salted, "Client Key")), hmac(digest, salted, "Server Key")});
    return secrets;
}

std::shared_ptr<const PasswordDatabase> databaseWith(std::vector<UserEntry> users) {
    auto database = std::make_shared<PasswordDatabase>();
    for (UserEntry& user : users) {
        database->upsert(std::move(user));
    }
    return database;
}

std::shared_ptr<const PasswordDatabase> aliceDatabase() {
    return databaseWith({makeUser("alice", "secret", kTestIterations)});
}

std::string startPayload(std::string_view user, std::string_view nonce = "clientnonce") {
    return "n,,n=" + std::string(user) + ",r=" + std::string(nonce);
}

// --- the RFC test vectors --------------------------------------------------------------------

struct RfcVector {
    Digest digest;
    std::string_view salt;
    std::string_view client_nonce;
    std::string_view server_nonce;
    std::string_view server_first;
    std::string_view client_final;
    std::string_view server_final;
};

// RFC 7677 section 3 (SCRAM-SHA-256) and RFC 5802 section 5 (SCRAM-SHA-1): user "user",
// password "pencil", 4096 iterations.
const RfcVector kRfc7677 = {
    Digest::Sha256,
    "W22ZaJ0SNY7soEsUEjb6gQ==",
    "rOprNGfwEbeRWgbNEkqO",
    "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

const RfcVector kRfc5802 = {
    Digest::Sha1,
    "QSXCR+Q6sek8bf92",
    "fyko+d2lbbFgONRv9qkxdawL",
    "3rfcNHYJY1ZVvWVs7j",
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};

std::shared_ptr<const PasswordDatabase> rfcDatabase(const RfcVector& vector) {
    UserEntry user;
    user.name = "user";
    ScramSecrets secrets = secretsFor(vector.digest, "pencil", *base64Decode(vector.salt), 4096);
    (vector.digest == Digest::Sha1 ? user.sha1 : user.sha256) = std::move(secrets);
    return databaseWith({std::move(user)});
}

class RfcVectorTest : public ::testing::TestWithParam<RfcVector> {};

TEST_P(RfcVectorTest, ServerFollowsTheVector) {
    const RfcVector& vector = GetParam();
    ScramServer server(vector.digest, rfcDatabase(vector), std::string(kProcessSecret),
                       std::string(vector.server_nonce));
    const SaslOutcome first = server.start(startPayload("user", vector.client_nonce));
    ASSERT_EQ(Kind::Continue, first.kind) << first.reason;
    EXPECT_EQ(vector.server_first, first.payload);
    EXPECT_EQ("user", server.username());

    const SaslOutcome final = server.step(vector.client_final);
    ASSERT_EQ(Kind::Ok, final.kind) << final.reason;
    EXPECT_EQ(vector.server_final, final.payload);
}

TEST_P(RfcVectorTest, ClientFollowsTheVector) {
    const RfcVector& vector = GetParam();
    ScramClient client(vector.digest, "user", "pencil", std::string(vector.client_nonce));
    EXPECT_EQ(startPayload("user", vector.client_nonce), client.clientFirst());
    EXPECT_EQ(std::string(vector.client_final), client.clientFinal(vector.server_first));
    EXPECT_TRUE(client.verifyServerFinal(vector.server_final));
    EXPECT_FALSE(client.verifyServerFinal("v=" + base64Encode(std::string(20, 'x'))));
    EXPECT_FALSE(client.verifyServerFinal("e=other-error"));
}

INSTANTIATE_TEST_SUITE_P(Rfc, RfcVectorTest, ::testing::Values(kRfc7677, kRfc5802),
                         [](const auto& test) {
                             return test.param.digest == Digest::Sha1 ? "Rfc5802Sha1"
                                                                      : "Rfc7677Sha256";
                         });

// --- client against server -------------------------------------------------------------------

struct Exchange {
    SaslOutcome first;
    SaslOutcome final;
    bool server_verified = false;
};

Exchange runScram(Digest digest, std::shared_ptr<const PasswordDatabase> database,
                  std::string_view user, std::string_view password,
                  std::string_view process_secret = kProcessSecret) {
    ScramServer server(digest, std::move(database), std::string(process_secret));
    ScramClient client(digest, std::string(user), std::string(password));
    Exchange exchange;
    exchange.first = server.start(client.clientFirst());
    if (exchange.first.kind != Kind::Continue) {
        return exchange;
    }
    const auto client_final = client.clientFinal(exchange.first.payload);
    EXPECT_TRUE(client_final.has_value());
    exchange.final = server.step(client_final.value_or(""));
    exchange.server_verified = client.verifyServerFinal(exchange.final.payload);
    return exchange;
}

class ScramDigestTest : public ::testing::TestWithParam<Digest> {};

TEST_P(ScramDigestTest, ClientAndServerAgree) {
    const Exchange exchange = runScram(GetParam(), aliceDatabase(), "alice", "secret");
    EXPECT_EQ(Kind::Continue, exchange.first.kind);
    ASSERT_EQ(Kind::Ok, exchange.final.kind) << exchange.final.reason;
    EXPECT_TRUE(exchange.server_verified);
}

TEST_P(ScramDigestTest, WrongPasswordFails) {
    const Exchange exchange = runScram(GetParam(), aliceDatabase(), "alice", "Secret");
    EXPECT_EQ(Kind::AuthFailed, exchange.final.kind);
    EXPECT_EQ("wrong password", exchange.final.reason);
    EXPECT_EQ(kAuthFailed, exchange.final.client_reason);
    EXPECT_TRUE(exchange.final.payload.empty());
    EXPECT_FALSE(exchange.server_verified);
}

TEST_P(ScramDigestTest, UnknownUserLooksLikeAWrongPassword) {
    const Digest digest = GetParam();
    const Exchange wrong = runScram(digest, aliceDatabase(), "alice", "Secret");
    const Exchange ghost = runScram(digest, aliceDatabase(), "ghost", "Secret");
    const Exchange again = runScram(digest, aliceDatabase(), "ghost", "other");
    const Exchange other_process = runScram(digest, aliceDatabase(), "ghost", "x", "other");

    ASSERT_EQ(Kind::Continue, ghost.first.kind);
    EXPECT_EQ(Kind::AuthFailed, ghost.final.kind);
    EXPECT_EQ("unknown user", ghost.final.reason);
    EXPECT_EQ(wrong.final.client_reason, ghost.final.client_reason);
    EXPECT_EQ(kAuthFailed, ghost.final.client_reason);

    // Same shape as a real user's server-first: r=<nonce>,s=<|H| bytes>,i=<count>.
    const auto salt_of = [](const std::string& server_first) {
        const size_t s = server_first.find(",s=");
        const size_t i = server_first.find(",i=");
        return server_first.substr(s + 3, i - s - 3);
    };
    EXPECT_EQ(digestSize(digest), base64Decode(salt_of(ghost.first.payload))->size());
    EXPECT_TRUE(ghost.first.payload.ends_with(",i=" + std::to_string(kDefaultIterations)));
    EXPECT_EQ(salt_of(ghost.first.payload), salt_of(again.first.payload));
    EXPECT_NE(salt_of(ghost.first.payload), salt_of(other_process.first.payload));
    EXPECT_NE(salt_of(ghost.first.payload), salt_of(wrong.first.payload));
}

TEST_P(ScramDigestTest, AnyOfSeveralKeysMatches) {
    const Digest digest = GetParam();
    UserEntry user = makeUser("alice", "old", kTestIterations);
    ScramSecrets& secrets = digest == Digest::Sha1     ? *user.sha1
                            : digest == Digest::Sha256 ? *user.sha256
                                                       : *user.sha512;
    secrets.keys.push_back(secretsFor(digest, "new", secrets.salt, kTestIterations).keys[0]);
    const auto database = databaseWith({user});
    EXPECT_EQ(Kind::Ok, runScram(digest, database, "alice", "old").final.kind);
    const Exchange fresh = runScram(digest, database, "alice", "new");
    EXPECT_EQ(Kind::Ok, fresh.final.kind);
    EXPECT_TRUE(fresh.server_verified);
    EXPECT_EQ(Kind::AuthFailed, runScram(digest, database, "alice", "neither").final.kind);
}

TEST_P(ScramDigestTest, ExpiredPasswordFails) {
    UserEntry expired = makeUser("alice", "secret", kTestIterations);
    expired.expiry = 1;
    const Exchange exchange = runScram(GetParam(), databaseWith({expired}), "alice", "secret");
    EXPECT_EQ(Kind::AuthFailed, exchange.final.kind);
    EXPECT_EQ("password expired", exchange.final.reason);

    UserEntry valid = makeUser("alice", "secret", kTestIterations);
    valid.expiry = 4102444800;  // 2100-01-01
    EXPECT_EQ(Kind::Ok, runScram(GetParam(), databaseWith({valid}), "alice", "secret").final.kind);
}

TEST_P(ScramDigestTest, MechanismNames) {
    const Digest digest = GetParam();
    ScramServer server(digest, aliceDatabase(), std::string(kProcessSecret));
    EXPECT_EQ(scramMechanismName(digest), server.name());
    const auto made = makeServerMechanism(scramMechanismName(digest), aliceDatabase(), "x");
    ASSERT_NE(nullptr, made);
    EXPECT_EQ(scramMechanismName(digest), made->name());
}

INSTANTIATE_TEST_SUITE_P(AllDigests, ScramDigestTest, ::testing::ValuesIn(kAllDigests),
                         [](const auto& test) {
                             std::string name(scramMechanismName(test.param));
                             return name.substr(name.find('-') + 1);
                         });

TEST(ScramServerTest, UserWithoutSecretsForTheDigestFails) {
    UserEntry user = makeUser("alice", "secret", kTestIterations);
    user.sha1.reset();
    const Exchange exchange = runScram(Digest::Sha1, databaseWith({user}), "alice", "secret");
    ASSERT_EQ(Kind::Continue, exchange.first.kind);
    EXPECT_EQ(Kind::AuthFailed, exchange.final.kind);
    EXPECT_EQ("no SCRAM-SHA1 secrets for the user", exchange.final.reason);
    EXPECT_EQ(kAuthFailed, exchange.final.client_reason);
}

TEST(ScramServerTest, UsesARandomServerNonce) {
    ScramServer a(Digest::Sha256, aliceDatabase(), std::string(kProcessSecret));
    ScramServer b(Digest::Sha256, aliceDatabase(), std::string(kProcessSecret));
    const std::string first_a = a.start(startPayload("alice", "abc")).payload;
    const std::string first_b = b.start(startPayload("alice", "abc")).payload;
    EXPECT_NE(first_a, first_b);
    // "r=abc" + base64 of 24 bytes.
    EXPECT_EQ(5u + 32u, first_a.find(",s="));
}

TEST(ScramServerTest, UnescapesTheUserName) {
    ScramClient client(Digest::Sha256, "a,b=c", "x", "nonce");
    EXPECT_EQ("n,,n=a=2Cb=3Dc,r=nonce", client.clientFirst());
    ScramServer server(Digest::Sha256, aliceDatabase(), std::string(kProcessSecret));
    EXPECT_EQ(Kind::Continue, server.start(client.clientFirst()).kind);
    EXPECT_EQ("a,b=c", server.username());
}

TEST(ScramServerTest, AcceptsAnAuthzidNamingTheUser) {
    ScramServer server(Digest::Sha256, aliceDatabase(), std::string(kProcessSecret));
    EXPECT_EQ(Kind::Continue, server.start("n,a=alice,n=alice,r=abc").kind);
}

TEST(ScramServerTest, WorksWithoutADatabase) {
    const Exchange exchange = runScram(Digest::Sha512, nullptr, "alice", "secret");
    EXPECT_EQ(Kind::Continue, exchange.first.kind);
    EXPECT_EQ(Kind::AuthFailed, exchange.final.kind);
    EXPECT_EQ("unknown user", exchange.final.reason);
}

// --- malformed SCRAM input -------------------------------------------------------------------

TEST(ScramServerTest, MalformedClientFirstIsBadParam) {
    const std::string oversized = startPayload("alice", std::string(kMaxSaslPayload, 'x'));
    const std::string_view cases[] = {
        "",
        "n",
        "n,",
        "n,,",
        "y,,n=alice,r=abc",             // channel binding supported by the client
        "p=tls-unique,,n=alice,r=abc",  // channel binding required
        "x,,n=alice,r=abc",             // unknown gs2 flag
        "n,,r=abc",                     // no n
        "n,,n=alice",                   // no r
        "n,,r=abc,n=alice",             // r before n
        "n,,n=alice,n=alice,r=abc",     // n twice
        "n,,n=alice,r=abc,r=abc",       // r twice
        "n,,m=ext,n=alice,r=abc",       // mandatory extension
        "n,,n=alice,r=abc,x=1",         // extension
        "n,,n=alice,r=abc,",            // trailing comma
        "n,,nn=alice,r=abc",            // key longer than one character
        "n,,n=ali=ce,r=abc",            // bad escape
        "n,,n=ali=2ce,r=abc",           // lower-case escape
        "n,,n=alice=2,r=abc",           // truncated escape
        "n,,n=,r=abc",                  // empty user
        "n,,n=alice,r=",                // empty nonce
        "n,,n=alice,r=a\tb",            // tab in the nonce
        "n,,n=alice,r=a\x7f",           // DEL in the nonce
        "n,a=bob,n=alice,r=abc",        // acting as someone else
        "n,bob,n=alice,r=abc",          // authzid without a=
        std::string_view("n,,n=al\0ce,r=abc", 16),
        oversized,
    };
    for (std::string_view payload : cases) {
        ScramServer server(Digest::Sha256, aliceDatabase(), std::string(kProcessSecret), "srv");
        const SaslOutcome outcome = server.start(payload);
        EXPECT_EQ(Kind::BadParam, outcome.kind) << '"' << payload << '"';
        EXPECT_FALSE(outcome.reason.empty());
        EXPECT_TRUE(outcome.payload.empty());
        EXPECT_EQ(Kind::BadParam, server.step("c=biws,r=abcsrv,p=AAAA").kind);
    }
}

TEST(ScramServerTest, AcceptsTheCouchbaseSdksNonceWithSpaces) {
    // What the Couchbase C++ SDK 1.3 sends: outside RFC 5802's `printable`, accepted by
    // kv_engine, so accepted here.
    const std::string nonce = "0xffffffbc 0xffffffa9 0x1d 0x2d";
    ScramServer server(Digest::Sha512, aliceDatabase(), std::string(kProcessSecret));
    ScramClient client(Digest::Sha512, "alice", "secret", nonce);
    const SaslOutcome first = server.start(client.clientFirst());
    ASSERT_EQ(Kind::Continue, first.kind) << first.reason;
    const auto client_final = client.clientFinal(first.payload);
    ASSERT_TRUE(client_final.has_value());
    const SaslOutcome final = server.step(*client_final);
    ASSERT_EQ(Kind::Ok, final.kind) << final.reason;
    EXPECT_TRUE(client.verifyServerFinal(final.payload));
}

TEST(ScramServerTest, MalformedClientFinalIsBadParam) {
    const std::string nonce = "clientnonceserver";
    const std::string proof = base64Encode(std::string(32, 'p'));
    const std::string short_proof = base64Encode(std::string(31, 'p'));
    const std::string prefix = "c=biws,r=" + nonce;
    const std::string cases[] = {
        "",
        prefix,                                                      // no p
        "r=" + nonce + ",p=" + proof,                                // no c
        "c=biws,p=" + proof,                                         // no r
        "c=biws,r=clientnonceserveR,p=" + proof,                     // wrong nonce
        "c=biws,r=clientnonce,p=" + proof,                           // only the client nonce
        "c=biws,r=" + nonce + "x,p=" + proof,                        // longer nonce
        prefix + ",p=" + proof.substr(1),                            // proof not base64
        prefix + ",p=",                                              // empty proof
        prefix + ",p=" + short_proof,                                // proof too short
        prefix + ",p=" + base64Encode(std::string(64, 'p')),         // proof too long
        prefix + ",x=1,p=" + proof,                                  // extension
        prefix + ",r=" + nonce + ",p=" + proof,                      // r twice
        "c=biws,c=biws,r=" + nonce + ",p=" + proof,                  // c twice
        prefix + ",p=" + proof + ",p=" + proof,                      // p twice
        "c=b!ws,r=" + nonce + ",p=" + proof,                         // c not base64
        "r=" + nonce + ",c=biws,p=" + proof,                         // out of order
        prefix + ",p=" + proof + std::string(kMaxSaslPayload, 'A'),  // oversized
    };
    for (const std::string& payload : cases) {
        ScramServer server(Digest::Sha256, aliceDatabase(), std::string(kProcessSecret), "server");
        ASSERT_EQ(Kind::Continue, server.start(startPayload("alice")).kind);
        const SaslOutcome outcome = server.step(payload);
        EXPECT_EQ(Kind::BadParam, outcome.kind) << '"' << payload << '"';
        EXPECT_FALSE(outcome.reason.empty());
        EXPECT_EQ(Kind::BadParam, server.step(payload).kind);
    }
}

TEST(ScramServerTest, StepsOutOfOrderAreBadParam) {
    {
        ScramServer server(Digest::Sha1, aliceDatabase(), std::string(kProcessSecret));
        EXPECT_EQ(Kind::BadParam, server.step("c=biws,r=x,p=AAAA").kind);
    }
    {
        ScramServer server(Digest::Sha1, aliceDatabase(), std::string(kProcessSecret));
        ASSERT_EQ(Kind::Continue, server.start(startPayload("alice")).kind);
        EXPECT_EQ(Kind::BadParam, server.start(startPayload("alice")).kind);
    }
    for (std::string_view password : {"secret", "wrong"}) {
        ScramServer server(Digest::Sha1, aliceDatabase(), std::string(kProcessSecret));
        ScramClient client(Digest::Sha1, "alice", std::string(password));
        const SaslOutcome first = server.start(client.clientFirst());
        const std::string final = client.clientFinal(first.payload).value();
        EXPECT_NE(Kind::BadParam, server.step(final).kind);
        EXPECT_EQ(Kind::BadParam, server.step(final).kind);
        EXPECT_EQ(Kind::BadParam, server.start(client.clientFirst()).kind);
    }
}

// --- the client's own checks -----------------------------------------------------------------

TEST(ScramClientTest, RefusesABadServerFirst) {
    const std::string salt = base64Encode("salt");
    const std::string cases[] = {
        "r=othernonce,s=" + salt + ",i=16",        // does not extend our nonce
        "r=mynonceX,s=" + salt + ",i=0",           // zero iterations
        "r=mynonceX,s=" + salt + ",i=-1",          // negative iterations
        "r=mynonceX,s=" + salt + ",i=4294967296",  // overflow
        "r=mynonceX,s=" + salt + ",i=",            // empty
        "r=mynonceX,s=" + salt + ",i=1x",          // not a number
        "r=mynonceX,s=!!!!,i=16",                  // salt not base64
        "r=mynonceX,i=16,s=" + salt,               // out of order
        "m=ext,r=mynonceX,s=" + salt + ",i=16",    // mandatory extension
        "r=mynonceX,s=" + salt + ",i=16,x=1",      // extension
        "r=mynonceX,s=" + salt + ",i=16,",         // trailing comma
        std::string(),
    };
    for (const std::string& server_first : cases) {
        ScramClient client(Digest::Sha256, "alice", "secret", "mynonce");
        EXPECT_FALSE(client.clientFinal(server_first).has_value()) << server_first;
        EXPECT_FALSE(client.verifyServerFinal("v=AAAA"));
    }
}

TEST(ScramClientTest, UsesARandomNonce) {
    ScramClient a(Digest::Sha256, "alice", "secret");
    ScramClient b(Digest::Sha256, "alice", "secret");
    EXPECT_NE(a.clientFirst(), b.clientFirst());
    EXPECT_EQ(std::string("n,,n=alice,r=").size() + 32, a.clientFirst().size());
}

// --- PLAIN -----------------------------------------------------------------------------------

SaslOutcome plain(std::string_view payload,
                  std::shared_ptr<const PasswordDatabase> database = aliceDatabase()) {
    PlainServer server(std::move(database));
    return server.start(payload);
}

TEST(PlainServerTest, Succeeds) {
    const SaslOutcome outcome = plain(plainPayload("alice", "secret"));
    EXPECT_EQ(Kind::Ok, outcome.kind) << outcome.reason;
    EXPECT_TRUE(outcome.payload.empty());
    EXPECT_EQ(Kind::Ok, plain(std::string("alice\0alice\0secret", 18)).kind);
    EXPECT_EQ(Kind::Ok, plain(plainPayload("alice", "secret") + '\0').kind);
}

TEST(PlainServerTest, WrongPasswordAndUnknownUserFailAlike) {
    const SaslOutcome wrong = plain(plainPayload("alice", "Secret"));
    const SaslOutcome unknown = plain(plainPayload("ghost", "secret"));
    EXPECT_EQ(Kind::AuthFailed, wrong.kind);
    EXPECT_EQ(Kind::AuthFailed, unknown.kind);
    EXPECT_EQ("wrong password", wrong.reason);
    EXPECT_EQ("unknown user", unknown.reason);
    EXPECT_EQ(kAuthFailed, wrong.client_reason);
    EXPECT_EQ(wrong.client_reason, unknown.client_reason);
    EXPECT_EQ(Kind::AuthFailed, plain(plainPayload("alice", "secret"), nullptr).kind);
}

TEST(PlainServerTest, ExpiredPasswordFails) {
    UserEntry user = makeUser("alice", "secret", kTestIterations);
    user.expiry = 1;
    const SaslOutcome outcome = plain(plainPayload("alice", "secret"), databaseWith({user}));
    EXPECT_EQ(Kind::AuthFailed, outcome.kind);
    EXPECT_EQ("password expired", outcome.reason);
}

TEST(PlainServerTest, MalformedPayloadIsBadParam) {
    using namespace std::string_literals;
    for (const std::string& payload : {
             ""s,
             "alice"s,
             "\0alice"s,
             "\0\0secret"s,           // empty user
             "bob\0alice\0secret"s,   // acting as someone else
             "\0alice\0sec\0ret"s,    // a third NUL inside
             "\0alice\0secret\0\0"s,  // two trailing NULs
             "\0alice\0"s + std::string(kMaxSaslPayload, 'x'),
         }) {
        EXPECT_EQ(Kind::BadParam, plain(payload).kind) << payload;
    }
}

TEST(PlainServerTest, IsOneStep) {
    PlainServer server(aliceDatabase());
    EXPECT_EQ(Kind::BadParam, server.step(plainPayload("alice", "secret")).kind);
    PlainServer again(aliceDatabase());
    EXPECT_EQ(Kind::Ok, again.start(plainPayload("alice", "secret")).kind);
    EXPECT_EQ("alice", again.username());
    EXPECT_EQ(Kind::BadParam, again.start(plainPayload("alice", "secret")).kind);
    EXPECT_EQ(Kind::BadParam, again.step({}).kind);
    EXPECT_EQ("PLAIN", again.name());
}

// --- the factory -----------------------------------------------------------------------------

TEST(SaslMechanismsTest, FactoryKnowsEveryAdvertisedName) {
    EXPECT_EQ("SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN", allMechanisms());
    for (std::string_view name : {"SCRAM-SHA512", "SCRAM-SHA256", "SCRAM-SHA1", "PLAIN"}) {
        const auto mechanism = makeServerMechanism(name, aliceDatabase(), "secret");
        ASSERT_NE(nullptr, mechanism) << name;
        EXPECT_EQ(name, mechanism->name());
        EXPECT_TRUE(mechanism->username().empty());
    }
    for (std::string_view name : {"", "SCRAM-SHA-256", "scram-sha256", "OAUTHBEARER", "CRAM-MD5"}) {
        EXPECT_EQ(nullptr, makeServerMechanism(name, aliceDatabase(), "secret")) << name;
    }
}

}  // namespace
}  // namespace eddy::security
