/// A JSON document built by hand, rendered with keys in the order given, so output is byte-stable.
public indirect enum JSON: Hashable, Sendable {
    case object([(String, JSON)])
    case array([JSON])
    case string(String)
    /// A number already formatted (use `Format` for fixed decimals).
    case number(String)
    case bool(Bool)
    case null

    public static func == (lhs: JSON, rhs: JSON) -> Bool { lhs.rendered() == rhs.rendered() }
    public func hash(into hasher: inout Hasher) { hasher.combine(rendered()) }

    public static func int(_ value: Int) -> JSON { .number(String(value)) }
    public static func decimal(_ value: Double, _ places: Int) -> JSON { .number(Format.decimal(value, places)) }

    /// Two-space indented text with a final newline.
    public func rendered() -> String {
        var text = ""
        write(into: &text, indent: 0)
        return text + "\n"
    }

    /// On one line, without spaces (a line of JSON Lines).
    public var compact: String {
        switch self {
        case .object(let members):
            "{" + members.map { JSON.quote($0.0) + ":" + $0.1.compact }.joined(separator: ",") + "}"
        case .array(let elements): "[" + elements.map(\.compact).joined(separator: ",") + "]"
        case .string(let value): JSON.quote(value)
        case .number(let value): value
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        }
    }

    func write(into text: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch self {
        case .object(let members):
            if members.isEmpty { text += "{}"; return }
            text += "{\n"
            for (index, (key, value)) in members.enumerated() {
                text += pad + JSON.quote(key) + ": "
                value.write(into: &text, indent: indent + 1)
                text += index < members.count - 1 ? ",\n" : "\n"
            }
            text += close + "}"
        case .array(let elements):
            if elements.isEmpty { text += "[]"; return }
            text += "[\n"
            for (index, element) in elements.enumerated() {
                text += pad
                element.write(into: &text, indent: indent + 1)
                text += index < elements.count - 1 ? ",\n" : "\n"
            }
            text += close + "]"
        case .string(let value): text += JSON.quote(value)
        case .number(let value): text += value
        case .bool(let value): text += value ? "true" : "false"
        case .null: text += "null"
        }
    }

    /// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped.
    public static func quote(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// Comma-separated values (RFC 4180): a header row, then rows; fields with commas, quotes or line
/// breaks are quoted; lines end with CR LF as the RFC asks.
public enum CSV {
    public static func render(headers: [String], rows: [[String]]) -> String {
        render(rows: [headers] + rows)
    }

    /// Rows without a header (a part of a file whose header is written elsewhere).
    public static func render(rows: [[String]]) -> String {
        rows.map { $0.map(field).joined(separator: ",") + "\r\n" }.joined()
    }

    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingQuotes() + "\""
    }
}

extension String {
    func replacingQuotes() -> String {
        var result = ""
        for character in self {
            result.append(character)
            if character == "\"" { result.append("\"") }
        }
        return result
    }
}

/// Fixed-format numbers: the same text on every platform and locale.
public enum Format {
    /// `12345678` → `12,345,678`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return (value < 0 ? "-" : "") + result
    }

    /// A value with a fixed number of decimals, rounded half away from zero.
    public static func decimal(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let negative = value < 0
        let scaled = Int64(value.magnitude * scale + 0.5)
        let whole = scaled / Int64(scale)
        var text = (negative && scaled != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let fraction = String(scaled % Int64(scale))
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    /// Seconds with three decimals and a unit: `1.234 s`.
    public static func seconds(nanoseconds: Int64) -> String { decimal(Double(nanoseconds) / 1e9, 3) + " s" }

    /// Bytes as MiB with one decimal.
    public static func mebibytes(_ bytes: UInt64) -> String { decimal(Double(bytes) / 1_048_576, 1) + " MiB" }
}
