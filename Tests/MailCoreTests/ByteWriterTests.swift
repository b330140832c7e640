import Testing

@testable import MailCore

@Suite struct ByteWriterTests {
    @Test("a writer appends its pieces to what the array held, in order, at lengths around and beyond its buffer")
    func piecesInOrder() {
        for length in [0, 1, 200, ByteWriter.bufferSize - 1, ByteWriter.bufferSize, ByteWriter.bufferSize + 1, 1_000] {
            let long = String(repeating: "x", count: length)
            var bytes = Array("head ".utf8)
            bytes.write { line in
                line.put(literal: "RCPT TO:<")
                line.put(utf8: long)
                line.put(UInt8(ascii: "@"))
                line.put(utf8: "héllo.example")  // two-byte UTF-8 written as it is
                line.put(UInt8(ascii: ">"))
                line.put(decimal: 0)
                line.put(decimal: 1_234_567)
                line.put(decimal: Int.max)
                line.put(literal: "\r\n")
            }
            let expected = "head RCPT TO:<\(long)@héllo.example>01234567\(Int.max)\r\n"
            #expect(bytes == Array(expected.utf8), "length \(length)")
        }
    }

    @Test("many short pieces past the buffer's end spill over without losing a byte")
    func spills() {
        var bytes: [UInt8] = []
        var expected: [UInt8] = []
        bytes.write { line in
            for index in 0..<1_000 {
                line.put(UInt8(truncatingIfNeeded: index))
                line.put(decimal: index)
            }
        }
        for index in 0..<1_000 {
            expected.append(UInt8(truncatingIfNeeded: index))
            expected.append(contentsOf: Array(String(index).utf8))
        }
        #expect(bytes == expected)
    }

    @Test("paths and commands written through a writer are the texts they print as")
    func pathsAndCommands() {
        let route = Path(route: [Domain("ONE"), Domain("TWO")], mailbox: Mailbox("joe@THREE"))
        for style in [RouteStyle.colon, .comma] {
            var bytes: [UInt8] = []
            route.write(style, into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == route.text(style))
        }
        var null: [UInt8] = []
        Path.null.write(.colon, into: &null)
        #expect(null == Array("<>".utf8))
    }

    @Test("a trace line longer than the writer's buffer is stamped as `stamp` writes it")
    func longStamp() {
        let name = String(repeating: "relay.", count: 60) + "example"  // 367 bytes
        let date = TraceFields.date(CivilTime(unixSeconds: 370_000_000), .received2821)
        let line = Array(
            TraceFields.stamp(.received2821, from: name, fromAddress: "10.0.0.1", by: "foo.com", id: "7", date: date)!
                .utf8)
        let body = Array("Subject: x\r\n\r\nbody\r\n".utf8)
        for room in [0, TraceFields.stampRoom, 1_000] {
            var text = body
            text.reserveCapacity(body.count + room)
            #expect(
                TraceFields.stamping(
                    text, .received2821, from: name, fromAddress: "10.0.0.1", by: "foo.com", id: "7", date: date)
                    == line + body)
            #expect(
                TraceFields.stamping(
                    text, .received2821, from: name, fromAddress: "10.0.0.1", by: "foo.com", serial: 7, date: date)
                    == line + body)
        }
    }
}
