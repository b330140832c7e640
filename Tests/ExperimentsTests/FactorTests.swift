import MailAgent
import MailDialects
import MailSimulation
import Testing

@testable import Experiments

@Suite struct FactorTests {
    @Test("every era's routing policy is the one its factors make, and the RFC 974 / 2821 rules are as before")
    func erasAreFactors() throws {
        #expect(Era.named("ftp-1980")!.routing == .directOnly)
        #expect(Era.named("smtp-1982")!.routing == .sourceRoutes)
        #expect(Era.named("mx-1986")!.routing == .mx974)
        // RFC 1123 §5.3.4 (equal preferences at random) and §5.2.6 (no explicit source routes sent)
        // asked in 1989 for what RFC 2821 made the rule: from smtp-1989 on, the routing is 2821's.
        #expect(Era.named("smtp-1989")!.routing == .direct2821)
        #expect(Era.named("esmtp-1995")!.routing == .direct2821)
        #expect(Era.named("smtp-2001")!.routing == .direct2821)
        #expect(RoutingPolicy.direct2821.stripsSourceRoutes && !RoutingPolicy.mx974.stripsSourceRoutes)
        // Only the eras with EHLO pipeline.
        for era in Era.all {
            #expect(
                era.factors.pipelining == (era.dialect.isSMTP && SMTPRules.forDialect(era.dialect).hasEHLO),
                "\(era.name)")
        }
        // mx-1986 differs from smtp-1982 in three factors, not one, and in the year of its
        // networks, which only counts for a scenario whose networks differ between the two years,
        // and in the transport (NCP before 1 January 1983), which only counts for a scenario with
        // a network that ran NCP.
        let (smtp, mx) = (Era.named("smtp-1982")!, Era.named("mx-1986")!)
        #expect(mx.factors.differences(from: smtp.factors) == [.routing, .dns, .internet, .networks, .transport])
        #expect(
            try Examples.load("relay-story").differences(from: smtp, to: mx) == [.routing, .dns, .internet, .transport])
        #expect(try Examples.load("internet-2001").differences(from: smtp, to: mx) == [.routing, .dns, .internet])
        #expect(
            try Examples.load("relay-story").differences(from: Era.named("mtp-1980")!, to: Era.named("mtp-1981")!)
                == [.dialect, .networks])
    }

    @Test("esmtp-1995 cites the pipelining RFC of its time, RFC 1854 (October 1995), not RFC 2920 (September 2000)")
    func esmtpCitations() {
        let rfcs = Era.named("esmtp-1995")!.rfcs
        #expect(rfcs.contains("RFC 1854") && !rfcs.contains("RFC 2920"))
    }

    @Test("FACTOR=VALUE is parsed, and a bad one says what the factor takes")
    func parsing() throws {
        let setting = try FactorSetting.parse("DNS=Off").get()
        #expect(setting.factor == .dns && setting.value == "off")
        #expect(try FactorSetting.parse("mx-ties=shuffled").get().factor == .mxTies)
        func message(_ text: String) -> String {
            if case .failure(let error) = FactorSetting.parse(text) { return error.message }
            return ""
        }
        #expect(message("dns") == "expected FACTOR=VALUE, such as dns=off, got 'dns'")
        #expect(message("colour=red").hasPrefix("unknown factor 'colour'; the factors are dialect, routing, mx-ties"))
        #expect(message("routing=smoke") == "factor routing takes direct, source-routes, mx, not 'smoke'")
        #expect(message("retry=").hasPrefix("factor retry takes rfc1123, rfc2821"))
    }

    @Test("a what-if era names what it set, keeps the rest, and setting an era's own value changes nothing")
    func whatIf() throws {
        let mx = Era.named("mx-1986")!
        let islands = mx.setting([try FactorSetting.parse("internet=off").get()])
        #expect(islands.name == "mx-1986[internet=off]")
        #expect(!islands.internet && islands.dns && islands.routing == .mx974)
        #expect(mx.setting([try FactorSetting.parse("dns=on").get()]) == mx)
        // The last setting of a factor wins.
        let twice = mx.setting([try FactorSetting.parse("dns=off").get(), try FactorSetting.parse("dns=on").get()])
        #expect(twice == mx)
        let modern = Era.named("smtp-2001")!.setting([
            try FactorSetting.parse("mx-ties=by-name").get(), try FactorSetting.parse("source-routes=followed").get(),
        ])
        #expect(modern.routing == .mx974)
        #expect(modern.name == "smtp-2001[mx-ties=by-name,source-routes=followed]")
    }

    @Test("a setting changes the run: mx-1986 with its networks kept apart sends its mail as the islands must")
    func settingChangesTheRun() throws {
        // early-1980s keeps CSNET and BITNET off the Internet; all on, they are joined to it.
        var scenario = try Examples.load("early-1980s")
        scenario.islands = []
        let workload = scenario.makeWorkload()
        let mx = Era.named("mx-1986")!
        let joined = try Experiment.run(scenario, era: mx, workload: workload, options: RunOptions(tracing: false))
            .metrics
        let apart = try Experiment.run(
            scenario, era: mx.setting([try FactorSetting.parse("internet=off").get()]), workload: workload,
            options: RunOptions(tracing: false)
        ).metrics
        #expect(joined.accountingAddsUp && apart.accountingAddsUp)
        #expect(joined.hopsMean != apart.hopsMean || joined.totals.delivered != apart.totals.delivered)
    }
}

@Suite struct AttributionTests {
    @Test("Shapley values of a hand-worked three-factor game: a dummy gets nothing, the shares add up")
    func shapleyByHand() throws {
        // Factors a (bit 0), b (bit 1), c (bit 2); c changes nothing. With c set aside:
        // v(a) = 4, v(b) = 2, v(ab) = 10, so φa = ½(4 − 0) + ½(10 − 2) = 6 and φb = ½(2 − 0) + ½(10 − 4) = 4.
        let game: [Int: Double] = [0: 0, 1: 4, 2: 2, 3: 10, 4: 0, 5: 4, 6: 2, 7: 10]
        let shares = try #require(Attribution.shapley(count: 3) { game[$0] })
        #expect(shares.count == 3)
        #expect(abs(shares[0] - 6) < 1e-12 && abs(shares[1] - 4) < 1e-12 && abs(shares[2]) < 1e-12)
        // Symmetric factors share an effect they only have together evenly.
        let together = try #require(Attribution.shapley(count: 2) { $0 == 3 ? 1 : 0 })
        #expect(together == [0.5, 0.5])
        // A missing value anywhere means no split.
        #expect(Attribution.shapley(count: 2) { $0 == 1 ? nil : 1 } == nil)
        // In sequence, each factor gets its own step.
        #expect(Attribution.sequential(count: 3) { game[$0] } == [4, 6, 0])
    }

    @Test(
        "esmtp-1995's fewer round trips come from the dialect and PIPELINING together: −1.5 each (RFC 2920), hand-checked"
    )
    func pipeliningSplit() throws {
        // relay-story: two messages, one recipient each, four sessions each (A, D, P, U, Z: BITNET
        // and UUCP never joined the Internet). RFC 821 or EHLO without pipelining waits for:
        // greeting, HELO/EHLO, MAIL, RCPT, DATA, the text, QUIT = 7 turnarounds a session. With
        // PIPELINING, MAIL, RCPT and DATA go as one group, and the text with QUIT as another ("the
        // actual transfer of message content is explicitly allowed to be the first 'command' in a
        // group", RFC 2920 §3.1): 4. Pipelining does nothing for an RFC 821 client, and EHLO alone
        // saves nothing: the −3 a session, −12 a message, needs both factors, so each gets half.
        let scenario = try Examples.load("relay-story")
        let attribution = try Attribution.measure(
            scenario, workload: scenario.makeWorkload(), from: Era.named("smtp-1989")!, to: Era.named("esmtp-1995")!)
        #expect(attribution.factors == [.dialect, .pipelining])
        #expect(attribution.method == .shapley && attribution.runs.count == 4)
        #expect(attribution.runs.values.map(\.roundTripsPerMessage).sorted() == [16, 28, 28, 28])
        let row = try #require(attribution.rows.first { $0.key == "round_trips_per_message" })
        #expect(row.before == 28 && row.after == 16)
        #expect(row.shares == [-6, -6])
    }

    @Test("smtp-1982 → mx-1986: four factors, sixteen runs, and every figure's shares add up to its change")
    func sharesAddUp() throws {
        let scenario = try Examples.load("relay-story")
        let from = Era.named("smtp-1982")!
        let to = Era.named("mx-1986")!
        let workload = scenario.makeWorkload()
        let attribution = try Attribution.measure(scenario, workload: workload, from: from, to: to)
        #expect(attribution.factors == [.routing, .dns, .internet, .transport] && attribution.runs.count == 16)
        // The ends are the eras themselves.
        let plainTo = try Experiment.run(
            scenario, era: to, workload: workload, options: RunOptions(tracing: false, keepsMailboxText: false)
        ).metrics
        #expect(attribution.runs[15]!.figures.map(\.value) == plainTo.figures.map(\.value))
        var split = 0
        for row in attribution.rows {
            guard let shares = row.shares, let change = row.change else { continue }
            split += 1
            #expect(abs(shares.reduce(0, +) - change) <= 1e-9 * max(1, abs(change)), "\(row.key)")
        }
        #expect(split > 20)
        // MX routing without DNS delivers nothing, so hops (of delivered recipients) have no value
        // on that path, and are not split. With every network but the ARPANET off the Internet,
        // MX routing reaches Z through the same gateways (RFC 974: D is Z's exchanger): four hops
        // before and after, and the DNS queries are what MX routing added.
        #expect(attribution.runs[1]!.totals.delivered == 0)
        let hops = try #require(attribution.rows.first { $0.key == "hops_mean" })
        #expect(hops.before == 4 && hops.after == 4 && hops.shares == nil)
        let queries = try #require(attribution.rows.first { $0.key == "dns_queries" })
        #expect(queries.before == 0 && queries.after! > 0)
    }

    @Test("past six factors, the factors change one after the other in the documented order")
    func sequentialPastSix() throws {
        let scenario = try Examples.load("relay-story")
        let from = Era.named("smtp-1982")!
        let to = Era.named("smtp-2001")!
        let attribution = try Attribution.measure(scenario, workload: scenario.makeWorkload(), from: from, to: to)
        #expect(
            attribution.factors == [
                .dialect, .routing, .mxTies, .sourceRoutes, .dns, .internet, .transport, .retry, .pipelining,
            ])
        #expect(attribution.method == .sequential && attribution.runs.count == 10)
        #expect(Set(attribution.runs.keys) == Set((0...9).map { (1 << $0) - 1 }))
        for row in attribution.rows {
            guard let shares = row.shares, let change = row.change else { continue }
            #expect(abs(shares.reduce(0, +) - change) <= 1e-9 * max(1, abs(change)), "\(row.key)")
        }
    }

    @Test("what changed is made of the factor differences and the measured shares, not of prepared sentences")
    func whatChanged() throws {
        let scenario = try Examples.load("relay-story")
        let workload = scenario.makeWorkload()
        let eras = [Era.named("smtp-1989")!, Era.named("esmtp-1995")!]
        let runs = try eras.map {
            try Experiment.run(scenario, era: $0, workload: workload, options: RunOptions(tracing: false)).metrics
        }
        let plain = Comparison(scenario: scenario.name, runs: runs, eras: eras).changes(at: 1)
        #expect(plain.first == "factors changed: dialect smtp1123 → esmtp, pipelining off → on")
        #expect(plain.contains("round trips per message 28.00 → 16.00"))
        let attribution = try Attribution.measure(scenario, workload: workload, from: eras[0], to: eras[1])
        let measured = Comparison(scenario: scenario.name, runs: runs, eras: eras, attributions: [attribution]).changes(
            at: 1)
        #expect(measured.contains("round trips per message 28.00 → 16.00 (dialect -6, pipelining -6)"))
        // Two eras alike in every factor say so.
        let same = Comparison(scenario: scenario.name, runs: [runs[1], runs[1]], eras: [eras[1], eras[1]]).changes(
            at: 1)
        #expect(same == ["no factor differs", "no figure moved by 5% or more"])
    }
}

@Suite struct PairedComparisonTests {
    @Test("latency is also compared on the recipients delivered in both eras, recipient by recipient")
    func pairedLatency() throws {
        let scenario = try Examples.load("fault-drill")
        let workload = scenario.makeWorkload()
        let eras = [Era.named("smtp-1982")!, Era.named("mx-1986")!]
        let outcomes = try eras.map {
            try Experiment.run(scenario, era: $0, workload: workload, options: RunOptions(tracing: false))
        }
        // The same pairs from the records, by Message-ID and mailbox.
        var first: [String: Double] = [:]
        for record in outcomes[0].result.accounting.records {
            if let latency = record.latency { first["\(record.messageID) \(record.mailbox)"] = latency.seconds }
        }
        var sums = (0, 0.0, 0.0)
        for record in outcomes[1].result.accounting.records {
            guard let latency = record.latency, let before = first["\(record.messageID) \(record.mailbox)"] else {
                continue
            }
            sums = (sums.0 + 1, sums.1 + before, sums.2 + latency.seconds)
        }
        let paired = try #require(outcomes[0].metrics.pairedLatency(with: outcomes[1].metrics))
        #expect(paired.count == sums.0 && paired.count > 0)
        #expect(paired.count < outcomes[0].metrics.totals.delivered)  // the eras delivered different sets
        #expect(
            abs(paired.mine - sums.1 / Double(sums.0)) < 1e-6 && abs(paired.theirs - sums.2 / Double(sums.0)) < 1e-6)
        let changes = Comparison(scenario: scenario.name, runs: outcomes.map(\.metrics), eras: eras).changes(at: 1)
        #expect(
            changes.contains { $0.hasPrefix("latency mean of the \(paired.count) recipients delivered in both (s) ") })
    }
}
