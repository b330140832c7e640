import MailCore
import MailpathBase

// The one loop that carries out an engine's actions, shared by every driver of the engines: the
// simulation (`MailSimulation`), the socket server and client (`MailServer`, `MailClient`),
// `Conversation` (two engines back to back in memory) and the labs' checker. A driver says what
// each action means where it runs (a simulated connection, a socket, a list in memory) by
// conforming to `SenderDriver` or `ReceiverDriver`; `carryOut` takes the actions in order, each
// moved off the list rather than copied from it, and hands the emptied list back to the engine
// (`recycle`), so that the engine's next call fills the same storage. The clock is the driver's
// too: it passes its `now` (simulated or wall-clock time) to the engine's calls.

/// What a sender engine's actions mean to the driver that runs it.
public protocol SenderDriver {
    /// Writes the engine's bytes: command lines, and at most one stretch of message text.
    mutating func send(_ outgoing: consuming Outgoing)
    /// Closes the connection once everything written before has gone.
    mutating func close()
    /// The session is over; the report says what became of every recipient. Comes exactly once.
    mutating func finished(_ report: consuming SessionReport)
    /// RFC 821 §3.8: the server took the sender's role on the same connection.
    mutating func turn()
    /// Hands the spent list back to the engine (`SenderEngine.recycle`).
    mutating func recycle(_ spent: inout [SenderAction])
}

/// What a receiver engine's actions mean to the driver that runs it.
public protocol ReceiverDriver {
    /// Writes the replies, as one write.
    mutating func send(_ replies: consuming ReplyBatch)
    /// Hands a received message to the host. The driver answers the engine with
    /// `ReceiverEngine.deliveryFinished`, at once or later (a live server once the message is on
    /// disk). Called after the list went back to the engine: a delivery is always the last action
    /// of its list.
    mutating func deliver(_ message: consuming ReceivedMessage)
    /// Closes the connection once everything written before has gone.
    mutating func close()
    /// RFC 821 §3.8 TURN accepted: this side now plays the sender.
    mutating func turn()
    /// Hands the spent list back to the engine (`ReceiverEngine.recycle`).
    mutating func recycle(_ spent: inout [ReceiverAction])
}

extension SenderDriver {
    /// Carries out a sender engine's actions in order, then hands the list back.
    @inlinable
    public mutating func carryOut(_ actions: consuming [SenderAction]) {
        var actions = actions
        actions.reverseByMoving()
        while let action = actions.popLast() {
            switch consume action {
            case .send(let outgoing): send(consume outgoing)
            case .close: close()
            case .finished(let report): finished(consume report)
            case .turn: turn()
            }
        }
        recycle(&actions)
    }
}

extension ReceiverDriver {
    /// Carries out a receiver engine's actions in order, then hands the list back; a delivery is
    /// handed over after the list went back, so that the engine's answer to it fills the same
    /// storage.
    @inlinable
    public mutating func carryOut(_ actions: consuming [ReceiverAction]) {
        var actions = actions
        actions.reverseByMoving()
        while let action = actions.popLast() {
            switch consume action {
            case .send(let replies): send(consume replies)
            case .deliver(let message):
                assert(actions.isEmpty, "an action after a delivery")
                recycle(&actions)
                deliver(consume message)
                return
            case .close: close()
            case .turn: turn()
            }
        }
        recycle(&actions)
    }
}

extension Outgoing {
    /// The write as a transcript shows it: each command line without its CR LF, and the message
    /// text as one line saying its size (`pieces` has the text itself).
    public var transcriptLines: [String] { pieces.map(\.transcriptLine) }
}

extension Outgoing.Piece {
    /// The piece as a transcript shows it (see `Outgoing.transcriptLines`).
    public var transcriptLine: String {
        switch self {
        case .line(let line): String(decoding: line.dropLast(2), as: UTF8.self)
        case .text(let text): "<message text, \(text.count) bytes>"
        }
    }
}
