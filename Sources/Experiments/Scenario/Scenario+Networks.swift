import MailCore
import MailSimulation
import SimNetwork

/// Which of a scenario's networks a run has: those founded by the era's year (`Factors.networks`),
/// and what that leaves out or, in a counterfactual, runs before its time.
public struct NetworkStatus: Sendable, Equatable {
    public struct Dated: Sendable, Equatable {
        public var name: String
        public var founded: Int
    }

    /// The networks that run, in the scenario's order.
    public var running: [String]
    /// Networks the run leaves out: founded after the year its networks are of.
    public var notYetFounded: [Dated]
    /// Networks that run in an era before the year they were founded (`--set networks=all`, or a
    /// later year): the run is a counterfactual, and its report says so.
    public var beforeTheirTime: [Dated]

    /// One line for a report; `nil` when every network of the scenario runs in its own time.
    public var note: String? {
        var parts: [String] = []
        if !notYetFounded.isEmpty {
            parts.append("not yet founded, left out: " + Self.list(notYetFounded))
        }
        if !beforeTheirTime.isEmpty {
            parts.append("counterfactual: " + Self.list(beforeTheirTime) + " run before their founding")
        }
        let names = running.isEmpty ? "none" : running.joined(separator: ", ")
        return parts.isEmpty ? nil : "networks: " + names + "; " + parts.joined(separator: "; ")
    }

    static func list(_ networks: [Dated]) -> String {
        networks.map { "\($0.name) (\($0.founded))" }.joined(separator: ", ")
    }
}

extension Scenario {
    /// The networks `era` runs: those its `networks` factor includes.
    public func networkStatus(in era: Era) -> NetworkStatus {
        var status = NetworkStatus(running: [], notYetFounded: [], beforeTheirTime: [])
        for network in networks {
            let year = founded[network.lowercased()]
            guard era.factors.networks.includes(founded: year) else {
                status.notYetFounded.append(.init(name: network, founded: year!))
                continue
            }
            status.running.append(network)
            if let year, year > era.year { status.beforeTheirTime.append(.init(name: network, founded: year)) }
        }
        return status
    }

    /// The factors that differ between two eras for this scenario: `networks` only when the two
    /// eras run different networks of it (most scenarios date none, and every year is then alike),
    /// `transport` only when one runs NCP on a network of it.
    public func differences(from a: Era, to b: Era) -> [Factor] {
        b.factors.differences(from: a.factors).filter { factor in
            switch factor {
            case .networks: networkStatus(in: a).running != networkStatus(in: b).running
            case .transport: ncpNetworks(in: a) != ncpNetworks(in: b)
            default: true
            }
        }
    }

    /// The networks `era` runs over NCP, in the scenario's order.
    public func ncpNetworks(in era: Era) -> [String] {
        guard era.factors.transport == .ncp else { return [] }
        return networkStatus(in: era).running.filter { ncp.contains($0.lowercased()) }
    }

    /// The keys of the hosts on none of the running networks: they do not exist in the run.
    func absentHosts(_ status: NetworkStatus) -> Set<String> {
        let running = Set(status.running.map(Topology.key))
        return Set(
            hosts.filter { !$0.networks.contains { running.contains(Topology.key($0)) } }.map { Topology.key($0.name) })
    }

    /// `workload` less every message whose sender or a recipient has a mailbox or submits mail on
    /// an absent host. A message is kept or left out whole: its text names all its recipients.
    func workload(_ workload: Workload, withoutHosts absent: Set<String>) -> Workload {
        guard !absent.isEmpty else { return workload }
        var absentUsers = Set<Int32>()
        for user in users
        where absent.contains(Topology.key(user.submitsAt)) || absent.contains(Topology.key(user.mailHost)) {
            if let number = workload.userNumber(Mailbox(user.address)) { absentUsers.insert(number) }
        }
        return workload.keeping { index in
            !absentUsers.contains(workload.sender(index))
                && !workload.recipients(index).contains(where: absentUsers.contains)
        }
    }
}
