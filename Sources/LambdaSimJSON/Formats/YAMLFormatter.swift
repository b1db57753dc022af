/// `--output yaml` and `--output yaml-stream`, as the AWS CLI v2 prints them.
///
/// AWS CLI v2 (awscli/formatter.py `YAMLDumper`) dumps with ruamel.yaml
/// (pinned `<=0.17.21`) as `YAML(typ='safe')` with block style, which
/// means:
///
/// * object keys are **sorted** (ruamel's safe representer sorts plain
///   dicts), by code point;
/// * scalars are written by the libyaml C emitter (ruamel.yaml.clib):
///   plain when possible, `'single quoted'` when plain text would read back
///   as another type under YAML 1.2 (`''`, `'123'`, `'1e5'`, `'true'`,
///   `'null'`, `'2026-01-01'`, ...) or starts with an indicator, and
///   `"double quoted"` with escapes for control characters, tabs, and
///   characters outside the Basic Multilingual Plane (emoji);
/// * long plain and quoted strings fold at spaces past column 80;
/// * empty collections are `[]` and `{}`;
/// * a top-level scalar (what `--query` may yield) is printed as JSON
///   instead: `"text"`, `200`, `null`.
///
/// `--output yaml` prints nothing at all for an empty object response;
/// ``format(_:)`` returns "" for `{}`.  `--output yaml-stream` writes
/// every page as a one-item list; ``formatStream(_:)`` is one page.
public enum YAMLFormatter {
    /// `--output yaml` for a (queried) response.
    public static func format(_ value: JSON) -> String {
        switch value {
        case let .object(object) where object.isEmpty:
            return ""
        case .object, .array:
            var emitter = Emitter()
            emitter.document(value)
            return emitter.out
        default:  // a scalar: json.dumps(value, ensure_ascii=False)
            return JSONWriter.string(value) + "\n"
        }
    }

    /// One page of `--output yaml-stream`: the YAML of `[value]`.  The CLI
    /// prints nothing for a response that is not paginated and is `{}`;
    /// callers skip that case themselves.
    public static func formatStream(_ value: JSON) -> String {
        var emitter = Emitter()
        emitter.document(.array([value]))
        return emitter.out
    }

    // MARK: - Scalars (ruamel SafeRepresenter + YAML 1.2 Resolver)

    /// A scalar ready for the emitter: its characters and whether plain
    /// text would resolve back to the same type (`plain_implicit`).
    struct Scalar {
        var text: [Unicode.Scalar]
        var plainImplicit: Bool

        init(_ text: String, plainImplicit: Bool = true) {
            self.text = Array(text.unicodeScalars)
            self.plainImplicit = plainImplicit
        }
    }

    static func scalar(_ value: JSON) -> Scalar {
        switch value {
        case .null: return Scalar("null")
        case let .bool(b): return Scalar(b ? "true" : "false")
        case let .int(i): return Scalar(String(i))
        case let .double(d): return Scalar(floatText(d))
        case let .string(s): return Scalar(s, plainImplicit: !Resolver.resolvesToNonString(Array(s.utf8)))
        case .array, .object: return Scalar("")  // never asked for
        }
    }

    /// ruamel's `represent_float` for YAML 1.2: Python's repr, lower-cased.
    static func floatText(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
        return PythonText.floatRepr(d).lowercased()
    }

    // MARK: - Emitter (libyaml emitter.c, restricted to what JSON produces)

    struct Analysis {
        var multiline = false
        var flowPlainAllowed = true
        var blockPlainAllowed = true
        var singleQuotedAllowed = true
    }

    enum Style { case plain, single, double }

    struct Emitter {
        static let bestWidth = 80
        static let bestIndent = 2

        var out = ""
        var column = 0
        var whitespace = true
        var indention = true
        /// -1 is libyaml's "no indentation yet".
        var indent = -1
        var indents: [Int] = []
        var flowLevel = 0
        var mappingContext = false
        var simpleKeyContext = false

        mutating func document(_ value: JSON) {
            node(value)
            writeIndent()  // document end (implicit)
        }

        mutating func node(_ value: JSON, mapping: Bool = false, simpleKey: Bool = false) {
            mappingContext = mapping
            simpleKeyContext = simpleKey
            switch value {
            case let .array(items):
                if flowLevel > 0 || items.isEmpty {
                    emptyFlowCollection(open: "[", close: "]")
                } else {
                    blockSequence(items)
                }
            case let .object(object):
                if flowLevel > 0 || object.isEmpty {
                    emptyFlowCollection(open: "{", close: "}")
                } else {
                    blockMapping(object)
                }
            default:
                scalar(YAMLFormatter.scalar(value))
            }
        }

        mutating func emptyFlowCollection(open: String, close: String) {
            writeIndicator(open, needWhitespace: true, isWhitespace: true)
            increaseIndent(flow: true)
            popIndent()
            writeIndicator(close, needWhitespace: false)
        }

        mutating func blockSequence(_ items: [JSON]) {
            increaseIndent(flow: false, indentless: mappingContext && !indention)
            for item in items {
                writeIndent()
                writeIndicator("-", needWhitespace: true, isIndention: true)
                node(item)
            }
            popIndent()
        }

        mutating func blockMapping(_ object: JSONObject) {
            increaseIndent(flow: false)
            for key in object.keys.sorted(by: PythonText.codePointLess) {
                let value = object[key] ?? .null
                writeIndent()
                let keyScalar = YAMLFormatter.scalar(.string(key))
                if !analyze(keyScalar.text).multiline && key.utf8.count <= 128 {
                    // Simple key: `key: value`.
                    node(.string(key), mapping: true, simpleKey: true)
                    writeIndicator(":", needWhitespace: false)
                    node(value, mapping: true)
                } else {
                    // Complex key: `? key` then `: value`.
                    writeIndicator("?", needWhitespace: true, isIndention: true)
                    node(.string(key), mapping: true)
                    writeIndent()
                    writeIndicator(":", needWhitespace: true, isIndention: true)
                    node(value, mapping: true)
                }
            }
            popIndent()
        }

        mutating func increaseIndent(flow: Bool, indentless: Bool = false) {
            indents.append(indent)
            if indent < 0 {
                indent = flow ? Self.bestIndent : 0
            } else if !indentless {
                indent += Self.bestIndent
            }
        }

        mutating func popIndent() {
            indent = indents.popLast() ?? -1
        }

        mutating func scalar(_ scalar: Scalar) {
            let analysis = analyze(scalar.text)
            let style = selectStyle(scalar, analysis)
            increaseIndent(flow: true)
            let allowBreaks = !simpleKeyContext
            switch style {
            case .plain: writePlain(scalar.text, allowBreaks: allowBreaks)
            case .single: writeSingleQuoted(scalar.text, allowBreaks: allowBreaks)
            case .double: writeDoubleQuoted(scalar.text, allowBreaks: allowBreaks)
            }
            popIndent()
        }

        func selectStyle(_ scalar: Scalar, _ analysis: Analysis) -> Style {
            if simpleKeyContext && analysis.multiline { return .double }
            var style = Style.plain
            if (flowLevel > 0 && !analysis.flowPlainAllowed) || (flowLevel == 0 && !analysis.blockPlainAllowed) {
                style = .single
            }
            if scalar.text.isEmpty && (flowLevel > 0 || simpleKeyContext) { style = .single }
            if !scalar.plainImplicit { style = .single }
            if style == .single && !analysis.singleQuotedAllowed { style = .double }
            return style
        }

        // MARK: Character classes (libyaml yaml_private.h)

        static func isBreak(_ ch: Unicode.Scalar) -> Bool {
            ch == "\r" || ch == "\n" || ch == "\u{85}" || ch == "\u{2028}" || ch == "\u{2029}"
        }

        static func isBlankOrEnd(_ ch: Unicode.Scalar?) -> Bool {
            guard let ch else { return true }
            return ch == " " || ch == "\t" || ch == "\0" || isBreak(ch)
        }

        /// libyaml's IS_PRINTABLE: no C0/C1 controls but `\n`, no DEL, no
        /// surrogates or non-characters, no BOM, nothing past U+FFFF.
        static func isPrintable(_ ch: Unicode.Scalar) -> Bool {
            let v = ch.value
            return v == 0x0A || (0x20...0x7E).contains(v) || (0xA0...0xD7FF).contains(v)
                || ((0xE000...0xFFFD).contains(v) && v != 0xFEFF)
        }

        // MARK: Analysis (yaml_emitter_analyze_scalar)

        func analyze(_ text: [Unicode.Scalar]) -> Analysis {
            if text.isEmpty {
                return Analysis(
                    multiline: false, flowPlainAllowed: false, blockPlainAllowed: true, singleQuotedAllowed: true)
            }
            var blockIndicators = false
            var flowIndicators = false
            var lineBreaks = false
            var specialCharacters = false
            var leadingSpace = false
            var leadingBreak = false
            var trailingSpace = false
            var trailingBreak = false
            var breakSpace = false
            var spaceBreak = false

            if text.starts(with: "---".unicodeScalars) || text.starts(with: "...".unicodeScalars) {
                blockIndicators = true
                flowIndicators = true
            }
            var precededByWhitespace = true
            var followedByWhitespace = Self.isBlankOrEnd(text.count > 1 ? text[1] : nil)
            var previousSpace = false
            var previousBreak = false

            for (index, ch) in text.enumerated() {
                if index == 0 {
                    if "#,[]{}&*!|>'\"%@`".unicodeScalars.contains(ch) {
                        flowIndicators = true
                        blockIndicators = true
                    }
                    if ch == "?" || ch == ":" {
                        flowIndicators = true
                        if followedByWhitespace { blockIndicators = true }
                    }
                    if ch == "-" && followedByWhitespace {
                        flowIndicators = true
                        blockIndicators = true
                    }
                } else {
                    if ",?[]{}".unicodeScalars.contains(ch) { flowIndicators = true }
                    if ch == ":" {
                        flowIndicators = true
                        if followedByWhitespace { blockIndicators = true }
                    }
                    if ch == "#" && precededByWhitespace {
                        flowIndicators = true
                        blockIndicators = true
                    }
                }
                if !Self.isPrintable(ch) { specialCharacters = true }
                if Self.isBreak(ch) { lineBreaks = true }
                if ch == " " {
                    if index == 0 { leadingSpace = true }
                    if index == text.count - 1 { trailingSpace = true }
                    if previousBreak { breakSpace = true }
                    previousSpace = true
                    previousBreak = false
                } else if Self.isBreak(ch) {
                    if index == 0 { leadingBreak = true }
                    if index == text.count - 1 { trailingBreak = true }
                    if previousSpace { spaceBreak = true }
                    previousSpace = false
                    previousBreak = true
                } else {
                    previousSpace = false
                    previousBreak = false
                }
                precededByWhitespace = Self.isBlankOrEnd(ch)
                if index + 1 < text.count {
                    followedByWhitespace = Self.isBlankOrEnd(index + 2 < text.count ? text[index + 2] : nil)
                }
            }

            var result = Analysis()
            result.multiline = lineBreaks
            if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
                result.flowPlainAllowed = false
                result.blockPlainAllowed = false
            }
            if breakSpace {
                result.flowPlainAllowed = false
                result.blockPlainAllowed = false
                result.singleQuotedAllowed = false
            }
            if spaceBreak || specialCharacters {
                result.flowPlainAllowed = false
                result.blockPlainAllowed = false
                result.singleQuotedAllowed = false
            }
            if lineBreaks {
                result.flowPlainAllowed = false
                result.blockPlainAllowed = false
            }
            if flowIndicators { result.flowPlainAllowed = false }
            if blockIndicators { result.blockPlainAllowed = false }
            return result
        }

        // MARK: Writers

        /// libyaml's PUT/WRITE: one character, one column.
        mutating func put(_ ch: Unicode.Scalar) {
            out.unicodeScalars.append(ch)
            column += 1
        }

        mutating func put(_ text: String) {
            for ch in text.unicodeScalars { put(ch) }
        }

        mutating func putBreak() {
            out += "\n"
            column = 0
        }

        /// WRITE_BREAK: `\n` as a line break, other breaks as themselves.
        mutating func writeBreak(_ ch: Unicode.Scalar) {
            if ch == "\n" {
                putBreak()
            } else {
                out.unicodeScalars.append(ch)
                column = 0
            }
        }

        mutating func writeIndicator(
            _ indicator: String, needWhitespace: Bool, isWhitespace: Bool = false, isIndention: Bool = false
        ) {
            if needWhitespace && !whitespace { put(" ") }
            put(indicator)
            whitespace = isWhitespace
            indention = indention && isIndention
        }

        mutating func writeIndent() {
            let indent = max(self.indent, 0)
            if !indention || column > indent || (column == indent && !whitespace) {
                putBreak()
            }
            while column < indent { put(" ") }
            whitespace = true
            indention = true
        }

        mutating func writePlain(_ text: [Unicode.Scalar], allowBreaks: Bool) {
            if !whitespace && (!text.isEmpty || flowLevel > 0) { put(" ") }
            var spaces = false
            var breaks = false
            for (index, ch) in text.enumerated() {
                if ch == " " {
                    let nextIsSpace = index + 1 < text.count && text[index + 1] == " "
                    if allowBreaks && !spaces && column > Self.bestWidth && !nextIsSpace {
                        writeIndent()
                    } else {
                        put(ch)
                    }
                    spaces = true
                } else if Self.isBreak(ch) {
                    if !breaks && ch == "\n" { putBreak() }
                    writeBreak(ch)
                    indention = true
                    breaks = true
                } else {
                    if breaks { writeIndent() }
                    put(ch)
                    indention = false
                    spaces = false
                    breaks = false
                }
            }
            whitespace = false
            indention = false
        }

        mutating func writeSingleQuoted(_ text: [Unicode.Scalar], allowBreaks: Bool) {
            writeIndicator("'", needWhitespace: true)
            var spaces = false
            var breaks = false
            for (index, ch) in text.enumerated() {
                if ch == " " {
                    let nextIsSpace = index + 1 < text.count && text[index + 1] == " "
                    if allowBreaks && !spaces && column > Self.bestWidth && index != 0
                        && index != text.count - 1 && !nextIsSpace
                    {
                        writeIndent()
                    } else {
                        put(ch)
                    }
                    spaces = true
                } else if Self.isBreak(ch) {
                    if !breaks && ch == "\n" { putBreak() }
                    writeBreak(ch)
                    indention = true
                    breaks = true
                } else {
                    if breaks { writeIndent() }
                    if ch == "'" { put("'") }
                    put(ch)
                    indention = false
                    spaces = false
                    breaks = false
                }
            }
            if breaks { writeIndent() }
            writeIndicator("'", needWhitespace: false)
            whitespace = false
            indention = false
        }

        static let escapes: [UInt32: Unicode.Scalar] = [
            0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f", 0x0D: "r",
            0x1B: "e", 0x22: "\"", 0x5C: "\\", 0x85: "N", 0xA0: "_", 0x2028: "L", 0x2029: "P",
        ]

        mutating func writeDoubleQuoted(_ text: [Unicode.Scalar], allowBreaks: Bool) {
            writeIndicator("\"", needWhitespace: true)
            var spaces = false
            for (index, ch) in text.enumerated() {
                let v = ch.value
                if !Self.isPrintable(ch) || v == 0xFEFF || Self.isBreak(ch) || ch == "\"" || ch == "\\" {
                    put("\\")
                    if let short = Self.escapes[v] {
                        put(short)
                    } else if v <= 0xFF {
                        put("x" + PythonText.hex(v, width: 2).uppercased())
                    } else if v <= 0xFFFF {
                        put("u" + PythonText.hex(v, width: 4).uppercased())
                    } else {
                        put("U" + PythonText.hex(v, width: 8).uppercased())
                    }
                    spaces = false
                } else if ch == " " {
                    if allowBreaks && !spaces && column > Self.bestWidth && index != 0 && index != text.count - 1 {
                        writeIndent()
                        if index + 1 < text.count && text[index + 1] == " " { put("\\") }
                    } else {
                        put(ch)
                    }
                    spaces = true
                } else {
                    put(ch)
                    spaces = false
                }
            }
            writeIndicator("\"", needWhitespace: false)
            whitespace = false
            indention = false
        }
    }

    // MARK: - Resolver (ruamel.yaml resolver.py, the YAML 1.2 implicit resolvers)

    /// Whether ruamel would read `text`, written plain, as a non-string:
    /// bool, int, float, null, timestamp, merge (`<<`), value (`=`) or the
    /// `!`/`&`/`*` documentation tag.  Resolvers are looked up by first
    /// character, as ruamel does (so `_5` is a string although it matches
    /// the int pattern).
    enum Resolver {
        static func resolvesToNonString(_ bytes: [UInt8]) -> Bool {
            switch String(decoding: bytes, as: UTF8.self) {
            case "true", "True", "TRUE", "false", "False", "FALSE",
                "", "~", "null", "Null", "NULL", "<<", "=", "!", "&", "*":
                return true
            default:
                break
            }
            guard let first = bytes.first else { return false }
            let sign = first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
            if isDigit(first) || sign {
                if isInt(bytes) || isTimestamp(bytes) { return true }
            }
            if isDigit(first) || sign || first == UInt8(ascii: ".") {
                if isFloat(bytes) { return true }
            }
            return false
        }

        static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        static func isDigitOrUnderscore(_ b: UInt8) -> Bool { isDigit(b) || b == 0x5F }
        static func isBinary(_ b: UInt8) -> Bool { b == 0x30 || b == 0x31 || b == 0x5F }
        static func isOctal(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x37) || b == 0x5F }
        static func isHex(_ b: UInt8) -> Bool {
            isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) || b == 0x5F
        }

        /// A tiny cursor over ASCII bytes for the hand-written matchers.
        struct Cursor {
            let bytes: [UInt8]
            var i = 0
            var atEnd: Bool { i >= bytes.count }
            var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

            mutating func take(_ b: UInt8) -> Bool {
                if peek == b {
                    i += 1
                    return true
                }
                return false
            }

            mutating func take(ascii: Character) -> Bool {
                guard let b = ascii.asciiValue else { return false }
                return take(b)
            }

            mutating func takeSign(required: Bool = false) -> Bool {
                if take(ascii: "-") || take(ascii: "+") { return true }
                return !required
            }

            @discardableResult
            mutating func takeWhile(_ pred: (UInt8) -> Bool) -> Int {
                let start = i
                while let b = peek, pred(b) { i += 1 }
                return i - start
            }

            /// `[eE]` then a sign (optional unless `signRequired`) and digits.
            mutating func takeExponent(signRequired: Bool) -> Bool {
                guard take(ascii: "e") || take(ascii: "E") else { return false }
                guard takeSign(required: signRequired) else { return false }
                return takeWhile(Resolver.isDigit) > 0
            }
        }

        /// `[-+]?0b[0-1_]+ | [-+]?0o?[0-7_]+ | [-+]?[0-9_]+ | [-+]?0x[0-9a-fA-F_]+`
        static func isInt(_ bytes: [UInt8]) -> Bool {
            var base = Cursor(bytes: bytes)
            _ = base.takeSign()
            var c = base
            if c.take(ascii: "0"), c.take(ascii: "b"), c.takeWhile(isBinary) > 0, c.atEnd { return true }
            c = base
            if c.take(ascii: "0"), c.take(ascii: "o"), c.takeWhile(isOctal) > 0, c.atEnd { return true }
            c = base
            if c.takeWhile(isDigitOrUnderscore) > 0, c.atEnd { return true }
            c = base
            if c.take(ascii: "0"), c.take(ascii: "x"), c.takeWhile(isHex) > 0, c.atEnd { return true }
            return false
        }

        /// ```
        /// [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        /// |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        /// |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        /// |[-+]?\.(?:inf|Inf|INF)
        /// |\.(?:nan|NaN|NAN)
        /// ```
        static func isFloat(_ bytes: [UInt8]) -> Bool {
            var base = Cursor(bytes: bytes)
            _ = base.takeSign()
            var c = base
            if let b = c.peek, isDigit(b) {
                c.takeWhile(isDigitOrUnderscore)
                var d = c
                if d.take(ascii: ".") {
                    d.takeWhile(isDigitOrUnderscore)
                    if d.atEnd { return true }
                    if d.takeExponent(signRequired: false), d.atEnd { return true }
                }
                if c.takeExponent(signRequired: false), c.atEnd { return true }
            }
            c = base
            if c.take(ascii: "."), c.takeWhile(isDigitOrUnderscore) > 0 {
                if c.atEnd { return true }
                if c.takeExponent(signRequired: true), c.atEnd { return true }
            }
            let rest = Array(bytes[base.i...])
            if [".inf", ".Inf", ".INF"].contains(where: { Array($0.utf8) == rest }) { return true }
            return [".nan", ".NaN", ".NAN"].contains(where: { Array($0.utf8) == bytes })
        }

        /// ```
        /// [0-9]{4}-[0-9]{2}-[0-9]{2}
        /// |[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9]{2}:[0-9]{2}
        ///  (?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9]{2})?))?
        /// ```
        static func isTimestamp(_ bytes: [UInt8]) -> Bool {
            var c = Cursor(bytes: bytes)
            guard c.takeWhile(isDigit) == 4, c.take(ascii: "-") else { return false }
            let month = c.takeWhile(isDigit)
            guard month == 1 || month == 2, c.take(ascii: "-") else { return false }
            let day = c.takeWhile(isDigit)
            guard day == 1 || day == 2 else { return false }
            if c.atEnd { return month == 2 && day == 2 }
            if !(c.take(ascii: "T") || c.take(ascii: "t")) {
                guard c.takeWhile({ $0 == 0x20 || $0 == 0x09 }) > 0 else { return false }
            }
            let hour = c.takeWhile(isDigit)
            guard hour == 1 || hour == 2, c.take(ascii: ":"), c.takeWhile(isDigit) == 2, c.take(ascii: ":"),
                c.takeWhile(isDigit) == 2
            else { return false }
            if c.take(ascii: ".") { c.takeWhile(isDigit) }
            c.takeWhile { $0 == 0x20 || $0 == 0x09 }
            if c.atEnd { return true }
            if c.take(ascii: "Z") { return c.atEnd }
            guard c.takeSign(required: true) else { return false }
            let tzHour = c.takeWhile(isDigit)
            guard tzHour == 1 || tzHour == 2 else { return false }
            if c.take(ascii: ":") { guard c.takeWhile(isDigit) == 2 else { return false } }
            return c.atEnd
        }
    }
}
