import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The service in the background (docs/background.md): in wall-clock mode, async attempts,
/// retries, poll batches, windows and deliveries run when they come due, in a runner that no
/// command waits for.
///
/// One runner per state file at a time: it holds an exclusive `flock` on `state.json.runner`
/// for as long as it runs. The CLI starts one (a detached `lambda-sim __background` process)
/// after a command that left work; `serve` runs the same loop on a thread of its own. The
/// runner takes work under the state lock and runs functions without it (the async queue's and
/// the pollers' leases), records what it did in the history file with the simulated times it
/// happened at, sleeps until the next piece of work is due (or a command pokes it), and — a
/// process runner — exits when nothing is left. `simulate` asks it to step aside (the yield
/// file) so that fast-forwarding never races it.
public final class BackgroundRunner: @unchecked Sendable {
    /// How often the loop looks at the poke and yield files while it waits.
    static let tickUs: useconds_t = 20_000
    /// The longest sleep without a look at the state (a safety net; pokes wake it sooner).
    static let maxSleepMs: Int64 = 1000
    /// A process runner stays this long after the last work before it exits.
    static let idleGraceMs: Int64 = 1500

    public let engine: Engine
    public let paths: Paths
    private var lockFD: Int32 = -1

    public struct Paths: Sendable {
        public var state: String
        public var lock: String
        public var yield: String
        public var poke: String
        public var history: String

        public init(statePath: String, directory: String) {
            state = statePath
            lock = statePath + ".runner"
            yield = statePath + ".yield"
            poke = statePath + ".poke"
            history = History.path(directory: directory)
        }
    }

    public init(engine: Engine) {
        self.engine = engine
        paths = Paths(statePath: engine.store.path, directory: engine.store.directory)
    }

    deinit { release() }

    // MARK: - The runner lock

    /// Becomes the runner of this state; false when another runner holds it.
    public func tryAcquire() -> Bool { acquire(LOCK_EX | LOCK_NB) }

    /// Waits until this process is the runner of this state.
    @discardableResult
    public func acquireBlocking() -> Bool { acquire(LOCK_EX) }

    private func acquire(_ operation: Int32) -> Bool {
        if lockFD >= 0 { return true }
        let fd = open(paths.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        while flock(fd, operation) != 0 {
            if errno == EINTR { continue }
            close(fd)
            return false
        }
        lockFD = fd
        return true
    }

    public func release() {
        guard lockFD >= 0 else { return }
        flock(lockFD, LOCK_UN)
        close(lockFD)
        lockFD = -1
    }

    /// Whether a runner holds this state now.
    public static func isRunning(_ paths: Paths) -> Bool {
        let fd = open(paths.lock, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    /// Tells a waiting runner that something changed (a command wrote the state).
    public static func poke(_ paths: Paths) {
        let fd = open(paths.poke, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        futimens(fd, nil)
        close(fd)
    }

    /// Asks the runner to step aside (`simulate`); `clearYield` lets it come back.
    public static func requestYield(_ paths: Paths) {
        let fd = open(paths.yield, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
    }

    public static func clearYield(_ paths: Paths) { unlink(paths.yield) }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The poke file's modification time (ns), 0 when there is none.
    static func pokeStamp(_ paths: Paths) -> Int64 {
        var st = stat()
        guard stat(paths.poke, &st) == 0 else { return 0 }
        return Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }

    // MARK: - The loop

    /// Runs due work until there is none (a process runner) or until `shouldStop` (serve).
    /// The caller holds the runner lock. `persistent`: never exit when idle, and after
    /// stepping aside for `simulate`, take the lock again (serve).
    public func loop(persistent: Bool, shouldStop: @escaping () -> Bool = { false }, wake: (() -> Bool)? = nil) {
        var idleSince: Int64?
        var lastPoke = Self.pokeStamp(paths)
        while !shouldStop() {
            guard Self.exists(paths.state) || persistent else { return }
            if Self.exists(paths.yield) {
                release()
                guard persistent else { return }
                while Self.exists(paths.yield), !shouldStop() { usleep(Self.tickUs) }
                acquireBlocking()
                continue
            }
            lastPoke = Self.pokeStamp(paths)
            let outcome = runOnce()
            if outcome.manual && !persistent { return }
            let wall = WallClock.nowMs()
            if outcome.idle {
                if idleSince == nil { idleSince = wall }
                if !persistent, let since = idleSince, wall - since >= Self.idleGraceMs {
                    // Exit, unless a command wrote something after the last look: it saw the
                    // lock held and started no runner of its own.
                    release()
                    if Self.pokeStamp(paths) == lastPoke || !tryAcquire() { return }
                    idleSince = nil
                    continue
                }
            } else {
                idleSince = nil
            }
            // Sleep until the next due work (in wall time), a poke, or the safety interval.
            let wakeWall = outcome.nextWallMs.map { min($0, wall + Self.maxSleepMs) } ?? wall + Self.maxSleepMs
            while WallClock.nowMs() < wakeWall, !shouldStop() {
                if Self.pokeStamp(paths) != lastPoke || Self.exists(paths.yield) { break }
                if let wake, wake() { break }
                usleep(Self.tickUs)
            }
        }
    }

    struct Outcome {
        var idle: Bool
        var manual: Bool
        var nextWallMs: Int64?
    }

    /// One run up to now: due async work and poller rounds, recorded in the history.
    func runOnce() -> Outcome {
        do {
            let before = try engine.store.read()
            guard before.clock.mode == .wall else { return Outcome(idle: true, manual: true, nextWallMs: nil) }
            // Nothing due and no poller to run: sleep until the queue's next due time without a run.
            let nowSim = before.clock.now(wall: WallClock.nowMs())
            let firing = Engine.nextScheduledFiring(before)
            if !EventSourceRunner.hasMappings(before), (before.pollers?.isIdle ?? true),
                !AsyncScheduler.hasDueWork(before, now: nowSim), (firing ?? .max) > nowSim
            {
                let queued = (before.asyncState?.pending ?? 0) > 0 ? before.asyncState?.nextDueMs : nil
                // A scheduled rule's next firing wakes the runner too (Services/EventBridge/ScheduledRules.swift).
                let next = [queued, firing].compactMap { $0 }.min().map { $0 - before.clock.offsetMs }
                return Outcome(idle: !Self.hasWork(before), manual: false, nextWallMs: next)
            }
            var options = SimulationOptions(horizon: .now, collectTimeline: true, waitForOtherRuns: false)
            options.collectPayloads = true
            let result = try engine.simulate(options)
            if !result.timeline.isEmpty { History.append(result.timeline, to: paths.history) }
            let state = try engine.store.read()
            let offset = state.clock.offsetMs
            let next = result.nextWakeMs.map { $0 - offset }
            return Outcome(idle: !Self.hasWork(state) && next == nil && result.attempts == 0, manual: false, nextWallMs: next)
        } catch {
            // A state file that does not parse (or vanished): try again later; never overwrite it.
            return Outcome(idle: true, manual: false, nextWallMs: nil)
        }
    }

    /// Whether the state holds work a runner may have to do: queued async events, enabled
    /// event source mappings, or pollers' progress.
    public static func hasWork(_ state: State) -> Bool {
        if !state.asyncQueue.isEmpty || (state.asyncState?.pending ?? 0) > 0 { return true }
        if let progress = state.pollers, !progress.isIdle { return true }
        if Engine.nextScheduledFiring(state) != nil { return true }
        return false
    }

    /// Whether a command that wrote this state should make sure a runner is there.
    public static func wantsRunner(_ state: State) -> Bool {
        guard state.clock.mode == .wall else { return false }
        return hasWork(state) || EventSourceRunner.hasMappings(state)
    }
}

/// The history file: every step the background took, one JSON object a line (the fields of
/// `simulate --format json` plus `detail`), appended with one write, so `simulate` can show
/// what ran while nobody was looking.
public enum History {
    public static func append(_ entries: [TimelineEntry], to path: String) {
        guard !entries.isEmpty else { return }
        try? FileIO.append(path: path, bytes: TimelineFormat.historyLines(entries))
    }

    /// The history file's size in bytes, nil when there is none.
    public static func size(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// The history file of the state in `directory`.
    public static func path(directory: String) -> String { directory + "/history.jsonl" }

    /// The entries from byte `offset` on (complete lines only), and where the next read starts.
    public static func read(_ path: String, from offset: Int64) -> (entries: [TimelineEntry], end: Int64) {
        guard let bytes = try? FileIO.read(path: path, from: Int(offset)), let last = bytes.lastIndex(of: 0x0A) else {
            return ([], offset)
        }
        var entries: [TimelineEntry] = []
        var start = 0
        for i in 0...last where bytes[i] == 0x0A {
            defer { start = i + 1 }
            guard i > start, let json = try? JSONParser.parse(bytes: bytes[start..<i]),
                let time = json["time"]?.intValue, let event = json["event"]?.stringValue.flatMap(TimelineEntry.Event.init(rawValue:))
            else { continue }
            entries.append(TimelineEntry(
                timeMs: SimInstant(time), event: event, function: json["function"]?.stringValue ?? "",
                requestId: json["requestId"]?.stringValue ?? "", source: json["source"]?.stringValue ?? "async",
                attempt: json["attempt"]?.intValue, result: json["result"]?.stringValue, errorType: json["errorType"]?.stringValue,
                condition: json["condition"]?.stringValue, target: json["target"]?.stringValue, records: json["records"]?.intValue,
                billedMs: json["billedMs"]?.intValue, why: .recorded(reason: json["reason"]?.stringValue ?? "", detail: json["detail"]?.stringValue ?? ""),
                cause: json["cause"]?.stringValue))
            entries[entries.count - 1].payload = json["payload"]?.stringValue
            entries[entries.count - 1].response = json["response"]?.stringValue
            entries[entries.count - 1].failedItems = json["failedItems"]?.arrayValue?.compactMap(\.stringValue)
        }
        return (entries, offset + Int64(last + 1))
    }
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+).
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func launcherAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

/// Starts the background runner process, detached: its own session, stdin/stdout/stderr on
/// /dev/null and no other descriptor of ours, so `out=$(lambda-sim …)` and CI steps that
/// capture output return at once; the parent never waits for it.
public enum BackgroundLauncher {
    /// Records, per state path, whether this process wrote a state that wants a runner.
    private static let lock = Mutex()
    nonisolated(unsafe) private static var wrote: [String: Bool] = [:]

    static func noteWrite(path: String, wantsRunner: Bool) {
        lock.withLock { wrote[path] = wantsRunner || (wrote[path] ?? false) }
    }

    /// Whether this process wrote the state at `path` leaving work for the background (and forgets it).
    public static func takeWrite(path: String) -> Bool {
        lock.withLock { wrote.removeValue(forKey: path) ?? false }
    }

    /// After a command wrote the state: pokes the runner, or starts one when none holds the state.
    public static func ensureRunner(statePath: String, directory: String, executable: String, environment: [String: String]) {
        let paths = BackgroundRunner.Paths(statePath: statePath, directory: directory)
        BackgroundRunner.poke(paths)
        if BackgroundRunner.isRunning(paths) || BackgroundRunner.exists(paths.yield) { return }
        spawn(executable: executable, arguments: ["lambda-sim", "__background", "--state", statePath], environment: environment)
    }

    /// `arguments` starts with argv[0].
    static func spawn(executable: String, arguments: [String], environment: [String: String]) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            _ = "/dev/null".withCString { posix_spawn_file_actions_addopen(&actions, fd, $0, fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        }
        _ = launcherAddCloseFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGHUP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // POSIX_SPAWN_SETSID (0x80, glibc 2.26+): a session of its own, away from the caller's terminal.
        posix_spawnattr_setflags(&attributes, Int16(0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var cArgs = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { "\($0.key)=\($0.value)" }.sorted()
        var cEnv = envp.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var child: pid_t = 0
        _ = posix_spawn(&child, executable, &actions, &attributes, &cArgs, &cEnv)
    }
}
