// eddy — one change as it sits in a vbucket's checkpoints.
//
// Owns: QueuedItem, the immutable record of one queued change (a mutation, deletion or expiry
// of a key, or one of the meta items that mark checkpoint boundaries and vbucket state
// changes), and QueuedItemPtr, the shared handle through which checkpoints, the flusher and DCP
// streams hold it without copying.
//
// Seqnos. A data item (Mutation, Deletion, Expiration) carries the by-seqno the vbucket's
// CheckpointManager assigned to it; data items of one vbucket have unique, strictly increasing
// seqnos. A meta item (CheckpointStart, CheckpointEnd, SetVbucketState) does not consume a
// seqno: it carries the seqno of the last data item queued before it (the vbucket's high seqno
// at that moment). So along a checkpoint queue seqnos never decrease, and a data item lies at
// or before a given queue position exactly when its seqno is at most that position's seqno.
//
// Memory: size() is what one item is charged in checkpoint memory accounting: the object itself
// plus its key bytes plus its value bytes (the value may be shared with the hash table; the
// checkpoint charges it anyway, as it keeps it alive; valueSize() tells that share apart for
// bucket-wide accounting, which charges a value once, where it was allocated).
//
// Thread contract: immutable after construction; QueuedItemPtr copies may be read on any thread.
#pragma once

#include "eddy/types.h"
#include "engine/hash/blob.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace eddy::engine {

enum class QueueOp : uint8_t {
    Mutation,
    Deletion,
    Expiration,
    CheckpointStart,  ///< meta: first item of every checkpoint
    CheckpointEnd,    ///< meta: last item of every closed checkpoint
    SetVbucketState,  ///< meta: the vbucket's state changed (the flusher persists it)
};

[[nodiscard]] std::string_view toString(QueueOp op);

/// True for the three operations that change a document.
[[nodiscard]] constexpr bool isDataOp(QueueOp op) {
    return op == QueueOp::Mutation || op == QueueOp::Deletion || op == QueueOp::Expiration;
}

/// Shared immutable value bytes (null for meta items and value-less deletions); the same blob
/// the hash table holds, so queueing a change copies no value.
using QueuedValue = BlobPtr;

class QueuedItem;
using QueuedItemPtr = std::shared_ptr<const QueuedItem>;

class QueuedItem {
public:
    /// Everything about a change except its by-seqno, which the CheckpointManager assigns.
    struct Fields {
        std::string key;
        QueuedValue value;
        uint64_t rev_seqno = 0;
        Cas cas = 0;
        uint32_t flags = 0;
        uint32_t expiry = 0;  ///< absolute, Unix seconds; 0 = never
        uint8_t datatype = 0;
        QueueOp op = QueueOp::Mutation;
    };

    /// A data item (fields.op must be a data op).
    [[nodiscard]] static QueuedItemPtr make(Fields fields, int64_t by_seqno);

    /// A meta item: no key, no value; `seqno` is the high seqno when it is queued.
    [[nodiscard]] static QueuedItemPtr makeMeta(QueueOp op, int64_t seqno);

    /// Use make() / makeMeta(); public only for std::make_shared.
    QueuedItem(Fields&& fields, int64_t by_seqno);

    [[nodiscard]] const std::string& key() const { return key_; }
    /// The value bytes, empty when there is none.
    [[nodiscard]] std::string_view value() const {
        return value_ ? value_->view() : std::string_view();
    }
    [[nodiscard]] const QueuedValue& valuePtr() const { return value_; }
    [[nodiscard]] int64_t bySeqno() const { return by_seqno_; }
    [[nodiscard]] uint64_t revSeqno() const { return rev_seqno_; }
    [[nodiscard]] Cas cas() const { return cas_; }
    [[nodiscard]] uint32_t flags() const { return flags_; }
    [[nodiscard]] uint32_t expiry() const { return expiry_; }
    [[nodiscard]] uint8_t datatype() const { return datatype_; }
    [[nodiscard]] QueueOp op() const { return op_; }
    [[nodiscard]] bool isMeta() const { return !isDataOp(op_); }
    /// Bytes charged to checkpoint memory: the object, its key and its value.
    [[nodiscard]] size_t size() const { return sizeof(QueuedItem) + key_.size() + valueSize(); }
    /// The value's share of size().
    [[nodiscard]] size_t valueSize() const { return value_ ? value_->size() : 0; }

private:
    const std::string key_;
    const QueuedValue value_;
    const int64_t by_seqno_;
    const uint64_t rev_seqno_;
    const Cas cas_;
    const uint32_t flags_;
    const uint32_t expiry_;
    const uint8_t datatype_;
    const QueueOp op_;
};

}  // namespace eddy::engine
