import SimKernel

/// The running network: link and host state, connections, DNS, and the kernel that orders it all.
///
/// The model is driven from outside: the layer above takes each event from `kernel` and calls
/// `handle(_:into:)`, which appends what the hosts must hear to a notification list. Nothing here
/// knows about mail. See `Docs/architecture.md` for the timing model; in short:
/// - A segment of n bytes (payload plus a 40-byte header) crosses each link of its route in turn:
///   it waits for that link direction to be free, takes n·8/bandwidth to serialise, then the
///   link's latency. Links are FIFO per direction; the whole route is reserved when the segment is
///   sent, and a write of several segments is delivered as one event when its last byte arrives.
/// - Data needs no acknowledgements and no window: the byte stream is reliable and in order for as
///   long as every link on its route is up and both hosts are running; otherwise it is reset.
public struct NetworkModel {
    public let topology: Topology
    public var kernel = Kernel<NetworkEvent>()

    /// How long a client waits for the handshake before `ConnectFailure.timedOut`.
    public var connectTimeout: SimDuration = .seconds(75)
    /// Payload bytes per segment.
    public var maximumSegmentSize = 1460
    /// TCP/IP header bytes counted on every segment.
    public static let headerSize = 40

    public internal(set) var linkUp: [Bool]
    public internal(set) var hostUp: [Bool]
    /// When each direction of each link is next free (index `2·link + direction`).
    var linkFreeAt: [Int64]
    var adjacency: [[Adjacency]]
    /// Each link's latency and, where its bandwidth divides 8·10⁹ bits evenly, the exact
    /// nanoseconds per byte: the common case then needs no 128-bit division per segment and hop.
    let linkTimings: [LinkTiming]
    struct LinkTiming {
        var latency: Int64
        var bandwidth: UInt64?
        var nanosecondsPerByte: Int64?
    }
    /// The host of each address (as `Topology.host(at:)` answers), so that opening a connection
    /// does not search every host: sorted by address, for a binary search (hashing the address
    /// cost more, once a connection).
    let hostByAddress: [(address: IPv4Address, host: HostID)]
    var routeCache = RouteTable()
    /// Every route ever handed to a connection, kept alive here: connections hold theirs
    /// `unowned(unsafe)`, so that copying a connection costs no reference counting.
    var keptRoutes: [Route] = []

    var connections: [Connection] = []
    var freeSlots: [Int32] = []
    /// The ports each host listens on (a host listens on one or two: a list, searched in order).
    var listeners: [[UInt16]]
    var nextEphemeralPort: [UInt16]

    /// Networks joined into one internet: a connection may cross from one to another at a host on
    /// both (an IP gateway). Networks not in the set stay islands that only mail gateways join.
    public var joinedNetworks: Set<NetworkID> = [] {
        didSet { routeCache.removeAll() }
    }

    public var dns: DNSConfiguration
    public var hostTable: HostTable
    var lookups = PendingLookups()
    var caches: [NameTable<CachedAnswer>]
    /// The bytes of data segments and the DNS answers on their way (see `InFlightSlot`).
    var segmentData = InFlightStore<[UInt8]>()
    var answersInFlight = InFlightStore<DNSAnswer>()

    public internal(set) var statistics = Statistics()

    /// Counters over a whole run.
    public struct Statistics: Sendable, Equatable {
        public var segments = 0
        /// Every byte put on a link, headers included, counted once per segment (not per hop).
        public var bytes = 0
        public var connectionsOpened = 0
        public var connectionsRefused = 0
        public var connectionsTimedOut = 0
        public var connectionsReset = 0
        /// DNS queries sent over the network (cache hits and host-table lookups are not queries).
        public var dnsQueries = 0
        public var dnsCacheHits = 0
        public var dnsTimeouts = 0
    }

    public init(topology: Topology, dns: DNSConfiguration = .off, hostTable: HostTable? = nil) {
        self.topology = topology
        self.dns = dns
        self.hostTable = hostTable ?? HostTable(topology: topology)
        linkUp = Array(repeating: true, count: topology.links.count)
        hostUp = Array(repeating: true, count: topology.hosts.count)
        linkFreeAt = Array(repeating: 0, count: topology.links.count * 2)
        nextEphemeralPort = Array(repeating: WellKnownPort.firstEphemeral, count: topology.hosts.count)
        listeners = Array(repeating: [], count: topology.hosts.count)
        caches = Array(repeating: NameTable(), count: topology.hosts.count)
        adjacency = Array(repeating: [], count: topology.hosts.count)
        for (index, link) in topology.links.enumerated() {
            adjacency[link.endpoints.0.index].append(Adjacency(link: index, neighbor: link.endpoints.1, forward: true))
            adjacency[link.endpoints.1.index].append(Adjacency(link: index, neighbor: link.endpoints.0, forward: false))
        }
        linkTimings = topology.links.map { link in
            let perByte = link.bandwidth.flatMap { bandwidth in 8_000_000_000 % bandwidth == 0 ? Int64(8_000_000_000 / bandwidth) : nil }
            return LinkTiming(latency: link.latency.nanoseconds, bandwidth: link.bandwidth, nanosecondsPerByte: perByte)
        }
        var hostByAddress: [(address: IPv4Address, host: HostID)] = []
        for (index, host) in topology.hosts.enumerated() {
            for address in host.addresses { hostByAddress.append((address, HostID(index))) }
        }
        hostByAddress.sort { $0.address < $1.address }  // the topology gives each address to one host
        self.hostByAddress = hostByAddress
    }

    public var now: SimTime { kernel.now }

    /// The host at `address`, if any.
    func host(at address: IPv4Address) -> HostID? {
        var low = 0
        var high = hostByAddress.count
        while low < high {
            let middle = (low + high) / 2
            if hostByAddress[middle].address < address { low = middle + 1 } else { high = middle }
        }
        return low < hostByAddress.count && hostByAddress[low].address == address ? hostByAddress[low].host : nil
    }

    // MARK: Timers for the layer above

    /// Schedules a timer that comes back as `NetworkNotification.timer(token)` at `time`.
    @discardableResult
    public mutating func scheduleTimer(_ token: TimerToken, at time: SimTime) -> EventID {
        kernel.schedule(at: max(time, kernel.now), .timer(token))
    }

    public mutating func cancelTimer(_ id: EventID) { kernel.cancel(id) }

    // MARK: Link and host state

    /// Schedules a link to go down or come up at `time`.
    public mutating func scheduleLinkChange(_ link: LinkID, up: Bool, at time: SimTime) {
        kernel.schedule(at: time, .linkChange(link, up: up))
    }

    /// Takes a link down or brings it up now. Every connection routed over a link that goes down
    /// is reset at once (both live ends hear `reset`); new connections route around it if they can.
    public mutating func setLink(_ link: LinkID, up: Bool, into notifications: inout [NetworkNotification]) {
        guard linkUp[link.index] != up else { return }
        linkUp[link.index] = up
        routeCache.removeAll()
        if !up { resetConnections(into: &notifications) { $0.route.hops.contains { $0.link == link.index } } }
    }

    /// Crashes a host: it stops forwarding and listening, its connections are reset (the peer hears
    /// `reset`; the crashed host hears nothing), and its pending DNS lookups are forgotten.
    public mutating func crash(_ host: HostID, into notifications: inout [NetworkNotification]) {
        guard hostUp[host.index] else { return }
        hostUp[host.index] = false
        routeCache.removeAll()
        listeners[host.index] = []
        caches[host.index].removeAll()
        for id in lookups.ids where lookups[id]?.host == host {
            if let timeout = lookups[id]?.timeout { kernel.cancel(timeout) }
            lookups[id] = nil
        }
        resetConnections(into: &notifications, silent: host) {
            $0.client == host || $0.server == host || $0.route.transits(host)
        }
    }

    /// Restarts a crashed host. It listens on nothing until the layer above listens again.
    public mutating func restart(_ host: HostID) {
        guard !hostUp[host.index] else { return }
        hostUp[host.index] = true
        routeCache.removeAll()
    }

    // MARK: Event dispatch

    /// Carries out one network event, appending what hosts must be told.
    public mutating func handle(_ event: NetworkEvent, into notifications: inout [NetworkNotification]) {
        if let notification = handle(event, more: &notifications) { notifications.append(notification) }
    }

    /// Carries out one network event and returns what a host must be told. Every event tells at
    /// most one host one thing, except a link going down, which resets every connection over it:
    /// those notifications are appended to `more` (and then nothing is returned). Drivers call
    /// this form so that the common case passes one value and builds no list.
    public mutating func handle(_ event: NetworkEvent, more: inout [NetworkNotification]) -> NetworkNotification? {
        switch event {
        case .timer(let token):
            // Timers belong to the layer above, which knows what a timer of a crashed host means.
            return .timer(token)
        case .segment(let id, let side, let kind):
            var bytes: [UInt8] = []
            if case .data(let slot) = kind { bytes = segmentData.take(slot) }
            return segmentArrived(id, at: side, kind, bytes)
        case .connectTimeout(let id):
            return connectTimedOut(id)
        case .linkChange(let link, let up):
            setLink(link, up: up, into: &more)
            return nil
        case .dnsQueryArrived(let id, let attempt):
            dnsQueryArrived(id, attempt: attempt)
            return nil
        case .dnsResponseArrived(let id, let slot, let ttl):
            return dnsResponseArrived(id, answersInFlight.take(slot), ttl: ttl)
        case .dnsTimeout(let id, let attempt):
            return dnsTimedOut(id, attempt: attempt)
        case .dnsLocalAnswer(let id, let slot):
            let answer = answersInFlight.take(slot)
            guard let lookup = lookups.removeValue(forKey: id) else { return nil }
            return .dnsAnswered(id, host: lookup.host, answer)
        }
    }

    // MARK: Transmission

    /// Reserves the links of `route` for `payload` bytes sent at `start` in the given direction
    /// and returns when the last byte arrives. Segments of `maximumSegmentSize` bytes each carry a
    /// header; a zero-byte payload is one bare segment (SYN, FIN, RST, or an empty datagram).
    mutating func transmit(payload: Int, over route: Route, reversed: Bool, at start: SimTime) -> SimTime {
        var remaining = payload
        var arrival = start.nanoseconds
        // Store-and-forward timing of each segment over every hop, read from the route's steps
        // for this direction (one list, no per-link lookups) and written to the link directions'
        // free times through one unique reference.
        route.steps.withUnsafeBufferPointer { steps in
            // The hops from the source, then the same hops back: the count comes from the list
            // being read, not from `route.hops` (one dependent load fewer, and one fewer miss).
            let count = steps.count / 2
            let first = reversed ? count : 0
            linkFreeAt.withUnsafeMutableBufferPointer { freeAt in
                repeat {
                    let size = min(remaining, maximumSegmentSize) + Self.headerSize
                    remaining -= min(remaining, maximumSegmentSize)
                    statistics.segments += 1
                    statistics.bytes += size
                    var time = start.nanoseconds
                    for index in first..<first + count {
                        let step = steps[index]
                        let begin = max(time, freeAt[step.slot])
                        // ⌈size·8·10⁹/bandwidth⌉ is exactly size·(8·10⁹/bandwidth) when the bandwidth divides 8·10⁹.
                        let serialisation =
                            step.nanosecondsPerByte >= 0
                            ? Int64(size) * step.nanosecondsPerByte
                            : Self.serialisationTime(bytes: size, bandwidth: step.bandwidth)
                        let done = begin + serialisation
                        freeAt[step.slot] = done
                        time = done + step.latency
                    }
                    arrival = max(arrival, time)
                } while remaining > 0
            }
        }
        return SimTime(nanoseconds: arrival)
    }

    /// ⌈bytes · 8 · 10⁹ / bandwidth⌉ nanoseconds; zero for an unlimited link.
    public static func serialisationTime(bytes: Int, bandwidth: UInt64?) -> Int64 {
        guard let bandwidth else { return 0 }
        let bits = UInt64(bytes) * 8
        let (high, low) = bits.multipliedFullWidth(by: 1_000_000_000)
        let (quotient, remainder) = bandwidth.dividingFullWidth((high, low))
        return Int64(quotient) + (remainder > 0 ? 1 : 0)
    }
}

extension NetworkModel {
    /// Runs the network until `limit`, handing each notification to `react`, which may act on
    /// the network (send, connect, look up…). A convenience for small drivers and tests; the mail
    /// simulation runs its own loop to interleave its events.
    public mutating func run(
        until limit: SimTime, _ react: (inout NetworkModel, NetworkNotification) -> Void = { _, _ in }
    ) {
        var notifications: [NetworkNotification] = []
        while let event = kernel.step(until: limit) {
            notifications.removeAll(keepingCapacity: true)
            handle(event, into: &notifications)
            for notification in notifications { react(&self, notification) }
        }
        if limit != .distantFuture, limit > kernel.now { kernel.advance(to: limit) }
    }
}
