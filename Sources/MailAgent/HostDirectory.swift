import MailCore

/// What a host knows of the others from its host table (HOSTS.TXT): which networks each sits on
/// and which relay mail between networks. Before DNS and MX, this is how a sending host worked out
/// a source route through gateway hosts (DESIGN: A→D→P→U→Z).
public struct HostDirectory: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var name: String
        public var networks: Set<String>
        /// A mail gateway: relays mail between the networks it is on.
        public var relays: Bool
        /// The host's address from the table.
        public var address: String

        public init(name: String, networks: Set<String>, relays: Bool, address: String = "") {
            self.name = name
            self.networks = networks
            self.relays = relays
            self.address = address
        }
    }

    public private(set) var entries: [String: Entry] = [:]

    public init(_ entries: [Entry] = []) {
        for entry in entries { self.entries[entry.name.lowercased()] = entry }
    }

    public func entry(_ name: String) -> Entry? { entries[name.lowercasedKey()] }

    /// Whether two hosts share a network, so one can open a connection to the other.
    public func canReach(_ from: String, _ to: String) -> Bool {
        guard let a = entry(from), let b = entry(to) else { return false }
        return !a.networks.isDisjoint(with: b.networks)
    }

    /// The gateways mail from `source` must pass, in order, to reach `destination`: `[]` when the
    /// two share a network, `nil` when no chain of mail gateways joins them. Shortest in hops;
    /// among equally short chains the one whose gateway names sort first (breadth-first search
    /// visiting neighbours in name order), so the choice is the same on every run.
    public func gateways(from source: String, to destination: String) -> [String]? {
        guard let start = entry(source), entry(destination) != nil else { return nil }
        if canReach(source, destination) { return [] }
        let relays = entries.values.filter(\.relays).map(\.name).sorted { $0.lowercased() < $1.lowercased() }
        let startKey = start.name.lowercased()
        var parent: [String: String] = [startKey: startKey]
        var frontier = [start.name]
        while !frontier.isEmpty {
            var next: [String] = []
            for host in frontier {
                for relay in relays where parent[relay.lowercased()] == nil && canReach(host, relay) {
                    parent[relay.lowercased()] = host.lowercased()
                    if canReach(relay, destination) {
                        var chain: [String] = []
                        var cursor = relay.lowercased()
                        while cursor != startKey {
                            chain.insert(entries[cursor]!.name, at: 0)
                            cursor = parent[cursor]!
                        }
                        return chain
                    }
                    next.append(relay)
                }
            }
            frontier = next
        }
        return nil
    }
}
