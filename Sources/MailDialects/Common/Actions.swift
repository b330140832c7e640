import MailCore

/// What a receiver engine asks its driver to do.
public enum ReceiverAction: Hashable, Sendable {
    /// Write these replies, as one write (a pipelining server batches replies, RFC 2920 §3.2).
    case send([Reply])
    /// Ask the host to accept this message; answer with `deliveryFinished(_:now:)`.
    case deliver(ReceivedMessage)
    /// Close the connection once everything before this action has been written.
    case close
    /// RFC 821 §3.8 TURN accepted: this side now plays the sender on the same connection.
    case turn
}

/// A piece of what a sender engine writes.
public enum Outgoing: Hashable, Sendable {
    /// A command line with its CR LF.
    case line([UInt8])
    /// Message text, dot-stuffed and ended by `.` CR LF (RFC 821 §4.5.2).
    case text([UInt8])

    public var bytes: [UInt8] {
        switch self {
        case .line(let bytes), .text(let bytes): bytes
        }
    }
}

/// What a sender engine asks its driver to do.
public enum SenderAction: Hashable, Sendable {
    /// Write these pieces, as one write (a pipelined group, RFC 2920 §3.1, goes out together).
    case send([Outgoing])
    /// Close the connection once everything before this action has been written.
    case close
    /// The session is over; the report says what became of every recipient. Comes exactly once.
    case finished(SessionReport)
    /// RFC 821 §3.8: the server took the sender's role; this side now receives on the same connection.
    case turn
}

/// Timeouts a sender waits for each reply: RFC 2821 §4.5.3.2's minimums, which RFC 1123 §5.3.2
/// introduced and which Mailpath applies to every dialect (the older texts name none).
public struct SenderTimeouts: Hashable, Sendable {
    public var greeting: Duration = .seconds(300)
    public var mail: Duration = .seconds(300)
    public var rcpt: Duration = .seconds(300)
    public var dataInitiation: Duration = .seconds(120)
    /// Per block of text written (RFC 2821: "Data block: 3 minutes").
    public var dataBlock: Duration = .seconds(180)
    public var dataTermination: Duration = .seconds(600)
    /// Every other command (HELO, EHLO, RSET, QUIT, MTP's MRSQ…).
    public var other: Duration = .seconds(300)

    public init() {}
    public static let rfc2821 = SenderTimeouts()
}
