import MailCore
import MailpathBase
import Testing

@testable import MailDialects

/// Every sender against every receiver, in memory.
@Suite struct PairingTests {
    /// FTP mail, MTP (the 772 draft and 780) and SMTP.
    static func family(_ dialect: DialectID) -> Int { dialect == .ftp765 ? 0 : dialect.isSMTP ? 2 : 1 }

    /// What history says should happen when the families meet.
    static func expectedToDeliver(_ sender: DialectID, _ receiver: DialectID) -> Bool {
        family(sender) == family(receiver)
    }

    @Test(
        "every sender meets every receiver: same family delivers, FTP, MTP and SMTP cannot talk",
        arguments: DialectID.allCases)
    func plain(sender: DialectID) {
        for receiver in DialectID.allCases {
            let cell = DialectMatrix.cell(sender: sender, receiver: receiver, routed: false)
            #expect(cell.recipients == 2)
            #expect(
                (cell.delivered == 2) == Self.expectedToDeliver(sender, receiver),
                "\(sender) -> \(receiver): \(cell.summary)")
            // The session always ends in order: the last line is the receiver's 221.
            #expect(cell.transcript.last?.text.hasPrefix("221") == true, "\(sender) -> \(receiver)")
            let fallback =
                sender.isSMTP && SMTPRules.forDialect(sender).hasEHLO && receiver.isSMTP
                && !SMTPRules.forDialect(receiver).hasEHLO
            #expect(cell.summary.contains("HELO fallback") == fallback, "\(sender) -> \(receiver): \(cell.summary)")
        }
    }

    @Test("source routes: comma and colon forms do not mix; RFC 2821 receivers strip the route and will not relay")
    func routed() {
        let cells = DialectMatrix.cells(routed: true)
        func outcome(_ sender: DialectID, _ receiver: DialectID) -> String {
            cells.first { $0.sender == sender && $0.receiver == receiver }!.summary
        }
        #expect(outcome(.smtp788, .smtp788) == "delivered")
        #expect(outcome(.mtp780, .mtp780) == "delivered")
        #expect(outcome(.smtp821, .smtp821) == "delivered")
        #expect(outcome(.smtp788, .smtp821) == "refused: 501 to RCPT")
        #expect(outcome(.smtp821, .smtp788) == "refused: 501 to RCPT")
        #expect(outcome(.smtp821, .smtp2821) == "refused: 550 to RCPT")
        #expect(outcome(.smtp2821, .esmtp) == "delivered, pipelined")
    }

    @Test("the delivered message is the one sent, through every compatible pair", arguments: DialectID.allCases)
    func content(sender: DialectID) {
        for receiver in DialectID.allCases where Self.expectedToDeliver(sender, receiver) {
            let text = Array("Subject: dots\r\n\r\n.\r\n..\r\n.x\r\nend\r\n".utf8)
            let transaction = OutboundTransaction(
                id: 9, reversePath: path("<ann@ALPHA.ARPA>"), recipients: [path("<joe@BETA.ARPA>")], content: text)
            let conversation = Conversation.run(
                sender: .make(dialect: sender, clientName: "ALPHA.ARPA", transactions: [transaction]),
                receiver: .make(dialect: receiver, policy: ReceiverPolicy(hostName: "BETA.ARPA")))
            #expect(conversation.delivered.map(\.content) == [text], "\(sender) -> \(receiver)")
        }
    }
}

/// Random and hostile input never crashes a receiver, never draws a reply code the dialect does
/// not have, and leaves it able to complete a clean transaction.
@Suite struct ReceiverRobustnessTests {
    static let fragments: [[UInt8]] = [
        "HELO a.org", "EHLO a.org", "MAIL FROM:<x@a.org>", "MAIL FROM:<>", "RCPT TO:<joe@b.org>",
        "RCPT TO:<@b.org:joe@c.org>",
        "RCPT TO:<@b.org,joe@c.org>", "DATA", "RSET", "VRFY joe", "EXPN list", "HELP", "NOOP", "TURN",
        "SEND FROM:<x@a.org>",
        "MRSQ", "MRSQ ?", "MRSQ R", "MRSQ T", "MRSQ Z", "MRCP TO:<joe@b.org>", "MAIL FROM:<x@a.org> TO:<joe@b.org>",
        "CONT", "ABRT",
        "MAIL FROM:<x@a.org> SIZE=99999999999", "MAIL FROM:<x@a.org> BODY=8BITMIME", "RCPT TO:<nobody@b.org>", ".",
        "..", "text",
        "GET / HTTP/1.0", "", "\u{0}\u{0}", "MAIL FROM:", "RCPT TO:<", "<>", "HELO", "mail from:<x@a.org>",
        "MAIL joe", "MAIL", "MRCP joe", "MRCP nobody", "MSND joe", "MSOM joe", "MSAM nobody", "USER joe", "MLFL joe",
        "MAIL a b",
    ].map { Array($0.utf8) }

    static func noise(_ random: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<Int(random.next() % 12) {
            switch random.next() % 10 {
            case 0: bytes += (0..<Int(random.next() % 40)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            case 1: bytes += [UInt8](repeating: 0x41, count: Int(random.next() % 3000))  // over-long line
            case 2: bytes += [0x0a]  // bare LF
            case 3: bytes += [0x0d]  // bare CR
            default:
                bytes += fragments[Int(random.next() % UInt64(fragments.count))]
                bytes += random.next() % 4 == 0 ? [0x0a] : [0x0d, 0x0a]
            }
        }
        return bytes
    }

    @Test("fuzzed input, then a clean transaction", arguments: DialectID.allCases)
    func fuzz(dialect: DialectID) {
        let allowed =
            dialect.isSMTP ? SMTPRules.forDialect(dialect).replyCodes : MTPRules.forDialect(dialect).replyCodes
        for seed in 0..<150 {
            var random = SplitMix64(state: UInt64(seed) &* 7919 &+ UInt64(DialectID.allCases.firstIndex(of: dialect)!))
            let policy = ReceiverPolicy(
                hostName: "b.org", users: ["joe"], maxRecipients: 3, maxMessageSize: 5000,
                mailingLists: ["list": ["<joe@b.org>"]])
            var receiver = ReceiverEngine.make(dialect: dialect, policy: policy)
            var replies: [Reply] = []
            var deliveries = 0
            func act(_ actions: [ReceiverAction]) {
                for action in actions {
                    switch action {
                    case .send(let batch): replies += batch
                    case .deliver:
                        deliveries += 1
                        act(
                            receiver.deliveryFinished(
                                random.next() % 3 == 0 ? .rejected(Reply(.localError, "no")) : .accepted, now: .zero))
                    case .close, .turn: break
                    }
                }
            }
            act(receiver.connectionOpened(now: .zero))
            for _ in 0..<6 {
                // Split each burst at a random point, as TCP may.
                let burst = Self.noise(&random)
                let cut = burst.isEmpty ? 0 : Int(random.next() % UInt64(burst.count))
                act(receiver.bytesReceived(Array(burst[..<cut]), now: .zero))
                act(receiver.bytesReceived(Array(burst[cut...]), now: .zero))
            }
            for reply in replies {
                #expect(
                    allowed.contains(reply.code), "\(dialect) seed \(seed): \(reply.code) is not a code of this dialect"
                )
            }
            guard !receiver.isClosed else { continue }  // QUIT is not among the fragments; TURN may not close
            // Clean up: end a partial line, end text if we are in it, leave any pending state.
            replies = []
            let cleanup = dialect.isSMTP ? "\r\n.\r\nRSET\r\nHELO a.org\r\nRSET\r\n" : "\r\n.\r\nABRT\r\nMRSQ\r\n"
            act(receiver.bytesReceived(Array(cleanup.utf8), now: .zero))
            replies = []
            deliveries = 0
            let clean =
                switch dialect {
                case .ftp765: "MAIL joe\r\nclean text\r\n.\r\n"
                case .mtp772, .mtp780: "MAIL FROM:<x@a.org> TO:<joe@b.org>\r\nclean text\r\n.\r\n"
                case .smtp788, .smtp821, .smtp1123, .esmtp, .smtp2821, .smtp5321:
                    "MAIL FROM:<x@a.org>\r\nRCPT TO:<joe@b.org>\r\nDATA\r\nclean text\r\n.\r\n"
                }
            // Accept the clean message.
            func accept(_ actions: [ReceiverAction]) {
                for action in actions {
                    switch action {
                    case .send(let batch): replies += batch
                    case .deliver(let message):
                        deliveries += 1
                        #expect(message.content == Array("clean text\r\n".utf8))
                        accept(receiver.deliveryFinished(.accepted, now: .zero))
                    case .close, .turn: break
                    }
                }
            }
            accept(receiver.bytesReceived(Array(clean.utf8), now: .zero))
            #expect(deliveries == 1, "\(dialect) seed \(seed): no clean delivery; replies \(replies.map(\.code))")
            #expect(replies.last?.code == .okay, "\(dialect) seed \(seed): \(replies.map(\.code))")
        }
    }
}

/// The engines' own decoders: a session fed whole or one byte at a time gives the same replies.
@Suite struct ByteAtATimeTests {
    @Test("a receiver fed one byte at a time answers exactly as when fed whole lines", arguments: DialectID.allCases)
    func receiver(dialect: DialectID) {
        let script =
            switch dialect {
            case .ftp765:
                "MRSQ ?\r\nMRSQ T\r\nMAIL\r\nline one\r\n..dot\r\n.\r\nMRCP joe\r\nMRCP nobody\r\nBOGUS\r\nQUIT\r\n"
            case .mtp772, .mtp780:
                "MRSQ ?\r\nMRSQ T\r\nMAIL FROM:<x@a.org>\r\nline one\r\n..dot\r\n.\r\nMRCP TO:<joe@b.org>\r\nMRCP TO:<nobody@b.org>\r\nBOGUS\r\nQUIT\r\n"
            case .smtp788, .smtp821, .smtp1123, .esmtp, .smtp2821, .smtp5321:
                "HELO a.org\r\nMAIL FROM:<x@a.org>\r\nRCPT TO:<joe@b.org>\r\nRCPT TO:<nobody@b.org>\r\nDATA\r\nline one\r\n..dot\r\n.\r\nBOGUS\r\nQUIT\r\n"
            }
        func run(_ chunks: [[UInt8]]) -> ([String], [[UInt8]]) {
            var engine = ReceiverEngine.make(
                dialect: dialect, policy: ReceiverPolicy(hostName: "b.org", users: ["joe"]))
            var lines: [String] = []
            var contents: [[UInt8]] = []
            func act(_ actions: [ReceiverAction]) {
                for action in actions {
                    if case .send(let replies) = action { lines += replies.flatMap(\.wireLines) }
                    if case .deliver(let message) = action {
                        contents.append(message.content)
                        act(engine.deliveryFinished(.accepted, now: .zero))
                    }
                }
            }
            act(engine.connectionOpened(now: .zero))
            for chunk in chunks { act(engine.bytesReceived(chunk, now: .zero)) }
            return (lines, contents)
        }
        let bytes = Array(script.utf8)
        let whole = run([bytes])
        let single = run(bytes.map { [$0] })
        #expect(whole.0 == single.0)
        #expect(whole.1 == single.1)
        #expect(whole.1 == [Array("line one\r\n.dot\r\n".utf8)])
        #expect(whole.0.last?.hasPrefix("221") == true)
    }

    @Test(
        "a sender fed its replies one byte at a time writes the same session",
        arguments: [DialectID.ftp765, .mtp772, .mtp780, .smtp821, .esmtp])
    func sender(dialect: DialectID) {
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<x@a.org>"), recipients: [path("<joe@b.org>"), path("<ann@b.org>")],
            content: content(["hi"]))
        let reference = Conversation.run(
            sender: .make(dialect: dialect, clientName: "a.org", transactions: [transaction]),
            receiver: .make(dialect: dialect, policy: ReceiverPolicy(hostName: "b.org")))
        let serverBytes = reference.transcript.filter { $0.speaker == .server }.map { Array(($0.text + "\r\n").utf8) }
        var sender = SenderEngine.make(dialect: dialect, clientName: "a.org", transactions: [transaction])
        var written: [String] = []
        func act(_ actions: [SenderAction]) {
            for case .send(let outgoing) in actions {
                written += TranscriptLine.lines(of: outgoing.bytes, by: .client).map(\.text)
            }
        }
        act(sender.connectionOpened(now: .zero))
        for byte in serverBytes.flatMap({ $0 }) { act(sender.bytesReceived([byte], now: .zero)) }
        #expect(written == reference.transcript.filter { $0.speaker == .client }.map(\.text))
        #expect(sender.isFinished)
    }
}
