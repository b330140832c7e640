import MailAgent

/// The levels a run follows at every change (see `LevelStatistics`): which agents have had
/// anything to do, and the recipients waiting in all queues.
extension MailSimulation {
    @inline(__always)
    func markActive(_ host: Int) {
        if !isActive[host] { isActive[host] = true }
    }

    /// Follows a change in the host's agent's queue: the total over all queues is known at every
    /// instant it changes (`LevelStatistics`), not sampled.
    @inline(__always)
    func noteQueue(_ host: Int) {
        // Read in place: `agents[host]?.…` would copy the whole agent.
        func count(_ agent: inout MailAgent) -> Int {
            assert(
                agent.queuedRecipientCount == agent.recountedQueuedRecipients, "the queue count of host \(host) drifted"
            )
            return agent.queuedRecipientCount
        }
        let level = count(&agents[host]!)
        guard level != queueLevels[host] else { return }
        queuedRecipients += level - queueLevels[host]
        queueLevels[host] = level
        statistics.queue.change(to: queuedRecipients, at: network.now)
    }
}
