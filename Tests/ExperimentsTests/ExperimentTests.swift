import Foundation
import MailSimulation
import SimKernel
import TestSupport
import Testing

@testable import Experiments

/// The scenarios shipped in Docs/examples/, loaded as users load them.
enum Examples {
    static let names = ["relay-story", "early-1980s", "internet-2001", "fault-drill"]

    static func path(_ name: String) -> String {
        repositoryRoot().appendingPathComponent("Docs/examples/\(name).json").path
    }

    static func load(_ name: String) throws -> Scenario {
        do {
            return try Scenario.load(path: path(name))
        } catch {
            Issue.record("\(name): \(error)")
            throw error
        }
    }
}

@Suite struct ExampleScenarioTests {
    @Test("every era completes every example, and the accounting adds up", arguments: Examples.names)
    func everyEra(name: String) throws {
        let scenario = try Examples.load(name)
        let workload = scenario.makeWorkload()
        #expect(workload.count > 0)
        for era in Era.all {
            let outcome = try Experiment.run(
                scenario, era: era, workload: workload, options: RunOptions(tracing: false), file: name)
            let totals = outcome.metrics.totals
            #expect(outcome.metrics.accountingAddsUp, "\(name) in \(era.name)")
            #expect(outcome.metrics.missing.isEmpty, "\(name) in \(era.name): \(outcome.metrics.missing)")
            // Every message but those of networks the era's year had not founded yet.
            #expect(totals.messages == workload.count - outcome.metrics.messagesLeftOut, "\(name) in \(era.name)")
            let allNetworks = outcome.metrics.networks?.notYetFounded.isEmpty ?? true
            #expect(
                allNetworks || outcome.metrics.messagesLeftOut > 0 || name == "relay-story", "\(name) in \(era.name)")
            #expect(
                totals.recipients == totals.delivered + totals.bounced + totals.queued + totals.lost
                    + totals.neverSubmitted, "\(name) in \(era.name)")
            // The queue followed at every change ends where the queues themselves end, and its
            // peak is at least that (the agents' kept counts are checked against a recount at
            // every change in debug builds).
            let queue = outcome.result.statistics.queue
            #expect(queue.level == outcome.result.statistics.queuedAtEnd, "\(name) in \(era.name)")
            #expect(
                queue.peak >= queue.level && queue.buckets.map(\.peak).max() == queue.peak, "\(name) in \(era.name)")
            // Recipients still in flight at the end are those still queued; levels never exceed their peaks.
            #expect(outcome.metrics.inFlight.level == totals.queued, "\(name) in \(era.name)")
            #expect(
                outcome.metrics.inFlight.peak >= outcome.metrics.inFlight.level
                    && outcome.metrics.inFlight.mean <= Double(outcome.metrics.inFlight.peak))
            #expect(outcome.metrics.openConnections.mean <= Double(outcome.metrics.openConnections.peak))
            if era.routing == .directOnly {
                // FTP mail is never relayed: what a host cannot reach itself comes back (or, due
                // while its host was down in the fault drill, is never submitted).
                #expect(
                    totals.delivered + totals.bounced + totals.neverSubmitted == totals.recipients,
                    "\(name) in \(era.name)")
            } else if allNetworks {
                #expect(totals.delivered > 0, "\(name) in \(era.name) delivered nothing")
            } else {
                // Without the networks founded in 1981 (CSNET and BITNET, and their gateways), the
                // relay story's A and Z have no route between them.
                #expect(totals.delivered > 0 || name == "relay-story", "\(name) in \(era.name) delivered nothing")
            }
        }
    }

    @Test("every era sees the same messages at the same times", arguments: Examples.names)
    func identicalWorkloads(name: String) throws {
        let scenario = try Examples.load(name)
        // The workload is drawn before any era runs, from its own stream: drawing it again gives
        // the same list, whatever the era.
        let first = scenario.makeWorkload()
        let second = scenario.makeWorkload()
        #expect(first.count == second.count)
        for index in 0..<first.count {
            #expect(first.submission(index) == second.submission(index))
            #expect(first.times[index] == second.times[index])
        }
        // And what each era actually submitted: (message, recipient, time) from its accounting.
        // Eras that run the same networks submit the same list; an era of a year before some
        // network was founded submits part of the whole list, never anything else.
        var submitted: [[String]: [String]] = [:]
        var whole: [String]?
        for era in Era.all {
            let outcome = try Experiment.run(
                scenario, era: era, workload: first, options: RunOptions(tracing: false), file: name)
            let list = outcome.result.accounting.records.map {
                "\($0.messageID) \($0.mailbox) \($0.submittedAt.nanoseconds)"
            }
            let running = outcome.metrics.networks?.running ?? scenario.networks
            if let earlier = submitted[running] {
                #expect(list == earlier, "\(era.name) submitted a different workload from an era of the same networks")
            }
            submitted[running] = list
            if running == scenario.networks { whole = list }
        }
        let all = try #require(whole)
        #expect(all.count == first.recipientCount)
        for list in submitted.values { #expect(Set(list).isSubset(of: all)) }
    }

    @Test(
        "the same scenario and seed give byte-identical traces and summaries",
        arguments: ["relay-story", "fault-drill"])
    func determinism(name: String) throws {
        let scenario = try Examples.load(name)
        func once() throws -> (trace: String, summary: String) {
            let outcome = try Experiment.run(
                scenario, era: Era.named("smtp-2001")!, workload: scenario.makeWorkload(), file: name)
            return (outcome.result.trace.map(\.description).joined(separator: "\n"), outcome.metrics.json.rendered())
        }
        let (a, b) = (try once(), try once())
        #expect(!a.trace.isEmpty)
        #expect(a.trace == b.trace)
        #expect(a.summary == b.summary)
    }

    @Test("another seed draws another workload")
    func seedMatters() throws {
        var scenario = try Examples.load("internet-2001")
        let first = scenario.makeWorkload()
        scenario.seed += 1
        let second = scenario.makeWorkload()
        #expect((0..<min(first.count, second.count)).contains { first.times[$0] != second.times[$0] })
    }
}

@Suite struct ReferenceWorkloadTests {
    @Test("the reference workload is what the issue describes and runs to the end")
    func shape() throws {
        let scenario = ReferenceWorkload.scenario(messages: 300)
        let mail = scenario.hosts.filter { $0.role == .mail }
        let clients = scenario.hosts.filter { $0.role == .client }
        #expect(mail.count == 10)
        #expect(clients.count == 100)
        // Every client submits to its own domain's server.
        for client in clients { #expect(client.server.map { client.name.hasSuffix(String($0.dropFirst(3))) } == true) }
        let workload = scenario.makeWorkload()
        #expect(workload.count == 300)
        for index in 0..<workload.count {
            let submission = workload.submission(index)
            #expect((1...3).contains(submission.recipients.count))
            let from = submission.reversePath.mailbox!.domain!
            #expect(
                submission.recipients.allSatisfy { $0.mailbox!.domain! != from }, "recipients must be in other domains")
        }
        let outcome = try Experiment.run(
            scenario, era: Era.named("smtp-2001")!, workload: workload,
            options: RunOptions(tracing: false, keepsMailboxText: false, queueSamples: 0))
        #expect(outcome.metrics.accountingAddsUp)
        #expect(outcome.metrics.totals.delivered == outcome.metrics.totals.recipients)
        #expect(outcome.metrics.pipelinedSessions == outcome.metrics.sessions)
    }
}

@Suite struct LinkBandwidthTests {
    @Test("a link with two rates is as fast each way as the scenario says; one rate is both ways")
    func twoRates() throws {
        let text = """
            {"format": "mailpath-scenario/1", "networks": ["Internet"], "era": "smtp-1982",
             "hosts": [{"name": "A", "networks": ["Internet"], "users": ["ann"]},
                       {"name": "B", "networks": ["Internet"], "users": ["bob"]},
                       {"name": "C", "networks": ["Internet"], "users": ["cy"]}],
             "links": [{"between": ["A", "B"], "bandwidth": ["1.5Mbit/s", "64kbit/s"]},
                       {"between": ["B", "C"], "bandwidth": "56kbit/s"}],
             "workload": {"messages": [{"at": "0s", "from": "ann@A", "to": ["bob@B"]}]}}
            """
        let scenario = try Scenario.decode(text, file: "rates.json")
        #expect(scenario.links[0].bandwidth == 1_500_000 && scenario.links[0].bandwidthBack == 64_000)
        #expect(scenario.links[1].bandwidth == 56_000 && scenario.links[1].bandwidthBack == nil)
        let setup = try scenario.setup(era: Era.named("smtp-1982")!, workload: scenario.makeWorkload())
        let links = setup.topology.links
        #expect(links[0].bandwidth(forward: true) == 1_500_000 && links[0].bandwidth(forward: false) == 64_000)
        #expect(links[1].bandwidth(forward: true) == 56_000 && links[1].bandwidth(forward: false) == 56_000)
    }
}

@Suite struct InternetGeneratorTests {
    @Test("a generated Internet is a valid scenario that runs with every recipient accounted for")
    func validAndRuns() throws {
        let generator = InternetGenerator(domains: 40, meanUsers: 5, messages: 60, rate: 20, seed: 3)
        let scenario = try Scenario.decode(generator.scenarioText(), file: "internet.json")
        #expect(scenario.hosts.count == generator.hostCount)
        let outcome = try Experiment.run(
            scenario, era: Era.named("smtp-2001")!, workload: scenario.makeWorkload(),
            options: RunOptions(tracing: false))
        #expect(outcome.metrics.accountingAddsUp)
        #expect(outcome.metrics.totals.delivered == outcome.metrics.totals.recipients)
        #expect(outcome.metrics.totals.messages == 60)
    }

    @Test("one seed gives the same file byte for byte; another seed another Internet")
    func deterministic() {
        let one = InternetGenerator(domains: 30, seed: 1).scenarioText()
        #expect(InternetGenerator(domains: 30, seed: 1).scenarioText() == one)
        #expect(InternetGenerator(domains: 30, seed: 2).scenarioText() != one)
    }

    @Test("the shape: Zipf-like users, backup MX records, routers on two levels, asymmetric access lines")
    func shape() throws {
        let generator = InternetGenerator(domains: 400, meanUsers: 8, messages: 1, seed: 5)
        let scenario = try Scenario.decode(generator.scenarioText(), file: "internet.json")
        let clients = scenario.hosts.filter { $0.role == .client }
        var perDomain: [String: Int] = [:]
        for client in clients { perDomain[client.server!, default: 0] += 1 }
        let counts = perDomain.values.sorted(by: >)
        // The harmonic law: the largest domain has about C users (C = 8·400/H₄₀₀ ≈ 489), the median a handful.
        #expect(counts.count == 400)
        #expect(counts[0] > 400 && counts[0] < 600)
        #expect(counts[200] <= 3)
        #expect(abs(Double(clients.count) / 400 - 8) < 0.5)
        let backups = scenario.dns.mx.count
        #expect(backups > 60 && backups < 140, "about one domain in four has a backup MX")
        #expect(scenario.dns.mx.allSatisfy { $0.records.map(\.preference) == [10, 20] })
        #expect(scenario.hosts.filter { $0.name.hasPrefix("bb") }.count == 5)
        #expect(scenario.hosts.filter { $0.name.hasPrefix("r") && $0.role == .router }.count == 8)
        let access = scenario.links.filter { $0.between.1.hasPrefix("h") }
        #expect(access.count == clients.count)
        #expect(access.allSatisfy { $0.bandwidth == 10_000_000 && $0.bandwidthBack == 1_000_000 })
    }
}

@Suite struct QueuePeakTests {
    @Test(
        "generated messages that a draw puts past the run's end are counted, not dropped; a generator that cannot fit is refused"
    )
    func messagesAfterTheEnd() throws {
        let text = try String(contentsOfFile: Examples.path("relay-story"), encoding: .utf8)
        let start = try #require(text.range(of: "\"workload\": {"))
        func scenario(duration: String, count: Int, rate: String) throws(ScenarioError) -> Scenario {
            let edited =
                text[..<start.lowerBound].replacingOccurrences(
                    of: "\"duration\": \"6d\"", with: "\"duration\": \"\(duration)\"")
                + "\"workload\": {\"generate\": [{\"count\": \(count), \"rate\": \"\(rate)\"}]}}"
            return try Scenario.decode(edited, file: "edited.json")
        }
        // 20 arrivals at 1 a minute fit in 20 minutes on average; some seeds draw later ones.
        var seen = false
        for seed in UInt64(1)...20 {
            var fitting = try scenario(duration: "20m", count: 20, rate: "1/m")
            fitting.seed = seed
            let metrics = try Experiment.run(
                fitting, era: Era.named("smtp-1982")!, workload: fitting.makeWorkload(),
                options: RunOptions(tracing: false)
            ).metrics
            let figures = Dictionary(uniqueKeysWithValues: metrics.figures.map { ($0.key, $0.value) })
            #expect(figures["messages"] == "20")
            #expect(figures["messages_after_end"] == String(20 - metrics.totals.messages))
            #expect(metrics.accountingAddsUp)
            seen = seen || metrics.totals.messages < 20
        }
        #expect(seen, "no seed drew an arrival past the end")
        #expect(throws: ScenarioError.self) { try scenario(duration: "10m", count: 50, rate: "1/m") }
        do {
            _ = try scenario(duration: "10m", count: 50, rate: "1/m")
        } catch {
            #expect(
                error.message
                    == "50 messages at this rate take about 50m on average, past the run's end at 10m: lengthen \"duration\", raise \"rate\" or lower \"count\""
            )
            #expect(error.path == "workload.generate[0].count")
        }
    }

    @Test(
        "every generated message has the Date: field RFC 822 §4.1 requires, in its era's form: two-digit year before RFC 1123, RFC 2822's after"
    )
    func dateFields() throws {
        let scenario = try Examples.load("relay-story")
        for (era, expected) in [
            ("smtp-1982", "Date: 1 JAN 82 00:00:00 UT\r\n"), ("smtp-2001", "Date: Mon, 1 Jan 2001 00:00:00 +0000\r\n"),
        ] {
            let outcome = try Experiment.run(
                scenario, era: Era.named(era)!, workload: scenario.makeWorkload(),
                options: RunOptions(tracing: false, keepsMailboxText: true))
            let first = try #require(outcome.result.mailboxes["Z"]?["joe"]?.first)
            let text = String(decoding: first.content, as: UTF8.self)
            #expect(text.contains("\r\n" + expected + "From: ann@A\r\n"), "\(era): \(text.prefix(400))")
        }
    }

    @Test("a sweep plan or a timeline given as a scenario is named for what it is")
    func otherFormats() throws {
        let plan = repositoryRoot().appendingPathComponent("Docs/examples/load-sweep.json").path
        #expect(throws: ScenarioError.self) { try Scenario.load(path: plan) }
        do {
            _ = try Scenario.load(path: plan)
        } catch {
            #expect(error.message == "this is a mailpath-sweep/1 file, not a scenario: run it with 'mailpath sweep'")
        }
    }

    @Test("the fault drill's queue peak is the one the mail met, not a sample's")
    func faultDrillPeak() throws {
        let scenario = try Examples.load("fault-drill")
        let outcome = try Experiment.run(
            scenario, era: Era.named(scenario.era ?? "smtp-2001")!, workload: scenario.makeWorkload(),
            options: RunOptions(tracing: false))
        // Samples at 48 instants once reported 0 here, where the queue reaches dozens.
        #expect(outcome.metrics.peakQueue > 20)
        #expect(outcome.metrics.queue.mean > 0)
        // Mail waits, so recipients stay in flight and connections open for a while.
        #expect(outcome.metrics.inFlight.peak > 20 && outcome.metrics.openConnections.peak > 0)
        #expect(outcome.metrics.figures.contains { $0.key == "mean_queue" })
    }
}

@Suite struct SlowLineTests {
    @Test("a text that takes longer than the receiver's 5-minute command limit to cross a slow line still arrives")
    func largeTextOnSlowLine() throws {
        // 400 KB at 9,600 bit/s: about 5.7 minutes on the line. The receiver sees the text
        // arriving segment by segment, so its limit for awaiting a command never runs out
        // (RFC 2821 §4.5.3.2), and the client's 10 minutes for the final reply are enough.
        let text = """
            {"format": "mailpath-scenario/1", "networks": ["ARPANET"], "era": "smtp-1982",
             "hosts": [{"name": "A", "networks": ["ARPANET"], "users": ["ann"]},
                       {"name": "B", "networks": ["ARPANET"], "users": ["bob"]}],
             "links": [{"between": ["A", "B"], "latency": "20ms", "bandwidth": "9600bit/s"}],
             "workload": {"messages": [{"at": "0s", "from": "ann@A", "to": ["bob@B"], "size": "400KB"}]}}
            """
        let scenario = try Scenario.decode(text, file: "slow.json")
        let outcome = try Experiment.run(
            scenario, era: Era.named("smtp-1982")!, workload: scenario.makeWorkload(),
            options: RunOptions(tracing: false))
        #expect(outcome.metrics.totals.delivered == 1)
        #expect(outcome.metrics.sessions == 1, "delivered in the first session, not after a time-out and a retry")
        let latency = try #require(outcome.metrics.latency).mean
        #expect(
            latency > .seconds(330) && latency < .seconds(420), "about the time the text takes on the line: \(latency)")
    }
}

@Suite struct DuplicateUserTests {
    @Test("a user on a client and on its server is refused: one mailbox, one owner")
    func clientAndServer() {
        let text = """
            {"format": "mailpath-scenario/1", "networks": ["Internet"], "era": "smtp-1982",
             "hosts": [{"name": "S", "networks": ["Internet"], "domains": ["s.org"], "users": ["ann"]},
                       {"name": "C", "networks": ["Internet"], "role": "client", "server": "S", "users": ["ann"]}],
             "links": [{"between": ["S", "C"]}],
             "workload": {"messages": [{"at": "0s", "from": "ann@s.org", "to": ["ann@s.org"]}]}}
            """
        #expect(throws: ScenarioError.self) { try Scenario.decode(text, file: "dup.json") }
        do {
            _ = try Scenario.decode(text, file: "dup.json")
        } catch {
            #expect(
                error.description
                    == "dup.json:3:95: hosts[1].users[0]: ann@s.org is a user of both S and C: one mailbox needs one owner"
            )
        }
    }
}

@Suite struct MailLoopTests {
    /// A and B speak RFC 780 MTP, whose mail carries no trace lines, and each sends what it
    /// cannot reach to the other: the message for cy@C, on an island only G reaches, goes round.
    static let loop = """
        {"format": "mailpath-scenario/1", "era": "mx-1986", "duration": "1h", "dns": {"server": "NS"},
         "networks": ["Internet", {"name": "Island", "internet": false}],
         "hosts": [{"name": "A", "networks": ["Internet"], "users": ["ann"], "dialect": "mtp780", "relayHost": "B"},
                   {"name": "B", "networks": ["Internet"], "users": ["bob"], "dialect": "mtp780", "relayHost": "A"},
                   {"name": "C", "networks": ["Island"], "users": ["cy"]},
                   {"name": "NS", "networks": ["Internet"], "role": "router"},
                   {"name": "G", "networks": ["Internet", "Island"], "gateway": true}],
         "links": [{"between": ["A", "B"]}, {"between": ["A", "NS"]}, {"between": ["B", "G"]}, {"between": ["G", "C"]}],
         "workload": {"messages": [{"at": "0s", "from": "ann@A", "to": ["cy@C"]}]}}
        """

    @Test("mail that comes back to a host that passed it on is refused as a loop and returned, in a few sessions")
    func loopWithoutTraceLines() throws {
        let scenario = try Scenario.decode(Self.loop, file: "loop.json")
        let outcome = try Experiment.run(scenario, era: Era.named("mx-1986")!, workload: scenario.makeWorkload())
        #expect(outcome.metrics.totals.bounced == 1)
        #expect(outcome.metrics.totals.noticesDelivered == 1, "the notice reaches ann")
        #expect(outcome.metrics.sessions <= 4, "it went round once, not for ever: \(outcome.metrics.sessions) sessions")
        #expect(outcome.result.traceText.contains("refused: came back after this host passed it on for <cy@C>"))
    }
}

@Suite struct ManyRecipientsTests {
    @Test("a message to 60 long addresses is delivered to all: its To: line is folded, never past 78 characters")
    func foldedTo() throws {
        let users = (0..<60).map { "\"recipient-with-a-rather-long-name-\($0)\"" }.joined(separator: ", ")
        let to = (0..<60).map { "\"recipient-with-a-rather-long-name-\($0)@B\"" }.joined(separator: ", ")
        let text = """
            {"format": "mailpath-scenario/1", "networks": ["ARPANET"], "era": "smtp-1982",
             "hosts": [{"name": "A", "networks": ["ARPANET"], "users": ["ann"]},
                       {"name": "B", "networks": ["ARPANET"], "users": [\(users)]}],
             "links": [{"between": ["A", "B"]}],
             "workload": {"messages": [{"at": "0s", "from": "ann@A", "to": [\(to)]}]}}
            """
        let scenario = try Scenario.decode(text, file: "many.json")
        let workload = scenario.makeWorkload()
        let header = String(decoding: workload.text(0), as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        let lines = header.split(separator: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 }, "\(lines.map(\.utf8.count))")
        #expect(lines.filter { $0.hasPrefix(" ") }.count > 30, "folded onto continuation lines")
        let outcome = try Experiment.run(
            scenario, era: Era.named("smtp-1982")!, workload: workload, options: RunOptions(tracing: false))
        #expect(outcome.metrics.totals.delivered == 60)
    }
}

@Suite struct RunawayBudgetTests {
    @Test(
        "a run that opens more sessions than its budget stops there, says why, and still accounts for every recipient")
    func budget() throws {
        let scenario = try Examples.load("internet-2001")
        var setup = try scenario.setup(
            era: Era.named("smtp-2001")!, workload: scenario.makeWorkload(), options: RunOptions(tracing: false))
        setup.sessionBudget = 5
        let result = MailSimulation(setup).run()
        #expect(result.stopReason?.hasPrefix("more than 5 mail sessions for") == true)
        #expect(result.statistics.sessions == 6, "it stops at the session past the budget")
        #expect(result.endTime < SimTime.zero + setup.duration)
        #expect(result.accountingAddsUp)
        // The default budget leaves an ordinary run alone.
        setup.sessionBudget = nil
        #expect(MailSimulation(setup).run().stopReason == nil)
    }
}
