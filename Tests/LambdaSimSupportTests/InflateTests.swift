import LambdaSimSupport
import XCTest

/// One stream of Fixtures/inflate-cases.bin (made with Python's zlib).
struct InflateCase {
    var name: String
    var size: Int
    var sha256: [UInt8]
    var stream: [UInt8]

    static func load() throws -> [InflateCase] {
        let data = try fixture("inflate-cases.bin")
        var cases: [InflateCase] = []
        var offset = 0
        func integer(_ width: Int) -> Int {
            var value = 0
            for index in 0..<width { value |= Int(data[offset + index]) << (8 * index) }
            offset += width
            return value
        }
        func take(_ count: Int) -> [UInt8] {
            defer { offset += count }
            return Array(data[offset..<(offset + count)])
        }
        while offset < data.count {
            let name = String(decoding: take(integer(2)), as: UTF8.self)
            let size = integer(4)
            let sha256 = take(32)
            let stream = take(integer(4))
            cases.append(InflateCase(name: name, size: size, sha256: sha256, stream: stream))
        }
        return cases
    }
}

/// Writes deflate bit streams by hand (LSB first; Huffman codes MSB first).
struct BitWriter {
    var bytes: [UInt8] = []
    var bitCount = 0

    mutating func bits(_ value: Int, _ count: Int) {
        for bit in 0..<count {
            if bitCount % 8 == 0 { bytes.append(0) }
            if value & (1 << bit) != 0 { bytes[bytes.count - 1] |= UInt8(1 << (bitCount % 8)) }
            bitCount += 1
        }
    }

    mutating func code(_ value: Int, _ length: Int) {
        for bit in (0..<length).reversed() { bits((value >> bit) & 1, 1) }
    }

    /// Fixed-Huffman literal/length code for a symbol.
    mutating func fixedSymbol(_ symbol: Int) {
        switch symbol {
        case 0..<144: code(0x30 + symbol, 8)
        case 144..<256: code(0x190 + symbol - 144, 9)
        case 256..<280: code(symbol - 256, 7)
        default: code(0xC0 + symbol - 280, 8)
        }
    }
}

final class InflateTests: XCTestCase {
    func testFixtureStreams() throws {
        let cases = try InflateCase.load()
        XCTAssertEqual(cases.count, 25)
        for item in cases {
            let output = try Inflate.decompress(item.stream)
            XCTAssertEqual(output.count, item.size, item.name)
            XCTAssertEqual(SHA256.hash(output), item.sha256, item.name)
            // With the exact size given up front (the zip path) the result is the same.
            XCTAssertEqual(try Inflate.decompress(item.stream, expectedSize: item.size), output, item.name)
        }
    }

    /// The big payloads are regenerated here, so only their compressed forms are committed;
    /// this also checks that the generator matches the Python one.
    func testLargePayloadsMatchGenerators() throws {
        let cases = Dictionary(uniqueKeysWithValues: try InflateCase.load().map { ($0.name, $0) })
        let text = Payloads.text(1 << 20)
        XCTAssertEqual(SHA256.hexDigest(text), "dc5a50ba8bf9547a78c0046d193e9dceaefcdd237802a9685cac8c8da176e1a0")
        let expectations: [(String, [UInt8])] = [
            ("text-1m-level1", text), ("text-1m-level6", text), ("text-1m-level9", text),
            ("text-32k-fixed", Array(text[0..<32768])),
            ("random-64k-level0", Payloads.random(64 << 10)),
            ("random-64k-level6", Payloads.random(64 << 10)),
            ("skewed-128k-level6", Payloads.skewed(128 << 10)),
            ("skewed-128k-rle", Payloads.skewed(128 << 10)),
        ]
        for (name, payload) in expectations {
            let item = try XCTUnwrap(cases[name], name)
            XCTAssertEqual(SHA256.hash(payload), item.sha256, "generator for \(name)")
            XCTAssertEqual(try Inflate.decompress(item.stream), payload, name)
        }
        // Compression actually happened (so Huffman blocks were exercised).
        XCTAssertLessThan(try XCTUnwrap(cases["text-1m-level9"]).stream.count, 100_000)
        XCTAssertLessThan(try XCTUnwrap(cases["skewed-128k-level6"]).stream.count, 64 << 10)
    }

    func testStoredBlocks() throws {
        XCTAssertEqual(try Inflate.decompress([0x01, 0x03, 0x00, 0xFC, 0xFF, 0x61, 0x62, 0x63]), bytes("abc"))
        // A non-final empty stored block followed by a final one; trailing bytes are ignored.
        XCTAssertEqual(
            try Inflate.decompress([0x00, 0x00, 0x00, 0xFF, 0xFF, 0x01, 0x01, 0x00, 0xFE, 0xFF, 0x7A, 0xAA, 0xBB]),
            bytes("z"))
    }

    func testHandWrittenFixedBlock() throws {
        var writer = BitWriter()
        writer.bits(1, 1)  // final
        writer.bits(1, 2)  // fixed Huffman
        writer.fixedSymbol(Int(UInt8(ascii: "a")))
        writer.fixedSymbol(Int(UInt8(ascii: "b")))
        writer.fixedSymbol(265)  // length 11 + 1 extra bit
        writer.bits(1, 1)  // -> 12
        writer.code(1, 5)  // distance 2
        writer.fixedSymbol(256)
        XCTAssertEqual(try Inflate.decompress(writer.bytes), bytes("ababababababab"))
    }

    func testErrors() {
        XCTAssertThrowsError(try Inflate.decompress([])) { XCTAssertEqual($0 as? InflateError, .truncated) }
        XCTAssertThrowsError(try Inflate.decompress([0x07])) { XCTAssertEqual($0 as? InflateError, .invalidBlockType) }
        XCTAssertThrowsError(try Inflate.decompress([0x01, 0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5])) {
            XCTAssertEqual($0 as? InflateError, .storedLengthMismatch)
        }
        XCTAssertThrowsError(try Inflate.decompress([0x01, 0x03, 0x00, 0xFC, 0xFF, 0x61])) {
            XCTAssertEqual($0 as? InflateError, .truncated)
        }
        // A non-final block with nothing after it.
        XCTAssertThrowsError(try Inflate.decompress([0x00, 0x00, 0x00, 0xFF, 0xFF])) {
            XCTAssertEqual($0 as? InflateError, .truncated)
        }

        func fixed(_ build: (inout BitWriter) -> Void) -> [UInt8] {
            var writer = BitWriter()
            writer.bits(1, 1)
            writer.bits(1, 2)
            build(&writer)
            writer.fixedSymbol(256)
            writer.bits(0, 16)  // padding, so that errors are not reported as truncation
            return writer.bytes
        }
        let tooFar = fixed { writer in
            writer.fixedSymbol(Int(UInt8(ascii: "a")))
            writer.fixedSymbol(257)
            writer.code(1, 5)  // distance 2, but only 1 byte of output
        }
        XCTAssertThrowsError(try Inflate.decompress(tooFar)) { XCTAssertEqual($0 as? InflateError, .distanceTooFar) }
        let reservedLength = fixed { $0.fixedSymbol(286) }
        XCTAssertThrowsError(try Inflate.decompress(reservedLength)) { XCTAssertEqual($0 as? InflateError, .invalidCode) }
        let reservedDistance = fixed { writer in
            writer.fixedSymbol(Int(UInt8(ascii: "a")))
            writer.fixedSymbol(257)
            writer.code(30, 5)
        }
        XCTAssertThrowsError(try Inflate.decompress(reservedDistance)) { XCTAssertEqual($0 as? InflateError, .invalidCode) }
    }

    func testInvalidDynamicHeaders() {
        func dynamic(literals: Int, distances: Int, codeLengthLengths: [Int], _ rest: (inout BitWriter) -> Void = { _ in }) -> [UInt8] {
            var writer = BitWriter()
            writer.bits(1, 1)
            writer.bits(2, 2)
            writer.bits(literals - 257, 5)
            writer.bits(distances - 1, 5)
            writer.bits(codeLengthLengths.count - 4, 4)
            for length in codeLengthLengths { writer.bits(length, 3) }
            rest(&writer)
            writer.bits(0, 64)
            return writer.bytes
        }
        func assertTable(_ data: [UInt8], line: UInt = #line) {
            XCTAssertThrowsError(try Inflate.decompress(data), line: line) { error in
                guard case .invalidHuffmanTable = error as? InflateError else {
                    return XCTFail("unexpected \(error)", line: line)
                }
            }
        }
        // Every code-length code one bit long: over-subscribed.
        assertTable(dynamic(literals: 257, distances: 1, codeLengthLengths: Array(repeating: 1, count: 19)))
        // No code-length codes at all.
        assertTable(dynamic(literals: 257, distances: 1, codeLengthLengths: Array(repeating: 0, count: 4)))
        // 287 literal/length codes.
        assertTable(dynamic(literals: 287, distances: 1, codeLengthLengths: Array(repeating: 2, count: 4)))
        // Code-length alphabet {16, 17, 18, 0} with 2-bit codes (canonical: 0 -> 00, 16 -> 01,
        // 17 -> 10, 18 -> 11); a first symbol 16 has nothing to repeat.
        assertTable(dynamic(literals: 257, distances: 1, codeLengthLengths: [2, 2, 2, 2]) { writer in
            writer.code(1, 2)  // symbol 16
            writer.bits(0, 2)
        })
        // All lengths zero via symbol 18 (138 zeros) + 17: no end-of-block code.
        assertTable(dynamic(literals: 257, distances: 1, codeLengthLengths: [2, 2, 2, 2]) { writer in
            writer.code(3, 2)  // symbol 18: 11 + 127 = 138 zeros
            writer.bits(127, 7)
            writer.code(3, 2)  // 11 + 109 = 120 zeros: 258 in all
            writer.bits(109, 7)
        })
        // Repeats running past the end of the lengths.
        assertTable(dynamic(literals: 257, distances: 1, codeLengthLengths: [2, 2, 2, 2]) { writer in
            writer.code(3, 2)
            writer.bits(127, 7)
            writer.code(3, 2)
            writer.bits(127, 7)
        })
    }

    func testExpectedSize() throws {
        let stored: [UInt8] = [0x01, 0x03, 0x00, 0xFC, 0xFF, 0x61, 0x62, 0x63]
        XCTAssertEqual(try Inflate.decompress(stored, expectedSize: 3), bytes("abc"))
        XCTAssertThrowsError(try Inflate.decompress(stored, expectedSize: 2)) {
            XCTAssertEqual($0 as? InflateError, .sizeMismatch(expected: 2, actual: nil))
        }
        XCTAssertThrowsError(try Inflate.decompress(stored, expectedSize: 4)) {
            XCTAssertEqual($0 as? InflateError, .sizeMismatch(expected: 4, actual: 3))
        }
        // A 100 000-byte run refused early when only 1000 bytes are expected.
        let run = try XCTUnwrap(try InflateCase.load().first { $0.name == "run-100k" })
        XCTAssertThrowsError(try Inflate.decompress(run.stream, expectedSize: 1000)) {
            XCTAssertEqual($0 as? InflateError, .sizeMismatch(expected: 1000, actual: nil))
            XCTAssertEqual(String(describing: $0), "deflate stream decompresses to more than the expected 1000 bytes")
        }
    }

    func testEveryPrefixIsTruncated() throws {
        let cases = try InflateCase.load().filter {
            ["one-byte", "empty-level6", "empty-level0", "empty-fixed", "period-3", "period-8", "text-32k-fixed", "text-64k-sync-flushes"]
                .contains($0.name)
        }
        XCTAssertEqual(cases.count, 8)
        for item in cases {
            let step = max(1, item.stream.count / 300)
            for length in stride(from: 0, to: item.stream.count, by: step) {
                XCTAssertThrowsError(try Inflate.decompress(Array(item.stream[0..<length])), "\(item.name) cut to \(length)") {
                    XCTAssertEqual($0 as? InflateError, .truncated, "\(item.name) cut to \(length)")
                }
            }
        }
    }

    /// Damaged streams must fail cleanly or decode to something; never crash or hang.
    func testCorruptedStreamsDoNotCrash() throws {
        let cases = try InflateCase.load().filter { $0.stream.count < 40_000 && $0.stream.count > 10 }
        var rng = SplitMix64(state: 7)
        var failures = 0
        for round in 0..<1500 {
            let item = cases[round % cases.count]
            var damaged = item.stream
            for _ in 0...(rng.next() % 4) {
                let index = Int(rng.next() % UInt64(damaged.count))
                damaged[index] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            }
            if rng.next() % 4 == 0 { damaged.removeLast(Int(rng.next() % UInt64(damaged.count))) }
            do {
                _ = try Inflate.decompress(damaged, expectedSize: rng.next() % 2 == 0 ? item.size : nil)
            } catch {
                XCTAssertTrue(error is InflateError)
                failures += 1
            }
        }
        XCTAssertGreaterThan(failures, 1000)
    }

    func testErrorDescriptions() {
        XCTAssertEqual(InflateError.truncated.description, "deflate stream is truncated")
        XCTAssertEqual(InflateError.invalidBlockType.description, "deflate stream is corrupt: invalid block type")
        XCTAssertEqual(
            InflateError.sizeMismatch(expected: 5, actual: 3).description, "deflate stream decompressed to 3 bytes, expected 5")
    }
}
