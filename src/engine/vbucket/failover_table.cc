#include "engine/vbucket/failover_table.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <random>
#include <stdexcept>

namespace eddy::engine {

namespace {

std::function<uint64_t()> defaultRandom() {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    return [engine] { return (*engine)(); };
}

void appendBigEndian(std::string& out, uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>(value >> shift));
    }
}

}  // namespace

FailoverTable::FailoverTable(size_t max_entries, std::function<uint64_t()> random)
    : max_entries_(std::max<size_t>(max_entries, 1)),
      random_(random ? std::move(random) : defaultRandom()) {
    entries_.push_back({freshUuid(), 0});
}

FailoverTable::FailoverTable(std::vector<FailoverEntry> entries, size_t max_entries,
                             std::function<uint64_t()> random)
    : max_entries_(std::max<size_t>(max_entries, 1)),
      random_(random ? std::move(random) : defaultRandom()),
      entries_(std::move(entries)) {
    if (entries_.empty()) {
        throw std::invalid_argument("a failover table needs at least one entry");
    }
    if (entries_.size() > max_entries_) {
        entries_.resize(max_entries_);
    }
}

uint64_t FailoverTable::freshUuid() const {
    while (true) {
        const uint64_t uuid = random_();
        if (uuid != 0 && !hasUuid(uuid)) {
            return uuid;
        }
    }
}

bool FailoverTable::hasUuid(uint64_t vb_uuid) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [vb_uuid](const FailoverEntry& entry) { return entry.vb_uuid == vb_uuid; });
}

FailoverEntry FailoverTable::createEntry(uint64_t high_seqno) {
    // Entries that begin above the new branch point describe history that was lost.
    std::erase_if(entries_,
                  [high_seqno](const FailoverEntry& entry) { return entry.by_seqno > high_seqno; });
    const FailoverEntry entry{freshUuid(), high_seqno};
    entries_.insert(entries_.begin(), entry);
    if (entries_.size() > max_entries_) {
        entries_.resize(max_entries_);
    }
    return entry;
}

FailoverEntry FailoverTable::restart(uint64_t high_seqno) {
    entries_.assign(1, FailoverEntry{freshUuid(), high_seqno});
    return entries_.front();
}

RollbackDecision FailoverTable::needsRollback(const StreamPosition& position, uint64_t high_seqno,
                                              uint64_t purge_seqno) const {
    if (position.start_seqno == 0 && !position.strict_vb_uuid) {
        return {};
    }
    uint64_t snap_start = position.snap_start_seqno;
    uint64_t snap_end = position.snap_end_seqno;
    if (position.start_seqno == snap_end) {
        // The consumer received this snapshot whole.
        snap_start = snap_end = position.start_seqno;
    }
    if (position.start_seqno != 0 && snap_start < purge_seqno &&
        !position.ignore_purged_tombstones) {
        return {
            true, 0,
            fmt::format("snapshot start {} is below the purge seqno {}", snap_start, purge_seqno)};
    }
    for (size_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i].vb_uuid != position.vb_uuid) {
            continue;
        }
        const uint64_t upper = i == 0 ? high_seqno : entries_[i - 1].by_seqno;
        if (snap_end <= upper) {
            return {};
        }
        if (snap_start <= upper) {
            return {true, snap_start,
                    fmt::format("branch {} ends at {}, inside the snapshot [{}, {}]",
                                position.vb_uuid, upper, snap_start, snap_end)};
        }
        return {true, upper,
                fmt::format("branch {} ends at {}, before the snapshot [{}, {}]", position.vb_uuid,
                            upper, snap_start, snap_end)};
    }
    return {true, 0, fmt::format("vbucket uuid {} is not in the failover log", position.vb_uuid)};
}

std::string FailoverTable::toWire() const {
    std::string out;
    out.reserve(entries_.size() * 16);
    for (const auto& entry : entries_) {
        appendBigEndian(out, entry.vb_uuid);
        appendBigEndian(out, entry.by_seqno);
    }
    return out;
}

std::string FailoverTable::toJson() const {
    nlohmann::json json = nlohmann::json::array();
    for (const auto& entry : entries_) {
        json.push_back({{"id", entry.vb_uuid}, {"seq", entry.by_seqno}});
    }
    return json.dump();
}

std::optional<std::vector<FailoverEntry>> FailoverTable::parseJson(const std::string& text,
                                                                   std::string& error) {
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_array() || json.empty()) {
        error = "failover table: expected a non-empty JSON array";
        return std::nullopt;
    }
    std::vector<FailoverEntry> entries;
    for (const auto& item : json) {
        if (!item.is_object() || !item.contains("id") || !item.contains("seq") ||
            !item["id"].is_number_unsigned() || !item["seq"].is_number_unsigned()) {
            error = "failover table: every entry needs unsigned \"id\" and \"seq\"";
            return std::nullopt;
        }
        entries.push_back({item["id"].get<uint64_t>(), item["seq"].get<uint64_t>()});
    }
    return entries;
}

}  // namespace eddy::engine
