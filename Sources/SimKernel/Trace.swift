/// What kind of thing a trace record describes. An open set: each layer adds its own kinds
/// (the network adds `connect`, the mail drivers add `command` and `reply`, and so on).
public struct TraceKind: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: TraceKind, rhs: TraceKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Free-form notes from the kernel or a test.
    public static let note = TraceKind("note")
}

/// One line of a run's trace: at `time`, on `host`, something of `kind` happened.
public struct TraceRecord: Hashable, Sendable, CustomStringConvertible {
    public var time: SimTime
    public var host: String
    public var kind: TraceKind
    public var detail: String

    public init(time: SimTime, host: String, kind: TraceKind, detail: String) {
        self.time = time
        self.host = host
        self.kind = kind
        self.detail = detail
    }

    /// A fixed-width line such as `    12.345678s  ALPHA       connect   to BETA:25`.
    public var description: String {
        let seconds = SimDuration(nanoseconds: time.nanoseconds).secondsText(decimals: 6) + "s"
        return Self.padded(seconds, 14, left: true) + "  " + Self.padded(host, 12) + Self.padded(kind.rawValue, 10)
            + detail
    }

    static func padded(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? fill + text : text + (text.count >= width ? " " : fill)
    }
}

/// An append-only log of trace records. When disabled (as in benchmarks), appending costs one branch
/// and the detail text is never built, because callers pass it as an autoclosure.
public struct Trace: Sendable {
    public private(set) var records: [TraceRecord] = []
    public var isEnabled: Bool

    public init(enabled: Bool = true) { self.isEnabled = enabled }

    @inlinable
    public mutating func append(
        _ time: SimTime, _ host: @autoclosure () -> String, _ kind: TraceKind, _ detail: @autoclosure () -> String
    ) {
        guard isEnabled else { return }
        appendRecord(TraceRecord(time: time, host: host(), kind: kind, detail: detail()))
    }

    @usableFromInline
    mutating func appendRecord(_ record: TraceRecord) { records.append(record) }

    /// Every record as one line each, in the order they were appended.
    public var text: String { records.map { $0.description + "\n" }.joined() }
}
