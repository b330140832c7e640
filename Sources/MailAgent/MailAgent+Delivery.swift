import MailCore
import MailDialects

// Final delivery and the lines a host writes into the mail it takes: trace lines (RFC 788
// `Mail-From:`, RFC 821 and 2821 `Received:`), `Return-Path:` at delivery (RFC 821 §4.1.1),
// and the `Date:` fields of the messages and notices it writes, each in its era's form.
extension MailAgent {
    // MARK: Local delivery

    mutating func deliverLocallyFromQueue(_ queueID: UInt64, _ index: Int, now: Timestamp) {
        guard
            let (mailbox, messageID, reversePath, content) = queue.reading(
                queueID, { ($0.recipients[index].mailbox, $0.messageID, $0.reversePath, $0.content) })
        else { return }
        guard userKeys?.contains(mailbox.localPart.lowercasedKey()) ?? true || mailbox.isPostmaster
        else {
            bounce(queueID, index, reason: "no such user here: <\(mailbox)>", now: now)
            return
        }
        markFinished(queueID, index)
        deliverLocally(messageID: messageID, mailbox: mailbox, reversePath: reversePath, content: content, now: now)
    }

    /// `text` with this host's trace line in front (RFC 788 `Mail-From:`, RFC 821 and 2821
    /// `Received:`; nothing for the dialects that define none), naming the client by its HELO name
    /// (else `peer`) and `peerAddress`, with the count of messages this host has stamped as its id.
    /// RFC 788 §4.1.2 names the protocol of a host reached other than by TCP: `Mail-From: NCP
    /// host MIT-AI received by USC-ISIE at …` ("if the <ptcl> is not present INTERNET is assumed").
    mutating func stamped(
        _ text: consuming [UInt8], _ message: borrowing ReceivedMessage, peer: String, peerAddress: String,
        overNCP: Bool = false, now: Timestamp
    ) -> [UInt8] {
        let style = traceStyle
        guard style != .none else { return text }
        stampedCount += 1
        let client = message.clientName.isEmpty ? peer : message.clientName
        return TraceFields.stamping(
            text, style, from: overNCP && style == .mailFrom ? "NCP host " + client : client, fromAddress: peerAddress,
            by: configuration.hostName, protocolName: message.extended ? "ESMTP" : "SMTP", serial: stampedCount,
            date: stampDate(now, style))
    }

    /// What this host writes in front of a text it takes for its own mailboxes: `Return-Path:`
    /// and its trace line, the same bytes as `messageReceived` followed by local delivery write.
    /// For a receiver that stores a text as it arrives (`mailpath serve`), before the text is
    /// whole: `message` is its envelope (`ReceiverEngine.textEnvelope`).
    public mutating func localDeliveryHeader(
        for message: ReceivedMessage, peer: String, peerAddress: String, now: Timestamp
    ) -> [UInt8] {
        let stamp = stamped([], message, peer: peer, peerAddress: peerAddress, now: now)
        guard traceStyle != .none else { return stamp }
        return Array(TraceFields.returnPath(message.reversePath, style: routeStyle).utf8) + stamp
    }

    /// Final delivery: "it inserts at the beginning of the mail data a return path line" (RFC 821 §4.1.1).
    mutating func deliverLocally(
        messageID: String, mailbox: Mailbox, reversePath: Path, content: [UInt8], now: Timestamp
    ) {
        deliveredCount += 1
        if configuration.keepsMailboxes {
            var text: [UInt8] = []
            if traceStyle != .none { text = Array(TraceFields.returnPath(reversePath, style: routeStyle).utf8) }
            text += content
            let size = text.count, digest = StoredMessage.digest(text)
            if !configuration.keepsMailboxText { text = [] }
            mailboxes[mailbox.localPart.lowercasedKey(), default: []].append(
                StoredMessage(
                    messageID: messageID, recipient: mailbox, content: text, size: size, digest: digest,
                    deliveredAt: now))
        }
        actions.append(.event(.delivered(messageID: messageID, mailbox: mailbox)))
    }

    // MARK: Helpers

    static func handOnKey(_ messageID: String, _ mailbox: Mailbox?) -> String { messageID + " " + (mailbox?.key ?? "") }

    var routeStyle: RouteStyle { configuration.dialect.routeStyle }

    /// The date of a trace stamp written at `now`, in the style's notation.
    mutating func stampDate(_ now: Timestamp, _ style: TraceStyle) -> String {
        let second = configuration.epoch + now.nanoseconds / 1_000_000_000
        if lastStampDate.second != second {
            lastStampDate = (second, TraceFields.date(CivilTime(unixSeconds: second), style))
        }
        return lastStampDate.text
    }

    /// The value of a `Date:` field this host writes at `now` (a submission's, a notice's). From
    /// the RFC 2821 trace style on (esmtp-1995 and later, after RFC 1123 §5.2.14 asked for
    /// four-digit years): RFC 2822's `Thu, 21 May 1998 05:33:29 +0000`. Before: RFC 822 §5's
    /// `22 OCT 81 09:23:59 UT`, two-digit year — also for the MTP and RFC 788 eras, whose headers
    /// followed RFC 733: the sources give no date this model could follow more closely.
    public func dateFieldValue(_ now: Timestamp) -> String {
        let field = dateField(at: now)
        return Self.dateFieldValue(unixSecond: field.unixSecond, rfc2822: field.rfc2822)
    }

    /// The second and the form `dateFieldValue` writes at `now`: a driver that submits many
    /// messages formats each (second, form) once for all its hosts.
    public func dateField(at now: Timestamp) -> (unixSecond: Int64, rfc2822: Bool) {
        (configuration.epoch + now.nanoseconds / 1_000_000_000, traceStyle == .received2821)
    }

    public static func dateFieldValue(unixSecond: Int64, rfc2822: Bool) -> String {
        let time = CivilTime(unixSeconds: unixSecond)
        return rfc2822 ? time.rfc2822 : time.rfc822
    }

    func civilTime(_ now: Timestamp) -> CivilTime {
        CivilTime(unixSeconds: configuration.epoch + now.nanoseconds / 1_000_000_000)
    }

    /// Notices are sent from `<>` (SMTP) or from `MTP@host` (RFC 780 §3.2).
    func isNotice(_ reversePath: Path) -> Bool {
        guard let localPart = reversePath.mailbox?.localPart else { return true }
        return localPart.utf8.count == 3 && localPart.lowercasedKey() == "mtp"
    }

    /// Hands over the messages delivered to local mailboxes since the last call, and forgets them:
    /// a live server writes them to disk, where the simulator keeps them in `mailboxes`.
    public mutating func takeDeliveries() -> [StoredMessage] {
        let taken = mailboxes.keys.sorted().flatMap { mailboxes[$0]! }
        mailboxes.removeAll()
        return taken.sorted { ($0.deliveredAt, $0.messageID) < ($1.deliveredAt, $1.messageID) }
    }
}
