import MailpathBase
import SimKernel

/// The running network: link and host state, connections, DNS, and the kernel that orders it all.
///
/// The model is driven from outside: the layer above takes each event from `kernel` and calls
/// `handle(_:into:)`, which appends what the hosts must hear to a notification list. Nothing here
/// knows about mail. See `Docs/architecture.md` for the timing model; in short:
/// - A segment of n bytes (payload plus a 40-byte header) crosses each link of its route in turn,
///   store-and-forward: when it has arrived at a hop it queues for that link direction (FIFO, in
///   order of arrival at the hop), takes n·8/bandwidth to serialise, then the link's latency.
///   Each data segment's bytes reach the peer when it arrives; a DNS message when its last does.
/// - Data needs no acknowledgements and no window: the byte stream is reliable and in order for as
///   long as every link on its route is up and both hosts are running; otherwise it is reset.
/// - On a network in `ncpNetworks` a connection is NCP's instead (`NetworkModel+NCP.swift`): a
///   longer set-up, and one message at a time in each direction.
public struct NetworkModel {
    public let topology: Topology
    public var kernel = Kernel<NetworkEvent>()

    /// How long a client waits for the handshake before `ConnectFailure.timedOut`.
    public var connectTimeout: SimDuration = .seconds(75)
    /// Payload bytes per segment.
    public var maximumSegmentSize = 1460
    /// Every segment and DNS message, recorded as sent, when a packet trace is asked for
    /// (`PacketCapture`; nil, the default, records nothing).
    public var capture: PacketCapture?
    /// TCP/IP header bytes counted on every segment.
    public static let headerSize = 40

    public internal(set) var linkUp: [Bool]
    public internal(set) var hostUp: [Bool]
    /// When each direction of each link is next free (index `2·link + direction`, direction 0
    /// from the link's first endpoint to its second).
    var linkFreeAt: [Int64]
    var adjacency: [[Adjacency]]
    /// Each link direction's latency and, where its bandwidth divides 8·10⁹ bits evenly, the
    /// exact nanoseconds per byte: the common case then needs no 128-bit division per segment and
    /// hop. Indexed like `linkFreeAt`.
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
    var routeSearch = RouteSearch()
    /// The shape of each choice of networks routes were asked on (by network index, and the
    /// joined networks after the last), while nothing changes.
    var structures: [RouteStructure?]
    /// Hosts crashed and not restarted.
    var hostsDown = 0
    /// Which links are in each choice of networks routes were asked on, indexed like
    /// `structures` (the joined networks' dropped when they change).
    var linkMasks: [[Bool]?]
    /// Every route ever handed to a connection, kept alive here: connections hold theirs
    /// `unowned(unsafe)`, so that copying a connection costs no reference counting.
    var keptRoutes: [Route] = []

    @usableFromInline var connections: [Connection] = []
    @usableFromInline var freeSlots: [Int32] = []
    /// Number of connections the network still tracks (slots in use). Inlinable: the simulation
    /// reads it after every event (see `now`).
    @inlinable public var liveConnectionCount: Int { connections.count - freeSlots.count }
    /// The ports each host listens on (a host listens on one or two: a list, searched in order).
    var listeners: [[UInt16]]
    var nextEphemeralPort: [UInt16]

    /// Networks joined into one internet: a connection may cross from one to another at a host on
    /// both (an IP gateway). Networks not in the set stay islands that only mail gateways join.
    public var joinedNetworks: Set<NetworkID> = [] {
        didSet {
            forgetRoutes()
            linkMasks[topology.networks.count] = nil
        }
    }
    /// Networks whose hosts speak NCP, the ARPANET's host-to-host protocol before the flag day of
    /// 1 January 1983, instead of TCP (`NetworkModel+NCP.swift`).
    public var ncpNetworks: Set<NetworkID> = []
    /// Networks of dial-up links (UUCP), by the time between calls: a connection on one waits for
    /// the next call, at a whole multiple of the interval from the start of the run, before its
    /// first segment leaves; the call then lasts as long as the connection.
    public var pollIntervals: [NetworkID: SimDuration] = [:]
    /// The messages each NCP connection still has to send, by connection slot.
    var ncpLinks: [Int32: NCPLinks] = [:]

    public var dns: DNSConfiguration
    public var hostTable: HostTable
    var lookups = PendingLookups()
    var caches: [NameTable<CachedAnswer>]
    /// The bytes of data segments and the DNS answers on their way (see `InFlightSlot`).
    var segmentData = InFlightStore<[UInt8]>()
    var answersInFlight = InFlightStore<DNSAnswer>()
    /// Segments between two hops of their routes, each waiting for its `.hop` event.
    var packets = PacketStore()

    public internal(set) var statistics = Statistics()

    /// Counters over a whole run.
    public struct Statistics: Sendable, Equatable {
        public var segments = 0
        /// Events at which a segment reached a router or gateway on its way (`.hop`): what
        /// store-and-forward adds to a run's events, and what grows with the length of paths.
        public var hopEvents = 0
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
        linkTimings = topology.links.flatMap { link in
            [true, false].map { forward in
                let bandwidth = link.bandwidth(forward: forward)
                let perByte = bandwidth.flatMap { 8_000_000_000 % $0 == 0 ? Int64(8_000_000_000 / $0) : nil }
                return LinkTiming(latency: link.latency.nanoseconds, bandwidth: bandwidth, nanosecondsPerByte: perByte)
            }
        }
        var hostByAddress: [(address: IPv4Address, host: HostID)] = []
        for (index, host) in topology.hosts.enumerated() {
            for address in host.addresses { hostByAddress.append((address, HostID(index))) }
        }
        hostByAddress.sort { $0.address < $1.address }  // the topology gives each address to one host
        self.hostByAddress = hostByAddress
        structures = Array(repeating: nil, count: topology.networks.count + 1)
        linkMasks = Array(repeating: nil, count: topology.networks.count + 1)
    }

    /// Inlinable, like the other queries the simulation makes at every event: a call into this
    /// module on a model stored in a class copies the whole model (the callee could otherwise see
    /// it change), unless cross-module optimisation inlines it (see Docs/performance.md).
    @inlinable public var now: SimTime { kernel.now }

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
        forgetRoutes()
        if !up { resetConnections(into: &notifications) { $0.route.hops.contains { $0.link == link.index } } }
    }

    /// Crashes a host: it stops forwarding and listening, its connections are reset (the peer hears
    /// `reset`; the crashed host hears nothing), and its pending DNS lookups are forgotten.
    public mutating func crash(_ host: HostID, into notifications: inout [NetworkNotification]) {
        guard hostUp[host.index] else { return }
        hostUp[host.index] = false
        hostsDown += 1
        forgetRoutes()
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
        hostsDown -= 1
        forgetRoutes()
    }

    /// Forgets the routes and shapes known (a link, a host or the joined networks changed).
    mutating func forgetRoutes() {
        routeCache.removeAll()
        for choice in structures.indices { structures[choice] = nil }
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
        case .dial(let id):
            dial(id)
            return nil
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
        case .hop(let slot):
            hopReached(slot)
            return nil
        case .datagram(let tag, let host):
            return hostUp[host.index] ? .datagramArrived(tag, host: host) : nil
        }
    }

    // MARK: Transmission

    /// Puts `payload` bytes on `route` now, in the given direction, and schedules `completion`
    /// for when the last byte arrives. Segments of `maximumSegmentSize` bytes each carry a
    /// header; a zero-byte payload is one bare segment (SYN, FIN, RST, or an empty datagram).
    mutating func transmit(
        payload: Int, header: Int = headerSize, over route: Route, reversed: Bool, completion: NetworkEvent
    ) {
        let count = route.stepCount / 2
        let first = reversed ? count : 0
        var remaining = payload
        repeat {
            let chunk = min(remaining, maximumSegmentSize)
            remaining -= chunk
            statistics.segments += 1
            statistics.bytes += chunk + header
            // Only the last segment carries the completion: the segments of a write follow one
            // path through FIFO links, so the last to leave is the last to arrive.
            forward(
                Packet(
                    steps: route.steps, step: Int32(first), end: Int32(first + count),
                    size: Int32(clamping: chunk + header),
                    completion: remaining == 0 ? completion : nil))
        } while remaining > 0
    }

    /// Moves a segment that has just been sent (see `cross`); if it has hops left after this
    /// instant, it waits in `packets` for its `.hop` event.
    mutating func forward(_ packet: Packet) {
        let (step, time) = cross(packet.steps, from: packet.step, to: packet.end, size: packet.size)
        if step < packet.end {
            var waiting = packet
            waiting.step = step
            kernel.schedule(at: time, .hop(packets.add(waiting)))
        } else if let completion = packet.completion {
            kernel.schedule(at: time, completion)
        }
    }

    /// Moves the segment waiting in `slot`, which has arrived at its next hop now.
    mutating func hopReached(_ slot: InFlightSlot) {
        statistics.hopEvents &+= 1
        let packet = packets[slot]
        let (step, time) = cross(packet.steps, from: packet.step, to: packet.end, size: packet.size)
        if step < packet.end {
            packets.advance(slot, to: step)
            kernel.schedule(at: time, .hop(slot))
        } else {
            packets.remove(slot)
            if let completion = packet.completion { kernel.schedule(at: time, completion) }
        }
    }

    /// Moves a segment of `size` bytes that is at `steps[step]` of its route now: it joins the
    /// queue of that link direction (FIFO: it is served after every segment that arrived there
    /// before it), is serialised, and crosses the link, going on at once while it reaches the
    /// next hop at this same instant. Returns the step it has reached and when it arrives there.
    /// A segment's reservation of a link is made when the segment is at that link and no sooner,
    /// so no segment ever waits for traffic that has not arrived (store-and-forward).
    @inline(__always)
    mutating func cross(_ steps: UnsafePointer<LinkStep>, from first: Int32, to end: Int32, size: Int32) -> (
        step: Int32, time: SimTime
    ) {
        let now = kernel.now.nanoseconds
        var time = now
        var step = Int(first)
        let size = Int64(size)
        linkFreeAt.withUnsafeMutableBufferPointer { freeAt in
            while step < Int(end) && time == now {
                let link = steps[step]
                let begin = max(now, freeAt[link.slot])
                // ⌈size·8·10⁹/bandwidth⌉ is exactly size·(8·10⁹/bandwidth) when the bandwidth divides 8·10⁹.
                let serialisation =
                    link.nanosecondsPerByte >= 0
                    ? size * link.nanosecondsPerByte
                    : Self.serialisationTime(bytes: Int(size), bandwidth: link.bandwidth)
                freeAt[link.slot] = begin + serialisation
                time = begin + serialisation + link.latency
                step += 1
            }
        }
        return (Int32(step), SimTime(nanoseconds: time))
    }

    /// Sends a datagram of `payload` bytes (one segment, whatever its size) from `source` to
    /// `destination` over the route a connection would take; `destination` hears
    /// `datagramArrived(tag)` when it arrives, if it is running then. Returns false, and sends
    /// nothing, when there is no route. Nothing in the mail layers sends datagrams: they are the
    /// network's probes, for measuring it (queueing, round trips) the way ping measures a real one.
    @discardableResult
    public mutating func sendDatagram(payload: Int, from source: HostID, to destination: HostID, tag: UInt64) -> Bool {
        guard hostUp[source.index], let route = route(from: source, to: destination) else { return false }
        statistics.segments += 1
        statistics.bytes += payload + Self.headerSize
        let count = route.stepCount / 2
        forward(
            Packet(
                steps: route.steps, step: 0, end: Int32(count), size: Int32(clamping: payload + Self.headerSize),
                completion: .datagram(tag: tag, to: destination)))
        return true
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
