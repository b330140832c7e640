import SimKernel

/// Every TCP segment and DNS message the simulated network carries, recorded as its source sends
/// it, for a packet trace that Wireshark opens (`mailpath run --pcap FILE`). Off unless a run asks
/// for it (`NetworkModel.capture`): the network checks one optional per segment.
///
/// The model has no sequence numbers; the capture gives each connection the ones a TCP would
/// have: an initial sequence number per side, SYN and FIN counting one, every data byte one; an
/// acknowledgement number that is what this side has received when it sends (the model's data
/// arrive segment by segment, so an ACK never covers a byte still on the wire). The model sends
/// no acknowledgement-only segments after the handshake (its links carry no loss to recover), so
/// neither does the trace. DNS queries and answers are written as real DNS messages (RFC 1035
/// §4) on UDP port 53, an MX answer with its additional A records.
public struct PacketCapture: Sendable {
    /// One frame of the trace.
    public struct Packet: Sendable, Hashable {
        public var time: SimTime
        public var source: IPv4Address
        public var destination: IPv4Address
        public var sourcePort: UInt16
        public var destinationPort: UInt16
        public var transport: Transport
        public var payload: [UInt8]
        /// Where the frame comes from in the run, for a pcapng comment.
        public var comment: String
        /// The host that sent it, and for TCP the connection's number (as the trace numbers
        /// them, `conn1`…; 0 for DNS): for leading a frame back to the trace's events.
        public var sender: String = ""
        public var connection = 0
    }

    public enum Transport: Sendable, Hashable {
        case tcp(sequence: UInt32, acknowledgement: UInt32, flags: TCPFlags)
        case udp
    }

    public struct TCPFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let fin = TCPFlags(rawValue: 0x01)
        public static let syn = TCPFlags(rawValue: 0x02)
        public static let rst = TCPFlags(rawValue: 0x04)
        public static let psh = TCPFlags(rawValue: 0x08)
        public static let ack = TCPFlags(rawValue: 0x10)
    }

    /// Sequence state of one connection.
    struct Stream {
        var number: Int
        /// The next sequence number each side sends, and what each side has received (the next
        /// sequence number it expects from its peer), by `ConnectionSide`: client, server.
        var next: (client: UInt32, server: UInt32)
        var received: (client: UInt32, server: UInt32)
    }

    public private(set) var packets: [Packet] = []
    private var streams: [ConnectionID: Stream] = [:]
    private var connectionCount = 0
    /// The maximum segment size the SYNs announce.
    let maximumSegmentSize: Int

    public init(maximumSegmentSize: Int = 1460) {
        self.maximumSegmentSize = maximumSegmentSize
    }

    // MARK: Recording (called by the network)

    /// Numbers a connection as it is opened, as the simulator's trace does (`conn1`, `conn2`…),
    /// whether or not its SYN gets anywhere.
    mutating func opened(_ id: ConnectionID) { _ = stream(id) }

    mutating func stream(_ id: ConnectionID) -> Stream {
        if let stream = streams[id] { return stream }
        connectionCount += 1
        // Initial sequence numbers, different for every connection and side, the same every run.
        let client = UInt32(truncatingIfNeeded: connectionCount &* 0x0101_0100 &+ 1000)
        let server = UInt32(truncatingIfNeeded: connectionCount &* 0x0203_0500 &+ 5000)
        let stream = Stream(number: connectionCount, next: (client, server), received: (0, 0))
        streams[id] = stream
        return stream
    }

    /// A segment leaves `from`; `payload` is a data segment's bytes (empty for control segments).
    mutating func sent(
        _ id: ConnectionID, from side: ConnectionSide, kind: SegmentKind, payload: [UInt8], at time: SimTime,
        addresses: (client: IPv4Address, server: IPv4Address), ports: (client: UInt16, server: UInt16),
        names: (client: String, server: String)
    ) {
        var stream = stream(id)
        let fromClient = side == .client
        let sequence = fromClient ? stream.next.client : stream.next.server
        let acknowledgement = fromClient ? stream.received.client : stream.received.server
        var flags: TCPFlags
        var length = UInt32(payload.count)
        var what: String
        switch kind {
        case .syn:
            flags = [.syn]
            length = 1
            what = "SYN"
        case .synAck:
            flags = [.syn, .ack]
            length = 1
            what = "SYN-ACK"
        case .ack:
            flags = [.ack]
            what = "ACK"
        case .data:
            flags = [.psh, .ack]
            let line = payload.prefix { $0 != 0x0d && $0 != 0x0a }.prefix(60)
            what = "\(payload.count) bytes: " + String(decoding: line, as: UTF8.self)
        case .fin:
            flags = [.fin, .ack]
            length = 1
            what = "FIN"
        case .reset:
            flags = [.rst, .ack]
            length = 0
            what = "RST"
        case .icp, .rfnm:
            return  // NCP has no TCP/IP form: runs over NCP are not captured (`NetworkModel.ncpNetworks`)
        }
        let packet = Packet(
            time: time, source: fromClient ? addresses.client : addresses.server,
            destination: fromClient ? addresses.server : addresses.client,
            sourcePort: fromClient ? ports.client : ports.server,
            destinationPort: fromClient ? ports.server : ports.client,
            transport: .tcp(
                sequence: sequence, acknowledgement: flags.contains(.ack) ? acknowledgement : 0, flags: flags),
            payload: payload,
            comment: "conn\(stream.number) "
                + (fromClient ? names.client + " → " + names.server : names.server + " → " + names.client) + " " + what,
            sender: fromClient ? names.client : names.server, connection: stream.number)
        packets.append(packet)
        if fromClient { stream.next.client &+= length } else { stream.next.server &+= length }
        streams[id] = stream
    }

    /// A segment reaches `side`: what that side has received grows (SYN and FIN count one).
    mutating func arrived(_ id: ConnectionID, at side: ConnectionSide, kind: SegmentKind, length: Int) {
        guard var stream = streams[id] else { return }
        let from = side == .client ? stream.next.server : stream.next.client
        switch kind {
        case .syn, .synAck:
            // The peer's initial sequence number plus one: what it sends next.
            if side == .client { stream.received.client = from } else { stream.received.server = from }
        case .data, .fin:
            var count = UInt32(length)
            if case .fin = kind { count = 1 }
            if side == .client { stream.received.client &+= count } else { stream.received.server &+= count }
        case .ack, .reset, .icp, .rfnm:
            break
        }
        streams[id] = stream
    }

    /// A DNS query or answer leaves `source` (UDP; the resolver's port is one per lookup).
    mutating func datagram(
        _ message: [UInt8], at time: SimTime, from source: IPv4Address, to destination: IPv4Address, lookup: LookupID,
        query: Bool,
        comment: String
    ) {
        let resolverPort = UInt16(truncatingIfNeeded: 32768 &+ (lookup.value % 28000))
        packets.append(
            Packet(
                time: time, source: source, destination: destination, sourcePort: query ? resolverPort : 53,
                destinationPort: query ? 53 : resolverPort, transport: .udp, payload: message, comment: comment))
    }
}

// MARK: DNS messages

extension PacketCapture {
    /// A DNS query (RFC 1035 §4.1) for `name` of `type`, with the lookup's id.
    static func dnsQuery(id: LookupID, name: String, type: DNSQueryType) -> [UInt8] {
        var message = header(id: id, flags: 0x0000, questions: 1, answers: 0, additional: 0)
        question(name, type, into: &message)
        return message
    }

    /// The name server's answer to that query: A or MX records, with an MX answer's additional A
    /// records (RFC 974), NXDOMAIN for a name that does not exist.
    static func dnsAnswer(id: LookupID, name: String, type: DNSQueryType, answer: DNSAnswer, ttl: SimDuration)
        -> [UInt8]
    {
        var answers: [[UInt8]] = []
        var additional: [[UInt8]] = []
        var rcode: UInt16 = 0
        let seconds = UInt32(clamping: max(0, ttl.nanoseconds / 1_000_000_000))
        switch answer {
        case .addresses(let addresses):
            answers = addresses.map { record(name, type: 1, ttl: seconds, data: addressBytes($0)) }
        case .mailExchangers(let exchangers, let extra):
            answers = exchangers.map { exchanger in
                var data = [UInt8(exchanger.preference >> 8), UInt8(exchanger.preference & 0xff)]
                encode(exchanger.exchange, into: &data)
                return record(name, type: 15, ttl: seconds, data: data)
            }
            additional = extra.flatMap { record in
                record.addresses.map {
                    Self.record(
                        record.name, type: 1, ttl: UInt32(clamping: max(0, record.ttl.nanoseconds / 1_000_000_000)),
                        data: addressBytes($0))
                }
            }
        case .nameError:
            rcode = 3
        case .noRecords, .timedOut, .unavailable:
            break
        }
        // QR (response), AA (the server is authoritative for the zones it holds), RD echoed as 0.
        var message = header(
            id: id, flags: 0x8400 | rcode, questions: 1, answers: answers.count, additional: additional.count)
        question(name, type, into: &message)
        for record in answers + additional { message += record }
        return message
    }

    private static func header(id: LookupID, flags: UInt16, questions: Int, answers: Int, additional: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in [
            UInt16(truncatingIfNeeded: id.value), flags, UInt16(questions), UInt16(answers), 0, UInt16(additional),
        ] {
            bytes += [UInt8(value >> 8), UInt8(value & 0xff)]
        }
        return bytes
    }

    private static func question(_ name: String, _ type: DNSQueryType, into message: inout [UInt8]) {
        encode(name, into: &message)
        message += [0, type == .mx ? 15 : 1, 0, 1]  // QTYPE, QCLASS IN
    }

    private static func record(_ name: String, type: UInt8, ttl: UInt32, data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(name, into: &bytes)
        bytes += [0, type, 0, 1, UInt8(ttl >> 24), UInt8(ttl >> 16 & 0xff), UInt8(ttl >> 8 & 0xff), UInt8(ttl & 0xff)]
        bytes += [UInt8(data.count >> 8), UInt8(data.count & 0xff)] + data
        return bytes
    }

    /// A domain name as length-prefixed labels (RFC 1035 §3.1), each cut to 63 bytes.
    private static func encode(_ name: String, into bytes: inout [UInt8]) {
        for label in name.split(separator: ".") {
            let utf8 = Array(label.utf8.prefix(63))
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes.append(0)
    }

    private static func addressBytes(_ address: IPv4Address) -> [UInt8] {
        [
            UInt8(address.value >> 24), UInt8(address.value >> 16 & 0xff), UInt8(address.value >> 8 & 0xff),
            UInt8(address.value & 0xff),
        ]
    }
}
