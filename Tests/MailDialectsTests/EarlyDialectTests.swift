import MailCore
import Testing

@testable import MailDialects

/// RFC 765 FTP mail, checked against the RFC's own examples ("Appendix on mail", Examples 1 and 2,
/// in its U:/S: notation) and its command list.
@Suite struct FTPMailTests {
    static let example1 = """
        U: MRSQ
        S: 200 OK, no scheme selected.
        U: MRSQ R
        S: 200 OK, using that scheme
        U: MRCP Foo
        S: 200 OK
        U: MRCP Raboof
        S: 553 Who's that?  No such user here.
        U: MRCP bar
        S: 200 OK
        U: MAIL
        S: 354 Type mail, ended by <CRLF>.<CRLF>
        U: Blah blah blah blah....etc etc etc
        U: .
        S: 250 Mail sent.
        """

    static let example2 = """
        U: MRSQ ?
        S: 215 T Text first, please.
        U: MRSQ R
        S: 501 Sorry, I really can't do that.
        U: MRSQ T
        S: 200 OK, using that scheme.
        U: MAIL
        S: 354 Type mail, ended by <CRLF>.<CRLF>
        U: Blah blah blah blah....etc etc etc
        U: .
        S: 250 Mail stored.
        U: MRCP Foo
        S: 250 Stored mail sent.
        U: MRCP Raboof
        S: 553 Who's that?  No such user here.
        U: MRCP bar
        S: 250 Stored mail sent.
        U: MRSQ ?
        S: 215 T Text first, please.
        """

    /// An FTP server at host Y whose users are Foo and bar.
    static func serverY(schemes: [MTPScheme], forwards: [String: Mailbox] = [:]) -> ReceiverEngine {
        .mtp(
            MTPReceiver(
                rules: .rfc765,
                policy: ReceiverPolicy(hostName: "Y", users: ["Foo", "bar"], forwards: forwards, mtpSchemes: schemes)))
    }

    @Test(
        "Example 1, recipients first: the server's codes are the RFC's, and the text goes to Foo and bar with no sender"
    )
    func example1() {
        let dialogue = RFCDialogue(Self.example1, client: "U:", server: "S:")
        var delivered: [ReceivedMessage] = []
        let replies = receiverReplies(to: dialogue, Self.serverY(schemes: [.recipientsFirst])) { message in
            delivered.append(message)
            return .accepted
        }
        #expect(replies.map(\.code) == dialogue.replies.map(\.code))
        #expect(delivered.count == 1)
        #expect(delivered.first?.recipients.map(\.disposition) == [.local(Mailbox("Foo@Y")), .local(Mailbox("bar@Y"))])
        #expect(delivered.first?.reversePath == .null, "FTP mail names no sender")
        #expect(delivered.first?.dialect == .ftp765)
    }

    @Test("Example 2, text first: 501 (not MTP's 504) for a scheme it cannot use, 553 for Raboof")
    func example2() {
        let dialogue = RFCDialogue(Self.example2, client: "U:", server: "S:")
        var delivered: [ReceivedMessage] = []
        let replies = receiverReplies(to: dialogue, Self.serverY(schemes: [.textFirst])) { message in
            delivered.append(message)
            return .accepted
        }
        #expect(replies.map(\.code) == dialogue.replies.map(\.code))
        #expect(delivered.map { $0.recipients[0].path.description } == ["<Foo@Y>", "<bar@Y>"])
    }

    @Test("our user-FTP writes Example 2's commands: MRSQ ?, MRSQ T, MAIL, the text, one MRCP per user")
    func sender() {
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<waldo@A>"), recipients: [path("<Foo@Y>"), path("<Raboof@Y>"), path("<bar@Y>")],
            content: content(["Blah blah blah blah....etc etc etc"]))
        let conversation = Conversation.run(
            sender: .make(dialect: .ftp765, clientName: "A", transactions: [transaction]),
            receiver: Self.serverY(schemes: [.textFirst]))
        #expect(
            conversation.transcript.filter { $0.speaker == .client }.map(\.text) == [
                "MRSQ ?", "MRSQ T", "MAIL", "Blah blah blah blah....etc etc etc", ".", "MRCP Foo", "MRCP Raboof",
                "MRCP bar", "MRSQ ?", "QUIT",
            ])
        #expect(
            conversation.report?.transactions[0].recipients.map { $0.status.reply?.code.rawValue } == [250, 553, 250])
        #expect(conversation.transcript.last?.notation(.ftp765) == "S: 221 Y Service closing TELNET connection")
        #expect(conversation.transcript.first { $0.speaker == .client }?.notation(.ftp765) == "U: MRSQ ?")
    }

    @Test("a single recipient is MAIL <user>; a 151 is followed by the 354 with nothing to answer (no CONT in 1980)")
    func forwardingWithoutContinue() {
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<waldo@A>"), recipients: [path("<Moved@Y>")], content: content(["x"]))
        let conversation = Conversation.run(
            sender: .make(dialect: .ftp765, clientName: "A", transactions: [transaction]),
            receiver: Self.serverY(schemes: [.textFirst], forwards: ["Moved": Mailbox("Moved@Z")]))
        #expect(
            conversation.transcript.map(\.description).prefix(5) == [
                // RFC 765's reply list: no host name in the 220, "<CR><LF>.<CR><LF>" in the 354.
                "S: 220 Service ready for new user", "C: MAIL Moved", "S: 151 User not local; will forward to Moved@Z",
                "S: 354 Start mail input; end with <CR><LF>.<CR><LF>", "C: x",
            ])
        #expect(conversation.delivered.first?.recipients.first?.disposition == .forward(Mailbox("Moved@Z")))
        #expect(conversation.report?.transactions[0].recipients[0].status.isDelivered == true)
    }

    @Test(
        "MSND fails (nobody is logged in), MSOM says 119 and mails; other FTP commands 502, CONT and paths are not FTP")
    func otherCommands() {
        let dialogue = RFCDialogue(
            """
            U: MSND Foo
            S: 450 Foo is not logged in
            U: MSOM Foo
            S: 119 Terminal not available, will try mailbox
            S: 354 Start mail input
            U: hello
            U: .
            S: 250 Mail sent
            U: MSAM nobody
            S: 550 No such user here
            U: USER Foo
            S: 502 not implemented
            U: MLFL Foo
            S: 502 not implemented
            U: CONT
            S: 500 unrecognized
            U: MAIL Foo extra
            S: 501 syntax
            U: MRCP Foo
            S: 503 no scheme
            U: MAIL
            S: 550 Null recipient
            U: NOOP
            S: 200 OK
            U: QUIT
            S: 221 bye
            """, client: "U:", server: "S:")
        var delivered: [ReceivedMessage] = []
        let replies = receiverReplies(to: dialogue, Self.serverY(schemes: [.textFirst])) { message in
            delivered.append(message)
            return .accepted
        }
        #expect(replies.map(\.code) == dialogue.replies.map(\.code))
        #expect(delivered.map(\.content) == [Array("hello\r\n".utf8)])
    }

    @Test("a delivery is the last action of its list: a command written after the text waits for the host's answer")
    func deliveryLast() {
        var receiver = MTPReceiver(rules: .rfc765, policy: ReceiverPolicy(hostName: "mx.example.org", users: ["ann"]))
        _ = receiver.connectionOpened(now: .zero)
        let actions = receiver.bytesReceived(Array("MAIL ann\r\nhi\r\n.\r\nNOOP\r\n".utf8), now: .zero)
        guard case .deliver? = actions.last else {
            Issue.record("expected a delivery last, got \(actions)")
            return
        }
        let after = receiver.deliveryFinished(.accepted, now: .zero)
        let codes = after.flatMap { action -> [Int] in
            if case .send(let replies) = action { replies.map(\.code.rawValue) } else { [] }
        }
        #expect(codes.count == 2)  // the text's reply, then NOOP's
        #expect(codes.last == 200)
    }

    @Test("a bare user name belongs to the host's mail domain, not its host name")
    func mailDomain() {
        var receiver = MTPReceiver(
            rules: .rfc765,
            policy: ReceiverPolicy(
                hostName: "mx.example.org", localDomains: [Domain("example.org")], users: ["ann"],
                mailDomain: Domain("example.org")))
        _ = receiver.connectionOpened(now: .zero)
        let actions = receiver.bytesReceived(Array("MAIL ann\r\nhi\r\n.\r\n".utf8), now: .zero)
        let message = actions.compactMap { if case .deliver(let message) = $0 { message } else { nil } }.first
        #expect(message?.recipients.first?.disposition == .local(Mailbox("ann@example.org")))
    }
}

/// RFC 772, the MTP draft: RFC 780 without CONT and ABRT, with a sender that has no route.
@Suite struct MTPDraftTests {
    static func hostY(forwards: [String: Mailbox] = [:], greeting: GreetingMode = .ready) -> MTPReceiver {
        MTPReceiver(
            rules: .rfc772,
            policy: ReceiverPolicy(hostName: "Y", users: ["Foo", "bar"], forwards: forwards, greeting: greeting))
    }

    @Test(
        "the sender is a mailbox: a route in it is a syntax error; CONT and ABRT do not exist; 501 for an unknown scheme"
    )
    func sequencing() {
        let dialogue = RFCDialogue(
            """
            S: MAIL FROM:<@A,waldo@B> TO:<Foo@Y>
            R: 501 the sender is a mailbox
            S: CONT
            R: 500 unrecognized
            S: ABRT
            R: 500 unrecognized
            S: MRSQ X
            R: 501 can't use that scheme
            S: MRSQ R
            R: 200 OK
            S: MRCP TO:<nobody@Y>
            R: 553 Recipient name rejected
            S: MAIL FROM:<waldo@A> TO:<Foo@Y>
            R: 354 go ahead
            S: text
            S: .
            R: 250 OK
            S: QUIT
            R: 221 Y Service closing control connection
            """, modern: false)
        #expect(receiverReplies(to: dialogue, .mtp(Self.hostY())).map(\.code) == dialogue.replies.map(\.code))
    }

    @Test("a relay's sender-path loses its route on the wire: MAIL FROM:<mailbox> TO:<@B,C@D>")
    func senderWithoutRoute() {
        let transaction = OutboundTransaction(
            id: 1, reversePath: Path(route: [Domain("A")], mailbox: Mailbox("X@Y")), recipients: [path("<@B:C@D>")],
            content: content(["x"]))
        let conversation = Conversation.run(
            sender: .make(dialect: .mtp772, clientName: "A", transactions: [transaction]),
            receiver: .make(dialect: .mtp772, policy: ReceiverPolicy(hostName: "B")))
        #expect(conversation.transcript.filter { $0.speaker == .client }.first?.text == "MAIL FROM:<X@Y> TO:<@B,C@D>")
        // RFC 780 writes the relay into the sender-path (§5.1.1's example).
        let later = Conversation.run(
            sender: .make(dialect: .mtp780, clientName: "A", transactions: [transaction]),
            receiver: .make(dialect: .mtp780, policy: ReceiverPolicy(hostName: "B")))
        #expect(later.transcript.filter { $0.speaker == .client }.first?.text == "MAIL FROM:<@A,X@Y> TO:<@B,C@D>")
    }

    @Test("151 then 354 with no CONT between; a busy receiver's 220 follows its 120 by itself")
    func preliminaryReplies() {
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<waldo@A>"), recipients: [path("<Moved@Y>")], content: content(["x"]))
        let conversation = Conversation.run(
            sender: .make(dialect: .mtp772, clientName: "A", transactions: [transaction]),
            receiver: .mtp(Self.hostY(forwards: ["Moved": Mailbox("Moved@Z")])))
        let lines = conversation.transcript.map(\.description)
        #expect(
            lines[1...3] == [
                "C: MAIL FROM:<waldo@A> TO:<Moved@Y>", "S: 151 User not local; will forward to Moved@Z",
                "S: 354 Start mail input; end with <CR><LF>.<CR><LF>",
            ])  // RFC 772's text
        #expect(!lines.contains("C: CONT"))
        #expect(conversation.report?.transactions[0].recipients[0].status.isDelivered == true)

        var busy = Self.hostY(greeting: .busy(minutes: 2))
        #expect(busy.connectionOpened(now: .zero) == [.send([Reply(.serviceReadyIn, "Y Service ready in 2 minutes")])])
        #expect(busy.deadline == Timestamp.zero + .seconds(120))
        #expect(
            busy.timerFired(now: Timestamp.zero + .seconds(120)) == [
                .send([Reply(.serviceReady, "Y Service ready for new user")])
            ])

        // The sender waits through the 120 without writing anything, then goes on after the 220.
        var sender = SenderEngine.make(dialect: .mtp772, clientName: "A", transactions: [transaction])
        _ = sender.connectionOpened(now: .zero)
        #expect(
            sender.bytesReceived(Reply(.serviceReadyIn, "Y Service ready in 2 minutes").encoded, now: .zero).isEmpty)
        let next = sender.bytesReceived(Reply(.serviceReady, "Y ready").encoded, now: Timestamp.zero + .seconds(120))
        #expect(
            next.contains {
                if case .send(let outgoing) = $0 {
                    outgoing.bytes == Array("MAIL FROM:<waldo@A> TO:<Moved@Y>\r\n".utf8)
                } else {
                    false
                }
            })
    }
}
