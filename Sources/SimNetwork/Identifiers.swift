import SimKernel

/// A host in a topology: an index into `Topology.hosts`.
public struct HostID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (lhs: HostID, rhs: HostID) -> Bool { lhs.index < rhs.index }
    public var description: String { "host#\(index)" }
}

/// A network (ARPANET, CSNET, BITNET, UUCP, Internet…): an index into `Topology.networks`.
public struct NetworkID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (lhs: NetworkID, rhs: NetworkID) -> Bool { lhs.index < rhs.index }
    public var description: String { "network#\(index)" }
}

/// A point-to-point link: an index into `Topology.links`.
public struct LinkID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (lhs: LinkID, rhs: LinkID) -> Bool { lhs.index < rhs.index }
    public var description: String { "link#\(index)" }
}

/// A TCP-like connection. Slots are reused, so the generation tells a live connection from
/// an earlier one that used the same slot.
public struct ConnectionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let slot: Int32
    public let generation: UInt32
    public init(slot: Int32, generation: UInt32) {
        self.slot = slot
        self.generation = generation
    }
    public static func < (lhs: ConnectionID, rhs: ConnectionID) -> Bool {
        (lhs.slot, lhs.generation) < (rhs.slot, rhs.generation)
    }
    public var description: String { "conn#\(slot).\(generation)" }
}

/// One DNS lookup in progress or answered.
public struct LookupID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: UInt64
    public init(_ value: UInt64) { self.value = value }
    public static func < (lhs: LookupID, rhs: LookupID) -> Bool { lhs.value < rhs.value }
    public var description: String { "lookup#\(value)" }
}

/// A 32-bit internet address, written `a.b.c.d`.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad text such as `10.0.0.73`; `nil` for anything else.
    public init?(_ text: String) {
        var text = text
        let parsed = text.withUTF8 { bytes -> UInt32? in
            var value: UInt32 = 0
            var octet: UInt32 = 0
            var digits = 0
            var dots = 0
            for byte in bytes {
                if byte == UInt8(ascii: ".") {
                    guard digits > 0, dots < 3 else { return nil }
                    value = value << 8 | octet
                    (octet, digits, dots) = (0, 0, dots + 1)
                } else {
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3 else { return nil }
                    octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                    digits += 1
                    guard octet <= 255 else { return nil }
                }
            }
            guard digits > 0, dots == 3 else { return nil }
            return value << 8 | octet
        }
        guard let parsed else { return nil }
        value = parsed
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }
    public var octets: [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }
    public var description: String { "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)" }
}

/// Ports the network itself hands out. (Servers listen on their dialect's well-known port,
/// `DialectID.port`: 21, 57 or 25.)
public enum WellKnownPort {
    /// The first port handed out to clients.
    public static let firstEphemeral: UInt16 = 1024
}
