/// A place in a source file, counted from 1. Kept in 32 bits each (a parsed file holds one a
/// value and one a key; a file is at most a few hundred megabytes, lines and columns fit).
public struct SourcePosition: Hashable, Sendable, CustomStringConvertible {
    private var storedLine: Int32
    private var storedColumn: Int32
    public var line: Int { Int(storedLine) }
    public var column: Int { Int(storedColumn) }
    public init(line: Int, column: Int) {
        storedLine = Int32(clamping: line)
        storedColumn = Int32(clamping: column)
    }
    public var description: String { "\(line):\(column)" }
}

/// A parsed JSON value with the position it started at, so that errors about it can say where.
public struct JSONNode: Sendable {
    /// Not `indirect`: objects and arrays hold their elements in arrays already, so leaves
    /// (most nodes) are stored in place rather than each in a box of its own.
    public enum Value: Sendable {
        /// Members in the order written (keys are unique).
        case object([Member])
        case array([JSONNode])
        case string(String)
        /// The number's text as written, converted on demand (no precision is lost on the way).
        case number(String)
        case bool(Bool)
        case null
    }

    public struct Member: Sendable {
        public var key: String
        public var keyPosition: SourcePosition
        public var value: JSONNode
    }

    public var value: Value
    public var position: SourcePosition

    /// "an object", "a string"…, for messages.
    public var kindName: String {
        switch value {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "true or false"
        case .null: "null"
        }
    }
}

/// A syntax error in a JSON text.
public struct JSONSyntaxError: Error, Hashable, Sendable {
    public var position: SourcePosition
    public var message: String
}

/// A strict JSON parser (RFC 8259) that records where every value starts.
public enum JSONParser {
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONNode {
        // The text's own UTF-8 storage is read in place (a native string's is contiguous): a copy
        // of a 50 MB file was 50 MB more at the peak of reading it.
        var text = text
        let parsed: Result<JSONNode, JSONSyntaxError> = text.withUTF8 { bytes in
            do throws(JSONSyntaxError) { return .success(try parse(bytes: bytes)) } catch { return .failure(error) }
        }
        return try parsed.get()
    }

    static func parse(bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONNode {
        var reader = Reader(bytes: bytes)
        reader.skipWhitespace()
        let node = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.atEnd else { throw reader.error("unexpected text after the end of the document") }
        return node
    }

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var line = 1
        var lineStart = 0

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
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONNode {
            guard depth < 200 else { throw error("nesting deeper than 200 levels") }
            guard !atEnd else { throw error("expected a value, found the end of the file") }
            let start = position
            switch bytes[index] {
            case UInt8(ascii: "{"): return JSONNode(value: .object(try object(depth: depth)), position: start)
            case UInt8(ascii: "["): return JSONNode(value: .array(try array(depth: depth)), position: start)
            case UInt8(ascii: "\""): return JSONNode(value: .string(try string()), position: start)
            case UInt8(ascii: "t"): try literal("true"); return JSONNode(value: .bool(true), position: start)
            case UInt8(ascii: "f"): try literal("false"); return JSONNode(value: .bool(false), position: start)
            case UInt8(ascii: "n"): try literal("null"); return JSONNode(value: .null, position: start)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return JSONNode(value: .number(try number()), position: start)
            default: throw error("expected a value, found \(describe(bytes[index]))")
            }
        }

        mutating func object(depth: Int) throws(JSONSyntaxError) -> [JSONNode.Member] {
            index += 1
            var members: [JSONNode.Member] = []
            // Keys seen, once an object has more than a few: a search of the members for each
            // key made an object of n keys cost n² (a million keys took over 20 s).
            var keys: Set<String>?
            skipWhitespace()
            if !atEnd && bytes[index] == UInt8(ascii: "}") {
                index += 1
                return members
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
                let key = try string()
                let duplicate = keys.map { $0.contains(key) } ?? members.contains { $0.key == key }
                if duplicate {
                    throw JSONSyntaxError(position: keyPosition, message: "duplicate key \"\(key)\"")
                }
                if keys != nil {
                    keys!.insert(key)
                } else if members.count == 15 {
                    keys = Set(members.map(\.key) + [key])
                }
                skipWhitespace()
                guard !atEnd, bytes[index] == UInt8(ascii: ":") else {
                    throw error("expected ':' after the key \"\(key)\"")
                }
                index += 1
                skipWhitespace()
                members.append(JSONNode.Member(key: key, keyPosition: keyPosition, value: try value(depth: depth + 1)))
                skipWhitespace()
                guard !atEnd else { throw error("unterminated object: expected ',' or '}'") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return members
                }
                throw error("expected ',' or '}' after a value, found \(describe(bytes[index]))")
            }
        }

        mutating func array(depth: Int) throws(JSONSyntaxError) -> [JSONNode] {
            index += 1
            var elements: [JSONNode] = []
            skipWhitespace()
            if !atEnd && bytes[index] == UInt8(ascii: "]") {
                index += 1
                return elements
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                guard !atEnd else { throw error("unterminated array: expected ',' or ']'") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return elements
                }
                throw error("expected ',' or ']' after a value, found \(describe(bytes[index]))")
            }
        }

        mutating func string() throws(JSONSyntaxError) -> String {
            index += 1
            // The string's UTF-8 is gathered in one buffer and decoded once: appending to a
            // String piece by piece copied it every time, so escapes cost in proportion to the
            // string's length each.
            var utf8: [UInt8] = []
            var run = index
            while true {
                guard !atEnd else { throw error("unterminated string") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    defer { index += 1 }
                    if utf8.isEmpty { return String(decoding: bytes[run..<index], as: UTF8.self) }  // no escapes
                    utf8.append(contentsOf: bytes[run..<index])
                    return String(decoding: utf8, as: UTF8.self)
                }
                if byte == 0x0a || byte == 0x0d {
                    throw error("unterminated string: the line ends before its closing quote")
                }
                if byte < 0x20 { throw error("control character in a string (write \\t… instead)") }
                if byte == UInt8(ascii: "\\") {
                    utf8.append(contentsOf: bytes[run..<index])
                    index += 1
                    guard !atEnd else { throw error("unterminated string") }
                    switch bytes[index] {
                    case UInt8(ascii: "\""): utf8.append(UInt8(ascii: "\""))
                    case UInt8(ascii: "\\"): utf8.append(UInt8(ascii: "\\"))
                    case UInt8(ascii: "/"): utf8.append(UInt8(ascii: "/"))
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0c)
                    case UInt8(ascii: "n"): utf8.append(0x0a)
                    case UInt8(ascii: "r"): utf8.append(0x0d)
                    case UInt8(ascii: "t"): utf8.append(0x09)
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
                        utf8.append(contentsOf: UTF8.encode(scalar)!)
                    default: throw error("unknown escape \\\(describe(bytes[index]))")
                    }
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

        mutating func number() throws(JSONSyntaxError) -> String {
            let start = index
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
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func literal(_ word: String) throws(JSONSyntaxError) {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<(index + expected.count)]) == expected
            else {
                throw error("expected a value, found \(describe(bytes[index]))")
            }
            index += expected.count
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        func describe(_ byte: UInt8) -> String {
            byte >= 0x21 && byte < 0x7f ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16)
        }
    }
}
