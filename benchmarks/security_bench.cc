// eddy — what access control costs: the privilege check every command pays, and the work of
// one SASL login at the default iteration count, on each side.
//
//   build/release/benchmarks/eddy_security_bench
#include "eddy/privilege.h"
#include "protocol/opcode.h"
#include "security/password_database.h"
#include "security/rbac_database.h"
#include "security/sasl_client.h"
#include "security/sasl_server.h"

#include <benchmark/benchmark.h>

#include <memory>

namespace {

using namespace eddy;

/// The per-command check: the opcode's Access column, tested against a cached privilege set.
void BM_PrivilegeCheck(benchmark::State& state) {
    const PrivilegeSet held = PrivilegeSet::allOfLevel(true);
    uint8_t opcode = 0;
    for (auto _ : state) {
        const Access access = mcbp::requiredAccess(opcode);
        benchmark::DoNotOptimize(access.missing(held));
        opcode = static_cast<uint8_t>(opcode + 1);
    }
}
BENCHMARK(BM_PrivilegeCheck);

/// Recomputing a connection's privileges after an RBAC refresh (once per connection).
void BM_PrivilegeContext(benchmark::State& state) {
    security::RbacDatabase rbac;
    security::RbacUser user;
    user.buckets["default"] = PrivilegeSet::allOfLevel(true);
    rbac.upsert("alice", user);
    for (auto _ : state) {
        benchmark::DoNotOptimize(rbac.privileges("alice", std::string_view("default")));
    }
}
BENCHMARK(BM_PrivilegeContext);

std::shared_ptr<const security::PasswordDatabase> database() {
    static const auto kDatabase = [] {
        auto passwords = std::make_shared<security::PasswordDatabase>();
        passwords->upsert(security::makeUser("alice", "secret"));
        return passwords;
    }();
    return kDatabase;
}

/// The server's share of a SCRAM-SHA512 login (stored keys: HMACs and hashes only).
void BM_ScramSha512Server(benchmark::State& state) {
    security::ScramClient client(security::Digest::Sha512, "alice", "secret");
    security::ScramServer probe(security::Digest::Sha512, database(), "secret-of-process");
    const auto first = probe.start(client.clientFirst());
    const auto final_message = client.clientFinal(first.payload);
    for (auto _ : state) {
        security::ScramServer server(security::Digest::Sha512, database(), "secret-of-process");
        const auto challenge = server.start(client.clientFirst());
        benchmark::DoNotOptimize(challenge);
        // The client's proof depends on the server nonce, so this step fails; it still does the
        // server's whole verification, which is what is measured.
        benchmark::DoNotOptimize(server.step(*final_message));
    }
}
BENCHMARK(BM_ScramSha512Server)->Unit(benchmark::kMicrosecond);

/// The client's share: PBKDF2-HMAC-SHA512 at the default 15,000 iterations.
void BM_ScramSha512Client(benchmark::State& state) {
    security::ScramServer server(security::Digest::Sha512, database(), "secret-of-process");
    for (auto _ : state) {
        security::ScramClient client(security::Digest::Sha512, "alice", "secret");
        const auto first = server.start(client.clientFirst());
        benchmark::DoNotOptimize(client.clientFinal(first.payload));
        state.PauseTiming();
        server = security::ScramServer(security::Digest::Sha512, database(), "secret-of-process");
        state.ResumeTiming();
    }
}
BENCHMARK(BM_ScramSha512Client)->Unit(benchmark::kMillisecond);

/// PLAIN on the server: one PBKDF2-HMAC-SHA512 at 15,000 iterations per login.
void BM_PlainServer(benchmark::State& state) {
    for (auto _ : state) {
        security::PlainServer server(database());
        benchmark::DoNotOptimize(server.start(security::plainPayload("alice", "secret")));
    }
}
BENCHMARK(BM_PlainServer)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
