import MailCore

// RFC 2821 Simple Mail Transfer Protocol (April 2001), obsoleting 821, 974 and 1869; and
// RFC 5321 (October 2008), obsoleting 2821. §3.1 the 554 greeting, §3.3 503/554, §4.1.1.3 source
// routes "MUST BE accepted, SHOULD NOT be generated, and SHOULD be ignored", §4.1.4 a second EHLO
// resets, §4.3.2 reply codes, §4.5.3.1 limits (452 for too many recipients), §4.5.3.2 timeouts,
// §6.1 bounces, App. F deprecated features (TURN, #-literals, SEND/SOML/SAML).

extension SMTPRules {
    public static let rfc2821 = SMTPRules(
        dialect: .smtp2821,
        routeStyle: .colon,
        // §4.5.3.1: local-part 64, domain 255, path 256.
        pathLimits: PathLimits(path: 256, domain: 255, localPart: 64),
        commandLineLimit: 512, replyLineLimit: 512, textLineLimit: 1000,
        textPolicy: .modern,
        traceStyle: .received2821,
        hasEHLO: true,
        // §4.1.4: a later EHLO makes the server "clear all buffers and reset the state exactly as if a
        // RSET command had been issued".
        repeatedGreeting: .resets,
        // App. F.1: TURN SHOULD NOT be used without authentication: recognised, answered 502.
        hasTURN: true,
        hasReply252: true,
        stripsRoutes: true,
        acceptsBarePostmaster: true,
        // §4.5.3.1: "The correct reply code for this condition is 452."
        tooManyRecipients: .insufficientStorage,
        dataWithoutRecipients: .transactionFailed,
        // §4.3.2's lists omit 1869's 455 and 555; 501 is the syntax error any command may get.
        unknownParameter: .parameterSyntaxError,
        // §4.5.3.1: "Clients SHOULD treat a 552 code in this case as a temporary ... failure".
        retryInNextTransaction: [.insufficientStorage, .exceededStorage],
        replyCodes: classicCodes.union([ReplyCode(252)]),
        commands: [
            .helo, .ehlo, .mail, .rcpt, .data, .rset, .send, .soml, .saml, .vrfy, .expn, .help, .noop, .quit, .turn,
        ]
    )

    /// RFC 5321 is RFC 2821 with 455 and 555 restored to the reply lists (§4.3.2).
    public static let rfc5321: SMTPRules = {
        var rules = rfc2821
        rules.dialect = .smtp5321
        rules.unknownParameter = .parametersNotRecognized
        rules.replyCodes.formUnion([455, 555].map { ReplyCode($0) })
        return rules
    }()
}
