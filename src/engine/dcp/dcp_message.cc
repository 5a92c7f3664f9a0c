#include "engine/dcp/dcp_message.h"

#include "protocol/encode.h"
#include "protocol/magic.h"
#include "protocol/opcode.h"
#include "xattr/blob.h"

#include <snappy.h>

#include <utility>

namespace eddy::engine::dcp {

namespace {

using mcbp::ClientOpcode;

constexpr size_t kHeaderSize = 24;

/// A request header for a body of `extras` + `key` + `value_length` bytes.
void appendHeader(std::string& out, ClientOpcode opcode, uint8_t extras, uint16_t key,
                  uint32_t value_length, uint8_t datatype, Vbid vbucket, uint32_t opaque,
                  uint64_t cas) {
    out.push_back(static_cast<char>(mcbp::Magic::ClientRequest));
    out.push_back(static_cast<char>(opcode));
    mcbp::appendUint16(out, key);
    out.push_back(static_cast<char>(extras));
    out.push_back(static_cast<char>(datatype));
    mcbp::appendUint16(out, vbucket.get());
    mcbp::appendUint32(out, extras + key + value_length);
    mcbp::appendUint32(out, opaque);
    mcbp::appendUint64(out, cas);
}

/// Keeps a compressed copy of a value alive while the frame references it.
struct CompressedValue {
    std::string bytes;
};

}  // namespace

std::unique_ptr<DcpMessage> DcpMessage::marker(uint64_t start, uint64_t end, uint32_t flags) {
    std::unique_ptr<DcpMessage> message(new DcpMessage());
    message->kind_ = MessageKind::SnapshotMarker;
    message->snap_start_ = start;
    message->snap_end_ = end;
    message->marker_flags_ = flags;
    return message;
}

std::unique_ptr<DcpMessage> DcpMessage::change(QueuedItemPtr item, bool from_backfill) {
    std::unique_ptr<DcpMessage> message(new DcpMessage());
    switch (item->op()) {
    case QueueOp::Deletion: message->kind_ = MessageKind::Deletion; break;
    case QueueOp::Expiration: message->kind_ = MessageKind::Expiration; break;
    default: message->kind_ = MessageKind::Mutation; break;
    }
    message->item_ = std::move(item);
    message->from_backfill_ = from_backfill;
    return message;
}

std::unique_ptr<DcpMessage> DcpMessage::streamEnd(eddy::dcp::StreamEndReason reason) {
    std::unique_ptr<DcpMessage> message(new DcpMessage());
    message->kind_ = MessageKind::StreamEnd;
    message->reason_ = reason;
    return message;
}

std::unique_ptr<DcpMessage> DcpMessage::seqnoAdvanced(uint64_t seqno) {
    std::unique_ptr<DcpMessage> message(new DcpMessage());
    message->kind_ = MessageKind::SeqnoAdvanced;
    message->snap_end_ = seqno;
    return message;
}

size_t DcpMessage::memorySize() const {
    return sizeof(DcpMessage) + (item_ ? item_->size() : 0);
}

DcpFrame encode(const DcpMessage& message, uint32_t opaque, Vbid vbucket,
                const EncodeOptions& options) {
    DcpFrame frame;
    std::string& out = frame.head;
    switch (message.kind()) {
    case MessageKind::SnapshotMarker:
        out.reserve(kHeaderSize + 20);
        appendHeader(out, ClientOpcode::DcpSnapshotMarker, 20, 0, 0, 0, vbucket, opaque, 0);
        mcbp::appendUint64(out, message.snapStart());
        mcbp::appendUint64(out, message.snapEnd());
        mcbp::appendUint32(out, message.markerFlags());
        return frame;
    case MessageKind::StreamEnd:
        out.reserve(kHeaderSize + 4);
        appendHeader(out, ClientOpcode::DcpStreamEnd, 4, 0, 0, 0, vbucket, opaque, 0);
        mcbp::appendUint32(out, static_cast<uint32_t>(message.reason()));
        return frame;
    case MessageKind::SeqnoAdvanced: return encodeSeqnoAdvanced(opaque, vbucket, message.seqno());
    default: break;
    }

    const QueuedItem& item = *message.item();
    MessageKind kind = message.kind();
    if (kind == MessageKind::Expiration && !options.expiry_opcode) {
        kind = MessageKind::Deletion;
    }
    std::string_view value = options.no_value ? std::string_view() : item.value();
    uint8_t datatype = options.no_value ? datatype::kRaw : item.datatype();
    if ((datatype & datatype::kXattr) != 0 && !options.include_xattrs) {
        value = xattr::bodyOf(value);
        datatype &= static_cast<uint8_t>(~datatype::kXattr);
    }
    std::shared_ptr<const void> owner;
    if (options.compress && !value.empty() && (datatype & datatype::kSnappy) == 0) {
        auto compressed = std::make_shared<CompressedValue>();
        snappy::Compress(value.data(), value.size(), &compressed->bytes);
        if (static_cast<double>(compressed->bytes.size()) <
            options.min_compression_ratio * static_cast<double>(value.size())) {
            value = compressed->bytes;
            datatype |= datatype::kSnappy;
            owner = std::move(compressed);
        }
    }
    // A default-collection key's prefix is the one byte 0x00.
    const std::string_view stored_key = item.key();
    const std::string_view key = options.strip_collection_id && inDefaultCollection(stored_key)
                                     ? stored_key.substr(1)
                                     : stored_key;
    const auto key_length = static_cast<uint16_t>(key.size());
    const auto value_length = static_cast<uint32_t>(value.size());
    const bool by_reference = value.size() >= kReferenceThreshold;
    const size_t inline_value = by_reference ? 0 : value.size();
    const auto by_seqno = static_cast<uint64_t>(item.bySeqno());

    switch (kind) {
    case MessageKind::Mutation:
        out.reserve(kHeaderSize + 31 + key_length + inline_value);
        appendHeader(out, ClientOpcode::DcpMutation, 31, key_length, value_length, datatype,
                     vbucket, opaque, item.cas());
        mcbp::appendUint64(out, by_seqno);
        mcbp::appendUint64(out, item.revSeqno());
        mcbp::appendUint32(out, item.flags());
        mcbp::appendUint32(out, item.expiry());
        mcbp::appendUint32(out, 0);  // lock time
        mcbp::appendUint16(out, 0);  // nmeta
        out.push_back(0);            // nru
        break;
    case MessageKind::Deletion:
        if (options.include_delete_times) {
            out.reserve(kHeaderSize + 21 + key_length + inline_value);
            appendHeader(out, ClientOpcode::DcpDeletion, 21, key_length, value_length, datatype,
                         vbucket, opaque, item.cas());
            mcbp::appendUint64(out, by_seqno);
            mcbp::appendUint64(out, item.revSeqno());
            mcbp::appendUint32(out, item.expiry());  // a tombstone's expiry is its delete time
            out.push_back(0);
        } else {
            out.reserve(kHeaderSize + 18 + key_length + inline_value);
            appendHeader(out, ClientOpcode::DcpDeletion, 18, key_length, value_length, datatype,
                         vbucket, opaque, item.cas());
            mcbp::appendUint64(out, by_seqno);
            mcbp::appendUint64(out, item.revSeqno());
            mcbp::appendUint16(out, 0);  // nmeta
        }
        break;
    default:  // Expiration
        out.reserve(kHeaderSize + 20 + key_length + inline_value);
        appendHeader(out, ClientOpcode::DcpExpiration, 20, key_length, value_length, datatype,
                     vbucket, opaque, item.cas());
        mcbp::appendUint64(out, by_seqno);
        mcbp::appendUint64(out, item.revSeqno());
        mcbp::appendUint32(out, item.expiry());
        break;
    }
    out.append(key);
    if (!by_reference) {
        out.append(value);
        return frame;
    }
    frame.value = value;
    frame.value_owner = owner ? std::move(owner) : std::shared_ptr<const void>(message.item());
    return frame;
}

DcpFrame encodeNoop(uint32_t opaque) {
    DcpFrame frame;
    appendHeader(frame.head, ClientOpcode::DcpNoop, 0, 0, 0, 0, Vbid(0), opaque, 0);
    return frame;
}

DcpFrame encodeSeqnoAdvanced(uint32_t opaque, Vbid vbucket, uint64_t seqno) {
    DcpFrame frame;
    frame.head.reserve(kHeaderSize + 8);
    appendHeader(frame.head, ClientOpcode::DcpSeqnoAdvanced, 8, 0, 0, 0, vbucket, opaque, 0);
    mcbp::appendUint64(frame.head, seqno);
    return frame;
}

}  // namespace eddy::engine::dcp
