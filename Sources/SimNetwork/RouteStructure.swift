import SimKernel

/// Shortest paths read from the shape of a network, so that a route costs what its path is
/// long, not what the topology is large.
///
/// Most hosts of an internet hang off the rest by one link (a user's host off its router, a
/// domain's router off its provider), and whole subtrees do. Peeling every host of degree one,
/// again and again, leaves the *core* (every host on a cycle, and the paths between cycles) and
/// a forest hanging off it: each peeled host keeps the link towards its *root*, the core host
/// (or, for a component that is a tree, the last host left) its subtree hangs from. A path
/// between two hosts of one tree is the tree's only path between them; a path between two
/// trees runs up one, through the core, and down the other, and only the core part needs a
/// search — over the core alone, once for each pair of roots.
///
/// These are the routes `NetworkModel.route(from:to:)` defines (shortest by latency, then by
/// hops, then settled first by host index): a tree's paths are the only simple ones, and seen
/// from any host of a tree every core host is the same latency and hop count further than from
/// the tree's root, so the search over the core settles the core's hosts in the same order.
/// Built for the links that are up; the network uses it only while every host is running (a
/// crashed host may end a path but not forward one, which this shape does not know).
struct RouteStructure {
    /// The link slot (2·link + direction, as `Route.steps` numbers them) from each host to its
    /// parent, and the parent; -1 for a root.
    private var upSlot: [Int32]
    private var parent: [Int32]
    private var depth: [Int32]
    private var root: [Int32]
    /// Whether a root is a core host (it has links to two or more hosts of the core).
    private var inCore: [Bool]
    /// Each core host's usable links to other core hosts (empty for the others): what a search
    /// of the core walks, without the links to the trees hanging off it.
    private var coreAdjacency: [[Adjacency]]
    /// Core paths found so far, by pair of roots: the slots from the first to the second, or nil
    /// when the core does not join them. (Looked up, never iterated.)
    private var corePaths: [UInt64: [Int32]?] = [:]

    init(topology: Topology, adjacency: [[Adjacency]], usable: (Int) -> Bool) {
        let count = topology.hosts.count
        upSlot = Array(repeating: -1, count: count)
        parent = Array(repeating: -1, count: count)
        depth = Array(repeating: 0, count: count)
        root = Array(0..<count).map { Int32($0) }
        var degree = adjacency.map { edges in edges.reduce(0) { $0 + (usable($1.link) ? 1 : 0) } }
        var removed = Array(repeating: false, count: count)
        var order: [Int32] = []
        var queue = (0..<count).filter { degree[$0] == 1 }
        var next = 0
        while next < queue.count {
            let host = queue[next]
            next += 1
            guard !removed[host], degree[host] == 1,
                let edge = adjacency[host].first(where: { usable($0.link) && !removed[$0.neighbor.index] })
            else { continue }
            removed[host] = true
            order.append(Int32(host))
            parent[host] = Int32(edge.neighbor.index)
            upSlot[host] = Int32(edge.link * 2 + (edge.forward ? 0 : 1))
            degree[host] = 0
            degree[edge.neighbor.index] -= 1
            if degree[edge.neighbor.index] == 1 { queue.append(edge.neighbor.index) }
        }
        let inCore = (0..<count).map { !removed[$0] && degree[$0] >= 2 }
        self.inCore = inCore
        coreAdjacency = (0..<count).map { host in
            inCore[host] ? adjacency[host].filter { usable($0.link) && inCore[$0.neighbor.index] } : []
        }
        for host in order.reversed() {
            let up = Int(parent[Int(host)])
            root[Int(host)] = root[up]
            depth[Int(host)] = depth[up] + 1
        }
    }

    /// The hops from `source` to `destination` (two different hosts), or nil when no path
    /// joins them. `coreSearch` finds the path between two core hosts over the core alone,
    /// given the core's links.
    mutating func path(
        from source: Int, to destination: Int,
        coreSearch: (_ from: Int, _ to: Int, _ coreAdjacency: [[Adjacency]]) -> [Int32]?
    ) -> [Int32]? {
        let sourceRoot = Int(root[source]), destinationRoot = Int(root[destination])
        var up: [Int32] = []  // slots from the source upwards
        var down: [Int32] = []  // slots from the destination upwards (reversed at the end)
        var a = source, b = destination
        if sourceRoot == destinationRoot {
            // One tree: up to the lowest common ancestor from both ends.
            while depth[a] > depth[b] { up.append(upSlot[a]); a = Int(parent[a]) }
            while depth[b] > depth[a] { down.append(upSlot[b]); b = Int(parent[b]) }
            while a != b {
                up.append(upSlot[a]); a = Int(parent[a])
                down.append(upSlot[b]); b = Int(parent[b])
            }
        } else {
            guard inCore[sourceRoot], inCore[destinationRoot] else { return nil }
            while a != sourceRoot { up.append(upSlot[a]); a = Int(parent[a]) }
            while b != destinationRoot { down.append(upSlot[b]); b = Int(parent[b]) }
            let key = UInt64(UInt32(sourceRoot)) << 32 | UInt64(UInt32(destinationRoot))
            let core: [Int32]?
            if let known = corePaths[key] {
                core = known
            } else {
                core = coreSearch(sourceRoot, destinationRoot, coreAdjacency)
                corePaths[key] = .some(core)
            }
            guard let core else { return nil }
            up.append(contentsOf: core)
        }
        // Going down a link is its other direction.
        for slot in down.reversed() { up.append(slot ^ 1) }
        return up
    }
}
