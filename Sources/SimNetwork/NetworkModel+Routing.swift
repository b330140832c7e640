import SimKernel

/// One hop of a route: a link crossed from its first endpoint to its second (`forward`) or back.
public struct Hop: Hashable, Sendable {
    public var link: Int
    public var forward: Bool
}

/// A path between two hosts. Immutable and shared (the route cache hands the same instance to
/// every connection between two hosts), so copying a connection's record copies one reference.
/// `@unchecked Sendable`: its one mutable-looking property, the block of steps, is written in
/// `init` and only read after.
public final class Route: Hashable, @unchecked Sendable {
    /// The network the path runs on (the lowest of several joined networks).
    public let network: NetworkID
    /// Hops from the source to the destination.
    public let hops: [Hop]
    /// The hosts along the path, source and destination included.
    public let hosts: [HostID]
    /// Sum of the links' one-way latencies.
    public let latency: SimDuration
    /// What link timing needs of each hop, in one block the route owns: the hops from the source
    /// first, then those from the destination back (`stepCount` = 2 × hops). A segment on its way
    /// points into it, so moving a segment from hop to hop takes no reference counting (the
    /// network keeps every route it hands out alive; see `NetworkModel.keptRoutes`).
    let steps: UnsafeMutablePointer<LinkStep>
    let stepCount: Int

    /// `timings` are the network's, by link direction (`NetworkModel.linkTimings`).
    init(network: NetworkID, hops: [Hop], hosts: [HostID], latency: SimDuration, timings: [NetworkModel.LinkTiming]) {
        self.network = network
        self.hops = hops
        self.hosts = hosts
        self.latency = latency
        stepCount = hops.count * 2
        steps = .allocate(capacity: max(1, stepCount))
        var index = 0
        for reversed in [false, true] {
            for position in hops.indices {
                let hop = hops[reversed ? hops.count - 1 - position : position]
                let forward = hop.forward != reversed
                let slot = hop.link * 2 + (forward ? 0 : 1)
                (steps + index).initialize(to: LinkStep(slot: slot, timing: timings[slot]))
                index += 1
            }
        }
    }

    deinit {
        steps.deinitialize(count: stepCount)
        steps.deallocate()
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

/// The routes found so far, by source and destination host: an open-addressing hash table
/// keyed by the pair, so that its size follows the pairs that ever connect, not the square of
/// the host count. Finding a route again is a multiplication and, nearly always, one probe.
struct RouteTable {
    enum Entry {
        case unknown
        case unreachable
        case route(Route)
    }

    private static let empty = UInt64.max
    private var keys: [UInt64] = Array(repeating: RouteTable.empty, count: 64)
    private var entries: [Entry] = Array(repeating: .unknown, count: 64)
    private var count = 0
    private var shift: UInt64 = 58  // 64 − log2(capacity)

    private func slot(_ key: UInt64) -> Int {
        var index = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while keys[index] != key && keys[index] != Self.empty { index = (index + 1) & (keys.count - 1) }
        return index
    }

    private static func key(_ from: HostID, _ to: HostID) -> UInt64 {
        UInt64(UInt32(from.index)) << 32 | UInt64(UInt32(to.index))
    }

    subscript(from: HostID, to: HostID) -> Entry {
        get {
            let index = slot(Self.key(from, to))
            return keys[index] == Self.empty ? .unknown : entries[index]
        }
        set {
            let key = Self.key(from, to)
            var index = slot(key)
            if keys[index] == Self.empty {
                if (count + 1) * 4 > keys.count * 3 {
                    grow()
                    index = slot(key)
                }
                keys[index] = key
                count += 1
            }
            entries[index] = newValue
        }
    }

    private mutating func grow() {
        let (oldKeys, oldEntries) = (keys, entries)
        keys = Array(repeating: Self.empty, count: oldKeys.count * 2)
        entries = Array(repeating: .unknown, count: oldKeys.count * 2)
        shift -= 1
        for (key, entry) in zip(oldKeys, oldEntries) where key != Self.empty {
            let index = slot(key)
            keys[index] = key
            entries[index] = entry
        }
    }

    /// Forgets every route (the network changed).
    mutating func removeAll() {
        guard count > 0 else { return }
        for index in keys.indices { keys[index] = Self.empty }
        for index in entries.indices { entries[index] = .unknown }
        count = 0
    }
}

/// Dijkstra's working arrays, kept between searches and reset only where a search wrote, so
/// that finding a route costs what the search visits, not the size of the whole topology.
struct RouteSearch {
    var distance: [Int64] = []
    var hopCount: [Int32] = []
    var previous: [Int32] = []  // the link index and direction that led here: 2·link + (forward ? 0 : 1); -1 none
    var settled: [Bool] = []
    var touched: [Int32] = []
    /// The frontier: (distance, hops, host), smallest first; entries made stale by a better
    /// path stay in and are skipped when they come up.
    var heap: [(distance: Int64, hops: Int32, host: Int32)] = []

    mutating func prepare(count: Int) {
        if distance.count != count {
            distance = Array(repeating: .max, count: count)
            hopCount = Array(repeating: .max, count: count)
            previous = Array(repeating: -1, count: count)
            settled = Array(repeating: false, count: count)
            touched = []
        }
        for host in touched {
            distance[Int(host)] = .max
            hopCount[Int(host)] = .max
            previous[Int(host)] = -1
            settled[Int(host)] = false
        }
        touched.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
    }

    static func precedes(
        _ a: (distance: Int64, hops: Int32, host: Int32), _ b: (distance: Int64, hops: Int32, host: Int32)
    ) -> Bool {
        (a.distance, a.hops, a.host) < (b.distance, b.hops, b.host)
    }

    mutating func push(_ entry: (distance: Int64, hops: Int32, host: Int32)) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (distance: Int64, hops: Int32, host: Int32)? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let first = heap[0]
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && Self.precedes(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.precedes(heap[right], heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
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
                network: topology.hosts[source.index].networks.first ?? NetworkID(0), hops: [], hosts: [source],
                latency: .zero,
                timings: linkTimings)
        } else {
            // A path within one network both hosts are on (a choice is the network's index), or
            // across the networks joined into one internet, which carry connections across each
            // other at gateway hosts (the choice after the last network's).
            let sourceNetworks = topology.hosts[source.index].networks
            let destinationNetworks = topology.hosts[destination.index].networks
            var choices: [Int] = []
            for network in sourceNetworks where destinationNetworks.contains(network) {
                choices.append(network.index)
            }
            // (One network joined to nothing else is no other choice: both hosts are on it.)
            if joinedNetworks.count > 1, sourceNetworks.contains(where: joinedNetworks.contains),
                destinationNetworks.contains(where: joinedNetworks.contains)
            {
                choices.append(topology.networks.count)
            }
            for choice in choices {
                guard let slots = path(from: source, to: destination, choice: choice) else { continue }
                let network = choice < topology.networks.count ? NetworkID(choice) : joinedNetworks.min()!
                let candidate = makeRoute(from: source, slots, network: network)
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

    /// The link slots of the shortest path in one choice of networks (see `route(from:to:)`), from
    /// the network's shape while every host runs (`RouteStructure`), else by a search over every
    /// host.
    private mutating func path(from source: HostID, to destination: HostID, choice: Int) -> [Int32]? {
        let onNetworks = linkMask(choice)
        guard hostsDown == 0 else {
            return search(from: source.index, to: destination.index, over: adjacency, onNetworks)
        }
        var structure =
            structures[choice].take()
            ?? RouteStructure(topology: topology, adjacency: adjacency) { [linkUp] link in
                linkUp[link] && onNetworks[link]
            }
        let slots = structure.path(from: source.index, to: destination.index) { from, core in
            searchAll(from: from, over: core, onNetworks)
        }
        structures[choice] = structure
        return slots
    }

    /// Which links a choice of networks has, by link (made once a choice: a search asks it of
    /// every link it looks at).
    private mutating func linkMask(_ choice: Int) -> [Bool] {
        if let mask = linkMasks[choice] { return mask }
        let mask =
            choice < topology.networks.count
            ? topology.links.map { $0.network.index == choice }
            : topology.links.map { joinedNetworks.contains($0.network) }
        linkMasks[choice] = mask
        return mask
    }

    /// A route from `source` along the given link slots.
    private func makeRoute(from source: HostID, _ slots: [Int32], network: NetworkID) -> Route {
        var hops: [Hop] = []
        var hosts = [source]
        var latency: Int64 = 0
        hops.reserveCapacity(slots.count)
        hosts.reserveCapacity(slots.count + 1)
        for slot in slots {
            let link = topology.links[Int(slot / 2)]
            let forward = slot % 2 == 0
            hops.append(Hop(link: Int(slot / 2), forward: forward))
            hosts.append(forward ? link.endpoints.1 : link.endpoints.0)
            latency += link.latency.nanoseconds
        }
        return Route(
            network: network, hops: hops, hosts: hosts, latency: SimDuration(nanoseconds: latency),
            timings: linkTimings)
    }

    /// Every host the search from `source` reaches (see `search(from:to:over:_:)`, which this
    /// runs without a destination), with the link slot it was reached by and the host before it.
    private mutating func searchAll(
        from source: Int, over adjacency: [[Adjacency]], _ onNetworks: [Bool]
    ) -> [(host: Int32, slot: Int32, from: Int32)] {
        _ = search(from: source, to: -1, over: adjacency, onNetworks)
        return routeSearch.touched.compactMap { host in
            let slot = routeSearch.previous[Int(host)]
            guard slot >= 0 else { return nil }
            let ends = topology.links[Int(slot / 2)].endpoints
            return (host, slot, Int32((slot % 2 == 0 ? ends.0 : ends.1).index))
        }
    }

    /// Dijkstra over the up links of the given networks whose intermediate hosts are running,
    /// with a binary heap ordered by (distance, hops, host): the hosts are settled in the order
    /// the tie-breaking rule of `route(from:to:)` gives, and the search stops at the destination
    /// (-1: at none; every host it reaches is then in `routeSearch.touched`).
    /// It walks `adjacency` (every host's links, or the core's alone) over the links that are up
    /// and in `onNetworks`. Returns the path's link slots.
    private mutating func search(
        from source: Int, to destination: Int, over adjacency: [[Adjacency]], _ onNetworks: [Bool]
    ) -> [Int32]? {
        var search = routeSearch
        routeSearch = RouteSearch()
        defer { routeSearch = search }
        search.prepare(count: topology.hosts.count)
        search.distance[source] = 0
        search.hopCount[source] = 0
        search.touched.append(Int32(source))
        search.push((0, 0, Int32(source)))
        var found = false
        while let (distance, hops, host) = search.pop() {
            let current = Int(host)
            guard !search.settled[current], distance == search.distance[current], hops == search.hopCount[current]
            else { continue }
            if current == destination {
                found = true
                break
            }
            search.settled[current] = true
            // Only the source and running hosts forward.
            if current != source && !hostUp[current] { continue }
            for edge in adjacency[current] where linkUp[edge.link] && onNetworks[edge.link] {
                let next = edge.neighbor.index
                guard !search.settled[next] else { continue }
                let candidate = distance + topology.links[edge.link].latency.nanoseconds
                if (candidate, hops + 1) < (search.distance[next], search.hopCount[next]) {
                    if search.distance[next] == .max { search.touched.append(Int32(next)) }
                    search.distance[next] = candidate
                    search.hopCount[next] = hops + 1
                    search.previous[next] = Int32(edge.link * 2 + (edge.forward ? 0 : 1))
                    search.push((candidate, hops + 1, Int32(next)))
                }
            }
        }
        guard found else { return nil }
        var slots: [Int32] = []
        var cursor = destination
        while search.previous[cursor] >= 0 {
            let slot = search.previous[cursor]
            slots.append(slot)
            let ends = topology.links[Int(slot / 2)].endpoints
            cursor = (slot % 2 == 0 ? ends.0 : ends.1).index
        }
        return slots.reversed()
    }
}
