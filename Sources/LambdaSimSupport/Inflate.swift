// Raw DEFLATE (RFC 1951) decoder: stored, fixed-Huffman and dynamic-Huffman blocks.
//
// Design notes:
// - Bits are read LSB-first through a 64-bit bit buffer that is refilled eight bytes at a time
//   while at least eight input bytes remain, and byte by byte near the end of the input.
//   Past the end of the input, zero bytes are fed in virtually and counted; consuming any of
//   them is reported as a truncated stream.
// - Huffman codes are decoded with a two-level lookup table: a primary table indexed by the next
//   `primaryBits` bits, whose entries are either a decoded symbol or a pointer to a sub-table
//   indexed by the following bits. Entries carry the already-resolved length/distance base and
//   extra-bit count, so the inner loop needs no further table lookups.
// - Output goes to a manually grown buffer with a little slack at the end, so that matches
//   with a distance of eight or more can be copied eight bytes at a time.

/// Errors thrown by `Inflate.decompress`.
public enum InflateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The stream ended before the final block was complete.
    case truncated
    /// A block header used the reserved block type 3.
    case invalidBlockType
    /// A stored block's LEN and NLEN fields are not one's complements of each other.
    case storedLengthMismatch
    /// A dynamic block's code lengths do not describe a valid Huffman code.
    case invalidHuffmanTable(String)
    /// The data contains a bit sequence that is not a code, or a reserved symbol (286, 287, 30, 31).
    case invalidCode
    /// A match refers further back than the start of the output.
    case distanceTooFar
    /// The output size differs from the size the caller said to expect.
    case sizeMismatch(expected: Int, actual: Int?)

    public var description: String {
        switch self {
        case .truncated: return "deflate stream is truncated"
        case .invalidBlockType: return "deflate stream is corrupt: invalid block type"
        case .storedLengthMismatch: return "deflate stream is corrupt: stored block length check failed"
        case .invalidHuffmanTable(let why): return "deflate stream is corrupt: invalid Huffman table (\(why))"
        case .invalidCode: return "deflate stream is corrupt: invalid code"
        case .distanceTooFar: return "deflate stream is corrupt: match distance too far back"
        case .sizeMismatch(let expected, let actual):
            if let actual {
                return "deflate stream decompressed to \(actual) bytes, expected \(expected)"
            }
            return "deflate stream decompresses to more than the expected \(expected) bytes"
        }
    }
}

public enum Inflate {
    /// Decompresses a raw DEFLATE stream (no zlib or gzip wrapper). Bytes after the final block
    /// are ignored.
    ///
    /// - Parameter expectedSize: when given, the output must be exactly this many bytes; the
    ///   output buffer is allocated once at this size and decoding stops with
    ///   `InflateError.sizeMismatch` as soon as it would exceed it (a guard against
    ///   decompression bombs).
    /// - Throws: `InflateError`.
    public static func decompress(_ data: [UInt8], expectedSize: Int? = nil) throws -> [UInt8] {
        try decompressTyped(data, expectedSize: expectedSize)
    }

    /// Same as `decompress`, with a typed error.
    static func decompressTyped(_ data: [UInt8], expectedSize: Int?) throws(InflateError) -> [UInt8] {
        try data.withUnsafeBufferPointer { (input) throws(InflateError) -> [UInt8] in
            try decompress(buffer: input, expectedSize: expectedSize)
        }
    }

    /// Decompresses from a buffer (used by `ZipArchive` to avoid copying entry data).
    static func decompress(buffer: UnsafeBufferPointer<UInt8>, expectedSize: Int?) throws(InflateError) -> [UInt8] {
        guard let expectedSize else {
            var decoder = InflateDecoder(input: buffer, expectedSize: nil)
            let count = try decoder.run()
            return decoder.finish(count)
        }
        if expectedSize < 0 { throw .sizeMismatch(expected: expectedSize, actual: nil) }
        if expectedSize > InflateDecoder.maximumOutput(inputCount: buffer.count) {
            // Cannot be right; decode anyway (into a growing buffer) for the precise error.
            var decoder = InflateDecoder(input: buffer, expectedSize: expectedSize)
            let count = try decoder.run()
            return decoder.finish(count)
        }
        // The common zip case: decode straight into the result array, sized once.
        var failure: InflateError?
        let result = [UInt8](unsafeUninitializedCapacity: expectedSize + InflateDecoder.slack) { storage, count in
            guard let base = storage.baseAddress else { return }
            var decoder = InflateDecoder(input: buffer, expectedSize: expectedSize, output: base, capacity: storage.count)
            do throws(InflateError) {
                count = try decoder.run()
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return result
    }
}

// MARK: - Tables

/// Table entry layout (UInt32):
///   bits  0-15  value: literal byte, length base, distance base, code-length symbol,
///               or (for sub-table pointers) the sub-table offset
///   bits 16-23  code length in bits (total, including the primary part);
///               for sub-table pointers, the number of sub-table index bits
///   bits 24-27  number of extra bits that follow the code (lengths and distances)
///   bit  28     literal
///   bit  29     end of block
///   bit  30     reserved symbol (invalid if decoded)
///   bit  31     sub-table pointer
/// An all-zero entry is a bit pattern that is not a code (only in incomplete codes).
private let entryLiteral: UInt32 = 1 << 28
private let entryEndOfBlock: UInt32 = 1 << 29
private let entryInvalid: UInt32 = 1 << 30
private let entrySubTable: UInt32 = 1 << 31

private let litPrimaryBits = 10
private let distPrimaryBits = 8
private let codeLengthPrimaryBits = 7
// A sub-table has at most 2^(15 - primaryBits) entries and there is at most one per code
// that is longer than primaryBits.
private let litTableSize = (1 << litPrimaryBits) + 288 * (1 << (15 - litPrimaryBits))
private let distTableSize = (1 << distPrimaryBits) + 32 * (1 << (15 - distPrimaryBits))
private let codeLengthTableSize = 1 << codeLengthPrimaryBits

private let lengthBase: [UInt16] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
]
private let lengthExtra: [UInt8] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
    3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
]
private let distBase: [UInt16] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
    257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
]
private let distExtra: [UInt8] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
    7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]
/// Order in which code-length code lengths are transmitted in a dynamic block header.
private let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

private enum TableKind {
    case codeLengths, literalLength, distance
}

/// Builds a two-level decoding table for the code described by `lengths`.
/// The table must have room for `(1 << primaryBits) + codes longer than primaryBits * 2^(15 - primaryBits)` entries.
private func buildTable(
    _ lengths: ArraySlice<UInt8>, kind: TableKind, primaryBits: Int, into table: UnsafeMutablePointer<UInt32>
) throws(InflateError) {
    var counts = [Int](repeating: 0, count: 16)
    for length in lengths { counts[Int(length)] += 1 }
    counts[0] = 0

    // Check that the code is neither over-subscribed nor (with one exception) incomplete.
    var left = 1
    var total = 0
    var maxLength = 0
    for length in 1...15 {
        left <<= 1
        left -= counts[length]
        if left < 0 { throw .invalidHuffmanTable("over-subscribed code") }
        total += counts[length]
        if counts[length] > 0 { maxLength = length }
    }
    if left > 0 {
        // Like zlib: an incomplete code is accepted only for literal/length and distance codes
        // that consist of a single one-bit code (the unused pattern decodes as an error), and a
        // distance code may be empty (for blocks that contain only literals).
        let singleCode = total == 1 && counts[1] == 1
        let emptyDistance = total == 0 && kind == .distance
        if kind == .codeLengths || !(singleCode || emptyDistance) {
            throw .invalidHuffmanTable(total == 0 ? "no codes" : "incomplete code")
        }
    }

    // First canonical code of each length.
    var nextCode = [Int](repeating: 0, count: 16)
    var code = 0
    for length in 1...15 {
        code = (code + counts[length - 1]) << 1
        nextCode[length] = code
    }

    let primarySize = 1 << primaryBits
    let primaryMask = primarySize - 1
    table.update(repeating: 0, count: primarySize)
    let subBits = max(0, maxLength - primaryBits)
    let subSize = 1 << subBits
    var nextSubTable = primarySize

    var symbol = 0
    for length8 in lengths {
        defer { symbol += 1 }
        let length = Int(length8)
        if length == 0 { continue }
        let code = nextCode[length]
        nextCode[length] += 1
        // Deflate sends Huffman codes most-significant bit first, while the bit buffer is read
        // least-significant bit first, so tables are indexed by the bit-reversed code.
        var reversed = 0
        for bit in 0..<length where code & (1 << bit) != 0 {
            reversed |= 1 << (length - 1 - bit)
        }
        let entry = tableEntry(symbol: symbol, kind: kind) | UInt32(length) << 16
        if length <= primaryBits {
            var index = reversed
            while index < primarySize {
                table[index] = entry
                index += 1 << length
            }
        } else {
            let prefix = reversed & primaryMask
            var pointer = table[prefix]
            if pointer == 0 {
                pointer = entrySubTable | UInt32(subBits) << 16 | UInt32(nextSubTable)
                table[prefix] = pointer
                (table + nextSubTable).update(repeating: 0, count: subSize)
                nextSubTable += subSize
            }
            // The code is prefix-free (checked above), so a long code's prefix is never a short code.
            let base = Int(pointer & 0xFFFF)
            var index = reversed >> primaryBits
            while index < subSize {
                table[base + index] = entry
                index += 1 << (length - primaryBits)
            }
        }
    }
}

private func tableEntry(symbol: Int, kind: TableKind) -> UInt32 {
    switch kind {
    case .codeLengths:
        return UInt32(symbol)
    case .literalLength:
        if symbol < 256 { return entryLiteral | UInt32(symbol) }
        if symbol == 256 { return entryEndOfBlock }
        let index = symbol - 257
        if index >= lengthBase.count { return entryInvalid }
        return UInt32(lengthBase[index]) | UInt32(lengthExtra[index]) << 24
    case .distance:
        if symbol >= distBase.count { return entryInvalid }
        return UInt32(distBase[symbol]) | UInt32(distExtra[symbol]) << 24
    }
}

// MARK: - Decoder

private struct InflateDecoder: ~Copyable {
    private let input: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var bitBuffer: UInt64 = 0
    /// Number of valid bits in `bitBuffer` (bits above it may hold copies of upcoming input bits).
    private var bitCount = 0
    /// Number of virtual zero bytes fed in after the end of the input.
    private var overrun = 0

    private var output: UnsafeMutablePointer<UInt8>
    private var outputCapacity: Int
    private var outputCount = 0
    /// False when `output` belongs to the caller (it then never grows: capacity is expectedSize + slack).
    private var ownsOutput: Bool
    private let expectedSize: Int?

    private let litTable: UnsafeMutablePointer<UInt32>
    private let distTable: UnsafeMutablePointer<UInt32>

    /// Spare bytes kept at the end of the output buffer for 8-byte match copies.
    static let slack = 16

    /// Deflate cannot expand data more than 1032:1 (a 258-byte match coded in two bits).
    static func maximumOutput(inputCount: Int) -> Int {
        inputCount <= Int.max / 2064 ? inputCount * 1032 : Int.max / 2
    }

    /// Decodes into a buffer of its own, grown as needed (the initial size is the expected
    /// size when that is plausible).
    init(input: UnsafeBufferPointer<UInt8>, expectedSize: Int?) {
        let capacity = min(expectedSize ?? 4 * input.count, Self.maximumOutput(inputCount: input.count)) + Self.slack
        self.init(input: input, expectedSize: expectedSize, output: .allocate(capacity: capacity), capacity: capacity)
        ownsOutput = true
    }

    /// Decodes into the caller's buffer, which must hold expectedSize + slack bytes.
    init(input: UnsafeBufferPointer<UInt8>, expectedSize: Int?, output: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.input = input
        self.expectedSize = expectedSize
        self.output = output
        outputCapacity = capacity
        ownsOutput = false
        litTable = .allocate(capacity: litTableSize)
        distTable = .allocate(capacity: distTableSize)
    }

    deinit {
        if ownsOutput { output.deallocate() }
        litTable.deallocate()
        distTable.deallocate()
    }

    /// The decoded bytes of an owned buffer, as an array.
    func finish(_ count: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: output, count: count))
    }

    /// Decodes the whole stream and returns the number of output bytes.
    mutating func run() throws(InflateError) -> Int {
        do throws(InflateError) {
            var isFinal = false
            while !isFinal {
                let header = try bits(3)
                isFinal = header & 1 != 0
                switch header >> 1 {
                case 0: try storedBlock()
                case 1: try fixedBlock()
                case 2: try dynamicBlock()
                default: throw .invalidBlockType
                }
            }
        } catch {
            // Bits are consumed before they are checked, so if the bits that proved the data
            // wrong include virtual ones, the input simply ended too soon.
            throw bitCount < overrun * 8 ? .truncated : error
        }
        if bitCount < overrun * 8 { throw .truncated }
        if let expectedSize, outputCount != expectedSize {
            throw .sizeMismatch(expected: expectedSize, actual: outputCount)
        }
        return outputCount
    }

    // MARK: Bit input

    /// Ensures at least 56 bits are buffered (virtual zero bytes past the end of the input).
    @inline(__always)
    private mutating func refill() throws(InflateError) {
        if position &+ 8 <= input.count, let base = input.baseAddress {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
            bitBuffer |= word &<< UInt64(bitCount)
            position &+= (63 &- bitCount) &>> 3
            bitCount |= 56
        } else {
            try refillSlowly()
        }
    }

    private mutating func refillSlowly() throws(InflateError) {
        // Virtual bytes sit at the top of the buffer; if fewer bits are left than were added
        // virtually, some of them have been consumed as if they were data.
        if bitCount < overrun * 8 { throw .truncated }
        while bitCount < 56 {
            if position < input.count {
                bitBuffer |= UInt64(input[position]) &<< UInt64(bitCount)
                position += 1
            } else {
                overrun += 1
            }
            bitCount += 8
        }
    }

    @inline(__always)
    private mutating func consume(_ count: Int) {
        bitBuffer &>>= UInt64(count)
        bitCount &-= count
    }

    /// Reads `count` (at most 16) bits, LSB first.
    @inline(__always)
    private mutating func bits(_ count: Int) throws(InflateError) -> Int {
        if bitCount < count { try refill() }
        let value = Int(truncatingIfNeeded: bitBuffer & ((1 &<< UInt64(count)) &- 1))
        consume(count)
        return value
    }

    /// Consumes the bits that were examined to find that the next code is invalid (so that
    /// running out of input is reported as truncation) and returns the error.
    private mutating func invalidCode(_ table: UnsafeMutablePointer<UInt32>, primaryBits: Int) -> InflateError {
        let entry = table[Int(truncatingIfNeeded: bitBuffer) & ((1 << primaryBits) - 1)]
        consume(entry & entrySubTable == 0 ? primaryBits : primaryBits + Int((entry >> 16) & 0xFF))
        return .invalidCode
    }

    /// Looks up the next code in a table; needs at least 15 buffered bits. Does not consume.
    @inline(__always)
    private func lookup(_ table: UnsafeMutablePointer<UInt32>, primaryBits: Int) -> UInt32 {
        let entry = table[Int(truncatingIfNeeded: bitBuffer) & ((1 &<< primaryBits) &- 1)]
        if entry & entrySubTable == 0 { return entry }
        let subBits = Int(truncatingIfNeeded: (entry &>> 16) & 0xFF)
        let index = Int(truncatingIfNeeded: bitBuffer &>> UInt64(primaryBits)) & ((1 &<< subBits) &- 1)
        return table[Int(truncatingIfNeeded: entry & 0xFFFF) &+ index]
    }

    // MARK: Output

    /// Makes room for `count` more output bytes plus the copy slack.
    @inline(__always)
    private mutating func reserve(_ count: Int) throws(InflateError) {
        if outputCount &+ count &+ Self.slack > outputCapacity { try grow(count) }
    }

    private mutating func grow(_ count: Int) throws(InflateError) {
        let needed = outputCount + count
        if let expectedSize, needed > expectedSize {
            throw .sizeMismatch(expected: expectedSize, actual: nil)
        }
        // A caller-provided buffer holds expectedSize + slack bytes, so it never gets here.
        precondition(ownsOutput, "inflate output buffer too small")
        let capacity = max(outputCapacity * 2, needed + Self.slack)
        let newOutput = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        newOutput.update(from: output, count: outputCount)
        output.deallocate()
        output = newOutput
        outputCapacity = capacity
    }

    // MARK: Blocks

    private mutating func storedBlock() throws(InflateError) {
        consume(bitCount & 7)  // skip to a byte boundary
        let length = try bits(16)
        let complement = try bits(16)
        if bitCount < overrun * 8 { throw .truncated }
        if length != ~complement & 0xFFFF { throw .storedLengthMismatch }
        // Give back the whole bytes still in the bit buffer and copy straight from the input.
        position -= bitCount / 8 - overrun
        bitBuffer = 0
        bitCount = 0
        overrun = 0
        guard length <= input.count - position, let base = input.baseAddress else {
            if length == 0 { return }
            throw .truncated
        }
        try reserve(length)
        (output + outputCount).update(from: base + position, count: length)
        outputCount += length
        position += length
    }

    private mutating func fixedBlock() throws(InflateError) {
        var lengths = [UInt8](repeating: 8, count: 288 + 32)
        for symbol in 144..<256 { lengths[symbol] = 9 }
        for symbol in 256..<280 { lengths[symbol] = 7 }
        for symbol in 288..<320 { lengths[symbol] = 5 }
        try buildTable(lengths[0..<288], kind: .literalLength, primaryBits: litPrimaryBits, into: litTable)
        try buildTable(lengths[288..<320], kind: .distance, primaryBits: distPrimaryBits, into: distTable)
        try huffmanBlock()
    }

    private mutating func dynamicBlock() throws(InflateError) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        if literalCount > 286 { throw .invalidHuffmanTable("too many literal/length codes") }
        if distanceCount > 30 { throw .invalidHuffmanTable("too many distance codes") }

        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for index in 0..<codeLengthCount {
            codeLengthLengths[codeLengthOrder[index]] = UInt8(try bits(3))
        }
        let codeLengthTable = UnsafeMutablePointer<UInt32>.allocate(capacity: codeLengthTableSize)
        defer { codeLengthTable.deallocate() }
        try buildTable(codeLengthLengths[...], kind: .codeLengths, primaryBits: codeLengthPrimaryBits, into: codeLengthTable)

        let total = literalCount + distanceCount
        var lengths = [UInt8](repeating: 0, count: total)
        var index = 0
        while index < total {
            try refill()
            let entry = lookup(codeLengthTable, primaryBits: codeLengthPrimaryBits)
            let codeLength = Int((entry >> 16) & 0xFF)
            if codeLength == 0 { throw invalidCode(codeLengthTable, primaryBits: codeLengthPrimaryBits) }
            consume(codeLength)
            let symbol = Int(entry & 0xFFFF)
            if symbol < 16 {
                lengths[index] = UInt8(symbol)
                index += 1
                continue
            }
            let value: UInt8
            let repeatCount: Int
            switch symbol {
            case 16:
                if index == 0 { throw .invalidHuffmanTable("repeat with no previous length") }
                value = lengths[index - 1]
                repeatCount = 3 + (try bits(2))
            case 17:
                value = 0
                repeatCount = 3 + (try bits(3))
            default:
                value = 0
                repeatCount = 11 + (try bits(7))
            }
            if repeatCount > total - index { throw .invalidHuffmanTable("code lengths overflow") }
            for offset in 0..<repeatCount { lengths[index + offset] = value }
            index += repeatCount
        }
        if lengths[256] == 0 { throw .invalidHuffmanTable("no end-of-block code") }

        try buildTable(lengths[0..<literalCount], kind: .literalLength, primaryBits: litPrimaryBits, into: litTable)
        try buildTable(lengths[literalCount...], kind: .distance, primaryBits: distPrimaryBits, into: distTable)
        try huffmanBlock()
    }

    /// Decodes literal/length and distance codes with the current tables until end of block.
    private mutating func huffmanBlock() throws(InflateError) {
        while true {
            // One refill covers a literal/length code with its extra bits (15 + 5) and
            // a distance code with its extra bits (15 + 13).
            try refill()
            var entry = lookup(litTable, primaryBits: litPrimaryBits)
            var codeLength = Int(truncatingIfNeeded: (entry &>> 16) & 0xFF)
            if codeLength == 0 { throw invalidCode(litTable, primaryBits: litPrimaryBits) }
            consume(codeLength)

            if entry & entryLiteral != 0 {
                try reserve(1)
                output[outputCount] = UInt8(truncatingIfNeeded: entry)
                outputCount &+= 1
                continue
            }
            if entry & (entryEndOfBlock | entryInvalid) != 0 {
                if entry & entryEndOfBlock != 0 { return }
                throw .invalidCode
            }

            var extra = Int(truncatingIfNeeded: (entry &>> 24) & 0xF)
            let length = Int(truncatingIfNeeded: entry & 0xFFFF)
                &+ Int(truncatingIfNeeded: bitBuffer & ((1 &<< UInt64(extra)) &- 1))
            consume(extra)

            entry = lookup(distTable, primaryBits: distPrimaryBits)
            codeLength = Int(truncatingIfNeeded: (entry &>> 16) & 0xFF)
            if codeLength == 0 { throw invalidCode(distTable, primaryBits: distPrimaryBits) }
            consume(codeLength)
            if entry & entryInvalid != 0 { throw .invalidCode }
            extra = Int(truncatingIfNeeded: (entry &>> 24) & 0xF)
            let distance = Int(truncatingIfNeeded: entry & 0xFFFF)
                &+ Int(truncatingIfNeeded: bitBuffer & ((1 &<< UInt64(extra)) &- 1))
            consume(extra)

            if distance > outputCount { throw .distanceTooFar }
            try reserve(length)
            copyMatch(length: length, distance: distance)
        }
    }

    @inline(__always)
    private mutating func copyMatch(length: Int, distance: Int) {
        let destination = output + outputCount
        let source = destination - distance
        if distance >= 8 {
            // Each 8-byte chunk reads only bytes already written; the last chunk may write up to
            // 7 bytes past the match, into the slack.
            var offset = 0
            while offset < length {
                let chunk = UnsafeRawPointer(source + offset).loadUnaligned(as: UInt64.self)
                UnsafeMutableRawPointer(destination + offset).storeBytes(of: chunk, as: UInt64.self)
                offset &+= 8
            }
        } else if distance == 1 {
            destination.update(repeating: source.pointee, count: length)
        } else {
            for offset in 0..<length {
                destination[offset] = source[offset]
            }
        }
        outputCount &+= length
    }
}
