import Testing

@testable import Experiments

@Suite struct JSONParserTests {
    func string(_ json: String) throws -> String {
        let node = try JSONParser.parse(json)
        guard case .string(let text) = node.value else {
            Issue.record("\(json) is not a string")
            return ""
        }
        return text
    }

    @Test("escapes decode as RFC 8259 §7 says, with the text around them kept")
    func escapes() throws {
        #expect(try string(#""plain""#) == "plain")
        #expect(try string(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == "a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti")
        #expect(try string(#""\u00e9t\u00C9 \u263A""#) == "étÉ ☺")
        #expect(try string(#""\ud83d\ude00!""#) == "😀!")
        #expect(try string(#""déjà vu""#) == "déjà vu")
        #expect(try string(#""""#) == "")
        for bad in [#""\x""#, #""\ud83d""#, #""\ud83d\u0041""#, #""\u12""#, #""abc"#, "\"a\nb\""] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try JSONParser.parse(bad) }
        }
    }

    @Test("a string of 200,000 escapes is read whole (it once took time in proportion to its length per escape)")
    func manyEscapes() throws {
        let text = try string("\"" + String(repeating: #"a\n"#, count: 200_000) + "\"")
        #expect(text.utf8.count == 400_000)
        #expect(text == String(repeating: "a\n", count: 200_000))
    }
}

/// Documents written by a seeded generator that knows what it wrote: each value and the byte at
/// which it starts. The parser, reading on demand, must give back the same values at the same
/// places, lines and columns counted here from the text.
@Suite struct JSONDocumentTests {
    /// What the generator wrote: a value and where it starts.
    indirect enum Written {
        case object([(key: String, value: Written)], at: Int)
        case array([Written], at: Int)
        case string(String, at: Int)
        case number(String, at: Int)
        case bool(Bool, at: Int)
        case null(at: Int)

        var offset: Int {
            switch self {
            case .object(_, let at), .array(_, let at), .string(_, let at), .number(_, let at), .bool(_, let at),
                .null(let at):
                at
            }
        }
    }

    struct Writer {
        var state: UInt64
        var text: [UInt8] = []

        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15  // SplitMix64
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }

        mutating func space() {
            for _ in 0..<next(3) { text += Array([" ", "\t", "\n", "\r\n", "  \n "][next(5)].utf8) }
        }

        /// A string with escapes of every kind, non-ASCII text and a surrogate pair.
        mutating func string() -> String {
            var value = ""
            text.append(UInt8(ascii: "\""))
            for _ in 0..<next(8) {
                let pieces: [(written: String, meaning: String)] = [
                    ("a", "a"), ("Zz9", "Zz9"), ("\\\"", "\""), ("\\\\", "\\"), ("\\/", "/"), ("\\n", "\n"),
                    ("\\t", "\t"), ("\\u00e9", "é"), ("é", "é"), ("\\ud83d\\ude00", "😀"), ("{[,:]}", "{[,:]}"),
                    ("\\b\\f\\r", "\u{8}\u{c}\r"),
                ]
                let piece = pieces[next(pieces.count)]
                text += Array(piece.written.utf8)
                value += piece.meaning
            }
            text.append(UInt8(ascii: "\""))
            return value
        }

        mutating func value(depth: Int) -> Written {
            let at = text.count
            // A container at the top, scalars only deep down.
            switch depth == 0 ? 4 + next(2) : next(depth > 3 ? 4 : 6) {
            case 0:
                let number = ["0", "-1", "42", "3.25", "-0.5e10", "1E+2", "7e-3", "123456789012"][next(8)]
                text += Array(number.utf8)
                return .number(number, at: at)
            case 1:
                let value = next(2) == 0
                text += Array((value ? "true" : "false").utf8)
                return .bool(value, at: at)
            case 2:
                text += Array("null".utf8)
                return .null(at: at)
            case 3: return .string(string(), at: at)
            case 4:
                text.append(UInt8(ascii: "["))
                var elements: [Written] = []
                space()
                for index in 0..<next(5) {
                    if index > 0 {
                        text.append(UInt8(ascii: ","))
                        space()
                    }
                    elements.append(value(depth: depth + 1))
                    space()
                }
                text.append(UInt8(ascii: "]"))
                return .array(elements, at: at)
            default:
                text.append(UInt8(ascii: "{"))
                var members: [(key: String, value: Written)] = []
                space()
                for index in 0..<next(5) {
                    if index > 0 {
                        text.append(UInt8(ascii: ","))
                        space()
                    }
                    var key = string()
                    // Keys are unique: a repeated one gets a distinct tail.
                    if members.contains(where: { $0.key == key }) {
                        text.removeLast()
                        text += Array("#\(index)\"".utf8)
                        key += "#\(index)"
                    }
                    space()
                    text.append(UInt8(ascii: ":"))
                    space()
                    members.append((key, value(depth: depth + 1)))
                    space()
                }
                text.append(UInt8(ascii: "}"))
                return .object(members, at: at)
            }
        }
    }

    /// Columns count bytes from 1; a byte-order mark is not counted (editors do not show it).
    func place(_ offset: Int, in text: [UInt8]) -> SourcePosition {
        let line = text[..<offset].filter { $0 == 0x0a }.count + 1
        let start =
            text[..<offset].lastIndex(of: 0x0a).map { $0 + 1 } ?? (text.starts(with: [0xef, 0xbb, 0xbf]) ? 3 : 0)
        return SourcePosition(line: line, column: offset - start + 1)
    }

    func compare(_ node: JSONNode, _ written: Written, _ text: [UInt8]) {
        #expect(node.offset == written.offset)
        #expect(node.position == place(written.offset, in: text))
        switch (node.value, written) {
        case (.object(let members), .object(let expected, _)):
            #expect(members.map(\.key) == expected.map(\.key))
            for (member, (_, value)) in zip(members, expected) { compare(member.value, value, text) }
        case (.array(let elements), .array(let expected, _)):
            #expect(elements.count == expected.count)
            for (element, value) in zip(elements, expected) { compare(element, value, text) }
        case (.string(let read), .string(let expected, _)): #expect(read == expected)
        case (.number(let read), .number(let expected, _)): #expect(read == expected)
        case (.bool(let read), .bool(let expected, _)): #expect(read == expected)
        case (.null, .null): break
        default: Issue.record("read \(node.kindName) where the generator wrote \(written)")
        }
    }

    @Test("random documents read back on demand as written: values, keys, places", arguments: 0..<200)
    func roundTrip(seed: Int) throws {
        var writer = Writer(state: UInt64(seed))
        if seed % 7 == 0 { writer.text += [0xef, 0xbb, 0xbf] }  // a byte-order mark
        writer.space()
        let written = writer.value(depth: 0)
        writer.space()
        let text = String(decoding: writer.text, as: UTF8.self)
        let root = try JSONParser.parse(text)
        compare(root, written, writer.text)
        #expect(root.source == String(decoding: writer.text[written.offset...], as: UTF8.self).trimmingSuffix())
    }

    @Test("a key's position is its opening quote; a document's end is refused past its value")
    func keyPositions() throws {
        let root = try JSONParser.parse("{\n  \"a\" :\n 1,\t\"b\":[ ]}")
        guard case .object(let members) = root.value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.keyPosition) == [SourcePosition(line: 2, column: 3), SourcePosition(line: 3, column: 5)])
        #expect(
            members.map(\.value.position) == [SourcePosition(line: 3, column: 2), SourcePosition(line: 3, column: 9)])
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("{} {}") }
    }
}

extension String {
    /// Without the whitespace at its end.
    fileprivate func trimmingSuffix() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
