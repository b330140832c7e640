import Foundation
import Reports
import SimKernel

/// Replications: the same experiment on R seeds derived from one base seed, each figure given as
/// a mean with a 95% confidence interval (Student t), and eras compared on common random
/// numbers: every era runs replication r on the same seed, so the same workload, and the
/// difference between two eras is taken seed by seed (a paired comparison), which removes the
/// workload's own variation from it.
public enum Replications {
    /// The seed of replication `index` (from 0) of `base`: the first is the base seed itself, so
    /// one replication is the plain run; the others are drawn from the stream "replication N".
    public static func seed(_ base: UInt64, replication index: Int) -> UInt64 {
        guard index > 0 else { return base }
        var stream = RandomStream(seed: base, stream: "replication \(index)")
        return stream.next()
    }
}

/// A figure's mean over replications with its 95% confidence interval.
public struct Estimate: Hashable, Sendable {
    public var count: Int
    public var mean: Double
    /// Sample standard deviation (n − 1); 0 for one sample.
    public var standardDeviation: Double
    /// Half the width of the 95% interval: t(0.975, n − 1) · s / √n; `nil` for one sample.
    public var halfWidth: Double?

    public init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        count = samples.count
        mean = samples.reduce(0, +) / Double(count)
        let m = mean
        let squares = samples.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        standardDeviation = count > 1 ? (squares / Double(count - 1)).squareRoot() : 0
        halfWidth =
            count > 1
            ? StudentT.quantile(0.975, degreesOfFreedom: count - 1) * standardDeviation / Double(count).squareRoot()
            : nil
    }

    public var lower: Double? { halfWidth.map { mean - $0 } }
    public var upper: Double? { halfWidth.map { mean + $0 } }

    /// Whether the interval leaves out zero (for a difference: the eras differ at the 5% level).
    /// A difference that is the same in every replication has no spread and is significant unless zero.
    public var excludesZero: Bool {
        guard let halfWidth else { return false }
        return mean - halfWidth > 0 || mean + halfWidth < 0
    }
}

/// Student's t distribution.
public enum StudentT {
    /// P(T ≤ t) with ν degrees of freedom: 1 − ½·I_x(ν/2, ½) for t ≥ 0, x = ν/(ν + t²).
    public static func cumulative(_ t: Double, degreesOfFreedom ν: Int) -> Double {
        let n = Double(ν)
        let tail = 0.5 * regularizedIncompleteBeta(n / (n + t * t), a: n / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The t with P(T ≤ t) = p, by bisection on the distribution function (to 1e-12).
    public static func quantile(_ p: Double, degreesOfFreedom ν: Int) -> Double {
        precondition(p > 0 && p < 1 && ν > 0)
        if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: ν) }
        var low = 0.0
        var high = 1.0
        while cumulative(high, degreesOfFreedom: ν) < p { high *= 2 }
        for _ in 0..<200 where high - low > 1e-12 {
            let middle = (low + high) / 2
            if cumulative(middle, degreesOfFreedom: ν) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// I_x(a, b), by the continued fraction for the incomplete beta function (evaluated with the
    /// modified Lentz method), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where it converges faster.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let front = exp(logGammas + logPowers)
        if x > (a + 1) / (a + b + 2) { return 1 - front * continuedFraction(1 - x, a: b, b: a) / b }
        return front * continuedFraction(x, a: a, b: b) / a
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        d = 1 / (abs(d) < tiny ? tiny : d)
        var result = d
        for m in 1...500 {
            let m = Double(m)
            // The even step, then the odd one.
            let twoM: Double = 2 * m
            let evenDenominator: Double = (a + twoM - 1) * (a + twoM)
            let even: Double = m * (b - m) * x / evenDenominator
            d = 1 + even * d
            d = 1 / (abs(d) < tiny ? tiny : d)
            c = 1 + even / c
            if abs(c) < tiny { c = tiny }
            result *= d * c
            let oddDenominator: Double = (a + twoM) * (a + twoM + 1)
            let odd: Double = -(a + m) * (a + b + m) * x / oddDenominator
            d = 1 + odd * d
            d = 1 / (abs(d) < tiny ? tiny : d)
            c = 1 + odd / c
            if abs(c) < tiny { c = tiny }
            let step = d * c
            result *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return result
    }
}

/// Several eras, each run on the same R seeds: every figure's estimate per era, and the paired
/// difference between neighbouring eras.
public struct ReplicatedComparison: Sendable {
    public var scenario: String
    public var eras: [Era]
    public var seeds: [UInt64]
    /// `runs[era][replication]`.
    public var runs: [[RunMetrics]]

    public init(scenario: String, eras: [Era], seeds: [UInt64], runs: [[RunMetrics]]) {
        self.scenario = scenario
        self.eras = eras
        self.seeds = seeds
        self.runs = runs
    }

    /// Runs every era on every seed; replication r of every era has the workload of seed r.
    public static func run(
        _ scenario: Scenario, eras: [Era], replications: Int,
        options: RunOptions = RunOptions(tracing: false, keepsMailboxText: false),
        file: String = "scenario", progress: ((Int, Int) -> Void)? = nil
    ) throws(ScenarioError) -> ReplicatedComparison {
        let seeds = (0..<replications).map { Replications.seed(scenario.seed, replication: $0) }
        var runs = Array(repeating: [RunMetrics](), count: eras.count)
        var options = options
        options.seed = nil  // each replication's seed is the scenario's, set below
        for (index, seed) in seeds.enumerated() {
            var replicated = scenario
            replicated.seed = seed
            let workload = replicated.makeWorkload()
            for (eraIndex, era) in eras.enumerated() {
                progress?(index * eras.count + eraIndex, seeds.count * eras.count)
                runs[eraIndex].append(
                    try Experiment.run(replicated, era: era, workload: workload, options: options, file: file).metrics)
            }
        }
        return ReplicatedComparison(scenario: scenario.name, eras: eras, seeds: seeds, runs: runs)
    }

    /// The figures, by key and label, in the runs' order.
    public var figures: [(key: String, label: String)] { runs.first?.first?.figures.map { ($0.key, $0.label) } ?? [] }

    /// The values of figure `key` in each replication of era `era` (`nil` where a run has none).
    func samples(_ key: String, era: Int) -> [Double?] {
        runs[era].map { run in run.figures.first { $0.key == key }.flatMap { Double($0.value) } }
    }

    /// Era `era`'s estimate of figure `key`; `nil` when a replication has no value for it.
    public func estimate(_ key: String, era: Int) -> Estimate? {
        let values = samples(key, era: era)
        guard !values.contains(where: { $0 == nil }) else { return nil }
        return Estimate(values.map { $0! })
    }

    /// The paired difference (era `index` minus era `index − 1`, seed by seed) of figure `key`.
    public func difference(_ key: String, at index: Int) -> Estimate? {
        let before = samples(key, era: index - 1)
        let after = samples(key, era: index)
        guard !before.contains(where: { $0 == nil }), !after.contains(where: { $0 == nil }) else { return nil }
        return Estimate(zip(before, after).map { $1! - $0! })
    }

    static func text(_ value: Double) -> String { Format.decimal(value, Attribution.places(value)) }

    /// "mean ± half-width" (or the mean alone from one replication; "-" with no value).
    static func text(_ estimate: Estimate?) -> String {
        guard let estimate else { return "-" }
        guard let halfWidth = estimate.halfWidth else { return text(estimate.mean) }
        // Both to the half-width's precision: the digits past it are noise.
        let places = halfWidth == 0 ? Attribution.places(estimate.mean) : Attribution.places(halfWidth)
        return "\(Format.decimal(estimate.mean, places)) ± \(Format.decimal(halfWidth, places))"
    }

    /// Figures down, eras across: each cell the mean ± the 95% interval's half-width.
    public var table: Table {
        Table(
            headers: ["figure"] + eras.map(\.name),
            rows: figures.map { figure in [figure.label] + eras.indices.map { Self.text(estimate(figure.key, era: $0)) }
            },
            alignments: [.left] + eras.map { _ in .right })
    }

    /// For each neighbouring pair, the figures whose paired difference is not zero in every
    /// replication: the difference with its interval, and whether the interval leaves out zero.
    public func differenceTable(at index: Int) -> Table {
        let rows: [[String]] = figures.compactMap { figure in
            guard let difference = difference(figure.key, at: index),
                difference.mean != 0 || difference.standardDeviation != 0
            else { return nil }
            return [figure.label, Self.text(difference), difference.excludesZero ? "yes" : "no"]
        }
        return Table(
            headers: ["figure", "\(eras[index].name) − \(eras[index - 1].name)", "significant"], rows: rows,
            alignments: [.left, .right, .left])
    }

    /// One row per era and figure: era, figure, replications, mean, sd, 95% interval.
    public static let csvHeaders = ["era", "figure", "replications", "mean", "sd", "ci95_low", "ci95_high"]
    public var csvRows: [[String]] {
        var rows: [[String]] = []
        for (index, era) in eras.enumerated() {
            for figure in figures {
                let estimate = estimate(figure.key, era: index)
                rows.append([
                    era.name, figure.key, String(seeds.count), estimate.map { Format.decimal($0.mean, 6) } ?? "",
                    estimate.map { Format.decimal($0.standardDeviation, 6) } ?? "",
                    estimate?.lower.map { Format.decimal($0, 6) } ?? "",
                    estimate?.upper.map { Format.decimal($0, 6) } ?? "",
                ])
            }
        }
        return rows
    }

    /// One row per neighbouring pair and figure: the paired difference and its interval.
    public static let differenceHeaders = [
        "from_era", "to_era", "figure", "replications", "mean_difference", "sd", "ci95_low", "ci95_high", "significant",
    ]
    public var differenceRows: [[String]] {
        var rows: [[String]] = []
        for index in eras.indices.dropFirst() {
            for figure in figures {
                let difference = difference(figure.key, at: index)
                rows.append([
                    eras[index - 1].name, eras[index].name, figure.key, String(seeds.count),
                    difference.map { Format.decimal($0.mean, 6) } ?? "",
                    difference.map { Format.decimal($0.standardDeviation, 6) } ?? "",
                    difference?.lower.map { Format.decimal($0, 6) } ?? "",
                    difference?.upper.map { Format.decimal($0, 6) } ?? "",
                    difference.map { $0.excludesZero ? "yes" : "no" } ?? "",
                ])
            }
        }
        return rows
    }

    public var json: JSON {
        func estimateJSON(_ estimate: Estimate?) -> JSON {
            guard let estimate else { return .null }
            return .object([
                ("mean", .decimal(estimate.mean, 6)), ("sd", .decimal(estimate.standardDeviation, 6)),
                (
                    "ci95",
                    estimate.halfWidth.map { _ in .array([.decimal(estimate.lower!, 6), .decimal(estimate.upper!, 6)]) }
                        ?? .null
                ),
            ])
        }
        return .object([
            ("scenario", .string(scenario)), ("replications", .int(seeds.count)),
            ("seeds", .array(seeds.map { .number(String($0)) })),
            (
                "eras",
                .array(
                    eras.indices.map { index in
                        .object([
                            ("era", .string(eras[index].name)),
                            ("figures", .object(figures.map { ($0.key, estimateJSON(estimate($0.key, era: index))) })),
                        ])
                    })
            ),
            (
                "differences",
                .array(
                    eras.indices.dropFirst().map { index in
                        .object([
                            ("from", .string(eras[index - 1].name)), ("to", .string(eras[index].name)),
                            (
                                "figures",
                                .object(
                                    figures.map { figure in
                                        let difference = difference(figure.key, at: index)
                                        var fields = [("estimate", estimateJSON(difference))]
                                        fields.append(
                                            ("significant", difference.map { .bool($0.excludesZero) } ?? .null))
                                        return (figure.key, .object(fields))
                                    })
                            ),
                        ])
                    })
            ),
        ])
    }
}
