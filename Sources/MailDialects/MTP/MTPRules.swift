import MailCore

/// The rules that tell the three pre-SMTP dialects apart. One pair of engines (`MTPSender`,
/// `MTPReceiver`) speaks all three; these values are where they differ, each from its RFC.
///
/// - RFC 765 (June 1980), FTP's "Appendix on mail": `MAIL <ident>` on an FTP control connection;
///   the recipient is a user of the server and the sender is not named at all.
/// - RFC 772 (September 1980), the MTP draft: `MAIL FROM:<sender> TO:<path>`, the sender a plain
///   mailbox, no CONT or ABRT; a preliminary 151/152 is simply followed by the next reply.
/// - RFC 780 (May 1981), MTP: sender-paths with routes, CONT/ABRT, 504 for an unknown scheme.
public struct MTPRules: Hashable, Sendable {
    /// How a command names the people in a message.
    public enum Addressing: Hashable, Sendable {
        /// RFC 765: `MAIL [<SP> <ident>]`, `MRCP <SP> <ident>`: a user name at the server, no sender.
        case ident
        /// RFC 772: `MAIL <SP> FROM:<sender> [<SP> TO:<path>]` with `<sender> ::= "<" <mailbox> ">"`.
        case mailboxSender
        /// RFC 780 §5.1.2: sender-path and receiver-path, both may carry a source route.
        case paths
    }

    public var dialect: DialectID
    public var addressing: Addressing
    /// CONT and ABRT exist (RFC 780 §3.1, §5.3). Without them (RFC 765, 772) the receiver follows
    /// a preliminary 120, 151 or 152 with the next reply by itself ("a 220 reply when ready",
    /// RFC 772 p. 23; 151/152 then 354 in both sequencing tables).
    public var hasContinuation: Bool
    /// The answer to MRSQ with a scheme the receiver cannot use: "501 I understand MRSQ but can't
    /// use that scheme" (RFC 765, RFC 772), changed to 504 by RFC 780 §4.1.
    public var schemeRefusal: ReplyCode
    /// The answer to MRCP naming an unknown user: "553 Recipient name rejected" (RFC 765, RFC 772;
    /// RFC 765's Example 2 gives 553 under scheme T too), "550" in RFC 780 §4.3 and its Example 3.
    public var recipientRejected: ReplyCode
    /// RFC 765's MSND, MSOM and MSAM (to the terminal, terminal or mailbox, terminal and mailbox).
    public var terminalCommands: Bool
    public var pathLimits: PathLimits
    /// Longest command line and text line, CR LF included.
    public var commandLine: Int
    public var textLine: Int
    /// Longest reply line ("the maximum line length is 65", RFC 772 p. 10; RFC 780 §5.5.3), or nil.
    public var replyLine: Int?
    /// The codes the dialect's reply list defines.
    public var replyCodes: Set<ReplyCode>
    /// The protocol's name in greetings and HELP.
    public var protocolName: String

    /// RFC 765. The RFC sets no line lengths; Mailpath takes RFC 821's 512 for command lines and
    /// 1000 for text lines.
    public static let rfc765 = MTPRules(
        dialect: .ftp765, addressing: .ident, hasContinuation: false, schemeRefusal: .parameterSyntaxError,
        recipientRejected: .mailboxNameNotAllowed,
        terminalCommands: true,
        pathLimits: PathLimits(path: 256, domain: 64, localPart: 64), commandLine: 512, textLine: 1000, replyLine: nil,
        replyCodes: codes([
            119, 120, 151, 152, 200, 211, 214, 215, 220, 221, 250, 354, 421, 450, 451, 452, 500, 501, 502, 503, 504,
            550, 552, 553,
        ]),
        protocolName: "FTP")

    /// RFC 772. It gives only the reply line (65); the other sizes are RFC 780 §5.5.3's.
    public static let rfc772 = MTPRules(
        dialect: .mtp772, addressing: .mailboxSender, hasContinuation: false, schemeRefusal: .parameterSyntaxError,
        recipientRejected: .mailboxNameNotAllowed, terminalCommands: false,
        pathLimits: MTPLimits.path, commandLine: MTPLimits.commandLine, textLine: MTPLimits.textLine,
        replyLine: MTPLimits.replyLine,
        replyCodes: codes([
            120, 151, 152, 200, 211, 214, 215, 220, 221, 250, 354, 421, 450, 451, 452, 500, 501, 502, 503, 550, 552,
            553,
        ]),
        protocolName: "MTP")

    /// RFC 780 (§5.5.3 sizes, §5.2.2 codes).
    public static let rfc780 = MTPRules(
        dialect: .mtp780, addressing: .paths, hasContinuation: true, schemeRefusal: .parameterNotImplemented,
        recipientRejected: .mailboxUnavailable,
        terminalCommands: false,
        pathLimits: MTPLimits.path, commandLine: MTPLimits.commandLine, textLine: MTPLimits.textLine,
        replyLine: MTPLimits.replyLine,
        replyCodes: MTPLimits.replyCodes, protocolName: "MTP")

    /// The greeting's text: RFC 765's reply list has "220 Service ready for new user", with no host
    /// name; RFC 772 and RFC 780 (§5.2.2) put "<host>" first.
    public func greeting(host: String) -> String {
        dialect == .ftp765 ? "Service ready for new user" : "\(host) Service ready for new user"
    }

    /// The 354's text: "Start mail input; end with <CR><LF>.<CR><LF>" in RFC 765's and RFC 772's
    /// reply lists, "<CRLF>.<CRLF>" in RFC 780's (§5.2.2).
    public var startMailInputText: String {
        dialect == .mtp780 ? "Start mail input; end with <CRLF>.<CRLF>" : "Start mail input; end with <CR><LF>.<CR><LF>"
    }

    /// What the 221 reply says it closes: "Service closing TELNET connection" (RFC 765), "control
    /// connection" (RFC 772), "transmission channel" (RFC 780 §5.2.2).
    public var channelName: String {
        switch addressing {
        case .ident: "TELNET connection"
        case .mailboxSender: "control connection"
        case .paths: "transmission channel"
        }
    }

    /// The rules of a pre-SMTP dialect.
    public static func forDialect(_ dialect: DialectID) -> MTPRules {
        switch dialect {
        case .ftp765: .rfc765
        case .mtp772: .rfc772
        case .mtp780: .rfc780
        case .smtp788, .smtp821, .smtp1123, .esmtp, .smtp2821, .smtp5321:
            preconditionFailure("\(dialect) is an SMTP dialect")
        }
    }

    private static func codes(_ values: [Int]) -> Set<ReplyCode> { Set(values.map { ReplyCode($0) }) }
}
