import MailCore

/// What a receiver engine asks its driver to do.
public enum ReceiverAction: Hashable, Sendable {
    /// Write these replies, as one write (a pipelining server batches replies, RFC 2920 §3.2).
    case send(ReplyBatch)
    /// Ask the host to accept this message; answer with `deliveryFinished(_:now:)`. Always the
    /// last action of its list: the engine reads no further input until it has the answer.
    case deliver(ReceivedMessage)
    /// Close the connection once everything before this action has been written.
    case close
    /// RFC 821 §3.8 TURN accepted: this side now plays the sender on the same connection.
    case turn
}

/// What a sender engine writes at once: command lines, and at most one stretch of message text
/// (a pipelined group, RFC 2920 §3.1, goes out as one write). The bytes are built in one buffer;
/// `pieces` splits them again for transcripts and traces.
public struct Outgoing: Hashable, Sendable {
    /// Everything to write, in order.
    public private(set) var bytes: [UInt8] = []
    /// Where the message text (dot-stuffed, with its final dot line) lies in `bytes`, if anywhere.
    public private(set) var textRange: Range<Int>?

    public init() {}

    /// An empty write in `storage`'s memory (which must be empty): a sender writes its text into
    /// the storage of an earlier text it has finished with, rather than allocating anew.
    public init(storage: consuming [UInt8]) {
        precondition(storage.isEmpty, "storage to reuse must be empty")
        bytes = consume storage
    }

    /// One command line (with its CR LF).
    public static func line(_ line: [UInt8]) -> Outgoing {
        var outgoing = Outgoing()
        outgoing.appendLine(line)
        return outgoing
    }

    /// Message text already in wire form.
    public static func text(_ text: [UInt8]) -> Outgoing {
        var outgoing = Outgoing()
        outgoing.appendWireText(text)
        return outgoing
    }

    public mutating func appendLine(_ line: [UInt8]) { bytes.append(contentsOf: line) }

    public mutating func append(_ command: SMTPCommand, _ style: RouteStyle) {
        reserveForGroup()
        command.encode(style, into: &bytes)
    }

    /// A MAIL command, written from the caller's path (`SMTPCommand.encodeMail`).
    public mutating func appendMail(
        _ mode: DeliveryMode, _ path: Path, _ parameters: MailParameters, _ style: RouteStyle
    ) {
        reserveForGroup()
        SMTPCommand.encodeMail(mode, path, parameters, style, into: &bytes)
    }

    /// A RCPT command, written from the caller's path.
    public mutating func appendRecipient(_ path: Path, _ style: RouteStyle) {
        reserveForGroup()
        SMTPCommand.encodeRecipient(path, style, into: &bytes)
    }

    /// Room for a pipelined MAIL, RCPTs and DATA, so that the group is written without regrowing.
    private mutating func reserveForGroup() {
        if bytes.capacity == 0 { bytes.reserveCapacity(160) }
    }

    /// Message text, dot-stuffed here and ended by `.` CR LF (RFC 821 §4.5.2).
    public mutating func appendText(stuffing content: [UInt8]) {
        precondition(textRange == nil, "one stretch of text per write")
        let start = bytes.count
        DotStuffing.stuff(content, into: &bytes)
        textRange = start..<bytes.count
    }

    /// Message text already in wire form (such as RFC 2920's lone dot).
    public mutating func appendWireText(_ text: [UInt8]) {
        precondition(textRange == nil, "one stretch of text per write")
        let start = bytes.count
        bytes.append(contentsOf: text)
        textRange = start..<bytes.count
    }

    public var isEmpty: Bool { bytes.isEmpty }
    public var textByteCount: Int { textRange?.count ?? 0 }
    public var protocolByteCount: Int { bytes.count - textByteCount }

    public enum Piece: Hashable, Sendable {
        /// A command line with its CR LF.
        case line(ArraySlice<UInt8>)
        /// The message text.
        case text(ArraySlice<UInt8>)

        public var bytes: ArraySlice<UInt8> {
            switch self {
            case .line(let bytes), .text(let bytes): bytes
            }
        }
    }

    /// The write split into command lines and the text, in order.
    public var pieces: [Piece] {
        var pieces: [Piece] = []
        func lines(_ range: Range<Int>) {
            var start = range.lowerBound
            var index = start
            while index < range.upperBound {
                if bytes[index] == 0x0a {
                    pieces.append(.line(bytes[start...index]))
                    start = index + 1
                }
                index += 1
            }
            if start < range.upperBound { pieces.append(.line(bytes[start..<range.upperBound])) }
        }
        if let textRange {
            lines(0..<textRange.lowerBound)
            pieces.append(.text(bytes[textRange]))
            lines(textRange.upperBound..<bytes.count)
        } else {
            lines(0..<bytes.count)
        }
        return pieces
    }
}

/// What a sender engine asks its driver to do.
public enum SenderAction: Hashable, Sendable {
    /// Write these bytes, as one write (a pipelined group, RFC 2920 §3.1, goes out together).
    case send(Outgoing)
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
    // Kept as nanoseconds (`$greeting`…): a sender sets a deadline with every command.
    @StoredAsNanoseconds public var greeting: Duration = .seconds(300)
    @StoredAsNanoseconds public var mail: Duration = .seconds(300)
    @StoredAsNanoseconds public var rcpt: Duration = .seconds(300)
    @StoredAsNanoseconds public var dataInitiation: Duration = .seconds(120)
    /// Per block of text written (RFC 2821: "Data block: 3 minutes").
    @StoredAsNanoseconds public var dataBlock: Duration = .seconds(180)
    @StoredAsNanoseconds public var dataTermination: Duration = .seconds(600)
    /// Every other command (HELO, EHLO, RSET, QUIT, MTP's MRSQ…).
    @StoredAsNanoseconds public var other: Duration = .seconds(300)

    public init() {}
    public static let rfc2821 = SenderTimeouts()
}

/// Moves an action list the driver has finished with into an engine's (empty) list, emptied but
/// with its storage kept, so that the engine's next call fills it without allocating. (Mail
/// agents hand their action lists out and take them back the same way.) Inlinable: the mail agent
/// calls it from its own module, where an unspecialised generic call asks the runtime for the
/// metadata of `[Action]` and `Action?` at every call.
@inlinable
public func reuseActionStorage<Action>(_ spent: inout [Action], into actions: inout [Action]) {
    // A list holds one to three actions: taking them off the end is cheaper than
    // `removeAll(keepingCapacity:)`, which goes through the general `replaceSubrange`.
    while spent.popLast() != nil {}
    if actions.isEmpty, actions.capacity < spent.capacity { swap(&actions, &spent) }
}
