// eddy — reading and atomically replacing secret-holding files (secure_file.h).
#include "security/secure_file.h"

#include "common/errno_string.h"

#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace eddy::security {

namespace {

/// Closes a descriptor at scope exit unless closed before.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    [[nodiscard]] int get() const { return fd_; }
    /// close(2) now; its result (a failed close may mean lost data).
    int close() { return ::close(std::exchange(fd_, -1)); }

private:
    int fd_;
};

std::string describe(const std::string& path, const char* what, int error) {
    return path + ": " + what + ": " + errnoString(error);
}

bool writeAll(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

std::string directoryOf(const std::string& path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        return ".";
    }
    return slash == 0 ? "/" : path.substr(0, slash);
}

/// Writes `contents` to a new 0600 file next to `path`; its name, or "" with `error` set.
std::string writeTemporary(const std::string& path, const std::string& contents,
                           std::string& error) {
    std::string temporary = path + ".tmp.XXXXXX";
    FileDescriptor fd(::mkostemp(temporary.data(), O_CLOEXEC));
    if (fd.get() < 0) {
        error = describe(temporary, "cannot create", errno);
        return {};
    }
    const char* failed = nullptr;
    if (::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0) {
        failed = "cannot chmod";
    } else if (!writeAll(fd.get(), contents)) {
        failed = "cannot write";
    } else if (::fsync(fd.get()) != 0) {
        failed = "cannot fsync";
    } else if (fd.close() != 0) {
        failed = "cannot close";
    }
    if (failed != nullptr) {
        error = describe(temporary, failed, errno);
        ::unlink(temporary.c_str());
        return {};
    }
    return temporary;
}

}  // namespace

std::optional<std::string> readSecureFile(const std::string& path, std::string& error) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        error = errnoString(errno);
        return std::nullopt;
    }
    std::string text;
    char buffer[8192];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
        if (n == 0) {
            return text;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error = errnoString(errno);
            return std::nullopt;
        }
        text.append(buffer, static_cast<size_t>(n));
    }
}

bool writeSecureFile(const std::string& path, const std::string& contents, std::string& error) {
    const std::string temporary = writeTemporary(path, contents, error);
    if (temporary.empty()) {
        return false;
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        error = describe(path, "cannot rename the temporary file over it", errno);
        ::unlink(temporary.c_str());
        return false;
    }
    // Makes the rename durable; best effort (some file systems refuse fsync on a directory).
    FileDescriptor directory(::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (directory.get() >= 0) {
        ::fsync(directory.get());
    }
    return true;
}

}  // namespace eddy::security
