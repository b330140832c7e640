import MailCore

/// Every sender paired with every receiver, in memory: what happens when hosts of different
/// eras meet. Generated into Docs/dialects.md and shown by `mailpath dialects --matrix`.
public enum DialectMatrix {
    public struct Cell: Hashable, Sendable {
        public var sender: DialectID
        public var receiver: DialectID
        public var delivered: Int
        public var recipients: Int
        /// A few words: "delivered", "delivered after HELO fallback", "refused: 500 to HELO".
        public var summary: String
        /// The reply that refused the first recipient not delivered, and the command it answered.
        public var refusal: (reply: Reply, command: String)? {
            get { refusalReply.map { ($0, refusalCommand) } }
            set {
                refusalReply = newValue?.reply
                refusalCommand = newValue?.command ?? ""
            }
        }
        public var fellBackToHELO = false
        public var pipelined = false
        public var transcript: [TranscriptLine]
        var refusalReply: Reply?
        var refusalCommand = ""
    }

    public static let senderHost = "ALPHA.ARPA"
    public static let receiverHost = "BETA.ARPA"

    /// Runs every pair on one plain message to two local users, or (`routed`) on a message
    /// source-routed through the receiver to a third host, written in the sender's route style.
    public static func cells(routed: Bool) -> [Cell] {
        var cells: [Cell] = []
        for sender in DialectID.allCases {
            for receiver in DialectID.allCases {
                cells.append(cell(sender: sender, receiver: receiver, routed: routed))
            }
        }
        return cells
    }

    public static func cell(sender: DialectID, receiver: DialectID, routed: Bool) -> Cell {
        let recipients =
            routed
            ? [Path(route: [Domain(receiverHost)], mailbox: Mailbox("joe@GAMMA.ARPA"))]
            : [Path(Mailbox("joe@\(receiverHost)")), Path(Mailbox("bob@\(receiverHost)"))]
        let transaction = OutboundTransaction(
            id: 1, reversePath: Path(Mailbox("ann@\(senderHost)")), recipients: recipients,
            content: Array("Subject: Meeting\r\n\r\nThe meeting is on Tuesday.\r\n".utf8))
        let policy = ReceiverPolicy(hostName: receiverHost, users: ["joe", "bob"], relaying: .sourceRoutes)
        let conversation = Conversation.run(
            sender: .make(dialect: sender, clientName: senderHost, transactions: [transaction]),
            receiver: .make(dialect: receiver, policy: policy))
        let outcomes = conversation.report?.transactions.first?.recipients ?? []
        let delivered = outcomes.filter(\.status.isDelivered).count
        var summary: String
        var refusal: (reply: Reply, command: String)?
        if delivered == outcomes.count {
            summary = "delivered"
            if conversation.report?.fellBackToHELO == true { summary += " after HELO fallback" }
            if conversation.report?.pipelined == true { summary += ", pipelined" }
        } else {
            let status = outcomes.first { !$0.status.isDelivered }!.status
            if let failure = status.reply {
                let answered = command(answeredBy: failure, in: conversation.transcript)
                refusal = (failure, answered)
                summary = "refused: \(failure.code) to \(answered)"
            } else {
                summary = "broken off: \(status.summary)"
            }
            if delivered > 0 { summary = "\(delivered) of \(outcomes.count) delivered; " + summary }
        }
        var cell = Cell(
            sender: sender, receiver: receiver, delivered: delivered, recipients: outcomes.count, summary: summary,
            transcript: conversation.transcript)
        cell.refusal = refusal
        cell.fellBackToHELO = conversation.report?.fellBackToHELO == true
        cell.pipelined = conversation.report?.pipelined == true
        return cell
    }

    /// The command word that drew `reply` in a transcript. Commands and replies pair up in order
    /// (every command gets exactly one reply, RFC 821 §4.2; pipelined groups too, RFC 2920 §3.1);
    /// the text after a 354 counts as one command.
    static func command(answeredBy reply: Reply, in transcript: [TranscriptLine]) -> String {
        let wire = reply.wireLines.last ?? ""
        var asked: [String] = []
        var inText = false
        var greeted = false
        for line in transcript {
            switch line.speaker {
            case .client:
                if inText {
                    if line.text == "." {
                        asked.append("the text")
                        inText = false
                    }
                } else {
                    asked.append(String(line.text.prefix { $0 != " " }))
                }
            case .server:
                let isLast = line.text.count < 4 || line.text[line.text.index(line.text.startIndex, offsetBy: 3)] != "-"
                guard isLast else { continue }
                guard greeted else {
                    greeted = true
                    continue
                }
                let command = asked.isEmpty ? "the greeting" : asked.removeFirst()
                if line.text == wire { return command }
                if line.text.hasPrefix("354") { inText = true }
            }
        }
        return "the greeting"
    }
}
