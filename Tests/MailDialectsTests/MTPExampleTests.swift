import MailCore
import Testing

@testable import MailDialects

/// RFC 780's Examples 1–3 replayed against our MTP engines.
@Suite struct MTPExampleTests {
    static let example1 = """
        S: MAIL FROM:<waldo@A> TO:<Foo@Y> <CRLF>
        R: 354 Start mail input; end with <CRLF>.<CRLF>
        S: Blah blah blah blah....etc. etc. etc.
        S: <CRLF>.<CRLF>
        R: 250 Mail sent
        """

    static let example2 = """
        S: MRSQ <CRLF>
        R: 200 OK, no scheme selected
        S: MRSQ R <CRLF>
        R: 200 OK, using that scheme
        S: MRCP TO:<Foo@Y> <CRLF>
        R: 200 OK
        S: MRCP TO:<Raboof@Y> <CRLF>
        R: 550 No such user here
        S: MRCP TO:<bar@Y> <CRLF>
        R: 200 OK
        S: MRCP TO:<@Y,@X,fubar@Z> <CRLF>
        R: 200 OK
        S: MAIL FROM:<waldo@A><CRLF>
        R: 354 Start mail input; end with <CRLF>.<CRLF>
        S: Blah blah blah blah....etc. etc. etc.
        S: <CRLF>.<CRLF>
        R: 250 Mail sent
        """

    static let example3 = """
        S: MRSQ ? <CRLF>
        R: 215 T Text first, please
        S: MRSQ R <CRLF>
        R: 504 Sorry, I really can't do that
        S: MRSQ T <CRLF>
        R: 200 OK, using that scheme
        S: MAIL FROM:<WALDO@A><CRLF>
        R: 354 Start mail input; end with <CRLF>.<CRLF>
        S: Blah blah blah blah....etc. etc. etc.
        S: <CRLF>.<CRLF>
        R: 250 Mail stored
        S: MRCP TO:<Foo@Y> <CRLF>
        R: 250 Stored mail sent
        S: MRCP TO:<Raboof@Y> <CRLF>
        R: 550 No such user here
        S: MRCP TO:<bar@Y> <CRLF>
        R: 250 Stored mail sent
        S: MRCP TO:<@Y,@X,fubar@Z> <CRLF>
        R: 250 Mail accepted for relaying
        S: MRSQ ? <CRLF>
        R: 215 T Text first, please
        """

    /// Host Y knows Foo and bar (not Raboof) and relays along source routes.
    static func hostY(schemes: [MTPScheme]) -> ReceiverEngine {
        .mtp(MTPReceiver(policy: ReceiverPolicy(hostName: "Y", users: ["Foo", "bar"], mtpSchemes: schemes)))
    }

    @Test("Example 1, basic MAIL: the receiver answers 354 then 250")
    func example1Receiver() {
        let dialogue = RFCDialogue(Self.example1, modern: false)
        #expect(
            receiverReplies(to: dialogue, Self.hostY(schemes: [.textFirst])).map(\.code) == dialogue.replies.map(\.code)
        )
    }

    @Test("Example 1, basic MAIL: our sender writes exactly the RFC's lines")
    func example1Sender() {
        let dialogue = RFCDialogue(
            "R: 220 Y Service ready for new user\n" + Self.example1 + "\nS: QUIT\nR: 221 Y closing", modern: false)
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<waldo@A>"), recipients: [path("<Foo@Y>")],
            content: content(["Blah blah blah blah....etc. etc. etc."]))
        let (lines, report) = senderLines(against: dialogue, .mtp(MTPSender(transactions: [transaction])))
        #expect(lines == dialogue.clientLines)
        #expect(report?.transactions.first?.recipients.first?.status.isDelivered == true)
    }

    @Test("Example 2, recipients first: 200s for stored names, 550 for Raboof, one 250 for all")
    func example2() {
        let dialogue = RFCDialogue(Self.example2, modern: false)
        var delivered: [ReceivedMessage] = []
        let replies = receiverReplies(to: dialogue, Self.hostY(schemes: [.recipientsFirst, .textFirst])) { message in
            delivered.append(message)
            return .accepted
        }
        #expect(replies.map(\.code) == dialogue.replies.map(\.code))
        // The text went to Foo and bar, and is to be relayed to fubar@Z through X.
        #expect(delivered.count == 1)
        #expect(
            delivered[0].recipients.map(\.disposition) == [
                .local(Mailbox("Foo@Y")), .local(Mailbox("bar@Y")),
                .relay(Path(route: [Domain("X")], mailbox: Mailbox("fubar@Z"))),
            ])
    }

    @Test("Example 3, text first: 215 T, 504 for R, then the stored text goes to each MRCP")
    func example3() {
        let dialogue = RFCDialogue(Self.example3, modern: false)
        var delivered: [ReceivedMessage] = []
        let replies = receiverReplies(to: dialogue, Self.hostY(schemes: [.textFirst])) { message in
            delivered.append(message)
            return .accepted
        }
        #expect(replies.map(\.code) == dialogue.replies.map(\.code))
        #expect(replies.first?.text.hasPrefix("T ") == true)
        #expect(delivered.map { $0.recipients[0].path.description } == ["<Foo@Y>", "<bar@Y>", "<@Y,@X:fubar@Z>"])
    }

    @Test("our sender chooses the receiver's preferred scheme and resets with MRSQ ? after T (§4.6)")
    func schemeChoice() {
        for scheme in [MTPScheme.textFirst, .recipientsFirst] {
            let transaction = OutboundTransaction(
                id: 7, reversePath: path("<waldo@A>"),
                recipients: [path("<Foo@Y>"), path("<Raboof@Y>"), path("<bar@Y>")],
                content: content(["Blah"]))
            let conversation = Conversation.run(
                sender: .mtp(MTPSender(transactions: [transaction])), receiver: Self.hostY(schemes: [scheme]))
            let commands = conversation.transcript.filter { $0.speaker == .client }.map(\.text)
            let outcome = conversation.report!.transactions[0].recipients.map { $0.status.reply?.code.rawValue }
            switch scheme {
            case .textFirst:
                #expect(
                    commands == [
                        "MRSQ ?", "MRSQ T", "MAIL FROM:<waldo@A>", "Blah", ".", "MRCP TO:<Foo@Y>", "MRCP TO:<Raboof@Y>",
                        "MRCP TO:<bar@Y>", "MRSQ ?", "QUIT",
                    ])
                #expect(outcome == [250, 550, 250])
            case .recipientsFirst:
                #expect(
                    commands == [
                        "MRSQ ?", "MRSQ R", "MRCP TO:<Foo@Y>", "MRCP TO:<Raboof@Y>", "MRCP TO:<bar@Y>",
                        "MAIL FROM:<waldo@A>", "Blah", ".", "QUIT",
                    ])
                #expect(outcome == [250, 550, 250])
            }
        }
    }

    @Test("151 and 152 are answered with CONT and the mail goes through; ABRT gives 201")
    func preliminaryReplies() {
        let policy = ReceiverPolicy(
            hostName: "Y", users: ["Foo"], forwards: ["Moved": Mailbox("Moved@Z")], operatorForwardsUnknownUsers: true)
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<waldo@A>"), recipients: [path("<Moved@Y>")], content: content(["x"]))
        let accepting = Conversation.run(
            sender: .mtp(MTPSender(transactions: [transaction])), receiver: .mtp(MTPReceiver(policy: policy)))
        #expect(
            accepting.transcript.map(\.description).prefix(5) == [
                "S: 220 Y Service ready for new user", "C: MAIL FROM:<waldo@A> TO:<Moved@Y>",
                "S: 151 User not local; will forward to Moved@Z", "C: CONT",
                "S: 354 Start mail input; end with <CRLF>.<CRLF>",
            ])
        #expect(accepting.delivered.first?.recipients.first?.disposition == .forward(Mailbox("Moved@Z")))

        let refusing = MTPSender(
            configuration: MTPSender.Configuration(acceptsForwarding: false),
            transactions: [
                OutboundTransaction(
                    id: 2, reversePath: path("<waldo@A>"), recipients: [path("<Nobody@Y>")], content: content(["x"]))
            ])
        let aborted = Conversation.run(sender: .mtp(refusing), receiver: .mtp(MTPReceiver(policy: policy)))
        #expect(
            aborted.transcript.map(\.description)[2...4] == [
                "S: 152 User unknown; operator will forward", "C: ABRT", "S: 201 Command okay, action aborted",
            ])
        #expect(aborted.report?.transactions[0].recipients[0].status.isPermanentFailure == true)
        #expect(aborted.delivered.isEmpty)
    }

    @Test("a busy receiver greets with 120; after CONT the 220 comes when it is ready (§5.3)")
    func delayedGreeting() {
        var receiver = MTPReceiver(policy: ReceiverPolicy(hostName: "Y", greeting: .busy(minutes: 2)))
        #expect(
            receiver.connectionOpened(now: .zero) == [.send([Reply(.serviceReadyIn, "Y Service ready in 2 minutes")])])
        #expect(receiver.bytesReceived(Array("CONT\r\n".utf8), now: .zero) == [])
        #expect(receiver.deadline == Timestamp.zero + .seconds(120))
        #expect(
            receiver.timerFired(now: Timestamp.zero + .seconds(120)) == [
                .send([Reply(.serviceReady, "Y Service ready for new user")])
            ])
    }

    @Test("MTP sequencing errors: MRCP without a scheme is 503, unknown schemes 504, CONT out of turn 503")
    func sequencing() {
        let dialogue = RFCDialogue(
            """
            S: MRCP TO:<Foo@Y>
            R: 503 No scheme specified yet; use MRSQ
            S: MRSQ X
            R: 504 no such scheme
            S: CONT
            R: 503 nothing to continue
            S: MAIL FROM:<waldo@A>
            R: 550 Null recipient
            S: HELO A
            R: 500 unknown
            S: MAIL FROM:<waldo@A> TO:<Foo@Y> extra
            R: 501 syntax
            S: NOOP
            R: 200 OK
            S: HELP
            R: 214 help
            S: QUIT
            R: 221 bye
            """, modern: false)
        #expect(
            receiverReplies(to: dialogue, Self.hostY(schemes: [.textFirst])).map(\.code) == dialogue.replies.map(\.code)
        )
    }

    @Test("every MTP reply fits RFC 780's 65-character reply line, even for a 20-character host name")
    func replyLength() {
        let host = "ABCDEFGHIJ-KLMNOPQRS"  // the longest host RFC 780 §5.5.3 allows
        var receiver = MTPReceiver(
            policy: ReceiverPolicy(
                hostName: host, users: ["Foo"], forwards: ["Moved": Mailbox("someone-long@ANOTHER-HOST-NAME")]))
        var replies: [Reply] = []
        for case .send(let batch) in receiver.connectionOpened(now: .zero) { replies += batch }
        let script = [
            "MRSQ ?", "MRSQ T", "MRCP TO:<Foo@\(host)>", "MAIL FROM:<a@B> TO:<Moved@\(host)>", "CONT", "x", ".", "HELP",
            "BOGUS", "QUIT",
        ]
        for line in script {
            for action in receiver.bytesReceived(Array((line + "\r\n").utf8), now: .zero) {
                if case .send(let batch) = action { replies += batch }
                if case .deliver = action {
                    for case .send(let batch) in receiver.deliveryFinished(.accepted, now: .zero) { replies += batch }
                }
            }
        }
        #expect(replies.count >= 10)
        for reply in replies {
            for line in reply.wireLines { #expect(line.utf8.count + 2 <= MTPLimits.replyLine, "\(line)") }
        }
    }
}
