import MailCore

/// Everything that differs between the SMTP dialects, as data. One sender engine and one receiver
/// engine read these rules, so RFC 788, 821, 1869 and 2821 behaviour lives in one place per
/// dialect (`SMTPRules.rfc788` and its siblings, each in its dialect's folder) instead of in five
/// near-copies of the same state machine.
public struct SMTPRules: Hashable, Sendable {
    public var dialect: DialectID
    /// Comma-form (RFC 788) or colon-form (RFC 821 onwards) source routes.
    public var routeStyle: RouteStyle
    public var pathLimits: PathLimits
    /// Longest command line with its CR LF, before any extension parameters (RFC 821 §4.5.3).
    public var commandLineLimit: Int
    /// Longest reply line with its CR LF.
    public var replyLineLimit: Int
    /// Longest line of message text with its CR LF.
    public var textLineLimit: Int
    public var textPolicy: TextPolicy
    public var traceStyle: TraceStyle
    /// Whether the dialect has EHLO (RFC 1869). Without it, EHLO is "500 Command not recognized".
    public var hasEHLO: Bool
    /// What a second HELO/EHLO does.
    public var repeatedGreeting: RepeatedGreeting
    /// Whether TURN exists (RFC 821 §3.8; RFC 788 has no TURN).
    public var hasTURN: Bool
    /// Whether VRFY may answer 252 "Cannot VRFY user" (RFC 1123 §5.2.3).
    public var hasReply252: Bool
    /// RFC 2821 §4.1.1.3: source routes are accepted but stripped.
    public var stripsRoutes: Bool
    /// RFC 2821 §4.1.1.3: `RCPT TO:<Postmaster>` without a domain.
    public var acceptsBarePostmaster: Bool
    /// Reply to one RCPT too many: 552 in RFC 821 §4.5.3, 452 in RFC 2821 §4.5.3.1.
    public var tooManyRecipients: ReplyCode
    /// Reply to DATA with no valid recipient: 503 (RFC 821 §4.1.1), or 554 (RFC 2821 §3.3, 2920 §4).
    public var dataWithoutRecipients: ReplyCode
    /// Reply to an unknown MAIL/RCPT parameter: 555 (RFC 1869 §6.1); RFC 2821's lists omit 455
    /// and 555, so there it is 501 (Syntax error in parameters).
    public var unknownParameter: ReplyCode
    /// RCPT replies after which a sender puts the recipient into another transaction of the same
    /// session: 821's Scenario 10 (552 "try again in another transaction"), 2821 §4.5.3.1 (452,
    /// and 552 read as temporary).
    public var retryInNextTransaction: Set<ReplyCode>
    /// The reply codes this dialect defines; a receiver uses no others.
    public var replyCodes: Set<ReplyCode>
    /// The commands the dialect's receiver knows, in the RFC's order.
    public var commands: [SMTPVerb]

    /// Whether `verb` exists in this dialect.
    public func knows(_ verb: SMTPVerb) -> Bool { commands.contains(verb) }
}

/// What a second HELO or EHLO does.
public enum RepeatedGreeting: Hashable, Sendable {
    /// Resets the session, as RFC 821 §4.1.1 ("confirm that both ... are in the initial state")
    /// and RFC 2821 §4.1.4 ("exactly as if a RSET command had been issued").
    case resets
    /// After a successful EHLO, "a subsequent HELO or EHLO command will result in the server SMTP
    /// replying with code 503" (RFC 1869 §4.2).
    case badSequenceAfterEHLO
}

/// The SMTP command words (RFC 821 §4.1.1, RFC 1869 §4.1).
public enum SMTPVerb: String, CaseIterable, Hashable, Sendable {
    case helo = "HELO", ehlo = "EHLO", mail = "MAIL", rcpt = "RCPT", data = "DATA", rset = "RSET"
    case send = "SEND", soml = "SOML", saml = "SAML", vrfy = "VRFY", expn = "EXPN", help = "HELP"
    case noop = "NOOP", quit = "QUIT", turn = "TURN"

    /// May appear before the end of a pipelined group (RFC 2920 §3.1).
    public var mayBeInsidePipelinedGroup: Bool {
        switch self {
        case .rset, .mail, .send, .soml, .saml, .rcpt: true
        case .helo, .ehlo, .data, .vrfy, .expn, .help, .noop, .quit, .turn: false
        }
    }
}

extension SMTPRules {
    /// The rules for a dialect.
    public static func forDialect(_ dialect: DialectID) -> SMTPRules {
        switch dialect {
        case .smtp788: .rfc788
        case .smtp821: .rfc821
        case .smtp1123: .rfc1123
        case .esmtp: .rfc1869
        case .smtp2821: .rfc2821
        case .smtp5321: .rfc5321
        case .ftp765, .mtp772, .mtp780: preconditionFailure("\(dialect) is not an SMTP dialect")
        }
    }

    /// Codes of RFC 821 §4.2.2 (and RFC 788 §4.2.2, which lists the same).
    static let classicCodes: Set<ReplyCode> = Set(
        [211, 214, 220, 221, 250, 251, 354, 421, 450, 451, 452, 500, 501, 502, 503, 504, 550, 551, 552, 553, 554]
            .map { ReplyCode($0) })
}
