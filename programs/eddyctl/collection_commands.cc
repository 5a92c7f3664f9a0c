// eddyctl collection — the collection commands (collection_commands.h).
#include "collection_commands.h"

#include "protocol/opcode.h"
#include "protocol/status.h"
#include "tool_common.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace eddy::tools::ctl {

namespace {

constexpr std::string_view kCollectionUsage =
    "collection list | collection create SCOPE.COLLECTION | collection drop SCOPE.COLLECTION "
    "(each with [--bucket NAME])";

constexpr uint32_t kFirstUserId = 8;

/// The id a new scope or collection gets (see the header).
uint32_t nextId(uint32_t highest_in_use, uint64_t new_uid) {
    const uint64_t by_uid = new_uid + kFirstUserId - 1;
    const uint64_t id =
        std::max<uint64_t>({kFirstUserId, static_cast<uint64_t>(highest_in_use) + 1, by_uid});
    if (id > UINT32_MAX) {
        throw std::runtime_error("no collection id is left below 2^32");
    }
    return static_cast<uint32_t>(id);
}

collections::Manifest reparsed(const std::string& json) {
    try {
        return collections::Manifest::parse(json);
    } catch (const collections::ManifestError& error) {
        throw std::runtime_error(fmt::format("the edited manifest is invalid: {}", error.what()));
    }
}

/// `manifest` as JSON with the uid one higher.
nlohmann::json nextVersion(const collections::Manifest& manifest) {
    nlohmann::json json = nlohmann::json::parse(manifest.toJson());
    json["uid"] = collections::toHex(manifest.uid() + 1);
    return json;
}

}  // namespace

CollectionCommand parseCollectionCommand(const std::vector<std::string>& words) {
    if (words.empty()) {
        throw UsageError(fmt::format("missing arguments; usage: {}", kCollectionUsage));
    }
    CollectionCommand command;
    std::vector<std::string> arguments;
    for (size_t i = 1; i < words.size(); ++i) {
        const std::string& word = words[i];
        if (word == "--bucket") {
            if (i + 1 == words.size()) {
                throw UsageError("--bucket needs a value");
            }
            command.bucket = words[++i];
        } else if (word.starts_with("--")) {
            throw UsageError(fmt::format("collection: unknown option '{}'", word));
        } else {
            arguments.push_back(word);
        }
    }
    const std::string& action = words[0];
    if (action == "list") {
        if (!arguments.empty()) {
            throw UsageError("collection list takes only --bucket");
        }
        return command;
    }
    if (action != "create" && action != "drop") {
        throw UsageError(
            fmt::format("collection: unknown action '{}'; usage: {}", action, kCollectionUsage));
    }
    command.kind =
        action == "create" ? CollectionCommand::Kind::Create : CollectionCommand::Kind::Drop;
    if (arguments.size() != 1) {
        throw UsageError(fmt::format("collection {} takes one SCOPE.COLLECTION", action));
    }
    const std::string& path = arguments.front();
    const auto dot = path.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == path.size() ||
        path.find('.', dot + 1) != std::string::npos) {
        throw UsageError(fmt::format("'{}' is not SCOPE.COLLECTION", path));
    }
    command.scope = path.substr(0, dot);
    command.collection = path.substr(dot + 1);
    return command;
}

collections::Manifest withCollection(const collections::Manifest& current,
                                     const CollectionCommand& command) {
    uint32_t highest_collection = 0;
    uint32_t highest_scope = 0;
    for (const auto& scope : current.scopes()) {
        highest_scope = std::max(highest_scope, scope.id);
        for (const auto& collection : scope.collections) {
            highest_collection = std::max(highest_collection, collection.id);
        }
    }
    nlohmann::json json = nextVersion(current);
    nlohmann::json* scope = nullptr;
    for (auto& candidate : json["scopes"]) {
        if (candidate["name"] == command.scope) {
            scope = &candidate;
        }
    }
    if (scope == nullptr) {
        json["scopes"].push_back(
            {{"name", command.scope},
             {"uid", collections::toHex(nextId(highest_scope, current.uid() + 1))},
             {"collections", nlohmann::json::array()}});
        scope = &json["scopes"].back();
    }
    for (const auto& collection : (*scope)["collections"]) {
        if (collection["name"] == command.collection) {
            throw std::runtime_error(
                fmt::format("{}.{} exists already", command.scope, command.collection));
        }
    }
    nlohmann::json collection = {
        {"name", command.collection},
        {"uid", collections::toHex(nextId(highest_collection, current.uid() + 1))}};
    (*scope)["collections"].push_back(std::move(collection));
    return reparsed(json.dump());
}

collections::Manifest withoutCollection(const collections::Manifest& current,
                                        const CollectionCommand& command) {
    nlohmann::json json = nextVersion(current);
    for (auto& scope : json["scopes"]) {
        if (scope["name"] != command.scope) {
            continue;
        }
        auto& list = scope["collections"];
        for (auto it = list.begin(); it != list.end(); ++it) {
            if ((*it)["name"] == command.collection) {
                list.erase(it);
                return reparsed(json.dump());
            }
        }
    }
    throw std::runtime_error(
        fmt::format("there is no collection {}.{}", command.scope, command.collection));
}

std::string collectionLines(const collections::Manifest& manifest) {
    std::string lines;
    for (const auto& scope : manifest.scopes()) {
        for (const auto& collection : scope.collections) {
            lines += fmt::format("{}.{} id {:#x}", scope.name, collection.name, collection.id);
            if (collection.max_ttl) {
                lines += fmt::format(" maxTTL {}", *collection.max_ttl);
            }
            lines += '\n';
        }
    }
    lines += fmt::format("manifest uid {:#x}", manifest.uid());
    return lines;
}

int runCollectionCommand(client::Connection& connection, const CollectionCommand& command,
                         std::ostream& out, std::ostream& err) {
    const std::string what =
        command.kind == CollectionCommand::Kind::List
            ? std::string("collection list")
            : fmt::format("collection {} {}.{}",
                          command.kind == CollectionCommand::Kind::Create ? "create" : "drop",
                          command.scope, command.collection);
    try {
        const client::Packet current = connection.execute(
            {.opcode = mcbp::ClientOpcode::CollectionsGetManifest}, kToolTimeout);
        if (current.status() != mcbp::ResponseStatus::Success) {
            err << "eddyctl: " << what << ": " << describeError(current) << '\n';
            return kExitFailure;
        }
        const auto manifest = collections::Manifest::parse(current.value);
        if (command.kind == CollectionCommand::Kind::List) {
            out << collectionLines(manifest) << '\n';
            return kExitOk;
        }
        const auto next = command.kind == CollectionCommand::Kind::Create
                              ? withCollection(manifest, command)
                              : withoutCollection(manifest, command);
        const client::Packet set = connection.execute(
            {.opcode = mcbp::ClientOpcode::CollectionsSetManifest, .value = next.toJson()},
            kToolTimeout);
        if (set.status() != mcbp::ResponseStatus::Success) {
            err << "eddyctl: " << what << ": " << describeError(set) << '\n';
            return kExitFailure;
        }
        out << what << ": ok (manifest uid " << fmt::format("{:#x}", next.uid()) << ")\n";
        return kExitOk;
    } catch (const client::Error& error) {
        err << "eddyctl: " << what << ": " << error.what() << '\n';
    } catch (const collections::ManifestError& error) {
        err << "eddyctl: " << what << ": the server's manifest: " << error.what() << '\n';
    } catch (const std::runtime_error& error) {
        err << "eddyctl: " << what << ": " << error.what() << '\n';
    }
    return kExitFailure;
}

}  // namespace eddy::tools::ctl
