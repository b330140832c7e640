import Foundation
import MailAgent
import MailCore
import MailDialects
import MailSimulation
import SimKernel
import SimNetwork
import TestSupport
import Testing

/// Nothing is lost silently: over many seeds, random small internets with random faults, every
/// recipient ends delivered, bounced, queued or lost (by a modelled fault), and the counts add up.
@Suite struct ConservationTests {
    static func randomWorld(seed: UInt64) -> SimulationSetup {
        var random = RandomStream(seed: seed, stream: "world")
        var builder = ScenarioBuilder()
        let net = builder.network("Internet")
        let era = random.uniform(in: 0...4)
        let (routing, dialect, dns): (RoutingPolicy, DialectID, Bool) = [
            (.mx974, .smtp821, true), (.mx974, .esmtp, true), (.direct2821, .smtp2821, true),
            (.sourceRoutes, .smtp821, false),
            (.sourceRoutes, .mtp780, false),
        ][era]
        // Some servers run older software of the same family: EHLO refused, HELO used.
        let older: [DialectID] =
            dialect.isSMTP
            ? DialectID.allCases.filter {
                $0.isSMTP && $0 != .smtp788
                    && DialectID.allCases.firstIndex(of: $0)! <= DialectID.allCases.firstIndex(of: dialect)!
            } : [dialect]
        let router = builder.host("ns.net", on: [net], routing: nil)
        builder.nameServer = router
        var servers: [HostID] = []
        var users: [(HostID, String)] = []
        let domains = random.uniform(in: 2...4)
        for d in 0..<domains {
            let domain = "d\(d).org"
            let own = random.bernoulli(0.3) ? older[random.uniform(in: 0...(older.count - 1))] : dialect
            let server = builder.host("mail.\(domain)", on: [net], dialect: own, routing: routing) {
                $0.localDomains = [Domain(domain)]
                $0.users = ["u0", "u1", "u2"]
                $0.persistence = random.bernoulli(0.5) ? .volatile : .persistent
                $0.retry = RetrySchedule.presets[random.uniform(in: 0...4)]
            }
            builder.link(router, server, on: net, latency: .milliseconds(Int64(random.uniform(in: 1...50))))
            builder.zones.addMX(domain, preference: 10, exchange: "mail.\(domain)")
            builder.zones.addAddress("mail.\(domain)", builder.address(server))
            servers.append(server)
            users.append((server, domain))
            for u in 0..<random.uniform(in: 0...2) {
                let workstation = builder.host(
                    "ws\(u).\(domain)", on: [net], dialect: dialect, routing: .smartHost("mail.\(domain)"))
                builder.link(router, workstation, on: net, latency: .milliseconds(1))
                builder.zones.addAddress("ws\(u).\(domain)", builder.address(workstation))
                users.append((workstation, domain))
            }
        }
        let horizon = Int64(random.uniform(in: 1...72))
        for _ in 0..<random.uniform(in: 5...20) {
            let (host, domain) = users[random.uniform(in: 0...(users.count - 1))]
            let recipients = (0..<random.uniform(in: 1...3)).map { _ -> String in
                switch random.uniform(in: 0...9) {
                case 0: return "nobody@d\(random.uniform(in: 0...(domains - 1))).org"
                case 1: return "someone@missing.org"
                default: return "u\(random.uniform(in: 0...2))@d\(random.uniform(in: 0...(domains - 1))).org"
                }
            }
            let time = SimTime.zero + .seconds(Int64(random.uniform(in: 0...Int(horizon * 3600))))
            builder.submit(
                at: time, on: host, from: "u\(random.uniform(in: 0...2))@\(domain)", to: Array(Set(recipients)).sorted()
            )
        }
        for _ in 0..<random.uniform(in: 0...4) {
            let at = SimTime.zero + .seconds(Int64(random.uniform(in: 0...Int(horizon * 3600))))
            let server = servers[random.uniform(in: 0...(servers.count - 1))]
            switch random.uniform(in: 0...5) {
            case 5:
                // One server goes down; mail for it piles up elsewhere; then another crashes.
                builder.faults.append(.crash(server, at: at))
                builder.faults.append(.crash(servers[random.uniform(in: 0...(servers.count - 1))], at: at + .hours(1)))
            case 0:
                builder.faults.append(.crash(server, at: at))
                if random.bernoulli(0.7) {
                    builder.faults.append(.restart(server, at: at + .seconds(Int64(random.uniform(in: 1...7200)))))
                }
            case 1:
                builder.faults.append(
                    .linkDown(LinkID(random.uniform(in: 0...(builder.topology.links.count - 1))), at: at))
                builder.faults.append(
                    .linkUp(LinkID(random.uniform(in: 0...(builder.topology.links.count - 1))), at: at + .minutes(40)))
            case 2:
                builder.outages.append(at..<(at + .minutes(Int64(random.uniform(in: 1...120)))))
            case 3:
                let code = [421, 450, 451, 452, 550, 552, 554][random.uniform(in: 0...6)]
                let command = ["MAIL", "RCPT", "DATA"][random.uniform(in: 0...2)]
                builder.faults.append(
                    .injectReply(
                        host: server, command: command, reply: Reply(ReplyCode(code), "injected"),
                        window: at..<(at + .hours(6)), probability: 0.4))
            default:
                builder.faults.append(.dropAfterFinalDot(host: server, window: at..<(at + .minutes(30))))
            }
        }
        var setup = builder.build(dns: dns, seed: seed, duration: .hours(horizon + Int64(random.uniform(in: 0...200))))
        // Half the worlds of the eras before 1983 run over NCP (no draw: the worlds stay as they were).
        if routing == .sourceRoutes && seed % 2 == 0 { setup.ncpNetworks = [net] }
        // A third of the worlds are dial-up, called every half hour: connections wait for calls.
        if seed % 3 == 1 { setup.pollIntervals = [net: .minutes(30)] }
        return setup
    }

    /// How many random worlds the property test runs: 1,000 unless MAILPATH_RANDOM_WORLDS says
    /// otherwise (Scripts/conservation-soak.sh runs 100,000 on a release build).
    static let worlds = TestEnvironment.variables["MAILPATH_RANDOM_WORLDS"].flatMap { Int($0) } ?? 1000

    @Test(
        "every recipient of every random world has exactly one outcome, and every notice goes to its sender",
        arguments: 0..<worlds)
    func conservation(seed: Int) {
        let setup = Self.randomWorld(seed: UInt64(seed))
        let result = MailSimulation(setup).run()
        #expect(result.missing.isEmpty, "seed \(seed): missing \(result.missing)")
        let totals = result.totals
        #expect(totals.addsUp, "seed \(seed): \(totals)")
        #expect(totals.recipients > 0)
        #expect(
            totals.delivered + totals.bounced + totals.queued + totals.lost + totals.neverSubmitted == totals.recipients
        )
        // The benchmark's count of fully delivered messages, read from the slots, agrees with
        // the one the records give.
        var byMessage: [(id: String, delivered: Bool)] = []
        for record in result.accounting.records {
            if byMessage.last?.id != record.messageID { byMessage.append((record.messageID, true)) }
            if record.outcome != .delivered { byMessage[byMessage.count - 1].delivered = false }
        }
        #expect(result.accounting.fullyDeliveredMessages == byMessage.filter(\.delivered).count, "seed \(seed)")
        // Recipient by recipient: each has one outcome, and it is the one its own story tells.
        let records = result.accounting.records
        #expect(records.count == totals.recipients, "seed \(seed)")
        #expect(
            Set(records.map { "\($0.messageID) \($0.mailbox)" }).count == records.count,
            "seed \(seed): a recipient counted twice")
        for record in records {
            switch record.outcome {
            case .delivered?: #expect(!record.deliveries.isEmpty, "seed \(seed): \(record)")
            case .bounced?:
                // A copy may also have been lost: RFC 1047's duplicate (a reply lost after the
                // final dot) bounced at one host while the retried copy died in another's
                // volatile queue (seed 40935 of the soak). The sender was told; that is the outcome.
                #expect(record.deliveries.isEmpty && record.bounceReason != nil, "seed \(seed): \(record)")
            case .lost?: #expect(record.deliveries.isEmpty && record.lost, "seed \(seed): \(record)")
            case .queued?: #expect(record.deliveries.isEmpty && !record.lost, "seed \(seed): \(record)")
            case .neverSubmitted?:
                #expect(record.deliveries.isEmpty && record.transfers == 0, "seed \(seed): \(record)")
            case nil: Issue.record("seed \(seed): no outcome for \(record)")
            }
        }
        // A notice goes to the sender of the message it is about, and to nobody else (RFC 821
        // §3.6, RFC 2821 §6.1: to the reverse-path).
        let workload = setup.workload
        for notice in result.accounting.notices where notice.delivered {
            guard let message = workload.index(ofMessageID: notice.about) else {
                Issue.record(
                    "seed \(seed): notice \(notice.noticeID) about \(notice.about), which is no workload message")
                continue
            }
            let sender = workload.users[Int(workload.sender(message))]
            #expect(
                notice.deliveredTo.allSatisfy { $0.key == sender.key },
                "seed \(seed): \(notice.noticeID) went to \(notice.deliveredTo), not \(sender)")
        }
        // Bounces by cause add up to the bounces, and every reason these worlds give has a cause.
        #expect(totals.bouncedBy.reduce(0, +) == totals.bounced, "seed \(seed)")
        for record in records where record.outcome == .bounced {
            #expect(
                Accounting.BounceCause(reason: record.bounceReason!) != .other, "seed \(seed): \(record.bounceReason!)")
        }
    }

    @Test("the random worlds exercise every outcome somewhere")
    func coverage() {
        var seen = Accounting.Totals()
        for seed in 0..<150 {
            let totals = MailSimulation(Self.randomWorld(seed: UInt64(seed))).run().totals
            seen.delivered += totals.delivered
            seen.bounced += totals.bounced
            seen.queued += totals.queued
            seen.lost += totals.lost
            seen.duplicates += totals.duplicates
            seen.doubleBounces += totals.doubleBounces
            for (index, count) in totals.bouncedBy.enumerated() { seen.bouncedBy[index] += count }
        }
        // Bounces of every cause but the catch-all.
        for cause in Accounting.BounceCause.allCases where cause != .other && cause != .loop {
            #expect(seen.bounced(cause) > 0, "no bounce \(cause.rawValue) in the random worlds")
        }
        #expect(
            seen.delivered > 0 && seen.bounced > 0 && seen.queued > 0 && seen.lost > 0 && seen.duplicates > 0, "\(seen)"
        )
    }
}
