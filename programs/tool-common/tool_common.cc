// eddy — code the command-line tools share (see tool_common.h).
#include "tool_common.h"

#include "common/errno_string.h"
#include "protocol/status.h"

#include <fmt/format.h>
#include <termios.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace eddy::tools {

std::string promptSecret(const std::string& prompt) {
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return {};
    }
    termios saved{};
    const bool is_tty = ::tcgetattr(fd, &saved) == 0;
    if (is_tty) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    (void)::write(fd, prompt.data(), prompt.size());
    std::string line;
    char c = 0;
    while (::read(fd, &c, 1) == 1 && c != '\n') {
        line += c;
    }
    if (is_tty) {
        ::tcsetattr(fd, TCSAFLUSH, &saved);
        (void)::write(fd, "\n", 1);
    }
    ::close(fd);
    return line;
}

void configureApp(CLI::App& app, std::string& server) {
    app.set_help_flag("--help", "print this help and exit");
    app.add_option("-h,--host", server,
                   fmt::format("server as host:port (default {})", kDefaultServer));
}

std::optional<int> parseApp(CLI::App& app, int argc, const char* const* argv, std::ostream& out,
                            std::ostream& err) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error, out, err);
        return code == 0 ? kExitOk : kExitUsage;
    }
    return std::nullopt;
}

client::Endpoint parseServer(std::string_view text) {
    try {
        return client::parseEndpoint(text);
    } catch (const std::invalid_argument& error) {
        throw UsageError(fmt::format("-h {}", error.what()));
    }
}

uint64_t parseUnsigned(std::string_view text, uint64_t max, std::string_view what) {
    uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc() || stop != end || value > max) {
        throw UsageError(fmt::format("{}: '{}' is not a number from 0 to {}", what, text, max));
    }
    return value;
}

nlohmann::json statValueToJson(std::string_view value) {
    const bool negative = !value.empty() && value.front() == '-';
    const std::string_view digits = negative ? value.substr(1) : value;
    if (digits.empty() || (digits.size() > 1 && digits.front() == '0') ||
        (negative && digits == "0")) {
        return std::string(value);
    }
    const char* end = value.data() + value.size();
    if (negative) {
        int64_t number = 0;
        const auto [stop, error] = std::from_chars(value.data(), end, number);
        if (error == std::errc() && stop == end) {
            return number;
        }
    } else {
        uint64_t number = 0;
        const auto [stop, error] = std::from_chars(value.data(), end, number);
        if (error == std::errc() && stop == end) {
            return number;
        }
    }
    return std::string(value);
}

nlohmann::ordered_json statRowsToJson(const StatRows& rows) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (const auto& [key, value] : rows) {
        object[key] = statValueToJson(value);
    }
    return object;
}

size_t displayWidth(std::string_view text) {
    size_t width = 0;
    for (const char c : text) {
        // Count every byte but UTF-8 continuation bytes (10xxxxxx).
        if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) {
            ++width;
        }
    }
    return width;
}

std::string padRight(std::string_view text, size_t width) {
    std::string out(text);
    const size_t have = displayWidth(text);
    if (have < width) {
        out.append(width - have, ' ');
    }
    return out;
}

std::string padLeft(std::string_view text, size_t width) {
    const size_t have = displayWidth(text);
    std::string out(have < width ? width - have : 0, ' ');
    out += text;
    return out;
}

std::string formatTable(const StatRows& rows) {
    size_t width = 0;
    for (const auto& row : rows) {
        width = std::max(width, displayWidth(row.first));
    }
    std::string out;
    for (const auto& [key, value] : rows) {
        if (value.empty()) {
            out += key;
        } else {
            out += padRight(key, width);
            out += ' ';
            out += value;
        }
        out += '\n';
    }
    return out;
}

std::string statusText(const client::Packet& response) {
    if (const auto name = mcbp::statusName(response.status())) {
        return std::string(*name);
    }
    return fmt::format("status 0x{:04x}", response.header.vbucket_or_status);
}

std::string errorContext(const client::Packet& response) {
    const std::string& body = response.value;
    if (body.empty()) {
        return {};
    }
    const auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
        const auto& error = parsed["error"];
        std::string text;
        if (error.contains("context") && error["context"].is_string()) {
            text = error["context"].get<std::string>();
        }
        if (error.contains("ref") && error["ref"].is_string()) {
            text +=
                fmt::format("{}ref {}", text.empty() ? "" : ", ", error["ref"].get<std::string>());
        }
        return text;
    }
    if (body.size() > 1024) {
        return {};
    }
    for (const char c : body) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 && c != '\n' && c != '\t') {
            return {};
        }
    }
    return body;
}

std::string describeError(const client::Packet& response) {
    std::string text = statusText(response);
    if (const std::string context = errorContext(response); !context.empty()) {
        text += fmt::format(" ({})", context);
    }
    return text;
}

StatsReply fetchStats(client::Connection& connection, std::string_view key) {
    client::Request request{.opcode = mcbp::ClientOpcode::Stat, .key = std::string(key)};
    request.opaque = connection.nextOpaque();
    const uint32_t opaque = request.opaque;
    StatsReply reply;
    client::Packet response = connection.execute(std::move(request), kToolTimeout);
    const auto deadline = std::chrono::steady_clock::now() + kToolTimeout;
    while (true) {
        if (response.status() != mcbp::ResponseStatus::Success) {
            reply.rows.clear();
            reply.failure = std::move(response);
            return reply;
        }
        if (response.key.empty()) {
            return reply;
        }
        reply.rows.emplace_back(std::move(response.key), std::move(response.value));
        // The rest of the group shares the first response's opaque; nothing else is in flight.
        while (true) {
            const auto left = std::chrono::duration_cast<client::Connection::Milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto packet = connection.receive(std::max(left, client::Connection::Milliseconds{0}));
            if (!packet) {
                throw client::Error(fmt::format("{}: STAT '{}' did not complete within {} ms",
                                                connection.peer(), key, kToolTimeout.count()));
            }
            if (packet->isResponse() && packet->header.opaque == opaque &&
                packet->header.opcode == static_cast<uint8_t>(mcbp::ClientOpcode::Stat)) {
                response = std::move(*packet);
                break;
            }
        }
    }
}

void addLoginOptions(CLI::App& app, Login& login) {
    app.add_option("-u,--user", login.user,
                   "user to log in as (default: $EDDY_USER; none: no login)");
    app.add_option("-P,--password", login.password,
                   "password (default: $EDDY_PASSWORD, else asked for on the terminal)");
}

void resolveLogin(Login& login) {
    const auto env = [](const char* name) {
        const char* value = std::getenv(name);
        return value == nullptr ? std::string() : std::string(value);
    };
    if (login.user.empty()) {
        login.user = env("EDDY_USER");
    }
    if (login.user.empty() || !login.password.empty()) {
        return;
    }
    login.password = env("EDDY_PASSWORD");
    if (login.password.empty()) {
        login.password = promptSecret(fmt::format("password for {}: ", login.user));
    }
    if (login.password.empty()) {
        throw UsageError(
            fmt::format("-u {}: no password (give -P, set EDDY_PASSWORD, or run on "
                        "a terminal to be asked)",
                        login.user));
    }
}

void addTlsOptions(CLI::App& app, TlsFlags& flags) {
    app.add_flag("--tls", flags.tls,
                 "connect with TLS, verifying the server's certificate against the system's "
                 "trusted CAs (the server's TLS port is usually 11207: -h host:11207)");
    app.add_option("--cacert", flags.ca_file,
                   "with TLS, verify the server's certificate against the CA certificates in "
                   "this PEM file (implies --tls)")
        ->type_name("FILE");
}

std::optional<client::TlsOptions> resolveTls(const TlsFlags& flags) {
    if (!flags.tls && flags.ca_file.empty()) {
        return std::nullopt;
    }
    if (!flags.ca_file.empty()) {
        const int fd = ::open(flags.ca_file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            throw UsageError(fmt::format("--cacert {}: {}", flags.ca_file, errnoString(errno)));
        }
        ::close(fd);
    }
    return client::TlsOptions{.ca_file = flags.ca_file};
}

client::Connection connectTool(const client::Endpoint& server,
                               const std::optional<client::TlsOptions>& tls, std::string_view agent,
                               const Login& login, std::string_view bucket) {
    client::Connection connection(server, kToolTimeout, tls);
    try {
        (void)connection.hello({mcbp::Feature::Xerror}, std::string(agent), kToolTimeout);
    } catch (const client::StatusError&) {
        // A server without HELLO still answers the commands; errors just carry no context.
    }
    if (!login.user.empty()) {
        connection.authenticate(login.user, login.password, "SCRAM-SHA512", kToolTimeout);
        if (!bucket.empty()) {
            connection.selectBucket(bucket, kToolTimeout);
        }
    }
    return connection;
}

}  // namespace eddy::tools
