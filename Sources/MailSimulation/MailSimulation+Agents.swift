import MailAgent
import MailCore
import MailDialects
import SimKernel
import SimNetwork

// Calls into the hosts' mail agents and what they ask for in return: lookups (answered at once
// from a cache or the host table, or over the network), sessions to open, wake-up timers, and
// the events the accounting counts.
extension MailSimulation {
    // MARK: Agents

    /// Calls the agent on `host` and carries out what it asks.
    func agentActs(_ host: HostID, _ body: (inout MailAgent) -> [AgentAction]) {
        guard hasAgent[host.index] else { return }
        markActive(host.index)
        let actions = body(&agents[host.index]!)
        noteQueue(host.index)
        perform(actions, for: host)
    }

    /// Carries out an agent's actions (`AgentHost`), then arms the agent's wake-up timer.
    func perform(_ actions: consuming [AgentAction], for host: HostID) {
        var driver = AgentHost(simulation: self, host: host)
        driver.carryOut(actions)
        armWake(host)
    }

    /// What an agent's actions mean in the simulation (see `ClientDriver`).
    struct AgentHost: AgentDriver {
        let simulation: MailSimulation
        let host: HostID

        func lookUp(_ id: UInt64, _ name: String, _ type: LookupType) { simulation.lookUp(id, name, type, for: host) }
        func openSession(_ request: consuming SessionRequest) { simulation.openSession(consume request, from: host) }
        func note(_ event: AgentEvent) {
            simulation.accounting.record(event, at: simulation.network.now)
            simulation.traceEvent(event, at: host)
        }
        func recycle(_ spent: inout [AgentAction]) { simulation.agents[host.index]!.recycle(&spent) }
    }

    /// Answers a lookup at once from a cache or the host table where the network can, and asks
    /// the network otherwise.
    func lookUp(_ id: UInt64, _ name: String, _ type: LookupType, for host: HostID) {
        let pending = PendingLookup(host: host, id: id, question: .init(name: name, type: type))
        trace(host, .init("dns"), "query \(pending.question)")
        let queryType: DNSQueryType = type == .mailExchanger ? .mx : .a
        if let answer = network.answerAtOnce(name, queryType, from: host) {
            answersAtOnce.append((pending, answer))
        } else {
            lookups[network.lookup(name, queryType, from: host).value] = pending
        }
    }

    /// Hands agents the answers their resolvers knew at once (a cache, the host table), in the
    /// order asked, once the event that led to them has been carried out: as an answer through
    /// the event queue would come, at the same time and after everything the event did (a
    /// relay replies 250 to the final dot before its first SYN goes out), without the trip
    /// through the queue. Answers these lead to are handed over in the same pass.
    func answerLookupsAtOnce() {
        var index = 0
        while index < answersAtOnce.count {
            let (pending, answer) = answersAtOnce[index]
            index += 1
            // As for an answer through the queue: a host that crashed meanwhile hears nothing.
            if !crashed[pending.host.index] { lookupAnswered(pending, answer) }
        }
        answersAtOnce.removeAll(keepingCapacity: true)
    }

    func armWake(_ host: HostID) {
        // Read through the array: binding the agent to a constant would copy the whole struct.
        guard let wanted = agents[host.index]?.nextWake.map({ SimTime(nanoseconds: $0.nanoseconds) }) else { return }
        if let armed = wakeTimers[host.index], armed.time <= wanted { return }
        if let armed = wakeTimers[host.index] { network.cancelTimer(armed.id) }
        let id = network.scheduleTimer(TimerToken(host: host, tag: TimerTag.wake.rawValue, value: 0), at: wanted)
        wakeTimers[host.index] = (max(wanted, network.now), id)
    }

    /// A lookup an agent asked for, until its answer comes.
    struct PendingLookup {
        struct Question: Hashable, CustomStringConvertible {
            var name: String
            var type: LookupType
            /// The type as a `NameTable`'s kind.
            var kind: UInt8 { type == .mailExchanger ? 15 : 1 }
            /// `MX d3.net`, for traces.
            var description: String { "\(type == .mailExchanger ? "MX" : "A") \(name)" }
        }
        var host: HostID
        var id: UInt64
        var question: Question
    }

    static func nameAnswer(_ answer: DNSAnswer) -> NameAnswer {
        switch answer {
        case .addresses(let addresses): .addresses(addresses.map(\.description))
        case .mailExchangers(let records, let additional):
            .exchangers(
                records.map { record in
                    Exchanger(
                        preference: Int(record.preference), name: record.exchange,
                        addresses: additional.first { DNSZones.key($0.name) == DNSZones.key(record.exchange) }?
                            .addresses.map(\.description) ?? [])
                })
        case .noRecords: .noRecords
        case .nameError: .noSuchDomain
        case .timedOut: .temporaryFailure
        case .unavailable: .unavailable
        }
    }
}
