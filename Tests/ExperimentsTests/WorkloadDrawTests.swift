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

@Suite struct GeneratedWorkloadTests {
    @Test(
        "generated recipients are distinct, never the sender, and in other domains when asked",
        arguments: [true, false])
    func recipientsFollowTheRules(otherDomains: Bool) throws {
        var scenario = try Scenario.decode(
            InternetGenerator(domains: 30, meanUsers: 4, messages: 2_000, seed: 9).scenarioText(), file: "g.json")
        scenario.workload.generators[0].otherDomains = otherDomains
        scenario.workload.generators[0].recipients = 1...6
        let workload = scenario.makeWorkload()
        var sameDomain = 0
        for index in 0..<workload.count {
            let sender = workload.sender(index)
            let recipients = Array(workload.recipients(index))
            #expect(Set(recipients).count == recipients.count, "message \(index): a recipient twice")
            #expect(!recipients.contains(sender), "message \(index): to its sender")
            for recipient in recipients
            where workload.users[Int(recipient)].domain?.key == workload.users[Int(sender)].domain?.key {
                sameDomain += 1
            }
        }
        // Without the rule, some recipients share the sender's domain (about a tenth here).
        #expect(otherDomains ? sameDomain == 0 : sameDomain > 100)
    }
}

@Suite struct RateTests {
    @Test(
        "a rate is a count over a unit or over a span, never the count's digits run into the span's",
        arguments: [
            ("100/s", 10_000_000), ("6/m", 10_000_000_000), ("1/1s", 1_000_000_000), ("1/5s", 5_000_000_000),
            ("2/30m", 900_000_000_000), ("3/2h", 2_400_000_000_000), ("1/d", 86_400_000_000_000),
        ] as [(String, Int64)])
    func meanInterval(text: String, nanoseconds: Int64) {
        #expect(Units.rate(text)?.nanoseconds == nanoseconds, "\(text)")
    }

    @Test(
        "no rate: a zero span, a zero count, no unit, too many events for the span",
        arguments: ["1/0s", "0/s", "5/", "x/s", "2000000000/1s", "1/s/s"])
    func refused(text: String) {
        #expect(Units.rate(text) == nil, "\(text)")
    }
}

@Suite struct JSONDuplicateKeyTests {
    @Test(
        "a duplicate key is found where it stands, in a small object or one of many keys",
        arguments: [3, 15, 16, 40, 5_000])
    func duplicateKey(count: Int) {
        let members = (0..<count).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        let text = "{" + members + ", \"K1\": 0, \"k1\": 1}"
        do {
            _ = try JSONParser.parse(text)
            Issue.record("the duplicate of k1 was not found among \(count) keys")
        } catch {
            #expect(error.message == "duplicate key \"k1\"")
            #expect(error.position.column == text.utf8.count - 7, "the second k1's place (columns count from 1)")
        }
        // Keys differing in case are different keys, and none repeated is fine.
        #expect((try? JSONParser.parse("{" + members + ", \"K1\": 0}")) != nil)
    }
}
