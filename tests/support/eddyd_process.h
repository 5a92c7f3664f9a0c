// eddy tests — runs eddyd as a child process for socket-level tests.
//
// Owns: EddydProcess, one eddyd started on 127.0.0.1 port 0 (the bound port read back from
// --port-file) in its own temporary directory, with an optional JSON config. Its stderr goes to
// a log file that is printed when something fails. Stopping sends SIGTERM and expects exit
// code 0: a sanitizer report in the server (which makes it exit non-zero) fails the test.
// Thread contract: used by one test thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace eddy::test {

class EddydProcess {
public:
    struct Options {
        /// Contents of a config file passed with --config; empty = none.
        std::string config_json;
        std::vector<std::string> extra_args;
        int threads = 2;
        /// Data directory, kept when the process object goes (restart tests reuse it); empty
        /// = a fresh one inside the process's own temporary directory.
        std::string data_dir;
    };

    EddydProcess() : EddydProcess(Options{}) {}
    explicit EddydProcess(Options options);
    ~EddydProcess();
    EddydProcess(const EddydProcess&) = delete;
    EddydProcess& operator=(const EddydProcess&) = delete;

    [[nodiscard]] uint16_t port() const { return port_; }
    [[nodiscard]] pid_t pid() const { return pid_; }
    [[nodiscard]] const std::string& directory() const { return directory_; }

    /// SIGTERM, then waits (up to a minute). Returns the exit code, or 128 + signal.
    int stop();

    /// SIGTERM without waiting; a later stop() waits for the exit without signalling again.
    void requestStop();

    /// False once the process has exited (the exit is kept for stop()).
    [[nodiscard]] bool running();

    /// SIGKILL (a crash: nothing is flushed), then waits for the process to go.
    void kill();

    /// What the server wrote to stderr so far.
    [[nodiscard]] std::string log() const;

    /// The server's resident set size in bytes.
    [[nodiscard]] size_t residentBytes() const;

    /// Path of the eddyd binary under test.
    static std::string binary();

    /// Runs eddyd with `args` and waits for it to exit: {exit code, stderr}.
    static std::pair<int, std::string> runToExit(const std::vector<std::string>& args,
                                                 std::chrono::seconds timeout);

private:
    std::string directory_;
    pid_t pid_ = -1;
    uint16_t port_ = 0;
    bool stopped_ = false;
    bool stop_requested_ = false;
    /// Exit code (or 128 + signal) once running() saw the process go.
    std::optional<int> exit_code_;
};

}  // namespace eddy::test
