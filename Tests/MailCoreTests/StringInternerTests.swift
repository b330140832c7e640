import Testing

@testable import MailCore

@Suite struct StringInternerTests {
    @Test("an interner gives the string String(decoding:as:) makes, for every run of bytes, hit or miss")
    func matchesDecoding() {
        // Few slots, so that runs replace each other; short runs over a small alphabet (with
        // bytes that are not UTF-8), so that the same runs come back often.
        var strings = StringInterner(slots: 8)
        var hits = 0
        var seen: Set<[UInt8]> = []
        var state: UInt64 = 0x1234_5678
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        let alphabet: [UInt8] = Array("ab.-@Z7".utf8) + [0xC3, 0xA9, 0xFF]
        for _ in 0..<20_000 {
            let count = next(4) == 0 ? next(20) : next(4)
            let bytes = (0..<count).map { _ in alphabet[next(alphabet.count)] }
            if !seen.insert(bytes).inserted { hits += 1 }
            // A slice of a larger array, as the parsers hand them over.
            let padded = [0x20] + bytes + [0x3E]
            let string = strings.string(padded[1..<(padded.count - 1)])
            #expect(string == String(decoding: bytes, as: UTF8.self), "\(bytes)")
            #expect(Array(string.utf8) == Array(String(decoding: bytes, as: UTF8.self).utf8))
        }
        #expect(hits > 5_000)  // repeated runs, some still in their slot
    }

    @Test("runs that differ only in their length or their last byte are different keys")
    func exactKeys() {
        var strings = StringInterner(slots: 1)  // one slot: every run replaces the last
        for text in ["a", "a\0", "a\0\0", "abcdefgh", "abcdefgh\0", "abcdefghijklmno", "abcdefghijklmnp", "abcdefghijklmnop"] {
            let bytes = Array(text.utf8)
            #expect(strings.string(bytes[...]) == text)
            #expect(strings.string(bytes[...]) == text)
        }
        var none = StringInterner(slots: 0)
        #expect(none.string(Array("abc".utf8)[...]) == "abc")
    }

    @Test("a path parsed through an interner is the path parsed without one")
    func pathParsing() {
        var strings = StringInterner()
        let limits = PathLimits(path: 256, domain: 64, localPart: 64)
        for text in ["<u3@d5.net>", "<U3@D5.net>", "<u3@d5.net>", "<joe@x>", "<@A,@B:joe@C>", "<\"a b\"@c.org>", "<averylonglocalpart@averylongdomain.example>"] {
            let bytes = ArraySlice(text.utf8)
            let interned = Path.parse(bytes: bytes, style: .colon, limits: limits, strings: &strings)
            #expect(interned == Path.parse(bytes: bytes, style: .colon, limits: limits), "\(text)")
            #expect((try? interned.get())?.text(.colon) == text)
        }
    }
}
