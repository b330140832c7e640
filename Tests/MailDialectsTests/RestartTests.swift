import MailCore
import Testing

@testable import MailDialects

/// Drivers keep finished engines and `restart` them for the next session, keeping their lists'
/// storage. A restarted engine must be indistinguishable from a new one.
@Suite struct RestartTests {
    static let policy = SharedReceiverPolicy(
        ReceiverPolicy(hostName: "xyz.org", users: ["joe", "ann"], relaying: .refuse))
    static let first = OutboundTransaction(
        id: 1, reversePath: path("<a@abc.org>"),
        recipients: [path("<joe@xyz.org>"), path("<ann@xyz.org>"), path("<bob@xyz.org>")],
        content: content(["first"]))
    static let second = OutboundTransaction(
        id: 2, reversePath: path("<b@abc.org>"), recipients: [path("<ann@xyz.org>")],
        content: content(["second", "text"]))

    static let smtpDialects: [DialectID] = [.smtp788, .smtp821, .esmtp, .smtp2821, .smtp5321]

    /// Every stored property, private ones included, as `dump` writes them.
    static func dumped<T>(_ value: T) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }

    /// A sender left in the middle of a pipelined transaction, with replies and statuses on record.
    static func usedSender(_ dialect: DialectID) -> SenderEngine {
        var sender = SenderEngine.make(dialect: dialect, clientName: "old.org", transactions: [first, second])
        _ = sender.connectionOpened(now: .zero)
        for reply in [
            "220 xyz.org ready", "250-xyz.org greets old.org\r\n250-PIPELINING\r\n250 SIZE 100", "250 OK", "550 no",
        ] {
            _ = sender.bytesReceived(Array((reply + "\r\n").utf8), now: .zero)
        }
        return sender
    }

    /// A receiver left in the middle of a transaction, with a partial line pending.
    static func usedReceiver(_ dialect: DialectID) -> ReceiverEngine {
        var receiver = ReceiverEngine.make(dialect: dialect, policy: policy)
        _ = receiver.connectionOpened(now: .zero)
        _ = receiver.bytesReceived(
            Array("EHLO old.org\r\nHELO old.org\r\nMAIL FROM:<a@abc.org>\r\nRCPT TO:<joe@xyz.org>\r\nRC".utf8),
            now: .zero)
        return receiver
    }

    @Test("a restarted SMTP sender holds exactly what a new one does", arguments: smtpDialects)
    func senderState(dialect: DialectID) {
        var restarted = Self.usedSender(dialect)
        restarted.restart(dialect: dialect, clientName: "abc.org", transactions: [Self.second, Self.first])
        let fresh = SenderEngine.make(dialect: dialect, clientName: "abc.org", transactions: [Self.second, Self.first])
        #expect(Self.dumped(restarted) == Self.dumped(fresh))
        #expect(Self.dumped(restarted) != Self.dumped(Self.usedSender(dialect)))
    }

    @Test(
        "a sender restarted for one transaction holds exactly what a new one does, from the same dialect or another",
        arguments: smtpDialects)
    func senderStateOneTransaction(dialect: DialectID) {
        let fresh = SenderEngine.make(dialect: dialect, clientName: "abc.org", transactions: [Self.second])
        for previous in [dialect, dialect == .esmtp ? .smtp821 : .esmtp] {
            var restarted = Self.usedSender(previous)
            restarted.restart(dialect: dialect, clientName: "abc.org", transaction: Self.second)
            #expect(Self.dumped(restarted) == Self.dumped(fresh), "after \(previous)")
        }
        // An engine handed in with rules of its own gets the dialect's: they are not kept.
        var rules = SMTPRules.forDialect(dialect)
        rules.commandLineLimit += 1
        var handedIn = SenderEngine.smtp(
            SMTPSender(configuration: .init(rules: rules, clientName: "old.org"), transactions: [Self.first]))
        handedIn.restart(dialect: dialect, clientName: "abc.org", transaction: Self.second)
        #expect(Self.dumped(handedIn) == Self.dumped(fresh))
    }

    @Test("a receiver handed in with rules of its own gets the dialect's when restarted", arguments: smtpDialects)
    func receiverRulesReplaced(dialect: DialectID) {
        var rules = SMTPRules.forDialect(dialect)
        rules.commandLineLimit += 1
        var handedIn = ReceiverEngine.smtp(SMTPReceiver(rules: rules, sharedPolicy: Self.policy))
        handedIn.restart(dialect: dialect, policy: Self.policy)
        #expect(Self.dumped(handedIn) == Self.dumped(ReceiverEngine.make(dialect: dialect, policy: Self.policy)))
    }

    @Test("a restarted SMTP receiver holds exactly what a new one does", arguments: smtpDialects)
    func receiverState(dialect: DialectID) {
        var restarted = Self.usedReceiver(dialect)
        restarted.restart(dialect: dialect, policy: Self.policy)
        let fresh = ReceiverEngine.make(dialect: dialect, policy: Self.policy)
        #expect(Self.dumped(restarted) == Self.dumped(fresh))
        #expect(Self.dumped(restarted) != Self.dumped(Self.usedReceiver(dialect)))
    }

    @Test(
        "restarted engines hold the same session as new ones, in every dialect and across families",
        arguments: DialectID.allCases)
    func sameSession(dialect: DialectID) {
        let transactions = [Self.first, Self.second]
        let receiverPolicy = SharedReceiverPolicy(
            ReceiverPolicy(hostName: "xyz.org", users: ["joe", "ann"], relaying: .refuse))
        let fresh = Conversation.run(
            sender: .make(dialect: dialect, clientName: "abc.org", transactions: transactions),
            receiver: .make(dialect: dialect, policy: receiverPolicy))
        // Engines of another family restart as new engines of this one.
        for previous in [DialectID.esmtp, .mtp780] {
            var sender = Self.usedSender(previous.isSMTP ? previous : .smtp821)
            var receiver = ReceiverEngine.make(dialect: previous, policy: receiverPolicy)
            _ = receiver.connectionOpened(now: .zero)
            sender.restart(dialect: dialect, clientName: "abc.org", transactions: transactions)
            receiver.restart(dialect: dialect, policy: receiverPolicy)
            let again = Conversation.run(sender: sender, receiver: receiver)
            #expect(again.transcript == fresh.transcript, "\(previous) then \(dialect)")
            #expect(again.report == fresh.report)
            #expect(again.delivered == fresh.delivered)
        }
        // joe and ann, then ann again; bob is unknown.
        let outcomes = fresh.report?.transactions.flatMap(\.recipients) ?? []
        #expect(outcomes.filter(\.status.isDelivered).count == 3)
    }

    /// Runs one session between the two engines in memory, as `Conversation.run` does, but on the
    /// caller's engines so that they can be restarted: what was delivered, and every byte the
    /// client wrote.
    static func session(_ sender: inout SenderEngine, _ receiver: inout ReceiverEngine) -> (
        delivered: [[UInt8]], written: [UInt8]
    ) {
        var delivered: [[UInt8]] = []
        var written: [UInt8] = []
        var toServer: [[UInt8]] = []
        var toClient: [[UInt8]] = []
        func receiverActs(_ actions: [ReceiverAction]) {
            for action in actions {
                switch action {
                case .send(let replies): toClient.append(replies.bytes)
                case .deliver(let message):
                    delivered.append(message.content)
                    receiverActs(receiver.deliveryFinished(.accepted, now: .zero))
                case .close, .turn: break
                }
            }
        }
        func senderActs(_ actions: [SenderAction]) {
            for case .send(let outgoing) in actions {
                written += outgoing.bytes
                toServer.append(outgoing.bytes)
            }
        }
        receiverActs(receiver.connectionOpened(now: .zero))
        senderActs(sender.connectionOpened(now: .zero))
        while !toServer.isEmpty || !toClient.isEmpty {
            if !toServer.isEmpty { receiverActs(receiver.bytesReceived(toServer.removeFirst(), now: .zero)) }
            if !toClient.isEmpty { senderActs(sender.bytesReceived(toClient.removeFirst(), now: .zero)) }
        }
        if !receiver.isClosed { receiver.connectionClosed() }
        return (delivered, written)
    }

    @Test(
        "after sessions with texts (whose storage restarted engines keep), restarted engines write and deliver the same bytes as new ones",
        arguments: smtpDialects)
    func reusedTextStorage(dialect: DialectID) {
        // Texts of a few kilobytes, made inline so that nothing but the engines holds them.
        func text(_ tag: String) -> [UInt8] {
            content(
                ["Subject: \(tag)", ""]
                    + (0..<40).map { "\($0 % 7 == 0 ? "." : "")\(String(repeating: tag, count: 70))" })
        }
        func transaction(_ tag: String) -> OutboundTransaction {
            OutboundTransaction(
                id: 1, reversePath: path("<a@abc.org>"), recipients: [path("<joe@xyz.org>")], content: text(tag))
        }
        let policy = SharedReceiverPolicy(ReceiverPolicy(hostName: "xyz.org", users: ["joe"], relaying: .refuse))
        var sender = SenderEngine.make(dialect: dialect, clientName: "abc.org", transactions: [transaction("a")])
        var receiver = ReceiverEngine.make(dialect: dialect, policy: policy)
        let first = Self.session(&sender, &receiver)
        #expect(first.delivered == [text("a")])
        // A list of transactions, then one transaction (a mail agent's sessions) twice.
        for tag in ["b", "c", "d"] {
            if tag == "b" {
                sender.restart(dialect: dialect, clientName: "abc.org", transactions: [transaction(tag)])
            } else {
                sender.restart(dialect: dialect, clientName: "abc.org", transaction: transaction(tag))
            }
            receiver.restart(dialect: dialect, policy: policy)
            let again = Self.session(&sender, &receiver)
            var newSender = SenderEngine.make(dialect: dialect, clientName: "abc.org", transactions: [transaction(tag)])
            var newReceiver = ReceiverEngine.make(dialect: dialect, policy: policy)
            let fresh = Self.session(&newSender, &newReceiver)
            #expect(again.delivered == [text(tag)])
            #expect(again.delivered == fresh.delivered)
            #expect(again.written == fresh.written)
        }
    }
}

/// `SenderEngine` and `ReceiverEngine` pass each call to the one engine they hold; what an
/// engine answers "nothing" must come back as nothing, not as the other engine's default.
@Suite struct EngineForwardingTests {
    static let dialects: [DialectID] = [.ftp765, .mtp772, .mtp780, .smtp788, .smtp821, .esmtp, .smtp2821, .smtp5321]

    @Test("an MTP engine behind its box is a value: a copy changed leaves the original as it was")
    func mtpEnginesAreValues() {
        let transaction = RestartTests.first
        let original = SenderEngine.make(dialect: .mtp780, clientName: "abc.org", transactions: [transaction])
        var copy = original
        let before = RestartTests.dumped(original)
        _ = copy.connectionOpened(now: .zero)
        _ = copy.bytesReceived(Array("300 ready\r\n".utf8), now: .zero)
        #expect(RestartTests.dumped(copy) != before)
        #expect(RestartTests.dumped(original) == before)

        let receiver = ReceiverEngine.make(dialect: .mtp780, policy: RestartTests.policy)
        var receiverCopy = receiver
        let receiverBefore = RestartTests.dumped(receiver)
        _ = receiverCopy.connectionOpened(now: .zero)
        #expect(RestartTests.dumped(receiverCopy) != receiverBefore)
        #expect(RestartTests.dumped(receiver) == receiverBefore)
    }

    @Test("a sender or receiver engine takes about the room of its SMTP engine, not of both families")
    func engineSizes() {
        #expect(MemoryLayout<SenderEngine>.size <= MemoryLayout<SMTPSender>.size + 32)
        #expect(MemoryLayout<ReceiverEngine>.size <= MemoryLayout<SMTPReceiver>.size + 32)
    }

    @Test("a receiver with no text gives none; an SMTP receiver in a text gives what it holds", arguments: dialects)
    func takeText(dialect: DialectID) {
        var receiver = ReceiverEngine.make(dialect: dialect, policy: RestartTests.policy)
        _ = receiver.connectionOpened(now: .zero)
        #expect(receiver.takeText(minimum: 0) == nil)
        #expect(receiver.textEnvelope == nil)
        #expect(!receiver.isReceivingText)
        #expect(!receiver.isClosed)
        guard dialect.isSMTP else { return }
        _ = receiver.bytesReceived(
            Array("HELO abc.org\r\nMAIL FROM:<a@abc.org>\r\nRCPT TO:<joe@xyz.org>\r\nDATA\r\nfirst line\r\n".utf8),
            now: .zero)
        #expect(receiver.isReceivingText)
        #expect(receiver.textEnvelope != nil)
        #expect(receiver.takeText(minimum: 1_000) == nil)
        #expect(receiver.takeText(minimum: 1).map { Array($0.suffix(12)) } == Array("first line\r\n".utf8))
        #expect(receiver.takeText(minimum: 1) == nil)
    }
}
