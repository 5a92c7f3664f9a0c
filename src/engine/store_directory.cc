// The clean-shutdown marker and the bucket uuid (store_directory.h).
#include "engine/store_directory.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

namespace eddy::engine {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCleanShutdownMarker = "clean_shutdown";
constexpr std::string_view kUuidFile = "bucket_uuid";
constexpr size_t kUuidDigits = 32;

/// Makes a directory entry change (creation or removal of a file) durable.
void syncDirectory(const fs::path& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

bool isUuid(std::string_view text) {
    return text.size() == kUuidDigits &&
           text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string randomUuid() {
    std::random_device random;
    std::string out;
    while (out.size() < kUuidDigits) {
        out += fmt::format("{:08x}", random());
    }
    out.resize(kUuidDigits);
    return out;
}

}  // namespace

bool hasCleanShutdownMarker(const std::string& directory) {
    std::error_code error;
    return fs::exists(fs::path(directory) / kCleanShutdownMarker, error);
}

void removeCleanShutdownMarker(const std::string& directory) {
    std::error_code error;
    fs::remove(fs::path(directory) / kCleanShutdownMarker, error);
    syncDirectory(directory);
}

void writeCleanShutdownMarker(const std::string& directory) {
    std::ofstream(fs::path(directory) / kCleanShutdownMarker) << "clean\n";
    syncDirectory(directory);
}

std::string loadOrMakeBucketUuid(const std::string& directory) {
    if (directory.empty()) {
        return randomUuid();
    }
    const fs::path path = fs::path(directory) / kUuidFile;
    {
        std::ifstream file(path);
        std::string text;
        if (file >> text && isUuid(text)) {
            return text;
        }
    }
    std::string uuid = randomUuid();
    std::error_code error;
    fs::create_directories(directory, error);
    std::ofstream file(path, std::ios::trunc);
    file << uuid << '\n';
    file.flush();
    if (!file) {
        // The bucket still works; its uuid just changes at the next start.
        spdlog::warn("{}: cannot write the bucket uuid", path.string());
    }
    return uuid;
}

}  // namespace eddy::engine
