/// A moment given to an engine by its driver: nanoseconds on the driver's clock (simulated time in
/// the simulator, monotonic wall time on sockets). Engines never read a clock themselves; they
/// take `now` with every input and report their next deadline (quinn-proto's `poll_timeout`).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = Timestamp(nanoseconds: 0)
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(nanoseconds: lhs.nanoseconds + rhs.nanoseconds)
    }

    /// `self` plus a span already in nanoseconds (no `Duration` to convert).
    public func adding(nanoseconds: Int64) -> Timestamp { Timestamp(nanoseconds: self.nanoseconds + nanoseconds) }

    public var description: String { "\(nanoseconds)ns" }
}

/// A `Duration` property kept as whole nanoseconds, which its projected value (`$name`) reads
/// directly. Engines add timeouts to `now` with every command, and turning a `Duration` (128-bit
/// attoseconds) into nanoseconds is a 128-bit division each time.
@propertyWrapper
public struct StoredAsNanoseconds: Hashable, Sendable {
    public var projectedValue: Int64

    public init(wrappedValue: Duration) { projectedValue = wrappedValue.nanoseconds }

    public var wrappedValue: Duration {
        get { .nanoseconds(projectedValue) }
        set { projectedValue = newValue.nanoseconds }
    }
}

extension Duration {
    /// Whole nanoseconds (sub-nanosecond parts are dropped).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The largest whole unit that states the span exactly: "5d", "30m", "90s", "250ms".
    public var shortText: String {
        let nanoseconds = self.nanoseconds
        guard nanoseconds != 0 else { return "0s" }
        let units: KeyValuePairs<String, Int64> = [
            "d": 86_400_000_000_000, "h": 3_600_000_000_000, "m": 60_000_000_000, "s": 1_000_000_000, "ms": 1_000_000,
            "us": 1_000,
        ]
        let unit = units.first { nanoseconds % $0.value == 0 }
        return unit.map { "\(nanoseconds / $0.value)\($0.key)" } ?? "\(nanoseconds)ns"
    }
}

/// A calendar date and time in Universal Time, computed from seconds since 1970 with integer
/// arithmetic only (Hinnant's days-from-civil algorithm), so trace lines are the same everywhere.
public struct CivilTime: Hashable, Sendable {
    public var year: Int
    public var month: Int  // 1...12
    public var day: Int  // 1...31
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// 0 = Sunday.
    public var weekday: Int

    public init(unixSeconds: Int64) {
        let days = Int(unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400)
        let secondOfDay = Int(unixSeconds - Int64(days) * 86_400)
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Seconds since 1970 of a UTC date (the inverse of `init(unixSeconds:)`).
    public static func unixSeconds(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0)
        -> Int64
    {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    static let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
    private var clock: String { "\(Self.two(hour)):\(Self.two(minute)):\(Self.two(second))" }

    /// RFC 788 §4.1.2 `<daytime>`: `27-OCT-81 15:01:59-UT`.
    public var rfc788: String { "\(day)-\(Self.months[month - 1])-\(Self.two(year % 100)) \(clock)-UT" }

    /// RFC 821 §4.1.2 / RFC 822 with a two-digit year: `22 OCT 81 09:23:59 UT`.
    public var rfc822: String { "\(day) \(Self.months[month - 1]) \(Self.two(year % 100)) \(clock) UT" }

    /// RFC 2821 §4.4 / RFC 2822 with a four-digit year, as 2821 App. F.5 requires: `Thu, 21 May 1998 05:33:29 +0000`.
    public var rfc2822: String {
        let month = Self.months[self.month - 1].prefix(1) + Self.months[self.month - 1].dropFirst().lowercased()
        return "\(Self.weekdays[weekday]), \(day) \(month) \(year) \(clock) +0000"
    }

    /// C's `asctime` in UTC, as an mbox `From ` line gives it: `Sat Dec  5 10:37:14 2026`.
    public var asctime: String {
        let month = Self.months[self.month - 1].prefix(1) + Self.months[self.month - 1].dropFirst().lowercased()
        return "\(Self.weekdays[weekday]) \(month) \(day < 10 ? " " : "")\(day) \(clock) \(year)"
    }
}
