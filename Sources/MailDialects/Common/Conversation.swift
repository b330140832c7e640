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
        withoutActuallyEscaping(decide) { decide in
            let wire = Wire(sender: sender, receiver: receiver, recordTranscript: recordTranscript, decide: decide)
            var client = ClientSide(wire: wire)
            var server = ServerSide(wire: wire)
            server.carryOut(wire.receiver.connectionOpened(now: .zero))
            client.carryOut(wire.sender.connectionOpened(now: .zero))
            var steps = 0
            while steps < maxSteps {
                steps += 1
                if !wire.toServer.isEmpty, !wire.serverClosed {
                    server.carryOut(wire.receiver.bytesReceived(wire.toServer.removeFirst(), now: .zero))
                } else if !wire.toClient.isEmpty, !wire.clientClosed {
                    client.carryOut(wire.sender.bytesReceived(wire.toClient.removeFirst(), now: .zero))
                } else {
                    break
                }
            }
            if !wire.sender.isFinished { client.carryOut(wire.sender.connectionLost()) }
            if !wire.receiver.isClosed { wire.receiver.connectionClosed() }
            return wire.conversation
        }
    }

    /// The two engines, the writes on their way each way, and what the session has shown so far.
    private final class Wire {
        var sender: SenderEngine
        var receiver: ReceiverEngine
        let recordTranscript: Bool
        let decide: (ReceivedMessage) -> DeliveryDecision
        var conversation = Conversation()
        var toServer: [[UInt8]] = []
        var toClient: [[UInt8]] = []
        var serverClosed = false
        var clientClosed = false

        init(
            sender: SenderEngine, receiver: ReceiverEngine, recordTranscript: Bool,
            decide: @escaping (ReceivedMessage) -> DeliveryDecision
        ) {
            self.sender = sender
            self.receiver = receiver
            self.recordTranscript = recordTranscript
            self.decide = decide
        }
    }

    private struct ClientSide: SenderDriver {
        let wire: Wire

        func send(_ outgoing: consuming Outgoing) {
            let bytes = outgoing.bytes
            if wire.recordTranscript { wire.conversation.transcript += TranscriptLine.lines(of: bytes, by: .client) }
            wire.toServer.append(bytes)
        }
        func close() { wire.clientClosed = true }
        func finished(_ report: consuming SessionReport) { wire.conversation.report = report }
        func turn() { wire.conversation.turned = true }
        func recycle(_ spent: inout [SenderAction]) { wire.sender.recycle(&spent) }
    }

    private struct ServerSide: ReceiverDriver {
        let wire: Wire

        func send(_ replies: consuming ReplyBatch) {
            let bytes = replies.bytes
            if wire.recordTranscript { wire.conversation.transcript += TranscriptLine.lines(of: bytes, by: .server) }
            wire.toClient.append(bytes)
        }
        mutating func deliver(_ message: consuming ReceivedMessage) {
            let message = copy message
            wire.conversation.delivered.append(message)
            carryOut(wire.receiver.deliveryFinished(wire.decide(message), now: .zero))
        }
        func close() { wire.serverClosed = true }
        func turn() {
            wire.conversation.turned = true
            wire.serverClosed = true
        }
        func recycle(_ spent: inout [ReceiverAction]) { wire.receiver.recycle(&spent) }
    }
}
