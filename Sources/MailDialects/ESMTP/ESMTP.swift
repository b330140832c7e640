import MailCore

// RFC 1869 SMTP Service Extensions (November 1995, after 1425 and 1651) with
// RFC 1870 SIZE, RFC 1854 PIPELINING (October 1995; restated as RFC 2920 in 2000) and RFC 1652 8BITMIME, on top of RFC 821 as
// amended by RFC 1123 §5. §4 EHLO, §4.2 the 503 after a second EHLO, §4.5-4.7 fallback to HELO,
// §6 MAIL/RCPT parameters and 555/455, §7 "with ESMTP" in Received:.

extension SMTPRules {
    public static let rfc1869 = SMTPRules(
        dialect: .esmtp,
        routeStyle: .colon,
        pathLimits: PathLimits(path: 256, domain: 64, localPart: 64),
        commandLineLimit: 512, replyLineLimit: 512, textLineLimit: 1000,
        textPolicy: .modern,
        traceStyle: .received2821,
        hasEHLO: true,
        // §4.2: "a subsequent HELO or EHLO command will result in the server SMTP replying with code 503".
        repeatedGreeting: .badSequenceAfterEHLO,
        hasTURN: true,
        // RFC 1123 §5.2.3 adds 252.
        hasReply252: true,
        stripsRoutes: false,
        acceptsBarePostmaster: false,
        // Not RFC 821's 552: RFC 1870 §6.4 makes a 552 to RCPT mean "do not requeue this
        // recipient", so a server offering SIZE says "too many recipients" with 452,
        // insufficient system storage (RFC 821 §4.2.2), which §6.4 (1) lets the client
        // requeue "for later delivery" — a later session, as its §8 example does (RFC 2821
        // §4.5.3.1 later made 452 the rule, and had clients retry in the same session).
        tooManyRecipients: .insufficientStorage,
        // RFC 1854 §2.2 (2) and its §3 example: "554 no valid recipients given" (RFC 2920 §3.2 the same).
        dataWithoutRecipients: .transactionFailed,
        // §6.1: "it will return code 555".
        unknownParameter: .parametersNotRecognized,
        // 821's Scenario 10 for a 552 from a server without SIZE; RFC 1870 §6.4's 552 to RCPT
        // after SIZE= is permanent (the sender engine checks that case), and its 452 is
        // requeued for a later session (its §8 example).
        retryInNextTransaction: [.exceededStorage],
        replyCodes: classicCodes.union([252, 455, 555].map { ReplyCode($0) }),
        commands: [
            .helo, .ehlo, .mail, .rcpt, .data, .rset, .send, .soml, .saml, .vrfy, .expn, .help, .noop, .quit, .turn,
        ]
    )
}
