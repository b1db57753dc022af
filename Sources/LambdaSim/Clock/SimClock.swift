#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Milliseconds since the Unix epoch, UTC: the one unit of time in the engine.
public typealias SimInstant = Int64

/// The real clock, in milliseconds since the epoch.
public enum WallClock {
    public static func nowMs() -> SimInstant {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return SimInstant(ts.tv_sec) * 1000 + SimInstant(ts.tv_nsec) / 1_000_000
    }

    /// A monotonic reading in nanoseconds, for measuring durations.
    public static func monotonicNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// The simulated clock kept in the state file.
///
/// `wall`: simulated time is the wall clock plus `offsetMs` (moved forward by `simulate`).
/// `manual`: simulated time is `nowMs` and moves only when `simulate` moves it.
public struct ClockState: Codable, Equatable, Sendable {
    public enum Mode: String, Codable, Sendable { case wall, manual }
    public var mode: Mode
    public var offsetMs: Int64
    public var nowMs: Int64

    public init(mode: Mode = .wall, offsetMs: Int64 = 0, nowMs: Int64 = 0) {
        self.mode = mode
        self.offsetMs = offsetMs
        self.nowMs = nowMs
    }

    public func now(wall: SimInstant) -> SimInstant {
        mode == .wall ? wall + offsetMs : nowMs
    }

    /// Moves simulated time forward to `instant` (never backwards).
    public mutating func advance(to instant: SimInstant, wall: SimInstant) {
        switch mode {
        case .wall: offsetMs = max(offsetMs, instant - wall)
        case .manual: nowMs = max(nowMs, instant)
        }
    }
}

/// SplitMix64: a small, fast, seedable generator for request ids and jitter.
public struct SeededGenerator: RandomNumberGenerator, Codable, Equatable, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A version-4 UUID in lower-case text form.
    public mutating func uuid() -> String {
        let a = next()
        let b = next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: a >> (UInt64(i) * 8))
            bytes[i + 8] = UInt8(truncatingIfNeeded: b >> (UInt64(i) * 8))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        // Built as bytes: appending Characters one by one made this a hot spot of `simulate`.
        let hex: StaticString = "0123456789abcdef"
        let digits = hex.utf8Start
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// 32 lower-case hex digits (log stream names).
    public mutating func hex32() -> String {
        String(uuid().filter { $0 != "-" })
    }
}
