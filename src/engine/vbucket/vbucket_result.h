// eddy — what a vbucket key operation returns: a client status, or "read the document from disk
// first".
//
// A VBucket cannot answer WouldBlock: it parks nothing and notifies nobody. When full eviction
// (or an ejected value) means the document must come back from disk before the operation can
// run, it returns VBucketResult::bgFetch(), a value distinct from every Status. The bucket
// maps a result to a Status in one place (EpBucket::toStatus), where a needed fetch parks the
// cookie on a background fetcher that will notify it. Constructing a result from
// Status::WouldBlock throws std::logic_error, so a would-block with nobody to notify cannot be
// returned by accident.
//
// Thread contract: a value type.
#pragma once

#include "eddy/status.h"

#include <ostream>
#include <stdexcept>

namespace eddy::engine {

class [[nodiscard]] VBucketResult {
public:
    /// A client status; never WouldBlock.
    constexpr VBucketResult(
        Status status)  // NOLINT(google-explicit-constructor): a status is a result
        : status_(status) {
        if (status == Status::WouldBlock) {
            throw std::logic_error("a vbucket cannot answer WouldBlock: nobody would notify");
        }
    }

    /// The document must be read from disk first; the operation then runs again.
    [[nodiscard]] static constexpr VBucketResult bgFetch() {
        VBucketResult result(Status::Success);
        result.needs_fetch_ = true;
        return result;
    }

    [[nodiscard]] constexpr bool needsBgFetch() const { return needs_fetch_; }
    /// The client status. Precondition: !needsBgFetch().
    [[nodiscard]] Status status() const {
        if (needs_fetch_) {
            throw std::logic_error("a result that needs a background fetch has no status yet");
        }
        return status_;
    }

    constexpr bool operator==(const VBucketResult&) const = default;
    constexpr bool operator==(Status status) const { return !needs_fetch_ && status_ == status; }

private:
    Status status_;
    bool needs_fetch_ = false;
};

inline std::ostream& operator<<(std::ostream& out, const VBucketResult& result) {
    if (result.needsBgFetch()) {
        return out << "needs a background fetch";
    }
    return out << "status " << static_cast<int>(result.status());
}

}  // namespace eddy::engine
