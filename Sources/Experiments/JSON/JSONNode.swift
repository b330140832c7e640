/// A place in a source file, counted from 1. Kept in 32 bits each (a document is at most 2 GB,
/// lines and columns fit).
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

/// A JSON document (RFC 8259) checked once for syntax by `JSONParser` and then read on demand: a
/// node is a place in the text, and an object's members, an array's elements and a string's
/// characters are made only when a reader asks for them, one level at a time.
///
/// A parsed document costs its text and a table of where its lines start, not a tree: a tree
/// of a file of millions of tiny objects, one array of members each, was eight times the file.
/// Reading a container scans its text, so a container read again is scanned again; the decoders
/// read each once or twice.
public final class JSONDocument: Sendable {
    /// The text as given (its UTF-8 storage is read in place; no copy is made).
    public let text: String
    /// The byte offset at which each line starts: line 1 at 0 (3 after a byte-order mark).
    let lineStarts: [Int32]
    /// Where the top-level value starts.
    let rootOffset: Int

    init(text: String, lineStarts: [Int32], rootOffset: Int) {
        self.text = text
        self.lineStarts = lineStarts
        self.rootOffset = rootOffset
    }

    public var root: JSONNode { JSONNode(document: self, offset: rootOffset) }

    /// The line and column of a byte offset.
    public func position(of offset: Int) -> SourcePosition {
        // The last line starting at or before `offset`.
        var low = 0
        var high = lineStarts.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if Int(lineStarts[middle]) <= offset { low = middle } else { high = middle }
        }
        return SourcePosition(line: low + 1, column: offset - Int(lineStarts[low]) + 1)
    }

    /// The byte offset of a line and column of this document, if it has them.
    public func offset(of position: SourcePosition) -> Int? {
        guard position.line >= 1, position.line <= lineStarts.count, position.column >= 1 else { return nil }
        let offset = Int(lineStarts[position.line - 1]) + position.column - 1
        return offset <= text.utf8.count ? offset : nil
    }

    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var text = self.text  // a native string's storage is contiguous: no copy
        return text.withUTF8(body)
    }

    // MARK: Reading a checked text

    // The functions below run on text the parser has accepted, so they check nothing.

    static func skipWhitespace(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0a || bytes[index] == 0x0d
                || bytes[index] == 0x09
        {
            index += 1
        }
        return index
    }

    /// The offset just past the value that starts at `start`.
    static func end(_ bytes: UnsafeBufferPointer<UInt8>, ofValueAt start: Int) -> Int {
        var index = start
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return endOfString(bytes, at: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while true {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index = endOfString(bytes, at: index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
        default:  // a number or a literal: up to the next delimiter
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0a, 0x0d, 0x09: return index
                default: index += 1
                }
            }
            return index
        }
    }

    static func endOfString(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int {
        var index = start + 1
        while bytes[index] != UInt8(ascii: "\"") { index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1 }
        return index + 1
    }

    func end(ofValueAt offset: Int) -> Int { withBytes { Self.end($0, ofValueAt: offset) } }

    func kind(at offset: Int) -> JSONNode.Kind {
        withBytes { bytes in
            switch bytes[offset] {
            case UInt8(ascii: "{"): .object
            case UInt8(ascii: "["): .array
            case UInt8(ascii: "\""): .string
            case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
            case UInt8(ascii: "n"): .null
            default: .number
            }
        }
    }

    func members(at offset: Int) -> [JSONNode.Member] {
        withBytes { bytes in
            var members: [JSONNode.Member] = []
            var index = Self.skipWhitespace(bytes, from: offset + 1)
            while bytes[index] == UInt8(ascii: "\"") {
                let keyOffset = index
                let key = Self.string(bytes, at: keyOffset)
                index = Self.skipWhitespace(bytes, from: Self.endOfString(bytes, at: keyOffset))
                let valueOffset = Self.skipWhitespace(bytes, from: index + 1)  // past ':'
                members.append(
                    JSONNode.Member(
                        key: key, keyOffset: keyOffset, value: JSONNode(document: self, offset: valueOffset)))
                index = Self.skipWhitespace(bytes, from: Self.end(bytes, ofValueAt: valueOffset))
                guard bytes[index] == UInt8(ascii: ",") else { break }
                index = Self.skipWhitespace(bytes, from: index + 1)
            }
            return members
        }
    }

    func elements(at offset: Int) -> [JSONNode] {
        withBytes { bytes in
            var elements: [JSONNode] = []
            var index = Self.skipWhitespace(bytes, from: offset + 1)
            guard bytes[index] != UInt8(ascii: "]") else { return elements }
            while true {
                elements.append(JSONNode(document: self, offset: index))
                index = Self.skipWhitespace(bytes, from: Self.end(bytes, ofValueAt: index))
                guard bytes[index] == UInt8(ascii: ",") else { return elements }
                index = Self.skipWhitespace(bytes, from: index + 1)
            }
        }
    }

    /// The decoded text of the string that starts at `offset`.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> String {
        var reader = JSONParser.Reader(bytes: bytes)
        reader.index = offset
        // Checked already; the parser's own decoding is used so that there is one.
        return (try? reader.string(keeping: true)) ?? ""
    }

    func string(at offset: Int) -> String { withBytes { Self.string($0, at: offset) } }

    /// The text of the value at `offset` as written.
    func source(at offset: Int) -> String {
        withBytes { bytes in String(decoding: bytes[offset..<Self.end(bytes, ofValueAt: offset)], as: UTF8.self) }
    }
}

/// A value in a `JSONDocument`, with the position it starts at, so that errors about it can say
/// where.
public struct JSONNode: Sendable {
    /// A value one level deep: an object's members and an array's elements are nodes.
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

    public enum Kind: Sendable {
        case object, array, string, number, bool, null
    }

    public struct Member: Sendable {
        public var key: String
        let keyOffset: Int
        public var value: JSONNode
        public var keyPosition: SourcePosition { value.document.position(of: keyOffset) }
    }

    public let document: JSONDocument
    /// Where the value's first byte is in the document's text.
    public let offset: Int

    public var kind: Kind { document.kind(at: offset) }

    /// The value, read from the text (a container's members or elements, one level).
    public var value: Value {
        switch kind {
        case .object: .object(document.members(at: offset))
        case .array: .array(document.elements(at: offset))
        case .string: .string(document.string(at: offset))
        case .number: .number(document.source(at: offset))
        case .bool: .bool(document.withBytes { $0[offset] == UInt8(ascii: "t") })
        case .null: .null
        }
    }

    public var position: SourcePosition { document.position(of: offset) }

    /// The value's text as written in the document.
    public var source: String { document.source(at: offset) }

    /// "an object", "a string"…, for messages.
    public var kindName: String {
        switch kind {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "true or false"
        case .null: "null"
        }
    }
}
