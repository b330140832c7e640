import Foundation
import MailCore
import Testing

@testable import MailDialects

/// SMTP smuggling (2023): a text carrying `<LF>.<LF>`, `<LF>.<CRLF>` or `<CRLF>.<LF>` followed by a
/// second transaction must not be split there. Only `<CRLF>.<CRLF>` ends the text (RFC 780 §5.1.1,
/// RFC 821 §4.1.1, RFC 5321 §4.1.1.4), and a text with a bare LF is refused whole.
@Suite struct SmugglingTests {
    static let separators = ["\n.\n", "\n.\r\n", "\r\n.\n"]

    /// Opens a transaction for `to` from `from` in the dialect's own commands, up to the text.
    static func opening(_ dialect: DialectID, from: String, to: String) -> String {
        switch dialect {
        case .ftp765: "MAIL \(to.prefix { $0 != "@" })\r\n"
        case .mtp772, .mtp780: "MAIL FROM:<\(from)> TO:<\(to)>\r\n"
        case .smtp788, .smtp821, .smtp1123, .esmtp, .smtp2821, .smtp5321:
            "MAIL FROM:<\(from)>\r\nRCPT TO:<\(to)>\r\nDATA\r\n"
        }
    }

    struct Outcome {
        var replies: [Reply] = []
        var delivered: [ReceivedMessage] = []
    }

    static func session(_ dialect: DialectID, _ input: String) -> Outcome {
        var receiver = ReceiverEngine.make(
            dialect: dialect, policy: ReceiverPolicy(hostName: "b.org", users: ["joe", "eve"]))
        var outcome = Outcome()
        func act(_ actions: [ReceiverAction]) {
            for action in actions {
                switch action {
                case .send(let batch): outcome.replies += batch
                case .deliver(let message):
                    outcome.delivered.append(message)
                    act(receiver.deliveryFinished(.accepted, now: .zero))
                case .close, .turn: break
                }
            }
        }
        act(receiver.connectionOpened(now: .zero))
        act(receiver.bytesReceived(Array(input.utf8), now: .zero))
        return outcome
    }

    @Test(
        "every separator in every dialect: no second message, the text refused whole, the session goes on",
        arguments: DialectID.allCases)
    func separators(dialect: DialectID) {
        let hello = dialect.isSMTP ? "HELO a.org\r\n" : ""
        for separator in Self.separators {
            let smuggled =
                Self.opening(dialect, from: "forged@bank.org", to: "eve@b.org") + "Subject: forged\r\n\r\npay me"
            let input =
                hello + Self.opening(dialect, from: "x@a.org", to: "joe@b.org") + "Subject: one\r\n\r\nhello"
                + separator
                + smuggled + "\r\n.\r\n" + Self.opening(dialect, from: "x@a.org", to: "joe@b.org") + "clean\r\n.\r\n"
            let outcome = Self.session(dialect, input)
            // Only the clean message after the refused one is delivered.
            #expect(
                outcome.delivered.count == 1, "\(dialect) \(separator.debugDescription): \(outcome.replies.map(\.code))"
            )
            #expect(
                outcome.delivered.first?.content == Array("clean\r\n".utf8), "\(dialect) \(separator.debugDescription)")
            let refusal: ReplyCode = dialect.isSMTP ? .transactionFailed : .exceededStorage
            #expect(
                outcome.replies.contains { $0.code == refusal && $0.lines.joined().contains("bare LF") },
                "\(dialect) \(separator.debugDescription): \(outcome.replies)")
            #expect(
                outcome.replies.last?.code == .okay,
                "\(dialect) \(separator.debugDescription): \(outcome.replies.map(\.code))")
        }
    }

    @Test(
        "a command ended by a bare LF is answered 500 and not run; the reply says how to send CR LF",
        arguments: DialectID.allCases)
    func commands(dialect: DialectID) {
        let hello = dialect.isSMTP ? "HELO a.org\r\n" : ""
        let outcome = Self.session(
            dialect,
            hello + Self.opening(dialect, from: "x@a.org", to: "joe@b.org").replacingOccurrences(of: "\r\n", with: "\n")
        )
        #expect(outcome.delivered.isEmpty)
        let bare = outcome.replies.filter { $0.lines.joined().contains("bare LF") }
        #expect(!bare.isEmpty && bare.allSatisfy { $0.code == .syntaxError }, "\(dialect): \(outcome.replies)")
        #expect(bare.first?.lines.joined().contains("nc -C") == true)
        // Nothing was run: a text line typed now is a command, not text.
        #expect(!outcome.replies.contains { $0.code == .startMailInput }, "\(dialect): \(outcome.replies.map(\.code))")
    }
}
