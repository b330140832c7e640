import MailSimulation
import Reports
import SimKernel

/// How much of each figure's change from era A to era B each differing factor accounts for.
///
/// Eras differ in several factors at once (mx-1986 both routes by MX and joins the networks into
/// one internet), so a difference between two eras says nothing about which change caused it.
/// The runs here change one factor at a time, on the same workload and seed:
/// - with at most `shapleyLimit` differing factors, every subset of them is run (A with that
///   subset set as in B, 2^k runs) and each factor gets its Shapley value: its added effect
///   averaged over every order the factors could be changed in. The shares add up to the whole
///   change exactly, and an effect two factors have only together is split evenly between them;
/// - with more, the factors are changed one after the other in `Factor.allCases` order (k + 1
///   runs), and each gets the change its step made: a documented order, not an average.
public struct Attribution: Sendable {
    public enum Method: String, Sendable {
        case shapley
        case sequential
    }

    public static let shapleyLimit = 6

    public var from: Era
    public var to: Era
    /// The factors whose settings differ, in `Factor.allCases` order.
    public var factors: [Factor]
    public var method: Method
    /// Every run, by the set of factors taken from B (bit i for `factors[i]`).
    public var runs: [Int: RunMetrics]
    public var rows: [Row]

    /// One figure: its value in A and in B, and each factor's share of the change (`nil` where a
    /// run has no value for it, such as a latency when nothing was delivered).
    public struct Row: Sendable {
        public var key: String
        public var label: String
        public var before: Double?
        public var after: Double?
        public var shares: [Double]?

        public var change: Double? { before.flatMap { b in after.map { $0 - b } } }
    }

    /// Runs the one-factor-at-a-time paths from `from` to `to` on `workload`; `progress` hears
    /// (run index, run count) before each run.
    public static func measure(
        _ scenario: Scenario, workload: Workload, from: Era, to: Era,
        options: RunOptions = RunOptions(tracing: false, keepsMailboxText: false),
        file: String = "scenario", progress: ((Int, Int) -> Void)? = nil
    ) throws(ScenarioError) -> Attribution {
        let factors = scenario.differences(from: from, to: to)
        let method: Method = factors.count <= shapleyLimit ? .shapley : .sequential
        let subsets = method == .shapley ? Array(0..<(1 << factors.count)) : (0...factors.count).map { (1 << $0) - 1 }
        var runs: [Int: RunMetrics] = [:]
        for (index, subset) in subsets.enumerated() {
            progress?(index, subsets.count)
            let era = variant(from: from, to: to, factors: factors, subset: subset)
            runs[subset] = try Experiment.run(scenario, era: era, workload: workload, options: options, file: file)
                .metrics
        }
        return Attribution(from: from, to: to, factors: factors, method: method, runs: runs)
    }

    /// Builds the attribution from runs already made (`runs[subset]` for every subset the method needs).
    public init(from: Era, to: Era, factors: [Factor], method: Method, runs: [Int: RunMetrics]) {
        self.from = from
        self.to = to
        self.factors = factors
        self.method = method
        self.runs = runs
        let all = (1 << factors.count) - 1
        let values = runs.mapValues(Self.numericFigures)
        rows = runs[0]!.figures.map { figure in
            let value = { (subset: Int) -> Double? in values[subset]?[figure.key] ?? nil }
            let shares: [Double]?
            switch method {
            case .shapley: shares = Self.shapley(count: factors.count, value)
            case .sequential: shares = Self.sequential(count: factors.count, value)
            }
            return Row(key: figure.key, label: figure.label, before: value(0), after: value(all), shares: shares)
        }
    }

    /// Era A with the factors in `subset` (bits over `factors`) set as in B. Its name lists them;
    /// its year (the dates in trace lines) stays A's, so only factors change.
    static func variant(from: Era, to: Era, factors: [Factor], subset: Int) -> Era {
        let settings = factors.indices.filter { subset & (1 << $0) != 0 }.map {
            FactorSetting(factor: factors[$0], value: factors[$0].value(in: to.factors))
        }
        return from.setting(settings)
    }

    static func numericFigures(_ metrics: RunMetrics) -> [String: Double?] {
        Dictionary(uniqueKeysWithValues: metrics.figures.map { ($0.key, Double($0.value)) })
    }

    /// The Shapley value of each of `count` players in the game `value` (over subsets as bit
    /// masks): φᵢ = Σ over S not holding i of |S|!·(n−|S|−1)!/n! · (v(S ∪ {i}) − v(S)).
    /// `nil` when any subset has no value.
    public static func shapley(count: Int, _ value: (Int) -> Double?) -> [Double]? {
        var values: [Double] = []
        for subset in 0..<(1 << count) {
            guard let v = value(subset) else { return nil }
            values.append(v)
        }
        var factorial = [1.0]
        for n in 1...max(1, count) { factorial.append(factorial[n - 1] * Double(n)) }
        return (0..<count).map { player in
            var share = 0.0
            for subset in 0..<(1 << count) where subset & (1 << player) == 0 {
                let size = subset.nonzeroBitCount
                let weight = factorial[size] * factorial[count - size - 1] / factorial[count]
                share += weight * (values[subset | 1 << player] - values[subset])
            }
            return share
        }
    }

    /// Each factor's step when they are changed in order: v(first i+1) − v(first i).
    public static func sequential(count: Int, _ value: (Int) -> Double?) -> [Double]? {
        var shares: [Double] = []
        for player in 0..<count {
            guard let after = value((1 << (player + 1)) - 1), let before = value((1 << player) - 1) else { return nil }
            shares.append(after - before)
        }
        return shares
    }

    /// The rows whose figure changed, as a table: figure, A, B, change, one column a factor.
    public var table: Table {
        let changed = rows.filter { ($0.change ?? 1) != 0 }
        func text(_ value: Double?) -> String { value.map { Format.decimal($0, Self.places($0)) } ?? "-" }
        return Table(
            headers: ["figure", from.name, to.name, "change"] + factors.map(\.rawValue),
            rows: changed.map { row in
                [row.label, text(row.before), text(row.after), text(row.change)]
                    + factors.indices.map { index in text(row.shares?[index]) }
            },
            alignments: [.left] + Array(repeating: .right, count: 3 + factors.count))
    }

    /// None for whole numbers, one from 100 up, three from 0.01, six below.
    static func places(_ value: Double) -> Int {
        if value == value.rounded() { return 0 }
        return abs(value) >= 100 ? 1 : abs(value) >= 0.01 ? 3 : 6
    }

    /// In words: the factors that changed, and for the main figures which factor did most.
    public var sentences: [String] {
        guard !factors.isEmpty else { return ["\(from.name) and \(to.name) set every factor alike"] }
        var lines = [
            "factors changed: "
                + factors.map { "\($0.rawValue) \($0.value(in: from.factors)) → \($0.value(in: to.factors))" }.joined(
                    separator: ", ")
        ]
        for key in [
            "hops_mean", "round_trips_per_message", "latency_mean_s", "delivered_share", "dns_queries", "connections",
            "wire_bytes",
        ] {
            guard let row = rows.first(where: { $0.key == key }), let change = row.change, change != 0,
                let shares = row.shares
            else { continue }
            let parts = factors.indices.filter { shares[$0] != 0 }.map { index in
                "\(factors[index].rawValue) \(Self.signed(shares[index]))"
            }
            lines.append(
                "\(row.label) \(Self.signed(change)): "
                    + (parts.isEmpty ? "no single factor" : parts.joined(separator: ", ")))
        }
        return lines
    }

    static func signed(_ value: Double) -> String { (value > 0 ? "+" : "") + Format.decimal(value, places(value)) }

    public var json: JSON {
        .object([
            ("from", .string(from.name)), ("to", .string(to.name)), ("method", .string(method.rawValue)),
            (
                "factors",
                .array(
                    factors.map { factor in
                        .object([
                            ("factor", .string(factor.rawValue)), ("from", .string(factor.value(in: from.factors))),
                            ("to", .string(factor.value(in: to.factors))),
                        ])
                    })
            ),
            (
                "figures",
                .array(
                    rows.map { row in
                        var fields: [(String, JSON)] = [("key", .string(row.key))]
                        fields.append(("from", row.before.map { .decimal($0, 6) } ?? .null))
                        fields.append(("to", row.after.map { .decimal($0, 6) } ?? .null))
                        fields.append(
                            (
                                "shares",
                                row.shares.map { shares in
                                    .object(factors.indices.map { (factors[$0].rawValue, .decimal(shares[$0], 6)) })
                                } ?? .null
                            ))
                        return .object(fields)
                    })
            ),
        ])
    }

    /// The columns of `csvRows`.
    public static let csvHeaders = ["figure", "factor", "from", "to", "share"]

    /// One row per figure and factor: figure, factor, from, to, share (empty where not measurable).
    public var csvRows: [[String]] {
        var table: [[String]] = []
        for row in rows {
            for (index, factor) in factors.enumerated() {
                table.append([
                    row.key, factor.rawValue, row.before.map { Format.decimal($0, 6) } ?? "",
                    row.after.map { Format.decimal($0, 6) } ?? "",
                    row.shares.map { Format.decimal($0[index], 6) } ?? "",
                ])
            }
        }
        return table
    }
}
