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
        _ scenario: Scenario, era: Era, workload: Workload, options: RunOptions = RunOptions(), file: String = "scenario",
        progress: ((SimTime, SimTime) -> Void)? = nil
    ) throws(ScenarioError) -> RunOutcome {
        let setup = try scenario.setup(era: era, workload: workload, options: options, file: file)
        let simulation = MailSimulation(setup)
        simulation.progress = progress
        let result = simulation.run()
        let metrics = RunMetrics(scenario: scenario.name, era: era.name, seed: setup.seed, setup: setup, result: result)
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

    public init(scenario: String, runs: [RunMetrics], eras: [Era]) {
        self.scenario = scenario
        self.runs = runs
        self.eras = eras
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

    /// What changed from each era to the next, with the reason where the eras' rules explain it.
    public var highlights: [String] {
        runs.indices.dropFirst().map { index in
            let changes = changes(at: index)
            return "\(runs[index - 1].era) → \(runs[index].era): " + (changes.isEmpty ? "no notable change" : changes.joined(separator: "; "))
        }
    }

    /// What changed from era `index - 1` to era `index`, each with its reason where the eras' rules
    /// explain it; empty when nothing notable changed.
    public func changes(at index: Int) -> [String] {
        let (a, b) = (runs[index - 1], runs[index])
        let (eraA, eraB) = (eras[index - 1], eras[index])
        var changes: [String] = []
        /// Notes a change of 5% or more; the reason is given only when the figure fell (`reason`)
        /// or rose (`risingReason`), as the era's rules explain that direction.
        func note(_ label: String, _ before: Double, _ after: Double, places: Int, reason: String?, risingReason: String? = nil) {
            guard before != after, abs(after - before) >= 0.05 * max(abs(before), abs(after), 1e-9) else { return }
            var text = "\(label) \(Format.decimal(before, places)) → \(Format.decimal(after, places))"
            if let why = after < before ? reason : risingReason { text += " (\(why))" }
            changes.append(text)
        }
        let routingChanged = eraA.routing == .sourceRoutes && eraB.routing != .sourceRoutes
        note("hops per recipient", a.hopsMean, b.hopsMean, places: 2, reason: routingChanged ? "MX records lead to each domain's exchanger instead of through gateways" : nil)
        let pipelining = !SMTPRulesHelper.pipelines(eraA.dialect) && SMTPRulesHelper.pipelines(eraB.dialect)
        let reason: String?
        if pipelining {
            reason = "PIPELINING sends MAIL, RCPT and DATA in one group"
        } else {
            reason = nil
        }
        let smtpCost = !eraA.dialect.isSMTP && eraB.dialect.isSMTP ? "SMTP's HELO, MAIL, RCPT and DATA where MTP sent one MAIL" : nil
        note("round trips per message", a.roundTripsPerMessage, b.roundTripsPerMessage, places: 2, reason: reason ?? (routingChanged ? "one transfer instead of one per relay" : nil), risingReason: smtpCost)
        if let la = a.latency, let lb = b.latency {
            note("p50 latency (s)", la.p50.seconds, lb.p50.seconds, places: 3, reason: routingChanged ? "fewer relays" : nil)
            note("p95 latency (s)", la.p95.seconds, lb.p95.seconds, places: 3, reason: nil)
        }
        note("DNS queries", Double(a.dnsQueries), Double(b.dnsQueries), places: 0, reason: nil, risingReason: !eraA.dns && eraB.dns ? "MX lookups (RFC 974)" : nil)
        note("TCP connections", Double(a.connections), Double(b.connections), places: 0, reason: nil)
        note("delivered", Double(a.totals.delivered), Double(b.totals.delivered), places: 0, reason: nil)
        note("bounced", Double(a.totals.bounced), Double(b.totals.bounced), places: 0, reason: nil)
        note("protocol bytes", Double(a.protocolBytes), Double(b.protocolBytes), places: 0, reason: nil)
        if b.heloFallbacks > 0 && a.heloFallbacks == 0 {
            changes.append("\(b.heloFallbacks) sessions fell back from EHLO to HELO, one extra exchange each")
        }
        return changes
    }

    public var json: JSON {
        .object([("scenario", .string(scenario)), ("runs", .array(runs.map(\.json))), ("highlights", .array(highlights.map { .string($0) }))])
    }

    public var csv: String {
        let labels = runs.first?.figures.map(\.key) ?? []
        return CSV.render(headers: ["era"] + labels, rows: runs.map { [$0.era] + $0.figures.map(\.value) })
    }
}

/// Which dialects pipeline (those with EHLO, whose servers offer PIPELINING here).
enum SMTPRulesHelper {
    static func pipelines(_ dialect: DialectID) -> Bool {
        dialect.isSMTP && SMTPRules.forDialect(dialect).hasEHLO
    }
}
