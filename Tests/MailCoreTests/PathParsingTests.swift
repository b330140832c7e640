import Testing

@testable import MailCore

/// The one-pass reading of a plain `<user@host>` (`Path.plainMailboxAt`) against the general
/// parser it stands in front of: whatever it accepts, the general parser accepts with the same
/// mailbox; whatever the general parser refuses, it leaves alone.
@Suite struct PathParsingTests {
    static let limits = PathLimits(path: 256, domain: 64, localPart: 64)
    static let tight = PathLimits(path: 100, domain: 8, localPart: 4)

    /// Checks one mailbox text both ways; returns whether the one-pass reading took it.
    @discardableResult
    func check(_ text: String, limits: PathLimits = limits) -> Bool {
        let bytes = ArraySlice(Array(text.utf8))
        var upperCase = false
        let at = Path.plainMailboxAt(bytes, limits: limits, upperCase: &upperCase)
        let general = Path.parseMailbox(bytes, limits: limits, allowPostmaster: false)
        guard let at else { return false }
        guard case .success(let mailbox) = general else {
            Issue.record("\(text): read in one pass, refused by the general parser (\(general))")
            return true
        }
        #expect(Array(text.utf8)[at] == UInt8(ascii: "@"), "\(text)")
        #expect(mailbox.localPart == String(decoding: bytes[..<at], as: UTF8.self), "\(text)")
        #expect(mailbox.domain?.text == String(decoding: bytes[(at + 1)...], as: UTF8.self), "\(text)")
        #expect(upperCase == (mailbox.domain?.text != mailbox.domain?.key), "\(text)")
        // And the whole path, through `parse`, is the general parser's.
        let path = Path.parse(bytes: ArraySlice(Array("<\(text)>".utf8)), style: .colon, limits: limits)
        #expect(path == .success(Path(mailbox)), "\(text)")
        return true
    }

    @Test("plain mailboxes are read in one pass, with the general parser's result")
    func plain() {
        for text in [
            "u3@d7.net", "Joe.Smith@USC-ISIF.ARPA", "a@b", "x-y_z+tag@mx1.d05.example", "!#$%&'*+-/=?^_`{|}~@a.b",
            "J@1.2", "a.b@c",
        ] {
            #expect(check(text), "\(text)")
        }
    }

    @Test(
        "anything unusual or wrong is left to the general parser",
        arguments: [
            "", "@", "joe", "joe@", "@host", "a.b.@c", ".a@c", "a..b@c", "joe@@host", "jo@e@host", "\"joe\"@host",
            "jo\\e@host", "jo e@host", "joe@ho st",
            "joe@#123", "joe@[10.0.0.1]", "joe@-host", "joe@host-", "joe@a..b", "joe@.a", "joe@a.", "joe@a-.b",
            "jo,e@host",
            "jo;e@host", "jo:e@host", "jo<e@host", "jo>e@host", "jo(e@host", "jo)e@host", "jo[e@host", "jo]e@host",
            "joe@h_st",
            "jöe@host", "joe@höst", "jo\u{7f}e@host", "jo\te@host",
        ])
    func unusual(_ text: String) {
        #expect(!check(text), "\(text)")
    }

    @Test("limits: a local part or domain over the limit is left to the general parser")
    func limitsHold() {
        #expect(check("abcd@abcd.efg", limits: Self.tight))
        #expect(!check("abcde@abcd.efg", limits: Self.tight))
        #expect(!check("abcd@abcd.efgh", limits: Self.tight))
    }

    @Test("random mailbox texts: the two readings never disagree")
    func random() {
        // A fixed generator (the test must fail the same way every run): a local part, "@" and a
        // domain, each from an alphabet weighted towards the characters the readings treat
        // differently, with now and then a character from the other alphabet.
        let local = Array("aZ09.-_+!~\"\\ ,;:<>()[]#@\u{7f}é".unicodeScalars)
        let domain = Array("aaZZ0099..--@_#[] é".unicodeScalars)
        var state: UInt64 = 0x5eed
        func next(_ below: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % below
        }
        var taken = 0
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<next(6) { text.unicodeScalars.append(local[next(next(4) == 0 ? local.count : 8)]) }
            text += "@"
            for _ in 0..<next(10) { text.unicodeScalars.append(domain[next(next(4) == 0 ? domain.count : 10)]) }
            if check(text) { taken += 1 }
            checkInPlace("<\(text)>")
        }
        #expect(taken > 100)  // the generator does make plain mailboxes
    }

    /// Parses `text` from an array and from bytes read in place inside a longer line (as the SMTP
    /// engines read a path: at an offset in the framer's buffer), and expects the same result.
    func checkInPlace(_ text: String) {
        let bytes = Array(text.utf8)
        let line = Array("RCPT TO:".utf8) + bytes + Array(" SIZE=1\r\n".utf8)
        for style in [RouteStyle.colon, .comma] {
            for (allowNull, allowPostmaster) in [(false, false), (true, false), (false, true)] {
                let fromArray = Path.parse(
                    bytes: bytes[...], style: style, limits: Self.limits, allowNull: allowNull,
                    allowPostmaster: allowPostmaster)
                let inPlace = line.withUnsafeBufferPointer {
                    Path.parse(
                        bytes: $0[8..<(8 + bytes.count)], style: style, limits: Self.limits, allowNull: allowNull,
                        allowPostmaster: allowPostmaster)
                }
                #expect(inPlace == fromArray, "\(text) \(style)")
            }
        }
    }

    @Test("a path read in place inside a line parses as it does from an array, right or wrong")
    func inPlace() {
        for text in [
            "<u3@d7.net>", "<>", "<Postmaster>", "<@A,@B:joe@C>", "<@A,@B,joe@C>", "<@A:joe@C>", "<\"jo e\"@host>",
            "<jo\\,e@host>",
            "<joe@[10.0.0.1]>", "<joe@#123>", "<@A,joe@C>", "<@:joe@C>", "<@A,,@B:joe@C>", "<joe>", "<joe@>", "<@host>",
            "joe@host",
            "<joe@host", "<jo e@host>", "<joe@a..b>", "<\(String(repeating: "a", count: 65))@host>",
            "<joe@\(String(repeating: "h", count: 65))>",
        ] {
            checkInPlace(text)
        }
    }
}

/// The one scanner of quoted text that the path and command parsers share.
@Suite struct QuotedTextTests {
    static func bytes(_ text: String) -> ArraySlice<UInt8> { ArraySlice(Array(text.utf8)) }

    @Test("delimiters inside a quoted string or after a backslash are not found")
    func skipsQuoted() {
        let text = Self.bytes(#""a@b\"@c"@host.example"#)
        #expect(QuotedText.first(UInt8(ascii: "@"), in: text) == 9)
        #expect(QuotedText.last(UInt8(ascii: "@"), in: text) == 9)
        let escaped = Self.bytes(#"a\@b@c@d"#)
        #expect(QuotedText.first(UInt8(ascii: "@"), in: escaped) == 4)
        #expect(QuotedText.last(UInt8(ascii: "@"), in: escaped) == 6)
        #expect(QuotedText.first(UInt8(ascii: "@"), in: Self.bytes(#""@@""#)) == nil)
        // An unclosed quote hides everything after it.
        #expect(QuotedText.first(UInt8(ascii: ">"), in: Self.bytes(#"<"a>b"#), from: 1) == nil)
        #expect(QuotedText.first(UInt8(ascii: ">"), in: Self.bytes(#"<"a>"b>"#), from: 1) == 6)
    }

    @Test("a slice keeps its buffer's indices")
    func sliceIndices() {
        let whole = Self.bytes("xx,@a,@b:joe@c")
        let slice = whole[3...]
        #expect(QuotedText.first(UInt8(ascii: ","), in: slice) == 5)
        #expect(QuotedText.last(UInt8(ascii: "@"), in: slice) == 12)
    }
}
