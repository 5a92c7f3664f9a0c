// eddy — the pieces of RFC 5802 message text both ends of SCRAM use.
//
// Owns: takeAttribute() (one "k=value" attribute off the front of a message) and exclusiveOr()
// (the proof's XOR), shared by sasl_server.cc and sasl_client.cc.
//
// Thread contract: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace eddy::security::scram {

/// Consumes "<key>=<value>" and the ',' after it from the front of `text`; the value, or
/// nullopt if the next attribute is not `key` or a ',' ends the text.
[[nodiscard]] std::optional<std::string_view> takeAttribute(std::string_view& text, char key);

/// `a` XOR `b`, byte by byte over the shorter length (the rest of `a` unchanged).
[[nodiscard]] std::string exclusiveOr(std::string a, std::string_view b);

}  // namespace eddy::security::scram
