import MailCore
import MailpathBase

/// What a mail agent's actions mean to the driver that runs it: the simulation (lookups over
/// the simulated DNS or host table, sessions on simulated connections) or a live relay
/// (`serve --hosts`: the host table, and sessions on real sockets). As for the engines'
/// drivers (`SenderDriver`), `carryOut` is the one loop.
public protocol AgentDriver {
    /// Looks `name` up; the answer goes back through `MailAgent.lookupFinished`.
    mutating func lookUp(_ id: UInt64, _ name: String, _ type: LookupType)
    /// Opens a session; its end goes back through `sessionFinished` or `connectionFailed`.
    mutating func openSession(_ request: consuming SessionRequest)
    /// Something the agent did, for the driver's accounting and trace.
    mutating func note(_ event: AgentEvent)
    /// Hands the spent list back to the agent (`MailAgent.recycle`).
    mutating func recycle(_ spent: inout [AgentAction])
}

extension AgentDriver {
    /// Carries out an agent's actions in order (moved off the list, not copied), then hands the
    /// list back.
    @inlinable
    public mutating func carryOut(_ actions: consuming [AgentAction]) {
        var actions = actions
        actions.reverseByMoving()
        while let action = actions.popLast() {
            switch consume action {
            case .lookup(let id, let name, let type): lookUp(id, name, type)
            case .openSession(let request): openSession(consume request)
            case .event(let event): note(event)
            }
        }
        recycle(&actions)
    }
}
