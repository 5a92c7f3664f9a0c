#include "engine/checkpoint/queued_item.h"

#include <stdexcept>
#include <utility>

namespace eddy::engine {

std::string_view toString(QueueOp op) {
    switch (op) {
    case QueueOp::Mutation: return "mutation";
    case QueueOp::Deletion: return "deletion";
    case QueueOp::Expiration: return "expiration";
    case QueueOp::CheckpointStart: return "checkpoint_start";
    case QueueOp::CheckpointEnd: return "checkpoint_end";
    case QueueOp::SetVbucketState: return "set_vbucket_state";
    }
    return "unknown";
}

QueuedItem::QueuedItem(Fields&& fields, int64_t by_seqno)
    : key_(std::move(fields.key)),
      value_(std::move(fields.value)),
      by_seqno_(by_seqno),
      rev_seqno_(fields.rev_seqno),
      cas_(fields.cas),
      flags_(fields.flags),
      expiry_(fields.expiry),
      datatype_(fields.datatype),
      op_(fields.op) {}

QueuedItemPtr QueuedItem::make(Fields fields, int64_t by_seqno) {
    if (!isDataOp(fields.op)) {
        throw std::invalid_argument("QueuedItem::make: not a data operation: " +
                                    std::string(toString(fields.op)));
    }
    return std::make_shared<const QueuedItem>(std::move(fields), by_seqno);
}

QueuedItemPtr QueuedItem::makeMeta(QueueOp op, int64_t seqno) {
    if (isDataOp(op)) {
        throw std::invalid_argument("QueuedItem::makeMeta: not a meta operation: " +
                                    std::string(toString(op)));
    }
    Fields fields;
    fields.op = op;
    return std::make_shared<const QueuedItem>(std::move(fields), seqno);
}

}  // namespace eddy::engine
