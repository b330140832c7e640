import MailAgent
import MailCore
import MailDialects
import MailSimulation
import SimKernel
import SimNetwork
import Testing

/// A small Internet: a sender domain, a destination domain with two exchangers, a name server.
struct MXWorld {
    var builder = ScenarioBuilder()
    let internet: NetworkID
    var sender = HostID(0), mx1 = HostID(0), mx2 = HostID(0), ns = HostID(0)

    init(
        routing: RoutingPolicy = .mx974, dialect: DialectID = .smtp821, retry: RetrySchedule = .rfc1123,
        volatile: Bool = false
    ) {
        internet = builder.network("Internet")
        ns = builder.host("ns.example", on: [internet], routing: nil)
        builder.nameServer = ns
        sender = builder.host("mail.src.org", on: [internet], dialect: dialect, routing: routing) {
            $0.localDomains = [Domain("src.org"), Domain("mail.src.org")]
            $0.retry = retry
            $0.persistence = volatile ? .volatile : .persistent
        }
        mx1 = builder.host("mx1.dest.org", on: [internet], dialect: dialect, routing: routing) {
            $0.localDomains = [Domain("dest.org")]
            $0.users = ["joe", "ann"]
            $0.retry = retry
        }
        mx2 = builder.host("mx2.dest.org", on: [internet], dialect: dialect, routing: routing) {
            $0.relayDomains = [Domain("dest.org")]
            $0.relayClients = []
            $0.retry = retry
        }
        for host in [sender, mx1, mx2] { builder.link(ns, host, on: internet, latency: .milliseconds(5)) }
        builder.link(sender, mx1, on: internet)
        builder.link(sender, mx2, on: internet)
        builder.link(mx2, mx1, on: internet)
        builder.zones.addMX("dest.org", preference: 10, exchange: "mx1.dest.org")
        builder.zones.addMX("dest.org", preference: 20, exchange: "mx2.dest.org")
        builder.zones.addMX("src.org", preference: 10, exchange: "mail.src.org")
        for host in [sender, mx1, mx2] {
            builder.zones.addAddress(builder.topology.hosts[host.index].name, builder.address(host))
        }
    }
}

@Suite struct MXRoutingTests {
    @Test("RFC 974: the primary MX is down, the backup takes the mail and delivers it when the primary is back")
    func backupMX() throws {
        var world = MXWorld()
        world.builder.faults = [.crash(world.mx1, at: .zero), .restart(world.mx1, at: SimTime.zero + .hours(1))]
        let id = world.builder.submit(
            at: SimTime.zero + .seconds(1), on: world.sender, from: "bob@src.org", to: ["joe@dest.org"])
        let result = MailSimulation(world.builder.build(dns: true)).run()
        let record = try #require(result.accounting.record(messageID: id, mailbox: Mailbox("joe@dest.org")))
        #expect(record.outcome == .delivered)
        // The sender gave up on mx1 (connect time-out) and handed the mail to mx2.
        #expect(
            result.trace.contains {
                $0.host == "mail.src.org" && $0.kind.rawValue == "relayed"
                    && $0.detail.hasSuffix("accepted by mx2.dest.org")
            })
        // mx2 is in the MX list at 20: it may only pass the mail to mx1 (RFC 974), after mx1 is back.
        #expect(
            result.trace.contains {
                $0.host == "mx2.dest.org" && $0.kind.rawValue == "relayed"
                    && $0.detail.hasSuffix("accepted by mx1.dest.org")
            })
        #expect(record.deliveries[0] >= SimTime.zero + .hours(1))
        #expect(record.transfers == 2)
        #expect(result.accountingAddsUp)
    }

    @Test("RFC 974: no MX records means the host itself (an implicit MX 0), and a non-existent domain bounces")
    func noMXAndNXDOMAIN() {
        var world = MXWorld()
        world.builder.zones = DNSZones()
        world.builder.zones.addAddress("dest.org", world.builder.address(world.mx1))
        world.builder.zones.addAddress("mx1.dest.org", world.builder.address(world.mx1))
        let ok = world.builder.submit(at: .zero, on: world.sender, from: "bob@src.org", to: ["joe@dest.org"])
        let nowhere = world.builder.submit(at: .zero, on: world.sender, from: "bob@src.org", to: ["joe@nowhere.org"])
        let result = MailSimulation(world.builder.build(dns: true)).run()
        #expect(result.accounting.record(messageID: ok, mailbox: Mailbox("joe@dest.org"))?.outcome == .delivered)
        let bounced = result.accounting.record(messageID: nowhere, mailbox: Mailbox("joe@nowhere.org"))
        #expect(bounced?.outcome == .bounced)
        #expect(bounced?.bounceReason == "no such domain nowhere.org")
        #expect(result.mailboxes["mail.src.org"]?["bob"]?.count == 1)  // the notice came home
    }

    @Test("RFC 974: an exchanger that finds itself first in the list, and cannot deliver otherwise, returns the mail")
    func selfAsBestMX() {
        var world = MXWorld()
        world.builder.zones.addMX("loop.org", preference: 5, exchange: "mx2.dest.org")
        world.builder.agents[world.mx2.index]!.relayDomains.insert(Domain("loop.org"))
        let id = world.builder.submit(at: .zero, on: world.sender, from: "bob@src.org", to: ["joe@loop.org"])
        let result = MailSimulation(world.builder.build(dns: true)).run()
        #expect(
            result.accounting.record(messageID: id, mailbox: Mailbox("joe@loop.org"))?.bounceReason
                == "MX list for loop.org leads back to this host")
        #expect(result.accountingAddsUp)
    }

    @Test("MX records that point at a gateway reach a host that is not on the Internet (RFC 974)")
    func gatewayToBitnet() throws {
        var builder = ScenarioBuilder()
        let internet = builder.network("Internet")
        let bitnet = builder.network("BITNET")
        let ns = builder.host("ns.example", on: [internet], routing: nil)
        builder.nameServer = ns
        let sender = builder.host("mail.src.org", on: [internet], routing: .mx974) {
            $0.localDomains = [Domain("src.org")]
        }
        let gateway = builder.host("cunyvm.cuny.edu", on: [internet, bitnet], routing: .mx974, gateway: true) {
            $0.relayDomains = [Domain("ucbvm.bitnet")]
            $0.relayClients = []
        }
        let far = builder.host("ucbvm.bitnet", on: [bitnet], routing: .mx974)
        builder.link(ns, sender, on: internet)
        builder.link(ns, gateway, on: internet)
        builder.link(sender, gateway, on: internet)
        builder.link(gateway, far, on: bitnet, latency: .seconds(2), bandwidth: 9600)
        builder.zones.addMX("ucbvm.bitnet", preference: 10, exchange: "cunyvm.cuny.edu")
        builder.zones.addAddress("cunyvm.cuny.edu", builder.address(gateway))
        let id = builder.submit(at: .zero, on: sender, from: "bob@src.org", to: ["ann@ucbvm.bitnet"])
        let result = MailSimulation(builder.build(dns: true)).run()
        let record = try #require(result.accounting.record(messageID: id, mailbox: Mailbox("ann@ucbvm.bitnet")))
        #expect(record.outcome == .delivered)
        #expect(record.transfers == 2)
        #expect(result.mailboxes["ucbvm.bitnet"]?["ann"]?.count == 1)
    }

    @Test("RFC 2821 §5: equal preferences are shuffled with the run's seed; RFC 974 keeps a fixed order")
    func equalPreferences() {
        func firstChoices(_ routing: RoutingPolicy) -> Set<String> {
            var chosen: Set<String> = []
            for seed in 1...12 {
                var world = MXWorld(routing: routing)
                world.builder.zones = DNSZones()
                world.builder.zones.addMX("dest.org", preference: 10, exchange: "mx1.dest.org")
                world.builder.zones.addMX("dest.org", preference: 10, exchange: "mx2.dest.org")
                for host in [world.mx1, world.mx2] {
                    world.builder.zones.addAddress(
                        world.builder.topology.hosts[host.index].name, world.builder.address(host))
                }
                world.builder.submit(at: .zero, on: world.sender, from: "bob@src.org", to: ["joe@dest.org"])
                let result = MailSimulation(world.builder.build(dns: true, seed: UInt64(seed))).run()
                if let first = result.events("connect").first(where: { $0.host == "mail.src.org" }) {
                    chosen.insert(String(first.detail.split(separator: " ")[2]))
                }
            }
            return chosen
        }
        #expect(firstChoices(.mx974) == ["mx1.dest.org"])
        #expect(firstChoices(.direct2821) == ["mx1.dest.org", "mx2.dest.org"])
    }
}

@Suite struct QueueTests {
    @Test(
        "a DNS outage queues the mail; it is tried every 30 minutes (RFC 1123 §5.3.1.1) and delivered after the outage")
    func dnsOutage() throws {
        var world = MXWorld()
        world.builder.outages = [SimTime.zero..<(SimTime.zero + .minutes(45))]
        let id = world.builder.submit(
            at: SimTime.zero + .seconds(1), on: world.sender, from: "bob@src.org", to: ["joe@dest.org"])
        let result = MailSimulation(world.builder.build(dns: true)).run()
        let retries = result.events("defer").filter { $0.host == "mail.src.org" }.map(\.detail)
        #expect(retries.count == 2)
        #expect(retries.allSatisfy { $0.contains("DNS lookup for dest.org timed out") })
        #expect(retries[0].hasSuffix("retry at t=1801.000s"))
        #expect(retries[1].hasSuffix("retry at t=3601.000s"))
        let record = try #require(result.accounting.record(messageID: id, mailbox: Mailbox("joe@dest.org")))
        #expect(record.outcome == .delivered)
        #expect(record.deliveries[0] > SimTime.zero + .seconds(3601))
        #expect(record.deliveries[0] < SimTime.zero + .seconds(3602))
    }

    @Test("the retry presets follow their documented schedules")
    func schedules() {
        let arrival = Timestamp.zero
        func times(_ schedule: RetrySchedule, _ count: Int) -> [Int64] {
            var last = arrival
            var result: [Int64] = []
            for failure in 1...count {
                guard let next = schedule.nextAttempt(failures: failure, arrival: arrival, lastAttempt: last) else {
                    break
                }
                result.append(next.nanoseconds / 1_000_000_000)
                last = next
            }
            return result
        }
        #expect(times(.rfc1123, 3) == [1800, 3600, 5400])
        #expect(times(.rfc2821, 4) == [1800, 3600, 10800, 18000])
        #expect(times(.postfix, 6) == [300, 900, 2100, 4500, 8500, 12500])
        #expect(times(.qmail, 4) == [400, 1600, 3600, 6400])
        // After the give-up time there is no next attempt: the mail goes back.
        #expect(
            RetrySchedule.rfc1123.nextAttempt(
                failures: 241, arrival: arrival, lastAttempt: arrival + .seconds(5 * 86_400)) == nil)
        #expect(times(.rfc1123, 1_000).count == 240)
    }

    @Test("an unreachable destination is given up after 5 days and the mail is returned")
    func giveUp() throws {
        var world = MXWorld()
        world.builder.faults = [.crash(world.mx1, at: .zero), .crash(world.mx2, at: .zero)]
        let id = world.builder.submit(at: .zero, on: world.sender, from: "bob@src.org", to: ["joe@dest.org"])
        let result = MailSimulation(world.builder.build(dns: true, duration: .days(6))).run()
        let record = try #require(result.accounting.record(messageID: id, mailbox: Mailbox("joe@dest.org")))
        #expect(record.outcome == .bounced)
        #expect(
            record.bounceReason?.hasPrefix("gave up after 5d (rfc1123 schedule)") == true,
            "\(String(describing: record.bounceReason))")
        #expect(result.mailboxes["mail.src.org"]?["bob"]?.count == 1)
    }

    @Test("a permanent failure bounces from <> to the sender; when the notice cannot go back, nothing more is sent")
    func bounces() throws {
        var world = MXWorld()
        let home = world.builder.submit(at: .zero, on: world.sender, from: "bob@src.org", to: ["nobody@dest.org"])
        let astray = world.builder.submit(
            at: .seconds(10) == .zero ? .zero : SimTime.zero + .seconds(10), on: world.sender, from: "bob@gone.org",
            to: ["nobody@dest.org"])
        let result = MailSimulation(world.builder.build(dns: true)).run()
        #expect(result.accounting.record(messageID: home, mailbox: Mailbox("nobody@dest.org"))?.outcome == .bounced)
        #expect(result.accounting.record(messageID: astray, mailbox: Mailbox("nobody@dest.org"))?.outcome == .bounced)
        // The first notice reached bob@src.org; it was sent from the null reverse-path.
        let notice = try #require(result.mailboxes["mail.src.org"]?["bob"]?.first)
        let text = String(decoding: notice.content, as: UTF8.self)
        #expect(text.hasPrefix("Return-Path: <>\r\n"))
        #expect(text.contains("Your message could not be delivered to <nobody@dest.org>."))
        #expect(text.contains("mx1.dest.org said: 550 No such user here"))
        // The second notice had nowhere to go: a double bounce, and no notice about the notice.
        #expect(result.totals.notices == 2)
        #expect(result.totals.noticesDelivered == 1)
        #expect(result.totals.doubleBounces == 1)
        #expect(result.accounting.doubleBounces.first?.contains("no such domain gone.org") == true)
        #expect(result.accountingAddsUp)
    }

    @Test("a crash with a volatile queue loses exactly the messages queued at that moment, and says so")
    func volatileCrash() {
        var world = MXWorld(volatile: true)
        world.builder.faults = [
            .crash(world.mx1, at: .zero), .crash(world.mx2, at: .zero),
            .crash(world.sender, at: SimTime.zero + .minutes(10)),
        ]
        let queued = (0..<3).map {
            world.builder.submit(
                at: SimTime.zero + .seconds(Int64($0)), on: world.sender, from: "bob@src.org",
                to: ["joe@dest.org", "ann@dest.org"])
        }
        let late = world.builder.submit(
            at: SimTime.zero + .minutes(20), on: world.sender, from: "bob@src.org", to: ["joe@dest.org"])
        let result = MailSimulation(world.builder.build(dns: true, duration: .hours(1))).run()
        for id in queued {
            #expect(result.accounting.record(messageID: id, mailbox: Mailbox("joe@dest.org"))?.outcome == .lost)
            #expect(result.accounting.record(messageID: id, mailbox: Mailbox("ann@dest.org"))?.outcome == .lost)
        }
        // Due while the host is down: nobody took it, so it is neither returned nor delivered.
        #expect(result.accounting.record(messageID: late, mailbox: Mailbox("joe@dest.org"))?.outcome == .neverSubmitted)
        #expect(result.totals.neverSubmitted == 1 && result.totals.bounced == 0)
        #expect(result.totals.lost == 6)
        #expect(result.events("lost").count == 6)
        #expect(result.accountingAddsUp)
    }

    @Test("a persistent queue survives the crash and delivers after the restart")
    func persistentCrash() {
        var world = MXWorld()
        world.builder.faults = [
            .crash(world.mx1, at: .zero), .crash(world.mx2, at: .zero),
            .crash(world.sender, at: SimTime.zero + .minutes(10)),
            .restart(world.sender, at: SimTime.zero + .minutes(20)),
            .restart(world.mx1, at: SimTime.zero + .minutes(15)),
        ]
        let id = world.builder.submit(at: .zero, on: world.sender, from: "bob@src.org", to: ["joe@dest.org"])
        let result = MailSimulation(world.builder.build(dns: true, duration: .hours(2))).run()
        let record = result.accounting.record(messageID: id, mailbox: Mailbox("joe@dest.org"))
        #expect(record?.outcome == .delivered)
        #expect(record.map { $0.deliveries[0] >= SimTime.zero + .minutes(20) } == true)
        #expect(result.totals.lost == 0)
    }

    @Test("RFC 1047: the connection dies after the final dot; the sender retries and the message arrives twice")
    func duplicate() throws {
        var world = MXWorld()
        world.builder.faults = [
            .dropAfterFinalDot(host: world.mx1, window: SimTime.zero..<(SimTime.zero + .minutes(1)))
        ]
        let id = world.builder.submit(at: .zero, on: world.sender, from: "bob@src.org", to: ["joe@dest.org"])
        let result = MailSimulation(world.builder.build(dns: true)).run()
        let record = try #require(result.accounting.record(messageID: id, mailbox: Mailbox("joe@dest.org")))
        #expect(record.outcome == .delivered)
        #expect(record.deliveries.count == 2)
        #expect(record.duplicates == 1)
        #expect(result.totals.duplicates == 1)
        #expect(result.mailboxes["mx1.dest.org"]?["joe"]?.count == 2)
        // The retry came half an hour later, as the schedule says.
        #expect(record.deliveries[1] - record.deliveries[0] > .minutes(29))
    }

    @Test("an injected 451 to RCPT defers; an injected 550 bounces")
    func injectedReplies() {
        var world = MXWorld()
        world.builder.faults = [
            .injectReply(
                host: world.mx1, command: "RCPT", reply: Reply(.localError, "Local error"),
                window: SimTime.zero..<(SimTime.zero + .seconds(5)), probability: 1),
            .injectReply(
                host: world.mx1, command: "RCPT", reply: Reply(.mailboxUnavailable, "Refused"),
                window: (SimTime.zero + .hours(2))..<(SimTime.zero + .hours(3)), probability: 1),
        ]
        let first = world.builder.submit(at: .zero, on: world.sender, from: "bob@src.org", to: ["joe@dest.org"])
        let second = world.builder.submit(
            at: SimTime.zero + .hours(2), on: world.sender, from: "bob@src.org", to: ["joe@dest.org"])
        let result = MailSimulation(world.builder.build(dns: true)).run()
        #expect(result.accounting.record(messageID: first, mailbox: Mailbox("joe@dest.org"))?.outcome == .delivered)
        #expect(result.events("defer").count == 1)
        #expect(
            result.accounting.record(messageID: second, mailbox: Mailbox("joe@dest.org"))?.bounceReason
                == "mx1.dest.org said: 550 Refused")
    }

    @Test("a mail loop is stopped by counting trace lines (RFC 2821 §6.2) and ends in a bounce")
    func loop() throws {
        var builder = ScenarioBuilder()
        let net = builder.network("Internet")
        let a = builder.host("alpha.org", on: [net], routing: .smartHost("beta.org"))
        let b = builder.host("beta.org", on: [net], routing: .smartHost("alpha.org"))
        builder.link(a, b, on: net)
        let id = builder.submit(at: .zero, on: a, from: "ann@alpha.org", to: ["joe@elsewhere.org"])
        let result = MailSimulation(builder.build()).run()
        let record = try #require(result.accounting.record(messageID: id, mailbox: Mailbox("joe@elsewhere.org")))
        #expect(record.outcome == .bounced)
        #expect(record.bounceReason?.contains("554 Routing loop detected: 100 trace lines") == true)
        #expect(result.accounting.loopsDetected == 1)
        #expect(record.transfers == 100)
        #expect(result.mailboxes["alpha.org"]?["ann"]?.count == 1)
        #expect(result.accountingAddsUp)
    }

    @Test("the same scenario and seed give a byte-identical trace; another seed may not")
    func determinism() {
        func run(seed: UInt64) -> String {
            var world = MXWorld(routing: .direct2821, dialect: .smtp2821)
            world.builder.zones.addMX("dest.org", preference: 10, exchange: "mx2.dest.org")
            world.builder.faults = [
                .dropAfterFinalDot(host: world.mx1, window: SimTime.zero..<(SimTime.zero + .seconds(2)))
            ]
            for index in 0..<8 {
                world.builder.submit(
                    at: SimTime.zero + .milliseconds(Int64(index * 300)), on: world.sender, from: "bob@src.org",
                    to: ["joe@dest.org", "ann@dest.org"])
            }
            return MailSimulation(world.builder.build(dns: true, seed: seed)).run().traceText
        }
        let first = run(seed: 7)
        #expect(first == run(seed: 7))
        #expect(first.count > 1000)
    }
}

@Suite struct FaultTests {
    @Test("a link down resets the session on it; the mail waits, and goes when the link is back")
    func linkDown() throws {
        var world = MXWorld()
        // Links: 0-2 name server, 3 sender–mx1, 4 sender–mx2, 5 mx2–mx1. Cut the sender off both exchangers.
        world.builder.faults = [
            .linkDown(LinkID(3), at: .zero), .linkDown(LinkID(4), at: .zero),
            .linkUp(LinkID(3), at: SimTime.zero + .minutes(50)),
        ]
        let id = world.builder.submit(
            at: SimTime.zero + .seconds(1), on: world.sender, from: "bob@src.org", to: ["joe@dest.org"])
        let result = MailSimulation(world.builder.build(dns: true)).run()
        let record = try #require(result.accounting.record(messageID: id, mailbox: Mailbox("joe@dest.org")))
        #expect(record.outcome == .delivered)
        // The name server's host still joins them: new connections route round through it.
        #expect(record.deliveries[0] < SimTime.zero + .minutes(1))

        var isolated = MXWorld()
        isolated.builder.faults = [
            .linkDown(LinkID(0), at: .zero), .linkDown(LinkID(3), at: .zero), .linkDown(LinkID(4), at: .zero),
            .linkUp(LinkID(3), at: SimTime.zero + .minutes(50)),
        ]
        let late = isolated.builder.submit(
            at: SimTime.zero + .seconds(1), on: isolated.sender, from: "bob@src.org", to: ["joe@dest.org"])
        let cut = MailSimulation(isolated.builder.build(dns: true)).run()
        let waited = try #require(cut.accounting.record(messageID: late, mailbox: Mailbox("joe@dest.org")))
        #expect(waited.outcome == .delivered)
        #expect(waited.deliveries[0] > SimTime.zero + .minutes(50))
        #expect(cut.events("defer").count >= 1)
    }

    @Test("an injected reply with a probability is drawn from the run's fault stream: same seed, same victims")
    func probability() {
        func deferred(seed: UInt64) -> [String] {
            var world = MXWorld()
            world.builder.faults = [
                .injectReply(
                    host: world.mx1, command: "RCPT", reply: Reply(.localError, "try later"),
                    window: SimTime.zero..<(SimTime.zero + .minutes(1)), probability: 0.5)
            ]
            for index in 0..<20 {
                world.builder.submit(
                    at: SimTime.zero + .seconds(Int64(index)), on: world.sender, from: "bob@src.org",
                    to: ["joe@dest.org"])
            }
            let result = MailSimulation(world.builder.build(dns: true, seed: seed, duration: .hours(2))).run()
            #expect(result.totals.delivered == 20)
            return result.events("defer").map { String($0.detail.prefix { $0 != " " }) }
        }
        let first = deferred(seed: 3)
        #expect(first == deferred(seed: 3))
        #expect(first.count > 2 && first.count < 18)
    }
}
