import MailCore

// The receiver-MTP's transfers once the MAIL command is read: each recipient's reply, the
// schemes (RFC 780 §4: R stores recipients, §4.4; T stores text, §4.5), the preliminary 151/152
// answered by CONT or ABRT (§3.1), and the end of the text.
extension MTPReceiver {
    /// MRCP under the selected scheme (§4.3).
    mutating func recipientReceived(_ path: Path, session: Session) {
        var session = session
        guard let scheme = session.scheme else { return send(.badSequence, "No scheme specified yet; use MRSQ") }
        let verdict = policy.verdict(for: path, stripRoutes: false)
        switch scheme {
        case .recipientsFirst:
            guard case .accept(let disposition) = verdict else {
                return send(rules.recipientRejected, "Recipient name rejected")
            }
            guard session.storedRecipients.count < policy.mtpRecipientTable else {
                return send(.insufficientStorage, "Recipient table full, this name not stored")
            }
            session.storedRecipients.append(AcceptedRecipient(path: path, disposition: disposition))
            state = .commands(session)
            send(.commandOkay, "OK, name stored")
        case .textFirst:
            guard session.storedText != nil else { return send(.badSequence, "No stored text; send MAIL first") }
            guard case .accept(let disposition) = verdict else {
                return send(rules.recipientRejected, "No such user here")
            }
            offer(session, .storedText(recipient: AcceptedRecipient(path: path, disposition: disposition)))
        }
    }

    /// Replies to an acceptable MAIL or scheme-T MRCP: a preliminary 151/152 for moved or unknown
    /// users (never for relayed mail, §3.2), otherwise go ahead.
    mutating func offer(_ session: Session, _ purpose: Purpose) {
        let recipient: AcceptedRecipient
        switch purpose {
        case .basic(_, let accepted), .storedText(let accepted): recipient = accepted
        case .recipientsFirst, .textFirst: preconditionFailure("offer is for single recipients")
        }
        switch recipient.disposition {
        case .forward(let mailbox):
            send(.willForwardPreliminary, "User not local; will forward to \(mailbox)")
        case .operatorForward:
            send(.operatorWillForward, "User unknown; operator will forward")
        case .local, .relay:
            return continuePurpose(session, purpose)
        }
        // RFC 780 waits for CONT or ABRT; RFC 765 and 772 go on with the next reply at once.
        if rules.hasContinuation { state = .preliminary(session, purpose) } else { continuePurpose(session, purpose) }
    }

    mutating func continuePurpose(_ session: Session, _ purpose: Purpose) {
        switch purpose {
        case .basic, .recipientsFirst, .textFirst:
            startText(session, purpose)
        case .storedText(let recipient):
            guard let stored = session.storedText else { preconditionFailure("scheme T delivery without stored text") }
            state = .awaitingDecision(session, purpose)
            actions.append(.deliver(message(from: stored.from, to: [recipient], content: stored.content)))
        }
    }

    mutating func startText(_ session: Session, _ purpose: Purpose) {
        textsStarted += 1
        state = .text(
            session, purpose, MessageAssembler(maxSize: policy.maxMessageSize, clearHighBit: textPolicy.clearsHighBit))
        framer.terminator = TextPolicy.dataTerminator
        framer.sawBareLineFeed = false
        framer.maxLineLength = rules.textLine
        send(.startMailInput, rules.startMailInputText)
    }

    mutating func textFinished(_ session: Session, _ purpose: Purpose, _ assembler: MessageAssembler) {
        framer.terminator = TextPolicy.commandTerminator
        framer.maxLineLength = rules.commandLine
        var session = session
        if assembler.exceededSize || assembler.overlongLines > 0 {
            if case .recipientsFirst = purpose { session.storedRecipients = [] }
            state = .commands(session)
            return send(.exceededStorage, "Requested mail action aborted: too much text")
        }
        if assembler.bareLineFeeds {
            // Only "<CRLF>.<CRLF>" ends the text (RFC 780 §5.1.1), so a bare LF never splits it; the
            // text is refused whole. RFC 780 lists no 554: 552 is the permanent refusal of a text
            // it gives for MAIL (§5.3), as for a too-long line above.
            if case .recipientsFirst = purpose { session.storedRecipients = [] }
            state = .commands(session)
            return send(.exceededStorage, "Aborted: the text has a bare LF; end lines with CR LF")
        }
        switch purpose {
        case .basic(let from, let recipient):
            state = .awaitingDecision(session, purpose)
            actions.append(.deliver(message(from: from, to: [recipient], content: assembler.content)))
        case .recipientsFirst(let from):
            state = .awaitingDecision(session, purpose)
            actions.append(.deliver(message(from: from, to: session.storedRecipients, content: assembler.content)))
        case .textFirst(let from):
            session.storedText = (from, assembler.content)
            state = .commands(session)
            send(.okay, "Mail stored")
        case .storedText:
            preconditionFailure("scheme T recipients take no text")
        }
    }

    func message(from: Path, to recipients: [AcceptedRecipient], content: [UInt8]) -> ReceivedMessage {
        ReceivedMessage(
            dialect: rules.dialect, reversePath: from, recipients: recipients, content: content, mode: .mail,
            clientName: "",
            extended: false, body: .sevenBit, declaredSize: nil)
    }

    mutating func quit() {
        send(.closing, "\(policy.hostName) Service closing \(rules.channelName)")
        close()
    }
}
