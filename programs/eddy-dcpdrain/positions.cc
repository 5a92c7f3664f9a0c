// eddy-dcpdrain — the positions file (see positions.h).
#include "positions.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace eddy::dcpdrain {

namespace {

uint64_t readField(const nlohmann::json& entry, const char* field, const std::string& where) {
    const auto found = entry.find(field);
    if (found == entry.end()) {
        return 0;
    }
    if (!found->is_number_unsigned()) {
        throw std::runtime_error(
            fmt::format("{}: \"{}\" must be a non-negative integer", where, field));
    }
    return found->get<uint64_t>();
}

}  // namespace

Positions loadPositions(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        if (!std::filesystem::exists(path)) {
            return {};
        }
        throw std::runtime_error(fmt::format("{}: cannot be read", path));
    }
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& error) {
        throw std::runtime_error(fmt::format("{}: not JSON: {}", path, error.what()));
    }
    if (!document.is_object()) {
        throw std::runtime_error(fmt::format("{}: must hold a JSON object", path));
    }
    Positions positions;
    for (const auto& [key, entry] : document.items()) {
        const std::string where = fmt::format("{}: vbucket \"{}\"", path, key);
        unsigned vbucket = 0;
        const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), vbucket);
        if (key.empty() || error != std::errc() || end != key.data() + key.size() ||
            vbucket > 65535) {
            throw std::runtime_error(fmt::format("{}: the key is not a vbucket id", where));
        }
        if (!entry.is_object()) {
            throw std::runtime_error(fmt::format("{}: must be an object", where));
        }
        Position position;
        position.uuid = readField(entry, "uuid", where);
        position.seqno = readField(entry, "seqno", where);
        position.snap_start = readField(entry, "snap_start", where);
        position.snap_end = readField(entry, "snap_end", where);
        if (position.snap_start > position.seqno || position.snap_end < position.seqno) {
            position.snap_start = position.seqno;
            position.snap_end = position.seqno;
        }
        positions[static_cast<uint16_t>(vbucket)] = position;
    }
    return positions;
}

void savePositions(const std::string& path, const Positions& positions) {
    nlohmann::json document = nlohmann::json::object();
    for (const auto& [vbucket, position] : positions) {
        document[std::to_string(vbucket)] = {{"uuid", position.uuid},
                                             {"seqno", position.seqno},
                                             {"snap_start", position.snap_start},
                                             {"snap_end", position.snap_end}};
    }
    const std::string temporary = fmt::format("{}.tmp.{}", path, getpid());
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << document.dump(2) << '\n';
        out.flush();
        if (!out) {
            std::remove(temporary.c_str());
            throw std::runtime_error(fmt::format("{}: cannot write {}", path, temporary));
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        std::remove(temporary.c_str());
        throw std::runtime_error(fmt::format("{}: cannot replace it: {}", path, error.message()));
    }
}

}  // namespace eddy::dcpdrain
