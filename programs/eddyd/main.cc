// eddyd — the eddy server.
//
// Reads the optional JSON config file, applies command-line overrides on top, prepares the
// data directory and serves until SIGTERM or SIGINT. Any error in arguments, configuration or
// start-up is one line on stderr naming the option or file, and a non-zero exit.

#include "common/logging.h"
#include "daemon/server.h"
#include "daemon/settings.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

namespace {

void prepareDataDirectory(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code error;
    fs::create_directories(path, error);
    if (error) {
        throw std::runtime_error(
            fmt::format("data directory '{}': cannot create it: {} "
                        "(choose another with --data-dir)",
                        path, error.message()));
    }
    if (!fs::is_directory(path)) {
        throw std::runtime_error(fmt::format(
            "data directory '{}' exists but is not a directory (choose another with --data-dir)",
            path));
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"eddyd: a key-value server speaking the memcached binary protocol"};
    std::string config_file;
    std::string host;
    int port = -1;
    int threads = -1;
    std::string data_dir;
    std::string port_file;
    int prometheus_port = -1;
    std::string prometheus_port_file;
    int tls_port = -1;
    std::string tls_port_file;
    std::string tls_certificate_chain;
    std::string tls_private_key;
    std::string bucket_config;
    std::string admin_password;
    int verbose = 0;
    app.add_option("--config", config_file, "JSON config file")->check(CLI::ExistingFile);
    app.add_option("--host", host, "address to listen on (default 127.0.0.1)");
    app.add_option("--port", port, "port to listen on, 0 = any free port (default 11210)")
        ->check(CLI::Range(0, 65535));
    app.add_option("--threads", threads, "front-end threads, 0 = one per core (default 0)")
        ->check(CLI::Range(0, 256));
    app.add_option("--data-dir", data_dir, "data directory (default ./data)");
    app.add_option("--port-file", port_file, "write the bound port to this file once listening");
    app.add_option("--prometheus-port", prometheus_port,
                   "serve Prometheus metrics at http://HOST:P/metrics, 0 = any free port "
                   "(default: off)")
        ->check(CLI::Range(0, 65535));
    app.add_option("--prometheus-port-file", prometheus_port_file,
                   "write the Prometheus endpoint's bound port to this file once listening");
    app.add_option("--tls-port", tls_port,
                   "port of the TLS listener, 0 = any free port (default 11207 when a "
                   "certificate is given, else no TLS listener)")
        ->check(CLI::Range(0, 65535));
    app.add_option("--tls-port-file", tls_port_file,
                   "write the TLS listener's bound port to this file once ready");
    app.add_option("--tls-certificate-chain", tls_certificate_chain,
                   "PEM file: the TLS certificate, then its intermediates");
    app.add_option("--tls-private-key", tls_private_key,
                   "PEM file: the private key of the TLS certificate");
    const CLI::Option* bucket_config_option =
        app.add_option("--bucket-config", bucket_config,
                       "bucket parameters as 'key=value;key=value' (replaces the config file's "
                       "\"bucket\"; see docs/configuration.md)");
    app.add_option("--admin-password", admin_password,
                   "password of the user Administrator, set at start-up (default: "
                   "$EDDY_ADMIN_PASSWORD; see docs/security.md)");
    app.add_flag("-v,--verbose", verbose, "more logging (repeat for more)");
    CLI11_PARSE(app, argc, argv);

    eddy::daemon::Settings settings;
    try {
        if (!config_file.empty()) {
            eddy::daemon::loadSettingsFile(config_file, settings);
        }
        if (!host.empty()) {
            settings.host = host;
        }
        if (port >= 0) {
            settings.port = static_cast<uint16_t>(port);
        }
        if (threads >= 0) {
            settings.threads = static_cast<size_t>(threads);
        }
        if (!data_dir.empty()) {
            settings.data_dir = data_dir;
        }
        if (!port_file.empty()) {
            settings.port_file = port_file;
        }
        if (prometheus_port >= 0) {
            settings.prometheus_port = static_cast<uint16_t>(prometheus_port);
        }
        if (!prometheus_port_file.empty()) {
            settings.prometheus_port_file = prometheus_port_file;
        }
        if (tls_port >= 0) {
            settings.tls_port = static_cast<uint16_t>(tls_port);
        }
        if (!tls_port_file.empty()) {
            settings.tls_port_file = tls_port_file;
        }
        if (!tls_certificate_chain.empty()) {
            settings.tls_certificate_chain = tls_certificate_chain;
        }
        if (!tls_private_key.empty()) {
            settings.tls_private_key = tls_private_key;
        }
        if (bucket_config_option->count() > 0) {
            eddy::daemon::applyBucketConfigString(bucket_config, "--bucket-config", settings);
        }
        if (verbose > 0) {
            settings.verbosity = verbose;
        }
        if (admin_password.empty()) {
            if (const char* from_environment = std::getenv("EDDY_ADMIN_PASSWORD")) {
                admin_password = from_environment;
            }
        }
        settings.admin_password = admin_password;
        eddy::logging::initialize(settings.verbosity);
        prepareDataDirectory(settings.data_dir);
        eddy::daemon::Server server(settings);
        return server.run();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "eddyd: %s\n", error.what());
        return 1;
    }
}
