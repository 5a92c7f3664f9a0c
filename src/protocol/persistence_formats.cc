#include "protocol/persistence_formats.h"

#include "protocol/encode.h"

namespace eddy::mcbp {

namespace {

constexpr uint8_t kFormatNoFailover = 0;
constexpr uint8_t kFormatFailover = 1;

}  // namespace

void appendObserveSeqnoBody(std::string& out, const ObserveSeqnoBody& body) {
    out.push_back(static_cast<char>(body.failed_over ? kFormatFailover : kFormatNoFailover));
    appendUint16(out, body.vbucket);
    appendUint64(out, body.vbucket_uuid);
    appendUint64(out, body.last_persisted_seqno);
    appendUint64(out, body.current_seqno);
    if (body.failed_over) {
        appendUint64(out, body.old_vbucket_uuid);
        appendUint64(out, body.old_branch_last_seqno);
    }
}

std::optional<ObserveSeqnoBody> parseObserveSeqnoBody(std::string_view value) {
    if (value.empty()) {
        return std::nullopt;
    }
    const auto format = static_cast<uint8_t>(value[0]);
    if (!(format == kFormatNoFailover && value.size() == kObserveSeqnoBodySize) &&
        !(format == kFormatFailover && value.size() == kObserveSeqnoFailoverBodySize)) {
        return std::nullopt;
    }
    ObserveSeqnoBody body;
    body.vbucket = readUint16(value, 1);
    body.vbucket_uuid = readUint64(value, 3);
    body.last_persisted_seqno = readUint64(value, 11);
    body.current_seqno = readUint64(value, 19);
    if (format == kFormatFailover) {
        body.failed_over = true;
        body.old_vbucket_uuid = readUint64(value, 27);
        body.old_branch_last_seqno = readUint64(value, 35);
    }
    return body;
}

void appendCompactDbExtras(std::string& out, const CompactDbExtras& extras) {
    appendUint64(out, extras.purge_before_ts);
    appendUint64(out, extras.purge_before_seq);
    out.push_back(static_cast<char>(extras.drop_deletes ? 1 : 0));
    out.append(7, '\0');
}

std::optional<CompactDbExtras> parseCompactDbExtras(std::string_view extras) {
    if (extras.size() != kCompactDbExtrasSize) {
        return std::nullopt;
    }
    CompactDbExtras parsed;
    parsed.purge_before_ts = readUint64(extras, 0);
    parsed.purge_before_seq = readUint64(extras, 8);
    parsed.drop_deletes = extras[16] != 0;
    return parsed;
}

}  // namespace eddy::mcbp
