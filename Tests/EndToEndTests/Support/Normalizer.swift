import Foundation

/// Rewrites what legitimately changes from run to run into fixed placeholders before a golden
/// comparison. Each rule matches only the exact format AWS uses, so a value in the wrong format
/// is left alone and the comparison fails.
///
/// Default rules (applied to stdout, stderr and the outfile when they are UTF-8):
/// - `"LogResult": "<base64>"` → `"LogResult": "<base64 of: TEXT>"`, TEXT being the decoded log
///   with these same rules applied, then JSON-escaped (`\n`, `\t`);
/// - a lower-case UUID (`8-4-4-4-12` hex: request ids, `RevisionId`, ESM `UUID`) → `<uuid>`;
/// - a stack-trace path to the fixture handler, `File "/any/dir/handler.py"` (quotes possibly
///   JSON-escaped) → `File "<task-root>/handler.py"` (AWS prints `/var/task`, lambda-sim the
///   code's real location).
///
/// Optional rules, chosen per case:
/// - `logDurations`: in `REPORT` lines, `Duration: 1.23 ms` → `Duration: <ms> ms`, `Billed
///   Duration: 2 ms` → `Billed Duration: <ms> ms`, `Max Memory Used: 40 MB` → `Max Memory Used:
///   <mb> MB`, `Init Duration: 0.50 ms` → `Init Duration: <ms> ms` (real runtimes' measured values);
/// - `timestamps` (cases on the wall clock): function `LastModified` `2019-08-14T22:26:11.234+0000`
///   → `<iso-time>`; epoch seconds with a fraction `1573686021.479` → `<epoch>`; v2 local ISO
///   `2026-11-22T14:58:59.383000-05:00` → `<local-time>-05:00` (the offset is kept);
/// - `base64Stdout`: stdout is base64 text (`--query LogResult --output text`): decode it first
///   (and apply `logDurations` to it);
/// - `base64Tokens`: any run of 60+ base64 characters (a `LogResult` inside a table) is decoded
///   and shown as `<base64 of: TEXT>` like `LogResult` above;
/// - `collapseTableRuns` (stdout only): runs of 3+ spaces or dashes become 2, for tables whose
///   width depends on a normalised value.
struct Normalizer: Sendable {
    struct Options: OptionSet, Sendable {
        let rawValue: Int
        static let logDurations = Options(rawValue: 1)
        static let timestamps = Options(rawValue: 2)
        static let base64Stdout = Options(rawValue: 4)
        static let collapseTableRuns = Options(rawValue: 8)
        static let base64Tokens = Options(rawValue: 16)
    }

    var options: Options = []

    static var uuid: Regex<Substring> { #/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/# }
    static var logResult: Regex<(Substring, Substring)> { #/"LogResult": "([A-Za-z0-9+/=]*)"/# }
    static var handlerPath: Regex<(Substring, Substring)> { #/File (\\?)"[^"\\]*/handler\.py\\?"/# }
    static var functionTime: Regex<Substring> { #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000/# }
    static var epochSeconds: Regex<Substring> { #/\b\d{10}\.\d{1,3}\b/# }
    static var localTime: Regex<(Substring, Substring)> { #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{6})?([+-]\d\d:\d\d)/# }
    static var duration: Regex<(Substring, Substring, Substring)> { #/(\t)(Init Duration|Duration): \d+\.\d\d ms/# }
    static var base64Token: Regex<Substring> { #/[A-Za-z0-9+\/]{60,}={0,2}/# }
    /// A layer version's `Content.Location`: the extracted content under the sandbox's state directory.
    static var layerContent: Regex<Substring> { #/file:\/\/[^"\s]*\/layers\//# }
    static var billed: Regex<Substring> { #/Billed Duration: \d+ ms/# }
    static var memoryUsed: Regex<Substring> { #/Max Memory Used: \d+ MB/# }

    /// Normalises one stream. Bytes that are not UTF-8 are returned unchanged.
    func apply(_ bytes: [UInt8], isStdout: Bool = false) -> [UInt8] {
        var bytes = bytes
        if isStdout, options.contains(.base64Stdout) {
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let data = Data(base64Encoded: text) else { return Array("<not base64: \(text)>".utf8) }
            bytes = [UInt8](data)
        }
        guard let text = String(validatingUTF8Bytes: bytes) else { return bytes }
        var normalised = apply(text)
        if isStdout, options.contains(.collapseTableRuns) {
            normalised = normalised.replacing(#/ {3,}/#, with: "  ").replacing(#/-{3,}/#, with: "--")
        }
        return Array(normalised.utf8)
    }

    func apply(_ input: String) -> String {
        var text = input.replacing(Self.logResult) { match in
            guard let data = Data(base64Encoded: String(match.output.1)),
                let decoded = String(validatingUTF8Bytes: [UInt8](data))
            else { return String(match.output.0) }
            return "\"LogResult\": \"<base64 of: \(Self.escape(logText(decoded)))>\""
        }
        if options.contains(.base64Tokens) {
            text = text.replacing(Self.base64Token) { match in
                guard let data = Data(base64Encoded: String(match.output)),
                    let decoded = String(validatingUTF8Bytes: [UInt8](data))
                else { return String(match.output) }
                return "<base64 of: \(Self.escape(logText(decoded)))>"
            }
        }
        text = plain(text)
        if options.contains(.logDurations) || options.contains(.base64Stdout) { text = durations(text) }
        return text
    }

    /// The rules for text inside a decoded log.
    func logText(_ text: String) -> String {
        options.contains(.logDurations) ? durations(plain(text)) : plain(text)
    }

    private func plain(_ input: String) -> String {
        var text = input
        if options.contains(.timestamps) {
            text = text.replacing(Self.functionTime, with: "<iso-time>")
            text = text.replacing(Self.localTime) { "<local-time>" + $0.output.1 }
            text = text.replacing(Self.epochSeconds, with: "<epoch>")
        }
        text = text.replacing(Self.uuid, with: "<uuid>")
        text = text.replacing(Self.layerContent, with: "file://<state-dir>/layers/")
        text = text.replacing(Self.handlerPath) { match in
            let q = match.output.1
            return "File \(q)\"<task-root>/handler.py\(q)\""
        }
        return text
    }

    private func durations(_ input: String) -> String {
        input.replacing(Self.duration) { "\($0.output.1)\($0.output.2): <ms> ms" }
            .replacing(Self.billed, with: "Billed Duration: <ms> ms")
            .replacing(Self.memoryUsed, with: "Max Memory Used: <mb> MB")
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension String {
    /// The bytes as a String if they are valid UTF-8, else nil.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var text = ""
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar): text.unicodeScalars.append(scalar)
            case .emptyInput: self = text; return
            case .error: return nil
            }
        }
    }
}
