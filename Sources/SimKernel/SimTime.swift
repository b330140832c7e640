/// A point in simulated time: whole nanoseconds since the start of a run.
///
/// Time is an integer so that ordering is exact and runs are reproducible on every platform;
/// a `Double` never holds time in Mailpath (ns-3 keeps `m_ts` as an integer for the same reason).
@frozen
public struct SimTime: Hashable, Comparable, Sendable {
    /// Nanoseconds since the start of the run.
    public var nanoseconds: Int64

    @inlinable
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The start of every run.
    public static let zero = SimTime(nanoseconds: 0)

    /// A time later than any event a run will schedule.
    public static let distantFuture = SimTime(nanoseconds: .max)

    @inlinable
    public static func < (lhs: SimTime, rhs: SimTime) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// `lhs` moved forward by `rhs`, saturating at `distantFuture`.
    @inlinable
    public static func + (lhs: SimTime, rhs: SimDuration) -> SimTime {
        let (sum, overflow) = lhs.nanoseconds.addingReportingOverflow(rhs.nanoseconds)
        return SimTime(nanoseconds: overflow ? .max : sum)
    }

    @inlinable
    public static func += (lhs: inout SimTime, rhs: SimDuration) { lhs = lhs + rhs }

    @inlinable
    public static func - (lhs: SimTime, rhs: SimDuration) -> SimTime {
        SimTime(nanoseconds: lhs.nanoseconds - rhs.nanoseconds)
    }

    /// The span from `rhs` to `lhs`.
    @inlinable
    public static func - (lhs: SimTime, rhs: SimTime) -> SimDuration {
        SimDuration(nanoseconds: lhs.nanoseconds - rhs.nanoseconds)
    }
}

extension SimTime: CustomStringConvertible {
    /// Seconds since the start with millisecond precision, for example `t=12.345s`.
    public var description: String { "t=" + SimDuration(nanoseconds: nanoseconds).secondsText(decimals: 3) + "s" }
}

/// A span of simulated time in whole nanoseconds.
@frozen
public struct SimDuration: Hashable, Comparable, Sendable {
    public var nanoseconds: Int64

    @inlinable
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = SimDuration(nanoseconds: 0)

    @inlinable public static func nanoseconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n) }
    @inlinable public static func microseconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n * 1_000) }
    @inlinable public static func milliseconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n * 1_000_000) }
    @inlinable public static func seconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n * 1_000_000_000) }
    @inlinable public static func minutes(_ n: Int64) -> SimDuration { .seconds(n * 60) }
    @inlinable public static func hours(_ n: Int64) -> SimDuration { .seconds(n * 3_600) }
    @inlinable public static func days(_ n: Int64) -> SimDuration { .seconds(n * 86_400) }

    @inlinable
    public static func < (lhs: SimDuration, rhs: SimDuration) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    @inlinable
    public static func + (lhs: SimDuration, rhs: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: lhs.nanoseconds + rhs.nanoseconds)
    }
    @inlinable
    public static func - (lhs: SimDuration, rhs: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: lhs.nanoseconds - rhs.nanoseconds)
    }
    @inlinable
    public static func * (lhs: SimDuration, rhs: Int64) -> SimDuration {
        SimDuration(nanoseconds: lhs.nanoseconds * rhs)
    }

    /// The span in seconds, for display and statistics only (never for scheduling).
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Whole and fractional seconds with a fixed number of decimals, computed on integers
    /// so that the text is the same on every platform.
    public func secondsText(decimals: Int) -> String {
        precondition((0...9).contains(decimals), "decimals must be 0...9, got \(decimals)")
        var scale: Int64 = 1
        for _ in 0..<(9 - decimals) { scale *= 10 }
        let negative = nanoseconds < 0
        let magnitude = nanoseconds.magnitude
        // Round half away from zero at the requested precision.
        let units = (magnitude + UInt64(scale / 2)) / UInt64(scale)
        var unitsPerSecond: UInt64 = 1
        for _ in 0..<decimals { unitsPerSecond *= 10 }
        let whole = units / unitsPerSecond
        var text = (negative && units != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let fraction = String(units % unitsPerSecond)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }
}

extension SimDuration: CustomStringConvertible {
    /// The shortest exact human form: `20ms`, `1.5s`, `30m`, `5d`, `250us`, `0s`.
    public var description: String {
        if nanoseconds == 0 { return "0s" }
        let units: [(String, Int64)] = [
            ("d", 86_400_000_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000),
            ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000), ("ns", 1),
        ]
        for (suffix, size) in units where nanoseconds % size == 0 {
            return String(nanoseconds / size) + suffix
        }
        return String(nanoseconds) + "ns"
    }
}

extension SimDuration {
    /// Parses a human duration such as `20ms`, `1.5s`, `30m`, `2h`, `5d`, `250us` or `40ns`.
    ///
    /// A number (decimals allowed, parsed exactly in decimal) is followed by one unit:
    /// `ns`, `us`, `ms`, `s`, `m`, `h` or `d`. Returns `nil` for anything else,
    /// including negative values and results that do not fit in 64 bits of nanoseconds.
    public init?(parsing text: String) {
        let units: [(String, Int64)] = [
            ("ns", 1), ("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
            ("m", 60_000_000_000), ("h", 3_600_000_000_000), ("d", 86_400_000_000_000),
        ]
        // Longest suffix first, so "ms" is not read as "m" + garbage.
        guard let (suffix, size) = units.sorted(by: { $0.0.count > $1.0.count }).first(where: { text.hasSuffix($0.0) }),
            let value = Self.exactProduct(of: String(text.dropLast(suffix.count)), scale: size)
        else { return nil }
        self.init(nanoseconds: value)
    }

    /// `number × scale` where `number` is a non-negative decimal like `1.25`, or `nil` when the
    /// text is not such a number or the product is not a whole count that fits in `Int64`.
    public static func exactProduct(of number: String, scale: Int64) -> Int64? {
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            parts.count == 1 || !parts[1].isEmpty
        else { return nil }
        guard let whole = Int64(parts[0]) else { return nil }
        var (result, overflow) = whole.multipliedReportingOverflow(by: scale)
        if overflow { return nil }
        if parts.count == 2 {
            var place = scale
            for digit in parts[1] {
                guard place % 10 == 0 else { return nil }  // finer than one nanosecond
                place /= 10
                (result, overflow) = result.addingReportingOverflow(Int64(digit.wholeNumberValue!) * place)
                if overflow { return nil }
            }
        }
        return result
    }
}
