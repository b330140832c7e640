import SimKernel
import Testing

@testable import MailSimulation

@Suite struct LevelStatisticsTests {
    static func at(_ seconds: Int64) -> SimTime { SimTime.zero + .seconds(seconds) }

    @Test("peak, time-weighted mean and per-span figures of a step function, computed by hand")
    func stepFunction() {
        // 0 until 10 s, 3 until 20 s, 1 until 40 s, 5 until 45 s, 0 to the end at 60 s; two spans of 30 s.
        var statistics = LevelStatistics(duration: .seconds(60), buckets: 2)
        statistics.change(to: 3, at: Self.at(10))
        statistics.change(to: 1, at: Self.at(20))
        statistics.change(to: 5, at: Self.at(40))
        statistics.change(to: 0, at: Self.at(45))
        statistics.finish(at: Self.at(60))
        #expect(statistics.peak == 5)
        #expect(statistics.level == 0)
        // (3·10 + 1·20 + 5·5) / 60 = 75 / 60.
        #expect(abs(statistics.mean - 1.25) < 1e-12)
        #expect(statistics.buckets.map(\.peak) == [3, 5])
        #expect(statistics.buckets.map(\.end) == [Self.at(30), Self.at(60)])
        // First span: 3·10 + 1·10 = 40 over 30 s; second: 1·10 + 5·5 = 35 over 30 s.
        #expect(abs(statistics.buckets[0].mean - 40.0 / 30) < 1e-12)
        #expect(abs(statistics.buckets[1].mean - 35.0 / 30) < 1e-12)
    }

    @Test("a level held across whole spans is each span's peak and mean; a brief peak is not missed")
    func heldAndBrief() {
        var statistics = LevelStatistics(duration: .seconds(100), buckets: 4)
        statistics.change(to: 2, at: Self.at(5))
        statistics.change(to: 72, at: SimTime(nanoseconds: 80_000_000_000))
        statistics.change(to: 2, at: SimTime(nanoseconds: 80_000_000_001))  // 72 for one nanosecond
        statistics.finish(at: Self.at(100))
        #expect(statistics.peak == 72)
        #expect(statistics.buckets.map(\.peak) == [2, 2, 2, 72])
        #expect(abs(statistics.buckets[1].mean - 2) < 1e-12 && abs(statistics.buckets[2].mean - 2) < 1e-12)
    }
}
