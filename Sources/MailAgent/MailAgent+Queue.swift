import MailCore
import MailDialects

// The queue: entries made from received or submitted mail, attempts started for their
// recipients, and each recipient's outcome (delivered, handed on, retried after the
// `RetrySchedule`'s delay, or returned once it gives up).
extension MailAgent {
    // MARK: Queue

    /// Queues a message whose recipients wait until `due` (now plus the queue delay).
    mutating func enqueue(
        messageID: String, reversePath: Path, content: [UInt8], origin: String?, isNotice: Bool,
        recipients: [QueuedRecipient], due: Timestamp, now: Timestamp, viaRoute: Bool = false
    ) {
        nextID += 1
        let entry = QueueEntry(
            queueID: nextID, messageID: messageID, reversePath: reversePath, content: content, arrival: now,
            origin: origin,
            isNotice: isNotice, recipients: recipients, viaRoute: viaRoute)
        queue[nextID] = entry
        queuedRecipientCount += entry.recipients.count { $0.state != .finished }
        if due <= now {
            startAttempts(nextID, now: now)
        } else {
            schedule(nextID, at: due)
        }
    }

    /// Starts delivery of every due recipient of an entry: local ones at once, the others grouped
    /// by next hop, one transaction per group ("one copy per server", RFC 2821 §4.5.4).
    mutating func startAttempts(_ queueID: UInt64, now: Timestamp) {
        guard let recipients = queue.reading(queueID, { $0.recipients }) else { return }
        // What to do at once, in recipient order, once the loop no longer holds the recipient list
        // (changing the entry while it does would copy the list).
        enum AtOnce {
            case bounce(Int, String)
            case deliverHere(Int)
        }
        var atOnce: [AtOnce] = []
        // Recipients by target, in order of first appearance; most entries have one target, kept
        // apart so that it needs no list of groups.
        var first: (target: String, indices: [Int])?
        var more: [(target: String, indices: [Int])] = []
        // By index, reading each recipient's fields in place rather than copying the recipient.
        for index in recipients.indices {
            guard case .waiting(let due) = recipients[index].state, due <= now else { continue }
            guard let domain = recipients[index].path.mailbox?.domain else {
                atOnce.append(.bounce(index, "no domain in <\(recipients[index].mailbox)>"))
                continue
            }
            let hop = nextHop(for: recipients[index].path)
            if case .none = hop, configuration.localDomains.contains(domain) || configuration.isThisHost(domain) {
                atOnce.append(.deliverHere(index))
                continue
            }
            let target = router.sessionTarget(for: hop?.text ?? domain.text, from: configuration)
            // Targets compare as domains do (without regard to case).
            if case .none = first {
                first = (target, [index])
            } else if Domain.sameName(first!.target, target) {
                first!.indices.append(index)
            } else if let group = more.firstIndex(where: { Domain.sameName($0.target, target) }) {
                more[group].indices.append(index)
            } else {
                more.append((target, [index]))
            }
        }
        _ = consume recipients
        for action in atOnce {
            switch action {
            case .bounce(let index, let reason): bounce(queueID, index, reason: reason, now: now)
            case .deliverHere(let index): deliverLocallyFromQueue(queueID, index, now: now)
            }
        }
        if let first { beginAttempt(queueID, first.indices, target: first.target, now: now) }
        for group in more { beginAttempt(queueID, group.indices, target: group.target, now: now) }
        removeIfFinished(queueID)
    }

    // MARK: Outcomes

    mutating func finish(_ queueID: UInt64, _ index: Int, event: (String, Mailbox) -> AgentEvent) {
        // Take what the event needs first: a copy of the entry held across the write below would
        // make the write copy the whole recipient list.
        guard let (messageID, mailbox) = queue.reading(queueID, { ($0.messageID, $0.recipients[index].mailbox) }) else {
            return
        }
        markFinished(queueID, index)
        actions.append(.event(event(messageID, mailbox)))
    }

    /// A temporary failure: wait for the schedule's next attempt, or return the mail when it is spent.
    mutating func postpone(_ queueID: UInt64, _ index: Int, reason: String, attemptStarted: Timestamp, now: Timestamp) {
        guard
            let (messageID, arrival, queued) = queue.reading(
                queueID, { ($0.messageID, $0.arrival, $0.recipients[index]) })
        else { return }
        var recipient = queued
        recipient.failures += 1
        recipient.lastError = reason
        guard
            let due = configuration.retry.nextAttempt(
                failures: recipient.failures, arrival: arrival, lastAttempt: attemptStarted)
        else {
            queue.updating(queueID) { $0.recipients[index] = recipient }
            bounce(
                queueID, index,
                reason:
                    "gave up after \(configuration.retry.giveUpAfter.shortText) (\(configuration.retry.name) schedule); last error: \(reason)",
                now: now)
            return
        }
        recipient.state = .waiting(due: due)
        queue.updating(queueID) { $0.recipients[index] = recipient }
        schedule(queueID, at: due)
        actions.append(
            .event(.deferred(messageID: messageID, mailbox: recipient.mailbox, reason: reason, retryAt: due)))
    }

    /// Remembers to wake for an entry at `due` (the list stays sorted by time, then queue id).
    mutating func schedule(_ queueID: UInt64, at due: Timestamp) {
        guard !wakeups.contains(where: { $0 == (due, queueID) }) else { return }
        let position = wakeups.firstIndex { $0.0 > due || ($0.0 == due && $0.1 > queueID) } ?? wakeups.count
        wakeups.insert((due, queueID), at: position)
    }

    mutating func removeIfFinished(_ queueID: UInt64) {
        if queue.reading(queueID, { $0.isFinished }) == true { queue[queueID] = nil }
    }
}
