import Testing

@testable import MailCore

@Suite struct ReplyTests {
    @Test("replies encode with a dash on every line but the last")
    func encode() {
        #expect(String(decoding: Reply(.okay, "OK").encoded, as: UTF8.self) == "250 OK\r\n")
        #expect(String(decoding: Reply(.okay, ["foo.com greets bar.com", "8BITMIME", "HELP"]).encoded, as: UTF8.self)
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
        #expect(feed(["250-a", "250-b", "250 c"]) == [.incomplete, .incomplete, .reply(Reply(.okay, ["a", "b", "c"]))])
        #expect(feed(["354"]) == [.reply(Reply(.startMailInput, ""))])
    }

    @Test("malformed reply lines are reported, not trusted", arguments: ["25 OK", "2500 OK", "abc", "250x", "650 no", "", "150 wait"])
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
        #expect(feed(["151 User not local; will forward to Joe@B"], minimum: 1)
            == [.reply(Reply(.willForwardPreliminary, "User not local; will forward to Joe@B"))])
        #expect(ReplyCode(151).isPreliminary && ReplyCode(451).isTransientFailure && ReplyCode(554).isPermanentFailure)
    }
}
