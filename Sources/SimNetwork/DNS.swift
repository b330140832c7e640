import MailpathBase
import SimKernel

/// A mail exchanger record: "MX preference exchange" (RFC 974).
public struct MXRecord: Hashable, Sendable, CustomStringConvertible {
    public var preference: UInt16
    public var exchange: String
    public init(preference: UInt16, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }
    public var description: String { "MX \(preference) \(exchange)" }
}

/// The question a resolver asks.
public enum DNSQueryType: String, Hashable, Sendable, CustomStringConvertible {
    case a = "A"
    case mx = "MX"
    public var description: String { rawValue }
    /// The type's number in a `NameTable` (its RR type number, RFC 1035 §3.2.2).
    var cacheKind: UInt8 { self == .a ? 1 : 15 }
}

/// What a lookup came back with. "No MX records" and "no such domain" are different answers,
/// as RFC 974 needs them to be: the first falls back to the A record, the second returns the mail.
public enum DNSAnswer: Hashable, Sendable, CustomStringConvertible {
    /// The A records of the name.
    case addresses([IPv4Address])
    /// The MX records of the name (sorted by preference, then exchange), with the exchanges'
    /// A records carried as additional records so that one round trip suffices (RFC 974).
    case mailExchangers([MXRecord], additional: [AdditionalAddress])
    /// The name exists but has no record of the type asked for (NOERROR, no data).
    case noRecords
    /// The name does not exist (NXDOMAIN, "non-existent domain" in RFC 974).
    case nameError
    /// No answer arrived in time, after every retry (temporary: the mail waits and retries).
    case timedOut
    /// DNS is switched off in this era: MX does not exist, names come from the host table.
    case unavailable

    public var description: String {
        switch self {
        case .addresses(let addresses): "A " + addresses.map(\.description).joined(separator: ", ")
        case .mailExchangers(let records, _):
            records.isEmpty ? "no MX" : records.map(\.description).joined(separator: ", ")
        case .noRecords: "no records"
        case .nameError: "NXDOMAIN"
        case .timedOut: "timed out"
        case .unavailable: "DNS unavailable"
        }
    }
}

/// An A record delivered in the additional section of an MX answer.
public struct AdditionalAddress: Hashable, Sendable {
    public var name: String
    public var addresses: [IPv4Address]
    /// How long a resolver may cache these records.
    public var ttl: SimDuration
    public init(name: String, addresses: [IPv4Address], ttl: SimDuration) {
        self.name = name
        self.addresses = addresses
        self.ttl = ttl
    }
}

/// The zone data the name server is authoritative for: one flat table of names.
///
/// Names are compared without regard to case. Each name has an optional A record set and an
/// optional MX record set, each with a TTL.
public struct DNSZones: Sendable {
    public struct Entry: Sendable, Hashable {
        public var addresses: [IPv4Address] = []
        public var mailExchangers: [MXRecord] = []
        public var ttl: SimDuration
    }

    public private(set) var entries: [String: Entry] = [:]
    /// TTL for records added without one.
    public var defaultTTL: SimDuration

    public init(defaultTTL: SimDuration = .hours(1)) { self.defaultTTL = defaultTTL }

    /// Adds A records for `name`.
    public mutating func addAddress(_ name: String, _ address: IPv4Address, ttl: SimDuration? = nil) {
        update(name, ttl: ttl) { $0.addresses.append(address) }
    }

    /// Adds an MX record for `name`.
    public mutating func addMX(_ name: String, preference: UInt16, exchange: String, ttl: SimDuration? = nil) {
        update(name, ttl: ttl) { $0.mailExchangers.append(MXRecord(preference: preference, exchange: exchange)) }
    }

    private mutating func update(_ name: String, ttl: SimDuration?, _ change: (inout Entry) -> Void) {
        let key = DNSZones.key(name)
        var entry = entries[key] ?? Entry(ttl: ttl ?? defaultTTL)
        if let ttl { entry.ttl = ttl }
        change(&entry)
        entries[key] = entry
    }

    /// The authoritative answer to a question, and the TTL to cache it for.
    public func answer(_ name: String, _ type: DNSQueryType) -> (answer: DNSAnswer, ttl: SimDuration) {
        guard let entry = entries[DNSZones.key(name)] else { return (.nameError, defaultTTL) }
        switch type {
        case .a:
            return (entry.addresses.isEmpty ? .noRecords : .addresses(entry.addresses), entry.ttl)
        case .mx:
            guard !entry.mailExchangers.isEmpty else { return (.noRecords, entry.ttl) }
            let sorted = entry.mailExchangers.sorted {
                ($0.preference, DNSZones.key($0.exchange)) < ($1.preference, DNSZones.key($1.exchange))
            }
            var additional: [AdditionalAddress] = []
            for exchange in sorted
            where !additional.contains(where: { DNSZones.key($0.name) == DNSZones.key(exchange.exchange) }) {
                if let target = entries[DNSZones.key(exchange.exchange)], !target.addresses.isEmpty {
                    additional.append(
                        AdditionalAddress(name: exchange.exchange, addresses: target.addresses, ttl: target.ttl))
                }
            }
            return (.mailExchangers(sorted, additional: additional), entry.ttl)
        }
    }

    /// Case-folded form used for lookups (DNS names are case-insensitive).
    public static func key(_ name: String) -> String {
        // Most names are already keys: ASCII, lower case, no final dot; then this copies nothing.
        var key = ASCII.lowercased(name)
        if key.utf8.last == UInt8(ascii: ".") { key.removeLast() }
        return key
    }
}

/// How DNS behaves in a run.
public struct DNSConfiguration: Sendable {
    /// Whether DNS exists at all. Off for the pre-1986 eras: names come from the host table.
    public var enabled: Bool
    /// The host running the name server every resolver asks.
    public var server: HostID?
    public var zones: DNSZones
    /// How long a resolver waits for an answer before asking again.
    public var queryTimeout: SimDuration
    /// How many times a resolver asks in all before it reports `timedOut`.
    public var attempts: Int
    /// Windows of simulated time during which the name server answers nothing.
    public var outages: [Range<SimTime>]
    /// Size on the wire of a query and of each answer record (a rough DNS message model).
    public var querySize: Int = 60
    public var recordSize: Int = 30

    public init(
        enabled: Bool, server: HostID? = nil, zones: DNSZones = DNSZones(),
        queryTimeout: SimDuration = .seconds(5), attempts: Int = 2, outages: [Range<SimTime>] = []
    ) {
        self.enabled = enabled
        self.server = server
        self.zones = zones
        self.queryTimeout = queryTimeout
        self.attempts = attempts
        self.outages = outages
    }

    /// DNS switched off: the host-table eras.
    public static let off = DNSConfiguration(enabled: false)

    func inOutage(at time: SimTime) -> Bool { outages.contains { $0.contains(time) } }
}
