// eddyctl tls — the development certificate: files, modes, refusal to overwrite, and that a
// server and a client accept what it writes.
#include "tls_commands.h"

#include "ctl.h"
#include "security/tls.h"
#include "tool_common.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace eddy::tools::ctl {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class DevCertificateTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("eddyctl-tls-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    /// Runs the whole tool; returns the exit code and fills out_ and err_.
    int run(std::vector<std::string> args) {
        args.insert(args.begin(), "eddyctl");
        std::vector<const char*> argv;
        argv.reserve(args.size());
        for (const auto& arg : args) {
            argv.push_back(arg.c_str());
        }
        std::ostringstream out;
        std::ostringstream err;
        const int code = ctl::run(static_cast<int>(argv.size()), argv.data(), out, err);
        out_ = out.str();
        err_ = err.str();
        return code;
    }

    fs::path dir_;
    std::string out_;
    std::string err_;
};

TEST_F(DevCertificateTest, WritesAPairAServerAndAClientAccept) {
    const fs::path dir = dir_ / "nested" / "tls";
    ASSERT_EQ(run({"tls", "create-dev-certificate", "--dir", dir.string()}), kExitOk) << err_;
    EXPECT_EQ(err_, "");
    const fs::path chain = dir / "chain.pem";
    const fs::path key = dir / "pkey.pem";
    ASSERT_TRUE(fs::exists(chain));
    ASSERT_TRUE(fs::exists(key));
    EXPECT_EQ(fs::status(key).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_NE(readFile(chain).find("BEGIN CERTIFICATE"), std::string::npos);
    EXPECT_NE(readFile(key).find("PRIVATE KEY"), std::string::npos);

    EXPECT_EQ(out_.rfind("wrote " + chain.string() +
                             " (a self-signed certificate for localhost, 127.0.0.1 and ::1, "
                             "valid for 825 days) and " +
                             key.string() + " (its private key)\n",
                         0),
              0u)
        << out_;
    EXPECT_NE(out_.find("\"tls_certificate_chain\": \"" + chain.string() + "\""), std::string::npos)
        << out_;
    EXPECT_NE(out_.find("\"tls_private_key\": \"" + key.string() + "\""), std::string::npos)
        << out_;
    EXPECT_NE(out_.find("--cacert " + chain.string()), std::string::npos) << out_;

    // The key matches the certificate, and the certificate is a CA file a client can load.
    const security::TlsServerContext server({chain.string(), key.string()});
    EXPECT_NE(server.describe().find("CN=localhost"), std::string::npos) << server.describe();
    const security::TlsClientContext client(chain.string());
    EXPECT_NE(client.get(), nullptr);
}

TEST_F(DevCertificateTest, RefusesToOverwriteWithoutForce) {
    ASSERT_EQ(run({"tls", "create-dev-certificate", "--dir", dir_.string()}), kExitOk) << err_;
    const std::string first = readFile(dir_ / "chain.pem");

    ASSERT_EQ(run({"tls", "create-dev-certificate", "--dir", dir_.string()}), kExitFailure);
    EXPECT_EQ(out_, "");
    EXPECT_EQ(err_, "eddyctl: " + (dir_ / "chain.pem").string() +
                        " already exists; nothing written (--force replaces the certificate and "
                        "its key)\n");
    EXPECT_EQ(readFile(dir_ / "chain.pem"), first);

    // Only the key there is enough to refuse too.
    fs::remove(dir_ / "chain.pem");
    ASSERT_EQ(run({"tls", "create-dev-certificate", "--dir", dir_.string()}), kExitFailure);
    EXPECT_NE(err_.find("pkey.pem already exists"), std::string::npos) << err_;
    EXPECT_FALSE(fs::exists(dir_ / "chain.pem"));

    ASSERT_EQ(run({"tls", "create-dev-certificate", "--force", "--dir", dir_.string()}), kExitOk)
        << err_;
    EXPECT_NE(readFile(dir_ / "chain.pem"), first);
    EXPECT_NO_THROW(
        security::TlsServerContext({(dir_ / "chain.pem").string(), (dir_ / "pkey.pem").string()}));
}

TEST_F(DevCertificateTest, UnwritableDirectoryFails) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "file") << "x";
    EXPECT_EQ(run({"tls", "create-dev-certificate", "--dir", (dir_ / "file" / "tls").string()}),
              kExitFailure);
    EXPECT_EQ(err_.rfind("eddyctl: cannot create the directory ", 0), 0u) << err_;
}

TEST(DevCertificateParseTest, Defaults) {
    const DevCertificateCommand command = parseDevCertificateCommand({});
    EXPECT_EQ(command.dir, "./data/tls");
    EXPECT_FALSE(command.force);
    EXPECT_EQ(command.certificateFile(), "./data/tls/chain.pem");
    EXPECT_EQ(command.keyFile(), "./data/tls/pkey.pem");
    EXPECT_THROW((void)parseDevCertificateCommand({"extra"}), UsageError);
}

}  // namespace
}  // namespace eddy::tools::ctl
