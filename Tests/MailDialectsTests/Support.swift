import MailCore
import Testing

@testable import MailDialects

/// An RFC example dialogue, parsed from the text as printed in the RFC.
///
/// `S:`/`R:` (RFC 780/788/821: sender, receiver) or `C:`/`S:` (RFC 1869 on: client, server).
/// Notation in the examples is normalised the way a reader would: `<CRLF>` written out is removed,
/// `<CRLF>.<CRLF>` is the lone dot, a line without a prefix continues the line above, `...` and
/// `<wait ...>`/`<open ...>` stage directions are skipped.
struct RFCDialogue {
    enum Step: Equatable {
        case client(String)
        case server(Reply)
    }

    var steps: [Step] = []

    init(_ text: String, modern: Bool) {
        self.init(text, client: modern ? "C:" : "S:", server: modern ? "S:" : "R:")
    }

    /// A dialogue in any notation, such as RFC 765's "U:" (user) and "S:" (server).
    init(_ text: String, client clientPrefix: String, server serverPrefix: String) {
        var lines: [(client: Bool, text: String)] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.drop { $0 == " " }
            let isClient: Bool
            var body: Substring
            if line.hasPrefix(clientPrefix) {
                isClient = true
                body = line.dropFirst(2)
            } else if line.hasPrefix(serverPrefix) {
                isClient = false
                body = line.dropFirst(2)
            } else if !line.isEmpty, let last = lines.popLast() {
                lines.append((last.client, last.text + " " + line))  // a folded line of the printed RFC
                continue
            } else {
                continue
            }
            if body.first == " " { body = body.dropFirst() }
            var text = String(body)
            if text.hasPrefix("<wait") || text.hasPrefix("<open") || text == "..." || text == " ..." { continue }
            if isClient {
                if text == "<CRLF>.<CRLF>" { text = "." }
                for suffix in [" <CRLF>", "<CRLF>"] where text.hasSuffix(suffix) {
                    text = String(text.dropLast(suffix.count))
                }
            }
            lines.append((isClient, text))
        }
        var pending: [String] = []
        var pendingCode: ReplyCode?
        for (client, text) in lines {
            if client {
                steps.append(.client(text))
                continue
            }
            // RFC 821 App. F Scenario 9 prints "R: OK" with no code; it can only be 250.
            let wire = text == "OK" ? "250 OK" : text
            let code = ReplyCode(Int(wire.prefix(3))!)
            let continued = wire.count > 3 && wire[wire.index(wire.startIndex, offsetBy: 3)] == "-"
            pending.append(wire.count > 4 ? String(wire.dropFirst(4)) : "")
            pendingCode = code
            if !continued {
                steps.append(.server(Reply(pendingCode!, pending)))
                pending = []
            }
        }
    }

    var clientLines: [String] { steps.compactMap { if case .client(let line) = $0 { line } else { nil } } }
    var replies: [Reply] { steps.compactMap { if case .server(let reply) = $0 { reply } else { nil } } }
    var startsWithGreeting: Bool { if case .server = steps.first { true } else { false } }
}

/// Sends the dialogue's client lines to a receiver and returns every reply it gave, accepting
/// every delivery (or deciding with `decide`). The greeting is included only if the RFC shows one.
func receiverReplies(
    to dialogue: RFCDialogue, _ receiver: ReceiverEngine,
    decide: (ReceivedMessage) -> DeliveryDecision = { _ in .accepted }
) -> [Reply] {
    var receiver = receiver
    var replies: [Reply] = []
    func act(_ actions: [ReceiverAction]) {
        for action in actions {
            switch action {
            case .send(let batch): replies += batch
            case .deliver(let message): act(receiver.deliveryFinished(decide(message), now: .zero))
            case .close, .turn: break
            }
        }
    }
    act(receiver.connectionOpened(now: .zero))
    if !dialogue.startsWithGreeting { replies.removeAll() }
    for line in dialogue.clientLines {
        act(receiver.bytesReceived(Array((line + "\r\n").utf8), now: .zero))
    }
    return replies
}

/// Plays the RFC's server replies, one at a time in order, to a sender and returns the lines the
/// sender wrote. Lines of message text are given with their dot-stuffing undone, as RFCs print them.
func senderLines(against dialogue: RFCDialogue, _ sender: SenderEngine) -> (lines: [String], report: SessionReport?) {
    var sender = sender
    var lines: [String] = []
    var report: SessionReport?
    func act(_ actions: [SenderAction]) {
        for action in actions {
            switch action {
            case .send(let outgoing):
                for piece in outgoing.pieces {
                    let pieceLines = TranscriptLine.lines(of: Array(piece.bytes), by: .client).map(\.text)
                    if case .text = piece {
                        lines += pieceLines.enumerated().map { index, line in
                            index < pieceLines.count - 1 && line.hasPrefix(".") ? String(line.dropFirst()) : line
                        }
                    } else {
                        lines += pieceLines
                    }
                }
            case .finished(let finished): report = finished
            case .close, .turn: break
            }
        }
    }
    act(sender.connectionOpened(now: .zero))
    for reply in dialogue.replies {
        act(sender.bytesReceived(reply.encoded, now: .zero))
    }
    if !sender.isFinished { act(sender.connectionLost()) }
    return (lines, report)
}

/// Content given as the RFC's text lines.
func content(_ lines: [String]) -> [UInt8] { Array(lines.map { $0 + "\r\n" }.joined().utf8) }

func path(_ text: String) -> Path {
    try! Path.parse(
        Substring(text), style: .colon, limits: PathLimits(path: 256, domain: 255, localPart: 64), allowNull: true
    ).get()
}
