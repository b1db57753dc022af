import LambdaSimJSON

/// AWS Lambda's public on-demand prices (docs/concurrency.md, "Cost").
///
/// Source: https://aws.amazon.com/lambda/pricing/ (US East (N. Virginia)), as read on
/// 2026-12-06. Every region is priced with this table (docs/differences.md).
public enum LambdaPriceList {
    public static let source = "https://aws.amazon.com/lambda/pricing/"
    public static let asOf = "2026-12-06"
    public static let region = "us-east-1"
    /// $0.20 per 1M requests.
    public static let perRequest = 0.0000002
    /// Duration tiers per architecture: (GB-seconds in the tier per month, USD per GB-second).
    public static let x86Tiers: [(gbSeconds: Double, price: Double)] = [
        (6_000_000_000, 0.0000166667), (9_000_000_000, 0.000015), (.infinity, 0.0000133334),
    ]
    public static let arm64Tiers: [(gbSeconds: Double, price: Double)] = [
        (7_500_000_000, 0.0000133334), (11_250_000_000, 0.0000120001), (.infinity, 0.0000106667),
    ]
    /// Ephemeral storage above the free 512 MB: USD per GB-second.
    public static let ephemeralPerGBSecond = 0.0000000309
    /// The monthly free tier (shown apart, never subtracted).
    public static let freeRequests = 1_000_000
    public static let freeGBSeconds = 400_000.0

    /// The price of `gbSeconds` of one architecture's duration in a month, tier by tier.
    public static func durationPrice(gbSeconds: Double, arm64: Bool) -> Double {
        var left = gbSeconds
        var total = 0.0
        for tier in arm64 ? arm64Tiers : x86Tiers where left > 0 {
            let used = min(left, tier.gbSeconds)
            total += used * tier.price
            left -= used
        }
        return total
    }
}

/// What a run's invocations cost: one row per function and invocation model, with the part
/// spent on retries (attempts after the first) apart.
public struct LambdaCost: Sendable {
    /// A function's billing-relevant configuration.
    public struct Config: Sendable {
        public var memoryMB: Int
        public var arm64: Bool
        public var ephemeralMB: Int

        public init(memoryMB: Int, arm64: Bool, ephemeralMB: Int) {
            self.memoryMB = memoryMB
            self.arm64 = arm64
            self.ephemeralMB = ephemeralMB
        }
    }

    public struct Row: Sendable {
        public var function: String
        /// `sync`, `async` or `event-source`.
        public var model: String
        public var arm64 = false
        public var requests = 0
        /// Billed milliseconds × memory MB (exact); GB-seconds = this / 1,024,000.
        public var mbMs: Int64 = 0
        /// The same for ephemeral storage above 512 MB.
        public var storageMbMs: Int64 = 0
        public var retryRequests = 0
        public var retryMbMs: Int64 = 0
        public var retryStorageMbMs: Int64 = 0

        public var gbSeconds: Double { Double(mbMs) / 1_024_000 }
        public var storageGBSeconds: Double { Double(storageMbMs) / 1_024_000 }
    }

    public var rows: [Row] = []
    /// USD per GB-second of duration for each architecture: the tiered price of the run's total, averaged.
    public var x86Rate = LambdaPriceList.x86Tiers[0].price
    public var arm64Rate = LambdaPriceList.arm64Tiers[0].price

    /// `Billed Duration: N ms` from a REPORT line.
    public static func billedMs(reportText: String) -> Int? {
        guard let range = reportText.range(of: "Billed Duration: ") else { return nil }
        return Int(reportText[range.upperBound...].prefix { $0.isNumber })
    }

    /// Adds up the `invoke` lines; `config` gives the function's configuration by its timeline name.
    public init(_ timeline: [TimelineEntry], config: (String) -> Config?) {
        var index: [String: Int] = [:]
        var configs: [String: Config?] = [:]
        for entry in timeline where entry.event == .invoke {
            let cached = configs[entry.function] ?? { let c = config(entry.function); configs[entry.function] = c; return c }()
            guard let cfg = cached else { continue }
            let model = entry.source == "sync" ? "sync" : entry.source == "async" ? "async" : "event-source"
            let key = entry.function + "\u{1}" + model
            let i = index[key] ?? {
                rows.append(Row(function: entry.function, model: model, arm64: cfg.arm64))
                index[key] = rows.count - 1
                return rows.count - 1
            }()
            let billed = Int64(max(1, entry.billedMs ?? 1))
            let mb = billed * Int64(cfg.memoryMB)
            let storage = billed * Int64(max(0, cfg.ephemeralMB - 512))
            rows[i].requests += 1
            rows[i].mbMs += mb
            rows[i].storageMbMs += storage
            if (entry.attempt ?? 1) > 1 {
                rows[i].retryRequests += 1
                rows[i].retryMbMs += mb
                rows[i].retryStorageMbMs += storage
            }
        }
        rows.sort { ($0.function, $0.model) < ($1.function, $1.model) }
        for arm in [false, true] {
            let total = rows.filter { $0.arm64 == arm }.map(\.gbSeconds).reduce(0, +)
            guard total > 0 else { continue }
            let rate = LambdaPriceList.durationPrice(gbSeconds: total, arm64: arm) / total
            if arm { arm64Rate = rate } else { x86Rate = rate }
        }
    }

    public func requestsUSD(_ row: Row) -> Double { Double(row.requests) * LambdaPriceList.perRequest }
    public func durationUSD(_ row: Row) -> Double { row.gbSeconds * (row.arm64 ? arm64Rate : x86Rate) }
    public func storageUSD(_ row: Row) -> Double { row.storageGBSeconds * LambdaPriceList.ephemeralPerGBSecond }
    public func totalUSD(_ row: Row) -> Double { requestsUSD(row) + durationUSD(row) + storageUSD(row) }
    public func retriesUSD(_ row: Row) -> Double {
        Double(row.retryRequests) * LambdaPriceList.perRequest
            + Double(row.retryMbMs) / 1_024_000 * (row.arm64 ? arm64Rate : x86Rate)
            + Double(row.retryStorageMbMs) / 1_024_000 * LambdaPriceList.ephemeralPerGBSecond
    }

    /// USD with 10 decimals (prices go down to $0.0000000309 per GB-second).
    public static func usd(_ value: Double) -> String { fixed(value, decimals: 10) }

    static func fixed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let units = Int64((value * scale).rounded())
        let whole = units / Int64(scale)
        var frac = String(units % Int64(scale))
        while frac.count < decimals { frac = "0" + frac }
        return "\(whole).\(frac)"
    }

    /// GB-seconds with 6 decimals.
    public static func gbs(_ value: Double) -> String { fixed(value, decimals: 6) }

    /// The table `simulate --cost` prints after the timeline.
    public func text() -> String {
        var out = "Cost (AWS Lambda on-demand prices, \(LambdaPriceList.region), \(LambdaPriceList.source) as of \(LambdaPriceList.asOf))\n"
        let header = ["function", "model", "arch", "requests", "GB-seconds", "storage GB-s", "requests $", "duration $", "storage $", "total $", "retries", "retries $"]
        var table = [header]
        var sums = (requests: 0, gbs: 0.0, storage: 0.0, req: 0.0, dur: 0.0, sto: 0.0, total: 0.0, retries: 0, retryUSD: 0.0)
        for row in rows {
            table.append([row.function, row.model, row.arm64 ? "arm64" : "x86_64", String(row.requests), Self.gbs(row.gbSeconds),
                          Self.gbs(row.storageGBSeconds), Self.usd(requestsUSD(row)), Self.usd(durationUSD(row)),
                          Self.usd(storageUSD(row)), Self.usd(totalUSD(row)), String(row.retryRequests), Self.usd(retriesUSD(row))])
            sums.requests += row.requests
            sums.gbs += row.gbSeconds
            sums.storage += row.storageGBSeconds
            sums.req += requestsUSD(row)
            sums.dur += durationUSD(row)
            sums.sto += storageUSD(row)
            sums.total += totalUSD(row)
            sums.retries += row.retryRequests
            sums.retryUSD += retriesUSD(row)
        }
        table.append(["total", "", "", String(sums.requests), Self.gbs(sums.gbs), Self.gbs(sums.storage), Self.usd(sums.req),
                      Self.usd(sums.dur), Self.usd(sums.sto), Self.usd(sums.total), String(sums.retries), Self.usd(sums.retryUSD)])
        var widths = [Int](repeating: 0, count: header.count)
        for line in table { for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) } }
        for line in table {
            var text = ""
            for (i, cell) in line.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                // Text columns left-aligned, numbers right-aligned.
                text += i < 3 ? cell + pad : pad + cell
                if i < line.count - 1 { text += "  " }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            out += text + "\n"
        }
        let share = sums.total > 0 ? Self.fixed(sums.retryUSD / sums.total * 100, decimals: 1) : "0.0"
        out += "Retries (attempts after the first) cost \(Self.usd(sums.retryUSD)) USD, \(share)% of the total.\n"
        out += "Free tier (per month, not subtracted): \(LambdaPriceList.freeRequests) requests and \(Int(LambdaPriceList.freeGBSeconds)) GB-seconds; this run used \(sums.requests) requests and \(Self.gbs(sums.gbs)) GB-seconds.\n"
        return out
    }

    /// The `cost` object of `simulate --format json --cost`.
    public func json() -> JSON {
        var rowsJSON: [JSON] = []
        var total = 0.0
        var retries = 0.0
        for row in rows {
            total += totalUSD(row)
            retries += retriesUSD(row)
            rowsJSON.append(.object(JSONObject([
                ("function", .string(row.function)), ("model", .string(row.model)),
                ("architecture", .string(row.arm64 ? "arm64" : "x86_64")), ("requests", .int(row.requests)),
                ("gbSeconds", .string(Self.gbs(row.gbSeconds))), ("storageGbSeconds", .string(Self.gbs(row.storageGBSeconds))),
                ("requestsUSD", .string(Self.usd(requestsUSD(row)))), ("durationUSD", .string(Self.usd(durationUSD(row)))),
                ("storageUSD", .string(Self.usd(storageUSD(row)))), ("totalUSD", .string(Self.usd(totalUSD(row)))),
                ("retryRequests", .int(row.retryRequests)), ("retriesUSD", .string(Self.usd(retriesUSD(row)))),
            ])))
        }
        return .object(JSONObject([
            ("cost", .object(JSONObject([
                ("priceList", .object(JSONObject([("source", .string(LambdaPriceList.source)), ("asOf", .string(LambdaPriceList.asOf)),
                                                  ("region", .string(LambdaPriceList.region))]))),
                ("rows", .array(rowsJSON)),
                ("totalUSD", .string(Self.usd(total))), ("retriesUSD", .string(Self.usd(retries))),
                ("freeTier", .object(JSONObject([("requests", .int(LambdaPriceList.freeRequests)),
                                                 ("gbSeconds", .int(Int(LambdaPriceList.freeGBSeconds))),
                                                 ("subtracted", .bool(false))]))),
            ]))),
        ]))
    }
}

extension Engine {
    /// A function's billing configuration by its timeline name (`name` or `name:qualifier`).
    public func costConfig(_ state: State, display: String) -> LambdaCost.Config? {
        let parts = display.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first, let record = state.functions[State.functionKey(region: region, name: name)] else { return nil }
        var version = record.latest
        if parts.count > 1 {
            let q = parts[1]
            if let v = record.version(q) { version = v } else if let a = record.aliases[q], let v = record.version(a.functionVersion) { version = v }
        }
        return LambdaCost.Config(memoryMB: version.memorySize, arm64: version.architectures.contains("arm64"),
                                 ephemeralMB: version.ephemeralStorage)
    }
}
