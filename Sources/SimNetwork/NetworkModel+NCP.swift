import SimKernel

// NCP: the ARPANET's Host-to-Host Protocol, run by each host's Network Control Program, which the
// ARPANET used until TCP/IP replaced it on 1 January 1983. RFC 780 and RFC 821 (Appendix B) carry
// mail over it: "The Initial Connection Protocol is followed resulting in a pair of simplex
// connections", in 8-bit byte mode, with the contact socket 57 (MTP) or 25 (SMTP).
//
// What the model keeps of it, where it differs from TCP's timing:
// - Opening a connection takes the Initial Connection Protocol: RTS to the contact socket, STR
//   back; an allocation (ALL) so that the server may send its 32-bit socket number; the number,
//   with the close of the first connection and the STR and RTS of the two simplex connections;
//   the user's answers (its CLS, RTS, STR and an allocation); the server's allocation. The server
//   may send two and a half round trips after the RTS, the user three: one round trip more than
//   TCP's handshake.
// - A message carries at most `ncpMessageSize` bytes, and a link (one direction of a connection)
//   carries one message at a time: the next leaves when the IMPs' Ready For Next Message (RFNM)
//   for the last has come back from the destination. A long text therefore costs a round trip a
//   kilobyte, where TCP's stream here needs none.
// - Byte counts use NCP's own overheads (`ncpOverhead`): a 32-bit IMP-host leader and the 40-bit
//   host-host header, not TCP/IP's 40 bytes.
// Left out: allocations running short (the receiver is taken to allocate enough), the IMP
// subnet's own routing, NCP's socket numbers in traces (connections keep their port numbers),
// and packet captures (pcapng has no form for NCP).

/// The two directions of one NCP connection: what each still has to send.
struct NCPLinks {
    struct Direction {
        var waiting: [Pending] = []
        var awaitingRFNM = false
    }

    enum Pending {
        case message([UInt8])
        case close
    }

    var toServer = Direction()
    var toClient = Direction()

    subscript(toward side: ConnectionSide) -> Direction {
        get { side == .server ? toServer : toClient }
        set { if side == .server { toServer = newValue } else { toClient = newValue } }
    }
}

extension NetworkModel {
    /// Data bytes in one host-host message: 8063 bits at most, less the 40-bit host-host header,
    /// in whole 8-bit bytes.
    public static let ncpMessageSize = 1002

    /// Bytes an NCP segment of `kind` carries besides its data: the IMP-host leader (4) and the
    /// host-host header (5) on a message; a control message adds its commands (RTS, STR, CLS,
    /// ALL: 10 bytes or so each), counted as 20 bytes in all for one command and 40 for each of
    /// the ICP's four steps after the STR, which carry up to four; an RFNM is a leader alone.
    static func ncpOverhead(_ kind: SegmentKind) -> Int {
        switch kind {
        case .data: 9
        case .rfnm: 4
        case .syn, .synAck, .fin, .reset, .ack: 20
        case .icp: 40
        }
    }

    /// Whether a live connection runs over NCP.
    public func runsNCP(_ id: ConnectionID) -> Bool { live(id)?.ncp ?? false }

    /// One step of the Initial Connection Protocol arrives at `side` (after the STR of the contact
    /// connection, at the user; see the notes above). Returns what its host hears.
    mutating func icpStepArrived(_ id: ConnectionID, at side: ConnectionSide) -> NetworkNotification? {
        guard var connection = live(id), connection.state == .connecting || connection.icpStep == 4 else { return nil }
        let host = connection.host(side)
        switch (connection.icpStep, side) {
        case (0, .client), (2, .client):
            // STR of the contact connection: allocate for the socket number. The socket number
            // and the server's STR and RTS: the user's CLS, RTS, STR and allocation.
            connection.icpStep += 1
            connections[Int(id.slot)] = connection
            send(.icp, on: id, to: .server)
            return nil
        case (1, .server):
            // The allocation: the socket number, CLS, and the STR and RTS of the pair.
            connection.icpStep = 2
            connections[Int(id.slot)] = connection
            send(.icp, on: id, to: .client)
            return nil
        case (3, .server):
            // Both simplex connections are open: the server allocates for the user's data and
            // may send its own at once (its greeting, in SMTP).
            connection.icpStep = 4
            connection.state = .established
            connection.serverAccepted = true
            connections[Int(id.slot)] = connection
            ncpLinks[id.slot] = NCPLinks()
            send(.icp, on: id, to: .client)
            return .accepted(id, host: host, port: connection.serverPort)
        case (4, .client):
            connection.icpStep = 5
            connections[Int(id.slot)] = connection
            return .connected(id, host: host)
        default:
            return nil
        }
    }

    /// Queues `bytes` from `side` as messages of at most `ncpMessageSize` bytes, and sends the
    /// first if the link is free.
    mutating func ncpSend(_ bytes: consuming [UInt8], on id: ConnectionID, from side: ConnectionSide) {
        var links = ncpLinks[id.slot] ?? NCPLinks()
        let count = bytes.count
        if count <= Self.ncpMessageSize {
            links[toward: side.peer].waiting.append(.message(bytes))
        } else {
            var start = 0
            while start < count {
                let end = min(start + Self.ncpMessageSize, count)
                links[toward: side.peer].waiting.append(.message(Array(bytes[start..<end])))
                start = end
            }
        }
        ncpLinks[id.slot] = links
        ncpPump(on: id, toward: side.peer)
    }

    /// The CLS of `side`'s half, after the messages it has still to send.
    mutating func ncpClose(on id: ConnectionID, from side: ConnectionSide) {
        ncpLinks[id.slot, default: NCPLinks()][toward: side.peer].waiting.append(.close)
        ncpPump(on: id, toward: side.peer)
    }

    /// The RFNM for the last message toward `side`'s peer arrived at `side`: the next may go.
    mutating func ncpReadyForNext(on id: ConnectionID, at side: ConnectionSide) {
        guard ncpLinks[id.slot] != nil else { return }
        ncpLinks[id.slot]![toward: side.peer].awaitingRFNM = false
        ncpPump(on: id, toward: side.peer)
    }

    /// Sends what waits toward `side`: one message when no RFNM is awaited, and a close as soon as
    /// it is first in line (a control message: it follows the last message along the same path).
    private mutating func ncpPump(on id: ConnectionID, toward side: ConnectionSide) {
        while var links = ncpLinks[id.slot], !links[toward: side].waiting.isEmpty {
            switch links[toward: side].waiting[0] {
            case .close:
                links[toward: side].waiting.removeFirst()
                ncpLinks[id.slot] = links
                send(.fin, on: id, to: side)
            case .message(let bytes):
                guard !links[toward: side].awaitingRFNM else { return }
                links[toward: side].waiting.removeFirst()
                links[toward: side].awaitingRFNM = true
                ncpLinks[id.slot] = links
                send(.data(segmentData.put(bytes)), payload: bytes.count, on: id, to: side)
            }
        }
    }
}
