import SimKernel

/// The network's record of one TCP-like connection.
@usableFromInline
struct Connection {
    enum State {
        /// SYN sent; waiting for SYN-ACK.
        case connecting
        /// Handshake done; data may flow until both halves are closed.
        case established
    }

    var generation: UInt32 = 0
    var inUse = false
    var state = State.connecting
    var client = HostID(0)
    var server = HostID(0)
    var clientPort: UInt16 = 0
    var serverPort: UInt16 = 0
    /// The route from client to server, fixed when the connection opens. Not retained: the
    /// network keeps every route it gives out (`keptRoutes`), so a connection stays plain data.
    unowned(unsafe) var route = Route.none
    /// Which halves have been closed by their owner, and which FINs have arrived.
    var clientSentFin = false
    var serverSentFin = false
    var clientGotFin = false
    var serverGotFin = false
    /// The server learns of the connection when the client's ACK arrives.
    var serverAccepted = false
    /// The handshake can no longer complete (no route, or its route broke); only the connect
    /// timeout will end it.
    var handshakeLost = false
    /// One side aborted; the RST is on its way and nothing else may be sent.
    var resetInFlight = false
    /// When `connect` was called; the connect timeout counts from here.
    var openedAt = SimTime.zero
    /// The connection runs over NCP, not TCP (its route is on one of `NetworkModel.ncpNetworks`),
    /// and how far its Initial Connection Protocol has gone.
    var ncp = false
    var icpStep: UInt8 = 0
    /// Whether the connect timeout is scheduled. It is scheduled only once the handshake can
    /// no longer complete: a timeout for every connection would fill the event queue with tens
    /// of thousands of events that almost never fire.
    var timeoutArmed = false

    func host(_ side: ConnectionSide) -> HostID { side == .client ? client : server }
}

/// Facts about a connection that the layer above may ask for.
public struct ConnectionInfo: Hashable, Sendable {
    public var client: HostID
    public var server: HostID
    public var clientPort: UInt16
    public var serverPort: UInt16
    public var route: Route
}

extension NetworkModel {
    /// Starts listening on `port` of `host`; connections then arrive as `accepted`.
    public mutating func listen(_ host: HostID, port: UInt16) {
        if !listeners[host.index].contains(port) { listeners[host.index].append(port) }
    }

    public mutating func stopListening(_ host: HostID, port: UInt16) {
        listeners[host.index].removeAll { $0 == port }
    }

    public func isListening(_ host: HostID, port: UInt16) -> Bool {
        listeners[host.index].contains(port)
    }

    /// Opens a connection from `host` to `port` at `address`. The client hears `connected` one
    /// round trip later (after SYN and SYN-ACK) and may send at once; the server hears `accepted`
    /// when the client's ACK arrives, half a round trip after that. A host nobody can reach, or
    /// one that is down, gives `connectFailed(.timedOut)` after `connectTimeout`; a running host
    /// with no listener on the port answers with a reset, `connectFailed(.refused)`.
    public mutating func connect(from host: HostID, to address: IPv4Address, port: UInt16) -> ConnectionID {
        let slot = allocateSlot()
        var connection = connections[Int(slot)]
        connection.inUse = true
        connection.state = .connecting
        connection.client = host
        connection.clientPort = takeEphemeralPort(host)
        connection.serverPort = port
        connection.clientSentFin = false
        connection.serverSentFin = false
        connection.clientGotFin = false
        connection.serverGotFin = false
        connection.serverAccepted = false
        connection.handshakeLost = false
        connection.resetInFlight = false
        connection.openedAt = kernel.now
        connection.timeoutArmed = false
        connection.ncp = false
        connection.icpStep = 0
        let id = ConnectionID(slot: slot, generation: connection.generation)
        statistics.connectionsOpened += 1
        if capture != nil { capture!.opened(id) }
        let server = self.host(at: address)
        if let server, let route = route(from: host, to: server) {
            connection.server = server
            connection.route = route
            connection.ncp = !ncpNetworks.isEmpty && ncpNetworks.contains(route.network)
            connections[Int(slot)] = connection
            if let call = nextCall(on: route.network) {
                // A dial-up network between calls: the connection waits for the next.
                kernel.schedule(at: call, .dial(id))
                return id
            }
            send(.syn, on: id, to: .server)
        } else {
            // The SYN goes nowhere; only the timeout will answer.
            connection.server = server ?? host
            connection.route = .none
            connection.handshakeLost = true
            connections[Int(slot)] = connection
            armConnectTimeout(id)
        }
        return id
    }

    /// When a connection opened now on a dial-up network will start, if it waits for a call.
    /// Inlinable, so that where there are no dial-up networks (most runs) asking costs the caller
    /// no call into this module (see `now`).
    @inlinable
    public func nextCall(_ id: ConnectionID) -> SimTime? {
        pollIntervals.isEmpty ? nil : dialUpCall(id)
    }

    @usableFromInline
    func dialUpCall(_ id: ConnectionID) -> SimTime? {
        guard let connection = live(id), connection.state == .connecting,
            !connection.handshakeLost
        else { return nil }
        return nextCall(on: connection.route.network)
    }

    /// The next call of `network` after now, if it is a dial-up network and no call is on now:
    /// calls are at whole multiples of its interval from the start of the run.
    func nextCall(on network: NetworkID) -> SimTime? {
        guard !pollIntervals.isEmpty, let interval = pollIntervals[network]?.nanoseconds, interval > 0 else {
            return nil
        }
        let now = kernel.now.nanoseconds
        let call = (now + interval - 1) / interval * interval
        return call > now ? SimTime(nanoseconds: call) : nil
    }

    /// The call a connection waited for has come: its first segment leaves.
    mutating func dial(_ id: ConnectionID) {
        guard let connection = live(id), connection.state == .connecting, !connection.handshakeLost else { return }
        send(.syn, on: id, to: .server)
    }

    /// Writes bytes on a connection from one side. Writes after a close or reset are ignored.
    /// The peer hears each segment's bytes when that segment arrives, as TCP hands data to its
    /// reader: a long text on a slow line arrives bit by bit, and a receiver waiting for it
    /// sees it coming (RFC 2821 §4.5.3.2: its 5-minute limit is for waiting for a command).
    /// `bytes` of one segment are taken, not copied: a caller that hands its last reference
    /// over costs no reference counting.
    public mutating func send(_ bytes: consuming [UInt8], on id: ConnectionID, from side: ConnectionSide) {
        guard let connection = live(id), connection.state == .established, !connection.resetInFlight else { return }
        let closed = side == .client ? connection.clientSentFin : connection.serverSentFin
        guard !closed, !bytes.isEmpty else { return }
        let payload = bytes.count
        if connection.ncp {
            ncpSend(bytes, on: id, from: side)
            return
        }
        if capture != nil { captureData(bytes, on: id, from: side) }
        guard payload > maximumSegmentSize else {
            send(.data(segmentData.put(consume bytes)), payload: payload, on: id, to: side.peer)
            return
        }
        // The later segments' bytes are copied out; the first keeps the write's own storage, cut
        // short once the others are copied (one allocation fewer a write). Its slot is filled
        // then: no event runs before this call returns.
        let firstSlot = segmentData.put([])
        send(.data(firstSlot), payload: maximumSegmentSize, on: id, to: side.peer)
        var start = maximumSegmentSize
        while start < payload {
            let end = min(start + maximumSegmentSize, payload)
            send(.data(segmentData.put(Array(bytes[start..<end]))), payload: end - start, on: id, to: side.peer)
            start = end
        }
        var first = consume bytes
        first.removeLast(payload - maximumSegmentSize)
        segmentData.fill(firstSlot, with: first)
    }

    /// Closes one side's half in order: the peer hears `peerClosed` after all data sent before it.
    public mutating func close(_ id: ConnectionID, from side: ConnectionSide) {
        guard var connection = live(id), !connection.resetInFlight else { return }
        switch side {
        case .client:
            guard !connection.clientSentFin else { return }
            connection.clientSentFin = true
        case .server:
            guard !connection.serverSentFin else { return }
            connection.serverSentFin = true
        }
        connections[Int(id.slot)] = connection
        if connection.state == .connecting {
            // Closing before the handshake finished abandons the attempt.
            release(id.slot)
            return
        }
        if connection.ncp {
            ncpClose(on: id, from: side)  // the CLS follows the messages still waiting for their RFNM
        } else {
            send(.fin, on: id, to: side.peer)
        }
        releaseIfFinished(id)
    }

    /// Aborts a connection: the peer hears `reset` when the RST arrives; this side hears nothing.
    public mutating func abort(_ id: ConnectionID, from side: ConnectionSide) {
        guard let connection = live(id), !connection.resetInFlight else { return }
        guard connection.state == .established else {
            release(id.slot)  // abandoning our own handshake
            return
        }
        send(.reset, on: id, to: side.peer)
        connections[Int(id.slot)].resetInFlight = true
    }

    /// Facts about a live connection, or `nil` once it is gone.
    public func info(_ id: ConnectionID) -> ConnectionInfo? {
        guard let connection = live(id) else { return nil }
        return ConnectionInfo(
            client: connection.client, server: connection.server, clientPort: connection.clientPort,
            serverPort: connection.serverPort, route: connection.route)
    }

    // MARK: Packet capture

    /// Records the segments one write becomes (`maximumSegmentSize` bytes each), as sent now.
    private mutating func captureData(_ bytes: borrowing [UInt8], on id: ConnectionID, from side: ConnectionSide) {
        let (addresses, ports, names) = captureEndpoints(id)
        var start = 0
        while start < bytes.count {
            let end = min(start + maximumSegmentSize, bytes.count)
            capture!.sent(
                id, from: side, kind: .data(InFlightSlot(index: 0)), payload: Array(bytes[start..<end]), at: kernel.now,
                addresses: addresses,
                ports: ports, names: names)
            start = end
        }
    }

    private mutating func captureControl(_ kind: SegmentKind, on id: ConnectionID, from side: ConnectionSide) {
        if case .data = kind { return }  // recorded with its bytes by `captureData`
        let (addresses, ports, names) = captureEndpoints(id)
        capture!.sent(
            id, from: side, kind: kind, payload: [], at: kernel.now, addresses: addresses, ports: ports, names: names)
    }

    private func captureEndpoints(
        _ id: ConnectionID
    ) -> (
        (client: IPv4Address, server: IPv4Address), (client: UInt16, server: UInt16), (client: String, server: String)
    ) {
        let connection = connections[Int(id.slot)]
        let (client, server) = (topology.hosts[connection.client.index], topology.hosts[connection.server.index])
        return (
            (client.addresses.first ?? IPv4Address(0), server.addresses.first ?? IPv4Address(0)),
            (connection.clientPort, connection.serverPort),
            (client.name, server.name)
        )
    }

    // MARK: Internals

    func live(_ id: ConnectionID) -> Connection? {
        guard id.slot >= 0, Int(id.slot) < connections.count else { return nil }
        let connection = connections[Int(id.slot)]
        return connection.inUse && connection.generation == id.generation ? connection : nil
    }

    /// Sends a segment of `payload` bytes (zero for the control segments).
    mutating func send(_ kind: SegmentKind, payload: Int = 0, on id: ConnectionID, to side: ConnectionSide) {
        let connection = connections[Int(id.slot)]
        if connection.ncp {
            transmit(
                payload: payload, header: Self.ncpOverhead(kind), over: connection.route, reversed: side == .client,
                completion: .segment(id, to: side, kind))
            return
        }
        if capture != nil { captureControl(kind, on: id, from: side.peer) }
        // A connection's segments in one direction follow one route through FIFO links and
        // so arrive in the order sent: the byte stream stays in order with nothing to enforce it.
        transmit(
            payload: payload, over: connection.route, reversed: side == .client,
            completion: .segment(id, to: side, kind))
    }

    /// A segment arrives; `bytes` are a data segment's (taken from the in-flight store by `handle`).
    /// Returns what its host must hear, if anything.
    mutating func segmentArrived(
        _ id: ConnectionID, at side: ConnectionSide, _ kind: SegmentKind, _ bytes: consuming [UInt8]
    ) -> NetworkNotification? {
        guard var connection = live(id), !connection.handshakeLost else { return nil }
        if capture != nil { capture!.arrived(id, at: side, kind: kind, length: bytes.count) }
        let host = connection.host(side)
        guard hostUp[host.index] else {
            if connection.state == .connecting { armConnectTimeout(id) }  // the handshake died here
            return nil
        }
        if connection.resetInFlight, !kind.isReset { return nil }  // only the RST still travels
        switch kind {
        case .syn:
            if listeners[host.index].contains(connection.serverPort) {
                send(.synAck, on: id, to: .client)
            } else {
                send(.reset, on: id, to: .client)
            }
            return nil
        case .synAck:
            guard connection.state == .connecting else { return nil }
            if connection.ncp { return icpStepArrived(id, at: side) }
            connection.state = .established
            connections[Int(id.slot)] = connection
            send(.ack, on: id, to: .server)
            return .connected(id, host: host)
        case .ack:
            guard !connection.serverAccepted else { return nil }
            connection.serverAccepted = true
            connections[Int(id.slot)] = connection
            return .accepted(id, host: host, port: connection.serverPort)
        case .data:
            // The destination IMP answers a delivered NCP message with its RFNM at once.
            if connection.ncp { send(.rfnm, on: id, to: side.peer) }
            return .received(id, host: host, side, bytes)
        case .icp:
            return icpStepArrived(id, at: side)
        case .rfnm:
            ncpReadyForNext(on: id, at: side)
            return nil
        case .fin:
            if side == .client { connection.clientGotFin = true } else { connection.serverGotFin = true }
            connections[Int(id.slot)] = connection
            releaseIfFinished(id)
            return .peerClosed(id, host: host, side)
        case .reset:
            release(id.slot)
            if connection.state == .connecting {
                statistics.connectionsRefused += 1
                return .connectFailed(id, host: host, .refused)
            }
            statistics.connectionsReset += 1
            // A server that never accepted the connection has nothing to be told.
            return side == .client || connection.serverAccepted ? .reset(id, host: host, side) : nil
        }
    }

    mutating func connectTimedOut(_ id: ConnectionID) -> NetworkNotification? {
        guard let connection = live(id), connection.state == .connecting else { return nil }
        statistics.connectionsTimedOut += 1
        release(id.slot)
        return hostUp[connection.client.index] ? .connectFailed(id, host: connection.client, .timedOut) : nil
    }

    /// Resets every live connection matching `affected`; each running end hears `reset`, except
    /// `silent` (a crashing host). Connections still in their handshake just never complete:
    /// their connect timeout reports the failure.
    mutating func resetConnections(
        into notifications: inout [NetworkNotification], silent: HostID? = nil, _ affected: (Connection) -> Bool
    ) {
        for slot in connections.indices where connections[slot].inUse && affected(connections[slot]) {
            let connection = connections[slot]
            let id = ConnectionID(slot: Int32(slot), generation: connection.generation)
            guard connection.state == .established else {
                connections[slot].handshakeLost = true
                armConnectTimeout(id)
                continue
            }
            statistics.connectionsReset += 1
            for side in [ConnectionSide.client, .server] {
                let host = connection.host(side)
                if host != silent, hostUp[host.index], side == .client || connection.serverAccepted {
                    notifications.append(.reset(id, host: host, side))
                }
            }
            release(Int32(slot))
        }
    }

    /// Schedules the connect timeout of a connection whose handshake cannot complete: it fires
    /// `connectTimeout` after the connection was opened, as if it had been pending all along.
    mutating func armConnectTimeout(_ id: ConnectionID) {
        guard let connection = live(id), !connection.timeoutArmed else { return }
        connections[Int(id.slot)].timeoutArmed = true
        kernel.schedule(at: max(kernel.now, connection.openedAt + connectTimeout), .connectTimeout(id))
    }

    mutating func releaseIfFinished(_ id: ConnectionID) {
        let connection = connections[Int(id.slot)]
        if connection.clientSentFin && connection.serverSentFin && connection.clientGotFin && connection.serverGotFin {
            release(id.slot)
        }
    }

    mutating func release(_ slot: Int32) {
        guard connections[Int(slot)].inUse else { return }
        if connections[Int(slot)].ncp { ncpLinks[slot] = nil }
        connections[Int(slot)].inUse = false
        connections[Int(slot)].generation &+= 1
        freeSlots.append(slot)
    }

    private mutating func allocateSlot() -> Int32 {
        if let slot = freeSlots.popLast() { return slot }
        connections.append(Connection())
        return Int32(connections.count - 1)
    }

    private mutating func takeEphemeralPort(_ host: HostID) -> UInt16 {
        let port = nextEphemeralPort[host.index]
        nextEphemeralPort[host.index] = port == .max ? WellKnownPort.firstEphemeral : port + 1
        return port
    }
}

extension SegmentKind {
    var isReset: Bool {
        if case .reset = self { return true }
        return false
    }
}
