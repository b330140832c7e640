import Foundation
import Reports
import SimKernel
import TestSupport
import Testing

@testable import Experiments

/// The shipped timeline and its scenario.
enum ShippedTimeline {
    static let path = repositoryRoot().appendingPathComponent("Timelines/mtp-to-esmtp.json").path

    static func load() throws -> (Timeline, Scenario, String) {
        let timeline = try Timeline.decode(try String(contentsOfFile: path, encoding: .utf8), file: path)
        let scenarioFile = Timeline.resolve(timeline.scenarioPath, from: path)
        return (timeline, try Scenario.load(path: scenarioFile), scenarioFile)
    }
}

@Suite struct TimelineTests {
    @Test("the shipped timeline covers RFC 765 to 5321 in date order, each simulated milestone with its era")
    func shape() throws {
        let (timeline, _, _) = try ShippedTimeline.load()
        let rfcs = timeline.milestones.flatMap(\.rfcs)
        for rfc in [
            "RFC 765", "RFC 772", "RFC 780", "RFC 788", "RFC 821", "RFC 974", "RFC 1123", "RFC 1425", "RFC 1651",
            "RFC 1869", "RFC 1652", "RFC 1854", "RFC 1870", "RFC 2821", "RFC 2920", "RFC 5321",
        ] {
            #expect(rfcs.contains(rfc), "\(rfc) missing")
        }
        #expect(timeline.milestones.map(\.date) == timeline.milestones.map(\.date).sorted())
        #expect(Set(timeline.milestones.compactMap { $0.era?.name }) == Set(Era.all.map(\.name)))
    }

    @Test("the milestones show what history predicts")
    func history() throws {
        let (timeline, scenario, file) = try ShippedTimeline.load()
        func workloadMessageID(_ index: Int) -> String { scenario.makeWorkload().messageID(index) }
        let report = try timeline.run(scenario, scenarioFile: file)
        func figure(_ era: String, _ key: String) throws -> Double {
            try #require(report.milestones.first { $0.era == era }?.figure(key)?.value)
        }
        // RFC 974: mail for CSNET hosts still went to CSNET-RELAY, now as their exchanger, and
        // BITNET's through WISCVM. With those networks off the Internet, MX routing alone leaves
        // every route, so the hops, as they were; what it changes is how the next hop is found.
        #expect(try figure("smtp-1982", "hops_mean") == figure("mx-1986", "hops_mean"))
        #expect(try figure("smtp-1982", "dns_queries") == 0 && figure("mx-1986", "dns_queries") > 0)
        let mx = try #require(report.milestones.first { $0.era == "mx-1986" })
        #expect(
            mx.changes.first
                == "factors changed: routing source-routes → mx, dns off → on, internet off → on, transport ncp → tcp")
        #expect(!mx.changes.contains { $0.hasPrefix("hops per delivered recipient") })
        // PIPELINING cuts round trips.
        #expect(try figure("esmtp-1995", "round_trips_per_message") < figure("mx-1986", "round_trips_per_message"))
        #expect(try figure("esmtp-1995", "pipelined_sessions") > 0)
        // The host that kept its RFC 821 software makes its clients fall back from EHLO to HELO.
        #expect(try figure("esmtp-1995", "helo_fallbacks") > 0)
        #expect(try figure("mx-1986", "helo_fallbacks") == 0)
        let esmtp = try #require(report.milestones.first { $0.era == "esmtp-1995" })
        // What changed names the factors that differ and the figures that moved, no prepared reasons.
        #expect(esmtp.changes.first == "factors changed: dialect smtp1123 → esmtp, pipelining off → on")
        // The 1989 milestone runs its own era (RFC 1123), and what changed says what that era
        // changes: the dialect (252, the Received: line), random MX ties and no source routes.
        let hosts = try #require(report.milestones.first { $0.date == "1989-10" })
        #expect(hosts.era == "smtp-1989")
        #expect(
            hosts.changes.first
                == "factors changed: dialect smtp821 → smtp1123, mx-ties by-name → shuffled, source-routes followed → stripped"
        )
        #expect(esmtp.changes.contains { $0.hasPrefix("round trips per message ") && !$0.contains("(") })
        #expect(esmtp.changes.contains { $0.hasPrefix("EHLO refused, HELO used 0 → ") })
        // In 1980 there is no CSNET or BITNET yet (both 1981; RFC 790 of September 1981 lists
        // neither, RFC 820 of January 1983 names CSNET): the 1980 milestones run the ARPANET's
        // mail alone, say so, and FTP mail and the MTP draft carry the very same messages.
        let workload = scenario.makeWorkload()
        let ftpMilestone = try #require(report.milestones.first { $0.era == "ftp-1980" })
        let draft = try #require(report.milestones.first { $0.era == "mtp-1980" })
        for early in [ftpMilestone, draft] {
            #expect(
                early.networks
                    == "networks: ARPANET; not yet founded, left out: CSNET (1981), BITNET (1981); over NCP, before the flag day of 1 January 1983: ARPANET"
            )
            #expect(early.figure("messages_left_out")!.value! > 0)
            #expect(
                early.figure("messages")!.value! + early.figure("messages_left_out")!.value! == Double(workload.count))
            #expect(early.figure("recipients")?.value == early.figure("delivered")?.value, "\(early.era!)")
        }
        #expect(try figure("ftp-1980", "recipients") == figure("mtp-1980", "recipients"))
        #expect(try figure("ftp-1980", "hops_mean") <= 1 && figure("mtp-1980", "hops_mean") <= 1)
        #expect(draft.changes.first == "factors changed: dialect ftp765 → mtp772, routing direct → source-routes")
        // Message 0 (to CSNET) does not exist in 1980, so the FTP milestone draws one that does.
        let ftp = try #require(ftpMilestone.journey)
        #expect(ftp.messageID != workloadMessageID(0))
        #expect(ftp.steps.contains { $0.kind == .command && $0.text.hasPrefix("MAIL ") })
        #expect(ftp.clientLabel == "U:" && ftp.serverLabel == "S:")
        // 1981: CSNET and BITNET appear, and source routes carry mail through their gateways.
        let mtp = try #require(report.milestones.first { $0.era == "mtp-1981" })
        #expect(
            mtp.changes.first
                == "factors changed: dialect mtp772 → mtp780, networks 1980 → 1981 (ARPANET → ARPANET, CSNET, BITNET)")
        #expect(mtp.networks == "over NCP, before the flag day of 1 January 1983: ARPANET")
        #expect(mtp.journey?.messageID == workloadMessageID(0))
        // From 1986 the ARPANET runs TCP/IP, and nothing is said.
        #expect(mx.networks == nil)
        #expect(try figure("mtp-1981", "hops_mean") > 1)
        // From 1981 on, every era delivers the whole identical workload.
        for milestone in report.simulated where !["ftp-1980", "mtp-1980"].contains(milestone.era!) {
            #expect(milestone.figure("messages")?.text == String(workload.count))
            #expect(milestone.figure("recipients")?.value == milestone.figure("delivered")?.value, "\(milestone.era!)")
        }
    }

    @Test("in 1980 a message crosses the ARPANET by FTP: port 21, MAIL <user>, in RFC 765's U:/S: notation")
    func ftpJourney() throws {
        let (_, scenario, file) = try ShippedTimeline.load()
        let era = try #require(Era.named("ftp-1980"))
        let workload = scenario.makeWorkload()
        let outcome = try Experiment.run(
            scenario, era: era, workload: workload, options: RunOptions(tracing: true), file: file)
        // Message 6 goes from UCB-VAX to SRI-NIC and USC-ISIF, all on the ARPANET.
        let journey = MessageTrace(messageID: workload.messageID(6), era: era, trace: outcome.result.trace).text
        #expect(journey.contains("[connect] conn1 to SRI-NIC [10.0.0.2]:21 ftp765"))
        #expect(journey.contains("U: MAIL feinler"))
        #expect(journey.contains("S: 354 Start mail input"))
        #expect(journey.contains("S: 221 SRI-NIC Service closing TELNET connection"))
        #expect(!journey.contains("FROM:"), "FTP mail names no sender")
        #expect(outcome.metrics.accountingAddsUp)
    }

    @Test("EHLO costs exactly one more exchange than HELO where the server falls back")
    func ehloFallbackCost() throws {
        // A writes to B, whose software stays RFC 821: in the ESMTP era every session falls back.
        let text = """
            {"format": "mailpath-scenario/1", "networks": ["Internet"], "dns": {"server": "NS"},
             "hosts": [{"name": "A", "networks": ["Internet"], "users": ["ann"]},
                       {"name": "B", "networks": ["Internet"], "users": ["bob"], "dialect": "smtp821"},
                       {"name": "NS", "networks": ["Internet"], "role": "router"}],
             "links": [{"between": ["A", "B"], "latency": "20ms"}, {"between": ["A", "NS"], "latency": "5ms"}],
             "workload": {"generate": [{"count": 20, "rate": "1/m", "from": ["ann@A"], "to": {"among": ["bob@B"]}}]}}
            """
        let scenario = try Scenario.decode(text, file: "fallback.json")
        let workload = scenario.makeWorkload()
        let helo = try Experiment.run(
            scenario, era: Era.named("mx-1986")!, workload: workload, options: RunOptions(tracing: false))
        let ehlo = try Experiment.run(
            scenario, era: Era.named("esmtp-1995")!, workload: workload, options: RunOptions(tracing: false))
        #expect(helo.metrics.heloFallbacks == 0)
        #expect(ehlo.metrics.heloFallbacks == ehlo.metrics.sessions)
        #expect(ehlo.metrics.sessions == workload.count)
        #expect(ehlo.metrics.pipelinedSessions == 0, "an RFC 821 server offers no PIPELINING")
        let extra = (ehlo.metrics.roundTripsPerMessage - helo.metrics.roundTripsPerMessage) * Double(workload.count)
        #expect(Int(extra.rounded()) == ehlo.metrics.heloFallbacks, "one more exchange per session, no more")
    }

    @Test("the figures come from the simulation: a slower network shows in the report")
    func figuresFollowTheScenario() throws {
        let (timeline, original, file) = try ShippedTimeline.load()
        var slower = original
        for index in slower.links.indices {
            slower.links[index].latency = SimDuration(
                nanoseconds: slower.links[index].latency.nanoseconds + 200_000_000)
        }
        let before = try timeline.run(original, scenarioFile: file)
        let after = try timeline.run(slower, scenarioFile: file)
        for (a, b) in zip(before.simulated, after.simulated) {
            #expect(b.figure("latency_p50_s")!.value! > a.figure("latency_p50_s")!.value!, "\(a.era!)")
        }
        #expect(TimelineHTML.render(before) != TimelineHTML.render(after))
    }

    @Test("two runs give byte-identical reports")
    func determinism() throws {
        let (timeline, scenario, file) = try ShippedTimeline.load()
        let a = try timeline.run(scenario, scenarioFile: file)
        let b = try timeline.run(scenario, scenarioFile: file)
        #expect(TimelineHTML.render(a) == TimelineHTML.render(b))
        #expect(TimelineMarkdown.render(a) == TimelineMarkdown.render(b))
        #expect(a.csv == b.csv)
        #expect(a.json.rendered() == b.json.rendered())
    }

    @Test(
        "a bad timeline file gets one line with the place and what was expected",
        arguments: [
            (
                #"{"format": "mailpath-timeline/1", "title": "t", "scenario": "s.json", "milestones": [{"date": "1981", "rfcs": ["RFC 780"], "title": "x", "text": "y"}]}"#,
                #"t.json:1:95: milestones[0].date: expected a date such as "1981-05", found "1981""#
            ),
            (
                #"{"format": "mailpath-timeline/1", "title": "t", "scenario": "s.json", "milestones": [{"date": "1981-05", "rfcs": ["RFC 780"], "title": "x", "text": "y", "era": "mx-1968"}]}"#,
                #"t.json:1:161: milestones[0].era: unknown era "mx-1968"; did you mean "mx-1986"? (known: ftp-1980, mtp-1980, mtp-1981, smtp-1981, smtp-1982, mx-1986, smtp-1989, esmtp-1995, smtp-2001, smtp-2008)"#
            ),
            (
                #"{"format": "mailpath-timeline/1", "title": "t", "milestones": []}"#,
                #"t.json:1:1: missing field "scenario": the scenario file every milestone runs, relative to this file"#
            ),
        ] as [(String, String)])
    func badTimeline(text: String, expected: String) {
        #expect(throws: ScenarioError.self) { try Timeline.decode(text, file: "t.json") }
        do {
            _ = try Timeline.decode(text, file: "t.json")
        } catch {
            #expect(error.description == expected)
        }
    }
}
