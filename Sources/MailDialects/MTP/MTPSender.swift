import MailCore

// The sender-MTP of RFC 780: §3 basic MAIL FROM/TO with the text right after 354, §3.1 CONT or
// ABRT after a preliminary 151/152, §4 the multi-recipient schemes ("The sender must be prepared
// to do either", §4.1; "it's best to use the 'preferred' scheme", Example 3; reset with "MRSQ ?",
// §4.6), §5.3 the 120 greeting answered by CONT. With RFC 765's or RFC 772's rules it is the sending
// side of FTP mail or of the MTP draft: no CONT, so after a preliminary reply it simply waits.

/// A sender-MTP (or the mail side of a user-FTP), sans I/O.
public struct MTPSender: Sendable {
    public struct Configuration: Hashable, Sendable {
        public var rules: MTPRules
        /// Answer 151/152 with CONT (accept forwarding) rather than ABRT.
        public var acceptsForwarding: Bool
        /// Use MRSQ/MRCP for several recipients at one host when the receiver implements them.
        public var usesMultiRecipientSchemes: Bool
        public var timeouts: SenderTimeouts

        public init(
            rules: MTPRules = .rfc780, acceptsForwarding: Bool = true, usesMultiRecipientSchemes: Bool = true,
            timeouts: SenderTimeouts = .rfc2821
        ) {
            self.rules = rules
            self.acceptsForwarding = acceptsForwarding
            self.usesMultiRecipientSchemes = usesMultiRecipientSchemes
            self.timeouts = timeouts
        }
    }

    /// What the sender waits for.
    enum Expectation: Hashable, Sendable {
        case greeting
        /// The 220 after CONT to a 120 greeting.
        case delayedGreeting
        /// Reply to a basic MAIL FROM/TO for one recipient.
        case basicMail(recipient: Int)
        /// Reply to the text of a basic MAIL.
        case basicText(recipient: Int)
        case schemeQuery
        case schemeSelect(MTPScheme)
        /// Scheme R: reply to MRCP for a recipient.
        case storeRecipient(Int)
        /// Scheme R: reply to MAIL FROM (no TO), then to its text.
        case recipientsMail
        case recipientsText
        /// Scheme T: reply to MAIL FROM (no TO), then to its text, then to each MRCP.
        case textMail
        case textStored
        case deliverStored(Int)
        case resetQuery
        case quit
    }

    /// Where the session stands. RFC 780 has no pipelining: one reply is awaited at a time, and
    /// which one says everything about the session's place.
    enum State: Hashable, Sendable {
        /// The connection is not open yet.
        case connecting
        case awaiting(Expectation)
        /// A reply is being acted on and the next command is not written yet (a reply now would
        /// be unexpected).
        case replying
        /// The session is over and reported.
        case finished
    }

    public let configuration: Configuration
    private let transactions: [OutboundTransaction]
    /// What became of each recipient.
    private var ledger: RecipientLedger
    private var current = 0
    /// The scheme chosen in this session: nil = not asked yet, .some(nil) = none available.
    private var scheme: MTPScheme??
    private var state = State.connecting
    /// Recipients (indices) stored under scheme R, waiting for the text.
    private var stored: [Int] = []
    /// Recipients still to be sent for the current transaction.
    private var queue: [Int] = []
    private var framer = LineFramer(terminator: .lf, maxLineLength: 4096)
    private var parser = ReplyParser()
    private var actions: [SenderAction] = []
    private var report = SessionReport(
        transactions: [], turnarounds: 0, greeting: nil, usedEHLO: false, fellBackToHELO: false, pipelined: false,
        serverExtensionLines: [], failedBeforeTransactions: false, turned: false)
    public private(set) var deadline: Timestamp?

    public init(configuration: Configuration = Configuration(), transactions: [OutboundTransaction]) {
        self.configuration = configuration
        self.transactions = transactions
        ledger = RecipientLedger(transactions)
    }

    public var isFinished: Bool { state == .finished }

    // MARK: Inputs

    public mutating func connectionOpened(now: Timestamp) -> [SenderAction] {
        state = .awaiting(.greeting)
        report.turnarounds = 1
        deadline = now.adding(nanoseconds: configuration.timeouts.$greeting)
        return takeActions()
    }

    public mutating func bytesReceived<Bytes: Collection>(_ bytes: Bytes, now: Timestamp) -> [SenderAction]
    where Bytes.Element == UInt8 {
        guard !isFinished else { return [] }
        framer.append(bytes)
        while !isFinished {
            switch framer.next() {
            case .needMoreData: return takeActions()
            case .overlong: interrupt(.overlongReply)
            case .bareLineFeed: continue  // only in `.crlfReportingBareLF` mode; replies are read leniently
            case .line(let line):
                switch parser.lineReceived(line, minimumFirstDigit: 1) {
                case .incomplete: continue
                case .malformed(let text): interrupt(.malformedReply(String(text.prefix(40))))
                case .reply(let reply): replyReceived(reply, now: now)
                }
            }
        }
        return takeActions()
    }

    public mutating func connectionLost() -> [SenderAction] {
        guard !isFinished else { return [] }
        if state == .awaiting(.quit) { finish() } else { interrupt(.connectionLost, closing: false) }
        return takeActions()
    }

    public mutating func timerFired(now: Timestamp) -> [SenderAction] {
        guard !isFinished, let deadline, now >= deadline else { return [] }
        interrupt(.timedOut)
        return takeActions()
    }

    // MARK: Replies

    private mutating func replyReceived(_ reply: Reply, now: Timestamp) {
        guard case .awaiting(let waiting) = state else { return interrupt(.unexpectedReply(reply.code)) }
        state = .replying
        let code = reply.code
        switch waiting {
        case .greeting, .delayedGreeting:
            if waiting == .greeting { report.greeting = reply }
            if code == .serviceReady {
                beginTransaction(now: now)
            } else if code == .serviceReadyIn && waiting == .greeting {
                // §5.3: CONT, then wait for the 220; RFC 765 and 772 only wait.
                if configuration.rules.hasContinuation {
                    send(.cont, expecting: .delayedGreeting, now: now)
                } else {
                    state = .awaiting(.delayedGreeting)
                    deadline = now.adding(nanoseconds: configuration.timeouts.$greeting)
                }
            } else {
                report.failedBeforeTransactions = true
                fail(reply)
            }
        case .basicMail(let recipient):
            if code.isPreliminary {
                answerPreliminary(then: .basicMail(recipient: recipient), now: now)
            } else if code == .startMailInput {
                sendText(expecting: .basicText(recipient: recipient), now: now)
            } else if code == .commandOkayAborted {
                settle(recipient, .permanentFailure(Reply(code, "Forwarding refused; \(reply.text)")))
                nextRecipient(now: now)
            } else {
                settle(recipient, status(for: reply))
                nextRecipient(now: now)
            }
        case .basicText(let recipient):
            settle(recipient, code.isPositiveCompletion ? .delivered(reply) : status(for: reply))
            nextRecipient(now: now)
        case .schemeQuery:
            // §4.6: "MRSQ" and "MRSQ ?" are the tests for whether either scheme is implemented.
            if code == .preferredScheme, let letter = reply.text.first,
                let preferred = MTPScheme(rawValue: String(letter).uppercased())
            {
                send(.mrsq(.scheme(preferred)), expecting: .schemeSelect(preferred), now: now)
            } else {
                scheme = .some(nil)
                sendNextBasic(now: now)
            }
        case .schemeSelect(let chosen):
            if code == .commandOkay {
                scheme = .some(chosen)
                runScheme(chosen, now: now)
            } else if chosen == .textFirst {
                send(.mrsq(.scheme(.recipientsFirst)), expecting: .schemeSelect(.recipientsFirst), now: now)
            } else {
                scheme = .some(nil)
                sendNextBasic(now: now)
            }
        case .storeRecipient(let recipient):
            if code == .commandOkay || code.isPositiveCompletion {
                stored.append(recipient)
                storeNext(now: now)
            } else if code == .insufficientStorage && !stored.isEmpty {
                // §4.4: send the text to those stored, then carry on with the rest.
                queue.insert(recipient, at: 0)
                send(.mail(from: transaction.reversePath, to: nil), expecting: .recipientsMail, now: now)
            } else {
                settle(recipient, status(for: reply))
                storeNext(now: now)
            }
        case .recipientsMail:
            if code == .startMailInput {
                sendText(expecting: .recipientsText, now: now)
            } else {
                for recipient in stored { settle(recipient, status(for: reply)) }
                stored = []
                storeNext(now: now)
            }
        case .recipientsText:
            // §4.4: the reply covers ALL stored recipients, "regardless of the actual error code".
            for recipient in stored {
                settle(recipient, code.isPositiveCompletion ? .delivered(reply) : status(for: reply))
            }
            stored = []
            storeNext(now: now)
        case .textMail:
            if code == .startMailInput {
                sendText(expecting: .textStored, now: now)
            } else {
                for recipient in queue { settle(recipient, status(for: reply)) }
                queue = []
                finishTransaction(now: now)
            }
        case .textStored:
            if code.isPositiveCompletion {
                deliverNextStored(now: now)
            } else {
                for recipient in queue { settle(recipient, status(for: reply)) }
                queue = []
                finishTransaction(now: now)
            }
        case .deliverStored(let recipient):
            if code.isPreliminary {
                answerPreliminary(then: .deliverStored(recipient), now: now)
                return
            }
            if code == .commandOkayAborted {
                settle(recipient, .permanentFailure(Reply(code, "Forwarding refused; \(reply.text)")))
            } else {
                settle(recipient, code.isPositiveCompletion ? .delivered(reply) : status(for: reply))
            }
            deliverNextStored(now: now)
        case .resetQuery:
            finishTransaction(now: now, reset: false)
        case .quit:
            finish()
            actions.append(.close)
        }
    }

    /// §3.1: answer a 151/152 with CONT (then the MAIL's normal reply follows) or ABRT (then 201).
    /// Before RFC 780 there is nothing to answer: the next reply follows by itself. (RFC 772 lets a
    /// sender that will not have its mail forwarded hang up instead; this one always accepts.)
    private mutating func answerPreliminary(then next: Expectation, now: Timestamp) {
        guard configuration.rules.hasContinuation else {
            state = .awaiting(next)
            return
        }
        send(configuration.acceptsForwarding ? .cont : .abrt, expecting: next, now: now)
    }

    // MARK: Flow

    private var transaction: OutboundTransaction { transactions[current] }

    private mutating func beginTransaction(now: Timestamp) {
        guard current < transactions.count else { return send(.quit, expecting: .quit, now: now) }
        queue = Array(transaction.recipients.indices)
        stored = []
        if queue.count > 1, configuration.usesMultiRecipientSchemes {
            switch scheme {
            case nil: send(.mrsq(.query), expecting: .schemeQuery, now: now)
            case .some(let chosen?): runScheme(chosen, now: now)
            case .some(nil): sendNextBasic(now: now)
            }
        } else {
            sendNextBasic(now: now)
        }
    }

    private mutating func runScheme(_ chosen: MTPScheme, now: Timestamp) {
        switch chosen {
        case .recipientsFirst: storeNext(now: now)
        case .textFirst: send(.mail(from: transaction.reversePath, to: nil), expecting: .textMail, now: now)
        }
    }

    private mutating func sendNextBasic(now: Timestamp) {
        guard !queue.isEmpty else { return finishTransaction(now: now, reset: false) }
        let recipient = queue.removeFirst()
        send(
            .mail(from: transaction.reversePath, to: transaction.recipients[recipient]),
            expecting: .basicMail(recipient: recipient), now: now)
    }

    private mutating func nextRecipient(now: Timestamp) { sendNextBasic(now: now) }

    /// Scheme R: the next MRCP, or MAIL for those stored once all are named.
    private mutating func storeNext(now: Timestamp) {
        if !queue.isEmpty {
            let recipient = queue.removeFirst()
            send(.mrcp(transaction.recipients[recipient]), expecting: .storeRecipient(recipient), now: now)
        } else if !stored.isEmpty {
            send(.mail(from: transaction.reversePath, to: nil), expecting: .recipientsMail, now: now)
        } else {
            finishTransaction(now: now, reset: false)
        }
    }

    /// Scheme T: MRCP for the next recipient of the stored text.
    private mutating func deliverNextStored(now: Timestamp) {
        if queue.isEmpty { return finishTransaction(now: now, reset: true) }
        let recipient = queue.removeFirst()
        send(.mrcp(transaction.recipients[recipient]), expecting: .deliverStored(recipient), now: now)
    }

    /// After scheme T a careful sender resets with "MRSQ ?" (§4.5, Example 3), then goes on.
    private mutating func finishTransaction(now: Timestamp, reset: Bool = false) {
        if reset { return send(.mrsq(.query), expecting: .resetQuery, now: now) }
        current += 1
        beginTransaction(now: now)
    }

    private mutating func sendText(expecting next: Expectation, now: Timestamp) {
        var outgoing = Outgoing()
        outgoing.appendText(stuffing: transaction.content)
        actions.append(.send(outgoing))
        report.turnarounds += 1
        state = .awaiting(next)
        deadline = now.adding(nanoseconds: configuration.timeouts.$dataTermination)
    }

    private mutating func send(_ command: MTPCommand, expecting next: Expectation, now: Timestamp) {
        actions.append(.send(.line(command.encoded(configuration.rules))))
        report.turnarounds += 1
        state = .awaiting(next)
        deadline = now.adding(nanoseconds: configuration.timeouts.$other)
    }

    // MARK: Outcomes

    private func status(for reply: Reply) -> RecipientStatus {
        reply.code.isPermanentFailure ? .permanentFailure(reply) : .temporaryFailure(reply)
    }

    private mutating func settle(_ recipient: Int, _ status: RecipientStatus) {
        ledger.settle(current, recipient, status)
    }

    /// The server's `reply` ends the session: every recipient not yet settled waits.
    private mutating func fail(_ reply: Reply, closing: Bool = true) {
        end(.temporaryFailure(reply), closing: closing)
    }

    /// The session broke off without a reply (see `RecipientStatus.interrupted`).
    private mutating func interrupt(_ why: LocalFailure, closing: Bool = true) {
        end(.interrupted(why), closing: closing)
    }

    private mutating func end(_ status: RecipientStatus, closing: Bool) {
        ledger.settleAll(status)
        if closing { actions.append(.close) }
        finish()
    }

    private mutating func finish() {
        guard !isFinished else { return }
        state = .finished
        deadline = nil
        ledger.takeOutcomes(of: transactions, into: &report.transactions)
        actions.append(.finished(report))
    }

    /// Takes back an action list the driver has finished with: emptied, it keeps its storage,
    /// so that the next call fills it without allocating.
    public mutating func recycle(_ spent: inout [SenderAction]) { reuseActionStorage(&spent, into: &actions) }

    private mutating func takeActions() -> [SenderAction] {
        defer { actions = [] }
        return actions
    }
}
