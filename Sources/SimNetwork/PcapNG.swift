/// Writes a `PacketCapture` as a pcapng file (IETF draft-ietf-opsawg-pcapng): one section, one
/// Ethernet interface with nanosecond timestamps, an Enhanced Packet Block a frame with the
/// frame's comment (`opt_comment`). Frames are Ethernet II, IPv4 (RFC 791) and TCP (RFC 793) or
/// UDP (RFC 768), with correct checksums; the Ethernet addresses are made from the IPv4 ones
/// (locally administered, `02:00:a:b:c:d`), since the model has no link layer.
public enum PcapNG {
    /// The file: timestamps are `epochSeconds` (the run's time zero, in Unix seconds) plus the
    /// simulated time of each frame; `event` gives a frame the number of the trace event it
    /// belongs to (`event 12` leads to line 12 of trace.txt and `viewer.html#event=12`).
    public static func file(
        _ capture: PacketCapture, epochSeconds: Int64, event: ((PacketCapture.Packet) -> Int?)? = nil
    ) -> [UInt8] {
        var out: [UInt8] = []
        sectionHeader(into: &out)
        interfaceDescription(into: &out)
        // Frames in the order sent; frames sent at the same instant keep the network's order.
        let order = capture.packets.indices.sorted { (capture.packets[$0].time, $0) < (capture.packets[$1].time, $1) }
        for index in order {
            let packet = capture.packets[index]
            let nanoseconds = UInt64(max(0, epochSeconds)) &* 1_000_000_000 &+ UInt64(max(0, packet.time.nanoseconds))
            let comment = event?(packet).map { "event \($0) · " + packet.comment } ?? packet.comment
            enhancedPacket(
                frame(packet, maximumSegmentSize: capture.maximumSegmentSize), at: nanoseconds, comment: comment,
                into: &out)
        }
        return out
    }

    // MARK: Blocks

    private static func sectionHeader(into out: inout [UInt8]) {
        var body: [UInt8] = []
        append32(0x1A2B_3C4D, to: &body)  // byte-order magic
        append16(1, to: &body)  // major version
        append16(0, to: &body)  // minor version
        append64(UInt64.max, to: &body)  // section length: not given
        option(4, Array("mailpath".utf8), into: &body)  // shb_userappl
        endOfOptions(into: &body)
        block(0x0A0D_0D0A, body, into: &out)
    }

    private static func interfaceDescription(into out: inout [UInt8]) {
        var body: [UInt8] = []
        append16(1, to: &body)  // LINKTYPE_ETHERNET
        append16(0, to: &body)
        append32(0, to: &body)  // snap length: no limit
        option(2, Array("simulated network".utf8), into: &body)  // if_name
        option(9, [9], into: &body)  // if_tsresol: 10^-9 s
        endOfOptions(into: &body)
        block(0x0000_0001, body, into: &out)
    }

    private static func enhancedPacket(
        _ frame: [UInt8], at nanoseconds: UInt64, comment: String, into out: inout [UInt8]
    ) {
        var body: [UInt8] = []
        append32(0, to: &body)  // interface 0
        append32(UInt32(truncatingIfNeeded: nanoseconds >> 32), to: &body)
        append32(UInt32(truncatingIfNeeded: nanoseconds), to: &body)
        append32(UInt32(frame.count), to: &body)  // captured length
        append32(UInt32(frame.count), to: &body)  // original length
        body += frame
        pad(&body)
        option(1, Array(comment.utf8), into: &body)  // opt_comment
        endOfOptions(into: &body)
        block(0x0000_0006, body, into: &out)
    }

    private static func block(_ type: UInt32, _ body: [UInt8], into out: inout [UInt8]) {
        let length = UInt32(12 + body.count)
        append32(type, to: &out)
        append32(length, to: &out)
        out += body
        append32(length, to: &out)
    }

    private static func option(_ code: UInt16, _ value: [UInt8], into body: inout [UInt8]) {
        append16(code, to: &body)
        append16(UInt16(value.count), to: &body)
        body += value
        pad(&body)
    }

    private static func endOfOptions(into body: inout [UInt8]) { append32(0, to: &body) }

    private static func pad(_ bytes: inout [UInt8]) {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    // Block fields are in the writer's byte order, which the magic number declares: little-endian.
    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes += [UInt8(value & 0xff), UInt8(value >> 8)]
    }

    private static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private static func append64(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    // MARK: Frames (network byte order)

    static func frame(_ packet: PacketCapture.Packet, maximumSegmentSize: Int) -> [UInt8] {
        let transport: [UInt8]
        let protocolNumber: UInt8
        switch packet.transport {
        case .tcp(let sequence, let acknowledgement, let flags):
            transport = tcp(
                packet, sequence: sequence, acknowledgement: acknowledgement, flags: flags,
                maximumSegmentSize: maximumSegmentSize)
            protocolNumber = 6
        case .udp:
            transport = udp(packet)
            protocolNumber = 17
        }
        // EtherType IPv4
        var frame = ethernetAddress(packet.destination) + ethernetAddress(packet.source) + [0x08, 0x00]
        frame += ipv4(packet, protocolNumber: protocolNumber, payloadLength: transport.count)
        frame += transport
        return frame
    }

    private static func ethernetAddress(_ address: IPv4Address) -> [UInt8] { [0x02, 0x00] + bytes(address) }

    private static func bytes(_ address: IPv4Address) -> [UInt8] {
        [
            UInt8(address.value >> 24), UInt8(address.value >> 16 & 0xff), UInt8(address.value >> 8 & 0xff),
            UInt8(address.value & 0xff),
        ]
    }

    private static func ipv4(_ packet: PacketCapture.Packet, protocolNumber: UInt8, payloadLength: Int) -> [UInt8] {
        let total = 20 + payloadLength
        var header: [UInt8] = [
            0x45, 0x00, UInt8(total >> 8 & 0xff), UInt8(total & 0xff),
            0x00, 0x00, 0x40, 0x00,  // identification 0, don't fragment
            64, protocolNumber, 0x00, 0x00,  // TTL, protocol, checksum (below)
        ]
        header += bytes(packet.source) + bytes(packet.destination)
        let checksum = internetChecksum(header)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xff)
        return header
    }

    private static func tcp(
        _ packet: PacketCapture.Packet, sequence: UInt32, acknowledgement: UInt32, flags: PacketCapture.TCPFlags,
        maximumSegmentSize: Int
    ) -> [UInt8] {
        // A SYN announces the segment size the model uses, and a window scale (RFC 7323) so that
        // a long text in flight never fills the advertised window.
        let options: [UInt8] =
            flags.contains(.syn)
            ? [2, 4, UInt8(maximumSegmentSize >> 8 & 0xff), UInt8(maximumSegmentSize & 0xff), 1, 3, 3, 7] : []
        let headerLength = 20 + options.count
        var segment: [UInt8] = [
            UInt8(packet.sourcePort >> 8), UInt8(packet.sourcePort & 0xff), UInt8(packet.destinationPort >> 8),
            UInt8(packet.destinationPort & 0xff),
        ]
        for value in [sequence, acknowledgement] {
            segment += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
        }
        // window 65535, checksum, urgent
        segment += [UInt8(headerLength / 4) << 4, flags.rawValue, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00]
        segment += options
        segment += packet.payload
        let checksum = transportChecksum(segment, packet: packet, protocolNumber: 6)
        segment[16] = UInt8(checksum >> 8)
        segment[17] = UInt8(checksum & 0xff)
        return segment
    }

    private static func udp(_ packet: PacketCapture.Packet) -> [UInt8] {
        let length = 8 + packet.payload.count
        var datagram: [UInt8] = [
            UInt8(packet.sourcePort >> 8), UInt8(packet.sourcePort & 0xff), UInt8(packet.destinationPort >> 8),
            UInt8(packet.destinationPort & 0xff),
            UInt8(length >> 8 & 0xff), UInt8(length & 0xff), 0, 0,
        ]
        datagram += packet.payload
        var checksum = transportChecksum(datagram, packet: packet, protocolNumber: 17)
        if checksum == 0 { checksum = 0xffff }  // RFC 768: a computed zero is sent as all ones
        datagram[6] = UInt8(checksum >> 8)
        datagram[7] = UInt8(checksum & 0xff)
        return datagram
    }

    /// The TCP or UDP checksum over the IPv4 pseudo-header and the segment.
    private static func transportChecksum(_ segment: [UInt8], packet: PacketCapture.Packet, protocolNumber: UInt8)
        -> UInt16
    {
        var pseudo = bytes(packet.source) + bytes(packet.destination)
        pseudo += [0, protocolNumber, UInt8(segment.count >> 8 & 0xff), UInt8(segment.count & 0xff)]
        return internetChecksum(pseudo + segment)
    }

    /// RFC 1071: the ones' complement of the ones' complement sum of 16-bit words.
    static func internetChecksum(_ data: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < data.count {
            sum &+= UInt32(data[index]) << 8 | UInt32(data[index + 1])
            index += 2
        }
        if index < data.count { sum &+= UInt32(data[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) &+ (sum >> 16) }
        return ~UInt16(sum)
    }
}
