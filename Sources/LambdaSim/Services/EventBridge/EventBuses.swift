import Foundation
import LambdaSimJSON
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An EventBridge event bus. The events it received are appended, one JSON event a line, to
/// `events/<region>/<name>.jsonl` beside the state file.
public struct EventBus: Codable, Sendable {
    public var name: String
    public var region: String
    public var description: String?
    public var kmsKeyIdentifier: String?
    /// `{"Arn": …}` as given, echoed back.
    public var deadLetterConfig: JSON?
    public var tags: [String: String]?
    public var createdMs: SimInstant

    public var arn: String { ResourceNames.busArn(region: region, name: name) }
}

extension Engine {
    /// `<state dir>/events/<region>/<bus>.jsonl`: the events a bus received.
    public func eventLogPath(region: String, bus: String) -> String {
        store.directory + "/events/" + region + "/" + bus + ".jsonl"
    }

    func eventBusExists(_ state: State, region: String, name: String) -> Bool {
        name == "default" || state.localResources.buses[region + "/" + name] != nil
    }

    func eventsCreateEventBus(_ p: JSONObject) throws -> JSON {
        let name = p.string("Name") ?? ""
        guard !name.isEmpty, name.count <= 256 else {
            throw ServiceError.constraint(value: name, field: "name", "Member must have length less than or equal to 256")
        }
        if p.string("EventSourceName") == nil {
            if name.contains("/") {
                throw ServiceError("ValidationException", "Event bus name must not contain '/'.", status: 400)
            }
            let valid = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
            guard valid else {
                throw ServiceError.constraint(value: name, field: "name", "Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+")
            }
        } else {
            throw ServiceError("ResourceNotFoundException", "Event source \(p.string("EventSourceName") ?? "") does not exist.", status: 400)
        }
        var tags: [String: String] = [:]
        for tag in p["Tags"]?.arrayValue ?? [] {
            if let key = tag["Key"]?.stringValue { tags[key] = tag["Value"]?.stringValue ?? "" }
        }
        let bus = try store.update { state -> EventBus in
            let key = self.region + "/" + name
            if name == "default" || state.localResources.buses[key] != nil {
                throw ServiceError("ResourceAlreadyExistsException", "Event bus \(name) already exists.", status: 400)
            }
            let bus = EventBus(name: name, region: self.region, description: p.string("Description"),
                               kmsKeyIdentifier: p.string("KmsKeyIdentifier"), deadLetterConfig: p["DeadLetterConfig"],
                               tags: tags.isEmpty ? nil : tags, createdMs: self.now(state))
            state.localResources.buses[key] = bus
            return bus
        }
        var out = JSONObject([("EventBusArn", .string(bus.arn))])
        if let d = bus.description { out["Description"] = .string(d) }
        if let k = bus.kmsKeyIdentifier { out["KmsKeyIdentifier"] = .string(k) }
        if let dl = bus.deadLetterConfig { out["DeadLetterConfig"] = dl }
        return .object(out)
    }

    func eventsDeleteEventBus(_ p: JSONObject) throws -> JSON {
        let name = p.string("Name") ?? ""
        if name == "default" {
            throw ServiceError("ValidationException", "Cannot delete event bus default.", status: 400)
        }
        try store.update { state in
            state.localResources.buses[self.region + "/" + name] = nil
        }
        unlink(eventLogPath(region: region, bus: name))
        return .object(JSONObject())
    }

    func eventsListEventBuses(_ p: JSONObject) throws -> JSON {
        let buses = try store.update { state -> [EventBus] in
            let defaultKey = self.region + "/default"
            if state.localResources.buses[defaultKey] == nil {
                // The default bus exists from the start; remember when it was first seen.
                state.localResources.buses[defaultKey] = EventBus(name: "default", region: self.region, createdMs: self.now(state))
            }
            return state.localResources.buses.values.filter { $0.region == self.region }.sorted { $0.name < $1.name }
        }
        let prefix = p.string("NamePrefix") ?? ""
        var out: [JSON] = []
        for bus in buses where bus.name.hasPrefix(prefix) {
            var o = JSONObject([("Name", .string(bus.name)), ("Arn", .string(bus.arn))])
            if let d = bus.description { o["Description"] = .string(d) }
            o["CreationTime"] = .double(TimeFormat.epochSeconds(bus.createdMs))
            o["LastModifiedTime"] = .double(TimeFormat.epochSeconds(bus.createdMs))
            out.append(.object(o))
        }
        if let limit = p.integer("Limit"), limit >= 1, out.count > limit { out = Array(out.prefix(limit)) }
        return .object(JSONObject([("EventBuses", .array(out))]))
    }

    func eventsPutEvents(_ p: JSONObject) throws -> JSON {
        let entries = (p["Entries"]?.arrayValue ?? []).compactMap(\.objectValue)
        if entries.isEmpty || entries.count > 10 {
            throw ServiceError.constraint(value: "[PutEventsRequestEntry]", field: "entries",
                                          entries.isEmpty ? "Member must have length greater than or equal to 1"
                                              : "Member must have length less than or equal to 10")
        }
        let total = entries.reduce(0) { total, e in
            total + (e.string("Source")?.utf8.count ?? 0) + (e.string("DetailType")?.utf8.count ?? 0)
                + (e.string("Detail")?.utf8.count ?? 0)
                + (e["Resources"]?.arrayValue ?? []).reduce(0) { $0 + ($1.stringValue?.utf8.count ?? 0) } + 14
        }
        if total > 262_144 {
            throw ServiceError("ValidationException", "Total size of the entries in the request is over the limit.", status: 400)
        }
        return try store.update { state -> JSON in
            var results: [JSON] = []
            var failed = 0
            for entry in entries {
                func fail(_ code: String, _ message: String) {
                    failed += 1
                    results.append(.object(JSONObject([("ErrorCode", .string(code)), ("ErrorMessage", .string(message))])))
                }
                guard let source = entry.string("Source"), !source.isEmpty else {
                    fail("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.")
                    continue
                }
                guard let detailType = entry.string("DetailType"), !detailType.isEmpty else {
                    fail("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument.")
                    continue
                }
                guard let detailText = entry.string("Detail"), !detailText.isEmpty else {
                    fail("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.")
                    continue
                }
                guard let detail = try? JSONParser.parse(detailText), detail.objectValue != nil else {
                    fail("MalformedDetail", "Detail is malformed.")
                    continue
                }
                var busRegion = self.region
                var busName = entry.string("EventBusName") ?? "default"
                if let arn = ResourceArn(busName), arn.service == "events", arn.resource.hasPrefix("event-bus/") {
                    busRegion = arn.region
                    busName = String(arn.resource.dropFirst("event-bus/".count))
                }
                guard self.eventBusExists(state, region: busRegion, name: busName) else {
                    fail("ResourceNotFoundException", "Event bus \(busName) does not exist.")
                    continue
                }
                var time: SimInstant?
                if let text = entry.string("Time") {
                    time = TimeFormat.parse(text) ?? Double(text).map { SimInstant($0 * 1000) }
                } else if let seconds = entry["Time"]?.doubleValue {
                    time = SimInstant(seconds * 1000)
                }
                let resources = (entry["Resources"]?.arrayValue ?? []).compactMap(\.stringValue)
                let id = state.rng.uuid()
                try self.eventsRecord(&state, region: busRegion, bus: busName, source: source, detailType: detailType,
                                      detail: detail, resources: resources, eventId: id, time: time)
                results.append(.object(JSONObject([("EventId", .string(id))])))
            }
            return .object(JSONObject([("FailedEntryCount", .int(failed)), ("Entries", .array(results))]))
        }
    }

    /// Appends one event, in the shape EventBridge delivers to targets, to the bus's log, and routes
    /// it to the bus's matching rules.
    @discardableResult
    func eventsRecord(_ state: inout State, region: String, bus: String, source: String, detailType: String, detail: JSON,
                      resources: [String], eventId: String, time: SimInstant?, hops: Int = 0) throws -> JSON
    {
        let at = time ?? now(state)
        let iso = TimeFormat.iso(at)
        // EventBridge's `time` has whole seconds: 2019-11-14T18:16:05Z.
        let seconds = String(iso.prefix(19)) + "Z"
        let event = JSON.object(JSONObject([
            ("version", "0"), ("id", .string(eventId)), ("detail-type", .string(detailType)), ("source", .string(source)),
            ("account", .string(Arn.account)), ("time", .string(seconds)), ("region", .string(region)),
            ("resources", .array(resources.map(JSON.string))), ("detail", detail),
        ]))
        try Self.appendLine(JSONWriter.string(event), to: eventLogPath(region: region, bus: bus))
        // Rules on the bus (Services/EventBridge/EventRouting.swift); their lines wait for `simulate`.
        keepSteps(&state, routeToRules(&state, region: region, bus: bus, event: event, at: now(state), hops: hops))
        return event
    }

    /// The events a bus received, oldest first (the lines of its log).
    public func eventsReceived(region: String, bus: String) -> [JSON] {
        guard let data = FileManager.default.contents(atPath: eventLogPath(region: region, bus: bus)) else { return [] }
        return data.split(separator: 0x0A).compactMap { try? JSONParser.parse(bytes: $0) }
    }

    /// Appends one line to a file beside the state, creating its directory (the caller holds
    /// the state lock, so lines never interleave).
    static func appendLine(_ line: String, to path: String) throws {
        if let slash = path.lastIndex(of: "/") {
            let directory = String(path[..<slash])
            if access(directory, F_OK) != 0 {
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
                } catch {
                    throw StateFileError(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
                }
            }
        }
        do {
            try FileIO.append(path: path, bytes: Array((line + "\n").utf8))
        } catch {
            let step = error.step == .open ? "cannot open" : "cannot write"
            throw StateFileError(path: path, reason: "\(step): \(error.reason)")
        }
    }
}
