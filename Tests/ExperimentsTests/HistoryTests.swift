import MailCore
import MailDialects
import MailSimulation
import Testing

@testable import Experiments

/// The historical model around the engines: which networks exist in an era, which are on the
/// Internet, and how mail for hosts off it is routed, each checked against the RFC it follows.
@Suite struct HistoryTests {
    static func run(_ scenario: Scenario, _ era: String) throws -> RunOutcome {
        try Experiment.run(
            scenario, era: Era.named(era)!, workload: scenario.makeWorkload(), options: RunOptions(tracing: true))
    }

    @Test(
        "RFC 974: with CSNET mail still going to CSNET-RELAY, MX routing alone leaves the reference scenario's hops as they were; joining the networks is what shortens them"
    )
    func mxAloneKeepsTheRoutes() throws {
        let scenario = try ShippedTimeline.load().1
        #expect(scenario.islands == ["CSNET", "BITNET"])
        let before = try Self.run(scenario, "smtp-1982").metrics
        let after = try Self.run(scenario, "mx-1986").metrics
        #expect(
            before.totals.delivered == before.totals.recipients && after.totals.delivered == after.totals.recipients)
        #expect(before.hopsMean == after.hopsMean && before.hopsMean > 1)
        #expect(before.dnsQueries == 0 && after.dnsQueries > 0)
        // The same era with every network on the Internet: the hops fall, so a fall in hops is
        // the joined networks' doing, not MX routing's.
        var joined = scenario
        joined.islands = []
        let together = try Self.run(joined, "mx-1986").metrics
        #expect(together.hopsMean < after.hopsMean)
        // And attribution over the shipped scenario credits the hops to no factor at all.
        let attribution = try Attribution.measure(
            scenario, workload: scenario.makeWorkload(), from: Era.named("smtp-1982")!, to: Era.named("mx-1986")!)
        #expect(attribution.rows.first { $0.key == "hops_mean" }?.change == 0)
    }

    @Test(
        "RFC 974: the relay story's CSNET, BITNET and UUCP stay off the Internet: D is Z's exchanger and P and U pass the mail on, in every MX era"
    )
    func relayStoryOffTheInternet() throws {
        let scenario = try Examples.load("relay-story")
        #expect(scenario.islands == ["CSNET", "BITNET", "UUCP"])
        for era in ["mx-1986", "smtp-1989", "esmtp-1995", "smtp-2001"] {
            let outcome = try Self.run(scenario, era)
            let journey = MessageTrace(
                messageID: scenario.makeWorkload().messageID(0), era: outcome.era, trace: outcome.result.trace
            ).text
            #expect(journey.contains("[dns] answer MX Z: MX 10 D"), "\(era)")
            for relay in ["D", "P", "U"] {
                #expect(journey.contains("[relayed] <w0@mailpath.invalid> for <joe@Z> accepted by \(relay)"), "\(era)")
            }
            #expect(journey.contains("  Z     [deliver] <w0@mailpath.invalid> to <joe@Z>"), "\(era)")
            // Only U, on UUCP with Z, ever connects to Z.
            let toZ = journey.split(separator: "\n").filter { $0.contains("[connect]") && $0.contains(" to Z [") }
            #expect(!toZ.isEmpty && toZ.allSatisfy { $0.contains("  U     [connect]") }, "\(era): \(toZ)")
            #expect(outcome.metrics.hopsMean == 4 && outcome.metrics.totals.delivered == 2, "\(era)")
        }
        // RFC 974 with RFC 821: D, the best exchanger, reaches Z by a source route through the
        // gateways; from 1989 routes are stripped and each relay finds its own next hop.
        let mx = MessageTrace(
            messageID: "<w0@mailpath.invalid>", era: Era.named("mx-1986")!,
            trace: try Self.run(scenario, "mx-1986").result.trace
        ).text
        #expect(mx.contains("RCPT TO:<@P,@U:joe@Z>"))
    }

    @Test(
        "networks appear when they were founded: the 1980 eras run the ARPANET alone (RFC 790 of 1981 lists no CSNET, RFC 820 of 1983 does), and running them earlier is a labelled counterfactual"
    )
    func foundingDates() throws {
        let scenario = try ShippedTimeline.load().1
        #expect(scenario.founded == ["csnet": 1981, "bitnet": 1981])
        let workload = scenario.makeWorkload()
        let early = try Self.run(scenario, "mtp-1980")
        let status = try #require(early.metrics.networks)
        #expect(status.running == ["ARPANET"])
        #expect(status.notYetFounded.map(\.name) == ["CSNET", "BITNET"] && status.beforeTheirTime.isEmpty)
        // Whole messages are left out, each kept message with its own Message-ID.
        let ran = early.setup.workload
        #expect(ran.count + early.metrics.messagesLeftOut == workload.count && ran.count > 0)
        for index in 0..<ran.count {
            let original = try #require(workload.index(ofMessageID: ran.messageID(index)))
            #expect(ran.submission(index) == workload.submission(original))
        }
        // Every user of a kept message has its mailbox on a host of the ARPANET, and every
        // message left out has a user elsewhere.
        let arpanet = Set(scenario.hosts.filter { $0.networks.contains("ARPANET") }.map(\.name))
        let mailHost = Dictionary(uniqueKeysWithValues: scenario.users.map { ($0.address, $0.mailHost) })
        func onARPANET(_ index: Int, _ w: Workload) -> Bool {
            ([w.sender(index)] + w.recipients(index)).allSatisfy {
                arpanet.contains(mailHost[w.users[Int($0)].description]!)
            }
        }
        #expect((0..<ran.count).allSatisfy { onARPANET($0, ran) })
        #expect((0..<workload.count).filter { onARPANET($0, workload) }.count == ran.count)
        #expect(early.metrics.totals.delivered == early.metrics.totals.recipients)
        // The same era with every network: a counterfactual, named in its name and its note.
        let what = Era.named("mtp-1980")!.setting([try FactorSetting.parse("networks=all").get()])
        #expect(what.name == "mtp-1980[networks=all]")
        let counterfactual = try Experiment.run(scenario, era: what, workload: workload).metrics
        #expect(counterfactual.messagesLeftOut == 0)
        #expect(
            counterfactual.networks?.note
                == "networks: ARPANET, CSNET, BITNET; counterfactual: CSNET (1981), BITNET (1981) run before their founding"
        )
        // An era with no network of its name server's cannot look anything up, and says why.
        var dated = scenario
        dated.founded["arpanet"] = 1969
        let before = Era.named("mx-1986")!.setting([try FactorSetting.parse("networks=1960").get()])
        #expect {
            try Experiment.run(dated, era: before, workload: workload)
        } throws: { error in
            "\(error)".contains(
                "the name server SRI-NIC is on no network it runs (networks: none; not yet founded, left out: ARPANET (1969)"
            )
        }
        // In their own time nothing is said.
        #expect(try Self.run(scenario, "mtp-1981").metrics.networks?.note == nil)
    }

    @Test(
        "RFC 821 Appendix B: before the flag day of 1 January 1983 the ARPANET's mail goes over NCP: one round trip more to open, and one a message of 1,002 bytes after the first"
    )
    func ncpBeforeTheFlagDay() throws {
        // A and B, 100 ms apart (a round trip of 200 ms), no bandwidth limit: a 100-byte and a
        // 3,000-byte message in smtp-1982, over NCP and over TCP.
        let text = """
            {"format": "mailpath-scenario/1", "era": "smtp-1982", "duration": "1h",
             "networks": [{"name": "ARPANET", "ncp": true}],
             "hosts": [{"name": "A", "networks": ["ARPANET"], "users": ["ann"]},
                       {"name": "B", "networks": ["ARPANET"], "users": ["bob"]}],
             "links": [{"between": ["A", "B"], "latency": "100ms"}],
             "workload": {"messages": [{"at": "0s", "from": "ann@A", "to": ["bob@B"], "size": "100B"},
                                       {"at": "10m", "from": "ann@A", "to": ["bob@B"], "size": "3000B"}]}}
            """
        let scenario = try Scenario.decode(text, file: "ncp.json")
        let smtp = Era.named("smtp-1982")!
        #expect(smtp.factors.transport == .ncp && Era.named("mx-1986")!.factors.transport == .tcp)
        let tcp = smtp.setting([try FactorSetting.parse("transport=tcp").get()])
        func latencies(_ era: Era) throws -> [Int64] {
            let outcome = try Experiment.run(scenario, era: era, workload: scenario.makeWorkload())
            #expect(outcome.metrics.ncpNetworks == (era.factors.transport == .ncp ? ["ARPANET"] : []))
            return outcome.metrics.latencyByRecipient
        }
        let overTCP = try latencies(tcp)
        let overNCP = try latencies(smtp)
        // TCP: greeting at 0.4 s, HELO, MAIL, RCPT, DATA, the text: 1.3 s for either.
        #expect(overTCP == [1_300_000_000, 1_300_000_000])
        // NCP: the Initial Connection Protocol costs one round trip more (the greeting at 0.6 s);
        // the 3,112 bytes of the second text are four messages, three waiting for an RFNM.
        #expect(overNCP == [1_500_000_000, 2_100_000_000])
    }

    @Test(
        "RFC 788 §4.1.2: a relay reached over NCP stamps 'Mail-From: NCP host A received by D', one reached over TCP leaves the protocol out"
    )
    func ncpInTheStamp() throws {
        let scenario = try Examples.load("relay-story")
        func stamps(_ era: Era) throws -> [String] {
            let outcome = try Experiment.run(
                scenario, era: era, workload: scenario.makeWorkload(),
                options: RunOptions(tracing: false, keepsMailboxText: true))
            let text = String(
                decoding: try #require(outcome.result.mailboxes["Z"]?["joe"]?.first).content, as: UTF8.self)
            return text.split(separator: "\r\n").filter { $0.hasPrefix("Mail-From: ") }.map {
                String($0.split(separator: " at ")[0])
            }
        }
        // A to D crosses the ARPANET (NCP in 1981); D to P, P to U and U to Z do not.
        let smtp = Era.named("smtp-1981")!
        #expect(
            try stamps(smtp) == [
                "Mail-From: U received by Z", "Mail-From: P received by U", "Mail-From: D received by P",
                "Mail-From: NCP host A received by D",
            ])
        let tcp = smtp.setting([try FactorSetting.parse("transport=tcp").get()])
        #expect(try stamps(tcp).last == "Mail-From: A received by D")
    }

    @Test(
        "UUCP was dial-up, polled on a schedule: in the relay story mail for Z waits at U for the next half-hourly call, and Joe's answer at the hour leaves with that hour's call"
    )
    func uucpPolling() throws {
        let scenario = try Examples.load("relay-story")
        #expect(scenario.polled == ["uucp": .minutes(30)])
        for era in ["smtp-1982", "smtp-2001"] {
            let outcome = try Self.run(scenario, era)
            let latencies = outcome.metrics.latencyByRecipient
            // Ann's message reaches U in seconds and Z just after 30 minutes; Joe's leaves Z at
            // 1 h, a call's instant, and reaches A in seconds.
            #expect(latencies[0] > 1_800_000_000_000 && latencies[0] < 1_830_000_000_000, "\(era)")
            #expect(latencies[1] < 60_000_000_000, "\(era)")
            let journey = MessageTrace(
                messageID: "<w0@mailpath.invalid>", era: outcome.era, trace: outcome.result.trace
            ).text
            #expect(journey.contains("waits for the next call, at t=1800.000s"), "\(era)")
        }
        #expect(throws: ScenarioError.self) {
            try Scenario.decode(
                """
                {"format": "mailpath-scenario/1", "networks": [{"name": "UUCP", "polled": "0s"}],
                 "hosts": [{"name": "A", "networks": ["UUCP"], "users": ["ann"]}],
                 "workload": {"messages": [{"at": "0s", "from": "ann@A", "to": ["ann@A"]}]}}
                """, file: "f.json")
        }
    }

    @Test(
        "RFC 1123 §5.2.16: a host may write its route in the local part, %-hack or bang path, and every gateway reads its part in turn: the same hops as a source route"
    )
    func routesInTheLocalPart() throws {
        var scenario = try Examples.load("relay-story")
        let a = scenario.hosts.firstIndex { $0.name == "A" }!
        for (encoding, first) in [(EmbeddedRoute.percent, "joe%Z%U%P@D"), (.bang, "P!U!Z!joe@D")] {
            scenario.hosts[a].gatewayRouting = encoding == .percent ? .percent : .bang
            for era in ["mtp-1981", "smtp-1982"] {
                let outcome = try Self.run(scenario, era)
                let journey = MessageTrace(
                    messageID: "<w0@mailpath.invalid>", era: outcome.era, trace: outcome.result.trace
                ).text
                #expect(journey.contains("TO:<\(first)>"), "\(encoding) \(era)")
                #expect(!journey.contains("TO:<@"), "no source route: \(encoding) \(era)")
                #expect(outcome.metrics.hopsMean == 4 && outcome.metrics.totals.delivered == 2, "\(encoding) \(era)")
            }
        }
        // A host that relays nothing reads no route in a local part: an unknown user.
        let policy = ReceiverPolicy(hostName: "Z", users: ["joe"], relaying: .refuse)
        #expect(policy.verdict(for: Path(Mailbox("joe%Y@Z")), stripRoutes: false) == .unknownUser)
        let gateway = ReceiverPolicy(hostName: "U", users: [], relaying: .sourceRoutes)
        #expect(
            gateway.verdict(for: Path(Mailbox("joe%Z@U")), stripRoutes: false)
                == .accept(.relay(Path(Mailbox("joe@Z")))))
    }

    @Test(
        "RFC 974: a host may send what leaves its network to its relay by configuration, the address as it is; the relay routes it from there"
    )
    func relayByConfiguration() throws {
        var scenario = try Examples.load("relay-story")
        let z = scenario.hosts.firstIndex { $0.name == "Z" }!
        scenario.hosts[z].gatewayRouting = .relay  // Z's relayHost is U
        let outcome = try Self.run(scenario, "smtp-1982")
        let journey = MessageTrace(messageID: "<w1@mailpath.invalid>", era: outcome.era, trace: outcome.result.trace)
            .text
        // Z hands Joe's answer to U as it is; U, a gateway of the host-table era, source-routes it.
        #expect(journey.contains("  Z     S: RCPT TO:<ann@A>"))
        #expect(journey.contains("  U     S: RCPT TO:<@P,@D:ann@A>"))
        #expect(outcome.metrics.hopsMean == 4 && outcome.metrics.totals.delivered == 2)
        // "relay" needs a relay.
        scenario.hosts[z].relayHost = nil
        let text = """
            {"format": "mailpath-scenario/1", "networks": ["N"],
             "hosts": [{"name": "A", "networks": ["N"], "users": ["ann"], "gatewayRouting": "relay"}],
             "workload": {"messages": [{"at": "0s", "from": "ann@A", "to": ["ann@A"]}]}}
            """
        #expect {
            try Scenario.decode(text, file: "f.json")
        } throws: { error in
            "\(error)".hasSuffix(
                "\"relay\" sends mail to the host's relay: give it \"relayHost\", the mail host it forwards to")
        }
        // An unknown practice is named with the known ones.
        #expect {
            try Scenario.decode(text.replacingOccurrences(of: "\"relay\"}", with: "\"pigeon\"}"), file: "f.json")
        } throws: { error in
            "\(error)".contains("unknown gateway routing \"pigeon\"")
                && "\(error)".contains("(known: source-route, percent, bang, relay)")
        }
        // The shipped scenarios' CSNET and BITNET hosts relay so through their gateways.
        let reference = try ShippedTimeline.load().1
        for host in reference.hosts where ["UDEL", "PURDUE", "CUNYVM", "YALEVM"].contains(host.name) {
            #expect(host.gatewayRouting == .relay && host.relayHost != nil, "\(host.name)")
        }
    }

    @Test("a founding year is a whole year the decoder checks, and only a network object has one")
    func foundedIsChecked() {
        func error(_ network: String) -> String {
            let text = """
                {"format": "mailpath-scenario/1", "networks": [\(network)],
                 "hosts": [{"name": "A", "networks": ["N"], "users": ["ann"]}],
                 "workload": {"messages": [{"at": "0s", "from": "ann@A", "to": ["ann@A"]}]}}
                """
            do {
                _ = try Scenario.decode(text, file: "f.json")
                return ""
            } catch {
                return error.description
            }
        }
        #expect(error(#"{"name": "N", "founded": 1981}"#) == "")
        #expect(error(#"{"name": "N", "founded": "1981"}"#).hasPrefix("f.json:1:"))
        #expect(error(#"{"name": "N", "founded": 99999}"#).contains("expected a number from 1900 to 2100"))
    }
}
