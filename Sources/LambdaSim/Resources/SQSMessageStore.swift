import Foundation
import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One message in a queue, as the message store keeps it.
struct SQSMessage: Sendable {
    var messageId: String
    var body: String
    var md5OfBody: String
    var messageAttributes: [String: MessageAttributeValue]
    var md5OfMessageAttributes: String?
    var awsTraceHeader: String?
    var md5OfMessageSystemAttributes: String?
    var senderId: String
    var sentMs: SimInstant
    /// When the message is (again) visible: after its delay, or after a visibility timeout.
    var visibleAtMs: SimInstant
    var receiveCount: Int
    var firstReceiveMs: SimInstant?
    /// The receipt handle of the latest receive.
    var receiptHandle: String?
    /// Order of arrival in this queue.
    var seq: Int64
    var messageGroupId: String?
    var messageDeduplicationId: String?
    var sequenceNumber: String?
    var deadLetterQueueSourceArn: String?
    /// Bumped on every visibility change (in memory only), to skip stale heap entries.
    var version: Int = 0

    func isInFlight(at now: SimInstant) -> Bool { receiveCount > 0 && visibleAtMs > now }
}

/// The messages of one queue: an append-only journal file (`sqs/<storageId>.jsonl` beside the
/// state file) replayed into memory, kept in a per-process cache and refreshed from the file's
/// new tail, so a command only reads what changed since it last looked.
///
/// Every change is appended to the file first and then applied in memory, always while the
/// caller holds the state lock, so the file is the truth and memory always matches it. When
/// the journal has grown well past the live messages it is compacted (temporary file, fsync,
/// rename).
final class SQSMessageStore {
    let path: String
    private(set) var messages: [String: SQSMessage] = [:]
    private var heap = VisibilityHeap()
    private var lastSeq: Int64 = 0
    /// FIFO deduplication ids seen in the last five minutes: key → (message id, time).
    private(set) var deduplication: [String: (messageId: String, atMs: SimInstant)] = [:]
    /// Messages of each FIFO message group in order of arrival.
    private var groups: [String: [String]] = [:]

    // The file as far as it has been read.
    private var identity: FileIdentity?
    private var offset = 0
    private var journalRecords = 0
    /// An `O_APPEND` descriptor on the journal, or -1.
    private var appendFD: Int32 = -1

    init(path: String) { self.path = path }

    deinit { closeAppendDescriptor() }

    var count: Int { messages.count }

    // MARK: - Reading the journal

    /// Brings memory up to date with the file: reads only the new tail when the file grew,
    /// everything when it was replaced (compacted, deleted, re-created).
    func refresh() throws {
        guard let current = FileIdentity(path: path) else {
            if identity != nil || !messages.isEmpty || offset != 0 { reset() }
            return
        }
        if let identity, identity.sameFile(as: current), current.size >= offset {
            if current.size > offset { try readTail(from: offset) }
            self.identity = current
            return
        }
        reset()
        try readTail(from: 0)
        identity = FileIdentity(path: path)
    }

    private func reset() {
        closeAppendDescriptor()
        messages = [:]
        heap = VisibilityHeap()
        lastSeq = 0
        deduplication = [:]
        groups = [:]
        identity = nil
        offset = 0
        journalRecords = 0
    }

    private func readTail(from start: Int) throws {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(path: path, from: start)
        } catch {
            if error.step == .open { return }
            throw StateFileError(path: path, reason: "cannot read: \(error.reason)")
        }
        // Only complete lines: a line still being written (or cut short by a crash) is left
        // for the next read, or ignored.
        guard let lastNewline = bytes.lastIndex(of: 0x0A) else { return }
        var lineStart = 0
        for i in 0...lastNewline where bytes[i] == 0x0A {
            // A line with a number out of range (hand-edited) is skipped like one that does not parse.
            if i > lineStart, NumberRange.firstOutOfRange(in: bytes[lineStart..<i]) == nil,
                let record = try? JSONParser.parse(bytes: bytes[lineStart..<i]),
                let op = JournalOp(record)
            {
                apply(op)
                journalRecords += 1
            }
            lineStart = i + 1
        }
        offset = start + lastNewline + 1
    }

    // MARK: - Changing the journal

    /// Appends `ops` to the file, then applies them in memory. Call inside
    /// `SQSStoreCache.with`, which has just brought the store up to date with the file.
    func commit(_ ops: [JournalOp]) throws {
        guard !ops.isEmpty else { return }
        var text = ""
        for var op in ops {
            if case var .send(m) = op, m.seq == 0 {
                m.seq = lastSeq + 1
                op = .send(m)
            }
            text += op.line
            text += "\n"
            apply(op)
        }
        // Memory runs ahead of the file only until this write; a failed write resets it.
        do {
            try append(text)
        } catch {
            reset()
            throw error
        }
        journalRecords += ops.count
        try compactIfDue()
    }

    private func compactIfDue() throws {
        if journalRecords > 256, journalRecords > 4 * (messages.count + deduplication.count) {
            try compact()
        }
    }

    /// Writes `text` at the end of the journal through a descriptor kept open while the file
    /// stays the same one. A failed write is cut back off, so the journal never keeps half a line.
    private func append(_ text: String) throws {
        if appendFD < 0 {
            var fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            if fd < 0, errno == ENOENT {
                try ensureDirectory()
                fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            }
            guard fd >= 0 else {
                throw StateFileError(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
            }
            appendFD = fd
        }
        let bytes = Array(text.utf8)
        do {
            try FileIO.writeAll(fd: appendFD, bytes: bytes)
        } catch {
            _ = ftruncate(appendFD, off_t(offset))
            throw StateFileError(path: path, reason: "cannot write: \(error.reason)")
        }
        offset += bytes.count
        if var known = identity {
            known.size = offset
            identity = known
        } else {
            identity = FileIdentity(path: path)
        }
    }

    private func closeAppendDescriptor() {
        if appendFD >= 0 { close(appendFD) }
        appendFD = -1
    }

    /// Rewrites the journal as one record per live message (and live deduplication id).
    func compact() throws {
        try ensureDirectory()
        var text = ""
        var lines = 0
        for message in messages.values.sorted(by: { $0.seq < $1.seq }) {
            text += Self.sendLine(message)
            text += "\n"
            lines += 1
        }
        for (key, entry) in deduplication.sorted(by: { $0.key < $1.key }) where messages[entry.messageId] == nil {
            text += JournalOp.deduplication(key: key, messageId: entry.messageId, atMs: entry.atMs).line
            text += "\n"
            lines += 1
        }
        let bytes = Array(text.utf8)
        try StateStore.atomicWrite(bytes, to: path)
        closeAppendDescriptor()
        journalRecords = lines
        offset = bytes.count
        identity = FileIdentity(path: path)
    }

    /// Removes the file (the queue was deleted).
    func removeFile() {
        unlink(path)
        reset()
    }

    private func ensureDirectory() throws {
        guard let slash = path.lastIndex(of: "/") else { return }
        let directory = String(path[..<slash])
        if access(directory, F_OK) == 0 { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateFileError(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
        }
    }

    // MARK: - Records

    /// A `send` line (without its newline), written directly: the hot path of every send.
    static func sendLine(_ m: SQSMessage) -> String {
        var out = "{\"op\":\"send\""
        func string(_ key: String, _ value: String?) {
            guard let value else { return }
            out += ",\"" + key + "\":"
            JSONWriter.writeString(value, into: &out)
        }
        func number(_ key: String, _ value: Int64?) {
            guard let value else { return }
            out += ",\"" + key + "\":" + String(value)
        }
        string("messageId", m.messageId)
        number("seq", m.seq)
        string("body", m.body)
        string("md5OfBody", m.md5OfBody)
        if !m.messageAttributes.isEmpty {
            var attrs = JSONObject()
            for (name, value) in m.messageAttributes.sorted(by: { $0.key < $1.key }) { attrs[name] = value.sqsJSON }
            out += ",\"messageAttributes\":" + JSONWriter.string(.object(attrs))
        }
        string("md5OfMessageAttributes", m.md5OfMessageAttributes)
        string("awsTraceHeader", m.awsTraceHeader)
        string("md5OfMessageSystemAttributes", m.md5OfMessageSystemAttributes)
        string("senderId", m.senderId)
        number("sentTimestamp", m.sentMs)
        number("visibleAt", m.visibleAtMs)
        number("receiveCount", m.receiveCount > 0 ? Int64(m.receiveCount) : nil)
        number("firstReceiveTimestamp", m.firstReceiveMs)
        string("receiptHandle", m.receiptHandle)
        string("messageGroupId", m.messageGroupId)
        string("messageDeduplicationId", m.messageDeduplicationId)
        string("sequenceNumber", m.sequenceNumber)
        string("deadLetterQueueSourceArn", m.deadLetterQueueSourceArn)
        return out + "}"
    }

    static func message(from record: JSONObject) -> SQSMessage? {
        guard let id = record.string("messageId"), let body = record.string("body") else { return nil }
        var attributes: [String: MessageAttributeValue] = [:]
        for (name, value) in record.object("messageAttributes") ?? JSONObject() {
            attributes[name] = MessageAttributeValue(dataType: value["DataType"]?.stringValue ?? "String",
                                                     stringValue: value["StringValue"]?.stringValue,
                                                     binaryValue: value["BinaryValue"]?.stringValue)
        }
        return SQSMessage(
            messageId: id, body: body, md5OfBody: record.string("md5OfBody") ?? MD5.hex(body), messageAttributes: attributes,
            md5OfMessageAttributes: record.string("md5OfMessageAttributes"), awsTraceHeader: record.string("awsTraceHeader"),
            md5OfMessageSystemAttributes: record.string("md5OfMessageSystemAttributes"),
            senderId: record.string("senderId") ?? SQSConstants.userSenderId,
            sentMs: SimInstant(record.int("sentTimestamp") ?? 0), visibleAtMs: SimInstant(record.int("visibleAt") ?? 0),
            receiveCount: record.int("receiveCount") ?? 0, firstReceiveMs: record.int("firstReceiveTimestamp").map(SimInstant.init),
            receiptHandle: record.string("receiptHandle"), seq: SimInstant(record.int("seq") ?? 0),
            messageGroupId: record.string("messageGroupId"), messageDeduplicationId: record.string("messageDeduplicationId"),
            sequenceNumber: record.string("sequenceNumber"), deadLetterQueueSourceArn: record.string("deadLetterQueueSourceArn"))
    }

    /// Applies one journal operation to memory.
    private func apply(_ op: JournalOp) {
        switch op {
        case let .send(m):
            applySend(m)
            return
        case let .receive(id, handle, at, visibleAt):
            guard var m = messages[id] else { return }
            m.receiveCount += 1
            if m.firstReceiveMs == nil { m.firstReceiveMs = at }
            m.receiptHandle = handle
            m.visibleAtMs = visibleAt
            m.version += 1
            messages[id] = m
            heap.push(m)
        case let .visibility(id, visibleAt):
            guard var m = messages[id] else { return }
            m.visibleAtMs = visibleAt
            m.version += 1
            messages[id] = m
            heap.push(m)
        case let .delete(id, _):
            guard let m = messages.removeValue(forKey: id) else { return }
            if let group = m.messageGroupId {
                groups[group]?.removeAll { $0 == id }
                if groups[group]?.isEmpty == true { groups[group] = nil }
            }
        case .purge:
            messages = [:]
            groups = [:]
            heap = VisibilityHeap()
        case let .deduplication(key, id, at):
            deduplication[key] = (id, at)
        }
        if heap.count > 3 * messages.count + 64 { heap.rebuild(messages.values) }
    }

    private func applySend(_ message: SQSMessage) {
        var m = message
        if m.seq == 0 { m.seq = lastSeq + 1 }
        lastSeq = max(lastSeq, m.seq)
        messages[m.messageId] = m
        heap.push(m)
        if let group = m.messageGroupId { groups[group, default: []].append(m.messageId) }
        if let key = m.messageDeduplicationId { deduplication[key] = (m.messageId, m.sentMs) }
        if heap.count > 3 * messages.count + 64 { heap.rebuild(messages.values) }
    }

    // MARK: - Queries

    /// Takes the next message whose visibility has come (by visible time, then arrival) off the
    /// heap; stale entries are dropped on the way. The caller hands every taken entry back
    /// with `putBack` when it is done (entries of messages changed since are skipped later).
    func takeVisible(at now: SimInstant) -> (entry: VisibilityHeap.Entry, message: SQSMessage)? {
        while let top = heap.peek(), top.visibleAtMs <= now {
            heap.pop()
            guard let m = messages[top.messageId], m.version == top.version else { continue }
            return (top, m)
        }
        return nil
    }

    func putBack(_ entries: [VisibilityHeap.Entry]) {
        for entry in entries { heap.push(entry) }
    }

    /// Messages of `group` in arrival order (FIFO queues).
    func groupMembers(_ group: String) -> [String] { groups[group] ?? [] }

    /// The earliest future time a message becomes visible (for the scheduler), if any.
    func nextVisibilityChange(after now: SimInstant) -> SimInstant? {
        var next: SimInstant?
        for m in messages.values where m.visibleAtMs > now {
            next = min(next ?? m.visibleAtMs, m.visibleAtMs)
        }
        return next
    }

    /// Forgets FIFO deduplication ids older than five minutes.
    func expireDeduplication(now: SimInstant) {
        deduplication = deduplication.filter { now - $0.value.atMs < 300_000 }
    }
}

/// One line of a queue's journal.
enum JournalOp {
    /// A message arrived (or, after compaction, a message's whole current state).
    case send(SQSMessage)
    /// Received at `atMs` with `receiptHandle`; invisible until `visibleAtMs`.
    case receive(messageId: String, receiptHandle: String, atMs: SimInstant, visibleAtMs: SimInstant)
    /// `change-message-visibility`.
    case visibility(messageId: String, visibleAtMs: SimInstant)
    /// Deleted; `reason` `expired` or `redrive` when the service removed it.
    case delete(messageId: String, reason: String?)
    /// Every message before this line is gone.
    case purge(atMs: SimInstant)
    /// (FIFO, written by compaction) a deduplication id still inside its five minutes.
    case deduplication(key: String, messageId: String, atMs: SimInstant)

    init?(_ record: JSON) {
        guard let o = record.objectValue, let op = o.string("op") else { return nil }
        switch op {
        case "send":
            guard let m = SQSMessageStore.message(from: o) else { return nil }
            self = .send(m)
        case "recv":
            guard let id = o.string("messageId") else { return nil }
            let at = SimInstant(o.int("at") ?? 0)
            self = .receive(messageId: id, receiptHandle: o.string("receiptHandle") ?? "", atMs: at,
                            visibleAtMs: SimInstant(o.int("visibleAt") ?? Int(at)))
        case "vis":
            guard let id = o.string("messageId") else { return nil }
            self = .visibility(messageId: id, visibleAtMs: SimInstant(o.int("visibleAt") ?? 0))
        case "del":
            guard let id = o.string("messageId") else { return nil }
            self = .delete(messageId: id, reason: o.string("reason"))
        case "purge":
            self = .purge(atMs: SimInstant(o.int("at") ?? 0))
        case "dedup":
            guard let key = o.string("key"), let id = o.string("messageId") else { return nil }
            self = .deduplication(key: key, messageId: id, atMs: SimInstant(o.int("at") ?? 0))
        default:
            return nil
        }
    }

    /// The compact JSON line (without its newline), written without building a JSON tree.
    var line: String {
        var out = ""
        func string(_ key: String, _ value: String) {
            out += ",\"" + key + "\":"
            JSONWriter.writeString(value, into: &out)
        }
        func number(_ key: String, _ value: SimInstant) { out += ",\"" + key + "\":" + String(value) }
        switch self {
        case let .send(m):
            return SQSMessageStore.sendLine(m)
        case let .receive(id, handle, at, visibleAt):
            out = "{\"op\":\"recv\""
            string("messageId", id)
            string("receiptHandle", handle)
            number("at", at)
            number("visibleAt", visibleAt)
        case let .visibility(id, visibleAt):
            out = "{\"op\":\"vis\""
            string("messageId", id)
            number("visibleAt", visibleAt)
        case let .delete(id, reason):
            out = "{\"op\":\"del\""
            string("messageId", id)
            if let reason { string("reason", reason) }
        case let .purge(at):
            out = "{\"op\":\"purge\""
            number("at", at)
        case let .deduplication(key, id, at):
            out = "{\"op\":\"dedup\""
            string("key", key)
            string("messageId", id)
            number("at", at)
        }
        return out + "}"
    }
}

/// A min-heap of (visible time, arrival) with lazy deletion: entries whose message changed
/// since are skipped when popped.
struct VisibilityHeap {
    struct Entry {
        var visibleAtMs: SimInstant
        var seq: Int64
        var messageId: String
        var version: Int
    }

    private var items: [Entry] = []
    var count: Int { items.count }

    private static func less(_ a: Entry, _ b: Entry) -> Bool {
        a.visibleAtMs != b.visibleAtMs ? a.visibleAtMs < b.visibleAtMs : a.seq < b.seq
    }

    mutating func push(_ m: SQSMessage) {
        push(Entry(visibleAtMs: m.visibleAtMs, seq: m.seq, messageId: m.messageId, version: m.version))
    }

    mutating func push(_ entry: Entry) {
        items.append(entry)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    func peek() -> Entry? { items.first }

    mutating func pop() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, Self.less(items[left], items[smallest]) { smallest = left }
            if right < items.count, Self.less(items[right], items[smallest]) { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }

    mutating func rebuild<S: Sequence>(_ messages: S) where S.Element == SQSMessage {
        items = []
        for m in messages { push(m) }
    }
}

/// Which file a store has read: device, inode and size.
struct FileIdentity {
    var device: UInt64
    var inode: UInt64
    var size: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int(info.st_size)
    }

    func sameFile(as other: FileIdentity) -> Bool { device == other.device && inode == other.inode }
}

/// The per-process cache of message stores, by file path. All access goes through `with`,
/// which holds one lock, so threads of one process never share a store at the same time.
final class SQSStoreCache: @unchecked Sendable {
    static let shared = SQSStoreCache()
    private let lock = Mutex()
    private var stores: [String: SQSMessageStore] = [:]

    /// Runs `body` on the up-to-date store for `path`.
    func with<T>(_ path: String, _ body: (SQSMessageStore) throws -> T) throws -> T {
        try lock.withLock {
            let store = stores[path] ?? SQSMessageStore(path: path)
            stores[path] = store
            try store.refresh()
            return try body(store)
        }
    }

    /// Runs `body` on two stores at once (a redrive moves messages between them).
    func with<T>(_ first: String, _ second: String, _ body: (SQSMessageStore, SQSMessageStore) throws -> T) throws -> T {
        try lock.withLock {
            let a = stores[first] ?? SQSMessageStore(path: first)
            stores[first] = a
            let b = first == second ? a : stores[second] ?? SQSMessageStore(path: second)
            stores[second] = b
            try a.refresh()
            try b.refresh()
            return try body(a, b)
        }
    }
}
