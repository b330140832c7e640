import Testing

@testable import MailCore

@Suite struct ReplyTests {
    @Test("replies encode with a dash on every line but the last")
    func encode() {
        #expect(String(decoding: Reply(.okay, "OK").encoded, as: UTF8.self) == "250 OK\r\n")
        #expect(
            String(decoding: Reply(.okay, ["foo.com greets bar.com", "8BITMIME", "HELP"]).encoded, as: UTF8.self)
                == "250-foo.com greets bar.com\r\n250-8BITMIME\r\n250 HELP\r\n")
        #expect(String(decoding: Reply(.okay, "").encoded, as: UTF8.self) == "250\r\n")
        #expect(Reply(.closing, ["a", "b"]).wireLines == ["221-a", "221 b"])
    }

    func feed(_ lines: [String], minimum: UInt8 = 2) -> [ReplyParser.Result] {
        var parser = ReplyParser()
        return lines.map { parser.lineReceived(ArraySlice($0.utf8), minimumFirstDigit: minimum) }
    }

    @Test("single, multi-line and text-less replies parse (RFC 2821 §4.2: clients must accept a bare code)")
    func parse() {
        #expect(feed(["250 OK"]) == [.reply(Reply(.okay, "OK"))])
        #expect(
            feed(["250-a", "250-b", "250 c"]) == [.incomplete, .incomplete, .reply(Reply(.okay, ["a", "b", "c"]))])
        #expect(feed(["354"]) == [.reply(Reply(.startMailInput, ""))])
    }

    @Test(
        "malformed reply lines are reported, not trusted",
        arguments: ["25 OK", "2500 OK", "abc", "250x", "650 no", "", "150 wait"])
    func malformed(line: String) {
        guard case .malformed = feed([line]).first! else {
            Issue.record("\(line) was accepted")
            return
        }
    }

    @Test("a continuation that changes code is malformed")
    func codeChange() {
        let results = feed(["250-one", "251 two"])
        #expect(results[0] == .incomplete)
        guard case .malformed = results[1] else { Issue.record("accepted a code change"); return }
    }

    @Test("MTP's preliminary 1yz replies parse when the dialect has them")
    func preliminary() {
        #expect(
            feed(["151 User not local; will forward to Joe@B"], minimum: 1)
                == [.reply(Reply(.willForwardPreliminary, "User not local; will forward to Joe@B"))])
        #expect(ReplyCode(151).isPreliminary && ReplyCode(451).isTransientFailure && ReplyCode(554).isPermanentFailure)
    }

    @Test("a batch keeps the wire bytes of its replies and reads the same replies back")
    func batches() {
        let replies = [
            Reply(.okay, ["mx.example greets you", "PIPELINING", "", "SIZE 1000"]),
            Reply(.serviceReadyIn, "Service ready in 2 minutes"),  // MTP's 1yz
            Reply(.okay, ""),
            Reply(.startMailInput, "Start mail input; end with <CRLF>.<CRLF>"),
        ]
        let batch = ReplyBatch(replies)
        #expect(batch.bytes == replies.flatMap(\.encoded))
        #expect(Array(batch) == replies)
        #expect(batch.wireLines == replies.flatMap(\.wireLines))
        #expect(batch == [replies[0], replies[1], replies[2], replies[3]])
        #expect(ReplyBatch().isEmpty && !batch.isEmpty)
        #expect(ReplyBatch().replies.isEmpty)
        // Replies already in wire form mix with others, in order.
        var mixed = ReplyBatch()
        mixed.append(encoded: replies[0].encoded)
        mixed.append(replies[1])
        mixed.append(encoded: replies[2].encoded + replies[3].encoded)
        #expect(mixed == batch)
    }

    @Test("a client that will not read a positive reply's text gets the code without it, and every other text whole")
    func textOnlyWhenRead() {
        var parser = ReplyParser()
        let positiveOnly: (ReplyCode) -> Bool = { !$0.isPositiveCompletion }
        #expect(
            parser.lineReceived(
                ArraySlice("250 Requested mail action okay".utf8), minimumFirstDigit: 2, keepsText: positiveOnly)
                == .reply(Reply(.okay, "")))
        #expect(
            parser.lineReceived(ArraySlice("550 No such user".utf8), minimumFirstDigit: 2, keepsText: positiveOnly)
                == .reply(Reply(.mailboxUnavailable, "No such user")))
    }

    @Test("a multi-line reply whose text is not read comes as its code alone, and the parser still finds its end")
    func multiLineCodeOnly() {
        var parser = ReplyParser()
        let positiveOnly: (ReplyCode) -> Bool = { !$0.isPositiveCompletion }
        #expect(
            parser.lineReceived(
                ArraySlice("250-mx.d1.net greets h1.d1.net".utf8), minimumFirstDigit: 2, keepsText: positiveOnly)
                == .incomplete)
        #expect(parser.isReadingReply)
        #expect(
            parser.lineReceived(ArraySlice("250-PIPELINING".utf8), minimumFirstDigit: 2, keepsText: positiveOnly)
                == .incomplete)
        #expect(
            parser.lineReceived(ArraySlice("250 SIZE 1000".utf8), minimumFirstDigit: 2, keepsText: positiveOnly)
                == .reply(Reply(.okay, "")))
        #expect(!parser.isReadingReply)
        // A reply whose text is read keeps every line, and a change of code is still caught.
        #expect(
            parser.lineReceived(ArraySlice("550-No such user".utf8), minimumFirstDigit: 2, keepsText: positiveOnly)
                == .incomplete)
        #expect(
            parser.lineReceived(ArraySlice("550 here".utf8), minimumFirstDigit: 2, keepsText: positiveOnly)
                == .reply(Reply(.mailboxUnavailable, ["No such user", "here"])))
        #expect(
            parser.lineReceived(ArraySlice("250-a".utf8), minimumFirstDigit: 2, keepsText: positiveOnly) == .incomplete)
        #expect(
            parser.lineReceived(ArraySlice("251 b".utf8), minimumFirstDigit: 2, keepsText: positiveOnly)
                == .malformed("251 b"))
    }
}
