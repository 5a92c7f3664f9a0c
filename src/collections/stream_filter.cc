// eddy — the collections filter of a DCP stream request (stream_filter.h).
#include "collections/stream_filter.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace eddy::collections {

namespace {

using Json = nlohmann::json;
using Error = StreamFilterResult::Error;

StreamFilterResult refuse(Error error, std::string message) {
    StreamFilterResult result;
    result.error = error;
    result.message = std::move(message);
    return result;
}

/// 1..max_digits lowercase or uppercase hex digits.
std::optional<uint64_t> hexValue(const Json& value, size_t max_digits) {
    if (!value.is_string()) {
        return std::nullopt;
    }
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty() || text.size() > max_digits ||
        !std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isxdigit(c) != 0; })) {
        return std::nullopt;
    }
    uint64_t parsed = 0;
    std::from_chars(text.data(), text.data() + text.size(), parsed, 16);
    return parsed;
}

}  // namespace

StreamFilterResult parseStreamFilter(std::string_view json) {
    const Json parsed = Json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) {
        return refuse(Error::Invalid, "The stream filter is not a JSON object");
    }
    if (parsed.empty()) {
        return refuse(Error::Invalid,
                      "The stream filter names nothing (\"collections\" or \"uid\")");
    }
    StreamFilterResult result;
    for (const auto& [key, value] : parsed.items()) {
        if (key == "collections") {
            if (!value.is_array() || value.empty() || value.size() > kMaxFilterCollections) {
                return refuse(Error::Invalid,
                              fmt::format("\"collections\" must list 1 to {} collection ids",
                                          kMaxFilterCollections));
            }
            std::vector<CollectionId> ids;
            for (const Json& id : value) {
                const std::optional<uint64_t> hex = hexValue(id, 8);
                if (!hex) {
                    return refuse(
                        Error::Invalid,
                        fmt::format("{} is not a collection id (1-8 hex digits)", id.dump()));
                }
                ids.push_back(static_cast<CollectionId>(*hex));
            }
            std::sort(ids.begin(), ids.end());
            if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) {
                return refuse(Error::Invalid, "\"collections\" lists a collection twice");
            }
            result.filter.collections = std::move(ids);
        } else if (key == "uid") {
            if (!hexValue(value, 16)) {
                return refuse(Error::Invalid, "\"uid\" is not a manifest uid (1-16 hex digits)");
            }
        } else if (key == "scope" || key == "sid" || key == "purge_seqno") {
            return refuse(Error::NotSupported,
                          fmt::format("Stream filters with \"{}\" are not supported{}", key,
                                      key == "scope" ? "; list the scope's collections" : ""));
        } else {
            return refuse(Error::Invalid, fmt::format("Unknown stream filter key \"{}\"", key));
        }
    }
    return result;
}

}  // namespace eddy::collections
