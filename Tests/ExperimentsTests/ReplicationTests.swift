import Foundation
import SimKernel
import Testing

@testable import Experiments

@Suite struct ReplicationTests {
    @Test("Student t quantiles match the printed tables (two-sided 95%)")
    func quantiles() {
        // t(0.975, ν) from the standard tables, to their three decimals.
        let table: [(Int, Double)] = [
            (1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (9, 2.262), (10, 2.228), (19, 2.093),
            (29, 2.045), (30, 2.042), (60, 2.000), (120, 1.980),
        ]
        for (ν, expected) in table {
            #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: ν) - expected) < 0.0006, "ν = \(ν)")
        }
        #expect(abs(StudentT.quantile(0.995, degreesOfFreedom: 10) - 3.169) < 0.0006)
        #expect(abs(StudentT.quantile(0.025, degreesOfFreedom: 4) + 2.776) < 0.0006)
        // Far out it is the normal distribution: z(0.975) = 1.959964.
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: 1_000_000) - 1.959964) < 1e-5)
        #expect(abs(StudentT.cumulative(0, degreesOfFreedom: 7) - 0.5) < 1e-12)
    }

    @Test("95% intervals cover a known mean about 95% of the time (normal samples of 5)")
    func coverage() {
        var random = RandomStream(seed: 42, stream: "coverage")
        func uniform() -> Double { (Double(random.next() >> 11) + 0.5) / 9_007_199_254_740_992 }
        func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()) }
        let trials = 4000
        var covered = 0
        for _ in 0..<trials {
            let estimate = Estimate((0..<5).map { _ in 10 + 3 * normal() })!
            if estimate.lower! <= 10 && 10 <= estimate.upper! { covered += 1 }
        }
        // Binomial(4000, 0.95) has a standard deviation of 13.8: ±4 of them is ±55.
        #expect(abs(covered - 3800) < 55, "\(covered) of \(trials)")
        // And by hand, for 1, 2, 3: mean 2, s = 1, half-width t(0.975, 2)·1/√3 = 4.302653/1.732051 = 2.48414.
        let small = Estimate([1, 2, 3])!
        #expect(small.mean == 2 && small.standardDeviation == 1 && abs(small.halfWidth! - 2.48414) < 0.00001)
        #expect(Estimate([4])!.halfWidth == nil && !Estimate([4])!.excludesZero)
        #expect(Estimate([1, 1, 1])!.excludesZero && !Estimate([0, 0])!.excludesZero)
    }

    @Test("replications: the first is the plain run, the seeds differ, every era runs the same seeds")
    func replications() throws {
        let scenario = try Examples.load("fault-drill")
        let eras = [Era.named("smtp-1982")!, Era.named("mx-1986")!]
        let replicated = try ReplicatedComparison.run(scenario, eras: eras, replications: 3)
        #expect(replicated.seeds.count == 3 && replicated.seeds[0] == scenario.seed && Set(replicated.seeds).count == 3)
        #expect(replicated.seeds == (0..<3).map { Replications.seed(scenario.seed, replication: $0) })
        let plain = try Experiment.run(
            scenario, era: eras[1], workload: scenario.makeWorkload(),
            options: RunOptions(tracing: false, keepsMailboxText: false))
        #expect(replicated.runs[1][0].figures.map(\.value) == plain.metrics.figures.map(\.value))
        #expect(
            replicated.runs[0].map(\.seed) == replicated.seeds && replicated.runs[1].map(\.seed) == replicated.seeds)
        // Another seed, another workload: the replications are not one run three times.
        #expect(Set(replicated.runs[0].map { $0.latencyByRecipient }).count == 3)
        // The paired difference is the mean of the seed-by-seed differences.
        let delivered = try #require(replicated.difference("delivered", at: 1))
        let byHand = zip(replicated.runs[0], replicated.runs[1]).map {
            Double($1.totals.delivered - $0.totals.delivered)
        }
        #expect(delivered.mean == byHand.reduce(0, +) / 3)
        let estimate = try #require(replicated.estimate("delivered", era: 0))
        #expect(
            estimate.count == 3 && estimate.mean == Double(replicated.runs[0].map(\.totals.delivered).reduce(0, +)) / 3)
        // Every table row has an interval; the CSV has one row per era and figure.
        #expect(replicated.csvRows.count == 2 * replicated.figures.count)
        #expect(replicated.table.text.contains(" ± "))
    }
}
