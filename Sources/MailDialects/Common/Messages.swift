import MailCore

/// How a message is to be delivered (RFC 821 §3.4; RFC 788 §3.4).
public enum DeliveryMode: String, Hashable, Sendable {
    /// MAIL: to the mailbox.
    case mail = "MAIL"
    /// SEND: to the user's terminal only.
    case send = "SEND"
    /// SOML: to the terminal if the user is active, otherwise to the mailbox.
    case sendOrMail = "SOML"
    /// SAML: to the terminal if the user is active, and to the mailbox.
    case sendAndMail = "SAML"
}

/// The body type declared with RFC 1652's `BODY=` parameter.
public enum BodyType: String, Hashable, Sendable {
    case sevenBit = "7BIT"
    case eightBitMIME = "8BITMIME"
}

/// One message for a sender engine to transfer: an envelope and the message text (CR LF lines,
/// not dot-stuffed; the engine stuffs it on the wire).
public struct OutboundTransaction: Hashable, Sendable {
    /// An identifier of the caller's choosing, handed back in the outcome.
    public var id: UInt64
    public var reversePath: Path
    public var recipients: [Path]
    public var content: [UInt8] {
        didSet { hasEightBitText = Self.scanForEightBit(content) }
    }
    public var mode: DeliveryMode
    /// Whether any byte of the text has its high bit set (so 8BITMIME is needed); found once.
    public private(set) var hasEightBitText: Bool

    public init(id: UInt64, reversePath: Path, recipients: [Path], content: [UInt8], mode: DeliveryMode = .mail) {
        precondition(!recipients.isEmpty, "a transaction needs at least one recipient")
        self.id = id
        self.reversePath = reversePath
        self.recipients = recipients
        self.content = content
        self.mode = mode
        hasEightBitText = Self.scanForEightBit(content)
    }

    static func scanForEightBit(_ content: [UInt8]) -> Bool {
        content.withUnsafeBufferPointer { bytes in
            var any: UInt8 = 0
            for byte in bytes { any |= byte }
            return any & 0x80 != 0
        }
    }
}

/// Why a session broke off without a reply that settles a recipient: failures the client saw
/// itself, kept apart from anything the server said (a server's 4yz is `temporaryFailure`).
public enum LocalFailure: Hashable, Sendable, CustomStringConvertible {
    /// No reply within the time-out (RFC 2821 §4.5.3.2).
    case timedOut
    /// The connection closed or broke before the reply.
    case connectionLost
    /// A line that is not a reply (its first 40 characters).
    case malformedReply(String)
    /// A reply line longer than the client reads.
    case overlongReply
    /// A reply when no command was waiting for one.
    case unexpectedReply(ReplyCode)
    /// The session ended (by an earlier failure or refusal) before this recipient was tried.
    case notTried

    public var description: String {
        switch self {
        case .timedOut: "timed out waiting for a reply"
        case .connectionLost: "the connection was lost"
        case .malformedReply(let text): "a malformed reply: \(text)"
        case .overlongReply: "a reply line too long"
        case .unexpectedReply(let code): "a reply to no command: \(code)"
        case .notTried: "the session ended before this recipient was tried"
        }
    }
}

/// What became of one recipient of an outbound transaction.
public enum RecipientStatus: Hashable, Sendable {
    /// The receiver took responsibility (250 after the final dot; in MTP, 250 to MAIL or MRCP).
    case delivered(Reply)
    /// A 4yz reply: try again later.
    case temporaryFailure(Reply)
    /// A 5yz reply: return the mail to its sender.
    case permanentFailure(Reply)
    /// No reply settled it: the connection was lost or timed out, what came back was not a reply
    /// to the command, or the session ended before this recipient was tried. The server said
    /// nothing about the recipient, so no reply is quoted for it; the client tries again later,
    /// as for a 4yz ("treat as a temporary failure", RFC 2821 §4.5.3.2 for time-outs).
    case interrupted(LocalFailure)

    /// The server's reply that settled the recipient; nil when none did (`interrupted`).
    public var reply: Reply? {
        switch self {
        case .delivered(let reply), .temporaryFailure(let reply), .permanentFailure(let reply): reply
        case .interrupted: nil
        }
    }

    /// The reply as the RFCs write it (`451 Requested action aborted`), or what broke off.
    public var summary: String {
        switch self {
        case .delivered(let reply), .temporaryFailure(let reply), .permanentFailure(let reply):
            "\(reply.code) \(reply.text)"
        case .interrupted(let why): "no reply: \(why)"
        }
    }

    public var isDelivered: Bool { if case .delivered = self { true } else { false } }
    public var isPermanentFailure: Bool { if case .permanentFailure = self { true } else { false } }
}

public struct RecipientOutcome: Hashable, Sendable {
    public var recipient: Path
    public var status: RecipientStatus
    public init(recipient: Path, status: RecipientStatus) {
        self.recipient = recipient
        self.status = status
    }
}

/// The outcome of one outbound transaction: a status for every recipient, in order.
public struct TransactionOutcome: Hashable, Sendable {
    public var id: UInt64
    public var recipients: [RecipientOutcome]
    public init(id: UInt64, recipients: [RecipientOutcome]) {
        self.id = id
        self.recipients = recipients
    }
}

/// What a sender engine reports when its session ends.
public struct SessionReport: Hashable, Sendable {
    public var transactions: [TransactionOutcome]
    /// How many times the sender waited for the server: the "turnarounds" RFC 2920 §4 counts.
    public var turnarounds: Int
    /// The greeting's first reply, if one came (with its text when it was not 220: a positive
    /// greeting is acted on by its code, and its text is not read).
    public var greeting: Reply?
    /// Whether the session began with EHLO, and whether it then fell back to HELO.
    public var usedEHLO: Bool
    public var fellBackToHELO: Bool
    /// Whether commands were pipelined (RFC 2920).
    public var pipelined: Bool
    /// The lines of the server's EHLO reply after its first, as the server wrote them
    /// (`SIZE 10485760`) without their codes, each ended by a line feed: kept as bytes, and made
    /// into lines and keywords only when asked for (`serverExtensionLines`, `serverExtensions`).
    public var serverExtensionBytes: [UInt8]
    /// The session failed before any transaction could start (greeting or HELO refused,
    /// connection lost): the caller may try another mail exchanger.
    public var failedBeforeTransactions: Bool
    /// In RFC 821 TURN, the server accepted the role swap.
    public var turned: Bool

    public init(
        transactions: [TransactionOutcome], turnarounds: Int, greeting: Reply?, usedEHLO: Bool, fellBackToHELO: Bool,
        pipelined: Bool, serverExtensionLines: [String], failedBeforeTransactions: Bool, turned: Bool
    ) {
        self.transactions = transactions
        self.turnarounds = turnarounds
        self.greeting = greeting
        self.usedEHLO = usedEHLO
        self.fellBackToHELO = fellBackToHELO
        self.pipelined = pipelined
        serverExtensionBytes = []
        for line in serverExtensionLines {
            serverExtensionBytes.append(utf8: line)
            serverExtensionBytes.append(0x0a)
        }
        self.failedBeforeTransactions = failedBeforeTransactions
        self.turned = turned
    }

    /// The lines of the server's EHLO reply after its first, as the server wrote them.
    public var serverExtensionLines: [String] {
        serverExtensionBytes.split(separator: 0x0a, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// Extension keywords the server announced, in upper case (RFC 1869 §4.3: keywords are not
    /// case-sensitive): the first word of each extension line.
    public var serverExtensions: [String] {
        serverExtensionLines.map { String($0.prefix { $0 != " " }).uppercased() }
    }
}

/// How a receiver treats one recipient it accepted.
public enum RecipientDisposition: Hashable, Sendable {
    /// Deliver to this local mailbox.
    case local(Mailbox)
    /// Relay onward with this forward-path (the route element naming this host already removed).
    case relay(Path)
    /// The user has moved; the receiver forwards to this mailbox (251, or MTP's 151).
    case forward(Mailbox)
    /// Unknown user accepted for the operator to forward by hand (MTP's 152).
    case operatorForward
}

public struct AcceptedRecipient: Hashable, Sendable {
    /// The forward-path exactly as the sender gave it.
    public var path: Path
    public var disposition: RecipientDisposition
    public init(path: Path, disposition: RecipientDisposition) {
        self.path = path
        self.disposition = disposition
    }
}

/// A message a receiver has taken in and asks its host to accept.
public struct ReceivedMessage: Hashable, Sendable {
    public var dialect: DialectID
    public var reversePath: Path
    public var recipients: [AcceptedRecipient]
    /// The text as received: CR LF lines, dot-stuffing undone, trace fields not yet added.
    public var content: [UInt8]
    public var mode: DeliveryMode
    /// The name the client gave with HELO or EHLO (MTP has no HELO: empty).
    public var clientName: String
    /// Whether the client used EHLO (trace lines then say "with ESMTP", RFC 1869 §7).
    public var extended: Bool
    public var body: BodyType
    public var declaredSize: Int?

    public init(
        dialect: DialectID, reversePath: Path, recipients: [AcceptedRecipient], content: [UInt8], mode: DeliveryMode,
        clientName: String, extended: Bool, body: BodyType, declaredSize: Int?
    ) {
        self.dialect = dialect
        self.reversePath = reversePath
        self.recipients = recipients
        self.content = content
        self.mode = mode
        self.clientName = clientName
        self.extended = extended
        self.body = body
        self.declaredSize = declaredSize
    }
}

/// What the host decided about a received message.
public enum DeliveryDecision: Hashable, Sendable {
    /// Safely stored: the receiver answers 250 and the host is responsible for the mail.
    case accepted
    /// Refused: the receiver sends this reply instead.
    case rejected(Reply)
}
