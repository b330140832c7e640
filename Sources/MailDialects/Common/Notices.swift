import MailCore

extension DialectID {
    /// Who a delivery-failure notice written by a host of this dialect comes from: the
    /// reverse-path it is sent with and the text of its `From:` field. The agent asks the
    /// dialect rather than knowing each one.
    public func noticeOrigin(host: String) -> (reversePath: Path, from: String) {
        switch self {
        case .mtp772, .mtp780:
            // RFC 780 §3.2: "the sender-path of the notification message itself will be MTP@<host>".
            // RFC 772 says nothing of notices, and its <sender> must be a mailbox, so the same.
            (Path(Mailbox(localPart: "MTP", domain: Domain(host))), "MTP at \(host)")
        case .ftp765:
            // FTP mail names no sender on the wire (RFC 765); the notice says who wrote it.
            (.null, "Mailer at \(host)")
        case .smtp788, .smtp821, .smtp1123:
            // The null reverse-path is RFC 821's (§3.6); no RFC here names the notice's author. RFC
            // 822 §6.3's Postmaster, the one mailbox every site must have, is the nearest the
            // sources define (sendmail's MAILER-DAEMON is later practice; Docs/history.md).
            (.null, "Postmaster@\(host)")
        case .esmtp, .smtp2821, .smtp5321:
            (.null, "Mail Delivery Subsystem <MAILER-DAEMON@\(host)>")
        }
    }
}
