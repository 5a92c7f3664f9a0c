// eddyctl user — the user commands (user_commands.h).
#include "user_commands.h"

#include "security/password_database.h"
#include "security/rbac_database.h"
#include "tool_common.h"

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

namespace eddy::tools::ctl {

namespace {

constexpr std::string_view kUserUsage =
    "user add USER [--password PW] [--bucket NAME=PRIV,...]... [--global PRIV,...] | "
    "user passwd USER [--password PW] | user del USER | user list";

/// "Read,Upsert" or "all" → the set, each name checked against its level.
PrivilegeSet parsePrivileges(std::string_view text, bool per_bucket, std::string_view what) {
    PrivilegeSet set;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view name = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (auto problem = security::addPrivilegeByName(set, name, per_bucket)) {
            throw UsageError(fmt::format("{}: {}", what, *problem));
        }
    }
    return set;
}

std::string newPassword(const std::string& given, const std::string& user) {
    if (!given.empty()) {
        return given;
    }
    if (const char* from_environment = std::getenv("EDDY_NEW_PASSWORD")) {
        if (*from_environment != '\0') {
            return from_environment;
        }
    }
    std::string first = promptSecret(fmt::format("new password for {}: ", user));
    if (first.empty()) {
        throw UsageError(
            "no password: give --password, set EDDY_NEW_PASSWORD, or run on a "
            "terminal to be asked");
    }
    if (promptSecret("again: ") != first) {
        throw UsageError("the two passwords differ");
    }
    return first;
}

/// Reads the options after `user add|passwd USER`.
void parseOptions(const std::vector<std::string>& words, size_t first, UserCommand& command,
                  std::string& password) {
    for (size_t i = first; i < words.size(); ++i) {
        const std::string& option = words[i];
        if (i + 1 >= words.size()) {
            throw UsageError(fmt::format("{} needs a value; usage: {}", option, kUserUsage));
        }
        const std::string& value = words[++i];
        if (option == "--password") {
            password = value;
        } else if (option == "--bucket" && command.kind == UserCommand::Kind::Add) {
            const auto equals = value.find('=');
            if (equals == std::string::npos || equals == 0) {
                throw UsageError(fmt::format("--bucket {}: expected NAME=PRIV,PRIV", value));
            }
            command.buckets[value.substr(0, equals)] = parsePrivileges(
                std::string_view(value).substr(equals + 1), true, "--bucket " + value);
        } else if (option == "--global" && command.kind == UserCommand::Kind::Add) {
            command.global = parsePrivileges(value, false, "--global " + value);
        } else {
            throw UsageError(fmt::format("unknown option '{}'; usage: {}", option, kUserUsage));
        }
    }
}

template <class Database>
Database loadOrFail(const std::string& path) {
    try {
        return Database::load(path);
    } catch (const std::exception& error) {
        throw std::runtime_error(error.what());
    }
}

}  // namespace

UserCommand parseUserCommand(const std::vector<std::string>& words) {
    if (words.empty()) {
        throw UsageError(fmt::format("missing user command; usage: {}", kUserUsage));
    }
    UserCommand command;
    const std::string& verb = words[0];
    if (verb == "list") {
        if (words.size() != 1) {
            throw UsageError(fmt::format("too many arguments; usage: {}", kUserUsage));
        }
        return command;
    }
    if (verb == "add") {
        command.kind = UserCommand::Kind::Add;
    } else if (verb == "passwd") {
        command.kind = UserCommand::Kind::Passwd;
    } else if (verb == "del") {
        command.kind = UserCommand::Kind::Delete;
    } else {
        throw UsageError(fmt::format("unknown user command '{}'; usage: {}", verb, kUserUsage));
    }
    if (words.size() < 2) {
        throw UsageError(fmt::format("missing USER; usage: {}", kUserUsage));
    }
    command.user = words[1];
    if (!security::isValidUsername(command.user)) {
        throw UsageError(
            fmt::format("'{}' is not a valid user name (docs/security.md)", command.user));
    }
    if (command.kind == UserCommand::Kind::Delete) {
        if (words.size() != 2) {
            throw UsageError(fmt::format("too many arguments; usage: {}", kUserUsage));
        }
        return command;
    }
    std::string password;
    parseOptions(words, 2, command, password);
    command.password = newPassword(password, command.user);
    return command;
}

std::string applyUserCommand(const UserCommand& command, const UserFiles& files) {
    auto passwords = loadOrFail<security::PasswordDatabase>(files.passwords);
    auto rbac = loadOrFail<security::RbacDatabase>(files.rbac);
    const auto save = [&] {
        try {
            passwords.save(files.passwords);
            rbac.save(files.rbac);
        } catch (const std::exception& error) {
            throw std::runtime_error(error.what());
        }
    };
    switch (command.kind) {
    case UserCommand::Kind::List: {
        std::string text;
        for (const std::string& name : rbac.names()) {
            const security::RbacUser* user = rbac.find(name);
            text += fmt::format("{}  global: {}", name,
                                user->global.empty() ? "-" : security::describe(user->global));
            for (const auto& [bucket, set] : user->buckets) {
                text +=
                    fmt::format("  {}: {}", bucket, set.empty() ? "-" : security::describe(set));
            }
            text += passwords.find(name) == nullptr ? "  (no password: cannot log in)\n" : "\n";
        }
        return text;
    }
    case UserCommand::Kind::Add: {
        if (passwords.find(command.user) != nullptr || rbac.find(command.user) != nullptr) {
            throw std::runtime_error(fmt::format(
                "user '{}' exists (change its password with 'user passwd')", command.user));
        }
        passwords.upsert(security::makeUser(command.user, command.password));
        security::RbacUser user;
        user.global = command.global;
        for (const auto& [bucket, set] : command.buckets) {
            user.buckets[bucket] = set;
        }
        rbac.upsert(command.user, user);
        save();
        return fmt::format("user {} added", command.user);
    }
    case UserCommand::Kind::Passwd:
        if (passwords.find(command.user) == nullptr) {
            throw std::runtime_error(fmt::format("no user '{}'", command.user));
        }
        passwords.upsert(security::makeUser(command.user, command.password));
        save();
        return fmt::format("password of {} changed", command.user);
    case UserCommand::Kind::Delete: {
        const bool had_password = passwords.remove(command.user);
        const bool had_roles = rbac.remove(command.user);
        if (!had_password && !had_roles) {
            throw std::runtime_error(fmt::format("no user '{}'", command.user));
        }
        save();
        return fmt::format("user {} deleted", command.user);
    }
    }
    return {};
}

}  // namespace eddy::tools::ctl
