/// `--output table`, as the AWS CLI v1 prints it with colour off
/// (awscli/formatter.py `TableFormatter` over awscli/table.py `MultiTable`).
///
/// The response becomes a list of sections: an object's scalar members are
/// one header row plus one value row (or a single `key | value` row when
/// there is only one), each list or object member is a nested section
/// indented by one more `|` on both sides, and a list of objects is a
/// multi-row section.  All sections share one total width, the widest
/// section's; columns are scaled to fill it.  When that width exceeds the
/// terminal width, every single-row section is turned sideways into
/// `header | value` rows.
///
/// awscli reads the terminal width with an ioctl on stdout and uses 80 when
/// stdout is not a terminal (piped, redirected, captured), so 80 is the
/// default here; on a terminal, pass its width.  (On a terminal awscli's
/// default `--color auto` also wraps cells in ANSI colours; this is the
/// `--color off` / not-a-terminal rendering.)  Empty or falsy results
/// (`null`, `0`, `""`, `[]`, `{}`) print nothing at all.
public enum TableFormatter {
    /// The table for `value` under `title` (the operation name, e.g. `Invoke`).
    /// Shapes the real CLI cannot draw (rows of differing lengths in one
    /// section, lists mixing objects and scalars) give an empty string, as
    /// the CLI prints nothing on stdout then; ``render(_:title:terminalWidth:)``
    /// tells the error.
    public static func format(_ value: JSON, title: String, terminalWidth: Int = 80) -> String {
        (try? render(value, title: title, terminalWidth: terminalWidth)) ?? ""
    }

    /// The table for `value`, or the error the real CLI would raise
    /// (its `str()` is what the CLI prints on stderr, exit status 255).
    public static func render(_ value: JSON, title: String, terminalWidth: Int = 80) throws(OutputFormatError) -> String {
        var builder = Builder()
        guard try builder.build(title: title, value, indentLevel: 0) else { return "" }
        var table = builder.table
        return table.render(terminalWidth: terminalWidth)
    }

    // MARK: - Building sections (formatter.TableFormatter)

    private struct Builder {
        var table = MultiTable()

        mutating func build(title: String?, _ current: JSON, indentLevel: Int) throws(OutputFormatError) -> Bool {
            if !PythonText.truthy(current) { return false }
            if let title { table.newSection(title: title, indentLevel: indentLevel) }
            switch current {
            case let .array(items):
                if items.first?.objectValue != nil {
                    try subTableFromList(items, indentLevel: indentLevel, title: title)
                } else {
                    for item in items {
                        switch item {
                        case let .array(elements):
                            if elements.allSatisfy(PyFormat.isScalar) {
                                try table.addRow(elements)
                            } else {
                                _ = try build(title: nil, item, indentLevel: 0)
                            }
                        case let .object(object):
                            // Iterating a dict yields its keys, which are always scalar.
                            try table.addRow(object.keys.map(JSON.string))
                        default:
                            try table.addRow([item])
                        }
                    }
                }
            case let .object(object):
                try subTableFromDict(object, indentLevel: indentLevel)
            default:
                break
            }
            return true
        }

        mutating func subTableFromDict(_ current: JSONObject, indentLevel: Int) throws(OutputFormatError) {
            let (headers, more) = groupScalarKeys(current)
            if headers.count == 1 {
                try table.addRow([.string(headers[0]), current[headers[0]] ?? .null])
            } else if !headers.isEmpty {
                try table.addRowHeader(headers)
                try table.addRow(headers.map { current[$0] ?? .null })
            }
            for remaining in more {
                _ = try build(title: remaining, current[remaining] ?? .null, indentLevel: indentLevel + 1)
            }
        }

        mutating func subTableFromList(_ current: [JSON], indentLevel: Int, title: String?) throws(OutputFormatError) {
            let (headers, more) = try groupScalarKeysFromList(current)
            try table.addRowHeader(headers)
            var first = true
            for element in current {
                if !first && !more.isEmpty {
                    table.newSection(title: title, indentLevel: indentLevel)
                    try table.addRowHeader(headers)
                }
                first = false
                guard case let .object(object) = element else {
                    // Only an empty string or list gets this far (see groupScalarKeysFromList);
                    // Python then calls `.get` on it for each header.
                    if !headers.isEmpty {
                        throw OutputFormatError(
                            type: "AttributeError",
                            message: "'\(PythonText.typeName(element))' object has no attribute 'get'")
                    }
                    try table.addRow([])
                    continue
                }
                try table.addRow(headers.map { object[$0] ?? .string("") })
                for remaining in more {
                    if let value = object[remaining] {
                        _ = try build(title: remaining, value, indentLevel: indentLevel + 1)
                    }
                }
            }
        }

        func groupScalarKeys(_ current: JSONObject) -> (headers: [String], more: [String]) {
            var headers: [String] = []
            var more: [String] = []
            for (key, value) in current {
                if PyFormat.isScalar(value) { headers.append(key) } else { more.append(key) }
            }
            return (headers.sorted(by: PythonText.codePointLess), more.sorted(by: PythonText.codePointLess))
        }

        func groupScalarKeysFromList(_ list: [JSON]) throws(OutputFormatError) -> (headers: [String], more: [String]) {
            var headers: Set<String> = []
            var more: Set<String> = []
            for item in list {
                switch item {
                case let .object(object):
                    let (h, m) = groupScalarKeys(object)
                    headers.formUnion(h)
                    more.formUnion(m)
                case let .string(s) where s.isEmpty:
                    continue  // iterating "" yields nothing
                case let .array(a) where a.isEmpty:
                    continue  // iterating [] yields nothing
                default:
                    // Python iterates the item and indexes it with what it yields.
                    throw unsupportedItemError(item)
                }
            }
            return (PythonText.sortedUnique(headers), PythonText.sortedUnique(more))
        }

        /// The exception `_group_scalar_keys(item)` raises for a non-object
        /// item in a list of objects (Python iterates it and indexes it with
        /// what it yields).
        func unsupportedItemError(_ item: JSON) -> OutputFormatError {
            switch item {
            case .string:
                return OutputFormatError(type: "TypeError", message: "string indices must be integers, not 'str'")
            case let .array(elements):
                for element in elements {
                    let index: Int
                    switch element {
                    case let .int(i): index = i
                    case let .bool(b): index = b ? 1 : 0
                    default:
                        return OutputFormatError(
                            type: "TypeError",
                            message: "list indices must be integers or slices, not \(PythonText.typeName(element))")
                    }
                    if index >= elements.count || index < -elements.count {
                        return OutputFormatError(type: "IndexError", message: "list index out of range")
                    }
                }
                // Integer "keys" then meet the string keys in sorted().
                return OutputFormatError(
                    type: "TypeError", message: "'<' not supported between instances of 'str' and 'int'")
            default:
                return OutputFormatError(
                    type: "TypeError", message: "'\(PythonText.typeName(item))' object is not iterable")
            }
        }
    }

    // MARK: - Rendering (table.MultiTable)

    private struct Section {
        /// nil when Python's title is `None` (it then still counts as 4 wide).
        var title: String? = ""
        var headers: [String] = []
        var rows: [[String]] = []
        var indentLevel = 0
        var numCols: Int?
        var maxWidths: [Int] = []

        mutating func addHeader(_ headers: [String]) throws(OutputFormatError) {
            try updateMaxWidths(headers)
            if numCols == nil { numCols = headers.count }
            self.headers = headers
        }

        mutating func addRow(_ row: [JSON]) throws(OutputFormatError) {
            if numCols == nil { numCols = row.count }
            if let numCols, row.count != numCols {
                throw OutputFormatError(
                    type: "ValueError", message: "Row should have \(numCols) elements, instead it has \(row.count)")
            }
            let formatted = row.map(PythonText.str)
            rows.append(formatted)
            try updateMaxWidths(formatted)
        }

        mutating func updateMaxWidths(_ row: [String]) throws(OutputFormatError) {
            if maxWidths.isEmpty {
                maxWidths = row.map(PyFormat.textLength)
                return
            }
            for (i, element) in row.enumerated() {
                guard i < maxWidths.count else {
                    throw OutputFormatError(type: "IndexError", message: "list index out of range")
                }
                maxWidths[i] = max(PyFormat.textLength(element), maxWidths[i])
            }
        }

        /// `calculate_column_widths(padding, max_width)`: widths + padding,
        /// scaled (rounding half to even) so they sum to `maxWidth`.
        func columnWidths(padding: Int, maxWidth: Int) -> [Int] {
            let unscaled = maxWidths.map { $0 + padding }
            if unscaled.isEmpty { return unscaled }
            let scale = Double(maxWidth) / Double(unscaled.reduce(0, +))
            var scaled = unscaled.map { Int((scale * Double($0)).rounded(.toNearestOrEven)) }
            var offBy = scaled.reduce(0, +) - maxWidth
            while offBy != 0 {
                let order: [Int] = offBy < 0 ? Array(scaled.indices.reversed()) : Array(scaled.indices)
                for i in order {
                    if offBy > 0 {
                        scaled[i] -= 1
                        offBy -= 1
                    } else {
                        scaled[i] += 1
                        offBy += 1
                    }
                    if offBy == 0 { break }
                }
            }
            return scaled
        }

        func totalWidth(padding: Int, outerPadding: Int) -> Int {
            let borderPadding = 2
            let total = maxWidths.reduce(0) { $0 + $1 + padding } + borderPadding + 2 * outerPadding
            let titleLength = title.map(PyFormat.textLength) ?? 4  // len(str(None))
            return max(titleLength + borderPadding + 2 * outerPadding, total)
        }
    }

    private struct MultiTable {
        var sections: [Section] = []

        var current: Section {
            get { sections[sections.count - 1] }
            set { sections[sections.count - 1] = newValue }
        }

        mutating func newSection(title: String?, indentLevel: Int) {
            var section = Section()
            section.title = title
            section.indentLevel = indentLevel
            sections.append(section)
        }

        mutating func addRowHeader(_ headers: [String]) throws(OutputFormatError) {
            try current.addHeader(headers)
        }

        mutating func addRow(_ row: [JSON]) throws(OutputFormatError) {
            try current.addRow(row)
        }

        mutating func render(terminalWidth: Int) -> String {
            var maxWidth = calculateMaxWidth()
            if maxWidth > terminalWidth {
                convertToVertical()
                maxWidth = calculateMaxWidth()
            }
            var out = String(repeating: "-", count: maxWidth) + "\n"
            for section in sections {
                renderSection(section, maxWidth: maxWidth, into: &out)
            }
            return out
        }

        func calculateMaxWidth() -> Int {
            sections.map { $0.totalWidth(padding: 4, outerPadding: $0.indentLevel) }.max() ?? 0
        }

        /// Single-row sections with headers become `header | value` rows.
        mutating func convertToVertical() {
            for i in sections.indices where sections[i].rows.count == 1 && !sections[i].headers.isEmpty {
                let old = sections[i]
                var section = Section()
                section.title = old.title
                section.indentLevel = old.indentLevel
                for (header, element) in zip(old.headers, old.rows[0]) {
                    // Two strings into a fresh two-column section: cannot fail.
                    try? section.addRow([.string(header), .string(element)])
                }
                sections[i] = section
            }
        }

        func renderSection(_ section: Section, maxWidth fullWidth: Int, into out: inout String) {
            let bars = String(repeating: "|", count: section.indentLevel)
            // IndentedStream: every line gets the indentation bars on both sides.
            func write(_ line: String) { out += bars + line + bars + "\n" }
            let maxWidth = fullWidth - section.indentLevel * 2

            if let title = section.title, !title.isEmpty {
                write(centerText(title, length: maxWidth, leftEdge: "|", rightEdge: "|"))
                if section.headers.isEmpty && section.rows.isEmpty {
                    write("+" + String(repeating: "-", count: max(0, maxWidth - 2)) + "+")
                }
            }
            if !section.headers.isEmpty {
                let widths = section.columnWidths(padding: 4, maxWidth: maxWidth)
                var line = ""
                for (index, (width, header)) in zip(widths, section.headers).enumerated() {
                    line += centerText(header, length: width, leftEdge: index == 0 ? "|" : "", rightEdge: "|")
                }
                write(lineBreak(widths))
                write(line)
            }
            if !section.rows.isEmpty {
                let widths = section.columnWidths(padding: 4, maxWidth: maxWidth)
                if widths.isEmpty { return }
                write(lineBreak(widths))
                for row in section.rows {
                    var line = ""
                    for (index, (width, element)) in zip(widths, row).enumerated() {
                        line += alignLeft(element, length: width, leftEdge: index == 0 ? "|" : "", rightEdge: "|")
                    }
                    write(line)
                }
                write(lineBreak(widths))
            }
        }

        /// `+-----+------+`
        func lineBreak(_ widths: [Int]) -> String {
            var line = ""
            for (index, width) in widths.enumerated() {
                if index == 0 {
                    line += "+" + String(repeating: "-", count: max(0, width - 2)) + "+"
                } else {
                    line += String(repeating: "-", count: max(0, width - 1)) + "+"
                }
            }
            return line
        }
    }

    // MARK: - table.py helpers

    /// `center_text`: Python floor division, negative counts print nothing.
    static func centerText(_ text: String, length: Int, leftEdge: String, rightEdge: String) -> String {
        let textLength = PyFormat.textLength(text)
        let charStart = floorDiv(length, 2) - floorDiv(textLength, 2) - 1
        let lengthSoFar = leftEdge.unicodeScalars.count + charStart + textLength
        let rightSpaces = length - rightEdge.unicodeScalars.count - lengthSoFar
        return leftEdge + spaces(charStart) + text + spaces(rightSpaces) + rightEdge
    }

    /// `align_left` with a left padding of 2 when it fits.
    static func alignLeft(_ text: String, length: Int, leftEdge: String, rightEdge: String) -> String {
        let textLength = PyFormat.textLength(text)
        let left = leftEdge.unicodeScalars.count
        let right = rightEdge.unicodeScalars.count
        let padding = length - (textLength + 2 + left + right) >= 0 ? 2 : 0
        let lengthSoFar = left + padding + textLength
        return leftEdge + spaces(padding) + text + spaces(length - lengthSoFar - right) + rightEdge
    }

    static func spaces(_ count: Int) -> String { String(repeating: " ", count: max(0, count)) }

    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
