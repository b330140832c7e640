import MailCore

/// What became of each recipient of a session's transactions, as a sender learns it: the first
/// status a recipient gets stands (a later reply, or the end of the session, does not change
/// it), and when the session ends every recipient has one. The MTP and SMTP senders keep their
/// outcomes in it.
struct RecipientLedger: Sendable {
    /// All transactions' statuses in one list; `starts[t]` is where transaction t's begin.
    private var statuses: [RecipientStatus?] = []
    private var starts: [Int] = []

    init(_ transactions: [OutboundTransaction]) { reset(for: transactions) }

    /// Every recipient of `transactions` unsettled, keeping the lists' storage.
    mutating func reset(for transactions: [OutboundTransaction]) {
        starts.removeAll(keepingCapacity: true)
        statuses.removeAll(keepingCapacity: true)
        for index in transactions.indices {  // by index: a transaction copied would be retained whole
            starts.append(statuses.count)
            statuses.append(contentsOf: repeatElement(nil, count: transactions[index].recipients.count))
        }
    }

    /// Gives recipient `recipient` of transaction `transaction` its status, unless it has one.
    mutating func settle(_ transaction: Int, _ recipient: Int, _ status: RecipientStatus) {
        let slot = starts[transaction] + recipient
        // Unsettled slots are found by pattern: `== nil` copies a status (its reply) to compare it.
        if case .none = statuses[slot] { statuses[slot] = status }
    }

    /// Gives every recipient without a status this one.
    mutating func settleAll(_ status: RecipientStatus) {
        for slot in statuses.indices { if case .none = statuses[slot] { statuses[slot] = status } }
    }

    /// The outcomes of `transactions`, in `outcomes`' storage: a recipient never settled was not
    /// tried before the session ended (`RecipientStatus.interrupted`). The statuses are moved
    /// out, not copied: the ledger must be `reset` before it is used again.
    mutating func takeOutcomes(of transactions: [OutboundTransaction], into outcomes: inout [TransactionOutcome]) {
        if statuses.contains(where: { if case .none = $0 { true } else { false } }) {  // by pattern, see `settle`
            settleAll(.interrupted(.notTried))
        }
        outcomes.removeAll(keepingCapacity: true)
        for index in transactions.indices {
            outcomes.append(
                TransactionOutcome(
                    id: transactions[index].id,
                    recipients: transactions[index].recipients.indices.map {
                        RecipientOutcome(
                            recipient: transactions[index].recipients[$0], status: statuses[starts[index] + $0].take()!)
                    }))
        }
    }
}
