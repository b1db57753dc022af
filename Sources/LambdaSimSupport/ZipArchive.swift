// Reading and extracting .zip archives (PKWARE APPNOTE): stored and deflated entries, ZIP64,
// CRC-32 verification, and safe extraction (no path traversal, no writing through symlinks).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Errors

public enum ZipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No end of central directory record: not a zip file (or cut off at the end).
    case notAZipFile
    /// The archive structure is damaged (the reason says how).
    case corrupt(String)
    /// Split / spanned archives.
    case multiDisk
    case encrypted(path: String)
    case unsupportedMethod(path: String, method: UInt16)
    /// An entry's data is damaged (truncated, bad deflate stream, wrong size).
    case corruptEntry(path: String, reason: String)
    case crcMismatch(path: String, expected: UInt32, actual: UInt32)
    /// An absolute path or one with a `..` component (refused by `extract`).
    case unsafePath(String)
    /// A symbolic link whose target is absolute or leaves the extraction directory.
    case unsafeSymlink(path: String, target: String)
    /// A file system operation failed during `extract`.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .notAZipFile:
            return "not a zip file: end of central directory not found"
        case .corrupt(let reason):
            return "corrupt zip file: \(reason)"
        case .multiDisk:
            return "unsupported zip file: split (multi-disk) archives are not supported"
        case .encrypted(let path):
            return "unsupported zip file: entry '\(path)' is encrypted"
        case .unsupportedMethod(let path, let method):
            return "unsupported zip file: entry '\(path)' uses compression method \(method)"
                + " (\(Self.methodName(method))); only stored (0) and deflate (8) are supported"
        case .corruptEntry(let path, let reason):
            return "corrupt zip file: entry '\(path)': \(reason)"
        case .crcMismatch(let path, let expected, let actual):
            return "corrupt zip file: entry '\(path)' failed its CRC-32 check"
                + " (expected \(Self.hex(expected)), got \(Self.hex(actual)))"
        case .unsafePath(let path):
            return "refusing to extract zip entry '\(path)': the path is absolute or contains '..'"
        case .unsafeSymlink(let path, let target):
            return "refusing to extract zip entry '\(path)': symbolic link target '\(target)'"
                + " points outside the extraction directory"
        case .io(let path, let reason):
            return "cannot extract to '\(path)': \(reason)"
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    private static func methodName(_ method: UInt16) -> String {
        switch method {
        case 1: return "shrink"
        case 2, 3, 4, 5: return "reduce"
        case 6: return "implode"
        case 9: return "deflate64"
        case 12: return "bzip2"
        case 14: return "lzma"
        case 93: return "zstd"
        case 95: return "xz"
        case 98: return "ppmd"
        case 99: return "AES encryption"
        default: return "unknown"
        }
    }
}

// MARK: - Entries

public struct ZipEntry: Sendable, Equatable {
    /// Path inside the archive, with '/' separators (a directory's path ends with '/').
    public let path: String
    public let isDirectory: Bool
    public let uncompressedSize: Int
    public let compressedSize: Int
    /// The Unix `st_mode` (file type and permission bits) when the entry was made on Unix.
    public let unixMode: UInt32?
    /// 0 = stored, 8 = deflate; others are listed but cannot be read.
    public let compressionMethod: UInt16
    public let crc32: UInt32
    public let isEncrypted: Bool
    /// Offset of the local file header (already adjusted for data prepended to the archive).
    let localHeaderOffset: Int

    /// True for entries made on Unix with the symbolic-link file type; the contents are the target.
    public var isSymbolicLink: Bool {
        guard let unixMode else { return false }
        return unixMode & fileTypeMask == fileTypeSymlink
    }
}

private let fileTypeMask: UInt32 = 0o170000
private let fileTypeDirectory: UInt32 = 0o040000
private let fileTypeSymlink: UInt32 = 0o120000

// MARK: - Archive

public struct ZipArchive: Sendable {
    public let entries: [ZipEntry]
    /// The archive comment (empty when there is none).
    public let comment: String
    private let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(ZipError) {
        self.bytes = bytes
        let reader = ByteReader(bytes: bytes)
        let endRecord = try Self.findEndOfCentralDirectory(bytes)

        var diskNumber = Int(try reader.u16(endRecord + 4))
        var directoryDisk = Int(try reader.u16(endRecord + 6))
        var entriesOnDisk = UInt64(try reader.u16(endRecord + 8))
        var entryCount = UInt64(try reader.u16(endRecord + 10))
        var directorySize = UInt64(try reader.u32(endRecord + 12))
        var directoryOffset = UInt64(try reader.u32(endRecord + 16))
        let commentLength = Int(try reader.u16(endRecord + 20))
        let commentEnd = min(bytes.count, endRecord + 22 + commentLength)
        comment = decodeName(Array(bytes[(endRecord + 22)..<commentEnd]), isUTF8: false)

        // The central directory ends where the ZIP64 end record (if any) or the end record starts.
        var directoryEnd = endRecord
        if endRecord >= 20, try reader.u32(endRecord - 20) == 0x0706_4b50 {
            let zip64Offset = try reader.u64(endRecord - 12)
            let recordBeforeLocator = endRecord - 20 - 56
            let zip64Record: Int
            if zip64Offset < UInt64(bytes.count), try reader.u32(Int(zip64Offset)) == 0x0606_4b50 {
                zip64Record = Int(zip64Offset)
            } else if recordBeforeLocator >= 0, try reader.u32(recordBeforeLocator) == 0x0606_4b50 {
                zip64Record = recordBeforeLocator  // data was prepended to the archive
            } else {
                throw .corrupt("ZIP64 end of central directory record not found")
            }
            diskNumber = Int(try reader.u32(zip64Record + 16))
            directoryDisk = Int(try reader.u32(zip64Record + 20))
            entriesOnDisk = try reader.u64(zip64Record + 24)
            entryCount = try reader.u64(zip64Record + 32)
            directorySize = try reader.u64(zip64Record + 40)
            directoryOffset = try reader.u64(zip64Record + 48)
            directoryEnd = zip64Record
        }
        if diskNumber != 0 || directoryDisk != 0 || entriesOnDisk != entryCount { throw .multiDisk }
        guard directorySize <= UInt64(directoryEnd), directoryOffset <= UInt64(bytes.count) else {
            throw .corrupt("central directory extends past the end of the file")
        }

        // Archives with data prepended (self-extracting stubs, `cat stub a.zip`) keep offsets
        // relative to the original start; detect that from where the directory really ends.
        let actualStart = directoryEnd - Int(directorySize)
        let bias: Int
        if entryCount == 0 || (try? reader.u32(Int(directoryOffset))) == 0x0201_4b50 {
            bias = 0
        } else if (try? reader.u32(actualStart)) == 0x0201_4b50 {
            bias = actualStart - Int(directoryOffset)
        } else {
            throw .corrupt("central directory not found at its recorded offset")
        }

        var entries: [ZipEntry] = []
        entries.reserveCapacity(Int(min(entryCount, UInt64(bytes.count / 46))))
        var offset = Int(directoryOffset) + bias
        for _ in 0..<entryCount {
            let (entry, next) = try Self.readCentralDirectoryEntry(reader, at: offset, bias: bias)
            entries.append(entry)
            offset = next
        }
        self.entries = entries
    }

    /// Searches backwards for the end of central directory record, which is followed only by
    /// the archive comment (at most 65535 bytes).
    private static func findEndOfCentralDirectory(_ bytes: [UInt8]) throws(ZipError) -> Int {
        guard bytes.count >= 22 else { throw .notAZipFile }
        var candidate: Int?
        var index = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        while index >= lowest {
            if bytes[index] == 0x50, bytes[index + 1] == 0x4b, bytes[index + 2] == 0x05, bytes[index + 3] == 0x06 {
                let commentLength = Int(bytes[index + 20]) | Int(bytes[index + 21]) << 8
                let end = index + 22 + commentLength
                if end == bytes.count { return index }
                // Tolerate trailing garbage, but prefer a record whose comment ends the file.
                if end < bytes.count, candidate == nil { candidate = index }
            }
            index -= 1
        }
        if let candidate { return candidate }
        throw .notAZipFile
    }

    private static func readCentralDirectoryEntry(
        _ reader: ByteReader, at offset: Int, bias: Int
    ) throws(ZipError) -> (ZipEntry, next: Int) {
        guard (try? reader.u32(offset)) == 0x0201_4b50 else {
            throw .corrupt("bad central directory entry signature")
        }
        let versionMadeBy = try reader.u16(offset + 4)
        let flags = try reader.u16(offset + 8)
        let method = try reader.u16(offset + 10)
        let crc = try reader.u32(offset + 16)
        var compressedSize = UInt64(try reader.u32(offset + 20))
        var uncompressedSize = UInt64(try reader.u32(offset + 24))
        let nameLength = Int(try reader.u16(offset + 28))
        let extraLength = Int(try reader.u16(offset + 30))
        let commentLength = Int(try reader.u16(offset + 32))
        var diskStart = UInt64(try reader.u16(offset + 34))
        let externalAttributes = try reader.u32(offset + 38)
        var localOffset = UInt64(try reader.u32(offset + 42))

        let nameStart = offset + 46
        let extraStart = nameStart + nameLength
        let next = extraStart + extraLength + commentLength
        guard next <= reader.bytes.count else {
            throw .corrupt("central directory extends past the end of the file")
        }
        let rawName = Array(reader.bytes[nameStart..<extraStart])

        // ZIP64 extended information: 64-bit values for the fields that are all ones, in this order.
        var extra = extraStart
        let extraEnd = extraStart + extraLength
        while extra + 4 <= extraEnd {
            let id = try reader.u16(extra)
            let size = Int(try reader.u16(extra + 2))
            let dataEnd = extra + 4 + size
            guard dataEnd <= extraEnd else { break }
            if id == 0x0001 {
                var field = extra + 4
                func next64() throws(ZipError) -> UInt64 {
                    guard field + 8 <= dataEnd else { throw .corrupt("ZIP64 extra field is too short") }
                    defer { field += 8 }
                    return try reader.u64(field)
                }
                if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try next64() }
                if compressedSize == 0xFFFF_FFFF { compressedSize = try next64() }
                if localOffset == 0xFFFF_FFFF { localOffset = try next64() }
                if diskStart == 0xFFFF, field + 4 <= dataEnd { diskStart = UInt64(try reader.u32(field)) }
            }
            extra = dataEnd
        }
        guard diskStart == 0 else { throw .multiDisk }
        let limit = UInt64(Int.max / 2)
        guard uncompressedSize < limit, compressedSize < limit, localOffset < limit else {
            throw .corrupt("entry sizes or offsets are out of range")
        }

        let hostSystem = versionMadeBy >> 8
        var path = decodeName(rawName, isUTF8: flags & (1 << 11) != 0)
        // MS-DOS, NTFS and VFAT hosts sometimes use backslashes as separators.
        if hostSystem == 0 || hostSystem == 11 || hostSystem == 14 {
            path = String(path.map { $0 == "\\" ? "/" : $0 })
        }

        var unixMode: UInt32?
        if hostSystem == 3 || hostSystem == 19, externalAttributes >> 16 != 0 {  // Unix, OS X
            unixMode = externalAttributes >> 16
        }
        let isDirectory = path.hasSuffix("/") || unixMode.map { $0 & fileTypeMask == fileTypeDirectory } ?? false

        let entry = ZipEntry(
            path: path,
            isDirectory: isDirectory,
            uncompressedSize: Int(uncompressedSize),
            compressedSize: Int(compressedSize),
            unixMode: unixMode,
            compressionMethod: method,
            crc32: crc,
            isEncrypted: flags & 1 != 0 || method == 99,
            localHeaderOffset: Int(localOffset) + bias)
        return (entry, next)
    }

    /// The uncompressed contents of `entry` (the target path, for symbolic links), CRC-checked.
    public func contents(of entry: ZipEntry) throws(ZipError) -> [UInt8] {
        if entry.isEncrypted { throw .encrypted(path: entry.path) }
        guard entry.compressionMethod == 0 || entry.compressionMethod == 8 else {
            throw .unsupportedMethod(path: entry.path, method: entry.compressionMethod)
        }
        let reader = ByteReader(bytes: bytes)
        let header = entry.localHeaderOffset
        guard header >= 0, (try? reader.u32(header)) == 0x0403_4b50 else {
            throw .corruptEntry(path: entry.path, reason: "local file header not found")
        }
        let nameLength = Int(try reader.u16(header + 26))
        let extraLength = Int(try reader.u16(header + 28))
        let start = header + 30 + nameLength + extraLength
        guard start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw .corruptEntry(path: entry.path, reason: "data extends past the end of the file")
        }

        let data: [UInt8]
        if entry.compressionMethod == 0 {
            guard entry.compressedSize == entry.uncompressedSize else {
                throw .corruptEntry(path: entry.path, reason: "stored entry has different compressed and uncompressed sizes")
            }
            data = Array(bytes[start..<(start + entry.compressedSize)])
        } else {
            do {
                data = try bytes.withUnsafeBufferPointer { (all) throws(InflateError) -> [UInt8] in
                    try Inflate.decompress(
                        buffer: UnsafeBufferPointer(rebasing: all[start..<(start + entry.compressedSize)]),
                        expectedSize: entry.uncompressedSize)
                }
            } catch {
                throw .corruptEntry(path: entry.path, reason: error.description)
            }
        }
        let actual = CRC32.checksum(data)
        if actual != entry.crc32 {
            throw .crcMismatch(path: entry.path, expected: entry.crc32, actual: actual)
        }
        return data
    }

    // MARK: Extraction

    /// Extracts every entry below `directory` (created if needed).
    ///
    /// All entries are checked before anything is written: absolute paths and paths with a `..`
    /// component are refused, as are encrypted entries and unsupported methods. Symbolic links
    /// (Unix entries) are created last, and only with relative targets that stay inside
    /// `directory`; parent directories are never followed through symbolic links, and files are
    /// opened with O_NOFOLLOW. Everything is private: directories 0700, files the Unix mode's
    /// owner bits when present (at least 0600), never a group or other bit.
    /// - Throws: `ZipError`.
    public func extract(to directory: String) throws {
        try extractTyped(to: directory)
    }

    private func extractTyped(to directory: String) throws(ZipError) {
        struct Planned {
            var entry: ZipEntry
            var components: [String]
        }
        var planned: [Planned] = []
        var symlinks: [(Planned, target: String)] = []
        for entry in entries {
            guard let components = safeComponents(entry.path) else { throw .unsafePath(entry.path) }
            if components.isEmpty {
                if entry.isDirectory { continue }  // e.g. "./"
                throw .unsafePath(entry.path)
            }
            if entry.isDirectory {
                planned.append(Planned(entry: entry, components: components))
                continue
            }
            if entry.isEncrypted { throw .encrypted(path: entry.path) }
            guard entry.compressionMethod == 0 || entry.compressionMethod == 8 else {
                throw .unsupportedMethod(path: entry.path, method: entry.compressionMethod)
            }
            if entry.isSymbolicLink {
                let target = String(decoding: try contents(of: entry), as: UTF8.self)
                guard isSafeSymlinkTarget(target, depth: components.count - 1) else {
                    throw .unsafeSymlink(path: entry.path, target: target)
                }
                symlinks.append((Planned(entry: entry, components: components), target))
            } else {
                planned.append(Planned(entry: entry, components: components))
            }
        }

        let root = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        try makeRootDirectory(root)
        var fileSystem = FileSystem(root: root)
        var directoryModes: [(path: String, depth: Int, mode: mode_t)] = []

        for item in planned {
            if item.entry.isDirectory {
                let path = try fileSystem.ensureDirectory(item.components[...])
                // Private: the owner's bits only (a directory is always 0700).
                let mode = mode_t(0o700)
                directoryModes.append((path, item.components.count, mode))
            } else {
                let parent = try fileSystem.ensureDirectory(item.components.dropLast())
                let path = parent + "/" + (item.components.last ?? "")
                // Private: the archive's owner bits (at least read and write), nothing for group or others.
                let mode = mode_t(item.entry.unixMode.map { $0 & 0o700 } ?? 0) | 0o600
                try writeFile(path, contents: try contents(of: item.entry), mode: mode)
            }
        }

        for (item, target) in symlinks {
            let parent = try fileSystem.ensureDirectory(item.components.dropLast())
            let path = parent + "/" + (item.components.last ?? "")
            var status = stat()
            if lstat(path, &status) == 0 {
                if UInt32(status.st_mode) & fileTypeMask == fileTypeDirectory {
                    throw .io(path: path, reason: "a directory is in the way of a symbolic link")
                }
                if unlink(path) != 0 { throw .io(path: path, reason: lastError()) }
            }
            if symlink(target, path) != 0 { throw .io(path: path, reason: lastError()) }
        }

        // Directory permissions last (deepest first), so that restrictive modes do not get in the way.
        for (path, _, mode) in directoryModes.sorted(by: { $0.depth > $1.depth }) {
            if chmod(path, mode) != 0 { throw .io(path: path, reason: lastError()) }
        }
    }
}

// MARK: - Extraction helpers

/// Splits an entry path into components, dropping empty and "." ones; nil when the path is
/// absolute or contains a ".." component or a NUL character.
private func safeComponents(_ path: String) -> [String]? {
    if path.hasPrefix("/") || path.contains("\0") { return nil }
    var components: [String] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == ".." { return nil }
        components.append(String(part))
    }
    return components
}

/// A symlink target is accepted when it is relative, its ".." components all come first, and
/// there are no more of them than the link's depth below the extraction root. Since ".." never
/// follows a descent, resolving the target can never climb out through another symbolic link.
private func isSafeSymlinkTarget(_ target: String, depth: Int) -> Bool {
    if target.isEmpty || target.hasPrefix("/") || target.contains("\0") { return false }
    var ups = 0
    var descended = false
    for part in target.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == ".." {
            if descended { return false }
            ups += 1
        } else {
            descended = true
        }
    }
    return ups <= depth
}

private func lastError() -> String {
    String(cString: strerror(errno))
}

private func makeRootDirectory(_ path: String) throws(ZipError) {
    var status = stat()
    if stat(path, &status) == 0 {
        guard UInt32(status.st_mode) & fileTypeMask == fileTypeDirectory else {
            throw .io(path: path, reason: "not a directory")
        }
        return
    }
    let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    if !parent.isEmpty, parent != path { try makeRootDirectory(parent) }
    if mkdir(path, 0o700) != 0, errno != EEXIST { throw .io(path: path, reason: lastError()) }
}

/// Creates directories below the extraction root, refusing to go through anything that is not
/// a real directory (in particular, symbolic links).
private struct FileSystem {
    let root: String
    var known: Set<String> = []

    init(root: String) {
        self.root = root
    }

    /// Returns the path of the directory for `components`, creating it as needed.
    mutating func ensureDirectory(_ components: ArraySlice<String>) throws(ZipError) -> String {
        var path = root
        for component in components {
            path += "/" + component
            if known.contains(path) { continue }
            var status = stat()
            if lstat(path, &status) == 0 {
                guard UInt32(status.st_mode) & fileTypeMask == fileTypeDirectory else {
                    throw .io(path: path, reason: "exists and is not a directory")
                }
            } else if errno == ENOENT {
                if mkdir(path, 0o700) != 0 { throw .io(path: path, reason: lastError()) }
                if chmod(path, 0o700) != 0 { throw .io(path: path, reason: lastError()) }  // regardless of umask
            } else {
                throw .io(path: path, reason: lastError())
            }
            known.insert(path)
        }
        return path
    }
}

private func writeFile(_ path: String, contents: [UInt8], mode: mode_t) throws(ZipError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode_t(0o600))
    if descriptor < 0 { throw .io(path: path, reason: lastError()) }
    var failure: String?
    do {
        try FileIO.writeAll(fd: descriptor, bytes: contents)
    } catch {
        failure = error.reason
    }
    if failure == nil, fchmod(descriptor, mode) != 0 { failure = lastError() }
    if close(descriptor) != 0, failure == nil { failure = lastError() }
    if let failure { throw .io(path: path, reason: failure) }
}

// MARK: - Names

private let cp437High: [Character] = Array(
    "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐"
        + "└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{A0}")

/// Entry names are UTF-8 when flagged so; otherwise they are officially CP437, but many tools
/// write UTF-8 without the flag, so valid UTF-8 is taken as such and anything else as CP437.
private func decodeName(_ bytes: [UInt8], isUTF8: Bool) -> String {
    let utf8 = String(decoding: bytes, as: UTF8.self)
    if isUTF8 || utf8.utf8.elementsEqual(bytes) { return utf8 }
    var result = ""
    for byte in bytes {
        if byte < 0x80 {
            result.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            result.append(cp437High[Int(byte) - 0x80])
        }
    }
    return result
}

// MARK: - Little-endian reads

private struct ByteReader {
    let bytes: [UInt8]

    @inline(__always)
    private func check(_ offset: Int, _ size: Int) throws(ZipError) {
        guard offset >= 0, offset <= bytes.count - size else {
            throw .corrupt("unexpected end of file")
        }
    }

    func u16(_ offset: Int) throws(ZipError) -> UInt16 {
        try check(offset, 2)
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32(_ offset: Int) throws(ZipError) -> UInt32 {
        try check(offset, 4)
        var value: UInt32 = 0
        for index in (0..<4).reversed() { value = value << 8 | UInt32(bytes[offset + index]) }
        return value
    }

    func u64(_ offset: Int) throws(ZipError) -> UInt64 {
        try check(offset, 8)
        var value: UInt64 = 0
        for index in (0..<8).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }
}

// MARK: - CRC-32

/// CRC-32 as used by zip, gzip and PNG (reflected polynomial 0xEDB88320), slicing by 8.
public enum CRC32 {
    /// Eight 256-entry tables, one after another.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var crc = UInt32(index)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            tables[index] = crc
        }
        for slice in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(slice - 1) * 256 + index]
                tables[slice * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// The CRC-32 of `bytes`; pass a previous result as `crc` to continue a running checksum.
    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { input in
            tables.withUnsafeBufferPointer { table in
                var crc = ~crc
                var index = 0
                let count = input.count
                while index + 8 <= count {
                    let low = crc ^ (UInt32(input[index]) | UInt32(input[index + 1]) << 8
                        | UInt32(input[index + 2]) << 16 | UInt32(input[index + 3]) << 24)
                    let high = UInt32(input[index + 4]) | UInt32(input[index + 5]) << 8
                        | UInt32(input[index + 6]) << 16 | UInt32(input[index + 7]) << 24
                    crc = table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                        ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                        ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                        ^ table[256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                    index += 8
                }
                while index < count {
                    crc = table[Int((crc ^ UInt32(input[index])) & 0xFF)] ^ (crc >> 8)
                    index += 1
                }
                return ~crc
            }
        }
    }
}
