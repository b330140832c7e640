import MailCore

// Reuse of a finished sender for the next session (drivers keep their engines): every stored
// property of `SMTPSender` is reset here, and `RestartTests` compare the result with a new one.
extension SMTPSender {
    /// Makes this engine a new sender for another session, as `init(configuration:transactions:)`
    /// would, but keeping the storage of its lists: a simulation runs a million sessions, and
    /// making and freeing each one's lists was 5% of a run.
    ///
    /// Every stored property is reset here, field by field, in place: building a new sender and
    /// assigning it over this one moved 490 bytes and destroyed the old value through its value
    /// witness (1.1% of a simulation's instructions). `RestartTests` compare the result with a new
    /// sender.
    public mutating func restart(configuration: consuming Configuration, transactions: [OutboundTransaction]) {
        var done = transactions
        swap(&done, &self.transactions)
        Self.keepTextStorage(of: &done, in: &spareStorage)
        reset(configuration: configuration)
    }

    /// `restart(configuration:transactions:)` for a session of one transaction (a mail agent's),
    /// keeping the transaction list's storage too: a list made for each session was an
    /// allocation a session. With `rules` nil, the sender keeps the rules it has (the same
    /// dialect's as last time), rather than copying a dialect's rules in and releasing the old
    /// copy's sets.
    mutating func restart(
        rules: SMTPRules?, clientName: String, extensions: ExtensionSet, timeouts: SenderTimeouts,
        transaction: consuming OutboundTransaction
    ) {
        Self.keepTextStorage(of: &transactions, in: &spareStorage)
        transactions.removeAll(keepingCapacity: true)
        transactions.append(transaction)
        if let rules { configuration.rules = rules }
        configuration.clientName = clientName
        configuration.extensions = extensions
        configuration.timeouts = timeouts
        configuration.sendsTURN = false
        resetSession()
    }

    /// Keeps the storage of the last session's text (the last transaction's) in `spareStorage`
    /// when it is big enough and none is kept yet: the finished transactions are given up here.
    static func keepTextStorage(of done: inout [OutboundTransaction], in spareStorage: inout [UInt8]) {
        guard spareStorage.capacity == 0, let last = done.indices.last,
            done[last].content.capacity >= SMTPReceiver.spareMinimum
        else { return }
        spareStorage = done[last].content
        done.removeAll(keepingCapacity: true)  // the last session's transactions, and their texts but this one, go here
        spareStorage.removeAll(keepingCapacity: true)
    }

    mutating func reset(configuration: consuming Configuration) {
        self.configuration = configuration
        resetSession()
    }

    /// Resets everything but the configuration and the transactions, as `init` sets it.
    mutating func resetSession() {
        ledger.reset(for: transactions)
        state = .connecting
        lists.tried.removeAll(keepingCapacity: true)
        lists.accepted.removeAll(keepingCapacity: true)
        lists.deferred.removeAll(keepingCapacity: true)
        pending.removeAll()
        nextTransaction = 0
        extended = false
        startedTransaction = false
        framer = LineFramer(terminator: .lf, maxLineLength: 4096)  // as in `init`
        parser = ReplyParser()
        actions.removeAll(keepingCapacity: true)
        // The outcomes' storage is reused once the caller has let go of the last report.
        report.transactions.removeAll(keepingCapacity: true)
        report.turnarounds = 0
        report.greeting = nil
        report.usedEHLO = false
        report.fellBackToHELO = false
        report.pipelined = false
        report.serverExtensionBytes.removeAll(keepingCapacity: true)
        report.failedBeforeTransactions = false
        report.turned = false
        deadline = nil
        sizeLimit = nil
        offered = []
    }

}
