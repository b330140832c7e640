/// A three-digit reply code. An open set: RFCs add codes, and clients must act on the first
/// digit of a code they do not know (RFC 2821 §4.2). The constants name the codes of RFC 780
/// §5.2, RFC 821 §4.2, RFC 1123 §5.2.3, RFC 1869 §6 and RFC 2821 §4.2.
public struct ReplyCode: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }

    public static func < (lhs: ReplyCode, rhs: ReplyCode) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }

    /// 1yz: positive preliminary. Used only by MTP (RFC 780 §5.2); "not used in SMTP" (RFC 821 §4.3).
    public var isPreliminary: Bool { rawValue / 100 == 1 }
    /// 2yz: positive completion.
    public var isPositiveCompletion: Bool { rawValue / 100 == 2 }
    /// 3yz: positive intermediate (354).
    public var isIntermediate: Bool { rawValue / 100 == 3 }
    /// 4yz: transient negative: the same command may succeed later.
    public var isTransientFailure: Bool { rawValue / 100 == 4 }
    /// 5yz: permanent negative.
    public var isPermanentFailure: Bool { rawValue / 100 == 5 }

    /// FTP 119 `Terminal not available, will try mailbox.` (RFC 765, MSOM and MSAM).
    public static let terminalNotAvailable = ReplyCode(119)
    /// MTP 120 `<host> Service ready in nnn minutes` (RFC 780 §5.2.1).
    public static let serviceReadyIn = ReplyCode(120)
    /// MTP 151 `User not local; will forward to <user>@<host>` (RFC 780 §3.1).
    public static let willForwardPreliminary = ReplyCode(151)
    /// MTP 152 `User unknown; mail will be forwarded by the operator` (RFC 780 §3.1).
    public static let operatorWillForward = ReplyCode(152)
    /// MTP 200 `Command okay`: MTP's OK (RFC 780 §5.2.1).
    public static let commandOkay = ReplyCode(200)
    /// MTP 201 `Command okay, action aborted` (RFC 780 §5.2.1).
    public static let commandOkayAborted = ReplyCode(201)
    /// 211 System status, or system help reply.
    public static let systemStatus = ReplyCode(211)
    /// 214 Help message.
    public static let helpMessage = ReplyCode(214)
    /// MTP 215 `<scheme> is the preferred scheme` (RFC 780 §4.1).
    public static let preferredScheme = ReplyCode(215)
    /// 220 `<host> Service ready`.
    public static let serviceReady = ReplyCode(220)
    /// 221 `<host> Service closing transmission channel`.
    public static let closing = ReplyCode(221)
    /// 250 Requested mail action okay, completed.
    public static let okay = ReplyCode(250)
    /// 251 `User not local; will forward to <forward-path>` (RFC 821 §3.2).
    public static let userNotLocalWillForward = ReplyCode(251)
    /// 252 Cannot VRFY user, but will accept message and attempt delivery (RFC 1123 §5.2.3).
    public static let cannotVerify = ReplyCode(252)
    /// 354 Start mail input; end with <CRLF>.<CRLF>.
    public static let startMailInput = ReplyCode(354)
    /// 421 `<host> Service not available, closing transmission channel`.
    public static let serviceNotAvailable = ReplyCode(421)
    /// 450 Requested mail action not taken: mailbox unavailable (busy).
    public static let mailboxBusy = ReplyCode(450)
    /// 451 Requested action aborted: local error in processing.
    public static let localError = ReplyCode(451)
    /// 452 Requested action not taken: insufficient system storage; in RFC 2821 also "too many recipients".
    public static let insufficientStorage = ReplyCode(452)
    /// 455 Server unable to accommodate parameters (RFC 1869 §6.1).
    public static let parametersTemporarilyUnavailable = ReplyCode(455)
    /// 500 Syntax error, command unrecognized (including "command line too long").
    public static let syntaxError = ReplyCode(500)
    /// 501 Syntax error in parameters or arguments.
    public static let parameterSyntaxError = ReplyCode(501)
    /// 502 Command not implemented.
    public static let notImplemented = ReplyCode(502)
    /// 503 Bad sequence of commands.
    public static let badSequence = ReplyCode(503)
    /// 504 Command parameter not implemented.
    public static let parameterNotImplemented = ReplyCode(504)
    /// 550 Requested action not taken: mailbox unavailable.
    public static let mailboxUnavailable = ReplyCode(550)
    /// 551 `User not local; please try <forward-path>` (RFC 821 §3.2).
    public static let userNotLocal = ReplyCode(551)
    /// 552 Requested mail action aborted: exceeded storage allocation; in RFC 821 also "too many recipients".
    public static let exceededStorage = ReplyCode(552)
    /// 553 Requested action not taken: mailbox name not allowed.
    public static let mailboxNameNotAllowed = ReplyCode(553)
    /// 554 Transaction failed (in RFC 2821 also a greeting meaning "No SMTP service here").
    public static let transactionFailed = ReplyCode(554)
    /// 555 MAIL FROM/RCPT TO parameters not recognized or not implemented (RFC 1869 §6.1).
    public static let parametersNotRecognized = ReplyCode(555)
}
