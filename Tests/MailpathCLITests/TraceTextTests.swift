import Foundation
import TestSupport
import Testing

@testable import MailpathCLI

/// `trace --text`: the header of the text at every hop, so the trace lines each relay adds can be
/// seen growing (RFC 821 §4.1.2 Received:, RFC 788 Mail-From:, RFC 821 §4.1.1 Return-Path:).
@Suite struct TraceTextTests {
    static let story = repositoryRoot().appendingPathComponent("Docs/examples/relay-story.json").path

    /// The header lines shown after the `[deliver]` line, and after each `<message text …>` line.
    static func headers(_ trace: String) -> (delivered: [String], sent: [[String]]) {
        var delivered: [String] = []
        var sent: [[String]] = []
        var current: [String]?
        var inDelivery = false
        for line in trace.split(separator: "\n") {
            if let bar = line.range(of: "    | ") {
                let header = String(line[bar.upperBound...])
                if inDelivery { delivered.append(header) } else { current?.append(header) }
                continue
            }
            if let block = current { sent.append(block) }
            current = line.contains("<message text,") ? [] : nil
            inDelivery = line.contains("[deliver]")
        }
        if let block = current { sent.append(block) }
        return (delivered, sent)
    }

    @Test(
        "smtp-1982: each hop's text carries one more Received line; Z delivers it with the Return-Path the relays built"
    )
    func receivedLinesGrow() {
        let result = mailpath(["trace", Self.story, "--era", "smtp-1982", "--text", "--quiet"])
        #expect(result.code == .success)
        let (delivered, sent) = Self.headers(result.out)
        #expect(sent.count == 4, "A, D, P and U each send the text on")
        #expect(sent.map { $0.filter { $0.hasPrefix("Received: ") }.count } == [0, 1, 2, 3])
        #expect(
            sent[3].first?.hasPrefix("Received: from P by U ;") == true,
            "the newest trace line is on top (RFC 821 §4.1.2)")
        #expect(delivered.first == "Return-Path: <@U,@P,@D:ann@A>")
        #expect(
            delivered.filter { $0.hasPrefix("Received: ") }.map { String($0.prefix { $0 != ";" }) } == [
                "Received: from U by Z ", "Received: from P by U ", "Received: from D by P ", "Received: from A by D ",
            ])
        #expect(delivered.contains("Message-ID: <w0@mailpath.invalid>"))
        // Without --text the journey is as before: no header lines.
        #expect(!mailpath(["trace", Self.story, "--era", "smtp-1982", "--quiet"]).out.contains("    | "))
    }

    @Test("smtp-1981 stamps RFC 788 Mail-From lines; RFC 780 MTP adds no trace line at all")
    func otherEras() {
        let smtp788 = Self.headers(mailpath(["trace", Self.story, "--era", "smtp-1981", "--text", "--quiet"]).out)
        #expect(smtp788.delivered.filter { $0.hasPrefix("Mail-From: ") }.count == 4, "\(smtp788.delivered)")
        let mtp = Self.headers(mailpath(["trace", Self.story, "--era", "mtp-1981", "--text", "--quiet"]).out)
        #expect(!mtp.delivered.isEmpty)
        #expect(
            mtp.delivered.allSatisfy {
                !$0.hasPrefix("Received:") && !$0.hasPrefix("Return-Path:") && !$0.hasPrefix("Mail-From:")
            })
    }
}
