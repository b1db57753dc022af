import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one process did: its exit status and every byte it wrote.
struct ProcessResult: Sendable {
    var stdout: [UInt8]
    var stderr: [UInt8]
    /// The exit status; 128 + N when killed by signal N (as a shell reports it).
    var exitCode: Int32
    /// True when the runner killed the process because it outlived its deadline.
    var timedOut = false
    /// The peak resident set size in KiB (`wait4`) of the process or of a child it reaped, whichever is larger.
    var maxRSSKB = 0

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// One process to start: absolute executable path, argv (without argv[0]), full environment,
/// working directory and optional stdin bytes (otherwise stdin is /dev/null).
struct ProcessSpec: Sendable {
    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var workingDirectory: String
    var stdin: [UInt8]?
}

/// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which the Glibc module does not export.
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func e2eSpawnAddChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>,
                              _ path: UnsafePointer<CChar>) -> Int32

struct ProcessRunnerError: Error, CustomStringConvertible {
    var description: String
}

/// Starts processes with `posix_spawn` and collects their output with one `poll` loop, so any
/// number of them can run at the same time without pipe deadlocks (and without Foundation's
/// 50 ms `waitUntilExit` polling).
enum ProcessRunner {
    /// Runs every spec at once and returns their results in the same order.
    /// A process still running after `timeout` seconds is killed (`timedOut = true`).
    static func runAll(_ specs: [ProcessSpec], timeout: Double = 120) throws -> [ProcessResult] {
        var children: [Child] = []
        defer {
            for child in children {
                for fd in [child.stdoutFD, child.stderrFD] where fd >= 0 { close(fd) }
            }
        }
        for spec in specs {
            children.append(try spawn(spec))
        }
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while children.contains(where: { $0.stdoutFD >= 0 || $0.stderrFD >= 0 }) {
            var pollFDs: [pollfd] = []
            var owners: [(child: Int, isStdout: Bool)] = []
            for (index, child) in children.enumerated() {
                if child.stdoutFD >= 0 {
                    pollFDs.append(pollfd(fd: child.stdoutFD, events: Int16(POLLIN), revents: 0))
                    owners.append((index, true))
                }
                if child.stderrFD >= 0 {
                    pollFDs.append(pollfd(fd: child.stderrFD, events: Int16(POLLIN), revents: 0))
                    owners.append((index, false))
                }
            }
            let remainingMs = Int32(max(0, min(1_000, deadline.timeIntervalSinceNow * 1_000)))
            if remainingMs == 0 {
                timedOut = true
                break
            }
            let ready = poll(&pollFDs, nfds_t(pollFDs.count), remainingMs)
            if ready < 0 {
                if errno == EINTR { continue }
                throw ProcessRunnerError(description: "poll failed: \(String(cString: strerror(errno)))")
            }
            for (slot, entry) in pollFDs.enumerated() where entry.revents != 0 {
                let (index, isStdout) = owners[slot]
                let fd = entry.fd
                var buffer = [UInt8](repeating: 0, count: 65_536)
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if isStdout {
                        children[index].stdout += buffer[0..<n]
                    } else {
                        children[index].stderr += buffer[0..<n]
                    }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fd)
                    if isStdout { children[index].stdoutFD = -1 } else { children[index].stderrFD = -1 }
                }
            }
        }
        if timedOut {
            for child in children { kill(child.pid, SIGKILL) }
        }
        return children.map { child in
            var status: Int32 = 0
            var usage = rusage()
            while wait4(child.pid, &status, 0, &usage) < 0 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot see.
            let signal = status & 0x7f
            let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
            return ProcessResult(stdout: child.stdout, stderr: child.stderr, exitCode: code, timedOut: timedOut,
                                 maxRSSKB: Int(usage.ru_maxrss))
        }
    }

    /// Runs one process to completion.
    static func run(_ spec: ProcessSpec, timeout: Double = 120) throws -> ProcessResult {
        let results = try runAll([spec], timeout: timeout)
        guard let result = results.first else {
            throw ProcessRunnerError(description: "no result for \(spec.executable)")
        }
        return result
    }

    private struct Child {
        var pid: pid_t
        var stdoutFD: Int32
        var stderrFD: Int32
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw ProcessRunnerError(description: "pipe failed: \(String(cString: strerror(errno)))")
        }
        // Close-on-exec, so a child started later does not inherit another child's pipe ends.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    private static func spawn(_ spec: ProcessSpec) throws -> Child {
        let out = try makePipe()
        let err = try makePipe()
        // stdin comes from a file so that writing it can never block this loop.
        var stdinPath = "/dev/null"
        if let bytes = spec.stdin {
            stdinPath = NSTemporaryDirectory() + "/lambda-sim-e2e-stdin-\(UUID().uuidString)"
            guard FileManager.default.createFile(atPath: stdinPath, contents: Data(bytes)) else {
                throw ProcessRunnerError(description: "cannot write \(stdinPath)")
            }
        }
        defer { if spec.stdin != nil { unlink(stdinPath) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out.write, 1)
        posix_spawn_file_actions_adddup2(&actions, err.write, 2)
        _ = e2eSpawnAddChdir(&actions, spec.workingDirectory)
        // Default signal dispositions and an empty mask, whatever the test runner has set.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var argv = ([spec.executable] + spec.arguments).map { strdup($0) } + [nil]
        var envp = spec.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, spec.executable, &actions, &attributes, &argv, &envp)
        close(out.write)
        close(err.write)
        guard status == 0 else {
            close(out.read)
            close(err.read)
            throw ProcessRunnerError(description: "posix_spawn \(spec.executable) failed: \(String(cString: strerror(status)))")
        }
        return Child(pid: pid, stdoutFD: out.read, stderrFD: err.read)
    }
}
