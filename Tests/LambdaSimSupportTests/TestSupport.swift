import Foundation
import XCTest

/// Bytes of a file in Tests/LambdaSimSupportTests/Fixtures (see Fixtures/generate.py).
func fixture(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
    guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
        XCTFail("Fixtures directory missing from the test bundle", file: file, line: line)
        throw CocoaError(.fileNoSuchFile)
    }
    return [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
}

func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// Same generator as SplitMix64 in Fixtures/generate.py.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The payloads of Fixtures/generate.py, regenerated so that only compressed streams are committed.
enum Payloads {
    static let words = "lambda function invoke runtime bootstrap handler event context request response error timeout memory layer alias version"
        .split(separator: " ").map { Array($0.utf8) }

    static func text(_ size: Int) -> [UInt8] {
        var rng = SplitMix64(state: 1)
        var out: [UInt8] = []
        out.reserveCapacity(size + 200)
        var line = 0
        let tail = bytes(" ms (billed duration rounded up to the next millisecond, max memory used within limits)\n")
        while out.count < size {
            let v = rng.next()
            out += bytes("\(line) INFO ")
            out += words[Int(v & 15)]
            out.append(UInt8(ascii: " "))
            out += words[Int((v >> 4) & 15)]
            out += bytes(": processed ")
            out += words[Int((v >> 8) & 15)]
            out += bytes(" in \((v >> 16) & 7)")
            out += tail
            line += 1
        }
        return Array(out[0..<size])
    }

    static func random(_ size: Int, seed: UInt64 = 2) -> [UInt8] {
        var rng = SplitMix64(state: seed)
        var out: [UInt8] = []
        out.reserveCapacity(size + 8)
        while out.count < size {
            let v = rng.next()
            for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
        }
        return Array(out[0..<size])
    }

    static func skewed(_ size: Int) -> [UInt8] {
        var rng = SplitMix64(state: 3)
        var out: [UInt8] = []
        out.reserveCapacity(size + 4)
        while out.count < size {
            let v = rng.next()
            for shift in stride(from: 0, to: 64, by: 16) {
                let part = UInt16(truncatingIfNeeded: v >> UInt64(shift))
                out.append(0x41 + UInt8(min(part.trailingZeroBitCount, 25)))
            }
        }
        return Array(out[0..<size])
    }

    /// lorem.txt of the zip fixtures.
    static let lorem: [UInt8] = (0..<200).flatMap { bytes("Line \($0) of a compressible text file for the deflate test.\n") }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
