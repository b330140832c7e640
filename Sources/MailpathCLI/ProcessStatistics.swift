#if canImport(Glibc)
import Glibc
#endif

/// Facts about this process for benchmark reports.
enum ProcessStatistics {
    /// Peak resident set size in bytes (`VmHWM` in /proc/self/status), or `nil` where unavailable.
    static func peakResidentBytes() -> UInt64? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard line.hasPrefix("VmHWM:") else { continue }
            let digits = line.filter(\.isNumber)
            return UInt64(digits).map { $0 * 1024 }
        }
        return nil
    }
}

/// Fixed-format numbers for human-facing output (never locale-dependent).
enum Format {
    /// `12345678` → `12,345,678`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return (value < 0 ? "-" : "") + result
    }

    /// A non-negative value with a fixed number of decimals, rounded half up.
    static func decimal(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int64(value * scale + 0.5)
        let whole = scaled / Int64(scale)
        let fraction = String(scaled % Int64(scale))
        return decimals == 0 ? String(whole) : "\(whole)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// Bytes as MiB with one decimal.
    static func mebibytes(_ bytes: UInt64) -> String { decimal(Double(bytes) / 1_048_576, 1) + " MiB" }
}
