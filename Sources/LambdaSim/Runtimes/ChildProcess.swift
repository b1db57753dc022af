#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which the Glibc module does not export.
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnAddChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+): the child closes every inherited
/// descriptor from `from` up, so no lock file, socket or pipe of ours leaks into function code.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

/// A child process started with `posix_spawn` in its own process group, with pipes for
/// stdin, stdout and stderr. (Foundation's `Process` polls every 50 ms on Linux; this does not.)
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public private(set) var stdinFD: Int32
    public private(set) var stdoutFD: Int32
    public private(set) var stderrFD: Int32
    public private(set) var exited = false
    public private(set) var exitStatus: Int32 = 0
    public private(set) var exitSignal: Int32 = 0
    /// Peak resident set size of the child, in KiB (from `wait4`).
    public private(set) var maxRSSKB = 0

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `executable` (a path) with `arguments` (not including argv[0]) and exactly `environment`.
    /// With `mergeOutput`, stdout and stderr share one pipe (`stdoutFD`), so their lines keep
    /// the order the process wrote them in; `stderrFD` is then -1.
    public init(executable: String, arguments: [String], environment: [String: String], directory: String?,
                captureStderr: Bool = true, mergeOutput: Bool = false) throws
    {
        var inPipe: [Int32] = [0, 0]
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, mergeOutput || pipe(&errPipe) == 0 else {
            throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, mergeOutput ? outPipe[1] : errPipe[1], 2)
        for fd in inPipe + outPipe + errPipe where fd >= 0 { posix_spawn_file_actions_addclose(&actions, fd) }
        _ = spawnAddCloseFrom(&actions, 3)
        if let directory {
            _ = spawnAddChdir(&actions, directory)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        sigaddset(&defaultSignals, SIGINT)
        sigaddset(&defaultSignals, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }.sorted()
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = envp.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, &cArgs, &cEnv)
        close(inPipe[0])
        close(outPipe[1])
        if errPipe[1] >= 0 { close(errPipe[1]) }
        if rc != 0 {
            close(inPipe[1])
            close(outPipe[0])
            if errPipe[0] >= 0 { close(errPipe[0]) }
            throw SpawnError(description: String(cString: strerror(rc)))
        }
        pid = child
        Self.startWatcher(group: child)
        stdinFD = inPipe[1]
        stdoutFD = outPipe[0]
        stderrFD = errPipe[0]
        for fd in [stdinFD, stdoutFD, stderrFD] where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    }

    deinit {
        closeAll()
    }

    // MARK: - The group ends with its owner

    /// The read end of a pipe whose write end only this process holds (close-on-exec, never
    /// closed): when this process ends, however it ends (SIGKILL included), the kernel closes the
    /// write end and every reader sees end-of-file.
    nonisolated(unsafe) private static var lifelineFD: Int32 = -1
    private static let lifelineLock = Mutex()

    private static func lifeline() -> Int32 {
        lifelineLock.withLock {
            if lifelineFD < 0 {
                var fds: [Int32] = [-1, -1]
                if pipe(&fds) == 0 {
                    // Neither end may reach a child but through the watcher's explicit dup2.
                    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                    lifelineFD = fds[0]
                }
            }
            return lifelineFD
        }
    }

    /// Starts a watcher in the process group `group`: a shell that waits for end-of-file on the
    /// lifeline and then kills the whole group. So a function's processes (and their children)
    /// never outlive lambda-sim, even when it is SIGKILLed and nothing of it runs to kill them
    /// (`PR_SET_PDEATHSIG` would need code between fork and exec, which `posix_spawn` does not
    /// run, and only reaches the direct child). Killing the group at the end of an invocation
    /// ends the watcher too.
    private static func startWatcher(group: pid_t) {
        let fd = lifeline()
        guard fd >= 0 else { return }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 3)
        _ = spawnAddCloseFrom(&actions, 4)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, group)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        // `read` returns only at end-of-file: nothing is ever written to the lifeline.
        let argv = ["/bin/sh", "-c", "read -r _ <&3; kill -9 0", "lambda-sim-watch"]
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var watcher: pid_t = 0
        // The watcher is reaped by whoever reaps orphans: it is never waited for here.
        if posix_spawn(&watcher, "/bin/sh", &actions, &attributes, &cArgs, &cEnv) == 0 { Unreaped.add(watcher) }
    }

    /// Watchers (children of ours that are never waited for one by one) are reaped in passing.
    enum Unreaped {
        private static let lock = Mutex()
        nonisolated(unsafe) private static var pids: Set<pid_t> = []
        static func add(_ pid: pid_t) {
            lock.withLock {
                pids.insert(pid)
                for p in pids where waitpid(p, nil, WNOHANG) != 0 { pids.remove(p) }
            }
        }
    }

    public func closeStdin() {
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
    }

    func closeAll() {
        for fd in [stdinFD, stdoutFD, stderrFD] where fd >= 0 { close(fd) }
        stdinFD = -1
        stdoutFD = -1
        stderrFD = -1
    }

    /// Kills the whole process group and reaps the child.
    public func killGroup() {
        guard !exited else { return }
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        waitForExit()
    }

    /// Reaps the child if it has exited; returns whether it has.
    @discardableResult
    public func pollExit() -> Bool {
        if exited { return true }
        var status: Int32 = 0
        var usage = rusage()
        let r = wait4(pid, &status, WNOHANG, &usage)
        if r == pid { record(status, usage); return true }
        return false
    }

    public func waitForExit() {
        if exited { return }
        var status: Int32 = 0
        var usage = rusage()
        while true {
            let r = wait4(pid, &status, 0, &usage)
            if r == pid { record(status, usage); return }
            if r < 0, errno != EINTR { exited = true; return }
        }
    }

    private func record(_ status: Int32, _ usage: rusage) {
        exited = true
        maxRSSKB = Int(usage.ru_maxrss)
        if status & 0x7F == 0 {
            exitStatus = (status >> 8) & 0xFF
        } else {
            exitSignal = status & 0x7F
        }
    }

    /// Peak RSS of a running process in KiB, from /proc (VmHWM), for warm processes.
    public static func peakRSSKB(of pid: pid_t) -> Int? {
        guard let f = fopen("/proc/\(pid)/status", "r") else { return nil }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, 256, f) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmHWM:") {
                let digits = text.filter(\.isNumber)
                return Int(digits)
            }
        }
        return nil
    }

    public struct RunResult {
        public var stdout: [UInt8]
        public var stderr: [UInt8]
        public var timedOut: Bool
        public var elapsedMs: Double
        /// Bytes read beyond `maxStdout` / `maxStderr` and dropped.
        public var droppedStdout = 0
        public var droppedStderr = 0
    }

    /// Whether the child has exited, without reaping it (so its process group id stays taken
    /// while the rest of the group is killed).
    private func hasExited() -> Bool {
        if exited { return true }
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return errno == ECHILD }
        return info._sifields._kill.si_pid != 0
    }

    /// Writes `input` to stdin, closes it, and collects stdout and stderr until the process
    /// exits or `timeoutMs` passes. Output beyond `maxStdout` / `maxStderr` bytes is read and
    /// dropped (counted), so a process that prints gigabytes costs no memory. When the process
    /// has exited, what it left in the pipes is taken and the wait ends even if a child of it
    /// still holds them open. Either way the whole process group is killed at the end: nothing
    /// the process started outlives the run.
    public func communicate(input: [UInt8], timeoutMs: Int, maxStdout: Int = .max, maxStderr: Int = .max) -> RunResult {
        let start = WallClock.monotonicNs()
        let deadline = start + UInt64(max(timeoutMs, 0)) * 1_000_000
        var out: [UInt8] = []
        var err: [UInt8] = []
        var dropped = (out: 0, err: 0)
        var written = 0
        if input.isEmpty { closeStdin() }
        for fd in [stdoutFD, stderrFD] where fd >= 0 { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var timedOut = false

        /// Reads what `fd` has now; false at end-of-file or on an error.
        func drain(_ fd: Int32) -> Bool {
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n > 0 {
                    if fd == stdoutFD {
                        let room = max(0, maxStdout - out.count)
                        if room > 0 { out += buffer[0..<min(n, room)] }
                        dropped.out += max(0, n - room)
                    } else {
                        let room = max(0, maxStderr - err.count)
                        if room > 0 { err += buffer[0..<min(n, room)] }
                        dropped.err += max(0, n - room)
                    }
                    continue
                }
                if n < 0, errno == EINTR { continue }
                return n < 0 && errno == EAGAIN
            }
        }
        func closeOutput(_ fd: Int32) {
            if fd == stdoutFD { close(stdoutFD); stdoutFD = -1 } else { close(stderrFD); stderrFD = -1 }
        }

        while stdoutFD >= 0 || stderrFD >= 0 {
            var fds: [pollfd] = []
            if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let now = WallClock.monotonicNs()
            if now >= deadline { timedOut = true; break }
            let wait = Int32(min(50, (deadline - now) / 1_000_000 + 1))
            let r = poll(&fds, nfds_t(fds.count), wait)
            if r < 0 { if errno == EINTR { continue } else { break } }
            if r == 0 {
                // Quiet pipes: a process that has exited while a child of it holds them is done.
                if hasExited() {
                    for fd in [stdoutFD, stderrFD] where fd >= 0 { _ = drain(fd) }
                    break
                }
                continue
            }
            for p in fds where p.revents != 0 {
                if p.fd == stdinFD {
                    let n = input.withUnsafeBytes { raw in
                        write(stdinFD, raw.baseAddress.map { $0 + written }, min(65536, input.count - written))
                    }
                    if n > 0 { written += n }
                    if n < 0 && errno != EINTR && errno != EAGAIN { closeStdin() }
                    if written >= input.count { closeStdin() }
                    continue
                }
                if !drain(p.fd) { closeOutput(p.fd) }
            }
        }
        if !timedOut {
            // Pipes closed (or the process is gone): wait for the exit, still bounded by the deadline.
            while !hasExited() {
                if WallClock.monotonicNs() >= deadline { timedOut = true; break }
                usleep(200)
            }
        }
        // The whole group ends with the run; the leader, unreaped until now, keeps the id taken.
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        waitForExit()
        closeAll()
        let elapsed = Double(WallClock.monotonicNs() - start) / 1_000_000
        return RunResult(stdout: out, stderr: err, timedOut: timedOut, elapsedMs: elapsed,
                         droppedStdout: dropped.out, droppedStderr: dropped.err)
    }

    /// Finds `name` on `searchPath` (or returns it when it contains a slash).
    public static func which(_ name: String, searchPath: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in searchPath.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
