import MailAgent
import MailCore
import MailDialects
import MailSimulation
import SimKernel
import SimNetwork
import Testing

/// The seed's relay story: A reaches Z only through gateways D, P and U, each on two networks.
@Suite struct SourceRouteRelayTests {
    static func story(_ dialect: DialectID) -> (ScenarioBuilder, [HostID]) {
        var builder = ScenarioBuilder()
        let nets = ["ARPANET", "CSNET", "BITNET", "UUCP"].map { builder.network($0) }
        let a = builder.host("A", on: [nets[0]], dialect: dialect)
        let d = builder.host("D", on: [nets[0], nets[1]], dialect: dialect, gateway: true)
        let p = builder.host("P", on: [nets[1], nets[2]], dialect: dialect, gateway: true)
        let u = builder.host("U", on: [nets[2], nets[3]], dialect: dialect, gateway: true)
        let z = builder.host("Z", on: [nets[3]], dialect: dialect)
        builder.link(a, d, on: nets[0])
        builder.link(d, p, on: nets[1])
        builder.link(p, u, on: nets[2])
        builder.link(u, z, on: nets[3])
        return (builder, [a, d, p, u, z])
    }

    @Test(
        "A relays through D, P and U to Z: each relay pops itself off the forward-path and pushes itself onto the reverse-path (RFC 821 §3.6)"
    )
    func rfc821() throws {
        var (builder, hosts) = Self.story(.smtp821)
        let id = builder.submit(at: .zero, on: hosts[0], from: "ann@A", to: ["joe@Z"])
        let result = MailSimulation(builder.build()).run()
        #expect(result.commands(from: "A").prefix(3) == ["HELO A", "MAIL FROM:<ann@A>", "RCPT TO:<@D,@P,@U:joe@Z>"])
        #expect(result.commands(from: "D").prefix(3) == ["HELO D", "MAIL FROM:<@D:ann@A>", "RCPT TO:<@P,@U:joe@Z>"])
        #expect(result.commands(from: "P").prefix(3) == ["HELO P", "MAIL FROM:<@P,@D:ann@A>", "RCPT TO:<@U:joe@Z>"])
        #expect(result.commands(from: "U").prefix(3) == ["HELO U", "MAIL FROM:<@U,@P,@D:ann@A>", "RCPT TO:<joe@Z>"])
        let delivered = try #require(result.mailboxes["Z"]?["joe"]?.first)
        let text = String(decoding: delivered.content, as: UTF8.self)
        #expect(text.hasPrefix("Return-Path: <@U,@P,@D:ann@A>\r\nReceived: from U by Z ; "))
        #expect(TraceFields.count(in: delivered.content) == 4)
        let record = try #require(result.accounting.record(messageID: id, mailbox: Mailbox("joe@Z")))
        #expect(record.outcome == .delivered)
        #expect(record.transfers == 4)
        #expect(result.accountingAddsUp)
        // A and Z share no network: the first hop is 4 links away, and each transfer is one network.
        #expect(result.network.connectionsOpened == 4)
    }

    @Test("the same in RFC 788's comma form, with Mail-From: stamps")
    func rfc788() throws {
        var (builder, hosts) = Self.story(.smtp788)
        builder.submit(at: .zero, on: hosts[0], from: "ann@A", to: ["joe@Z"])
        let result = MailSimulation(builder.build()).run()
        #expect(result.commands(from: "A").prefix(3) == ["HELO A", "MAIL FROM:<ann@A>", "RCPT TO:<@D,@P,@U,joe@Z>"])
        #expect(result.commands(from: "U").prefix(3) == ["HELO U", "MAIL FROM:<@U,@P,@D,ann@A>", "RCPT TO:<joe@Z>"])
        let text = String(decoding: try #require(result.mailboxes["Z"]?["joe"]?.first).content, as: UTF8.self)
        #expect(
            text.hasPrefix("Return-Path: <@U,@P,@D,ann@A>\r\nMail-From: U received by Z at 1-JAN-70 00:00:00-UT\r\n"))
    }

    @Test("and in RFC 780 MTP: one-step MAIL FROM/TO on port 57, routes in the comma form (§5.1.1)")
    func mtp780() throws {
        var (builder, hosts) = Self.story(.mtp780)
        builder.submit(at: .zero, on: hosts[0], from: "ann@A", to: ["joe@Z"])
        let result = MailSimulation(builder.build()).run()
        #expect(result.commands(from: "A").first == "MAIL FROM:<ann@A> TO:<@D,@P,@U,joe@Z>")
        #expect(result.commands(from: "D").first == "MAIL FROM:<@D,ann@A> TO:<@P,@U,joe@Z>")
        #expect(result.commands(from: "U").first == "MAIL FROM:<@U,@P,@D,ann@A> TO:<joe@Z>")
        #expect(result.mailboxes["Z"]?["joe"]?.count == 1)
        #expect(result.events("connect").first?.detail.contains(":57 mtp780") == true)
    }

    @Test("a host with no chain of gateways to the destination returns the mail at once")
    func unreachable() {
        var builder = ScenarioBuilder()
        let one = builder.network("ONE")
        let two = builder.network("TWO")
        let a = builder.host("A", on: [one])
        let b = builder.host("B", on: [one])
        builder.host("Z", on: [two])
        builder.link(a, b, on: one)
        let id = builder.submit(at: .zero, on: a, from: "ann@A", to: ["joe@Z"])
        let result = MailSimulation(builder.build()).run()
        #expect(result.accounting.record(messageID: id, mailbox: Mailbox("joe@Z"))?.outcome == .bounced)
        #expect(result.mailboxes["A"]?["ann"]?.count == 1)  // the notice, delivered locally
        #expect(result.accountingAddsUp)
    }
}
