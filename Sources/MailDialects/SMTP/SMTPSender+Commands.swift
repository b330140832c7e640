import MailCore

// The SMTP sender's commands, the EHLO extensions it reads, and the outcomes it reports: the
// half of `SMTPSender` that writes, beside the half that reads replies (SMTPSender.swift).
extension SMTPSender {
    /// RFC 1869 §4.3: after the greeting line, one keyword (and its parameters) per line.
    /// Reads one extension line of a positive EHLO reply (its text, without the code): the
    /// extensions the sender acts on, the size limit, and the line kept for the report.
    mutating func readExtension(_ line: UnsafeBufferPointer<UInt8>) {
        var wordEnd = 0
        while wordEnd < line.count && line[wordEnd] != 0x20 { wordEnd += 1 }
        let word = UnsafeBufferPointer(rebasing: line[..<wordEnd])
        if Self.word(word, is: "PIPELINING") {
            offered.insert(.pipelining)
        } else if Self.word(word, is: "8BITMIME") {
            offered.insert(.eightBitMIME)
        } else if Self.word(word, is: "SIZE") {
            offered.insert(.size)
            if sizeLimit == nil { sizeLimit = Self.sizeLimit(line) }
        }
        if report.serverExtensionBytes.capacity == 0 { report.serverExtensionBytes.reserveCapacity(128) }
        report.serverExtensionBytes.append(contentsOf: line)
        report.serverExtensionBytes.append(0x0a)
    }

    /// Whether `word` is the keyword `literal` (upper case), in any case (RFC 1869 §4.3).
    static func word(_ word: UnsafeBufferPointer<UInt8>, is literal: StaticString) -> Bool {
        literal.withUTF8Buffer { literal in
            word.count == literal.count
                && !zip(word, literal).contains { byte, upper in
                    byte != upper && !(upper >= 0x41 && upper <= 0x5a && byte == upper | 0x20)
                }
        }
    }

    /// `SIZE 1000000` → 1000000 (RFC 1870 §4); 0 or no number means no stated limit.
    static func sizeLimit(_ line: String) -> Int? {
        var line = line
        return line.withUTF8 { sizeLimit($0) }
    }

    /// `sizeLimit(_:)` on the line's bytes.
    static func sizeLimit(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        // Exactly two words between spaces, "SIZE" in any case and a number.
        var first: Range<Int>?
        var second: Range<Int>?
        var index = 0
        while index < bytes.count {
            guard bytes[index] != 0x20 else {
                index += 1
                continue
            }
            let start = index
            while index < bytes.count && bytes[index] != 0x20 { index += 1 }
            if first == nil {
                first = start..<index
            } else if second == nil {
                second = start..<index
            } else {
                return nil  // a third word
            }
        }
        guard let first, let second, first.count == 4 else { return nil }
        for (offset, letter) in "size".utf8.enumerated() where bytes[first.lowerBound + offset] | 0x20 != letter {
            return nil
        }
        var limit = 0
        for index in second {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { return nil }
            let (times10, overflow1) = limit.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit))
            guard !overflow1, !overflow2 else { return nil }
            limit = sum
        }
        return limit > 0 ? limit : nil
    }

    // MARK: Commands

    mutating func hello(extended: Bool, now: Timestamp) {
        report.usedEHLO = report.usedEHLO || extended
        let command: SMTPCommand = extended ? .ehlo(configuration.clientName) : .helo(configuration.clientName)
        send(command, expecting: extended ? .ehlo : .helo, timeout: configuration.timeouts.$other, now: now)
    }

    /// Starts the next round: recipients deferred by the last round, else the next transaction,
    /// else QUIT (or TURN).
    mutating func beginNext(now: Timestamp) {
        var outgoing = Outgoing()
        let first = pending.count
        appendNextStep(to: &outgoing)
        send(outgoing, timeout: timeout(for: pending[first]), now: now)
    }

    /// Appends the commands of the next step to a group being written.
    mutating func appendNextStep(to outgoing: inout Outgoing) {
        if case .transaction(let last) = state, !lists.deferred.isEmpty {
            // The deferred recipients are the next round's (their storage swapped in, not copied).
            swap(&lists.tried, &lists.deferred)
            lists.deferred.removeAll(keepingCapacity: true)
            startRound(Round(transaction: last.transaction), &outgoing)
            return
        }
        while true {
            guard nextTransaction < transactions.count else {
                let command: SMTPCommand = configuration.sendsTURN && rules.hasTURN ? .turn : .quit
                outgoing.append(command, rules.routeStyle)
                pending.append(command == .turn ? .turn : .quit)
                state = .closing
                return
            }
            let index = nextTransaction
            nextTransaction += 1
            let transaction = transactions[index]
            // RFC 1652 §3: 8-bit text "must not, under any circumstances" go to a server that did
            // not offer 8BITMIME; without a converter, that is a permanent failure.
            if transaction.hasEightBitText, rules.hasEHLO, !(extended && offered.contains(.eightBitMIME)) {
                let reply = Reply(.transactionFailed, "8-bit text and the server does not offer 8BITMIME (RFC 1652 §3)")
                for recipient in transaction.recipients.indices {
                    ledger.settle(index, recipient, .permanentFailure(reply))
                }
                continue
            }
            // RFC 1870 §4: do not send what the server said it cannot take.
            if let limit = sizeLimit, configuration.extensions.contains(.size), transaction.declaredSize > limit {
                let reply = Reply(
                    .exceededStorage, "Message size \(transaction.declaredSize) exceeds the server's limit \(limit)")
                for recipient in transaction.recipients.indices {
                    ledger.settle(index, recipient, .permanentFailure(reply))
                }
                continue
            }
            lists.tried.removeAll(keepingCapacity: true)
            lists.tried.append(contentsOf: transaction.recipients.indices)
            lists.deferred.removeAll(keepingCapacity: true)
            startRound(Round(transaction: index), &outgoing)
            return
        }
    }

    mutating func startRound(_ newRound: Round, _ outgoing: inout Outgoing) {
        var newRound = newRound
        // The transaction's fields are read in place: a copy of it would retain every path in it.
        let current = newRound.transaction
        var parameters = MailParameters()
        if extended, configuration.extensions.contains(.size), offered.contains(.size) {
            parameters.size = transactions[current].declaredSize
            newRound.sizeDeclared = true
        }
        if extended, configuration.extensions.contains(.eightBitMIME), offered.contains(.eightBitMIME),
            transactions[current].hasEightBitText
        {
            parameters.body = .eightBitMIME
        }
        state = .transaction(newRound)
        lists.accepted.removeAll(keepingCapacity: true)
        startedTransaction = true
        outgoing.appendMail(transactions[current].mode, transactions[current].reversePath, parameters, rules.routeStyle)
        pending.append(.mail)
        if pipelining {
            report.pipelined = true
            for (position, index) in lists.tried.enumerated() {
                outgoing.appendRecipient(transactions[current].recipients[index], rules.routeStyle)
                pending.append(.rcpt(position))
            }
            outgoing.append(.data, rules.routeStyle)
            pending.append(.data)
        }
    }

    mutating func sendRecipient(_ position: Int, now: Timestamp) {
        let path = transactions[currentRound("RCPT").transaction].recipients[lists.tried[position]]
        send(.rcpt(path), expecting: .rcpt(position), timeout: configuration.timeouts.$rcpt, now: now)
    }

    mutating func sendText(now: Timestamp) {
        let round = currentRound("the text")
        var storage: [UInt8] = []
        swap(&storage, &spareStorage)
        var outgoing = Outgoing(storage: consume storage)
        outgoing.appendText(stuffing: transactions[round.transaction].content)
        pending.append(.text)
        // RFC 2920 §3.1: the text may open a group. When nothing else is left to send, QUIT rides
        // along with it, as in RFC 2920 §4's example ("C: ." then "C: QUIT").
        if pipelining, lists.deferred.isEmpty, nextTransaction == transactions.count {
            let command: SMTPCommand = configuration.sendsTURN && rules.hasTURN ? .turn : .quit
            outgoing.append(command, rules.routeStyle)
            pending.append(command == .turn ? .turn : .quit)
        }
        send(outgoing, timeout: configuration.timeouts.$dataTermination, now: now)
    }

    /// After a round: RSET if the server still holds a transaction and more is to come.
    mutating func finishRound(now: Timestamp, serverHasTransaction: Bool = false) {
        if serverHasTransaction && (!lists.deferred.isEmpty || nextTransaction < transactions.count) {
            send(.rset, expecting: .rset, timeout: configuration.timeouts.$other, now: now)
        } else {
            beginNext(now: now)
        }
    }

    mutating func quit(now: Timestamp) {
        state = .closing
        send(.quit, expecting: .quit, timeout: configuration.timeouts.$other, now: now)
    }

    func timeout(for expectation: Expectation) -> Int64 {
        switch expectation {
        case .mail: configuration.timeouts.$mail
        case .rcpt: configuration.timeouts.$rcpt
        case .data: configuration.timeouts.$dataInitiation
        case .text, .loneDot: configuration.timeouts.$dataTermination
        case .greeting: configuration.timeouts.$greeting
        case .ehlo, .helo, .rset, .quit, .turn: configuration.timeouts.$other
        }
    }

    /// Writes one command and waits for its reply.
    mutating func send(
        _ command: SMTPCommand, expecting expectation: Expectation, timeout: Int64, now: Timestamp
    ) {
        var outgoing = Outgoing()
        outgoing.append(command, rules.routeStyle)
        pending.append(expectation)
        send(outgoing, timeout: timeout, now: now)
    }

    /// Writes a group whose expectations are already in `pending`.
    mutating func send(_ outgoing: Outgoing, timeout: Int64, now: Timestamp) {
        actions.append(.send(outgoing))
        report.turnarounds += 1
        deadline = now.adding(nanoseconds: timeout)
    }

    // MARK: Outcomes

    /// The status a failure reply gives: 4yz temporary, 5yz permanent; an unknown code is read by its
    /// first digit (RFC 2821 §4.2).
    func status(for reply: Reply) -> RecipientStatus {
        reply.code.isPermanentFailure ? .permanentFailure(reply) : .temporaryFailure(reply)
    }

    /// Ends the session early: everything unsettled fails temporarily with `reply`.
    /// The server's `reply` (a 421) ends the session: every recipient not yet settled waits.
    mutating func fail(_ reply: Reply, closing: Bool) {
        end(.temporaryFailure(reply), closing: closing)
    }

    /// The session broke off without a reply (see `RecipientStatus.interrupted`).
    mutating func interrupt(_ why: LocalFailure, closing: Bool) {
        end(.interrupted(why), closing: closing)
    }

    mutating func end(_ status: RecipientStatus, closing: Bool) {
        if !startedTransaction { report.failedBeforeTransactions = true }
        ledger.settleAll(status)
        pending.removeAll()
        if closing { actions.append(.close) }
        finish()
    }

    mutating func finish() {
        guard !isFinished else { return }
        state = .finished
        deadline = nil
        // Into the storage the last session's outcomes left (see `restart`), not a new array.
        ledger.takeOutcomes(of: transactions, into: &report.transactions)
        actions.append(.finished(report))
    }

    /// Takes back an action list the driver has finished with: emptied, it keeps its storage,
    /// so that the next call fills it without allocating.
    public mutating func recycle(_ spent: inout [SenderAction]) { reuseActionStorage(&spent, into: &actions) }

    mutating func takeActions() -> [SenderAction] {
        defer { actions = [] }
        return actions
    }
}
