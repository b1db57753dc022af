#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process groups of function processes that are still running, so that none outlives the
/// command that started it: they are killed when lambda-sim exits (`atexit`) or is stopped by
/// SIGINT, SIGTERM or SIGHUP (when nobody else handles those signals). A warm runtime waiting
/// on a Runtime API that has gone away could otherwise loop for ever (a shell bootstrap whose
/// `curl` fails at once, for example).
enum ProcessGroups {
    static let capacity = 4096
    /// Fixed storage the signal handler can read without allocating or locking; 0 = free slot.
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<Int32> = {
        let pointer = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
        return pointer
    }()
    private static let lock = Mutex()
    nonisolated(unsafe) private static var installed = false

    static func add(_ group: Int32) {
        lock.withLock {
            installHandlers()
            for i in 0..<capacity where slots[i] == 0 {
                slots[i] = group
                return
            }
        }
    }

    static func remove(_ group: Int32) {
        lock.withLock {
            for i in 0..<capacity where slots[i] == group { slots[i] = 0 }
        }
    }

    /// Async-signal-safe: only reads the slots and calls `kill`.
    static func killAll() {
        for i in 0..<capacity {
            let group = slots[i]
            if group > 0 { kill(-group, SIGKILL) }
        }
    }

    private static func installHandlers() {
        guard !installed else { return }
        installed = true
        atexit { ProcessGroups.killAll() }
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            var current = sigaction()
            guard sigaction(signal, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil else { continue }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { received in
                ProcessGroups.killAll()
                var restore = sigaction()
                restore.__sigaction_handler.sa_handler = nil
                sigaction(received, &restore, nil)
                raise(received)
            }
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
    }
}
