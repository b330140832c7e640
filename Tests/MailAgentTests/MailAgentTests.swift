import MailCore
import MailDialects
import Testing

@testable import MailAgent

struct FixedRandom: RandomNumberGenerator {
    var values: [UInt64]
    mutating func next() -> UInt64 { values.isEmpty ? 0 : values.removeFirst() }
}

@Suite struct HostDirectoryTests {
    static let story = HostDirectory([
        .init(name: "A", networks: ["ARPANET"], relays: false),
        .init(name: "D", networks: ["ARPANET", "CSNET"], relays: true),
        .init(name: "P", networks: ["CSNET", "BITNET"], relays: true),
        .init(name: "U", networks: ["BITNET", "UUCP"], relays: true),
        .init(name: "Z", networks: ["UUCP"], relays: false),
        .init(name: "Q", networks: ["CSNET", "BITNET"], relays: false),
    ])

    @Test("the gateway chain from A to Z is D, P, U; neighbours need none; islands have no route")
    func chains() {
        #expect(Self.story.gateways(from: "A", to: "Z") == ["D", "P", "U"])
        #expect(Self.story.gateways(from: "A", to: "D") == [])
        #expect(Self.story.gateways(from: "Z", to: "A") == ["U", "P", "D"])
        #expect(Self.story.gateways(from: "A", to: "MARS") == nil)
        var island = Self.story
        island = HostDirectory(Self.story.entries.values.sorted { $0.name < $1.name }.filter { $0.name != "P" })
        #expect(island.gateways(from: "A", to: "Z") == nil)  // Q is on both networks but is not a gateway
    }

    @Test("among equally short chains the one with the earlier gateway names wins")
    func ties() {
        let directory = HostDirectory([
            .init(name: "SRC", networks: ["N1"], relays: false),
            .init(name: "GW-B", networks: ["N1", "N2"], relays: true),
            .init(name: "GW-A", networks: ["N1", "N2"], relays: true),
            .init(name: "DST", networks: ["N2"], relays: false),
        ])
        #expect(directory.gateways(from: "SRC", to: "DST") == ["GW-A"])
    }
}

@Suite struct MailAgentTests {
    static let mx = AgentConfiguration(
        hostName: "mail.src.org", address: "10.0.0.1", localDomains: [Domain("src.org")], dialect: .smtp2821,
        routing: .mx974)

    static let text = Array("From: a@src.org\r\nMessage-ID: <x1@src>\r\nSubject: hi\r\n\r\nbody\r\n".utf8)

    @Test("MX routing, step by step: look up MX, connect to the best exchanger, settle on its reply")
    func mxSteps() throws {
        var agent = MailAgent(configuration: Self.mx)
        var random = FixedRandom(values: [])
        let submitted = agent.submit(
            Submission(
                reversePath: Path(Mailbox("a@src.org")), recipients: [Path(Mailbox("joe@dest.org"))], content: Self.text
            ), now: .zero)
        guard case .lookup(let id, "dest.org", .mailExchanger)? = submitted.first else {
            Issue.record("expected an MX lookup, got \(submitted)")
            return
        }
        let answer = NameAnswer.exchangers([
            Exchanger(preference: 20, name: "mx2.dest.org", addresses: ["10.0.2.2"]),
            Exchanger(preference: 10, name: "mx1.dest.org", addresses: ["10.0.2.1"]),
        ])
        let opened = agent.lookupFinished(id, answer, now: .zero, random: &random)
        guard case .openSession(let request)? = opened.first else {
            Issue.record("expected a session, got \(opened)")
            return
        }
        #expect(request.hostName == "mx1.dest.org")
        #expect(request.address == "10.0.2.1")
        #expect(request.dialect == .smtp2821)
        #expect(request.messageID == "<x1@src>")
        #expect(request.transaction.recipients == [Path(Mailbox("joe@dest.org"))])
        #expect(agent.queuedRecipientCount == 1)
        let report = SessionReport(
            transactions: [
                TransactionOutcome(
                    id: request.id,
                    recipients: [
                        RecipientOutcome(
                            recipient: Path(Mailbox("joe@dest.org")), status: .delivered(Reply(.okay, "OK")))
                    ])
            ],
            turnarounds: 4, greeting: nil, usedEHLO: true, fellBackToHELO: false, pipelined: true,
            serverExtensionLines: [], failedBeforeTransactions: false, turned: false)
        #expect(
            agent.sessionFinished(request.id, report, now: .zero) == [
                .event(.relayed(messageID: "<x1@src>", mailbox: Mailbox("joe@dest.org"), to: "mx1.dest.org"))
            ])
        #expect(agent.queue.isEmpty)
    }

    @Test(
        "a notice's author: Postmaster (RFC 822 §6.3) in the RFC 821 eras, the later MAILER-DAEMON from ESMTP on",
        arguments: [
            (DialectID.smtp821, "From: Postmaster@mail.src.org\r\n"),
            (.smtp2821, "From: Mail Delivery Subsystem <MAILER-DAEMON@mail.src.org>\r\n"),
        ])
    func noticeAuthor(dialect: DialectID, from: String) throws {
        let configuration = AgentConfiguration(
            hostName: "mail.src.org", address: "10.0.0.1", localDomains: [Domain("src.org")], dialect: dialect,
            routing: .mx974)
        var agent = MailAgent(configuration: configuration)
        var random = FixedRandom(values: [])
        let submitted = agent.submit(
            Submission(
                reversePath: Path(Mailbox("a@src.org")), recipients: [Path(Mailbox("joe@nowhere.example"))],
                content: Self.text), now: .zero)
        guard case .lookup(let id, _, _)? = submitted.first else {
            Issue.record("expected a lookup, got \(submitted)")
            return
        }
        _ = agent.lookupFinished(id, .noSuchDomain, now: .zero, random: &random)
        let notice = try #require(agent.mailboxes["a"]?.first, "the notice reaches the local sender")
        #expect(String(decoding: notice.content, as: UTF8.self).contains(from))
    }

    @Test(
        "a session that breaks off without a reply is deferred with what broke off, never with a reply the server did not send"
    )
    func interruptedIsNotAReply() throws {
        var agent = MailAgent(configuration: Self.mx)
        var random = FixedRandom(values: [])
        let submitted = agent.submit(
            Submission(
                reversePath: Path(Mailbox("a@src.org")), recipients: [Path(Mailbox("joe@dest.org"))], content: Self.text
            ), now: .zero)
        guard case .lookup(let id, _, _)? = submitted.first,
            case .openSession(let request)? = agent.lookupFinished(
                id, .exchangers([Exchanger(preference: 10, name: "mx1.dest.org", addresses: ["10.0.2.1"])]), now: .zero,
                random: &random
            ).first
        else {
            Issue.record("expected a lookup and a session")
            return
        }
        let report = SessionReport(
            transactions: [
                TransactionOutcome(
                    id: request.id,
                    recipients: [
                        RecipientOutcome(
                            recipient: Path(Mailbox("joe@dest.org")),
                            status: .interrupted(.timedOut))
                    ])
            ],
            turnarounds: 4, greeting: nil, usedEHLO: true, fellBackToHELO: false, pipelined: true,
            serverExtensionLines: [], failedBeforeTransactions: false, turned: false)
        let actions = agent.sessionFinished(request.id, report, now: .zero)
        guard case .event(.deferred(_, _, let reason, _))? = actions.first else {
            Issue.record("expected the recipient deferred, got \(actions)")
            return
        }
        #expect(reason == "no reply from mx1.dest.org: timed out waiting for a reply")
        #expect(agent.queuedRecipientCount == 1, "it waits for the next attempt")
    }

    @Test(
        "RFC 821 §3.6 in the MX eras: a relay named in the source route it follows adds itself to the reverse-path; from RFC 1123 (§5.2.6: no explicit source routes sent) relays add nothing",
        arguments: [
            (RoutingPolicy.mx974, DialectID.smtp821, "<@gw.org:a@src.org>"), (.direct2821, .smtp1123, "<a@src.org>"),
            (.direct2821, .smtp2821, "<a@src.org>"),
        ])
    func relayOnRoute(routing: RoutingPolicy, dialect: DialectID, reversePath: String) throws {
        let configuration = AgentConfiguration(
            hostName: "gw.org", address: "10.0.0.5", localDomains: [Domain("gw.org")], dialect: dialect,
            routing: routing)
        var agent = MailAgent(configuration: configuration)
        var random = FixedRandom(values: [])
        let routed = try Path.parse(
            Substring("<@gw.org,@far.org:joe@far.org>"), style: .colon,
            limits: PathLimits(path: 256, domain: 64, localPart: 64)
        ).get()
        let message = ReceivedMessage(
            dialect: dialect, reversePath: Path(Mailbox("a@src.org")),
            recipients: [AcceptedRecipient(path: routed, disposition: .relay(routed.poppingFirstHop))],
            content: Self.text, mode: .mail,
            clientName: "mail.src.org", extended: false, body: .sevenBit, declaredSize: nil)
        let (decision, actions) = agent.messageReceived(
            message, peer: "mail.src.org", peerAddress: "10.0.0.1", now: .zero)
        #expect(decision == .accepted)
        guard
            case .lookup(let id, "far.org", .mailExchanger)? = actions.first(where: {
                if case .lookup = $0 { true } else { false }
            })
        else {
            Issue.record("expected an MX lookup of far.org, got \(actions)")
            return
        }
        let opened = agent.lookupFinished(
            id, .exchangers([Exchanger(preference: 10, name: "mx.far.org", addresses: ["10.0.9.9"])]), now: .zero,
            random: &random)
        guard case .openSession(let request)? = opened.first else {
            Issue.record("expected a session, got \(opened)")
            return
        }
        #expect(request.transaction.reversePath.description == reversePath)
    }

    @Test(
        "a recycled action list comes back empty, and the agent's next call fills its storage with only the new actions"
    )
    func recycledActions() {
        var agent = MailAgent(configuration: Self.mx)
        var random = FixedRandom(values: [])
        var submitted = agent.submit(
            Submission(
                reversePath: Path(Mailbox("a@src.org")), recipients: [Path(Mailbox("joe@dest.org"))], content: Self.text
            ), now: .zero)
        guard case .lookup(let id, "dest.org", .mailExchanger)? = submitted.first else {
            Issue.record("expected an MX lookup, got \(submitted)")
            return
        }
        submitted.reserveCapacity(16)
        let storage = submitted.withUnsafeBufferPointer { $0.baseAddress }
        agent.recycle(&submitted)
        #expect(submitted.isEmpty)
        // A single exchanger is taken as it is.
        let opened = agent.lookupFinished(
            id, .exchangers([Exchanger(preference: 10, name: "mx1.dest.org", addresses: ["10.0.2.1"])]), now: .zero,
            random: &random)
        #expect(opened.count == 1)
        guard case .openSession(let request)? = opened.first else {
            Issue.record("expected a session, got \(opened)")
            return
        }
        #expect(request.hostName == "mx1.dest.org")
        #expect(opened.withUnsafeBufferPointer { $0.baseAddress } == storage)
    }

    @Test("a failed connection moves to the next exchanger; when all fail, the recipient waits 30 minutes")
    func nextCandidate() {
        var agent = MailAgent(configuration: Self.mx)
        var random = FixedRandom(values: [])
        let lookup = agent.submit(
            Submission(
                reversePath: Path(Mailbox("a@src.org")), recipients: [Path(Mailbox("joe@dest.org"))], content: Self.text
            ), now: .zero)
        guard case .lookup(let id, _, _)? = lookup.first else { return }
        let answer = NameAnswer.exchangers([
            Exchanger(preference: 10, name: "mx1.dest.org", addresses: ["10.0.2.1"]),
            Exchanger(preference: 20, name: "mx2.dest.org"),
        ])
        guard case .openSession(let first)? = agent.lookupFinished(id, answer, now: .zero, random: &random).first else {
            return
        }
        let second = agent.connectionFailed(first.id, reason: "refused", now: Timestamp.zero + .seconds(1))
        guard case .lookup(let addressLookup, "mx2.dest.org", .address)? = second.first else {
            Issue.record("expected an address lookup for mx2, got \(second)")
            return
        }
        guard
            case .openSession(let retry)? = agent.lookupFinished(
                addressLookup, .addresses(["10.0.2.2"]), now: Timestamp.zero + .seconds(1), random: &random
            ).first
        else { return }
        #expect(retry.hostName == "mx2.dest.org")
        let deferred = agent.connectionFailed(retry.id, reason: "timed out", now: Timestamp.zero + .seconds(80))
        #expect(
            deferred == [
                .event(
                    .deferred(
                        messageID: "<x1@src>", mailbox: Mailbox("joe@dest.org"), reason: "timed out",
                        retryAt: Timestamp.zero + .seconds(1800)))
            ])
        #expect(agent.nextWake == Timestamp.zero + .seconds(1800))
    }

    @Test("RFC 974's loop rule: an exchanger keeps only exchangers with a lower preference than its own")
    func pruning() {
        var configuration = Self.mx
        configuration.hostName = "mx2.dest.org"
        configuration.aliases = [Domain("mx2.dest.org")]
        var agent = MailAgent(configuration: configuration)
        var random = FixedRandom(values: [])
        let lookup = agent.submit(
            Submission(
                reversePath: Path(Mailbox("a@src.org")), recipients: [Path(Mailbox("joe@dest.org"))], content: Self.text
            ), now: .zero)
        guard case .lookup(let id, _, _)? = lookup.first else { return }
        let answer = NameAnswer.exchangers([
            Exchanger(preference: 10, name: "mx1.dest.org", addresses: ["10.0.2.1"]),
            Exchanger(preference: 20, name: "MX2.dest.org", addresses: ["10.0.2.2"]),
            Exchanger(preference: 30, name: "mx3.dest.org", addresses: ["10.0.2.3"]),
        ])
        let actions = agent.lookupFinished(id, answer, now: .zero, random: &random)
        guard case .openSession(let request)? = actions.first else { return }
        #expect(request.hostName == "mx1.dest.org")
    }

    @Test(
        "a received message gets a trace line on top; final delivery adds Return-Path; too many trace lines is a loop")
    func receiving() throws {
        var configuration = Self.mx
        configuration.localDomains = [Domain("dest.org")]
        configuration.epoch = CivilTime.unixSeconds(year: 2001, month: 4, day: 1)
        var agent = MailAgent(configuration: configuration)
        let message = ReceivedMessage(
            dialect: .smtp2821, reversePath: Path(Mailbox("a@src.org")),
            recipients: [
                AcceptedRecipient(path: Path(Mailbox("joe@dest.org")), disposition: .local(Mailbox("joe@dest.org")))
            ],
            content: Self.text, mode: .mail, clientName: "mail.src.org", extended: true, body: .sevenBit,
            declaredSize: nil)
        let (decision, actions) = agent.messageReceived(
            message, peer: "mail.src.org", peerAddress: "10.0.0.1", now: Timestamp.zero + .seconds(61))
        #expect(decision == .accepted)
        #expect(actions == [.event(.delivered(messageID: "<x1@src>", mailbox: Mailbox("joe@dest.org")))])
        let stored = try #require(agent.mailboxes["joe"]?.first)
        #expect(
            String(decoding: stored.content, as: UTF8.self).hasPrefix(
                "Return-Path: <a@src.org>\r\nReceived: from mail.src.org ([10.0.0.1]) by mail.src.org with ESMTP id 1; Sun, 1 Apr 2001 00:01:01 +0000\r\nFrom: a@src.org\r\n"
            ))

        var looped = message
        looped.content = Array(String(repeating: "Received: from x by y; date\r\n", count: 100).utf8) + Self.text
        let (refusal, events) = agent.messageReceived(looped, peer: "x", peerAddress: "10.0.0.9", now: .zero)
        #expect(refusal == .rejected(Reply(.transactionFailed, "Routing loop detected: 100 trace lines")))
        #expect(events == [.event(.loopDetected(messageID: "<x1@src>", reason: "100 trace lines"))])
    }

    @Test(
        "RFC 1123 §5.2.8 and §5.2.14: the Received: line names the client by its HELO name and IP address, with a four-digit year; RFC 821's has neither",
        arguments: [
            (
                DialectID.smtp1123,
                "Received: from mail.src.org ([10.0.0.1]) by dest.org with SMTP id 1; Fri, 6 Oct 1989 00:01:01 +0000\r\n"
            ),
            (DialectID.smtp821, "Received: from mail.src.org by dest.org ; 6 OCT 89 00:01:01 UT\r\n"),
        ])
    func hostRequirementsStamp(dialect: DialectID, line: String) throws {
        var agent = MailAgent(
            configuration: AgentConfiguration(
                hostName: "dest.org", localDomains: [Domain("dest.org")], dialect: dialect, routing: .mx974,
                epoch: CivilTime.unixSeconds(year: 1989, month: 10, day: 6)))
        let message = ReceivedMessage(
            dialect: dialect, reversePath: Path(Mailbox("a@src.org")),
            recipients: [
                AcceptedRecipient(path: Path(Mailbox("joe@dest.org")), disposition: .local(Mailbox("joe@dest.org")))
            ],
            content: Self.text, mode: .mail, clientName: "mail.src.org", extended: false, body: .sevenBit,
            declaredSize: nil)
        _ = agent.messageReceived(message, peer: "mail.src.org", peerAddress: "10.0.0.1", now: .zero + .seconds(61))
        let stored = try #require(agent.mailboxes["joe"]?.first)
        #expect(String(decoding: stored.content, as: UTF8.self).hasPrefix("Return-Path: <a@src.org>\r\n" + line))
    }

    @Test("MTP notices come from MTP@host (RFC 780 §3.2) and are never answered by notices")
    func mtpNotices() throws {
        let configuration = AgentConfiguration(
            hostName: "SRI-KL", localDomains: [Domain("SRI-KL")], users: ["ann"], dialect: .mtp780,
            routing: .sourceRoutes)
        var agent = MailAgent(configuration: configuration)
        let actions = agent.submit(
            Submission(
                reversePath: Path(Mailbox("ann@SRI-KL")), recipients: [Path(Mailbox("ghost@SRI-KL"))],
                content: Self.text), now: .zero)
        #expect(actions.contains { if case .event(.bounced) = $0 { true } else { false } })
        let notice = try #require(agent.mailboxes["ann"]?.first)
        let text = String(decoding: notice.content, as: UTF8.self)
        #expect(text.contains("From: MTP at SRI-KL\r\n"))
        #expect(!text.hasPrefix("Return-Path"))  // RFC 780 has no trace fields
        // A notice that fails is recorded, not answered.
        let failed = agent.submit(
            Submission(
                reversePath: Path(Mailbox("MTP@SRI-KL")), recipients: [Path(Mailbox("ghost@SRI-KL"))],
                content: Self.text), now: .zero)
        #expect(failed.contains { if case .event(.doubleBounce) = $0 { true } else { false } })
        #expect(agent.mailboxes["ann"]?.count == 1)
    }
}

/// Each routing policy's router asked directly, on the relay story's host table: what it
/// decides, apart from the agent that carries it out.
@Suite struct RouterTests {
    func host(_ name: String, _ routing: RoutingPolicy, practice: GatewayRouting = .sourceRoute) -> AgentConfiguration {
        var configuration = AgentConfiguration(
            hostName: name, address: "", localDomains: [Domain(name)], dialect: .smtp821, routing: routing,
            directory: HostDirectoryTests.story)
        configuration.gatewayRouting = practice
        return configuration
    }
    let joe = [Path(Mailbox("joe@Z"))]

    func candidates(_ step: RoutingStep) -> [String]? {
        if case .deliver(let candidates, _) = step { return candidates.map(\.name) }
        return nil
    }
    func paths(_ step: RoutingStep) -> [String]? {
        if case .deliver(_, let paths?) = step { return paths.map(\.description) }
        return nil
    }

    @Test("FTP mail reaches a neighbour and refuses, permanently, a host on another network (RFC 765)")
    func direct() {
        let a = host("A", .directOnly)
        #expect(candidates(a.router.firstStep(toward: "D", paths: joe, from: a)) == ["D"])
        guard case .fail(true, let reason) = a.router.firstStep(toward: "Z", paths: joe, from: a) else {
            Issue.record("FTP mail to Z was not refused")
            return
        }
        #expect(reason.contains("never relayed"))
        #expect(!a.router.noticesDropRoutes)
    }

    @Test("source routes: the first gateway receives the mail, the route names all three (RFC 821 §3.6)")
    func sourceRoutes() {
        let a = host("A", .sourceRoutes)
        let step = a.router.firstStep(toward: "Z", paths: joe, from: a)
        #expect(candidates(step) == ["D"])
        #expect(paths(step) == ["<@D,@P,@U:joe@Z>"])
        #expect(a.router.relayAddsItself(viaRoute: false), "every relay of RFC 821 adds itself")
        // RFC 1123 §5.2.16's percent practice and RFC 974's relay by configuration.
        let percent = host("A", .sourceRoutes, practice: .embedded(.percent))
        #expect(paths(percent.router.firstStep(toward: "Z", paths: joe, from: percent)) == ["<joe%Z%U%P@D>"])
        let relayed = host("A", .sourceRoutes, practice: .relay("D"))
        let step2 = relayed.router.firstStep(toward: "Z", paths: joe, from: relayed)
        #expect(candidates(step2) == ["D"])
        #expect(paths(step2) == nil, "the address goes as it is")
    }

    @Test("MX routing asks DNS; an unreachable exchanger is approached through gateways in RFC 974, not in RFC 2821")
    func mx() {
        let a974 = host("A", .mx974)
        guard case .lookUpExchangers = a974.router.firstStep(toward: "Z", paths: joe, from: a974) else {
            Issue.record("MX routing did not look up exchangers")
            return
        }
        let exchanger = MailAgent.Candidate(name: "Z", address: nil)
        let approached = a974.router.approach(exchanger, from: a974)
        #expect(approached?.0.name == "D")
        #expect(approached?.hops.map(\.text) == ["D", "P", "U", "Z"])
        let a2821 = host("A", .direct2821)
        #expect(a2821.router.approach(exchanger, from: a2821) == nil)
        #expect(a974.router.relayAddsItself(viaRoute: true) && !a2821.router.relayAddsItself(viaRoute: true))
        #expect(a974.router.noticesDropRoutes && a2821.router.noticesDropRoutes)
        let answer = NameAnswer.exchangers([
            Exchanger(preference: 20, name: "backup"), Exchanger(preference: 10, name: "best"),
        ])
        #expect(
            candidates(a974.router.exchangersFound(answer, for: "z.org", paths: joe, from: a974, draw: { 0 }))
                == ["best", "backup"])
        guard
            case .fail(true, _) = a974.router.exchangersFound(
                .noSuchDomain, for: "z.org", paths: joe, from: a974, draw: { 0 })
        else {
            Issue.record("no such domain did not bounce")
            return
        }
    }

    @Test("a smart host takes everything in one session; a host off the Internet passes mail along its networks")
    func relays() {
        let workstation = host("A", .smartHost("D"))
        #expect(workstation.router.sessionTarget(for: "Z", from: workstation) == "D")
        #expect(workstation.router.sessionTarget(for: "Q", from: workstation) == "D")
        // P is on CSNET and BITNET with relay D (ARPANET, CSNET): mail for Z leaves by BITNET,
        // which D is not on, so it goes to U; mail for A goes to the relay.
        let p = host("P", .gatewayForOthers("D"))
        #expect(p.router.sessionTarget(for: "Z", from: p) == "U")
        #expect(p.router.sessionTarget(for: "A", from: p) == "D")
        #expect(p.router.sessionTarget(for: "Q", from: p) == "Q", "a neighbour directly")
        #expect(candidates(p.router.firstStep(toward: "U", paths: joe, from: p)) == ["U"])
    }
}

/// The agents' one action loop (`AgentDriver.carryOut`), as the simulation and a live relay run it.
@Suite struct AgentDriverTests {
    struct Log: AgentDriver {
        var log: [String] = []
        var recycled: (count: Int, capacity: Int)?
        mutating func lookUp(_ id: UInt64, _ name: String, _ type: LookupType) { log.append("lookup \(id) \(name)") }
        mutating func openSession(_ request: consuming SessionRequest) { log.append("open \(request.hostName)") }
        mutating func note(_ event: AgentEvent) { log.append("event") }
        mutating func recycle(_ spent: inout [AgentAction]) {
            log.append("recycle")
            recycled = (spent.count, spent.capacity)
        }
    }

    @Test("an agent's actions are carried out in order, and the emptied list goes back with its storage")
    func order() throws {
        var actions: [AgentAction] = []
        actions.reserveCapacity(8)
        let capacity = actions.capacity
        let lost = AgentEvent.lost(messageID: "<m@x>", mailbox: Mailbox("joe@dest.org"))
        actions += [
            .lookup(id: 1, name: "dest.org", type: .mailExchanger), .event(lost),
            .lookup(id: 2, name: "other.org", type: .address),
        ]
        var driver = Log()
        driver.carryOut(consume actions)
        #expect(driver.log == ["lookup 1 dest.org", "event", "lookup 2 other.org", "recycle"])
        let recycled = try #require(driver.recycled)
        #expect(recycled.count == 0 && recycled.capacity == capacity)
    }
}
