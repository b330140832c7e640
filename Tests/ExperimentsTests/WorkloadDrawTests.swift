import SimKernel
import Testing

@testable import Experiments

/// The generator draws a message's recipients from its sender's candidate list as if each one
/// chosen were removed from the list; `Scenario.position(of:skipping:)` finds the chosen one
/// without removing anything. It must pick exactly what removing would.
@Suite struct WorkloadDrawTests {
    @Test("drawing by skipping taken positions picks what removing them would", arguments: [1, 2, 3, 7, 40])
    func skippingEqualsRemoving(size: Int) {
        var random = RandomStream(seed: UInt64(size), stream: "draws")
        for _ in 0..<200 {
            var remaining = Array(0..<size)
            var taken: [Int] = []
            for _ in 0..<min(size, 1 + random.uniform(in: 0...3)) {
                let index = random.uniform(in: 0...(remaining.count - 1))
                let removed = remaining.remove(at: index)
                #expect(Scenario.position(of: index, skipping: &taken) == removed)
                #expect(taken == taken.sorted())
            }
        }
    }
}
