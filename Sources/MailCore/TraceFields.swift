/// The trace fields receivers put at the top of message text.
public enum TraceStyle: Hashable, Sendable {
    /// RFC 780 MTP defines no trace field.
    case none
    /// RFC 788 §4.1.2: `Mail-From: ABC received by XYZ at 22-OCT-81 09:23:59-UT`.
    case mailFrom
    /// RFC 821 §4.1.2: `Received: FROM ABC.ARPA BY XYZ.ARPA ; 22 OCT 81 09:23:59 UT`.
    case received821
    /// RFC 2821 §4.4: `Received: from bar.com ([10.0.0.1]) by foo.com with ESMTP id 7; Thu, …`.
    case received2821
}

public enum TraceFields {
    /// The time-stamp line a receiver inserts, with its CR LF, or `nil` when the style has none.
    public static func stamp(
        _ style: TraceStyle, from: String, fromAddress: String? = nil, by: String, protocolName: String = "SMTP",
        id: String? = nil, recipient: String? = nil, at time: CivilTime
    ) -> String? {
        stamp(
            style, from: from, fromAddress: fromAddress, by: by, protocolName: protocolName, id: id,
            recipient: recipient, date: date(time, style))
    }

    /// The same line with its date already written in the style's notation (see `date(_:_:)`),
    /// for agents that stamp many messages within one second.
    public static func stamp(
        _ style: TraceStyle, from: String, fromAddress: String? = nil, by: String, protocolName: String = "SMTP",
        id: String? = nil, recipient: String? = nil, date: String
    ) -> String? {
        switch style {
        case .none:
            return nil
        case .mailFrom:
            return "Mail-From: \(from) received by \(by) at \(date)\r\n"
        case .received821:
            return "Received: from \(from) by \(by) ; \(date)\r\n"
        case .received2821:
            var line = "Received: from \(from)"
            if let fromAddress { line += " ([\(fromAddress)])" }
            line += " by \(by) with \(protocolName)"
            if let id { line += " id \(id)" }
            if let recipient { line += " for \(recipient)" }
            return line + "; \(date)\r\n"
        }
    }

    /// `content` with the style's stamp line in front (or `content` itself for a style without
    /// one): the same bytes as `stamp(...)` followed by `content`. The line is put in front in
    /// `content`'s own storage when `content` is not shared and has room for it (a receiver
    /// reserves room when it assembles a text: `LineFramer.feedText`), so that a relay does not
    /// allocate a second buffer of the message's size on every hop. A numeric `serial` is
    /// written as the id when `id` is `nil` (written straight into the line, no string made).
    public static func stamping(
        _ content: consuming [UInt8], _ style: TraceStyle, from: String, fromAddress: String? = nil, by: String,
        protocolName: String = "SMTP", id: String? = nil, serial: Int? = nil, date: String
    ) -> [UInt8] {
        guard style != .none else { return content }
        var bytes = consume content
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ByteWriter.bufferSize) { buffer in
            // The line is written on the stack (see `ByteWriter`), then put in front in one step.
            var line = ByteWriter(base: buffer.baseAddress!)
            switch style {
            case .none:
                break
            case .mailFrom:
                line.put(literal: "Mail-From: "); line.put(utf8: from); line.put(literal: " received by ");
                line.put(utf8: by)
                line.put(literal: " at "); line.put(utf8: date)
            case .received821:
                line.put(literal: "Received: from "); line.put(utf8: from); line.put(literal: " by ");
                line.put(utf8: by)
                line.put(literal: " ; "); line.put(utf8: date)
            case .received2821:
                line.put(literal: "Received: from "); line.put(utf8: from)
                if let fromAddress { line.put(literal: " (["); line.put(utf8: fromAddress); line.put(literal: "])") }
                line.put(literal: " by "); line.put(utf8: by); line.put(literal: " with "); line.put(utf8: protocolName)
                if let id {
                    line.put(literal: " id ")
                    line.put(utf8: id)
                } else if let serial {
                    line.put(literal: " id ")
                    line.put(decimal: serial)
                }
                line.put(literal: "; "); line.put(utf8: date)
            }
            line.put(literal: "\r\n")
            func putInFront(_ piece: UnsafeBufferPointer<UInt8>) {
                if bytes.capacity - bytes.count < piece.count {
                    // No room: one new buffer of the right size, rather than growing this one by half.
                    var grown: [UInt8] = []
                    grown.reserveCapacity(piece.count + bytes.count)
                    grown.append(contentsOf: piece)
                    grown.append(contentsOf: bytes)
                    bytes = grown
                } else {
                    bytes.insert(contentsOf: piece, at: 0)
                }
            }
            if line.output.isEmpty {
                putInFront(UnsafeBufferPointer(start: buffer.baseAddress, count: line.count))
            } else {
                line.flush()  // a line longer than the buffer (names of hundreds of bytes)
                line.output.withUnsafeBufferPointer { putInFront($0) }
            }
        }
        return bytes
    }

    /// Room a receiver leaves after a text it assembles, so that the trace line a relay puts in
    /// front fits in the same storage (`stamping`): a `Received:` line of RFC 2821 §4.4 with long
    /// names and an address runs to some 150 bytes.
    public static let stampRoom = 256

    /// A time in the notation of a style's stamp: RFC 788's `<daytime>`, RFC 822's two-digit
    /// year, RFC 2822's four-digit one.
    public static func date(_ time: CivilTime, _ style: TraceStyle) -> String {
        switch style {
        case .none: ""
        case .mailFrom: time.rfc788
        case .received821: time.rfc822
        case .received2821: time.rfc2822
        }
    }

    /// `Return-Path: <reverse-path>` (RFC 821 §4.1.2), added at final delivery.
    public static func returnPath(_ path: Path, style: RouteStyle) -> String {
        "Return-Path: \(path.text(style))\r\n"
    }

    /// How many trace lines the header of `content` holds (RFC 2821 §6.2's loop test counts
    /// `Received:`; for the RFC 788 era we count `Mail-From:`). Only the header is read: it ends at
    /// the first empty line.
    public static func count(in content: [UInt8]) -> Int {
        count(in: content, andValueOf: "").count
    }

    /// `count(in:)`, and in the same pass over the header the value of the first field called
    /// `name` (without regard to case; spaces and tabs around the value dropped), if any: a
    /// relay reads a message's trace lines and its Message-ID from one walk over its lines.
    /// A last line with no line end still counts for the value, not as a trace line.
    public static func count(in content: [UInt8], andValueOf name: String) -> (count: Int, value: String?) {
        var count = 0
        var value: String?
        let received = receivedPrefix, mailFrom = mailFromPrefix
        var name = name
        name.withUTF8 { wanted in
            content.withUnsafeBufferPointer { bytes in
                var lineStart = 0
                while lineStart < bytes.count {
                    let lineFeed = ByteSearch.firstIndex(of: 0x0a, in: bytes, from: lineStart) ?? bytes.count
                    var end = lineFeed
                    if end > lineStart && bytes[end - 1] == 0x0d { end -= 1 }
                    if end == lineStart { return }  // the empty line ends the header
                    // The first letter first: most header lines are neither a trace line nor the
                    // field asked for, and one comparison tells.
                    let first = bytes[lineStart] | 0x20
                    if lineFeed < bytes.count, first == received[0] || first == mailFrom[0],
                        startsWith(bytes, at: lineStart, received) || startsWith(bytes, at: lineStart, mailFrom)
                    {
                        count += 1
                    }
                    // "name:" without regard to case, then the value without the spaces around it.
                    if case .none = value, !wanted.isEmpty, first == wanted[0] | 0x20,
                        end - lineStart > wanted.count + 1,
                        bytes[lineStart + wanted.count] == UInt8(ascii: ":"),
                        !(0..<wanted.count).contains(where: { bytes[lineStart + $0] | 0x20 != wanted[$0] | 0x20 })
                    {
                        var from = lineStart + wanted.count + 1
                        var to = end
                        while from < to, bytes[from] == 0x20 || bytes[from] == 0x09 { from += 1 }
                        while to > from, bytes[to - 1] == 0x20 || bytes[to - 1] == 0x09 { to -= 1 }
                        value = String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
                    }
                    lineStart = lineFeed + 1
                }
            }
        }
        return (count, value)
    }

    private static let receivedPrefix = Array("received:".utf8)
    private static let mailFromPrefix = Array("mail-from:".utf8)

    private static func startsWith(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, _ prefix: [UInt8]) -> Bool {
        guard offset + prefix.count <= bytes.count else { return false }
        for (index, expected) in prefix.enumerated() where bytes[offset + index] | 0x20 != expected | 0x20 {
            return false
        }
        return true
    }
}
