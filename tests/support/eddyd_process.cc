#include "support/eddyd_process.h"

#include "common/errno_string.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace eddy::test {

namespace {

std::string makeTempDirectory() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/eddy-test-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error(std::string("mkdtemp: ") + eddy::errnoString(errno));
    }
    return pattern;
}

/// Forks and execs eddyd with `args`, stderr (and stdout) to `log_path`.
pid_t spawn(const std::vector<std::string>& args, const std::string& log_path) {
    std::vector<char*> argv;
    std::string binary = EddydProcess::binary();
    argv.push_back(binary.data());
    std::vector<std::string> copies = args;
    for (auto& arg : copies) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (log >= 0) {
            dup2(log, STDERR_FILENO);
            dup2(log, STDOUT_FILENO);
        }
        execv(argv[0], argv.data());
        _exit(127);
    }
    if (pid < 0) {
        throw std::runtime_error(std::string("fork: ") + eddy::errnoString(errno));
    }
    return pid;
}

/// Waits for `pid` up to `timeout`; returns exit code or 128 + signal, or -1 on time-out.
int waitFor(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            if (WIFEXITED(status)) {
                return WEXITSTATUS(status);
            }
            return 128 + WTERMSIG(status);
        }
        if (std::chrono::steady_clock::now() > deadline) {
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::string EddydProcess::binary() {
    if (const char* path = std::getenv("EDDYD"); path != nullptr && *path != '\0') {
        return path;
    }
    return EDDYD_BINARY;
}

EddydProcess::EddydProcess(Options options) : directory_(makeTempDirectory()) {
    const std::string port_file = directory_ + "/port";
    std::vector<std::string> args = {
        "--host",      "127.0.0.1",
        "--port",      "0",
        "--port-file", port_file,
        "--data-dir",  options.data_dir.empty() ? directory_ + "/data" : options.data_dir,
        "--threads",   std::to_string(options.threads)};
    {
        // Suites run with authentication on: unless the test's config says otherwise, a
        // connection that does not log in may do nothing.
        nlohmann::json config = options.config_json.empty()
                                    ? nlohmann::json::object()
                                    : nlohmann::json::parse(options.config_json, nullptr, false);
        if (config.is_object() && !config.contains("unauthenticated_access")) {
            config["unauthenticated_access"] = false;
        }
        const std::string path = directory_ + "/eddy.json";
        // A config that is not a JSON object is passed on as written (tests of bad configs).
        std::ofstream(path) << (config.is_object() ? config.dump(2) : options.config_json);
        args.push_back("--config");
        args.push_back(path);
    }
    args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
    pid_ = spawn(args, directory_ + "/eddyd.log");

    // Sanitizer builds start slowly: allow a generous minute.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(port_file);
        unsigned port = 0;
        if (in >> port && port != 0) {
            port_ = static_cast<uint16_t>(port);
            return;
        }
        if (waitFor(pid_, std::chrono::milliseconds(0)) >= 0) {
            stopped_ = true;
            throw std::runtime_error("eddyd exited during start-up:\n" + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    waitFor(pid_, std::chrono::seconds(10));
    stopped_ = true;
    throw std::runtime_error("eddyd did not write its port file:\n" + log());
}

EddydProcess::~EddydProcess() {
    if (!stopped_) {
        const int code = stop();
        EXPECT_EQ(0, code) << "eddyd did not exit cleanly; its log:\n" << log();
    }
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

void EddydProcess::requestStop() {
    if (!stopped_ && !stop_requested_ && !exit_code_) {
        stop_requested_ = true;
        ::kill(pid_, SIGTERM);
    }
}

bool EddydProcess::running() {
    if (!stopped_ && !exit_code_) {
        if (const int code = waitFor(pid_, std::chrono::milliseconds(0)); code >= 0) {
            exit_code_ = code;
        }
    }
    return !stopped_ && !exit_code_;
}

int EddydProcess::stop() {
    if (stopped_) {
        return 0;
    }
    stopped_ = true;
    if (exit_code_) {
        return *exit_code_;
    }
    if (!stop_requested_) {
        ::kill(pid_, SIGTERM);
    }
    int code = waitFor(pid_, std::chrono::seconds(60));
    if (code < 0) {
        ADD_FAILURE() << "eddyd did not stop within 60 s of SIGTERM; its log:\n" << log();
        ::kill(pid_, SIGKILL);
        code = waitFor(pid_, std::chrono::seconds(10));
    }
    return code;
}

void EddydProcess::kill() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    if (exit_code_) {
        return;  // already reaped: the pid may belong to another process by now
    }
    ::kill(pid_, SIGKILL);
    waitFor(pid_, std::chrono::seconds(30));
}

std::string EddydProcess::log() const {
    return readFile(directory_ + "/eddyd.log");
}

size_t EddydProcess::residentBytes() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stoull(line.substr(6)) * 1024;
        }
    }
    return 0;
}

std::pair<int, std::string> EddydProcess::runToExit(const std::vector<std::string>& args,
                                                    std::chrono::seconds timeout) {
    const std::string directory = makeTempDirectory();
    const std::string log_path = directory + "/eddyd.log";
    const pid_t pid = spawn(args, log_path);
    int code = waitFor(pid, timeout);
    if (code < 0) {
        ::kill(pid, SIGKILL);
        waitFor(pid, std::chrono::seconds(10));
    }
    std::string log = readFile(log_path);
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
    return {code, log};
}

}  // namespace eddy::test
