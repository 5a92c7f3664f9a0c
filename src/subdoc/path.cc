// eddy — the sub-document path parsers.
#include "subdoc/path.h"

#include <limits>

namespace eddy::subdoc {

namespace {

constexpr int64_t kMaxIndex = std::numeric_limits<int64_t>::max();

// A key's text without its backticks, read as kv_engine reads them: a pair around the whole key
// goes, then two backticks are a literal one and a lone one (which only quoted) goes. So
// `a.b`, `back``tick` and key`` are the keys a.b, back`tick and key`, while `` is empty.
std::string unescapeKey(std::string_view raw) {
    if (raw.size() > 1 && raw.front() == '`' && raw.back() == '`') {
        raw = raw.substr(1, raw.size() - 2);
    }
    std::string key;
    key.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '`') {
            key += raw[i];
        } else if (i + 1 < raw.size() && raw[i + 1] == '`') {
            key += '`';
            ++i;
        }
    }
    return key;
}

// Reads the components of a body path from `text`, starting at `pos`, into `out` (after any it
// already holds). A key component is read unless `after_component` says one was just read,
// which the xattr parser uses to continue after its key.
class PathReader {
public:
    PathReader(std::string_view text, size_t pos, Path& out) : text_(text), pos_(pos), out_(out) {}

    Result read(bool after_component) {
        if (!after_component && pos_ < text_.size()) {
            if (Result r = readComponent(); r != Result::Success) {
                return r;
            }
        }
        while (pos_ < text_.size()) {
            if (Result r = readSeparated(); r != Result::Success) {
                return r;
            }
        }
        return Result::Success;
    }

private:
    // What follows a component: `.key` or `[index]`.
    Result readSeparated() {
        if (text_[pos_] == '.') {
            ++pos_;
            // A '.' must introduce a key: "a." and "a.[0]" have an empty component.
            if (pos_ == text_.size() || text_[pos_] == '[') {
                return Result::PathEinval;
            }
            return readKey();
        }
        if (text_[pos_] == '[') {
            return readIndex();
        }
        // Only after "]": "a[0]b".
        return Result::PathEinval;
    }

    Result readComponent() { return text_[pos_] == '[' ? readIndex() : readKey(); }

    // A key runs to the next '.' or '[' outside backtick quoting (every backtick opens or closes
    // it, so a doubled one changes nothing).
    Result readKey() {
        const size_t begin = pos_;
        bool quoted = false;
        for (; pos_ < text_.size(); ++pos_) {
            const char c = text_[pos_];
            if (c == '`') {
                quoted = !quoted;
            } else if (!quoted && (c == '.' || c == '[')) {
                break;
            } else if (!quoted && c == ']') {
                return Result::PathEinval;
            }
        }
        if (quoted) {
            return Result::PathEinval;
        }
        PathComponent component;
        component.key = unescapeKey(text_.substr(begin, pos_ - begin));
        if (component.key.empty()) {
            return Result::PathEinval;
        }
        return add(std::move(component));
    }

    // "[n]" with n decimal digits (at most int64's maximum) or "[-1]".
    Result readIndex() {
        const size_t close = text_.find(']', pos_);
        if (close == std::string_view::npos) {
            return Result::PathEinval;
        }
        const std::string_view digits = text_.substr(pos_ + 1, close - pos_ - 1);
        pos_ = close + 1;
        PathComponent component;
        component.kind = PathComponent::Kind::Index;
        if (digits == "-1") {
            component.index = PathComponent::kLastIndex;
            return add(std::move(component));
        }
        if (digits.empty()) {
            return Result::PathEinval;
        }
        for (const char c : digits) {
            if (c < '0' || c > '9') {
                return Result::PathEinval;
            }
            const int64_t digit = c - '0';
            if (component.index > (kMaxIndex - digit) / 10) {
                return Result::PathEinval;
            }
            component.index = component.index * 10 + digit;
        }
        return add(std::move(component));
    }

    Result add(PathComponent component) {
        if (out_.size() == kMaxPathComponents) {
            return Result::PathE2big;
        }
        out_.push_back(std::move(component));
        return Result::Success;
    }

    std::string_view text_;
    size_t pos_;
    Path& out_;
};

}  // namespace

Result parsePath(std::string_view text, Path& out) {
    out.clear();
    if (text.size() > kMaxPathLength) {
        return Result::PathE2big;
    }
    return PathReader(text, 0, out).read(false);
}

std::string_view xattrKeyOf(std::string_view path) {
    return path.substr(0, path.find_first_of(".["));
}

Result parseXattrPath(std::string_view text, Path& out) {
    out.clear();
    if (text.size() > kMaxPathLength) {
        return Result::PathE2big;
    }
    const std::string_view key = xattrKeyOf(text);
    if (key.empty() || key.size() > kMaxXattrKeyLength) {
        return Result::PathEinval;
    }
    PathComponent component;
    component.key = std::string(key);
    out.push_back(std::move(component));
    return PathReader(text, key.size(), out).read(true);
}

}  // namespace eddy::subdoc
