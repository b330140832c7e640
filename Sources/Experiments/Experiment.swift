import MailDialects
import MailSimulation
import Reports
import SimKernel

/// One run of a scenario in an era.
public struct RunOutcome: Sendable {
    public var era: Era
    public var setup: SimulationSetup
    public var result: SimulationResult
    public var metrics: RunMetrics
}

public enum Experiment {
    /// Runs a scenario in one era with a given workload (make it once with `makeWorkload()` and
    /// pass the same one to every era of a comparison).
    public static func run(
        _ scenario: Scenario, era: Era, workload: Workload, options: RunOptions = RunOptions(),
        file: String = "scenario",
        progress: ((SimTime, SimTime) -> Void)? = nil
    ) throws(ScenarioError) -> RunOutcome {
        let setup = try scenario.setup(era: era, workload: workload, options: options, file: file)
        let simulation = MailSimulation(setup)
        simulation.progress = progress
        let result = simulation.run()
        var metrics = RunMetrics(scenario: scenario.name, era: era.name, seed: setup.seed, setup: setup, result: result)
        metrics.messagesLeftOut = workload.count - setup.workload.count
        if !scenario.founded.isEmpty { metrics.networks = scenario.networkStatus(in: era) }
        metrics.ncpNetworks = scenario.ncpNetworks(in: era)
        return RunOutcome(era: era, setup: setup, result: result, metrics: metrics)
    }

    /// An era with its dialect replaced (`mailpath run --dialect`).
    public static func era(_ era: Era, speaking dialect: DialectID) -> Era {
        var custom = era
        custom.name = "\(era.name)+\(dialect.rawValue)"
        custom.title = "\(era.title), speaking \(dialect.displayName)"
        custom.dialect = dialect
        return custom
    }
}

/// The same workload under several eras, side by side.
public struct Comparison: Sendable {
    public var scenario: String
    public var runs: [RunMetrics]
    public var eras: [Era]
    /// For each era after the first, each factor's share of the changes from the era before
    /// (`compare --attribute`); `nil` where not measured.
    public var attributions: [Attribution?]

    public init(scenario: String, runs: [RunMetrics], eras: [Era], attributions: [Attribution?] = []) {
        self.scenario = scenario
        self.runs = runs
        self.eras = eras
        self.attributions = attributions
    }

    /// Rows of figures, columns of eras.
    public var table: Table {
        let labels = runs.first?.figures.map(\.label) ?? []
        var rows: [[String]] = []
        for (index, label) in labels.enumerated() {
            rows.append([label] + runs.map { $0.figures[index].value })
        }
        return Table(headers: ["figure"] + runs.map(\.era), rows: rows, alignments: [.left] + runs.map { _ in .right })
    }

    /// What changed from each era to the next.
    public var highlights: [String] {
        runs.indices.dropFirst().map { index in
            "\(runs[index - 1].era) → \(runs[index].era): " + changes(at: index).joined(separator: "; ")
        }
    }

    /// What changed from era `index - 1` to era `index`: the factors whose settings differ, then
    /// each figure that moved by 5% or more, and, when the factors' shares were measured
    /// (`attributions`), which factor moved it how far. Nothing here is written in advance: a
    /// reason is only ever a measured share.
    public func changes(at index: Int) -> [String] {
        let (a, b) = (runs[index - 1], runs[index])
        let (eraA, eraB) = (eras[index - 1], eras[index])
        // The networks factor is a year: it only changes a run where the scenario's networks differ.
        let differing = eraB.factors.differences(from: eraA.factors).filter {
            switch $0 {
            case .networks: a.networks?.running != b.networks?.running
            case .transport: a.ncpNetworks != b.ncpNetworks
            default: true
            }
        }
        var changes = [
            differing.isEmpty
                ? "no factor differs"
                : "factors changed: "
                    + differing.map { factor in
                        var text =
                            "\(factor.rawValue) \(factor.value(in: eraA.factors)) → \(factor.value(in: eraB.factors))"
                        if factor == .networks, let before = a.networks?.running, let after = b.networks?.running {
                            text += " (\(before.joined(separator: ", ")) → \(after.joined(separator: ", ")))"
                        }
                        return text
                    }
                    .joined(separator: ", ")
        ]
        let attribution = index - 1 < attributions.count ? attributions[index - 1] : nil
        let before = Dictionary(uniqueKeysWithValues: a.figures.map { ($0.key, $0.value) })
        for figure in b.figures where Self.highlighted.contains(figure.key) {
            guard let old = before[figure.key].flatMap(Double.init), let new = Double(figure.value), old != new,
                abs(new - old) >= 0.05 * max(abs(old), abs(new), 1e-9)
            else { continue }
            var text = "\(figure.label) \(before[figure.key]!) → \(figure.value)"
            if let attribution, let row = attribution.rows.first(where: { $0.key == figure.key }) {
                guard let shares = row.shares else {
                    changes.append(text + " (not split: a one-factor run on the way has no value for it)")
                    continue
                }
                let parts = attribution.factors.indices.filter { abs(shares[$0]) > 1e-9 }.map {
                    "\(attribution.factors[$0].rawValue) \(Attribution.signed(shares[$0]))"
                }
                text += parts.isEmpty ? " (no factor alone)" : " (" + parts.joined(separator: ", ") + ")"
            }
            changes.append(text)
        }
        if changes.count == 1 { changes.append("no figure moved by 5% or more") }
        // Latency on the same recipients: each era's own mean is over what it delivered, which
        // differs when one era delivers less.
        if let paired = a.pairedLatency(with: b),
            a.totals.delivered != paired.count || b.totals.delivered != paired.count
        {
            changes.append(
                "latency mean of the \(paired.count) recipients delivered in both (s) \(Format.decimal(paired.mine, 3)) → \(Format.decimal(paired.theirs, 3))"
            )
        }
        return changes
    }

    /// The figures "what changed" reports on.
    static let highlighted: Set<String> = [
        "delivered", "bounced", "queued", "delivered_share", "latency_p50_s", "latency_p95_s", "hops_mean",
        "round_trips_per_message",
        "protocol_bytes", "connections", "dns_queries", "helo_fallbacks",
    ]

    public var json: JSON {
        var fields: [(String, JSON)] = [
            ("scenario", .string(scenario)), ("runs", .array(runs.map(\.json))),
            ("highlights", .array(highlights.map { .string($0) })),
        ]
        if attributions.contains(where: { $0 != nil }) {
            fields.append(("attributions", .array(attributions.map { $0?.json ?? .null })))
        }
        return .object(fields)
    }

    public var csv: String {
        let labels = runs.first?.figures.map(\.key) ?? []
        return CSV.render(headers: ["era"] + labels, rows: runs.map { [$0.era] + $0.csvValues })
    }
}
