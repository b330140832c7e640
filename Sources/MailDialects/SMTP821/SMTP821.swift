import MailCore

// RFC 821, Simple Mail Transfer Protocol, August 1982 (STD 10).
// §3.6 relaying, §3.8 TURN, §4.1.1 command semantics and the 503 rules, §4.1.2 syntax,
// §4.2 replies, §4.3 sequencing, §4.5.3 sizes, App. F scenarios.

extension SMTPRules {
    public static let rfc821 = SMTPRules(
        dialect: .smtp821,
        // §4.1.2: <path> ::= "<" [ <a-d-l> ":" ] <mailbox> ">".
        routeStyle: .colon,
        // §4.5.3: user 64, domain 64, path 256.
        pathLimits: PathLimits(path: 256, domain: 64, localPart: 64),
        commandLineLimit: 512, replyLineLimit: 512, textLineLimit: 1000,
        textPolicy: .historical,
        // §4.1.2: <time-stamp-line> ::= "Received:" <SP> <stamp> <CRLF>.
        traceStyle: .received821,
        hasEHLO: false,
        // §4.1.1 HELO: "confirm that both the sender-SMTP and the receiver-SMTP are in the initial state".
        repeatedGreeting: .resets,
        hasTURN: true,
        hasReply252: false,
        stripsRoutes: false,
        acceptsBarePostmaster: false,
        // §4.5.3 example: "552 Too many recipients."; App. F Scenario 10.
        tooManyRecipients: .exceededStorage,
        // §4.1.1: "If the commands in a transaction are out of order a 503 failure reply must be returned".
        dataWithoutRecipients: .badSequence,
        unknownParameter: .parameterSyntaxError,
        // App. F Scenario 10: "552 Recipient storage full, try again in another transaction".
        retryInNextTransaction: [.exceededStorage],
        replyCodes: classicCodes,
        commands: [.helo, .mail, .rcpt, .data, .rset, .send, .soml, .saml, .vrfy, .expn, .help, .noop, .quit, .turn]
    )
}
