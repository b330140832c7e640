import MailCore
import Testing

@testable import MailDialects

/// RFC 821 Appendix F and RFC 2821 Appendix D, replayed against our receivers (codes and their
/// order must match; the text may differ) and, where our sender would say the same, against it.
@Suite struct RFC821ScenarioTests {
    static func receiver(_ policy: ReceiverPolicy, _ dialect: DialectID = .smtp821) -> ReceiverEngine {
        .make(dialect: dialect, policy: policy)
    }

    static let scenario1 = """
        R: 220 BBN-UNIX.ARPA Simple Mail Transfer Service Ready
        S: HELO USC-ISIF.ARPA
        R: 250 BBN-UNIX.ARPA
        S: MAIL FROM:<Smith@USC-ISIF.ARPA>
        R: 250 OK
        S: RCPT TO:<Jones@BBN-UNIX.ARPA>
        R: 250 OK
        S: RCPT TO:<Green@BBN-UNIX.ARPA>
        R: 550 No such user here
        S: RCPT TO:<Brown@BBN-UNIX.ARPA>
        R: 250 OK
        S: DATA
        R: 354 Start mail input; end with <CRLF>.<CRLF>
        S: Blah blah blah...
        S: ...etc. etc. etc.
        S: .
        R: 250 OK
        S: QUIT
        R: 221 BBN-UNIX.ARPA Service closing transmission channel
        """

    @Test("Scenario 1, a typical transaction: receiver and sender both follow the RFC")
    func scenario1() {
        let dialogue = RFCDialogue(Self.scenario1, modern: false)
        let policy = ReceiverPolicy(hostName: "BBN-UNIX.ARPA", users: ["Jones", "Brown"])
        let replies = receiverReplies(to: dialogue, Self.receiver(policy))
        #expect(replies.map(\.code) == dialogue.replies.map(\.code))
        #expect(replies == dialogue.replies)  // here even the texts are the RFC's

        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<Smith@USC-ISIF.ARPA>"),
            recipients: ["<Jones@BBN-UNIX.ARPA>", "<Green@BBN-UNIX.ARPA>", "<Brown@BBN-UNIX.ARPA>"].map(path),
            content: content(["Blah blah blah...", "...etc. etc. etc."]))
        let sender = SenderEngine.make(dialect: .smtp821, clientName: "USC-ISIF.ARPA", transactions: [transaction])
        let (lines, report) = senderLines(against: dialogue, sender)
        #expect(lines == dialogue.clientLines)
        #expect(report?.transactions[0].recipients.map { $0.status.reply?.code.rawValue } == [250, 550, 250])
        #expect(report?.transactions[0].recipients[1].status.isPermanentFailure == true)
    }

    @Test("Scenario 2, aborted transaction: RSET answers 250 and clears it")
    func scenario2() {
        let dialogue = RFCDialogue(
            """
            R: 220 MIT-Multics.ARPA Simple Mail Transfer Service Ready
            S: HELO ISI-VAXA.ARPA
            R: 250 MIT-Multics.ARPA
            S: MAIL FROM:<Smith@ISI-VAXA.ARPA>
            R: 250 OK
            S: RCPT TO:<Jones@MIT-Multics.ARPA>
            R: 250 OK
            S: RCPT TO:<Green@MIT-Multics.ARPA>
            R: 550 No such user here
            S: RSET
            R: 250 OK
            S: DATA
            R: 503 (added: after RSET there is no transaction)
            S: QUIT
            R: 221 MIT-Multics.ARPA Service closing transmission channel
            """, modern: false)
        let policy = ReceiverPolicy(hostName: "MIT-Multics.ARPA", users: ["Jones"])
        #expect(receiverReplies(to: dialogue, Self.receiver(policy)).map(\.code) == dialogue.replies.map(\.code))
    }

    static let scenario3Step1 = """
        R: 220 USC-ISIE.ARPA Simple Mail Transfer Service Ready
        S: HELO MIT-AI.ARPA
        R: 250 USC-ISIE.ARPA
        S: MAIL FROM:<JQP@MIT-AI.ARPA>
        R: 250 OK
        S: RCPT TO:<@USC-ISIE.ARPA:Jones@BBN-VAX.ARPA>
        R: 250 OK
        S: DATA
        R: 354 Start mail input; end with <CRLF>.<CRLF>
        S: Date: 2 Nov 81 22:33:44
        S: From: John Q. Public <JQP@MIT-AI.ARPA>
        S: Subject:  The Next Meeting of the Board
        S: To: Jones@BBN-Vax.ARPA
        S:
        S: Bill:
        S: The next meeting of the board of directors will be
        S: on Tuesday.
        S:                                              John.
        S: .
        R: 250 OK
        S: QUIT
        R: 221 USC-ISIE.ARPA Service closing transmission channel
        """

    static let scenario3Step2 = """
        R: 220 BBN-VAX.ARPA Simple Mail Transfer Service Ready
        S: HELO USC-ISIE.ARPA
        R: 250 BBN-VAX.ARPA
        S: MAIL FROM:<@USC-ISIE.ARPA:JQP@MIT-AI.ARPA>
        R: 250 OK
        S: RCPT TO:<Jones@BBN-VAX.ARPA>
        R: 250 OK
        S: DATA
        R: 354 Start mail input; end with <CRLF>.<CRLF>
        S: Received: from MIT-AI.ARPA by USC-ISIE.ARPA ;
           2 Nov 81 22:40:10 UT
        S: Date: 2 Nov 81 22:33:44
        S: .
        R: 250 OK
        S: QUIT
        R: 221 USC-ISIE.ARPA Service closing transmission channel
        """

    @Test("Scenario 3, relayed mail: the relay accepts the routed recipient, and step 2's paths are the rewritten ones")
    func scenario3() throws {
        let step1 = RFCDialogue(Self.scenario3Step1, modern: false)
        var delivered: [ReceivedMessage] = []
        let relay = ReceiverPolicy(hostName: "USC-ISIE.ARPA", users: [])
        #expect(
            receiverReplies(to: step1, Self.receiver(relay)) {
                delivered.append($0); return .accepted
            }.map(\.code) == step1.replies.map(\.code))
        let message = try #require(delivered.first)
        guard case .relay(let onward) = message.recipients[0].disposition else {
            Issue.record("not relayed: \(message.recipients[0].disposition)")
            return
        }
        // What the relay sends on (RFC 821 §3.6): itself off the forward-path, onto the reverse-path.
        #expect(
            "MAIL FROM:" + message.reversePath.pushing(Domain("USC-ISIE.ARPA")).text(.colon)
                == "MAIL FROM:<@USC-ISIE.ARPA:JQP@MIT-AI.ARPA>")
        #expect("RCPT TO:" + onward.text(.colon) == "RCPT TO:<Jones@BBN-VAX.ARPA>")
        #expect(message.content.count > 100)

        let step2 = RFCDialogue(Self.scenario3Step2, modern: false)
        let destination = ReceiverPolicy(hostName: "BBN-VAX.ARPA", users: ["Jones"])
        // The RFC's last line has the relay's name in the destination's 221: the code still matches.
        #expect(receiverReplies(to: step2, Self.receiver(destination)).map(\.code) == step2.replies.map(\.code))
    }

    static let crispin = ReceiverPolicy(
        hostName: "SU-SCORE.ARPA", users: ["Admin.MRC"], fullNames: ["Admin.MRC": "Mark Crispin"])

    @Test("Scenarios 4 to 6: VRFY, then SEND to an active user, SEND refused with 450, SOML falling back to mail")
    func sendAndMail() {
        var active = Self.crispin
        active.activeUsers = ["admin.mrc"]
        let scenario4 = RFCDialogue(
            """
            R: 220 SU-SCORE.ARPA Simple Mail Transfer Service Ready
            S: HELO MIT-MC.ARPA
            R: 250 SU-SCORE.ARPA
            S: VRFY Crispin
            R: 250 Mark Crispin <Admin.MRC@SU-SCORE.ARPA>
            S: SEND FROM:<EAK@MIT-MC.ARPA>
            R: 250 OK
            S: RCPT TO:<Admin.MRC@SU-SCORE.ARPA>
            R: 250 OK
            S: DATA
            R: 354 Start mail input; end with <CRLF>.<CRLF>
            S: Blah blah blah...
            S: .
            R: 250 OK
            S: QUIT
            R: 221 SU-SCORE.ARPA Service closing transmission channel
            """, modern: false)
        let replies4 = receiverReplies(to: scenario4, Self.receiver(active))
        #expect(replies4.map(\.code) == scenario4.replies.map(\.code))
        #expect(replies4[2] == Reply(.okay, "Mark Crispin <Admin.MRC@SU-SCORE.ARPA>"))

        let scenario5 = RFCDialogue(
            """
            R: 220 SU-SCORE.ARPA Simple Mail Transfer Service Ready
            S: HELO MIT-MC.ARPA
            R: 250 SU-SCORE.ARPA
            S: VRFY Crispin
            R: 250 Mark Crispin <Admin.MRC@SU-SCORE.ARPA>
            S: SEND FROM:<EAK@MIT-MC.ARPA>
            R: 250 OK
            S: RCPT TO:<Admin.MRC@SU-SCORE.ARPA>
            R: 450 User not active now
            S: RSET
            R: 250 OK
            S: MAIL FROM:<EAK@MIT-MC.ARPA>
            R: 250 OK
            S: RCPT TO:<Admin.MRC@SU-SCORE.ARPA>
            R: 250 OK
            S: DATA
            R: 354 Start mail input; end with <CRLF>.<CRLF>
            S: Blah blah blah...
            S: .
            R: 250 OK
            S: QUIT
            R: 221 SU-SCORE.ARPA Service closing transmission channel
            """, modern: false)
        #expect(
            receiverReplies(to: scenario5, Self.receiver(Self.crispin)).map(\.code) == scenario5.replies.map(\.code))

        let scenario6 = RFCDialogue(
            """
            R: 220 SU-SCORE.ARPA Simple Mail Transfer Service Ready
            S: HELO MIT-MC.ARPA
            R: 250 SU-SCORE.ARPA
            S: SOML FROM:<EAK@MIT-MC.ARPA>
            R: 250 OK
            S: RCPT TO:<Admin.MRC@SU-SCORE.ARPA>
            R: 250 User not active now, so will do mail.
            S: DATA
            R: 354 Start mail input; end with <CRLF>.<CRLF>
            S: .
            R: 250 OK
            """, modern: false)
        let replies6 = receiverReplies(to: scenario6, Self.receiver(Self.crispin))
        #expect(
            replies6
                == scenario6.replies.enumerated().map {
                    $0.offset == 4
                        ? Reply(.startMailInput, "Start mail input; end with <CRLF>.<CRLF>") : replies6[$0.offset]
                })
        #expect(replies6.map(\.code) == scenario6.replies.map(\.code))
        #expect(replies6[3].text == "User not active now, so will do mail.")
    }

    @Test("Scenario 7, mailing lists: EXPN gives one mailbox per line; the relay takes every routed recipient")
    func mailingList() {
        let members = [
            "<ABC@MIT-MC.ARPA>", "Fred Fonebone <Fonebone@USC-ISIQ.ARPA>", "Xenon Y. Zither <XYZ@MIT-AI.ARPA>",
            "Quincy Smith <@USC-ISIF.ARPA:Q-Smith@ISI-VAXA.ARPA>", "<joe@foo-unix.ARPA>", "<xyz@bar-unix.ARPA>",
        ]
        let step1 = RFCDialogue(
            """
            R: 220 MIT-AI.ARPA Simple Mail Transfer Service Ready
            S: HELO SU-SCORE.ARPA
            R: 250 MIT-AI.ARPA
            S: EXPN Example-People
            R: 250-<ABC@MIT-MC.ARPA>
            R: 250-Fred Fonebone <Fonebone@USC-ISIQ.ARPA>
            R: 250-Xenon Y. Zither <XYZ@MIT-AI.ARPA>
            R: 250-Quincy Smith <@USC-ISIF.ARPA:Q-Smith@ISI-VAXA.ARPA>
            R: 250-<joe@foo-unix.ARPA>
            R: 250 <xyz@bar-unix.ARPA>
            S: QUIT
            R: 221 MIT-AI.ARPA Service closing transmission channel
            """, modern: false)
        let lists = ReceiverPolicy(hostName: "MIT-AI.ARPA", mailingLists: ["Example-People": members])
        #expect(
            receiverReplies(to: step1, Self.receiver(lists))
                == step1.replies.enumerated().map { index, reply in
                    index == step1.replies.count - 1 ? reply : reply  // identical, texts included
                })

        let step3 = RFCDialogue(
            """
            R: 220 USC-ISIE.ARPA Simple Mail Transfer Service Ready
            S: HELO SU-SCORE.ARPA
            R: 250 USC-ISIE.ARPA
            S: MAIL FROM:<Account.Person@SU-SCORE.ARPA>
            R: 250 OK
            S: RCPT TO:<@USC-ISIE.ARPA:ABC@MIT-MC.ARPA>
            R: 250 OK
            S: RCPT TO:<@USC-ISIE.ARPA:Fonebone@USC-ISIQA.ARPA>
            R: 250 OK
            S: RCPT TO:<@USC-ISIE.ARPA:XYZ@MIT-AI.ARPA>
            R: 250 OK
            S: RCPT
                TO:<@USC-ISIE.ARPA,@USC-ISIF.ARPA:Q-Smith@ISI-VAXA.ARPA>
            R: 250 OK
            S: RCPT TO:<@USC-ISIE.ARPA:joe@FOO-UNIX.ARPA>
            R: 250 OK
            S: RCPT TO:<@USC-ISIE.ARPA:xyz@BAR-UNIX.ARPA>
            R: 250 OK
            S: RCPT TO:<@USC-ISIE.ARPA:fred@BBN-UNIX.ARPA>
            R: 250 OK
            S: DATA
            R: 354 Start mail input; end with <CRLF>.<CRLF>
            S: Blah blah blah...
            S: .
            R: 250 OK
            S: QUIT
            R: 221 USC-ISIE.ARPA Service closing transmission channel
            """, modern: false)
        var delivered: [ReceivedMessage] = []
        let relay = ReceiverPolicy(hostName: "USC-ISIE.ARPA", users: [])
        #expect(
            receiverReplies(to: step3, Self.receiver(relay)) {
                delivered.append($0); return .accepted
            }.map(\.code) == step3.replies.map(\.code))
        #expect(delivered.first?.recipients.count == 7)
        #expect(
            delivered.first?.recipients[3].disposition
                == .relay(Path(route: [Domain("USC-ISIF.ARPA")], mailbox: Mailbox("Q-Smith@ISI-VAXA.ARPA"))))
    }

    @Test("Scenarios 8 and 9, forwarding: 251 for a moved user; and 551 where the host will not forward")
    func forwarding() {
        let scenario8 = RFCDialogue(
            """
            R: 220 USC-ISIF.ARPA Simple Mail Transfer Service Ready
            S: HELO LBL-UNIX.ARPA
            R: 250 USC-ISIF.ARPA
            S: MAIL FROM:<mo@LBL-UNIX.ARPA>
            R: 250 OK
            S: RCPT TO:<fred@USC-ISIF.ARPA>
            R: 251 User not local; will forward to <Jones@USC-ISI.ARPA>
            S: DATA
            R: 354 Start mail input; end with <CRLF>.<CRLF>
            S: Blah blah blah...
            S: .
            R: 250 OK
            S: QUIT
            R: 221 USC-ISIF.ARPA Service closing transmission channel
            """, modern: false)
        let forwarding = ReceiverPolicy(
            hostName: "USC-ISIF.ARPA", users: [], forwards: ["fred": Mailbox("Jones@USC-ISI.ARPA")])
        let replies = receiverReplies(to: scenario8, Self.receiver(forwarding))
        #expect(replies == scenario8.replies)

        let scenario9 = RFCDialogue(
            """
            R: 220 USC-ISI.ARPA Simple Mail Transfer Service Ready
            S: HELO LBL-UNIX.ARPA
            R: 250 USC-ISI.ARPA
            S: MAIL FROM:<mo@LBL-UNIX.ARPA>
            R: 250 OK
            S: RCPT TO:<Jones@USC-ISI.ARPA>
            R: OK
            S: DATA
            R: 354 Start mail input; end with <CRLF>.<CRLF>
            S: .
            R: 250 OK
            S: QUIT
            R: 221 USC-ISI.ARPA Service closing transmission channel
            """, modern: false)
        // The RFC prints "R: OK" without its code; it can only be the 250 we give.
        #expect(
            receiverReplies(to: scenario9, Self.receiver(ReceiverPolicy(hostName: "USC-ISI.ARPA", users: ["Jones"])))
                .map(\.code) == scenario9.replies.map(\.code))

        var noForwarding = forwarding
        noForwarding.forwardsMovedUsers = false
        var engine = SMTPReceiver(rules: .rfc821, policy: noForwarding)
        _ = engine.connectionOpened(now: .zero)
        _ = engine.bytesReceived(Array("HELO LBL-UNIX.ARPA\r\nMAIL FROM:<mo@LBL-UNIX.ARPA>\r\n".utf8), now: .zero)
        #expect(
            engine.bytesReceived(Array("RCPT TO:<fred@USC-ISIF.ARPA>\r\n".utf8), now: .zero)
                == [.send([Reply(.userNotLocal, "User not local; please try <Jones@USC-ISI.ARPA>")])])
    }

    static let scenario10 = """
        R: 220 BERKELEY.ARPA Simple Mail Transfer Service Ready
        S: HELO USC-ISIF.ARPA
        R: 250 BERKELEY.ARPA
        S: MAIL FROM:<Postel@USC-ISIF.ARPA>
        R: 250 OK
        S: RCPT TO:<fabry@BERKELEY.ARPA>
        R: 250 OK
        S: RCPT TO:<eric@BERKELEY.ARPA>
        R: 552 Recipient storage full, try again in another transaction
        S: DATA
        R: 354 Start mail input; end with <CRLF>.<CRLF>
        S: Blah blah blah...
        S: ...etc. etc. etc.
        S: .
        R: 250 OK
        S: MAIL FROM:<Postel@USC-ISIF.ARPA>
        R: 250 OK
        S: RCPT TO:<eric@BERKELEY.ARPA>
        R: 250 OK
        S: DATA
        R: 354 Start mail input; end with <CRLF>.<CRLF>
        S: Blah blah blah...
        S: ...etc. etc. etc.
        S: .
        R: 250 OK
        S: QUIT
        R: 221 BERKELEY.ARPA Service closing transmission channel
        """

    @Test("Scenario 10, too many recipients: 552, then our sender sends the rest in another transaction")
    func tooManyRecipients() {
        let dialogue = RFCDialogue(Self.scenario10, modern: false)
        let tiny = ReceiverPolicy(hostName: "BERKELEY.ARPA", users: ["fabry", "eric"], maxRecipients: 1)
        #expect(receiverReplies(to: dialogue, Self.receiver(tiny)).map(\.code) == dialogue.replies.map(\.code))

        let transaction = OutboundTransaction(
            id: 10, reversePath: path("<Postel@USC-ISIF.ARPA>"),
            recipients: [path("<fabry@BERKELEY.ARPA>"), path("<eric@BERKELEY.ARPA>")],
            content: content(["Blah blah blah...", "...etc. etc. etc."]))
        let (lines, report) = senderLines(
            against: dialogue, .make(dialect: .smtp821, clientName: "USC-ISIF.ARPA", transactions: [transaction]))
        #expect(lines == dialogue.clientLines)
        #expect(report?.transactions[0].recipients.allSatisfy { $0.status.isDelivered } == true)
    }
}

@Suite struct RFC2821ScenarioTests {
    static let ehlo = """
        S: 220 foo.com Simple Mail Transfer Service Ready
        C: EHLO bar.com
        S: 250-foo.com greets bar.com
        S: 250-8BITMIME
        S: 250-SIZE
        S: 250-DSN
        S: 250 HELP
        """

    @Test(
        "D.1 and D.2: a typical and an aborted transaction after EHLO",
        arguments: [DialectID.smtp2821, .smtp5321, .esmtp])
    func typical(dialect: DialectID) {
        let d1 = RFCDialogue(
            Self.ehlo + """

                C: MAIL FROM:<Smith@bar.com>
                S: 250 OK
                C: RCPT TO:<Jones@foo.com>
                S: 250 OK
                C: RCPT TO:<Green@foo.com>
                S: 550 No such user here
                C: RCPT TO:<Brown@foo.com>
                S: 250 OK
                C: DATA
                S: 354 Start mail input; end with <CRLF>.<CRLF>
                C: Blah blah blah...
                C: ...etc. etc. etc.
                C: .
                S: 250 OK
                C: QUIT
                S: 221 foo.com Service closing transmission channel
                """, modern: true)
        let policy = ReceiverPolicy(hostName: "foo.com", users: ["Jones", "Brown"])
        #expect(receiverReplies(to: d1, .make(dialect: dialect, policy: policy)).map(\.code) == d1.replies.map(\.code))

        // Our sender, meeting D.1's server (no PIPELINING offered), writes D.1's lines but for SIZE=.
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<Smith@bar.com>"),
            recipients: ["<Jones@foo.com>", "<Green@foo.com>", "<Brown@foo.com>"].map(path),
            content: content(["Blah blah blah...", "...etc. etc. etc."]))
        let (lines, _) = senderLines(
            against: d1,
            .make(
                dialect: dialect, clientName: "bar.com", transactions: [transaction],
                extensions: [.pipelining, .eightBitMIME]))
        #expect(lines == d1.clientLines)

        let d2 = RFCDialogue(
            Self.ehlo + """

                C: MAIL FROM:<Smith@bar.com>
                S: 250 OK
                C: RCPT TO:<Jones@foo.com>
                S: 250 OK
                C: RCPT TO:<Green@foo.com>
                S: 550 No such user here
                C: RSET
                S: 250 OK
                C: QUIT
                S: 221 foo.com Service closing transmission channel
                """, modern: true)
        #expect(receiverReplies(to: d2, .make(dialect: dialect, policy: policy)).map(\.code) == d2.replies.map(\.code))
    }

    @Test("D.3, relayed mail: the route is accepted and stripped (§4.1.1.3); the relay sends to XYZ.COM directly")
    func relayed() throws {
        let step1 = RFCDialogue(
            Self.ehlo + """

                C: MAIL FROM:<JQP@bar.com>
                S: 250 OK
                C: RCPT TO:<@foo.com:Jones@XYZ.COM>
                S: 250 OK
                C: DATA
                S: 354 Start mail input; end with <CRLF>.<CRLF>
                C: Date: Thu, 21 May 1998 05:33:29 -0700
                C: From: John Q. Public <JQP@bar.com>
                C: .
                S: 250 OK
                C: QUIT
                S: 221 foo.com Service closing transmission channel
                """, modern: true)
        var delivered: [ReceivedMessage] = []
        let relay = ReceiverPolicy(hostName: "foo.com", users: [], relaying: .domains([Domain("XYZ.COM")]))
        #expect(
            receiverReplies(to: step1, .make(dialect: .smtp2821, policy: relay)) {
                delivered.append($0); return .accepted
            }.map(\.code) == step1.replies.map(\.code))
        let recipient = try #require(delivered.first?.recipients.first)
        #expect(recipient.disposition == .relay(path("<Jones@XYZ.COM>")))
        // 2821 §4.1.1.3: names "MUST NOT be copied into the reverse-path"; D.3 itself still shows
        // MAIL FROM:<@foo.com:JQP@bar.com> in step 2 (an inconsistency 5321 removed).
        #expect(delivered.first?.reversePath == path("<JQP@bar.com>"))

        let step2 = RFCDialogue(
            """
            S: 220 xyz.com Simple Mail Transfer Service Ready
            C: EHLO foo.com
            S: 250 xyz.com is on the air
            C: MAIL FROM:<@foo.com:JQP@bar.com>
            S: 250 OK
            C: RCPT TO:<Jones@XYZ.COM>
            S: 250 OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: Received: from bar.com by foo.com ; Thu, 21 May 1998
            C:     05:33:29 -0700
            C: .
            S: 250 OK
            C: QUIT
            S: 221 foo.com Service closing transmission channel
            """, modern: true)
        let destination = ReceiverPolicy(hostName: "xyz.com", users: ["Jones"])
        #expect(
            receiverReplies(to: step2, .make(dialect: .smtp2821, policy: destination)).map(\.code)
                == step2.replies.map(\.code))
    }

    @Test("D.4, verifying and sending: VRFY and SEND, which 2821 still lets servers implement (App. F.6)")
    func verifyAndSend() {
        let d4 = RFCDialogue(
            """
            S: 220 foo.com Simple Mail Transfer Service Ready
            C: EHLO bar.com
            S: 250-foo.com greets bar.com
            S: 250-VRFY
            S: 250 HELP
            C: VRFY Crispin
            S: 250 Mark Crispin <Admin.MRC@foo.com>
            C: SEND FROM:<EAK@bar.com>
            S: 250 OK
            C: RCPT TO:<Admin.MRC@foo.com>
            S: 250 OK
            C: DATA
            S: 354 Start mail input; end with <CRLF>.<CRLF>
            C: Blah blah blah...
            C: .
            S: 250 OK
            C: QUIT
            S: 221 foo.com Service closing transmission channel
            """, modern: true)
        let policy = ReceiverPolicy(
            hostName: "foo.com", users: ["Admin.MRC"], activeUsers: ["Admin.MRC"],
            fullNames: ["Admin.MRC": "Mark Crispin"])
        let replies = receiverReplies(to: d4, .make(dialect: .smtp2821, policy: policy))
        #expect(replies.map(\.code) == d4.replies.map(\.code))
        #expect(replies[2] == Reply(.okay, "Mark Crispin <Admin.MRC@foo.com>"))
    }
}

@Suite struct ExtensionExampleTests {
    @Test("RFC 1869 §8 (3): a server without extensions answers EHLO with 500; our client falls back to HELO")
    func ehloFallback() {
        let dialogue = RFCDialogue(
            """
            S: 220 dbc.mtview.ca.us SMTP service ready
            C: EHLO ymir.claremont.edu
            S: 500 Command not recognized: EHLO
            C: HELO ymir.claremont.edu
            S: 250 dbc.mtview.ca.us
            C: QUIT
            S: 221 bye
            """, modern: true)
        let old = ReceiverPolicy(hostName: "dbc.mtview.ca.us")
        #expect(
            receiverReplies(to: dialogue, .make(dialect: .smtp821, policy: old)).map(\.code)
                == dialogue.replies.map(\.code))
        #expect(
            receiverReplies(to: dialogue, .make(dialect: .smtp788, policy: old)).map(\.code)
                == dialogue.replies.map(\.code))
        let sender = SMTPSender(
            configuration: .init(rules: .rfc1869, clientName: "ymir.claremont.edu"), transactions: [])
        let (lines, report) = senderLines(against: dialogue, .smtp(sender))
        #expect(lines == dialogue.clientLines)
        #expect(report?.fellBackToHELO == true)
        #expect(report?.usedEHLO == true)
    }

    @Test("RFC 1869 §8 (1) and (2): EHLO is answered 250, the keywords one per line")
    func ehloReply() {
        var receiver = SMTPReceiver(
            rules: .rfc1869, policy: ReceiverPolicy(hostName: "dbc.mtview.ca.us", extensions: [.eightBitMIME]))
        _ = receiver.connectionOpened(now: .zero)
        #expect(
            receiver.bytesReceived(Array("EHLO ymir.claremont.edu\r\n".utf8), now: .zero)
                == [.send([Reply(.okay, ["dbc.mtview.ca.us greets ymir.claremont.edu", "8BITMIME", "EXPN", "HELP"])])])
    }

    static let sizeExample = """
        S: 220 sigurd.innosoft.com -- Server SMTP (PMDF V4.2-6 #1992)
        C: EHLO ymir.claremont.edu
        S: 250-sigurd.innosoft.com
        S: 250-EXPN
        S: 250-HELP
        S: 250 SIZE 1000000
        C: MAIL FROM:<ned@thor.innosoft.com> SIZE=500000
        S: 250 Address Ok.
        C: RCPT TO:<ned@innosoft.com>
        S: 250 ned@innosoft.com OK; can accomodate 500000 byte message
        C: RCPT TO:<ned@ymir.claremont.edu>
        S: 552 Channel size limit exceeded: ned@YMIR.CLAREMONT.EDU
        C: RCPT TO:<ned@hmcvax.claremont.edu>
        S: 452 Insufficient channel storage: ned@hmcvax.CLAREMONT.EDU
        C: DATA
        S: 354 Send message, ending in CRLF.CRLF.
        C: .
        S: 250 Some recipients OK
        C: QUIT
        S: 221 Goodbye
        """

    @Test("RFC 1870 §8: SIZE=500000 declared; 552 to a recipient is permanent, 452 temporary (§6.4)")
    func sizeDeclaration() {
        let dialogue = RFCDialogue(Self.sizeExample, modern: true)
        // 500,000 octets including CR LF pairs (§5): 5,000 lines of 98 characters.
        let text = Array(repeating: [UInt8](repeating: UInt8(ascii: "x"), count: 98) + [0x0d, 0x0a], count: 5_000)
            .flatMap { $0 }
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<ned@thor.innosoft.com>"),
            recipients: ["<ned@innosoft.com>", "<ned@ymir.claremont.edu>", "<ned@hmcvax.claremont.edu>"].map(path),
            content: text)
        #expect(transaction.declaredSize == 500_000)
        let (lines, report) = senderLines(
            against: dialogue, .make(dialect: .esmtp, clientName: "ymir.claremont.edu", transactions: [transaction]))
        let withoutText = lines.filter { !$0.hasPrefix("xxx") }
        #expect(withoutText == dialogue.clientLines)
        let statuses = report?.transactions[0].recipients.map(\.status)
        #expect(statuses?[0].isDelivered == true)
        #expect(statuses?[1].isPermanentFailure == true)
        #expect(
            statuses?[2]
                == .temporaryFailure(
                    Reply(.insufficientStorage, "Insufficient channel storage: ned@hmcvax.CLAREMONT.EDU")))
    }

    @Test(
        "RFC 1870 §4: the SIZE keyword line gives the server's limit; 0, no number or anything odd gives none",
        arguments: [
            ("SIZE 1000000", 1_000_000), ("size 10", 10), ("SIZE  42 ", 42), ("SIZE", nil), ("SIZE 0", nil),
            ("SIZE -5", nil),
            ("SIZE 12 34", nil), ("SIZEX 10", nil), ("SIZE ten", nil), ("SIZE 99999999999999999999999", nil), ("", nil),
            ("SIZE +5", nil),  // size-value ::= 1*20DIGIT (RFC 1870 §4): no sign
        ] as [(String, Int?)])
    func sizeKeyword(line: String, limit: Int?) {
        #expect(SMTPSender.sizeLimit(line) == limit)
    }

    @Test("RFC 1870 §6: our server refuses a declared size over its limit with 552, and an actual one too")
    func sizeLimits() {
        var receiver = SMTPReceiver(rules: .rfc1869, policy: ReceiverPolicy(hostName: "s.org", maxMessageSize: 100))
        _ = receiver.connectionOpened(now: .zero)
        _ = receiver.bytesReceived(Array("EHLO c.org\r\n".utf8), now: .zero)
        #expect(
            receiver.bytesReceived(Array("MAIL FROM:<a@c.org> SIZE=101\r\n".utf8), now: .zero)
                == [.send([Reply(.exceededStorage, "Message size exceeds fixed maximum message size")])])
        let big =
            "MAIL FROM:<a@c.org> SIZE=10\r\nRCPT TO:<postmaster@s.org>\r\nDATA\r\n"
            + String(repeating: "0123456789\r\n", count: 10) + ".\r\n"
        let actions = receiver.bytesReceived(Array(big.utf8), now: .zero)
        #expect(actions.last == .send([Reply(.exceededStorage, "Message size exceeds fixed maximum message size")]))
        #expect(!actions.contains { if case .deliver = $0 { true } else { false } })
    }

    static let pipelined = """
        S: 220 innosoft.com SMTP service ready
        C: EHLO dbc.mtview.ca.us
        S: 250-innosoft.com
        S: 250 PIPELINING
        C: MAIL FROM:<mrose@dbc.mtview.ca.us>
        C: RCPT TO:<ned@innosoft.com>
        C: RCPT TO:<dan@innosoft.com>
        C: RCPT TO:<kvc@innosoft.com>
        C: DATA
        S: 250 sender <mrose@dbc.mtview.ca.us> OK
        S: 250 recipient <ned@innosoft.com> OK
        S: 250 recipient <dan@innosoft.com> OK
        S: 250 recipient <kvc@innosoft.com> OK
        S: 354 enter mail, end with line containing only "."
        C: .
        C: QUIT
        S: 250 message sent
        S: 221 goodbye
        """

    @Test("RFC 2920 §4: pipelining cuts the waits from 9 to 4, and our sender groups exactly as the RFC does")
    func pipelining() {
        let dialogue = RFCDialogue(Self.pipelined, modern: true)
        let recipients = ["<ned@innosoft.com>", "<dan@innosoft.com>", "<kvc@innosoft.com>"].map(path)
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<mrose@dbc.mtview.ca.us>"), recipients: recipients, content: [])
        let (lines, report) = senderLines(
            against: dialogue, .make(dialect: .esmtp, clientName: "dbc.mtview.ca.us", transactions: [transaction]))
        #expect(lines == dialogue.clientLines)
        #expect(report?.turnarounds == 4)
        #expect(report?.pipelined == true)

        // The same transaction with HELO and no pipelining: the RFC's count of 9.
        let plain = OutboundTransaction(
            id: 1, reversePath: path("<mrose@dbc.mtview.ca.us>"), recipients: recipients, content: [])
        let conversation = Conversation.run(
            sender: .make(dialect: .smtp821, clientName: "dbc.mtview.ca.us", transactions: [plain]),
            receiver: .make(dialect: .smtp821, policy: ReceiverPolicy(hostName: "innosoft.com")))
        #expect(conversation.report?.turnarounds == 9)
    }

    @Test("RFC 1869 §4.3: EHLO keywords are read in any case, and reported in capitals")
    func lowerCaseKeywords() {
        let text = Self.pipelined.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("S: 250 PIPELINING") ? "S: 250-Pipelining\nS: 250 x-Other 1" : String($0) }.joined(
                separator: "\n")
        let dialogue = RFCDialogue(text, modern: true)
        let recipients = ["<ned@innosoft.com>", "<dan@innosoft.com>", "<kvc@innosoft.com>"].map(path)
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<mrose@dbc.mtview.ca.us>"), recipients: recipients, content: [])
        let (lines, report) = senderLines(
            against: dialogue, .make(dialect: .esmtp, clientName: "dbc.mtview.ca.us", transactions: [transaction]))
        #expect(lines == dialogue.clientLines)
        #expect(report?.pipelined == true)
        #expect(report?.serverExtensions == ["PIPELINING", "X-OTHER"])
        #expect(
            report?.serverExtensionLines == ["Pipelining", "x-Other 1"], "the lines are kept as the server wrote them")
    }

    @Test(
        "RFC 2920 §3.2: our server sends the replies to a group as one write and answers DATA 554 with no valid recipients"
    )
    func pipeliningServer() {
        var receiver = SMTPReceiver(
            rules: .rfc2821, policy: ReceiverPolicy(hostName: "innosoft.com", users: ["ned", "dan", "kvc"]))
        _ = receiver.connectionOpened(now: .zero)
        _ = receiver.bytesReceived(Array("EHLO dbc.mtview.ca.us\r\n".utf8), now: .zero)
        let group =
            "MAIL FROM:<mrose@dbc.mtview.ca.us>\r\nRCPT TO:<ned@innosoft.com>\r\nRCPT TO:<dan@innosoft.com>\r\nRCPT TO:<kvc@innosoft.com>\r\nDATA\r\n"
        // Replies to MAIL and RCPT wait in the buffer; DATA's must not (§3.2 (5)), so all five go in one write.
        let actions = receiver.bytesReceived(Array(group.utf8), now: .zero)
        guard actions.count == 1, case .send(let batched) = actions[0] else {
            Issue.record("expected one write, got \(actions)")
            return
        }
        #expect(batched.map(\.code) == [ReplyCode.okay, .okay, .okay, .okay, .startMailInput])
        // Without PIPELINING offered, each reply is its own write.
        var plain = SMTPReceiver(rules: .rfc2821, policy: ReceiverPolicy(hostName: "innosoft.com", extensions: [.size]))
        _ = plain.connectionOpened(now: .zero)
        _ = plain.bytesReceived(Array("EHLO dbc.mtview.ca.us\r\n".utf8), now: .zero)
        #expect(plain.bytesReceived(Array(group.utf8), now: .zero).count == 5)

        let rejected = RFCDialogue(
            """
            S: 220 innosoft.com SMTP service ready
            C: EHLO dbc.mtview.ca.us
            S: 250-innosoft.com
            S: 250 PIPELINING
            C: MAIL FROM:<mrose@dbc.mtview.ca.us>
            C: RCPT TO:<nsb@thumper.bellcore.com>
            C: RCPT TO:<galvin@tis.com>
            C: DATA
            S: 250 sender <mrose@dbc.mtview.ca.us> OK
            S: 550 remote mail to <nsb@thumper.bellore.com> not allowed
            S: 550 remote mail to <galvin@tis.com> not allowed
            S: 554 no valid recipients given
            C: QUIT
            S: 221 goodbye
            """, modern: true)
        let notARelay = ReceiverPolicy(hostName: "innosoft.com", relaying: .refuse)
        #expect(
            receiverReplies(to: rejected, .make(dialect: .smtp2821, policy: notARelay)).map(\.code)
                == rejected.replies.map(\.code))
    }

    @Test("RFC 2920 §4, third example: DATA accepted with no valid recipient; our sender sends a lone dot")
    func loneDot() {
        let dialogue = RFCDialogue(
            """
            S: 220 innosoft.com SMTP service ready
            C: EHLO dbc.mtview.ca.us
            S: 250-innosoft.com
            S: 250 PIPELINING
            C: MAIL FROM:<mrose@dbc.mtview.ca.us>
            C: RCPT TO:<nsb@thumper.bellcore.com>
            C: RCPT TO:<galvin@tis.com>
            C: DATA
            S: 250 sender <mrose@dbc.mtview.ca.us> OK
            S: 550 remote mail to <nsb@thumper.bellore.com> not allowed
            S: 550 remote mail to <galvin@tis.com> not allowed
            S: 354 enter mail, end with line containing only "."
            C: .
            S: 554 no valid recipients
            C: QUIT
            S: 221 goodbye
            """, modern: true)
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<mrose@dbc.mtview.ca.us>"),
            recipients: [path("<nsb@thumper.bellcore.com>"), path("<galvin@tis.com>")],
            content: content(["the text that must not be sent"]))
        let (lines, report) = senderLines(
            against: dialogue, .make(dialect: .smtp2821, clientName: "dbc.mtview.ca.us", transactions: [transaction]))
        #expect(lines == dialogue.clientLines)
        #expect(report?.transactions[0].recipients.allSatisfy { $0.status.isPermanentFailure } == true)
    }

    @Test("RFC 1652 §4: 8-bit text goes with BODY=8BITMIME; the RFC's QUIT reply is 250, ours the correct 221")
    func eightBitMIME() {
        let dialogue = RFCDialogue(
            """
            S: 220 dbc.mtview.ca.us SMTP service ready
            C: EHLO ymir.claremont.edu
            S: 250-dbc.mtview.ca.us says hello
            S: 250 8BITMIME
            C: MAIL FROM:<ned@ymir.claremont.edu> BODY=8BITMIME
            S: 250 <ned@ymir.claremont.edu>... Sender and 8BITMIME ok
            C: RCPT TO:<mrose@dbc.mtview.ca.us>
            S: 250 <mrose@dbc.mtview.ca.us>... Recipient ok
            C: DATA
            S: 354 Send 8BITMIME message, ending in CRLF.CRLF.
            C: Caf\u{e9}
            C: .
            S: 250 OK
            C: QUIT
            S: 250 Goodbye
            """, modern: true)
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<ned@ymir.claremont.edu>"), recipients: [path("<mrose@dbc.mtview.ca.us>")],
            content: Array("Caf\u{e9}\r\n".utf8))
        let (lines, report) = senderLines(
            against: dialogue, .make(dialect: .esmtp, clientName: "ymir.claremont.edu", transactions: [transaction]))
        #expect(lines == dialogue.clientLines)
        #expect(report?.transactions[0].recipients[0].status.isDelivered == true)

        var delivered: [ReceivedMessage] = []
        let replies = receiverReplies(
            to: dialogue, .make(dialect: .esmtp, policy: ReceiverPolicy(hostName: "dbc.mtview.ca.us"))
        ) {
            delivered.append($0)
            return .accepted
        }
        #expect(replies.dropLast().map(\.code) == dialogue.replies.dropLast().map(\.code))
        #expect(replies.last?.code == .closing)
        #expect(delivered.first?.body == .eightBitMIME)
        #expect(delivered.first?.content == Array("Caf\u{e9}\r\n".utf8))  // all eight bits kept
    }

    @Test("8-bit text for a server without 8BITMIME is a permanent failure, never sent (RFC 1652 §3)")
    func eightBitRefused() {
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<a@b.org>"), recipients: [path("<c@d.org>")], content: [0xe9, 0x0d, 0x0a])
        let conversation = Conversation.run(
            sender: .make(dialect: .smtp2821, clientName: "b.org", transactions: [transaction]),
            receiver: .make(dialect: .smtp2821, policy: ReceiverPolicy(hostName: "d.org", extensions: [.pipelining])))
        #expect(conversation.delivered.isEmpty)
        #expect(conversation.report?.transactions[0].recipients[0].status.isPermanentFailure == true)
        #expect(!conversation.transcript.contains { $0.text.hasPrefix("MAIL") })
    }
}
