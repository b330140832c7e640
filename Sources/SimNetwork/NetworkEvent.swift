import SimKernel

/// An opaque timer of the layer above the network: the network schedules it and hands it back
/// unchanged in a `NetworkNotification.timer` when it fires.
public struct TimerToken: Hashable, Sendable {
    public var host: HostID
    public var tag: UInt32
    public var value: UInt64
    public init(host: HostID, tag: UInt32, value: UInt64) {
        self.host = host
        self.tag = tag
        self.value = value
    }
}

/// Which end of a connection: the one that called `connect`, or the one that accepted.
public enum ConnectionSide: Hashable, Sendable, CustomStringConvertible {
    case client
    case server

    public var peer: ConnectionSide {
        switch self {
        case .client: .server
        case .server: .client
        }
    }
    public var description: String {
        switch self {
        case .client: "client"
        case .server: "server"
        }
    }
}

/// Why a connection attempt failed.
public enum ConnectFailure: Hashable, Sendable, CustomStringConvertible {
    /// The host answered with a reset: nothing listens on that port.
    case refused
    /// No answer in time: the host is down or unreachable from here.
    case timedOut

    public var description: String {
        switch self {
        case .refused: "connection refused"
        case .timedOut: "connection timed out"
        }
    }
}

/// What the network tells the layer above. Each names the host it is addressed to.
public enum NetworkNotification: Sendable {
    /// The client's handshake completed; it may send.
    case connected(ConnectionID, host: HostID)
    case connectFailed(ConnectionID, host: HostID, ConnectFailure)
    /// A listener accepted a new connection on `port`.
    case accepted(ConnectionID, host: HostID, port: UInt16)
    case received(ConnectionID, host: HostID, ConnectionSide, [UInt8])
    /// The peer closed its half in order (a FIN after all its data).
    case peerClosed(ConnectionID, host: HostID, ConnectionSide)
    /// The connection was reset: a link on its path went down, the peer crashed, or the peer aborted.
    case reset(ConnectionID, host: HostID, ConnectionSide)
    case dnsAnswered(LookupID, host: HostID, DNSAnswer)
    case timer(TimerToken)
    /// A datagram sent with `NetworkModel.sendDatagram` arrived (the network's own probes).
    case datagramArrived(UInt64, host: HostID)
}

/// A segment travelling on a connection.
public enum SegmentKind: Sendable {
    case syn
    case synAck
    case ack
    /// Data; the bytes wait in the network's in-flight store until the segment arrives.
    case data(InFlightSlot)
    case fin
    case reset
    /// NCP: a step of the Initial Connection Protocol after RTS (`syn`) and STR (`synAck`): the
    /// allocation, the server's socket number with its close and its STR and RTS, the user's
    /// answers, the server's allocation (see `NetworkModel.connect`).
    case icp
    /// NCP: the IMP's Ready For Next Message, back to the sender of a message once it is
    /// delivered; a link carries one message at a time until its RFNM comes.
    case rfnm
}

/// Where the network keeps a value an event carries (a segment's bytes, a DNS answer) while the
/// event waits in the queue. Events then hold no references: the queue moves plain data, with
/// no reference counting and no value-witness calls, which matters at forty events a message.
public struct InFlightSlot: Hashable, Sendable {
    let index: Int32
}

/// Values of events in flight, by slot; a slot is reused once its event has been handled.
///
/// The free slots are chained through the slots themselves (`Entry.free`), so that putting and
/// taking a value touch one array: one uniqueness check an operation, where a separate list of
/// free slots cost two more per segment.
struct InFlightStore<Value> {
    enum Entry {
        case value(Value)
        /// A free slot, and the next free one (-1: none).
        case free(next: Int32)
    }

    private var entries: [Entry] = []
    /// The first free slot, -1 when none is.
    private var firstFree: Int32 = -1
    /// Values still waiting for their events (for tests: zero once the queue is empty).
    private(set) var count = 0

    mutating func put(_ value: consuming Value) -> InFlightSlot {
        count += 1
        guard firstFree >= 0 else {
            entries.append(.value(value))
            return InFlightSlot(index: Int32(entries.count - 1))
        }
        let index = firstFree
        guard case .free(let next) = entries[Int(index)] else {
            preconditionFailure("in-flight slot \(index) is not free")
        }
        firstFree = next
        entries[Int(index)] = .value(value)
        return InFlightSlot(index: index)
    }

    /// Puts `value` in a slot already handed out (whose event is still to come).
    mutating func fill(_ slot: InFlightSlot, with value: consuming Value) {
        guard case .value = entries[Int(slot.index)] else {
            preconditionFailure("in-flight slot \(slot.index) is free")
        }
        entries[Int(slot.index)] = .value(value)
    }

    /// The value in `slot`, which is then free. Every slot is taken exactly once: the event that
    /// carries it cannot be cancelled, and its handler takes the value before anything else.
    mutating func take(_ slot: InFlightSlot) -> Value {
        var entry = Entry.free(next: firstFree)
        swap(&entry, &entries[Int(slot.index)])
        firstFree = slot.index
        count -= 1
        guard case .value(let value) = consume entry else {
            preconditionFailure("in-flight slot \(slot.index) taken twice")
        }
        return value
    }
}

/// The events the network model schedules on the kernel. The layer above owns the loop:
/// it takes each event from `NetworkModel.kernel` and passes it to `NetworkModel.handle(_:more:)`.
public enum NetworkEvent: Sendable {
    case timer(TimerToken)
    case segment(ConnectionID, to: ConnectionSide, SegmentKind)
    case connectTimeout(ConnectionID)
    /// A connection waiting for its polled network's next call starts (see `pollIntervals`).
    case dial(ConnectionID)
    case linkChange(LinkID, up: Bool)
    case dnsQueryArrived(LookupID, attempt: Int)
    /// The answer waits in the network's in-flight store (see `InFlightSlot`).
    case dnsResponseArrived(LookupID, InFlightSlot, ttl: SimDuration)
    case dnsTimeout(LookupID, attempt: Int)
    case dnsLocalAnswer(LookupID, InFlightSlot)
    /// A segment arrives at an intermediate hop of its route; it waits in the network's
    /// `packets` store (see `NetworkModel.forward`).
    case hop(InFlightSlot)
    /// A datagram arrives at its destination.
    case datagram(tag: UInt64, to: HostID)
}

/// A segment on its way along a route: the hop it has reached and the event its arrival brings
/// about (a data segment's delivery; of a DNS message's segments, only the last has one).
struct Packet {
    /// Its route's steps (`Route.steps`; the route is kept alive by `NetworkModel.keptRoutes`),
    /// so a packet is plain data and moving it takes no reference counting.
    var steps: UnsafePointer<LinkStep>
    /// The index in `steps` of the link the segment crosses next, and the index past its last.
    var step: Int32
    var end: Int32
    /// Bytes on the wire, header included.
    var size: Int32
    var completion: NetworkEvent?
}

/// The segments waiting between two hops, by slot: plain records in one array, updated in
/// place from hop to hop (a segment keeps its slot until it arrives), with a list of free slots.
struct PacketStore {
    private var packets: [Packet] = []
    private var free: [Int32] = []

    /// Segments waiting (for tests: zero once the queue is empty).
    var count: Int { packets.count - free.count }

    mutating func add(_ packet: Packet) -> InFlightSlot {
        if let slot = free.popLast() {
            packets[Int(slot)] = packet
            return InFlightSlot(index: slot)
        }
        packets.append(packet)
        return InFlightSlot(index: Int32(packets.count - 1))
    }

    subscript(slot: InFlightSlot) -> Packet { packets[Int(slot.index)] }

    /// Moves the segment in `slot` on to `step` of its route, writing that field alone (setting
    /// the whole record through a subscript copies it out and back at every hop).
    mutating func advance(_ slot: InFlightSlot, to step: Int32) { packets[Int(slot.index)].step = step }

    mutating func remove(_ slot: InFlightSlot) { free.append(slot.index) }
}
