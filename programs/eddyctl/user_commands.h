// eddyctl user — adds, changes, removes and lists the users of an eddy server.
//
// Owns: UserCommand (what `eddyctl user ...` asks for), parseUserCommand(), applyUserCommand()
// and UserFiles (where the password and RBAC databases are).
//
// Semantics. The commands edit the two files the server reads (docs/security.md), each written
// atomically, and eddyctl then sends ISASL_REFRESH and RBAC_REFRESH so that the running server
// uses them at once (run() in ctl.cc):
//   user add USER [--password PW] [--bucket NAME=PRIV,PRIV]... [--global PRIV,PRIV]
//       a new user; NAME may be "*" (every bucket), PRIV "all"; refused if USER exists
//   user passwd USER [--password PW]
//       a new password for an existing user
//   user del USER
//       removes the user from both files
//   user list
//       one line per user: name, global privileges, per-bucket privileges
// Without --password the password comes from $EDDY_NEW_PASSWORD, else a prompt on the terminal
// (twice, they must match). Bad arguments are UsageError; a file that cannot be read or written
// is std::runtime_error naming it.
//
// Thread contract: functions over caller-owned values; applyUserCommand() reads and writes files.
#pragma once

#include "eddy/privilege.h"

#include <map>
#include <string>
#include <vector>

namespace eddy::tools::ctl {

struct UserFiles {
    std::string passwords;
    std::string rbac;
};

struct UserCommand {
    enum class Kind {
        Add,
        Passwd,
        Delete,
        List
    };
    Kind kind = Kind::List;
    std::string user;
    /// Add and Passwd: the new password (resolved from the environment or a prompt).
    std::string password;
    /// Add: the user's privileges.
    PrivilegeSet global;
    std::map<std::string, PrivilegeSet> buckets;

    /// Whether the server must reload its files afterwards.
    [[nodiscard]] bool changesFiles() const { return kind != Kind::List; }
};

/// The words after "user". Throws UsageError.
[[nodiscard]] UserCommand parseUserCommand(const std::vector<std::string>& words);

/// Carries the command out on the files; returns what to print. Throws std::runtime_error
/// (file problems, "user exists", "no such user").
[[nodiscard]] std::string applyUserCommand(const UserCommand& command, const UserFiles& files);

}  // namespace eddy::tools::ctl
