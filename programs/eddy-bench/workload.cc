// eddy-bench — operations, keys and values (workload.h).
#include "workload.h"

#include <fmt/format.h>
#include <zlib.h>

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace eddy::bench {

namespace {

/// The largest value size accepted (memcached's and eddy's default item size limit is 20 MiB).
constexpr uint64_t kMaxValueSize = 20 * 1024 * 1024;

uint64_t parseNumber(std::string_view text, uint64_t max, std::string_view what) {
    uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc() || ptr != end || value > max) {
        throw std::invalid_argument(
            fmt::format("{}: '{}' is not a number from 0 to {}", what, text, max));
    }
    return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    size_t begin = 0;
    while (true) {
        const size_t at = text.find(separator, begin);
        parts.push_back(text.substr(begin, at == std::string_view::npos ? at : at - begin));
        if (at == std::string_view::npos) {
            return parts;
        }
        begin = at + 1;
    }
}

double zeta(uint64_t items, double theta) {
    double sum = 0;
    for (uint64_t i = 1; i <= items; ++i) {
        sum += 1.0 / std::pow(static_cast<double>(i), theta);
    }
    return sum;
}

}  // namespace

std::string_view toString(OpKind kind) {
    switch (kind) {
    case OpKind::Get: return "get";
    case OpKind::Set: return "set";
    case OpKind::Delete: return "delete";
    }
    return "?";
}

OpMix parseOpMix(std::string_view text) {
    const std::vector<std::string_view> parts = split(text, ':');
    if (parts.size() < 2 || parts.size() > 3) {
        throw std::invalid_argument(fmt::format(
            "--mix: '{}' is not get:set or get:set:delete (whole numbers, e.g. 90:10)", text));
    }
    constexpr uint64_t kMaxWeight = 1'000'000;
    OpMix mix;
    mix.get = static_cast<uint32_t>(parseNumber(parts[0], kMaxWeight, "--mix get weight"));
    mix.set = static_cast<uint32_t>(parseNumber(parts[1], kMaxWeight, "--mix set weight"));
    mix.del = parts.size() == 3
                  ? static_cast<uint32_t>(parseNumber(parts[2], kMaxWeight, "--mix delete weight"))
                  : 0;
    if (mix.total() == 0) {
        throw std::invalid_argument(fmt::format("--mix: '{}' has no non-zero weight", text));
    }
    return mix;
}

ValueSizes parseValueSizes(std::string_view text) {
    const std::vector<std::string_view> parts = split(text, '-');
    if (parts.size() > 2) {
        throw std::invalid_argument(
            fmt::format("--value-size: '{}' is not a size or a range such as 10-1000", text));
    }
    ValueSizes sizes;
    sizes.min = static_cast<uint32_t>(parseNumber(parts[0], kMaxValueSize, "--value-size"));
    sizes.max = parts.size() == 2
                    ? static_cast<uint32_t>(parseNumber(parts[1], kMaxValueSize, "--value-size"))
                    : sizes.min;
    if (sizes.max < sizes.min) {
        throw std::invalid_argument(
            fmt::format("--value-size: the range '{}' ends below its start", text));
    }
    return sizes;
}

ZipfianKeys::ZipfianKeys(uint64_t items, double theta)
    : items_(items), theta_(theta), zeta_n_(zeta(items, theta)) {
    if (items < 2 || theta <= 0 || theta >= 1) {
        throw std::invalid_argument(fmt::format(
            "zipfian keys need at least 2 items and 0 < theta < 1 (got {} items, theta {})", items,
            theta));
    }
    const double zeta_2 = zeta(2, theta);
    alpha_ = 1.0 / (1.0 - theta);
    eta_ =
        (1.0 - std::pow(2.0 / static_cast<double>(items), 1.0 - theta)) / (1.0 - zeta_2 / zeta_n_);
    half_pow_theta_ = 1.0 + std::pow(0.5, theta);
}

uint64_t ZipfianKeys::next(double uniform) const {
    const double uz = uniform * zeta_n_;
    if (uz < 1.0) {
        return 0;
    }
    if (uz < half_pow_theta_) {
        return 1;
    }
    const auto index = static_cast<uint64_t>(static_cast<double>(items_) *
                                             std::pow(eta_ * uniform - eta_ + 1.0, alpha_));
    return std::min(index, items_ - 1);
}

Workload::Workload(const WorkloadSpec& spec, const ZipfianKeys* zipfian, uint64_t seed)
    : spec_(spec), zipfian_(zipfian), random_(seed) {
    if (spec_.distribution == KeyDistribution::Zipfian && zipfian_ == nullptr) {
        throw std::invalid_argument("a zipfian workload needs its key generator");
    }
}

Operation Workload::next() {
    Operation op;
    const uint64_t pick =
        std::uniform_int_distribution<uint64_t>(0, spec_.mix.total() - 1)(random_);
    if (pick < spec_.mix.get) {
        op.kind = OpKind::Get;
    } else if (pick < uint64_t{spec_.mix.get} + spec_.mix.set) {
        op.kind = OpKind::Set;
    } else {
        op.kind = OpKind::Delete;
    }
    if (spec_.distribution == KeyDistribution::Zipfian) {
        op.key = zipfian_->next(std::uniform_real_distribution<double>(0.0, 1.0)(random_));
    } else {
        op.key = std::uniform_int_distribution<uint64_t>(0, spec_.keys - 1)(random_);
    }
    if (op.kind == OpKind::Set) {
        op.value_size = spec_.values.min == spec_.values.max
                            ? spec_.values.min
                            : std::uniform_int_distribution<uint32_t>(spec_.values.min,
                                                                      spec_.values.max)(random_);
    }
    return op;
}

std::string keyName(std::string_view prefix, uint64_t index) {
    return fmt::format("{}{:012}", prefix, index);
}

uint16_t vbucketOf(std::string_view key, uint16_t vbuckets) {
    if (vbuckets == 0) {
        return 0;
    }
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(key.data()),
                            static_cast<uInt>(key.size()));
    return static_cast<uint16_t>(((crc >> 16) & 0x7fff) % vbuckets);
}

}  // namespace eddy::bench
