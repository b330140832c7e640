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
/// search — over the core alone, once for each root a path starts from: one search from a root
/// settles every core host, and the tree of shortest paths it leaves answers for every
/// destination (a search stopped at one destination would have chosen the same path to it:
/// nothing a search settles is changed by what it settles later).
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
    /// Each host's place among the core's hosts (-1 for the others), and how many there are.
    private var coreIndex: [Int32]
    private var coreCount: Int32
    /// The shortest-path trees of the core found so far, by the core index of their source: for
    /// each core host (by core index), the link slot its path arrives by and the host it comes
    /// from; -1 for the source and for hosts the core does not join to it.
    private var trees: [Int32: (slots: [Int32], from: [Int32])] = [:]
    /// Trees kept at most (their size grows with the core's): beyond it they are forgotten and
    /// found again when asked, so a large core costs searches, not memory without bound.
    private var treeLimit: Int

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
        var coreIndex = Array(repeating: Int32(-1), count: count)
        var coreCount: Int32 = 0
        for host in 0..<count where inCore[host] {
            coreIndex[host] = coreCount
            coreCount += 1
        }
        self.coreIndex = coreIndex
        self.coreCount = coreCount
        treeLimit = max(64, (16 << 20) / max(1, Int(coreCount)))  // 16 Mi entries, 128 MiB
    }

    /// The hops from `source` to `destination` (two different hosts), or nil when no path
    /// joins them. `coreSearch` searches the core alone (given the core's links) from a core
    /// host, to every core host it reaches: it returns them with the link slot each was reached
    /// by and the host it was reached from.
    mutating func path(
        from source: Int, to destination: Int,
        coreSearch: (_ from: Int, _ coreAdjacency: [[Adjacency]]) -> [(host: Int32, slot: Int32, from: Int32)]
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
            let tree = self.tree(from: sourceRoot, coreSearch)
            // The core part, from the destination's root back to the source's.
            var core: [Int32] = []
            var cursor = destinationRoot
            while cursor != sourceRoot {
                let index = Int(coreIndex[cursor])
                guard tree.slots[index] >= 0 else { return nil }
                core.append(tree.slots[index])
                cursor = Int(tree.from[index])
            }
            up.append(contentsOf: core.reversed())
        }
        // Going down a link is its other direction.
        for slot in down.reversed() { up.append(slot ^ 1) }
        return up
    }

    /// The shortest-path tree of the core from the core host `source`.
    private mutating func tree(
        from source: Int,
        _ coreSearch: (_ from: Int, _ coreAdjacency: [[Adjacency]]) -> [(host: Int32, slot: Int32, from: Int32)]
    ) -> (slots: [Int32], from: [Int32]) {
        let key = coreIndex[source]
        if let known = trees[key] { return known }
        var tree = (
            slots: Array(repeating: Int32(-1), count: Int(coreCount)),
            from: Array(repeating: Int32(-1), count: Int(coreCount))
        )
        for reached in coreSearch(source, coreAdjacency) {
            let index = Int(coreIndex[Int(reached.host)])
            tree.slots[index] = reached.slot
            tree.from[index] = reached.from
        }
        if trees.count >= treeLimit { trees.removeAll(keepingCapacity: true) }
        trees[key] = tree
        return tree
    }
}
