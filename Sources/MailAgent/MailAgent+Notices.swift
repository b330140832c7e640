import MailCore
import MailDialects

// Non-delivery notices: RFC 780 §3.2 (from "MTP@<host>"; "MTPs should not send notification
// messages about problems with notification messages"), RFC 821 §3.6 (to the originator, along
// the reverse-path; `MAIL FROM:<>` so that notices cannot loop), RFC 1123 §5.3.3, RFC 2821 §6.1
// ("MUST be stripped down to its final hop"; a null reverse-path gets no notice) and §4.5.4
// ("MUST NOT send error messages in response to error messages under any circumstances").

extension MailAgent {
    /// Returns a recipient to the sender: a notice, or, for a notice, a double bounce recorded.
    mutating func bounce(_ queueID: UInt64, _ index: Int, reason: String, now: Timestamp) {
        guard let entry = queue[queueID] else { return }
        let mailbox = entry.recipients[index].mailbox
        markFinished(queueID, index)
        if entry.isNotice || entry.reversePath.isNull {
            record(.doubleBounce(messageID: entry.messageID, mailbox: mailbox, reason: reason))
            return
        }
        let noticeID = "<notice-\(makeID())@\(configuration.hostName)>"
        record(.bounced(messageID: entry.messageID, mailbox: mailbox, reason: reason, noticeID: noticeID))
        var recipient = entry.reversePath
        if router.noticesDropRoutes { recipient = recipient.withoutRoute }
        let (noticeSender, from) = configuration.dialect.noticeOrigin(host: configuration.hostName)
        var text =
            "Date: \(dateFieldValue(now))\r\nFrom: \(from)\r\nTo: \(recipient.mailbox.map(\.description) ?? "")\r\n"
        text += "Subject: Undeliverable mail\r\nMessage-ID: \(noticeID)\r\nIn-Reply-To: \(entry.messageID)\r\n\r\n"
        text += "Your message could not be delivered to <\(mailbox)>.\r\nReason: \(reason)\r\n\r\n"
        text += "----- Header of the returned message -----\r\n"
        text += headerText(of: entry.content)
        let id = makeID()
        let notice = QueueEntry(
            queueID: id, messageID: noticeID, reversePath: noticeSender, content: Array(text.utf8), arrival: now,
            origin: nil,
            isNotice: true, recipients: [QueuedRecipient(path: recipient, state: .waiting(due: now))])
        insertEntry(notice)
        startNow(id, now: now)
    }

    /// The header of a message (up to the first empty line), for the returned-message part of a notice.
    private func headerText(of content: [UInt8]) -> String {
        var end = content.count
        var index = 0
        while index + 3 < content.count {
            if content[index] == 0x0d && content[index + 1] == 0x0a && content[index + 2] == 0x0d
                && content[index + 3] == 0x0a
            {
                end = index + 2
                break
            }
            index += 1
        }
        return String(decoding: content[..<end], as: UTF8.self)
    }
}
