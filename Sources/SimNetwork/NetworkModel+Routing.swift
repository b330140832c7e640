import SimKernel

/// One hop of a route: a link crossed from its first endpoint to its second (`forward`) or back.
public struct Hop: Hashable, Sendable {
    public var link: Int
    public var forward: Bool
}

/// A path between two hosts. Immutable and shared (the route cache hands the same instance to
/// every connection between two hosts), so copying a connection's record copies one reference.
public final class Route: Hashable, Sendable {
    /// The network the path runs on (the lowest of several joined networks).
    public let network: NetworkID
    /// Hops from the source to the destination.
    public let hops: [Hop]
    /// The hosts along the path, source and destination included.
    public let hosts: [HostID]
    /// Sum of the links' one-way latencies.
    public let latency: SimDuration
    /// What link timing needs of each hop, in one list: the hops from the source first, then
    /// those from the destination back (`NetworkModel.forward` reads one run of it per segment).
    let steps: [LinkStep]

    /// `timings` are the network's, by link direction (`NetworkModel.linkTimings`).
    init(network: NetworkID, hops: [Hop], hosts: [HostID], latency: SimDuration, timings: [NetworkModel.LinkTiming]) {
        self.network = network
        self.hops = hops
        self.hosts = hosts
        self.latency = latency
        var steps: [LinkStep] = []
        steps.reserveCapacity(hops.count * 2)
        for reversed in [false, true] {
            for index in hops.indices {
                let hop = hops[reversed ? hops.count - 1 - index : index]
                let forward = hop.forward != reversed
                let slot = hop.link * 2 + (forward ? 0 : 1)
                steps.append(LinkStep(slot: slot, timing: timings[slot]))
            }
        }
        self.steps = steps
    }

    /// The route of a connection that has none (no path was found).
    static let none = Route(network: NetworkID(0), hops: [], hosts: [], latency: .zero, timings: [])

    public static func == (lhs: Route, rhs: Route) -> Bool {
        lhs.network == rhs.network && lhs.hops == rhs.hops && lhs.hosts == rhs.hosts && lhs.latency == rhs.latency
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(network)
        hasher.combine(hops)
        hasher.combine(hosts)
    }

    /// Whether `host` forwards packets on this route (is on it but not at either end).
    func transits(_ host: HostID) -> Bool { hosts.dropFirst().dropLast().contains(host) }
}

/// One hop of a route in one direction, as link timing reads it.
struct LinkStep {
    /// The link direction's index in `NetworkModel.linkFreeAt`.
    var slot: Int
    var latency: Int64
    /// Exact nanoseconds per byte; 0 for a link of unlimited bandwidth; -1 when the bandwidth does
    /// not divide 8·10⁹, and each segment's time is then worked out from `bandwidth`.
    var nanosecondsPerByte: Int64
    var bandwidth: UInt64

    init(slot: Int, timing: NetworkModel.LinkTiming) {
        self.slot = slot
        latency = timing.latency
        nanosecondsPerByte = timing.bandwidth == nil ? 0 : timing.nanosecondsPerByte ?? -1
        bandwidth = timing.bandwidth ?? 0
    }
}

struct Adjacency {
    var link: Int
    var neighbor: HostID
    var forward: Bool
}

/// The routes found so far, by source and destination host: a row for each source host, made at
/// its first route, so that finding a route again is two array reads. (A dictionary keyed by the
/// pair hashed it, a few hundred instructions, several times a message.)
struct RouteTable {
    enum Entry {
        case unknown
        case unreachable
        case route(Route)
    }

    private var rows: [[Entry]] = []

    subscript(from: HostID, to: HostID) -> Entry {
        get {
            guard from.index < rows.count, to.index < rows[from.index].count else { return .unknown }
            return rows[from.index][to.index]
        }
        set {
            if from.index >= rows.count { rows.append(contentsOf: repeatElement([], count: from.index + 1 - rows.count)) }
            if to.index >= rows[from.index].count {
                rows[from.index].append(contentsOf: repeatElement(.unknown, count: to.index + 1 - rows[from.index].count))
            }
            rows[from.index][to.index] = newValue
        }
    }

    /// Forgets every route (the network changed).
    mutating func removeAll() { rows.removeAll(keepingCapacity: true) }
}

extension NetworkModel {
    /// The route a new connection from `source` to `destination` would take now, or `nil` when
    /// no network both hosts sit on has a working path between them.
    ///
    /// Shortest by total latency; ties go to fewer hops, then to the lower network index (a path
    /// within one network before one across joined networks), then to the path whose hosts were
    /// settled first (lower host index). So the choice is deterministic.
    public mutating func route(from source: HostID, to destination: HostID) -> Route? {
        switch routeCache[source, destination] {
        case .route(let route): return route
        case .unreachable: return nil
        case .unknown: break
        }
        var best: Route?
        if source == destination {
            best = Route(
                network: topology.hosts[source.index].networks.first ?? NetworkID(0), hops: [], hosts: [source], latency: .zero,
                timings: linkTimings)
        } else {
            var choices: [Set<NetworkID>] = []
            let shared = Set(topology.hosts[destination.index].networks)
            for network in topology.hosts[source.index].networks where shared.contains(network) { choices.append([network]) }
            // Networks joined into one internet carry connections across each other at gateway hosts.
            if !joinedNetworks.isEmpty,
                topology.hosts[source.index].networks.contains(where: joinedNetworks.contains),
                topology.hosts[destination.index].networks.contains(where: joinedNetworks.contains)
            {
                choices.append(joinedNetworks)
            }
            for networks in choices {
                guard let candidate = shortestPath(from: source, to: destination, on: networks) else { continue }
                if best == nil
                    || (candidate.latency, candidate.hops.count) < (best!.latency, best!.hops.count)
                {
                    best = candidate
                }
            }
        }
        routeCache[source, destination] = best.map { .route($0) } ?? .unreachable
        if let best { keptRoutes.append(best) }
        return best
    }

    /// Dijkstra over the up links of the given networks whose intermediate hosts are running.
    private func shortestPath(from source: HostID, to destination: HostID, on networks: Set<NetworkID>) -> Route? {
        let count = topology.hosts.count
        var distance = [Int64](repeating: .max, count: count)
        var hopCount = [Int](repeating: .max, count: count)
        var previous = [Adjacency?](repeating: nil, count: count)
        var settled = [Bool](repeating: false, count: count)
        distance[source.index] = 0
        hopCount[source.index] = 0
        // A small binary heap of (distance, hops, host) would pay off only on large topologies;
        // a linear scan keeps the tie-break rule obvious and is fast for hundreds of hosts.
        while true {
            var current = -1
            for host in 0..<count where !settled[host] && distance[host] != .max {
                if current < 0 || (distance[host], hopCount[host]) < (distance[current], hopCount[current]) {
                    current = host
                }
            }
            guard current >= 0 else { return nil }
            if current == destination.index { break }
            settled[current] = true
            // Only the source and running hosts forward.
            if current != source.index && !hostUp[current] { continue }
            for edge in adjacency[current] where linkUp[edge.link] && networks.contains(topology.links[edge.link].network) {
                let next = edge.neighbor.index
                guard !settled[next] else { continue }
                let candidate = distance[current] + topology.links[edge.link].latency.nanoseconds
                let hops = hopCount[current] + 1
                if (candidate, hops) < (distance[next], hopCount[next]) {
                    distance[next] = candidate
                    hopCount[next] = hops
                    previous[next] = Adjacency(link: edge.link, neighbor: HostID(current), forward: edge.forward)
                }
            }
        }
        var hops: [Hop] = []
        var hosts = [destination]
        var cursor = destination.index
        while let step = previous[cursor] {
            hops.append(Hop(link: step.link, forward: step.forward))
            hosts.append(step.neighbor)
            cursor = step.neighbor.index
        }
        return Route(
            network: networks.min()!, hops: hops.reversed(), hosts: hosts.reversed(),
            latency: SimDuration(nanoseconds: distance[destination.index]), timings: linkTimings)
    }
}
