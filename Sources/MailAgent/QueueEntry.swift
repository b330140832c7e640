import MailCore

/// A message in an agent's queue, with the state of each recipient.
public struct QueueEntry: Hashable, Sendable {
    public var queueID: UInt64
    public var messageID: String
    /// The reverse-path as received (relays add themselves when they send it on, where the era does).
    public var reversePath: Path
    /// The text, with this host's trace line already at the top.
    public var content: [UInt8]
    public var arrival: Timestamp
    /// The host it came from, or `nil` when submitted here.
    public var origin: String?
    /// A non-delivery notice (to which no notice may ever be sent).
    public var isNotice: Bool
    public var recipients: [QueuedRecipient]
    /// It came with a source route naming this host: this host relays it along the route.
    public var viaRoute = false

    /// Whether every recipient is settled.
    public var isFinished: Bool { recipients.allSatisfy { $0.state == .finished } }
}

public struct QueuedRecipient: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        /// Waiting for its next attempt.
        case waiting(due: Timestamp)
        /// In a delivery attempt.
        case inFlight(attempt: UInt64)
        /// Delivered, handed on, or returned.
        case finished
    }

    /// The forward-path to send on (the route element naming this host already removed).
    public var path: Path
    public var state: State
    public var failures: Int = 0
    public var lastError: String?

    /// The mailbox this recipient finally names (for tracking across hops).
    public var mailbox: Mailbox { path.mailbox ?? Mailbox(localPart: "", domain: nil) }
}

/// Reads header fields from RFC 822 text (the header ends at the first empty line).
public enum HeaderFields {
    /// The value of the first field called `name` (case-insensitive), trimmed.
    public static func value(of name: String, in content: [UInt8]) -> String? {
        TraceFields.count(in: content, andValueOf: name).value
    }
}
