import MailCore
import Testing

@testable import MailDialects

/// Straight-line scripts: each input and the exact actions it must produce.
@Suite struct SMTPReceiverTests {
    static let policy = ReceiverPolicy(hostName: "xyz.org", users: ["joe", "ann"], relaying: .refuse)

    func greeted(_ rules: SMTPRules, _ policy: ReceiverPolicy = policy, hello: String? = "HELO abc.org") -> SMTPReceiver
    {
        var receiver = SMTPReceiver(rules: rules, policy: policy)
        _ = receiver.connectionOpened(now: .zero)
        if let hello { _ = receiver.bytesReceived(Array((hello + "\r\n").utf8), now: .zero) }
        return receiver
    }

    func codes(_ actions: [ReceiverAction]) -> [Int] {
        actions.flatMap { action -> [Int] in
            if case .send(let replies) = action { replies.map(\.code.rawValue) } else { [] }
        }
    }

    func say(_ receiver: inout SMTPReceiver, _ lines: String...) -> [Int] {
        codes(receiver.bytesReceived(Array(lines.map { $0 + "\r\n" }.joined().utf8), now: .zero))
    }

    @Test(
        "a command line read in place, at an offset in the framer's bytes, parses as one from an array",
        arguments: [SMTPRules.rfc821, .rfc1869, .rfc2821])
    func commandsInPlace(rules: SMTPRules) {
        let lines = [
            "MAIL FROM:<u1@d1.net> SIZE=2100", "mail from: <u1@d1.net>", "RCPT TO:<@A,@B:joe@C>",
            "RCPT TO:<Postmaster>", "MAIL FROM:<>",
            "MAIL FROM:<u1@d1.net> BODY=8BITMIME SIZE=12", "MAIL FROM:<u1@d1.net> SIZE=x",
            "MAIL FROM:<u1@d1.net> FOO=1", "RCPT TO:<a@b> SIZE=1",
            "EHLO h1.d1.net", "HELO", "EHLO bad..name", "DATA", "DATA now", "QUIT", "VRFY joe", "NOOP", "HELP MAIL",
            "RSET", "TURN",
            "XYZZY", "MAIL", "MAIL TO:<a@b>", "RCPT TO:<a@b", "RCPT TO:<\"a>b\"@c>", "RCPT TO:<joe@host>x",
            "MAIL FROM:<a@b>  ",
            "m\u{e9}il", "",
        ]
        for text in lines {
            for extended in [false, true] {
                let bytes = Array(text.utf8)
                let fromArray = Result { () throws(SMTPCommandError) in
                    try SMTPCommand.parse(bytes[...], rules: rules, extended: extended)
                }
                let line = Array("QUIT\r\n".utf8) + bytes + Array("\r\nDATA\r\n".utf8)
                let inPlace = line.withUnsafeBufferPointer { line in
                    Result { () throws(SMTPCommandError) in
                        try SMTPCommand.parse(line[6..<(6 + bytes.count)], rules: rules, extended: extended)
                    }
                }
                #expect(inPlace == fromArray, "\(text)")
            }
        }
    }

    @Test("every command word is read in any case, and nothing else is a command word (RFC 821 §4.1.2)")
    func commandWords() {
        for verb in SMTPVerb.allCases {
            #expect(SMTPVerb(bytes: ArraySlice(verb.rawValue.utf8)) == verb)
            #expect(SMTPVerb(bytes: ArraySlice(verb.rawValue.lowercased().utf8)) == verb)
            let mixed = verb.rawValue.enumerated().map {
                $0.offset % 2 == 0 ? $0.element.lowercased() : String($0.element)
            }.joined()
            #expect(SMTPVerb(bytes: ArraySlice(mixed.utf8)) == verb)
        }
        for word in ["HELL", "MAI", "MAILS", "RCPT ", "QUIZ", "", "TURN\0"] {
            #expect(SMTPVerb(bytes: ArraySlice(word.utf8)) == nil, "\(word)")
        }
    }

    @Test(
        "before HELO: MAIL, RCPT and DATA get 503; NOOP, RSET, VRFY and HELP work (RFC 2821 §4.1.4)",
        arguments: [SMTPRules.rfc821, .rfc2821, .rfc788])
    func beforeHello(rules: SMTPRules) {
        var receiver = greeted(rules, hello: nil)
        #expect(say(&receiver, "MAIL FROM:<a@abc.org>", "RCPT TO:<joe@xyz.org>", "DATA") == [503, 503, 503])
        #expect(say(&receiver, "NOOP", "RSET", "VRFY joe", "HELP") == [250, 250, 250, 214])
        #expect(say(&receiver, "HELO abc.org", "MAIL FROM:<a@abc.org>") == [250, 250])
    }

    @Test(
        "errors leave the state alone: unknown 500, bad arguments 501, bad order 503, then a clean transaction",
        arguments: [SMTPRules.rfc788, .rfc821, .rfc1869, .rfc2821, .rfc5321])
    func stayInState(rules: SMTPRules) {
        var receiver = greeted(rules)
        #expect(
            say(
                &receiver, "FROB", "MAIL FROM:<a@abc.org>", "XYZZY 1 2 3", "MAIL FROM:<b@abc.org>", "RCPT joe",
                "RCPT TO:<joe@xyz.org>") == [500, 250, 500, 503, 501, 250])
        #expect(say(&receiver, "DATA now", "RSET extra", "QUIT please") == [501, 501, 501])
        let actions = receiver.bytesReceived(Array("DATA\r\nhello\r\n.\r\n".utf8), now: .zero)
        #expect(codes(actions) == [354])
        guard case .deliver(let message)? = actions.last else {
            Issue.record("no delivery")
            return
        }
        #expect(message.recipients.map(\.path) == [Path(Mailbox("joe@xyz.org"))])
        #expect(message.reversePath == Path(Mailbox("a@abc.org")))
        #expect(codes(receiver.deliveryFinished(.accepted, now: .zero)) == [250])
        #expect(!receiver.isClosed)
    }

    @Test("a bad path is 501 (structure) or 553 (mailbox); a comma route is a syntax error after RFC 788")
    func paths() {
        var modern = greeted(.rfc821)
        #expect(
            say(
                &modern, "MAIL FROM:a@abc.org", "MAIL FROM:<a b@abc.org>", "MAIL FROM:<>",
                "RCPT TO:<@abc.org,@def.org,joe@xyz.org>") == [501, 553, 250, 501])
        var old = greeted(.rfc788, ReceiverPolicy(hostName: "xyz.org", users: ["joe"]))
        #expect(
            say(&old, "MAIL FROM:<a@abc.org>", "RCPT TO:<@xyz.org,joe@xyz.org>", "RCPT TO:<@abc.org:joe@xyz.org>") == [
                250, 250, 501,
            ])
    }

    @Test("a second greeting: 503 after EHLO in RFC 1869, a full reset in RFC 2821 §4.1.4 and RFC 821")
    func secondGreeting() {
        var esmtp = greeted(.rfc1869, hello: "EHLO abc.org")
        #expect(
            say(&esmtp, "MAIL FROM:<a@abc.org>", "EHLO abc.org", "HELO abc.org", "RCPT TO:<joe@xyz.org>") == [
                250, 503, 503, 250,
            ])
        var modern = greeted(.rfc2821, hello: "EHLO abc.org")
        #expect(say(&modern, "MAIL FROM:<a@abc.org>", "EHLO abc.org", "RCPT TO:<joe@xyz.org>") == [250, 250, 503])
        var classic = greeted(.rfc821)
        #expect(say(&classic, "MAIL FROM:<a@abc.org>", "HELO abc.org", "RCPT TO:<joe@xyz.org>") == [250, 250, 503])
    }

    @Test(
        "EHLO does not exist before RFC 1869: 500, as RFC 1869 §4.6 expects of old servers",
        arguments: [SMTPRules.rfc788, .rfc821])
    func noEHLO(rules: SMTPRules) {
        var receiver = greeted(rules, hello: nil)
        #expect(say(&receiver, "EHLO abc.org", "HELO abc.org") == [500, 250])
    }

    @Test("MAIL parameters need EHLO: 555 in RFC 1869, 501 in RFC 2821 (whose lists omit 555), 555 again in 5321")
    func parameters() {
        var esmtp = greeted(.rfc1869)
        #expect(say(&esmtp, "MAIL FROM:<a@abc.org> SIZE=10") == [555])
        var ehlo = greeted(.rfc2821, hello: "EHLO abc.org")
        #expect(
            say(&ehlo, "MAIL FROM:<a@abc.org> FROB=1", "MAIL FROM:<a@abc.org> SIZE=10 BODY=8BITMIME") == [501, 250])
        var latest = greeted(.rfc5321, hello: "EHLO abc.org")
        #expect(say(&latest, "MAIL FROM:<a@abc.org> FROB=1", "RCPT TO:<joe@xyz.org> NOTIFY=NEVER") == [555, 555])
        var classic = greeted(.rfc821)
        #expect(say(&classic, "MAIL FROM:<a@abc.org> SIZE=10") == [501])
        // After EHLO the refusal of an RCPT parameter says what is wrong, not that EHLO is needed.
        var rcpt = greeted(.rfc5321, hello: "EHLO abc.org")
        _ = say(&rcpt, "MAIL FROM:<a@abc.org>")
        let replies = rcpt.bytesReceived(Array("RCPT TO:<joe@xyz.org> NOTIFY=NEVER\r\n".utf8), now: .zero).flatMap {
            action -> [Reply] in
            if case .send(let batch) = action { return Array(batch) }
            return []
        }
        #expect(replies.map(\.text) == ["no RCPT parameters are supported"])
        // RFC 1870 §3: SIZE is 1 to 20 digits; twenty can pass what we can hold, and that is a syntax error too.
        var huge = greeted(.rfc2821, hello: "EHLO abc.org")
        #expect(
            say(
                &huge, "MAIL FROM:<a@abc.org> SIZE=99999999999999999999", "MAIL FROM:<a@abc.org> SIZE=1x",
                "MAIL FROM:<a@abc.org>  SIZE=9223372036854775807  BODY=7BIT") == [501, 501, 250])
    }

    @Test("too many recipients: 552 in RFC 821 §4.5.3, 452 in RFC 2821 §4.5.3.1")
    func tooMany() {
        let small = ReceiverPolicy(hostName: "xyz.org", users: ["joe", "ann"], maxRecipients: 1)
        var classic = greeted(.rfc821, small)
        #expect(
            say(&classic, "MAIL FROM:<a@abc.org>", "RCPT TO:<joe@xyz.org>", "RCPT TO:<ann@xyz.org>") == [250, 250, 552])
        var modern = greeted(.rfc2821, small)
        #expect(
            say(&modern, "MAIL FROM:<a@abc.org>", "RCPT TO:<joe@xyz.org>", "RCPT TO:<ann@xyz.org>") == [250, 250, 452])
    }

    @Test("relaying: refused with 550 unless allowed; RFC 2821 strips routes and delivers locally")
    func relaying() {
        var closed = greeted(.rfc821)
        #expect(
            say(&closed, "MAIL FROM:<a@abc.org>", "RCPT TO:<x@elsewhere.org>", "RCPT TO:<@xyz.org,@next.org:x@far.org>")
                == [250, 550, 550])
        var modern = greeted(.rfc2821)
        #expect(say(&modern, "MAIL FROM:<a@abc.org>", "RCPT TO:<@somewhere.org,@else.org:joe@xyz.org>") == [250, 250])
        var bare = greeted(.rfc2821)
        #expect(say(&bare, "MAIL FROM:<a@abc.org>", "RCPT TO:<Postmaster>") == [250, 250])
    }

    @Test("a 554 greeting (RFC 2821 §3.1) answers 503 to everything until QUIT")
    func refusingGreeting() {
        var receiver = SMTPReceiver(rules: .rfc2821, policy: ReceiverPolicy(hostName: "xyz.org", greeting: .refuse))
        #expect(codes(receiver.connectionOpened(now: .zero)) == [554])
        #expect(say(&receiver, "EHLO abc.org", "MAIL FROM:<a@abc.org>", "NOOP") == [503, 503, 503])
        #expect(
            receiver.bytesReceived(Array("QUIT\r\n".utf8), now: .zero) == [
                .send([Reply(.closing, "xyz.org Service closing transmission channel")]), .close,
            ])
    }

    @Test("the server times out an idle client with 421 after its command timeout, not before")
    func timeout() {
        var receiver = SMTPReceiver(
            rules: .rfc2821, policy: ReceiverPolicy(hostName: "xyz.org", commandTimeout: .seconds(300)))
        _ = receiver.connectionOpened(now: .zero)
        _ = receiver.bytesReceived(Array("EHLO abc.org\r\n".utf8), now: Timestamp.zero + .seconds(10))
        #expect(receiver.deadline == Timestamp.zero + .seconds(310))
        #expect(receiver.timerFired(now: Timestamp.zero + .seconds(309)) == [])
        let actions = receiver.timerFired(now: Timestamp.zero + .seconds(310))
        #expect(codes(actions) == [421])
        #expect(actions.last == .close)
        #expect(receiver.isClosed)
    }

    @Test("deadlines follow timeouts set after construction, on both sides")
    func changedTimeouts() {
        var policy = ReceiverPolicy(hostName: "xyz.org")
        policy.commandTimeout = .seconds(60)
        var receiver = SMTPReceiver(rules: .rfc2821, policy: policy)
        _ = receiver.connectionOpened(now: .zero)
        _ = receiver.bytesReceived(Array("EHLO abc.org\r\n".utf8), now: Timestamp.zero + .seconds(10))
        #expect(receiver.deadline == Timestamp.zero + .seconds(70))

        var timeouts = SenderTimeouts()
        timeouts.greeting = .seconds(7)
        timeouts.other = .milliseconds(1500)
        #expect(
            timeouts.greeting == .seconds(7) && timeouts.other == .milliseconds(1500) && timeouts.mail == .seconds(300))
        let transaction = OutboundTransaction(
            id: 1, reversePath: .null, recipients: [Path(Mailbox("joe@xyz.org"))], content: [])
        var sender = SMTPSender(
            configuration: .init(rules: .rfc2821, clientName: "abc.org", timeouts: timeouts),
            transactions: [transaction])
        _ = sender.connectionOpened(now: Timestamp.zero + .seconds(1))
        #expect(sender.deadline == Timestamp.zero + .seconds(8))
        _ = sender.bytesReceived(Array("220 xyz.org ready\r\n".utf8), now: Timestamp.zero + .seconds(2))
        #expect(sender.deadline == Timestamp.zero + .milliseconds(3500))  // EHLO waits `other`
    }

    @Test(
        "a delivery is the last action of its list: commands written after the text wait for the host's answer",
        arguments: [SMTPRules.rfc821, .rfc1869, .rfc2821])
    func deliveryLast(rules: SMTPRules) {
        var receiver = greeted(rules, hello: rules.hasEHLO ? "EHLO abc.org" : "HELO abc.org")
        let actions = receiver.bytesReceived(
            Array("MAIL FROM:<a@abc.org>\r\nRCPT TO:<joe@xyz.org>\r\nDATA\r\nx\r\n.\r\nNOOP\r\nQUIT\r\n".utf8),
            now: .zero)
        guard case .deliver? = actions.last else {
            Issue.record("expected a delivery last, got \(actions)")
            return
        }
        #expect(actions.dropLast().allSatisfy { if case .deliver = $0 { false } else { true } })
        // The NOOP and QUIT are read once the host has answered.
        let after = receiver.deliveryFinished(.accepted, now: .zero)
        #expect(codes(after) == [250, 250, 221])
        #expect(after.last == .close)
    }

    @Test("shutdown answers 421, after finishing a delivery in progress")
    func shutdown() {
        var receiver = greeted(.rfc821)
        _ = receiver.bytesReceived(
            Array("MAIL FROM:<a@abc.org>\r\nRCPT TO:<joe@xyz.org>\r\nDATA\r\nx\r\n.\r\n".utf8), now: .zero)
        #expect(receiver.shutdown() == [])
        let actions = receiver.deliveryFinished(.accepted, now: .zero)
        #expect(codes(actions) == [250, 421])
        #expect(actions.last == .close)
    }

    @Test("over-long command lines get 500 and the session goes on")
    func longLine() {
        var receiver = greeted(.rfc821)
        #expect(say(&receiver, "NOOP " + String(repeating: "x", count: 600), "NOOP") == [500, 250])
    }

    @Test(
        "bytes on the wire: NUL and 8-bit bytes in commands are 500; 8-bit text is cleared by RFC 821 and kept by RFC 2821"
    )
    func bytes() {
        var receiver = greeted(.rfc821)
        #expect(codes(receiver.bytesReceived([0x4e, 0x4f, 0x00, 0x4f, 0x50, 0x0d, 0x0a], now: .zero)) == [500])
        #expect(codes(receiver.bytesReceived(Array("NOOP caf".utf8) + [0xe9, 0x0d, 0x0a], now: .zero)) == [500])
        for (rules, expected) in [
            (SMTPRules.rfc821, [UInt8](arrayLiteral: 0x69, 0x00, 0x0d, 0x0a)), (.rfc2821, [0xe9, 0x00, 0x0d, 0x0a]),
        ] {
            var engine = greeted(rules)
            let actions = engine.bytesReceived(
                Array("MAIL FROM:<a@abc.org>\r\nRCPT TO:<joe@xyz.org>\r\nDATA\r\n".utf8) + [0xe9, 0x00, 0x0d, 0x0a]
                    + Array(".\r\n".utf8), now: .zero)
            guard case .deliver(let message)? = actions.last else {
                Issue.record("no delivery")
                continue
            }
            #expect(message.content == expected)
        }
    }

    @Test(
        "bare LF: never the end of the data; the text is read to <CRLF>.<CRLF> and refused with 554 (RFC 5321 §2.3.8, §4.1.1.4)"
    )
    func bareLF() {
        for rules in [SMTPRules.rfc821, .rfc2821] {
            var engine = greeted(rules)
            let actions = engine.bytesReceived(
                Array("MAIL FROM:<a@abc.org>\r\nRCPT TO:<joe@xyz.org>\r\nDATA\r\nx\n.\nmore\r\n.\r\nNOOP\r\n".utf8),
                now: .zero)
            #expect(!actions.contains { if case .deliver = $0 { true } else { false } })
            #expect(codes(actions) == [250, 250, 354, 554, 250], "\(rules.dialect)")
        }
    }

    @Test("an injected reply replaces the next command's treatment and leaves the state alone")
    func injection() {
        var receiver = greeted(.rfc821)
        receiver.injectReply(Reply(.localError, "Requested action aborted: local error in processing"), forNext: .rcpt)
        #expect(
            say(&receiver, "MAIL FROM:<a@abc.org>", "RCPT TO:<joe@xyz.org>", "RCPT TO:<joe@xyz.org>", "DATA") == [
                250, 451, 250, 354,
            ])
    }

    @Test("TURN (RFC 821 §3.8): 250 and a role swap when allowed, 502 otherwise, unknown in RFC 788")
    func turn() {
        var allowed = greeted(.rfc821, ReceiverPolicy(hostName: "xyz.org", acceptsTURN: true))
        #expect(allowed.bytesReceived(Array("TURN\r\n".utf8), now: .zero) == [.send([Reply(.okay, "OK")]), .turn])
        var refused = greeted(.rfc821)
        #expect(say(&refused, "TURN") == [502])
        var old = greeted(.rfc788)
        #expect(say(&old, "TURN") == [500])
    }

    @Test("VRFY and EXPN: 250 with the name, 553 when ambiguous, 550 for strangers, 252 when the server will not say")
    func verify() {
        let policy = ReceiverPolicy(
            hostName: "xyz.org", users: ["joe", "jsmith", "asmith"],
            mailingLists: ["staff": ["<joe@xyz.org>", "John Smith <jsmith@xyz.org>"]],
            fullNames: ["jsmith": "John Smith", "asmith": "Ann Smith"])
        var receiver = SMTPReceiver(rules: .rfc2821, policy: policy)
        _ = receiver.connectionOpened(now: .zero)
        let replies = receiver.bytesReceived(
            Array("VRFY John\r\nVRFY Smith\r\nVRFY nobody\r\nVRFY <joe@xyz.org>\r\nEXPN staff\r\nEXPN ghosts\r\n".utf8),
            now: .zero
        )
        .flatMap { action -> [Reply] in if case .send(let replies) = action { replies.replies } else { [] } }
        #expect(
            replies == [
                Reply(.okay, "John Smith <jsmith@xyz.org>"), Reply(.mailboxNameNotAllowed, "User ambiguous"),
                Reply(.mailboxUnavailable, "String does not match anything"), Reply(.okay, "<joe@xyz.org>"),
                Reply(.okay, ["<joe@xyz.org>", "John Smith <jsmith@xyz.org>"]),
                Reply(.mailboxUnavailable, "Access denied to you or no such list"),
            ])
        var quiet = SMTPReceiver(rules: .rfc2821, policy: ReceiverPolicy(hostName: "xyz.org", verifiesUsers: false))
        _ = quiet.connectionOpened(now: .zero)
        #expect(codes(quiet.bytesReceived(Array("VRFY joe\r\n".utf8), now: .zero)) == [252])
        var old = SMTPReceiver(rules: .rfc821, policy: ReceiverPolicy(hostName: "xyz.org", verifiesUsers: false))
        _ = old.connectionOpened(now: .zero)
        #expect(codes(old.bytesReceived(Array("VRFY joe\r\n".utf8), now: .zero)) == [502])
        // RFC 1123 §5.2.3 added 252 to RFC 821: "Cannot VRFY user ..., but will take message".
        var amended = SMTPReceiver(rules: .rfc1123, policy: ReceiverPolicy(hostName: "xyz.org", verifiesUsers: false))
        _ = amended.connectionOpened(now: .zero)
        #expect(codes(amended.bytesReceived(Array("VRFY joe\r\n".utf8), now: .zero)) == [252])
    }

    @Test("a host's refusal after the final dot is passed on; a client that left meanwhile hears nothing")
    func decisions() {
        var receiver = greeted(.rfc821)
        _ = receiver.bytesReceived(
            Array("MAIL FROM:<a@abc.org>\r\nRCPT TO:<joe@xyz.org>\r\nDATA\r\nx\r\n.\r\n".utf8), now: .zero)
        #expect(
            codes(receiver.deliveryFinished(.rejected(Reply(.insufficientStorage, "Disk full")), now: .zero)) == [452])
        _ = receiver.bytesReceived(
            Array("MAIL FROM:<a@abc.org>\r\nRCPT TO:<joe@xyz.org>\r\nDATA\r\nx\r\n.\r\n".utf8), now: .zero)
        receiver.connectionClosed()
        #expect(receiver.deliveryFinished(.accepted, now: .zero) == [])
    }
}

@Suite struct SMTPSenderTests {
    static let transaction = OutboundTransaction(
        id: 42, reversePath: path("<a@abc.org>"), recipients: [path("<joe@xyz.org>"), path("<ann@xyz.org>")],
        content: content(["hello"]))

    func run(
        _ dialect: DialectID, _ policy: ReceiverPolicy, transactions: [OutboundTransaction] = [transaction],
        decide: (ReceivedMessage) -> DeliveryDecision = { _ in .accepted }
    ) -> Conversation {
        Conversation.run(
            sender: .make(dialect: dialect, clientName: "abc.org", transactions: transactions),
            receiver: .make(dialect: dialect, policy: policy), decide: decide)
    }

    @Test("RFC 1047's gap: the connection dies after the final dot, before the 250; the sender must count it temporary")
    func lostAfterDot() {
        var sender = SMTPSender(
            configuration: .init(rules: .rfc821, clientName: "abc.org"), transactions: [Self.transaction])
        _ = sender.connectionOpened(now: .zero)
        for reply in ["220 xyz.org ready", "250 xyz.org", "250 OK", "250 OK", "250 OK", "354 go ahead"] {
            _ = sender.bytesReceived(Array((reply + "\r\n").utf8), now: .zero)
        }
        let actions = sender.connectionLost()
        guard case .finished(let report)? = actions.last else {
            Issue.record("no report")
            return
        }
        #expect(report.transactions[0].recipients.allSatisfy { $0.status == .interrupted(.connectionLost) })
        #expect(!report.failedBeforeTransactions)
    }

    @Test(
        "EHLO keywords are reported as the server wrote them until a line has parameters or lower case, then in capitals alone"
    )
    func reportedKeywords() {
        func keywords(_ lines: [String]) -> [String]? {
            var sender = SMTPSender(
                configuration: .init(rules: .rfc1869, clientName: "abc.org"), transactions: [Self.transaction])
            _ = sender.connectionOpened(now: .zero)
            let ehlo = (["xyz.org greets abc.org"] + lines).enumerated().map { index, line in
                (index == lines.count ? "250 " : "250-") + line + "\r\n"
            }.joined()
            _ = sender.bytesReceived(Array(("220 xyz.org ready\r\n" + ehlo).utf8), now: .zero)
            guard case .finished(let report)? = sender.connectionLost().last else { return nil }
            return report.serverExtensions
        }
        #expect(keywords(["PIPELINING", "8BITMIME"]) == ["PIPELINING", "8BITMIME"])
        #expect(
            keywords(["PIPELINING", "8BITMIME", "size 1000", "DSN", "x-Other 1"]) == [
                "PIPELINING", "8BITMIME", "SIZE", "DSN", "X-OTHER",
            ])
        #expect(keywords(["SIZE 1000", "PIPELINING"]) == ["SIZE", "PIPELINING"])
        #expect(keywords([]) == [])
    }

    @Test("a reply that does not come in time ends the session, temporary for everyone (RFC 2821 §4.5.3.2)")
    func timeout() {
        var sender = SMTPSender(
            configuration: .init(rules: .rfc2821, clientName: "abc.org"), transactions: [Self.transaction])
        _ = sender.connectionOpened(now: .zero)
        _ = sender.bytesReceived(Array("220 xyz.org ready\r\n".utf8), now: Timestamp.zero + .seconds(1))
        #expect(sender.deadline == Timestamp.zero + .seconds(301))
        #expect(sender.timerFired(now: Timestamp.zero + .seconds(300)) == [])
        let actions = sender.timerFired(now: Timestamp.zero + .seconds(301))
        #expect(actions.first == .close)
        guard case .finished(let report)? = actions.last else {
            Issue.record("no report")
            return
        }
        #expect(report.failedBeforeTransactions)
        #expect(
            report.transactions[0].recipients.allSatisfy { !$0.status.isDelivered && !$0.status.isPermanentFailure })
    }

    @Test("garbage instead of a reply is a failure of the server, not a crash")
    func malformedReply() {
        var sender = SMTPSender(
            configuration: .init(rules: .rfc821, clientName: "abc.org"), transactions: [Self.transaction])
        _ = sender.connectionOpened(now: .zero)
        let actions = sender.bytesReceived(Array("HTTP/1.1 400 Bad Request\r\n".utf8), now: .zero)
        #expect(actions.first == .close)
        #expect(sender.isFinished)
    }

    @Test("a 220 greeting and the server's name in a positive EHLO reply are acted on by code: no text is kept")
    func positiveGreetingText() {
        let conversation = run(.smtp2821, ReceiverPolicy(hostName: "xyz.org"))
        #expect(conversation.report?.greeting == Reply(.serviceReady, ""))
        #expect(conversation.report?.usedEHLO == true)
        #expect(conversation.report?.serverExtensions.isEmpty == false)  // the keyword lines are read
    }

    @Test("greetings: 421 is temporary; RFC 2821's 554 gets QUIT; both let the caller try another exchanger")
    func greetings() {
        for (mode, code) in [(GreetingMode.unavailable, 421), (.refuse, 554)] {
            let conversation = run(.smtp2821, ReceiverPolicy(hostName: "xyz.org", greeting: mode))
            #expect(conversation.report?.greeting?.code.rawValue == code)
            #expect(conversation.report?.greeting?.text.isEmpty == false)  // a refusal's text is kept
            #expect(conversation.report?.failedBeforeTransactions == true)
            #expect(
                conversation.report?.transactions[0].recipients.allSatisfy { !$0.status.isPermanentFailure } == true)
            #expect(conversation.delivered.isEmpty)
        }
    }

    @Test("RFC 2821 §4.5.3.1: 452 for too many recipients, and the rest go in another transaction of the same session")
    func deferredRecipients() {
        let conversation = run(.smtp2821, ReceiverPolicy(hostName: "xyz.org", users: ["joe", "ann"], maxRecipients: 1))
        #expect(conversation.delivered.count == 2)
        #expect(
            conversation.delivered.map { $0.recipients.map(\.path.description) } == [
                ["<joe@xyz.org>"], ["<ann@xyz.org>"],
            ])
        #expect(conversation.report?.transactions[0].recipients.allSatisfy(\.status.isDelivered) == true)
    }

    @Test(
        "too many recipients, RFC 821 and 2821 eras: the rest go in further transactions of one session until all are taken (chunks)",
        arguments: [DialectID.smtp788, .smtp821, .smtp2821, .smtp5321])
    func chunks(dialect: DialectID) {
        // Seven recipients to a server that takes two a transaction: four transactions.
        let users = (1...7).map { "u\($0)" }
        let many = OutboundTransaction(
            id: 7, reversePath: path("<a@abc.org>"), recipients: users.map { path("<\($0)@xyz.org>") },
            content: content(["many"]))
        let conversation = run(
            dialect, ReceiverPolicy(hostName: "xyz.org", users: Set(users), maxRecipients: 2), transactions: [many])
        #expect(conversation.delivered.map { $0.recipients.count } == [2, 2, 2, 1], "\(dialect)")
        #expect(conversation.report?.transactions[0].recipients.allSatisfy(\.status.isDelivered) == true, "\(dialect)")
    }

    @Test(
        "too many recipients, ESMTP era: 452, and the rest are requeued for a later session (RFC 1870 §6.4 (1) and its §8 example)"
    )
    func esmtpTooMany() {
        let users = (1...5).map { "u\($0)" }
        let many = OutboundTransaction(
            id: 7, reversePath: path("<a@abc.org>"), recipients: users.map { path("<\($0)@xyz.org>") },
            content: content(["many"]))
        let conversation = run(
            .esmtp, ReceiverPolicy(hostName: "xyz.org", users: Set(users), maxRecipients: 2), transactions: [many])
        #expect(conversation.delivered.map { $0.recipients.count } == [2])
        let statuses = conversation.report?.transactions[0].recipients.map(\.status) ?? []
        #expect(statuses.prefix(2).allSatisfy { $0.isDelivered })
        func isStorage452(_ status: RecipientStatus) -> Bool {
            guard case .temporaryFailure(let reply) = status else { return false }
            return reply.code == .insufficientStorage
        }
        #expect(statuses.count == 5 && statuses.dropFirst(2).allSatisfy { isStorage452($0) })
        // And from an RFC 821 server (no SIZE), its 552 is Scenario 10's: another transaction.
        let classic = Conversation.run(
            sender: .make(dialect: .esmtp, clientName: "abc.org", transactions: [many]),
            receiver: .make(
                dialect: .smtp821, policy: ReceiverPolicy(hostName: "xyz.org", users: Set(users), maxRecipients: 2)),
            decide: { _ in .accepted })
        #expect(classic.delivered.map { $0.recipients.count } == [2, 2, 1])
    }

    @Test("the reply to the text decides for every accepted recipient; failures before it for single ones")
    func outcomes() {
        let refused = run(.esmtp, ReceiverPolicy(hostName: "xyz.org", users: ["joe"])) { _ in
            .rejected(Reply(.localError, "Try later"))
        }
        #expect(
            refused.report?.transactions[0].recipients.map(\.status) == [
                .temporaryFailure(Reply(.localError, "Try later")),
                .permanentFailure(Reply(.mailboxUnavailable, "No such user here")),
            ])
        var policy = ReceiverPolicy(hostName: "xyz.org")
        policy.relaying = .refuse
        let strangers = OutboundTransaction(
            id: 1, reversePath: path("<a@abc.org>"), recipients: [path("<x@other.org>")], content: content(["x"]))
        let relayed = run(.smtp821, policy, transactions: [strangers, Self.transaction])
        // The first transaction fails at RCPT; RSET clears it and the second one goes through.
        #expect(relayed.transcript.contains(TranscriptLine(.client, "RSET")))
        #expect(
            relayed.report?.transactions.map { $0.recipients.map(\.status.isDelivered) } == [[false], [true, true]])
    }

    @Test("several transactions in one session, pipelined and not", arguments: [DialectID.smtp821, .esmtp, .smtp2821])
    func severalTransactions(dialect: DialectID) {
        let second = OutboundTransaction(
            id: 43, reversePath: .null, recipients: [path("<ann@xyz.org>")], content: content([".leading dot"]))
        let conversation = run(dialect, ReceiverPolicy(hostName: "xyz.org"), transactions: [Self.transaction, second])
        #expect(conversation.delivered.count == 2)
        #expect(conversation.delivered[1].reversePath.isNull)
        #expect(conversation.delivered[1].content == content([".leading dot"]))
        #expect(conversation.report?.transactions.map(\.id) == [42, 43])
        #expect(
            conversation.transcript.last == TranscriptLine(.server, "221 xyz.org Service closing transmission channel"))
    }

    @Test("TURN: after its mail, a sender that asks for the line back swaps roles (RFC 821 §3.8)")
    func turn() {
        var sender = SMTPSender(
            configuration: .init(rules: .rfc821, clientName: "abc.org", sendsTURN: true),
            transactions: [Self.transaction])
        let receiver = SMTPReceiver(rules: .rfc821, policy: ReceiverPolicy(hostName: "xyz.org", acceptsTURN: true))
        _ = sender.isFinished
        let conversation = Conversation.run(sender: .smtp(sender), receiver: .smtp(receiver))
        #expect(conversation.turned)
        #expect(conversation.report?.turned == true)
        #expect(conversation.transcript.suffix(2).map(\.description) == ["C: TURN", "S: 250 OK"])
        sender = SMTPSender(
            configuration: .init(rules: .rfc821, clientName: "abc.org", sendsTURN: true),
            transactions: [Self.transaction])
        let refused = Conversation.run(
            sender: .smtp(sender), receiver: .make(dialect: .smtp821, policy: ReceiverPolicy(hostName: "xyz.org")))
        #expect(!refused.turned)
        #expect(
            refused.transcript.suffix(3).map(\.description) == [
                "S: 502 TURN not implemented", "C: QUIT", "S: 221 xyz.org Service closing transmission channel",
            ])
    }
}
