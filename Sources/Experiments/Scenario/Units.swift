import SimKernel

/// Human units in scenario files: durations ("20ms", "30m", "5d"), rates ("100/s"), sizes
/// ("2000", "2KB", "4KiB"), bandwidths ("56kbit/s", "1.5Mbit/s"). All are parsed exactly, in
/// decimal, with no floating point.
public enum Units {
    /// The longest duration a scenario may write: ten years.
    public static let longestDuration = SimDuration.days(3650)
    /// The longest latency of one link: an hour (a route's summed latency then stays far from
    /// the 64-bit limit however many links it crosses).
    public static let longestLatency = SimDuration.hours(1)
    /// The largest message a workload may send: 100 MB.
    public static let largestMessage = 100_000_000

    public static func duration(_ text: String) -> SimDuration? { SimDuration(parsing: text) }

    /// "100/s", "6/m", "2/h", "1/d", or over a span: "2/30m", "1/5s". The mean time between
    /// events: the span (one unit when only a unit is written) divided by the count; a span of
    /// zero, or shorter than a nanosecond an event, is no rate.
    public static func rate(_ text: String) -> SimDuration? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int64(parts[0]), count > 0, let first = parts[1].first else { return nil }
        // "s" is one second; "30m" is thirty minutes (never "130m").
        let span =
            first.isASCII && first.isNumber
            ? SimDuration(parsing: String(parts[1])) : SimDuration(parsing: "1" + parts[1])
        guard let span, span.nanoseconds >= count else { return nil }
        return SimDuration(nanoseconds: span.nanoseconds / count)
    }

    /// Bytes: a plain number, or with B, KB (1000), KiB (1024), MB, MiB.
    public static func size(_ text: String) -> Int? {
        let units: [(String, Int64)] = [("KiB", 1024), ("MiB", 1_048_576), ("KB", 1000), ("MB", 1_000_000), ("B", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            return SimDuration.exactProduct(of: String(text.dropLast(suffix.count)), scale: scale).map(Int.init)
        }
        return SimDuration.exactProduct(of: text, scale: 1).map(Int.init)
    }

    /// Bits per second: "9600bit/s", "56kbit/s", "1.5Mbit/s", "10Gbit/s".
    public static func bandwidth(_ text: String) -> UInt64? {
        let units: [(String, Int64)] = [
            ("kbit/s", 1000), ("Mbit/s", 1_000_000), ("Gbit/s", 1_000_000_000), ("bit/s", 1),
        ]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = SimDuration.exactProduct(of: String(text.dropLast(suffix.count)), scale: scale), value > 0
            else { return nil }
            return UInt64(value)
        }
        return nil
    }
}
