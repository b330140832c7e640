import MailCore

// RFC 788, Simple Mail Transfer Protocol, November 1981: the first SMTP.
// §3.1 mail (MAIL/RCPT/DATA), §3.4 SEND/SOML/SAML, §3.6 relaying, §4.1.2 syntax, §4.3 sequencing,
// §4.5.3 sizes, App. A port 25.

extension SMTPRules {
    public static let rfc788 = SMTPRules(
        dialect: .smtp788,
        // §4.1.2: <path> ::= "<" ["@" <host> "," ...] <mailbox> ">"; "@ONE,@TWO,JOE@THREE" (§3.6).
        routeStyle: .comma,
        // §4.5.3: user 64, host 40 ("the maximum total length of a host name"), path 256.
        pathLimits: PathLimits(path: 256, domain: 40, localPart: 64),
        commandLineLimit: 512, replyLineLimit: 512, textLineLimit: 1000,
        textPolicy: .historical,
        // §4.1.2 <time-stamp-line> ::= "Mail-From:" <SP> <stamp> <CRLF>.
        traceStyle: .mailFrom,
        hasEHLO: false,
        repeatedGreeting: .resets,
        hasTURN: false,
        hasReply252: false,
        stripsRoutes: false,
        acceptsBarePostmaster: false,
        // §4.5.3: "recipients buffer ... 100 recipients"; overflow is 552 as in 821.
        tooManyRecipients: .exceededStorage,
        // §4.3 lists only 500, 501, 421 as errors for RCPT and DATA, although §4.2.1 defines
        // "503 Bad sequence of commands"; we answer out-of-order commands with 503, as 821 made explicit.
        dataWithoutRecipients: .badSequence,
        unknownParameter: .parameterSyntaxError,
        retryInNextTransaction: [.exceededStorage],
        replyCodes: classicCodes,
        commands: [.helo, .mail, .rcpt, .data, .rset, .send, .soml, .saml, .vrfy, .expn, .help, .noop, .quit]
    )
}
