import LambdaSimJSON
import LambdaSimSupport

/// A local DynamoDB table: metadata in the state, items in `dynamodb/<region>/<table>.items.json`
/// and, with a stream, stream records in `dynamodb/<region>/<table>.stream.jsonl`.
public struct DynamoTable: Codable, Sendable {
    public var name: String
    public var region: String
    public var tableId: String
    public var keySchema: JSON
    public var attributeDefinitions: JSON
    public var billingMode: String
    public var provisionedThroughput: JSON?
    /// `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE`, `NEW_AND_OLD_IMAGES`; nil without a stream.
    public var streamViewType: String?
    public var streamLabel: String?
    public var createdMs: SimInstant
    public var itemCount: Int
    /// Stream records written so far (the last record's counter).
    public var recordCount: Int64

    public var arn: String { "arn:aws:dynamodb:\(region):\(Arn.account):table/\(name)" }
    public var streamArn: String? { streamLabel.map { arn + "/stream/" + $0 } }

    /// Attribute names of the key, hash key first.
    var keyNames: [String] {
        let elements = keySchema.arrayValue ?? []
        let hash = elements.filter { $0["KeyType"]?.stringValue == "HASH" }
        let range = elements.filter { $0["KeyType"]?.stringValue == "RANGE" }
        return (hash + range).compactMap { $0["AttributeName"]?.stringValue }
    }

    /// DynamoDB streams have shards too; a local table's stream has one.
    static let shardId = "shardId-00000001000000000000-00000001"

    static func sequenceNumber(_ counter: Int64) -> String { "4" + StreamFiles.pad(counter, 20) }
}

extension Engine {
    func dynamoItemsPath(_ t: DynamoTable) -> String { store.directory + "/dynamodb/\(t.region)/\(t.name).items.json" }
    func dynamoStreamPath(_ t: DynamoTable) -> String { store.directory + "/dynamodb/\(t.region)/\(t.name).stream.jsonl" }

    /// The table named by `TableName` (a name or a table ARN).
    func dynamoTable(_ state: State, _ p: JSONObject, describe: Bool = false) throws -> DynamoTable {
        var region = self.region
        var name = p.string("TableName") ?? ""
        if let arn = ResourceArn(name), arn.service == "dynamodb", arn.resource.hasPrefix("table/") {
            region = arn.region
            name = String(arn.resource.dropFirst("table/".count))
        }
        guard let table = state.streamResources.tables[region + "/" + name] else {
            throw ServiceError("ResourceNotFoundException",
                               describe ? "Requested resource not found: Table: \(name) not found" : "Requested resource not found",
                               status: 400)
        }
        return table
    }

    func dynamoDescription(_ t: DynamoTable, status: String) -> JSON {
        var o = JSONObject()
        o["AttributeDefinitions"] = t.attributeDefinitions
        o["TableName"] = .string(t.name)
        o["KeySchema"] = t.keySchema
        o["TableStatus"] = .string(status)
        o["CreationDateTime"] = .double(TimeFormat.epochSeconds(t.createdMs))
        var throughput = JSONObject([("NumberOfDecreasesToday", 0)])
        throughput["ReadCapacityUnits"] = t.provisionedThroughput?["ReadCapacityUnits"] ?? 0
        throughput["WriteCapacityUnits"] = t.provisionedThroughput?["WriteCapacityUnits"] ?? 0
        o["ProvisionedThroughput"] = .object(throughput)
        o["TableSizeBytes"] = 0
        o["ItemCount"] = .int(t.itemCount)
        o["TableArn"] = .string(t.arn)
        o["TableId"] = .string(t.tableId)
        if t.billingMode == "PAY_PER_REQUEST" {
            o["BillingModeSummary"] = .object(JSONObject([
                ("BillingMode", "PAY_PER_REQUEST"),
                ("LastUpdateToPayPerRequestDateTime", .double(TimeFormat.epochSeconds(t.createdMs))),
            ]))
        }
        if let view = t.streamViewType, let label = t.streamLabel, let streamArn = t.streamArn {
            o["StreamSpecification"] = .object(JSONObject([("StreamEnabled", true), ("StreamViewType", .string(view))]))
            o["LatestStreamLabel"] = .string(label)
            o["LatestStreamArn"] = .string(streamArn)
        }
        o["DeletionProtectionEnabled"] = false
        return .object(o)
    }

    func dynamoCreateTable(_ p: JSONObject) throws -> JSON {
        let name = p.string("TableName") ?? ""
        if name.count < 3 || name.count > 255 {
            throw ServiceError.constraint(value: name, field: "tableName",
                                          name.count < 3 ? "Member must have length greater than or equal to 3" : "Member must have length less than or equal to 255")
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") })
        else {
            throw ServiceError.constraint(value: name, field: "tableName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        }
        let keySchema = p["KeySchema"]?.arrayValue ?? []
        let definitions = p["AttributeDefinitions"]?.arrayValue ?? []
        let hashKeys = keySchema.filter { $0["KeyType"]?.stringValue == "HASH" }
        if keySchema.isEmpty || keySchema.count > 2 || hashKeys.count != 1 {
            throw ServiceError.validation("1 validation error detected: Value at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2 and contain exactly one HASH key")
        }
        let defined = Set(definitions.compactMap { $0["AttributeName"]?.stringValue })
        for element in keySchema {
            let attribute = element["AttributeName"]?.stringValue ?? ""
            if !defined.contains(attribute) {
                throw ServiceError.validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [\(attribute)], AttributeDefinitions: [\(defined.sorted().joined(separator: ", "))]")
            }
        }
        let billing = p.string("BillingMode") ?? "PROVISIONED"
        if billing == "PROVISIONED", p["ProvisionedThroughput"] == nil {
            throw ServiceError.validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
        }
        var viewType: String?
        if let spec = p.object("StreamSpecification"), spec.bool("StreamEnabled") == true {
            guard let view = spec.string("StreamViewType") else {
                throw ServiceError.validation("One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true")
            }
            viewType = view
        }
        return try store.update { state -> JSON in
            let key = self.region + "/" + name
            if state.streamResources.tables[key] != nil {
                throw ServiceError("ResourceInUseException", "Table already exists: \(name)", status: 400)
            }
            let now = self.now(state)
            let label = viewType.map { _ in String(TimeFormat.iso(now).dropLast()) }
            let table = DynamoTable(name: name, region: self.region, tableId: state.rng.uuid(), keySchema: .array(keySchema),
                                    attributeDefinitions: .array(definitions), billingMode: billing,
                                    provisionedThroughput: p["ProvisionedThroughput"], streamViewType: viewType, streamLabel: label,
                                    createdMs: now, itemCount: 0, recordCount: 0)
            state.streamResources.tables[key] = table
            return .object(JSONObject([("TableDescription", self.dynamoDescription(table, status: "CREATING"))]))
        }
    }

    func dynamoDescribeTable(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        return .object(JSONObject([("Table", dynamoDescription(try dynamoTable(state, p, describe: true), status: "ACTIVE"))]))
    }

    func dynamoListTables(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        var names = state.streamResources.tables.values.filter { $0.region == region }.map(\.name).sorted()
        if let start = p.string("ExclusiveStartTableName") { names = names.filter { $0 > start } }
        var o = JSONObject()
        if let limit = p.integer("Limit"), limit < names.count {
            names = Array(names.prefix(limit))
            o["LastEvaluatedTableName"] = names.last.map { .string($0) }
        }
        o["TableNames"] = .array(names.map { .string($0) })
        return .object(JSONObject([("TableNames", o["TableNames"] ?? .array([]))] + (o["LastEvaluatedTableName"].map { [("LastEvaluatedTableName", $0)] } ?? [])))
    }

    // MARK: - Items

    func dynamoItems(_ t: DynamoTable) -> JSONObject {
        guard let bytes = FileIO.readAll(path: dynamoItemsPath(t)), let json = try? JSONParser.parse(bytes: bytes) else {
            return JSONObject()
        }
        return json.objectValue ?? JSONObject()
    }

    /// The key of an item (or of a `Key` parameter) as a string, checking it against the schema.
    func dynamoKey(_ t: DynamoTable, _ item: JSONObject, isKeyParameter: Bool) throws -> String {
        var parts: [String] = []
        for name in t.keyNames {
            guard let value = item[name], let typed = value.objectValue, typed.count == 1 else {
                throw ServiceError.validation(isKeyParameter ? "The provided key element does not match the schema"
                    : "One or more parameter values were invalid: Missing the key \(name) in the item")
            }
            let expected = t.attributeDefinitions.arrayValue?.first { $0["AttributeName"]?.stringValue == name }?["AttributeType"]?.stringValue
            if let expected, typed[expected] == nil {
                throw ServiceError.validation(isKeyParameter ? "The provided key element does not match the schema"
                    : "One or more parameter values were invalid: Type mismatch for key \(name) expected: \(expected) actual: \(typed.keys.first ?? "")")
            }
            parts.append(JSONWriter.string(value))
        }
        if isKeyParameter, item.count != t.keyNames.count {
            throw ServiceError.validation("The provided key element does not match the schema")
        }
        return parts.joined(separator: "\u{1}")
    }

    func keyAttributes(_ t: DynamoTable, _ item: JSONObject) -> JSON {
        var o = JSONObject()
        for name in t.keyNames { o[name] = item[name] }
        return .object(o)
    }

    /// Writes the item change (nil = deleted) and, with a stream, its stream record.
    func dynamoWrite(_ state: inout State, _ table: DynamoTable, key: String, old: JSONObject?, new: JSONObject?) throws {
        var t = table
        var items = dynamoItems(t)
        items[key] = new.map { .object($0) }
        t.itemCount = items.count
        try StreamFiles.replace(dynamoItemsPath(t), bytes: JSONWriter.bytes(.object(items)))
        if let view = t.streamViewType, old.map({ JSON.object($0) }) != new.map({ JSON.object($0) }) {
            let now = self.now(state)
            t.recordCount += 1
            let eventName = old == nil ? "INSERT" : (new == nil ? "REMOVE" : "MODIFY")
            var ddb = JSONObject()
            ddb["ApproximateCreationDateTime"] = .double(Double(now / 1000))
            ddb["Keys"] = keyAttributes(t, new ?? old ?? JSONObject())
            if let new, view == "NEW_IMAGE" || view == "NEW_AND_OLD_IMAGES" { ddb["NewImage"] = .object(new) }
            if let old, view == "OLD_IMAGE" || view == "NEW_AND_OLD_IMAGES" { ddb["OldImage"] = .object(old) }
            let sequence = DynamoTable.sequenceNumber(t.recordCount)
            ddb["SequenceNumber"] = .string(sequence)
            var size = 0
            for part in ["Keys", "NewImage", "OldImage"] { size += Self.dynamoSize(ddb[part]?.objectValue ?? JSONObject()) }
            ddb["SizeBytes"] = .int(size)
            ddb["StreamViewType"] = .string(view)
            let record = JSON.object(JSONObject([
                ("eventID", .string(state.rng.hex32())), ("eventName", .string(eventName)), ("eventVersion", "1.1"),
                ("eventSource", "aws:dynamodb"), ("awsRegion", .string(t.region)), ("dynamodb", .object(ddb)),
                ("eventSourceARN", .string(t.streamArn ?? "")),
            ]))
            try StreamLogs.append([StreamEntry(counter: t.recordCount, shardId: DynamoTable.shardId, sequenceNumber: sequence,
                                               arrivalMs: now, body: record)], to: dynamoStreamPath(t))
        }
        state.streamResources.tables[t.region + "/" + t.name] = t
    }

    /// DynamoDB's item size: attribute names plus values (numbers about one byte per two digits).
    static func dynamoSize(_ item: JSONObject) -> Int {
        item.reduce(0) { $0 + $1.key.utf8.count + valueSize($1.value) }
    }

    static func valueSize(_ value: JSON) -> Int {
        guard let typed = value.objectValue, let type = typed.keys.first, let v = typed[type] else { return 0 }
        switch type {
        case "S": return v.stringValue?.utf8.count ?? 0
        case "N": return ((v.stringValue?.count ?? 0) + 1) / 2 + 1
        case "B": return Base64.decode(v.stringValue ?? "")?.count ?? 0
        case "BOOL", "NULL": return 1
        case "SS", "NS", "BS": return (v.arrayValue ?? []).reduce(0) { $0 + valueSize(.object(JSONObject([(String(type.prefix(1)), $1)]))) }
        case "L": return 3 + (v.arrayValue ?? []).reduce(0) { $0 + 1 + valueSize($1) }
        case "M": return 3 + dynamoSize(v.objectValue ?? JSONObject())
        default: return 0
        }
    }

    /// The request's `ConditionExpression` against the item as it is (nil: no item yet).
    func dynamoCheckCondition(_ p: JSONObject, existing: JSONObject?) throws {
        guard let text = p.string("ConditionExpression") else { return }
        let condition = try DynamoExpression.condition(text, kind: "ConditionExpression",
                                                       names: p.object("ExpressionAttributeNames") ?? JSONObject(),
                                                       values: p.object("ExpressionAttributeValues") ?? JSONObject())
        if !DynamoExpression.evaluate(condition, existing ?? JSONObject()) {
            throw ServiceError("ConditionalCheckFailedException", "The conditional request failed", status: 400)
        }
    }

    /// The request's `ProjectionExpression` paths, nil without one.
    func dynamoProjection(_ p: JSONObject) throws -> [DynamoPath]? {
        guard let text = p.string("ProjectionExpression") else { return nil }
        return try DynamoExpression.projection(text, names: p.object("ExpressionAttributeNames") ?? JSONObject())
    }

    func dynamoReturn(_ p: JSONObject, old: JSONObject?, new: JSONObject?, updated: Set<String> = []) -> JSON {
        var attributes: JSONObject?
        switch p.string("ReturnValues") ?? "NONE" {
        case "ALL_OLD": attributes = old
        case "ALL_NEW": attributes = new
        case "UPDATED_OLD": attributes = old.map { o in JSONObject(o.filter { updated.contains($0.key) }.map { ($0.key, $0.value) }) }
        case "UPDATED_NEW": attributes = new.map { o in JSONObject(o.filter { updated.contains($0.key) }.map { ($0.key, $0.value) }) }
        default: break
        }
        guard let attributes, !attributes.isEmpty else { return .object(JSONObject()) }
        return .object(JSONObject([("Attributes", .object(attributes))]))
    }

    /// The response with `ConsumedCapacity` added when `ReturnConsumedCapacity` asks for it:
    /// writes cost 1 unit per KB (of the larger of the old and new item), reads 1 unit per 4 KB,
    /// half that when not strongly consistent (no secondary indexes here, so INDEXES only adds
    /// `Table`).
    func dynamoWithCapacity(_ response: JSON, _ p: JSONObject, table: DynamoTable, bytes: Int, write: Bool) -> JSON {
        let level = p.string("ReturnConsumedCapacity") ?? "NONE"
        guard level == "TOTAL" || level == "INDEXES", var object = response.objectValue else { return response }
        var units = Double(max(1, (bytes + (write ? 1023 : 4095)) / (write ? 1024 : 4096)))
        if !write, p.bool("ConsistentRead") != true { units /= 2 }
        var consumed = JSONObject([("TableName", .string(table.name)), ("CapacityUnits", .double(units))])
        if level == "INDEXES" { consumed["Table"] = .object(JSONObject([("CapacityUnits", .double(units))])) }
        object["ConsumedCapacity"] = .object(consumed)
        return .object(object)
    }

    func dynamoPutItem(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            let t = try self.dynamoTable(state, p)
            guard let item = p.object("Item") else { throw ServiceError.validation("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null") }
            let key = try self.dynamoKey(t, item, isKeyParameter: false)
            let old = self.dynamoItems(t)[key]?.objectValue
            try self.dynamoCheckCondition(p, existing: old)
            try self.dynamoWrite(&state, t, key: key, old: old, new: item)
            let bytes = max(Self.dynamoSize(old ?? JSONObject()), Self.dynamoSize(item))
            return self.dynamoWithCapacity(self.dynamoReturn(p, old: old, new: nil), p, table: t, bytes: bytes, write: true)
        }
    }

    func dynamoGetItem(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let t = try dynamoTable(state, p)
        let key = try dynamoKey(t, p.object("Key") ?? JSONObject(), isKeyParameter: true)
        let projection = try dynamoProjection(p)
        guard let item = dynamoItems(t)[key]?.objectValue else {
            return dynamoWithCapacity(.object(JSONObject()), p, table: t, bytes: 0, write: false)
        }
        let returned = projection.map { DynamoExpression.project(item, $0) } ?? item
        return dynamoWithCapacity(.object(JSONObject([("Item", .object(returned))])), p, table: t,
                                  bytes: Self.dynamoSize(item), write: false)
    }

    func dynamoDeleteItem(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            let t = try self.dynamoTable(state, p)
            let key = try self.dynamoKey(t, p.object("Key") ?? JSONObject(), isKeyParameter: true)
            let old = self.dynamoItems(t)[key]?.objectValue
            try self.dynamoCheckCondition(p, existing: old)
            if old != nil { try self.dynamoWrite(&state, t, key: key, old: old, new: nil) }
            return self.dynamoWithCapacity(self.dynamoReturn(p, old: old, new: nil), p, table: t,
                                           bytes: Self.dynamoSize(old ?? JSONObject()), write: true)
        }
    }

    func dynamoUpdateItem(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            let t = try self.dynamoTable(state, p)
            let keyObject = p.object("Key") ?? JSONObject()
            let key = try self.dynamoKey(t, keyObject, isKeyParameter: true)
            let old = self.dynamoItems(t)[key]?.objectValue
            try self.dynamoCheckCondition(p, existing: old)
            var new = old ?? keyObject
            var updated: Set<String> = []
            if let expression = p.string("UpdateExpression") {
                let update = try UpdateExpression(expression, names: p.object("ExpressionAttributeNames") ?? JSONObject(),
                                                  values: p.object("ExpressionAttributeValues") ?? JSONObject())
                updated = try update.apply(to: &new, keyNames: Set(t.keyNames))
            }
            try self.dynamoWrite(&state, t, key: key, old: old, new: new)
            let bytes = max(Self.dynamoSize(old ?? JSONObject()), Self.dynamoSize(new))
            return self.dynamoWithCapacity(self.dynamoReturn(p, old: old, new: new, updated: updated), p, table: t,
                                           bytes: bytes, write: true)
        }
    }

    func dynamoScan(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let t = try dynamoTable(state, p)
        let names = p.object("ExpressionAttributeNames") ?? JSONObject()
        let filter = try p.string("FilterExpression").map {
            try DynamoExpression.condition($0, kind: "FilterExpression", names: names,
                                           values: p.object("ExpressionAttributeValues") ?? JSONObject())
        }
        let projection = try dynamoProjection(p)
        let items = dynamoItems(t)
        // Limit caps the items examined (ScannedCount); the filter then picks those returned (Count).
        var keys = items.keys.sorted()
        if let start = p.object("ExclusiveStartKey") {
            let after = try dynamoKey(t, start, isKeyParameter: true)
            keys = keys.filter { $0 > after }
        }
        var scanned = keys.compactMap { items[$0]?.objectValue }
        var lastEvaluated: JSON?
        if let limit = p.integer("Limit"), limit < scanned.count {
            scanned = Array(scanned.prefix(limit))
            // More items remain: DynamoDB answers the key of the last one examined.
            lastEvaluated = scanned.last.map { keyAttributes(t, $0) }
        }
        let matching = filter.map { condition in scanned.filter { DynamoExpression.evaluate(condition, $0) } } ?? scanned
        let returned = matching.map { item in JSON.object(projection.map { DynamoExpression.project(item, $0) } ?? item) }
        let bytes = scanned.reduce(0) { $0 + Self.dynamoSize($1) }
        var response = JSONObject()
        if p.string("Select") != "COUNT" { response["Items"] = .array(returned) }
        response["Count"] = .int(matching.count)
        response["ScannedCount"] = .int(scanned.count)
        if let lastEvaluated { response["LastEvaluatedKey"] = lastEvaluated }
        return dynamoWithCapacity(.object(response), p, table: t, bytes: bytes, write: false)
    }
}

/// An UpdateExpression: `SET a = :v, b = b + :n, c = if_not_exists(c, :z)`, `REMOVE x, y`,
/// `ADD n :one`, `ADD tags :set`, `DELETE tags :set` (top-level attributes; names through `#n`
/// placeholders).
struct UpdateExpression {
    enum Operand {
        case value(JSON)
        case path(String)
        indirect case plus(Operand, Operand)
        indirect case minus(Operand, Operand)
        indirect case ifNotExists(String, Operand)
        indirect case listAppend(Operand, Operand)
    }

    var sets: [(String, Operand)] = []
    var removes: [String] = []
    var adds: [(String, JSON)] = []
    var deletes: [(String, JSON)] = []

    private var tokens: [String] = []
    private var position = 0
    private let names: JSONObject
    private let values: JSONObject

    init(_ text: String, names: JSONObject, values: JSONObject) throws {
        self.names = names
        self.values = values
        tokens = Self.tokenize(text)
        var clause = ""
        while position < tokens.count {
            let upper = tokens[position].uppercased()
            if ["SET", "REMOVE", "ADD", "DELETE"].contains(upper) {
                clause = upper
                position += 1
                continue
            }
            if tokens[position] == "," {
                position += 1
                continue
            }
            switch clause {
            case "SET":
                let path = try name()
                try expect("=")
                sets.append((path, try operand()))
            case "REMOVE":
                removes.append(try name())
            case "ADD":
                let path = try name()
                guard case let .value(v) = try single() else { throw Self.invalid("ADD needs a value") }
                adds.append((path, v))
            case "DELETE":
                let path = try name()
                guard case let .value(v) = try single() else { throw Self.invalid("DELETE needs a value") }
                guard let type = v.objectValue?.keys.first, Self.setTypes.contains(type) else {
                    throw Self.invalid("Incorrect operand type for operator or function; operator: DELETE, operand type: \(Self.typeName(v)), typeSet: ALLOWED_FOR_DELETE_OPERAND")
                }
                deletes.append((path, v))
            default:
                throw Self.invalid("unsupported clause \(clause.isEmpty ? tokens[position] : clause)")
            }
        }
    }

    static let setTypes: Set<String> = ["SS", "NS", "BS"]

    /// DynamoDB's name of a value's type in error messages (`STRING`, `NUMBER_SET`, ...).
    static func typeName(_ value: JSON) -> String {
        let names = ["S": "STRING", "N": "NUMBER", "B": "BINARY", "SS": "STRING_SET", "NS": "NUMBER_SET", "BS": "BINARY_SET",
                     "M": "MAP", "L": "LIST", "BOOL": "BOOLEAN", "NULL": "NULL"]
        return value.objectValue?.keys.first.flatMap { names[$0] } ?? "UNKNOWN"
    }

    /// A set's elements (its `SS`/`NS`/`BS` array).
    static func setElements(_ value: JSON, type: String) -> [JSON] { value[type]?.arrayValue ?? [] }

    /// Whether two set elements are the same (numbers by value).
    static func sameElement(_ a: JSON, _ b: JSON, type: String) -> Bool {
        DynamoExpression.equal(.object(JSONObject([(String(type.prefix(1)), a)])), .object(JSONObject([(String(type.prefix(1)), b)])))
    }

    static func invalid(_ why: String) -> ServiceError {
        ServiceError.validation("Invalid UpdateExpression: \(why)")
    }

    static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for ch in text {
            if ch == " " || ch == "\n" || ch == "\t" {
                if !current.isEmpty { tokens.append(current); current = "" }
            } else if "=,+-()".contains(ch) {
                if !current.isEmpty { tokens.append(current); current = "" }
                tokens.append(String(ch))
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    private mutating func next() throws -> String {
        guard position < tokens.count else { throw Self.invalid("unexpected end of expression") }
        position += 1
        return tokens[position - 1]
    }

    private mutating func expect(_ token: String) throws {
        let t = try next()
        if t != token { throw Self.invalid("expected \(token), found \(t)") }
    }

    private mutating func name() throws -> String {
        let t = try next()
        if t.hasPrefix("#") {
            guard let resolved = names.string(t) else {
                throw ServiceError.validation("Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: \(t)")
            }
            return resolved
        }
        if t.contains(".") || t.contains("[") { throw Self.invalid("lambda-sim supports top-level attributes only (\(t))") }
        guard let first = t.first, first.isLetter || first == "_" else { throw Self.invalid("syntax error; token: \"\(t)\"") }
        return t
    }

    private mutating func single() throws -> Operand {
        guard position < tokens.count else { throw Self.invalid("unexpected end of expression") }
        let t = tokens[position]
        if t.hasPrefix(":") {
            position += 1
            guard let v = values[t] else {
                throw ServiceError.validation("Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: \(t)")
            }
            return .value(v)
        }
        let lower = t.lowercased()
        if lower == "if_not_exists" || lower == "list_append" {
            position += 1
            try expect("(")
            if lower == "if_not_exists" {
                let path = try name()
                try expect(",")
                let fallback = try operand()
                try expect(")")
                return .ifNotExists(path, fallback)
            }
            let a = try operand()
            try expect(",")
            let b = try operand()
            try expect(")")
            return .listAppend(a, b)
        }
        return .path(try name())
    }

    private mutating func operand() throws -> Operand {
        let left = try single()
        if position < tokens.count, tokens[position] == "+" || tokens[position] == "-" {
            let op = try next()
            let right = try single()
            return op == "+" ? .plus(left, right) : .minus(left, right)
        }
        return left
    }

    func evaluate(_ operand: Operand, _ item: JSONObject) throws -> JSON {
        switch operand {
        case let .value(v): return v
        case let .path(p):
            guard let v = item[p] else {
                throw ServiceError.validation("The provided expression refers to an attribute that does not exist in the item")
            }
            return v
        case let .plus(a, b): return try Self.arithmetic(try evaluate(a, item), try evaluate(b, item), sign: 1)
        case let .minus(a, b): return try Self.arithmetic(try evaluate(a, item), try evaluate(b, item), sign: -1)
        case let .ifNotExists(p, fallback): return try item[p] ?? evaluate(fallback, item)
        case let .listAppend(a, b):
            guard let l = try evaluate(a, item)["L"]?.arrayValue, let r = try evaluate(b, item)["L"]?.arrayValue else {
                throw ServiceError.validation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append")
            }
            return .object(JSONObject([("L", .array(l + r))]))
        }
    }

    static func arithmetic(_ a: JSON, _ b: JSON, sign: Int) throws -> JSON {
        guard let x = a["N"]?.stringValue, let y = b["N"]?.stringValue else {
            throw ServiceError.validation("An operand in the update expression has an incorrect data type")
        }
        if let i = Int(x), let j = Int(y) { return .object(JSONObject([("N", .string(String(i + sign * j)))])) }
        guard let d = Double(x), let e = Double(y) else {
            throw ServiceError.validation("An operand in the update expression has an incorrect data type")
        }
        return .object(JSONObject([("N", .string(JSONWriter.formatDouble(d + Double(sign) * e)))]))
    }

    /// Applies the expression; returns the names of the attributes it touched.
    func apply(to item: inout JSONObject, keyNames: Set<String>) throws -> Set<String> {
        var touched: Set<String> = []
        let before = item
        for (path, operand) in sets {
            if keyNames.contains(path) {
                throw ServiceError.validation("One or more parameter values were invalid: Cannot update attribute \(path). This attribute is part of the key")
            }
            item[path] = try evaluate(operand, before)
            touched.insert(path)
        }
        for path in removes {
            if keyNames.contains(path) {
                throw ServiceError.validation("One or more parameter values were invalid: Cannot update attribute \(path). This attribute is part of the key")
            }
            item[path] = nil
            touched.insert(path)
        }
        for (path, value) in adds {
            if let existing = item[path], let type = value.objectValue?.keys.first, Self.setTypes.contains(type) {
                guard existing[type] != nil else {
                    throw ServiceError.validation("An operand in the update expression has an incorrect data type")
                }
                var elements = Self.setElements(existing, type: type)
                for element in Self.setElements(value, type: type)
                where !elements.contains(where: { Self.sameElement($0, element, type: type) }) {
                    elements.append(element)
                }
                item[path] = .object(JSONObject([(type, .array(elements))]))
            } else if let existing = item[path] {
                item[path] = try Self.arithmetic(existing, value, sign: 1)
            } else {
                item[path] = value
            }
            touched.insert(path)
        }
        for (path, value) in deletes {
            if keyNames.contains(path) {
                throw ServiceError.validation("One or more parameter values were invalid: Cannot update attribute \(path). This attribute is part of the key")
            }
            touched.insert(path)
            guard let existing = item[path], let type = value.objectValue?.keys.first else { continue }
            guard existing[type] != nil else {
                throw ServiceError.validation("An operand in the update expression has an incorrect data type")
            }
            let removed = Self.setElements(value, type: type)
            let kept = Self.setElements(existing, type: type).filter { element in
                !removed.contains { Self.sameElement($0, element, type: type) }
            }
            item[path] = kept.isEmpty ? nil : .object(JSONObject([(type, .array(kept))]))
        }
        return touched
    }
}
