import MailCore

// The receiver-MTP of RFC 780: §3 basic MAIL (text follows the 354 at once), §3.1 the preliminary
// 151/152 replies answered by CONT or ABRT, §3.2 relaying ("does not use the 151 ... or 152"),
// §4 the multi-recipient schemes (MRSQ resets everything; R stores recipients, T stores text),
// §5.3 sequencing (the 120 greeting), §5.5 transparency and sizes (reply lines of 65 characters).
// The same engine is RFC 765's FTP mail server and RFC 772's draft receiver: `MTPRules` says where
// they differ (user names instead of paths, no CONT or ABRT, 501 for an unknown scheme).

/// A receiver-MTP (or an FTP server's mail commands), sans I/O.
public struct MTPReceiver: Sendable {
    public let rules: MTPRules
    public let policy: ReceiverPolicy
    public let textPolicy: TextPolicy = .historical

    struct Session: Hashable, Sendable {
        var scheme: MTPScheme?
        /// Scheme R: recipients stored by MRCP (§4.4).
        var storedRecipients: [AcceptedRecipient] = []
        /// Scheme T: text stored by MAIL without TO (§4.5).
        var storedText: (from: Path, content: [UInt8])?

        static func == (lhs: Session, rhs: Session) -> Bool {
            lhs.scheme == rhs.scheme && lhs.storedRecipients == rhs.storedRecipients
                && lhs.storedText?.from == rhs.storedText?.from && lhs.storedText?.content == rhs.storedText?.content
        }
        func hash(into hasher: inout Hasher) { hasher.combine(scheme) }

        /// "MRSQ ... always has the side effect of resetting all schemes to their initial state" (§4.1).
        mutating func resetSchemes() {
            storedRecipients = []
            storedText = nil
        }
    }

    /// What a pending preliminary reply (151/152) or a text in progress is for.
    enum Purpose: Hashable, Sendable {
        /// Basic MAIL with a receiver-path.
        case basic(from: Path, recipient: AcceptedRecipient)
        /// Scheme R: MAIL without TO, for all stored recipients.
        case recipientsFirst(from: Path)
        /// Scheme T: MAIL without TO, text to be stored.
        case textFirst(from: Path)
        /// Scheme T: MRCP delivering the stored text to one recipient.
        case storedText(recipient: AcceptedRecipient)
    }

    enum State: Sendable {
        case idle
        /// Greeted with 120; waiting for CONT (then 220 when ready) or ABRT (§5.3).
        case delayedGreeting(readyAt: Timestamp, continued: Bool)
        case commands(Session)
        /// A 151 or 152 was sent; only CONT or ABRT may follow (§3.1).
        case preliminary(Session, Purpose)
        case text(Session, Purpose, MessageAssembler)
        case awaitingDecision(Session, Purpose)
        case closed
    }

    var state = State.idle
    var framer: LineFramer
    var actions: [ReceiverAction] = []
    var injections: [(String, Reply)] = []
    public internal(set) var deadline: Timestamp?

    public init(rules: MTPRules = .rfc780, policy: ReceiverPolicy) {
        self.rules = rules
        self.policy = policy
        framer = LineFramer(terminator: TextPolicy.commandTerminator, maxLineLength: rules.commandLine)
    }

    public var isClosed: Bool { if case .closed = state { true } else { false } }

    // MARK: Inputs

    public mutating func connectionOpened(now: Timestamp) -> [ReceiverAction] {
        guard case .idle = state else { preconditionFailure("connectionOpened twice, in state \(state)") }
        switch policy.greeting {
        case .busy(let minutes):
            // §5.3: "if [the receiver] is unable to accept input right away, it should send a 120".
            // Without CONT (RFC 765, 772) the 220 simply follows "when ready".
            state = .delayedGreeting(readyAt: now + .seconds(Int64(minutes) * 60), continued: !rules.hasContinuation)
            send(.serviceReadyIn, "\(policy.hostName) Service ready in \(minutes) minutes")
        case .ready, .refuse:
            state = .commands(Session())
            send(.serviceReady, rules.greeting(host: policy.hostName))
        case .unavailable:
            send(.serviceNotAvailable, "\(policy.hostName) Service not available")
            close()
        }
        if case .delayedGreeting(let readyAt, true) = state {
            deadline = readyAt
        } else {
            deadline = isClosed ? nil : now.adding(nanoseconds: policy.$commandTimeout)
        }
        return takeActions()
    }

    public mutating func bytesReceived<Bytes: Collection>(_ bytes: Bytes, now: Timestamp) -> [ReceiverAction]
    where Bytes.Element == UInt8 {
        guard !isClosed else { return [] }
        framer.append(bytes)
        process(now: now)
        return takeActions()
    }

    public mutating func deliveryFinished(_ decision: DeliveryDecision, now: Timestamp) -> [ReceiverAction] {
        switch state {
        case .awaitingDecision(var session, let purpose):
            switch (decision, purpose) {
            case (.accepted, .basic), (.accepted, .recipientsFirst):
                send(.okay, "Mail sent")
            case (.accepted, .storedText(let recipient)):
                if case .relay = recipient.disposition {
                    send(.okay, "Mail accepted for relaying")
                } else {
                    send(.okay, "Stored mail sent")
                }
            case (.rejected(let reply), _):
                send(reply.code, reply.text)
            case (.accepted, .textFirst):
                preconditionFailure("stored text needs no decision")
            }
            if case .recipientsFirst = purpose { session.storedRecipients = [] }  // §4.4: flushed whatever the reply
            state = .commands(session)
            process(now: now)
        case .closed:
            break
        case .idle, .delayedGreeting, .commands, .preliminary, .text:
            preconditionFailure("deliveryFinished without a pending delivery, in state \(state)")
        }
        return takeActions()
    }

    public mutating func connectionClosed() {
        state = .closed
        deadline = nil
    }

    public mutating func timerFired(now: Timestamp) -> [ReceiverAction] {
        if case .delayedGreeting(let readyAt, true) = state, now >= readyAt {
            state = .commands(Session())
            send(.serviceReady, rules.greeting(host: policy.hostName))
            deadline = now.adding(nanoseconds: policy.$commandTimeout)
            process(now: now)
            return takeActions()
        }
        guard let deadline, now >= deadline else { return [] }
        send(.serviceNotAvailable, "\(policy.hostName) Timeout, closing channel")
        close()
        return takeActions()
    }

    /// Fault injection: the next `verb` command gets `reply` and leaves the state alone.
    public mutating func injectReply(_ reply: Reply, forNext verb: String) {
        injections.append((verb.uppercased(), reply))
    }

    /// Whether a message text is being read (after 354, before its final dot).
    public var isReceivingText: Bool { if case .text = state { true } else { false } }

    /// As `SMTPReceiver.textsStarted`.
    public internal(set) var textsStarted = 0

    /// As `SMTPReceiver.textEnvelope`.
    public var textEnvelope: ReceivedMessage? {
        guard case .text(let session, let purpose, _) = state else { return nil }
        switch purpose {
        case .basic(let from, let recipient): return message(from: from, to: [recipient], content: [])
        case .recipientsFirst(let from): return message(from: from, to: session.storedRecipients, content: [])
        case .textFirst(let from): return message(from: from, to: [], content: [])
        case .storedText: return nil
        }
    }

    /// As `SMTPReceiver.takeText(minimum:)`. A text-first (scheme T) text is never taken: it stays
    /// in the session for the MRCP commands that follow it (RFC 780 §4.5).
    public mutating func takeText(minimum: Int) -> [UInt8]? {
        guard case .text(let session, let purpose, var assembler) = state else { return nil }
        if case .textFirst = purpose { return nil }
        guard !assembler.exceededSize, assembler.assembledCount >= minimum else { return nil }
        state = .closed  // release the state's reference, so that taking the text does not copy it
        let taken = assembler.takeContent()
        state = .text(session, purpose, assembler)
        return taken
    }

    public mutating func shutdown() -> [ReceiverAction] {
        guard !isClosed else { return [] }
        send(.serviceNotAvailable, "\(policy.hostName) Service not available")
        close()
        return takeActions()
    }

    // MARK: Processing

    mutating func process(now: Timestamp) {
        loop: while true {
            switch state {
            case .commands, .preliminary, .delayedGreeting:
                switch framer.next() {
                case .needMoreData: break loop
                case .overlong: send(.syntaxError, "Syntax error, command line too long")
                case .bareLineFeed:
                    // "<CRLF>" ends a command (RFC 780 §5.1.1); the line is not run. Replies fit the
                    // RFC's 65-character line.
                    send(.syntaxError, "Syntax error: bare LF; end lines with CR LF (nc -C)")
                case .line(let line): commandLineReceived(line, now: now)
                }
            case .text:
                // Move the state out, so that appending a line does not copy the text collected so far.
                var current = State.closed
                swap(&current, &state)
                guard case .text(let session, let purpose, var assembler) = consume current else {
                    preconditionFailure("lost the text state")
                }
                guard framer.feedText(to: &assembler) else {
                    state = .text(session, purpose, assembler)
                    break loop
                }
                textFinished(session, purpose, assembler)
            case .idle, .awaitingDecision, .closed:
                break loop
            }
        }
        switch state {
        case .commands, .preliminary, .text: deadline = now.adding(nanoseconds: policy.$commandTimeout)
        case .delayedGreeting(let readyAt, true): deadline = readyAt
        case .delayedGreeting(_, false): deadline = now.adding(nanoseconds: policy.$commandTimeout)
        case .idle, .awaitingDecision, .closed: deadline = nil
        }
    }

    mutating func commandLineReceived(_ line: ArraySlice<UInt8>, now: Timestamp) {
        let command: MTPCommand
        switch MTPCommand.parse(line, rules: rules) {
        case .success(let parsed): command = parsed
        case .failure(.unrecognized): return send(.syntaxError, "Syntax error, command unrecognized")
        case .failure(.syntax): return send(.parameterSyntaxError, "Syntax error in parameters or arguments")
        case .failure(.path(let error)):
            return send(error.isMailboxProblem ? .mailboxNameNotAllowed : .parameterSyntaxError, "\(error)")
        case .failure(.unknownScheme): return send(rules.schemeRefusal, "I understand MRSQ but can't use that scheme")
        }
        if case .commands = state, let index = injections.firstIndex(where: { $0.0 == command.verb }) {
            let reply = injections.remove(at: index).1
            return send(reply.code, reply.lines)
        }
        switch state {
        case .delayedGreeting(let readyAt, let continued):
            switch command {
            case .cont where !continued:
                if now >= readyAt {
                    state = .commands(Session())
                    send(.serviceReady, rules.greeting(host: policy.hostName))
                } else {
                    state = .delayedGreeting(readyAt: readyAt, continued: true)  // 220 when the timer fires
                }
            case .abrt where !continued:
                state = .commands(Session())
                send(.commandOkayAborted, "Command okay, action aborted")
            case .quit: quit()
            default: send(.badSequence, "Bad sequence of commands")
            }
        case .preliminary(let session, let purpose):
            switch command {
            case .cont:
                continuePurpose(session, purpose)
            case .abrt:
                state = .commands(session)
                send(.commandOkayAborted, "Command okay, action aborted")
            default:
                send(.badSequence, "Bad sequence: CONT or ABRT expected")
            }
        case .commands(var session):
            switch command {
            case .mail(let from, let to?):
                // §4.2: a normal MAIL resets all schemes; the selection stays.
                session.resetSchemes()
                state = .commands(session)
                let to = addressed(to)
                switch policy.verdict(for: to, stripRoutes: false) {
                case .accept(let disposition):
                    let recipient = AcceptedRecipient(path: to, disposition: disposition)
                    offer(session, .basic(from: from, recipient: recipient))
                case .pleaseTry, .unknownUser: send(.mailboxUnavailable, "No such user here")
                case .relayDenied: send(.mailboxUnavailable, "Relaying not allowed here")
                }
            case .terminal(let mode, let to):
                // RFC 765: no one is logged in at a terminal here, so MSND fails with 450 and
                // MSOM/MSAM say 119 and mail the text instead (or as well).
                session.resetSchemes()
                state = .commands(session)
                let to = addressed(to)
                guard case .accept(let disposition) = policy.verdict(for: to, stripRoutes: false) else {
                    return send(.mailboxUnavailable, "No such user here")
                }
                if mode == .msnd { return send(.mailboxBusy, "\(MTPCommand.ident(to)) is not logged in") }
                send(.terminalNotAvailable, "Terminal not available, will try mailbox")
                offer(session, .basic(from: .null, recipient: AcceptedRecipient(path: to, disposition: disposition)))
            case .mail(let from, nil):
                switch session.scheme {
                case .recipientsFirst?:
                    guard !session.storedRecipients.isEmpty else { return send(.mailboxUnavailable, "Null recipient") }
                    startText(session, .recipientsFirst(from: from))
                case .textFirst?:
                    startText(session, .textFirst(from: from))
                case nil:
                    // §5.1.1 general delivery "if allowed at this host"; §4.4: "550 Null recipient".
                    send(.mailboxUnavailable, "Null recipient")
                }
            case .mrsq(let argument):
                session.resetSchemes()
                switch argument {
                case .none:
                    session.scheme = nil
                    send(.commandOkay, "OK, no scheme selected")
                case .query:
                    // "?" keeps the selection: "The recommended way for doing a reset" (§4.6).
                    let preferred = policy.mtpSchemes.first ?? .textFirst
                    send(
                        .preferredScheme,
                        "\(preferred.rawValue) \(preferred == .textFirst ? "Text first, please" : "Recipients first, please")"
                    )
                case .scheme(let scheme):
                    if policy.mtpSchemes.contains(scheme) {
                        session.scheme = scheme
                        send(.commandOkay, "OK, using that scheme")
                    } else {
                        session.scheme = nil
                        send(rules.schemeRefusal, "I understand MRSQ but can't use that scheme")
                    }
                }
                state = .commands(session)
            case .mrcp(let path):
                recipientReceived(addressed(path), session: session)
            case .help:
                let verbs =
                    switch rules.dialect {
                    case .ftp765: "MAIL MSND MSOM MSAM MRSQ MRCP HELP QUIT NOOP"
                    case .mtp772: "MAIL MRSQ MRCP HELP QUIT NOOP"
                    default: "MAIL MRSQ MRCP HELP QUIT NOOP CONT ABRT"
                    }
                send(.helpMessage, ["\(policy.hostName) speaks \(rules.dialect.displayName)", verbs, "End of HELP"])
            case .ftp(let verb):
                send(.notImplemented, "\(verb) not implemented: this server does mail only")
            case .noop:
                send(.commandOkay, "OK")
            case .quit:
                quit()
            case .cont, .abrt:
                // §5.3 lists 500, 501, 502, 504 and 421 as CONT's errors; 503 "Bad sequence of
                // commands" (§5.2.1) is the code that says what is wrong.
                send(.badSequence, "Bad sequence: no preliminary reply to answer")
            }
        case .idle, .text, .awaitingDecision, .closed:
            preconditionFailure("command line in state \(state)")
        }
    }

    // MARK: Output

    /// Sends a one-line reply, cut to the 65-character reply line of §5.5.3.
    mutating func send(_ code: ReplyCode, _ text: String) {
        send(code, [text])
    }

    mutating func send(_ code: ReplyCode, _ lines: [String]) {
        guard let limit = rules.replyLine else { return actions.append(.send([Reply(code, lines)])) }
        let room = limit - 6  // "ddd" + separator + CR LF
        actions.append(.send([Reply(code, lines.map { String($0.prefix(room)) })]))
    }

    /// A path as the policy sees it: RFC 765's bare user name is a user of this host.
    func addressed(_ path: Path) -> Path {
        guard rules.addressing == .ident, let mailbox = path.mailbox, mailbox.domain == nil else { return path }
        return Path(Mailbox(localPart: mailbox.localPart, domain: policy.mailDomain))
    }

    mutating func close() {
        actions.append(.close)
        state = .closed
        deadline = nil
    }

    /// Takes back an action list the driver has finished with: emptied, it keeps its storage,
    /// so that the next call fills it without allocating.
    public mutating func recycle(_ spent: inout [ReceiverAction]) { reuseActionStorage(&spent, into: &actions) }

    mutating func takeActions() -> [ReceiverAction] {
        defer { actions = [] }
        return actions
    }
}
