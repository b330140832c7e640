/// A syntax error in a JSON text.
public struct JSONSyntaxError: Error, Hashable, Sendable {
    public var position: SourcePosition
    public var message: String
}

/// A strict JSON parser (RFC 8259): checks a whole text once, keeping only where its lines
/// start, and gives a `JSONDocument` to read it from.
public enum JSONParser {
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONNode {
        // The text's own UTF-8 storage is read in place (a native string's is contiguous).
        var storage = text
        let checked: Result<(lineStarts: [Int32], root: Int), JSONSyntaxError> = storage.withUTF8 { bytes in
            do throws(JSONSyntaxError) { return .success(try check(bytes)) } catch { return .failure(error) }
        }
        let (lineStarts, root) = try checked.get()
        return JSONDocument(text: text, lineStarts: lineStarts, rootOffset: root).root
    }

    static func check(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> (
        lineStarts: [Int32], root: Int
    ) {
        var reader = Reader(bytes: bytes)
        guard bytes.count < Int(Int32.max) else {
            throw reader.error("the text is 2 GB or more, larger than any document Mailpath reads")
        }
        reader.lineStarts = [Int32(reader.index)]
        reader.skipWhitespace()
        let root = reader.index
        try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.atEnd else { throw reader.error("unexpected text after the end of the document") }
        return (reader.lineStarts, root)
    }

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var line = 1
        var lineStart = 0
        /// Where each line starts, recorded while checking (not when reading a string on demand).
        var lineStarts: [Int32] = []
        /// The keys of the objects being checked, innermost last: a stack shared by all of them,
        /// so that an object of one key costs no array of its own.
        var keys: [String] = []

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            // A byte-order mark is not JSON, but editors write one; skip it.
            if bytes.starts(with: [0xef, 0xbb, 0xbf]) {
                index = 3
                lineStart = 3
            }
        }

        var atEnd: Bool { index >= bytes.count }
        var position: SourcePosition { SourcePosition(line: line, column: index - lineStart + 1) }

        func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(position: position, message: message) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0d: index += 1
                case 0x0a:
                    index += 1
                    line += 1
                    lineStart = index
                    lineStarts.append(Int32(index))
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(JSONSyntaxError) {
            guard depth < 200 else { throw error("nesting deeper than 200 levels") }
            guard !atEnd else { throw error("expected a value, found the end of the file") }
            switch bytes[index] {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): _ = try string(keeping: false)
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw error("expected a value, found \(describe(bytes[index]))")
            }
        }

        mutating func object(depth: Int) throws(JSONSyntaxError) {
            index += 1
            let base = keys.count
            defer { keys.removeSubrange(base...) }
            // Keys seen, once an object has more than a few: a search of the keys for each key
            // made an object of n keys cost n² (a million keys took over 20 s).
            var keySet: Set<String>?
            skipWhitespace()
            if !atEnd && bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard !atEnd, bytes[index] == UInt8(ascii: "\"") else {
                    throw error(
                        atEnd
                            ? "unterminated object: expected a key in double quotes"
                            : "expected a key in double quotes, found \(describe(bytes[index]))")
                }
                let keyPosition = position
                let key = try string(keeping: true)
                let duplicate = keySet.map { $0.contains(key) } ?? keys[base...].contains(key)
                if duplicate {
                    throw JSONSyntaxError(position: keyPosition, message: "duplicate key \"\(key)\"")
                }
                if keySet != nil {
                    keySet!.insert(key)
                } else if keys.count - base == 15 {
                    keySet = Set(keys[base...] + [key])
                } else {
                    keys.append(key)
                }
                skipWhitespace()
                guard !atEnd, bytes[index] == UInt8(ascii: ":") else {
                    throw error("expected ':' after the key \"\(key)\"")
                }
                index += 1
                skipWhitespace()
                try value(depth: depth + 1)
                skipWhitespace()
                guard !atEnd else { throw error("unterminated object: expected ',' or '}'") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return
                }
                throw error("expected ',' or '}' after a value, found \(describe(bytes[index]))")
            }
        }

        mutating func array(depth: Int) throws(JSONSyntaxError) {
            index += 1
            skipWhitespace()
            if !atEnd && bytes[index] == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                try value(depth: depth + 1)
                skipWhitespace()
                guard !atEnd else { throw error("unterminated array: expected ',' or ']'") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return
                }
                throw error("expected ',' or ']' after a value, found \(describe(bytes[index]))")
            }
        }

        /// Reads the string at `index` (on its opening quote), checking it; its decoded text when
        /// `keeping`, else "" (a value is checked now and decoded when a reader asks for it).
        mutating func string(keeping: Bool) throws(JSONSyntaxError) -> String {
            index += 1
            // The string's UTF-8 is gathered in one buffer and decoded once: appending to a
            // String piece by piece copied it every time, so escapes cost in proportion to the
            // string's length each.
            var utf8: [UInt8] = []
            var escaped = false
            var run = index
            while true {
                guard !atEnd else { throw error("unterminated string") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    defer { index += 1 }
                    guard keeping else { return "" }
                    if !escaped { return String(decoding: bytes[run..<index], as: UTF8.self) }
                    utf8.append(contentsOf: bytes[run..<index])
                    return String(decoding: utf8, as: UTF8.self)
                }
                if byte == 0x0a || byte == 0x0d {
                    throw error("unterminated string: the line ends before its closing quote")
                }
                if byte < 0x20 { throw error("control character in a string (write \\t… instead)") }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    if keeping { utf8.append(contentsOf: bytes[run..<index]) }
                    index += 1
                    guard !atEnd else { throw error("unterminated string") }
                    let decoded: Unicode.Scalar
                    switch bytes[index] {
                    case UInt8(ascii: "\""): decoded = "\""
                    case UInt8(ascii: "\\"): decoded = "\\"
                    case UInt8(ascii: "/"): decoded = "/"
                    case UInt8(ascii: "b"): decoded = "\u{8}"
                    case UInt8(ascii: "f"): decoded = "\u{c}"
                    case UInt8(ascii: "n"): decoded = "\n"
                    case UInt8(ascii: "r"): decoded = "\r"
                    case UInt8(ascii: "t"): decoded = "\t"
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xd800..<0xdc00).contains(code) {
                            guard index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "\\"),
                                bytes[index + 2] == UInt8(ascii: "u")
                            else {
                                throw error("lone surrogate in \\u escape")
                            }
                            index += 2
                            let low = try hex4()
                            guard (0xdc00..<0xe000).contains(low) else {
                                throw error("bad surrogate pair in \\u escape")
                            }
                            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                        decoded = scalar
                    default: throw error("unknown escape \\\(describe(bytes[index]))")
                    }
                    if keeping { utf8.append(contentsOf: UTF8.encode(decoded)!) }
                    index += 1
                    run = index
                    continue
                }
                index += 1
            }
        }

        /// Reads the four hex digits after `\u`, leaving `index` on the last.
        mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                index += 1
                guard !atEnd, let digit = hexValue(bytes[index]) else {
                    throw error("expected four hex digits after \\u")
                }
                value = value * 16 + digit
            }
            return value
        }

        func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - 0x41 + 10)
            default: nil
            }
        }

        mutating func number() throws(JSONSyntaxError) {
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard !atEnd, isDigit(bytes[index]) else { throw error("expected a digit") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while !atEnd && isDigit(bytes[index]) { index += 1 }
            }
            if !atEnd && bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard !atEnd, isDigit(bytes[index]) else { throw error("expected a digit after the decimal point") }
                while !atEnd && isDigit(bytes[index]) { index += 1 }
            }
            if !atEnd && (bytes[index] | 0x20) == UInt8(ascii: "e") {
                index += 1
                if !atEnd && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
                guard !atEnd, isDigit(bytes[index]) else { throw error("expected a digit in the exponent") }
                while !atEnd && isDigit(bytes[index]) { index += 1 }
            }
        }

        mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count,
                word.withUTF8Buffer({ expected in expected.elementsEqual(bytes[index..<(index + count)]) })
            else {
                throw error("expected a value, found \(describe(bytes[index]))")
            }
            index += count
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        func describe(_ byte: UInt8) -> String {
            byte >= 0x21 && byte < 0x7f ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16)
        }
    }
}
