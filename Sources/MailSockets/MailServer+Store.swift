import MailAgent
import MailCore
import MailDialects

// The server's side of storing mail: following each engine's text to the spooler as it
// arrives, committing it at the final dot, answering the client when the spooler says the
// text is on disk (the 250 only then), and the trace lines written in front of it.
extension MailServer {
    /// Follows the engine's text: starts writing it out when it begins, hands over each chunk,
    /// and drops the file of a text the engine refused at its end.
    func spool(_ client: Client) {
        // A relaying server's agent takes the text whole: it is not written out as it arrives.
        guard relay == nil, let spooler, !client.awaitingCommit else { return }
        let session = client.session
        if let text = client.spooledText, !(client.engine.isReceivingText && client.engine.textsStarted == text) {
            spooler.submit(.abandon(session: session))
            client.spooledText = nil
        }
        guard client.engine.isReceivingText else { return }
        if client.spooledText == nil, let envelope = client.engine.textEnvelope {
            spooler.submit(
                .begin(session: session, header: header(envelope, client), separator: separator(envelope)))
            client.spooledText = client.engine.textsStarted
        }
        while let chunk = client.engine.takeText(minimum: configuration.chunkSize) {
            spooler.submit(.append(session: session, bytes: chunk))
        }
    }

    /// The final dot: the rest of the text goes to the spooler with its Maildirs; the engine
    /// hears the decision when the spooler reports (`finishCommits`).
    func commit(_ client: Client, _ message: ReceivedMessage) {
        if let relay { return relayReceived(relay, client, message) }
        guard let spooler else { return }
        let session = client.session
        if client.spooledText == nil || client.spooledText != client.engine.textsStarted {
            // The text arrived whole in one read, or is a stored text (RFC 780 scheme T).
            if client.spooledText != nil { spooler.submit(.abandon(session: session)) }
            spooler.submit(
                .begin(session: session, header: header(message, client), separator: separator(message)))
        }
        client.spooledText = nil
        client.awaitingCommit = true
        let folders = message.recipients.compactMap { recipient -> String? in
            guard case .local(let mailbox) = recipient.disposition else { return nil }
            return Maildir.folderName(for: mailbox.localPart)
        }
        spooler.submit(.commit(session: session, rest: message.content, folders: folders))
    }

    func finishCommits() {
        guard let spooler else { return }
        for completion in spooler.takeCompletions() {
            let copies = relay.map { stored($0, completion) } ?? completion.copies ?? 0
            lock.withLock { delivered += copies }
            guard let client = sessions[completion.session], client.awaitingCommit else { continue }
            client.awaitingCommit = false
            let decision: DeliveryDecision =
                completion.copies != nil
                ? .accepted : .rejected(Reply(.localError, "Requested action aborted: local error in processing"))
            act(client, client.engine.deliveryFinished(decision, now: now))
            writeTo(client)
        }
    }

    /// The lines put in front of a text: `Return-Path:` and the dialect's own trace line, written
    /// by the agent (see `stamper`).
    func header(_ message: ReceivedMessage, _ client: Client) -> [UInt8] {
        let (peer, address) = Self.peerNames(client.peer)
        let clock = configuration.naming.clock()
        return stamper.localDeliveryHeader(
            for: message, peer: peer, peerAddress: address,
            now: Timestamp(nanoseconds: Int64(clock.seconds) * 1_000_000_000))
    }

    /// The `From ` line of an mbox store (empty for a Maildir).
    func separator(_ message: ReceivedMessage) -> [UInt8] {
        guard configuration.store == .mbox else { return [] }
        return Mbox.separator(
            sender: message.reversePath.mailbox?.description ?? "", seconds: configuration.naming.clock().seconds)
    }

    /// A client's address as a trace line's peer names it without a HELO name, and as its
    /// address: `[192.0.2.1]`, and `[IPv6:2001:db8::1]` (RFC 5321 §4.1.3).
    static func peerNames(_ address: String) -> (peer: String, address: String) {
        let literal = address.contains(":") ? "IPv6:" + address : address
        return ("[\(literal)]", literal)
    }
}
