import MailpathBase
import Testing

@testable import MailCore

/// Runs a framer over input delivered in the given chunks and returns what it produced.
func frame(_ chunks: [[UInt8]], terminator: LineFramer.Terminator, limit: Int) -> [String] {
    var framer = LineFramer(terminator: terminator, maxLineLength: limit)
    var output: [String] = []
    for chunk in chunks {
        framer.append(chunk)
        loop: while true {
            switch framer.next() {
            case .line(let line): output.append(String(decoding: line, as: UTF8.self))
            case .overlong: output.append("<overlong>")
            case .bareLineFeed: output.append("<bare LF>")
            case .needMoreData: break loop
            }
        }
    }
    if let rest = framer.finish() { output.append("<partial:\(String(decoding: rest, as: UTF8.self))>") }
    return output
}

/// `frame`, reading the lines as the SMTP engines do: in place, each at the range `nextRange()`
/// gives in one copy of the framer's bytes taken before them.
func frameInPlace(_ chunks: [[UInt8]], terminator: LineFramer.Terminator, limit: Int) -> [String] {
    var framer = LineFramer(terminator: terminator, maxLineLength: limit)
    var output: [String] = []
    for chunk in chunks {
        framer.append(chunk)
        let bytes = framer.bytes
        bytes.withUnsafeBufferPointer { bytes in
            loop: while true {
                switch framer.nextRange() {
                case .line(let range): output.append(String(decoding: bytes[range], as: UTF8.self))
                case .overlong: output.append("<overlong>")
                case .bareLineFeed: output.append("<bare LF>")
                case .needMoreData: break loop
                }
            }
        }
    }
    if let rest = framer.finish() { output.append("<partial:\(String(decoding: rest, as: UTF8.self))>") }
    return output
}

@Suite struct LineFramerTests {
    @Test("CR LF and bare LF in lenient mode; bare LF stays in the line in strict mode")
    func terminators() {
        let input = Array("HELO a\r\nNOOP\nDATA\r\nx\ny\r\n".utf8)
        #expect(frame([input], terminator: .lf, limit: 100) == ["HELO a", "NOOP", "DATA", "x", "y"])
        #expect(frame([input], terminator: .crlf, limit: 100) == ["HELO a", "NOOP\nDATA", "x\ny"])
    }

    @Test("commands: a line ended by a bare LF is reported and dropped, never joined to the next (both readers)")
    func reportedBareLineFeed() {
        let input = Array("HELO a\r\nNOOP\nDATA\r\nx\ny\r\n".utf8)
        let expected = ["HELO a", "<bare LF>", "DATA", "<bare LF>", "y"]
        #expect(frame([input], terminator: .crlfReportingBareLF, limit: 100) == expected)
        #expect(frameInPlace([input], terminator: .crlfReportingBareLF, limit: 100) == expected)
        // Byte by byte: a CR LF split across reads still ends a line, and a lone CR stays in it.
        #expect(
            frame(Array("a\rb\r\nc\n".utf8).map { [$0] }, terminator: .crlfReportingBareLF, limit: 100) == [
                "a\rb", "<bare LF>",
            ])
    }

    @Test(
        "text: a bare LF anywhere in a line marks the assembler, in one read or byte by byte, and never ends the text")
    func bareLineFeedInText() {
        for input in ["a\n.\r\n.\r\n", "a\r\n.\nb\r\n.\r\n", "a\r\nb\n.\nc\r\n.\r\n", "x\r\n.\n\r\n.\r\n"] {
            let bytes = Array(input.utf8)
            for chunks in [[bytes], bytes.map { [$0] }] {
                var framer = LineFramer(terminator: .crlf, maxLineLength: 100)
                var assembler = MessageAssembler(maxSize: nil, clearHighBit: false)
                var ended = false
                for chunk in chunks where !ended {
                    framer.append(chunk)
                    ended = framer.feedText(to: &assembler)
                }
                #expect(ended, "\(input.debugDescription)")
                #expect(assembler.bareLineFeeds, "\(input.debugDescription)")
                // The text ran to the real <CRLF>.<CRLF>: nothing is left over for a second message.
                #expect(framer.bufferedCount == 0, "\(input.debugDescription)")
            }
        }
        var framer = LineFramer(terminator: .crlf, maxLineLength: 100)
        var clean = MessageAssembler(maxSize: nil, clearHighBit: false)
        framer.append(Array("a\r\nb\r\n.\r\n".utf8))
        #expect(framer.feedText(to: &clean) && !clean.bareLineFeeds)
    }

    @Test("a lone CR is an ordinary byte, and a CR LF split across reads still ends the line")
    func splitCRLF() {
        #expect(
            frame([Array("a\rb\r".utf8), Array("\nc".utf8)], terminator: .crlf, limit: 100) == ["a\rb", "<partial:c>"])
    }

    @Test("the limit counts the CR LF: 998 characters fit in 1000, 999 do not")
    func limit() {
        let fits = Array(String(repeating: "x", count: 998).utf8) + [0x0d, 0x0a]
        let over = Array(String(repeating: "y", count: 999).utf8) + [0x0d, 0x0a]
        let result = frame([fits + over + Array("ok\r\n".utf8)], terminator: .crlf, limit: 1000)
        #expect(result.count == 3)
        #expect(result[0].count == 998)
        #expect(result[1] == "<overlong>")
        #expect(result[2] == "ok")
    }

    @Test("a megabyte without a line ending is dropped as it arrives; the buffer stays small")
    func unbounded() {
        var framer = LineFramer(terminator: .crlf, maxLineLength: 512)
        var overlong = 0
        for _ in 0..<1024 {
            framer.append([UInt8](repeating: 0x41, count: 1024))
            while case let next = framer.next(), next != .needMoreData {
                if next == .overlong { overlong += 1 }
            }
            #expect(framer.bufferedCount <= 512)
        }
        framer.append(Array("\r\nNOOP\r\n".utf8))
        let next = framer.next()
        #expect(next == .line(ArraySlice("NOOP".utf8)))
        #expect(overlong == 1)
    }

    @Test(
        "a write that arrives with nothing pending is taken as it is; a partial line still joins the next write, and the writer's array is left alone"
    )
    func adoptsWholeWrites() {
        var framer = LineFramer(terminator: .crlf, maxLineLength: 100)
        let first = Array("HELO a\r\nMAIL".utf8)
        framer.append(first)
        #expect(framer.next() == .line(ArraySlice("HELO a".utf8)))
        #expect(framer.next() == .needMoreData)
        framer.append(Array(" FROM:<>\r\n".utf8))
        #expect(framer.next() == .line(ArraySlice("MAIL FROM:<>".utf8)))
        #expect(framer.next() == .needMoreData)
        #expect(first == Array("HELO a\r\nMAIL".utf8))
        framer.append(Array("QUIT\r\n".utf8))
        #expect(framer.next() == .line(ArraySlice("QUIT".utf8)))
        #expect(framer.bufferedCount == 0)
    }

    @Test("fed whole or one byte at a time, the framer gives the same lines", arguments: 0..<30)
    func byteAtATime(seed: Int) {
        var generator = SplitMix64(state: UInt64(seed))
        let alphabet: [UInt8] = Array("ab.\r\n\r\n \0\u{7f}".utf8) + [0xe9]
        let input = (0..<600).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
        for terminator in [LineFramer.Terminator.lf, .crlf] {
            let whole = frame([input], terminator: terminator, limit: 40)
            let bytes = frame(input.map { [$0] }, terminator: terminator, limit: 40)
            let chunks = frame(
                stride(from: 0, to: input.count, by: 7).map { Array(input[$0..<min($0 + 7, input.count)]) },
                terminator: terminator, limit: 40)
            #expect(whole == bytes)
            #expect(whole == chunks)
            // Read in place, line by line from ranges, the same lines come out.
            #expect(frameInPlace([input], terminator: terminator, limit: 40) == whole)
            #expect(frameInPlace(input.map { [$0] }, terminator: terminator, limit: 40) == whole)
        }
    }
}

@Suite struct DotStuffingTests {
    @Test("leading dots are doubled and the text ends with a lone dot, with no extra CR LF")
    func stuff() {
        #expect(
            String(decoding: DotStuffing.stuff(Array("a\r\n.b\r\n..c\r\n".utf8)), as: UTF8.self)
                == "a\r\n..b\r\n...c\r\n.\r\n")
        #expect(String(decoding: DotStuffing.stuff(Array("no newline".utf8)), as: UTF8.self) == "no newline\r\n.\r\n")
        #expect(String(decoding: DotStuffing.stuff([]), as: UTF8.self) == ".\r\n")
        #expect(String(decoding: DotStuffing.stuff(Array(".".utf8)), as: UTF8.self) == "..\r\n.\r\n")
    }

    @Test("stuffing then assembling gives back the text, for random texts", arguments: 0..<25)
    func roundTrip(seed: Int) {
        var generator = SplitMix64(state: UInt64(seed) &+ 100)
        let pieces = ["", ".", "..", "a", ".a", "text line", " . ", "From: x"]
        let content = Array(
            (0..<Int(generator.next() % 30)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] + "\r\n" }
                .joined().utf8)
        var framer = LineFramer(terminator: .crlf, maxLineLength: 1000)
        framer.append(DotStuffing.stuff(content))
        var assembler = MessageAssembler(maxSize: nil, clearHighBit: false)
        var done = false
        while case .line(let line) = framer.next() {
            done = assembler.lineReceived(line)
            if done { break }
        }
        #expect(done)
        #expect(assembler.content == content)
        let rest = framer.next()
        #expect(rest == .needMoreData)
    }

    @Test(
        "feedText (whole runs of plain lines at once) builds exactly what next() and lineReceived build line by line",
        arguments: 0..<40)
    func bulkText(seed: Int) {
        var generator = SplitMix64(state: UInt64(seed) &+ 7000)
        let pieces: [[UInt8]] = [
            "plain", "", ".", "..dot", "x\ny", "bare\r", String(repeating: "long", count: 12), " . ", "caf\u{e9}",
        ].map { Array($0.utf8) }
        let ends: [[UInt8]] = [[0x0d, 0x0a], [0x0d, 0x0a], [0x0d, 0x0a], [0x0a]]
        var input: [UInt8] = []
        for _ in 0..<Int(generator.next() % 40) {
            input +=
                pieces[Int(generator.next() % UInt64(pieces.count))] + ends[Int(generator.next() % UInt64(ends.count))]
        }
        input += Array(".\r\n".utf8) + Array("NEXT\r\n".utf8)
        let chunk = 1 + Int(generator.next() % 64)
        for terminator in [LineFramer.Terminator.lf, .crlf] {
            for (clearHighBit, maxSize) in [(false, nil), (true, nil), (false, 300)] as [(Bool, Int?)] {
                // Line by line.
                var framer = LineFramer(terminator: terminator, maxLineLength: 40)
                framer.append(input)
                var expected = MessageAssembler(maxSize: maxSize, clearHighBit: clearHighBit)
                var ended = false
                loop: while !ended {
                    switch framer.next() {
                    case .line(let line): ended = expected.lineReceived(line)
                    case .overlong: expected.overlongLineReceived()
                    case .bareLineFeed: expected.bareLineFeedReceived()
                    case .needMoreData: break loop
                    }
                }
                let expectedRest = framer.next()
                // In chunks, through feedText.
                var bulk = LineFramer(terminator: terminator, maxLineLength: 40)
                var assembler = MessageAssembler(maxSize: maxSize, clearHighBit: clearHighBit)
                var done = false
                var offset = 0
                while !done && offset < input.count {
                    bulk.append(input[offset..<min(offset + chunk, input.count)])
                    offset += chunk
                    done = bulk.feedText(to: &assembler)
                }
                bulk.append(input[min(offset, input.count)...])  // what came after the text
                #expect(done == ended)
                #expect(
                    assembler.content == expected.content,
                    "seed \(seed), \(terminator), high bit \(clearHighBit), max \(String(describing: maxSize))")
                #expect(assembler.size == expected.size)
                #expect(assembler.overlongLines == expected.overlongLines)
                #expect(assembler.exceededSize == expected.exceededSize)
                #expect(bulk.next() == expectedRest, "the line after the text is left for the commands")
            }
        }
    }

    @Test("the assembler clears the high bit for 7-bit dialects and enforces a size limit")
    func assemblerPolicy() {
        var seven = MessageAssembler(maxSize: nil, clearHighBit: true)
        _ = seven.lineReceived(ArraySlice([0x63, 0x61, 0x66, 0xe9]))
        #expect(seven.content == [0x63, 0x61, 0x66, 0x69, 0x0d, 0x0a])
        var small = MessageAssembler(maxSize: 10, clearHighBit: false)
        _ = small.lineReceived(ArraySlice("12345678".utf8))
        #expect(!small.exceededSize)
        _ = small.lineReceived(ArraySlice("x".utf8))
        #expect(small.exceededSize)
        let ended = small.lineReceived(ArraySlice(".".utf8))
        #expect(ended)
    }
}

@Suite struct TraceTests {
    @Test("dates come out in each RFC's form, computed without a calendar library")
    func dates() {
        let time = CivilTime(
            unixSeconds: CivilTime.unixSeconds(year: 1981, month: 10, day: 22, hour: 9, minute: 23, second: 59))
        #expect(time.rfc788 == "22-OCT-81 09:23:59-UT")
        #expect(time.rfc822 == "22 OCT 81 09:23:59 UT")
        #expect(time.weekday == 4)
        let modern = CivilTime(
            unixSeconds: CivilTime.unixSeconds(year: 1998, month: 5, day: 21, hour: 5, minute: 33, second: 29))
        #expect(modern.rfc2822 == "Thu, 21 May 1998 05:33:29 +0000")
        #expect(CivilTime(unixSeconds: 0).rfc2822 == "Thu, 1 Jan 1970 00:00:00 +0000")
        #expect(CivilTime(unixSeconds: 951_782_400).rfc2822 == "Tue, 29 Feb 2000 00:00:00 +0000")
    }

    @Test("trace lines in the three historical forms")
    func stamps() {
        let time = CivilTime(
            unixSeconds: CivilTime.unixSeconds(year: 1981, month: 10, day: 22, hour: 9, minute: 23, second: 59))
        #expect(
            TraceFields.stamp(.mailFrom, from: "ABC", by: "XYZ", at: time)
                == "Mail-From: ABC received by XYZ at 22-OCT-81 09:23:59-UT\r\n")
        #expect(
            TraceFields.stamp(.received821, from: "ABC.ARPA", by: "XYZ.ARPA", at: time)
                == "Received: from ABC.ARPA by XYZ.ARPA ; 22 OCT 81 09:23:59 UT\r\n")
        #expect(
            TraceFields.stamp(
                .received2821, from: "bar.com", fromAddress: "10.0.0.1", by: "foo.com", protocolName: "ESMTP", id: "7",
                at: time)
                == "Received: from bar.com ([10.0.0.1]) by foo.com with ESMTP id 7; Thu, 22 Oct 1981 09:23:59 +0000\r\n"
        )
        #expect(TraceFields.stamp(.none, from: "A", by: "B", at: time) == nil)
    }

    @Test(
        "stamping writes the same line as stamp(...), in front of the text",
        arguments: [TraceStyle.none, .mailFrom, .received821, .received2821])
    func stamping(style: TraceStyle) {
        let text = Array("Subject: x\r\n\r\nbody\r\n".utf8)
        for (address, id) in [("10.0.0.1", "7"), (nil, nil)] as [(String?, String?)] {
            let date = TraceFields.date(CivilTime(unixSeconds: 370_000_000), style)
            let line = TraceFields.stamp(
                style, from: "bar.com", fromAddress: address, by: "foo.com", protocolName: "ESMTP", id: id, date: date)
            let stamped = TraceFields.stamping(
                text, style, from: "bar.com", fromAddress: address, by: "foo.com", protocolName: "ESMTP", id: id,
                date: date)
            #expect(stamped == Array((line ?? "").utf8) + text)
        }
    }

    @Test(
        "stamping puts the line in front in the text's own storage when it has room, and the bytes are the same either way"
    )
    func stampingInPlace() {
        let date = TraceFields.date(CivilTime(unixSeconds: 370_000_000), .received2821)
        let line = Array(
            TraceFields.stamp(
                .received2821, from: "bar.com", fromAddress: "10.0.0.1", by: "foo.com", id: "7", date: date)!.utf8)
        let body = Array("Subject: x\r\n\r\n".utf8) + Array(repeating: UInt8(ascii: "y"), count: 2000)
        var roomy = body
        roomy.reserveCapacity(body.count + TraceFields.stampRoom)
        let storage = roomy.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        let stamped = TraceFields.stamping(
            consume roomy, .received2821, from: "bar.com", fromAddress: "10.0.0.1", by: "foo.com", id: "7", date: date)
        #expect(stamped == line + body)
        #expect(stamped.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == storage, "no second buffer")
        // A text whose storage is still shared is left as it is.
        var shared = body
        shared.reserveCapacity(body.count + TraceFields.stampRoom)
        let kept = shared
        #expect(
            TraceFields.stamping(
                shared, .received2821, from: "bar.com", fromAddress: "10.0.0.1", by: "foo.com", id: "7", date: date)
                == line + body)
        #expect(kept == body)
    }

    @Test(
        "a framer hands over its buffer's storage emptied, or nothing when it is small; an assembler writes into storage it is lent"
    )
    func storageReuse() {
        var framer = LineFramer(terminator: .crlf, maxLineLength: 100)
        var received = Array("HELO x\r\n".utf8)
        received.reserveCapacity(4096)
        let storage = received.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        framer.append(consume received)
        #expect(framer.next() == .line(ArraySlice("HELO x".utf8)))
        let taken = framer.takeStorage(minimumCapacity: 1024)
        #expect(taken.isEmpty && taken.capacity >= 4096)
        #expect(taken.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == storage)
        #expect(framer.bufferedCount == 0 && framer.next() == .needMoreData)
        framer.append(Array("QUIT\r\n".utf8))
        #expect(framer.takeStorage(minimumCapacity: 1024).capacity == 0, "a small buffer is not worth keeping")

        var assembler = MessageAssembler(maxSize: nil, clearHighBit: false, storage: consume taken)
        #expect(assembler.lineReceived(ArraySlice("text".utf8)) == false)
        #expect(assembler.lineReceived(ArraySlice(".".utf8)) == true)
        #expect(assembler.content == Array("text\r\n".utf8))
        #expect(assembler.content.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == storage)
    }

    @Test("trace lines are counted in the header only")
    func count() {
        let text = "Received: a\r\nMail-From: b\r\nRECEIVED: c\r\nSubject: x\r\n\r\nReceived: in the body\r\n"
        #expect(TraceFields.count(in: Array(text.utf8)) == 3)
    }

    @Test(
        "one walk over the header counts trace lines and finds a field's first value",
        arguments: [
            ("Received: a\r\nMessage-ID:  <1@x>\t\r\nReceived: b\r\n\r\nMessage-ID: <body>\r\n", 2, "<1@x>"),
            ("message-id:<2@y>\r\nMESSAGE-ID: <3@y>\r\n", 0, "<2@y>"),  // the first one, any case
            ("Subject: x\r\n\r\nMessage-ID: <in the body>\r\n", 0, nil),
            ("Received: a\r\nMessage-ID: <last line, no line end>", 1, "<last line, no line end>"),
            ("Received: no line end", 0, nil),  // a trace line counts only when it ends
            // "Message-ID:" alone has no value
            ("Message-IDs: <not it>\r\nMessage-ID:\r\nMessage-ID: <4@z>\r\n", 0, "<4@z>"),
            ("Mail-From: a\nMessage-ID: <5@lf>\n\nReceived: body\n", 1, "<5@lf>"),
            ("", 0, nil),
        ] as [(String, Int, String?)])
    func countAndValue(text: String, traceLines: Int, messageID: String?) {
        let (count, value) = TraceFields.count(in: Array(text.utf8), andValueOf: "Message-ID")
        #expect(count == traceLines)
        #expect(value == messageID)
        #expect(TraceFields.count(in: Array(text.utf8)) == traceLines)
    }
}

@Suite struct ByteSearchTests {
    @Test("the search finds the first byte wanted at every offset, start and end, across the 32-, 16- and 8-byte steps")
    func everyPosition() {
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 56, 63, 64, 65, 70] {
            for position in 0..<max(length, 1) {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                if position < length { bytes[position] = 0x0a }
                if position + 3 < length { bytes[position + 3] = 0x0a }  // a later one must not win
                let expected = bytes.firstIndex(of: 0x0a)
                bytes.withUnsafeBufferPointer { buffer in
                    for from in 0...length {
                        let wanted = expected.flatMap { $0 >= from ? $0 : bytes[from...].firstIndex(of: 0x0a) }
                        #expect(
                            ByteSearch.firstIndex(of: 0x0a, in: buffer, from: from) == wanted,
                            "length \(length), byte at \(position), from \(from)")
                    }
                    // Nothing before the first one, and the range's end is respected.
                    #expect(ByteSearch.firstIndex(of: 0x0a, in: buffer, from: 0, to: min(position, length)) == nil)
                    if position < length {
                        #expect(ByteSearch.firstIndex(of: 0x0a, in: buffer, from: 0, to: position + 1) == position)
                    }
                }
            }
        }
        // Numbers are written as their decimal text.
        for value in [0, 7, 10, 99, 12_345, 1 << 40, Int.max] {
            var bytes = Array("SIZE=".utf8)
            bytes.append(decimal: value)
            #expect(bytes == Array("SIZE=\(value)".utf8))
        }
        // High bytes are bytes like any other, not signed lanes.
        let high: [UInt8] = Array(repeating: 0x7f, count: 20) + [0xff, 0x80]
        high.withUnsafeBufferPointer { #expect(ByteSearch.firstIndex(of: 0xff, in: $0, from: 0) == 20) }
    }

    /// The command-line check, against its plain definition: every byte value at every position
    /// of lines around the 8-byte steps, tabs included, which the word test cannot pass alone.
    @Test("a line is printable text exactly when every byte is 0x20 to 0x7E or a tab")
    func printableText() {
        func plain(_ bytes: [UInt8]) -> Bool { bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7f || $0 == 0x09 } }
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 24, 30] {
            for position in 0..<max(length, 1) {
                for value in [0x00, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x41, 0x7e, 0x7f, 0x80, 0xc3, 0xff] as [UInt8] {
                    var bytes = [UInt8](repeating: UInt8(ascii: "m"), count: length)
                    if position < length { bytes[position] = value }
                    bytes.withUnsafeBufferPointer { buffer in
                        #expect(
                            ByteSearch.isPrintableText(buffer) == plain(bytes),
                            "length \(length), \(value) at \(position)")
                    }
                }
            }
        }
    }

    /// The pair search (LF then "."), against the plain definition: every length around the
    /// 32-byte steps, a pair at every position, with lone LFs and dots around it that must not
    /// count, and the pair split across a step's end.
    @Test("the pair search finds the first LF followed by a dot at every offset")
    func pairAtEveryPosition() {
        func plain(_ bytes: [UInt8], from: Int) -> Int? {
            guard from + 1 < bytes.count else { return nil }
            return (from..<(bytes.count - 1)).first { bytes[$0] == 0x0a && bytes[$0 + 1] == UInt8(ascii: ".") }
        }
        for length in [0, 1, 2, 31, 32, 33, 34, 63, 64, 65, 66, 97, 100] {
            for position in 0..<max(length, 1) {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                // Decoys: an LF without a dot, a dot without an LF.
                for index in stride(from: 3, to: length, by: 7) { bytes[index] = 0x0a }
                for index in stride(from: 5, to: length, by: 11) where bytes[index - 1] != 0x0a {
                    bytes[index] = UInt8(ascii: ".")
                }
                if position + 1 < length {
                    bytes[position] = 0x0a
                    bytes[position + 1] = UInt8(ascii: ".")
                }
                bytes.withUnsafeBufferPointer { buffer in
                    for from in [0, 1, max(0, position - 1), position, position + 1, length] {
                        #expect(
                            ByteSearch.firstIndex(of: 0x0a, followedBy: UInt8(ascii: "."), in: buffer, from: from)
                                == plain(bytes, from: from),
                            "length \(length), pair at \(position), from \(from)")
                    }
                }
            }
        }
    }
}
