import MailCore
import MailDialects
import MailpathBase

/// A message handed to an agent by a local user (or the workload).
public struct Submission: Hashable, Sendable {
    public var reversePath: Path
    public var recipients: [Path]
    /// RFC 822 text with CR LF lines; it should carry a Message-ID header for tracking.
    public var content: [UInt8]

    public init(reversePath: Path, recipients: [Path], content: [UInt8]) {
        self.reversePath = reversePath
        self.recipients = recipients
        self.content = content
    }
}

/// What a name lookup found, in terms the agent needs (the driver translates its resolver's answers).
public enum NameAnswer: Hashable, Sendable {
    case addresses([String])
    /// MX records, with the addresses of exchanges that came as additional records.
    case exchangers([Exchanger])
    /// The name exists but has no record of the type asked for.
    case noRecords
    /// The name does not exist.
    case noSuchDomain
    /// No answer: try again later.
    case temporaryFailure
    /// DNS does not exist in this era.
    case unavailable
}

public struct Exchanger: Hashable, Sendable {
    public var preference: Int
    public var name: String
    /// Known addresses (from the answer's additional section); empty means "look them up".
    public var addresses: [String]
    public init(preference: Int, name: String, addresses: [String] = []) {
        self.preference = preference
        self.name = name
        self.addresses = addresses
    }
}

public enum LookupType: Hashable, Sendable {
    case address
    case mailExchanger
}

/// A delivery attempt the agent wants the driver to carry out: connect to `address`, run a sender
/// engine of `dialect` with this transaction, and report with `sessionFinished` or `connectionFailed`.
///
/// One transaction a session: the agent tries each queued message's recipients of one
/// destination on their own connection (so a request carries no list, which would be an
/// allocation a session).
public struct SessionRequest: Hashable, Sendable {
    public init(
        id: UInt64, hostName: String, address: String, dialect: DialectID, clientName: String, extensions: ExtensionSet,
        timeouts: SenderTimeouts, transaction: OutboundTransaction, messageID: String
    ) {
        self.id = id
        self.hostName = hostName
        self.address = address
        self.dialect = dialect
        self.clientName = clientName
        self.extensions = extensions
        self.timeouts = timeouts
        self.transaction = transaction
        self.messageID = messageID
    }

    public var id: UInt64
    public var hostName: String
    public var address: String
    public var dialect: DialectID
    public var clientName: String
    public var extensions: ExtensionSet
    public var timeouts: SenderTimeouts
    public var transaction: OutboundTransaction
    /// The Message-ID of the transaction's message, for the driver's accounting and traces.
    public var messageID: String
}

/// Something the run's accounting and traces want to know.
public enum AgentEvent: Hashable, Sendable {
    /// Final delivery to a local mailbox.
    case delivered(messageID: String, mailbox: Mailbox)
    /// A message (for `mailbox`) was handed to the next host, which took responsibility.
    case relayed(messageID: String, mailbox: Mailbox, to: String)
    /// A recipient failed for good; a notice goes to the sender (notice `noticeID`).
    case bounced(messageID: String, mailbox: Mailbox, reason: String, noticeID: String)
    /// A recipient of a notice failed, or a notice would answer a notice: nothing more is sent
    /// ("MUST NOT send error messages in response to error messages", RFC 2821 §4.5.4).
    case doubleBounce(messageID: String, mailbox: Mailbox, reason: String)
    /// Queued mail lost when a host with a volatile queue crashed.
    case lost(messageID: String, mailbox: Mailbox)
    /// A message refused as looping: too many trace lines (RFC 2821 §6.2), or, where mail carries
    /// none, back at a host that already passed it on.
    case loopDetected(messageID: String, reason: String)
    /// A temporary failure; the recipient waits for `retryAt`.
    case deferred(messageID: String, mailbox: Mailbox, reason: String, retryAt: Timestamp)
}

/// What the agent asks its driver to do.
public enum AgentAction: Hashable, Sendable {
    case lookup(id: UInt64, name: String, type: LookupType)
    case openSession(SessionRequest)
    case event(AgentEvent)
}

/// A message in a local mailbox.
public struct StoredMessage: Hashable, Sendable {
    public var messageID: String
    public var recipient: Mailbox
    /// The text as delivered, starting with Return-Path and trace lines (empty when not kept:
    /// `AgentConfiguration.keepsMailboxText`).
    public var content: [UInt8]
    /// The delivered text's length in bytes and its FNV-1a 64-bit digest, kept whether or not
    /// the text is, so that two runs can be compared message by message without the text.
    public var size: Int
    public var digest: UInt64
    public var deliveredAt: Timestamp

    /// FNV-1a over `bytes` (64-bit offset basis and prime).
    public static func digest(_ bytes: [UInt8]) -> UInt64 { FNV1a.hash(bytes) }
}

extension Mailbox {
    /// The lower-cased form used to match recipients across hops.
    public var key: String { localPart.lowercasedKey() + "@" + (domain?.key ?? "") }

    /// Whether `key` is the same for both, without building either key.
    public func sameKey(as other: Mailbox) -> Bool {
        Self.sameKey(localPart, domain?.key, other.localPart, other.domain?.key)
    }

    /// `sameKey(as:)` for two mailboxes given by their local parts and lower-case domains, for
    /// callers that keep those apart (the accounting, which compares one mailbox with several).
    public static func sameKey(
        _ localPart: String, _ domainKey: String?, _ otherLocalPart: String, _ otherDomainKey: String?
    ) -> Bool {
        domainKey == otherDomainKey
            && (localPart == otherLocalPart || localPart.lowercasedKey() == otherLocalPart.lowercasedKey())
    }
}
