// eddy — RFC 5802 message text shared by both ends of SCRAM (scram_text.h).
#include "security/scram_text.h"

namespace eddy::security::scram {

std::optional<std::string_view> takeAttribute(std::string_view& text, char key) {
    if (text.size() < 2 || text[0] != key || text[1] != '=') {
        return std::nullopt;
    }
    const size_t comma = text.find(',');
    if (comma == text.size() - 1) {
        return std::nullopt;
    }
    const std::string_view value =
        text.substr(2, comma == std::string_view::npos ? text.npos : comma - 2);
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
    return value;
}

std::string exclusiveOr(std::string a, std::string_view b) {
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        a[i] = static_cast<char>(a[i] ^ b[i]);
    }
    return a;
}

}  // namespace eddy::security::scram
