import MailCore

/// One line of a session as the RFCs print them: "C:"/"S:" (RFC 2821) or "S:"/"R:" (RFC 821, 780).
public struct TranscriptLine: Hashable, Sendable, CustomStringConvertible {
    public enum Speaker: Hashable, Sendable {
        /// The sender (client).
        case client
        /// The receiver (server).
        case server
    }

    public var speaker: Speaker
    public var text: String

    public init(_ speaker: Speaker, _ text: String) {
        self.speaker = speaker
        self.text = text
    }

    public var description: String { (speaker == .client ? "C: " : "S: ") + text }

    /// The line in a dialect's own notation (`DialectID.notation`): RFC 765 writes "U:" and "S:",
    /// RFC 772 to 821 the sender "S:" and the receiver "R:", RFC 1869 onwards "C:" and "S:".
    public func notation(_ dialect: DialectID) -> String {
        (speaker == .client ? dialect.notation.client : dialect.notation.server) + " " + text
    }

    /// Splits bytes written by one side into transcript lines.
    public static func lines(of bytes: [UInt8], by speaker: Speaker) -> [TranscriptLine] {
        var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).map { line -> TranscriptLine in
            let trimmed = line.last == 0x0d ? line.dropLast() : line[...]
            return TranscriptLine(speaker, String(decoding: trimmed, as: UTF8.self))
        }
        if lines.last?.text.isEmpty == true, bytes.last == 0x0a { lines.removeLast() }
        return lines
    }
}

/// A sender and a receiver engine wired back to back in memory: the whole session, its
/// transcript, what the receiver delivered and what the sender reports. Used for the dialect
/// matrix, sample transcripts, and tests.
public struct Conversation: Sendable {
    public private(set) var transcript: [TranscriptLine] = []
    public private(set) var report: SessionReport?
    public private(set) var delivered: [ReceivedMessage] = []
    /// Whether the session ended in an accepted TURN.
    public private(set) var turned = false

    /// Runs a session to its end. The receiver's host accepts every message unless `decide` says otherwise.
    public static func run(
        sender: SenderEngine, receiver: ReceiverEngine, maxSteps: Int = 100_000, recordTranscript: Bool = true,
        decide: (ReceivedMessage) -> DeliveryDecision = { _ in .accepted }
    ) -> Conversation {
        var conversation = Conversation()
        var sender = sender
        var receiver = receiver
        var toServer: [[UInt8]] = []
        var toClient: [[UInt8]] = []
        var serverClosed = false
        var clientClosed = false
        let now = Timestamp.zero

        func receiverActs(_ actions: [ReceiverAction]) {
            for action in actions {
                switch action {
                case .send(let replies):
                    let bytes = replies.bytes
                    if recordTranscript { conversation.transcript += TranscriptLine.lines(of: bytes, by: .server) }
                    toClient.append(bytes)
                case .deliver(let message):
                    conversation.delivered.append(message)
                    receiverActs(receiver.deliveryFinished(decide(message), now: now))
                case .close:
                    serverClosed = true
                case .turn:
                    conversation.turned = true
                    serverClosed = true
                }
            }
        }

        func senderActs(_ actions: [SenderAction]) {
            for action in actions {
                switch action {
                case .send(let outgoing):
                    let bytes = outgoing.bytes
                    if recordTranscript { conversation.transcript += TranscriptLine.lines(of: bytes, by: .client) }
                    toServer.append(bytes)
                case .close:
                    clientClosed = true
                case .finished(let report):
                    conversation.report = report
                case .turn:
                    conversation.turned = true
                }
            }
        }

        receiverActs(receiver.connectionOpened(now: now))
        senderActs(sender.connectionOpened(now: now))
        var steps = 0
        while steps < maxSteps {
            steps += 1
            if !toServer.isEmpty, !serverClosed {
                receiverActs(receiver.bytesReceived(toServer.removeFirst(), now: now))
            } else if !toClient.isEmpty, !clientClosed {
                senderActs(sender.bytesReceived(toClient.removeFirst(), now: now))
            } else {
                break
            }
        }
        if !sender.isFinished { senderActs(sender.connectionLost()) }
        if !receiver.isClosed { receiver.connectionClosed() }
        return conversation
    }
}
