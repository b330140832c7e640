import MailAgent
import MailCore
import MailSimulation
import SimKernel
import Testing

/// The workload's generated texts and Message-IDs, which the benchmark builds a million times and
/// so builds the fast way: they must be exactly what the plain way gives.
@Suite struct WorkloadTests {
    /// The text as first written: a header, then lines of 70 letters running on a–z, a shorter last line.
    static func plainText(from sender: String, to recipients: [String], index: Int, size: Int) -> [UInt8] {
        var text = Array(
            "From: \(sender)\r\nTo: \(recipients.joined(separator: ", "))\r\nSubject: Message \(index)\r\nMessage-ID: <w\(index)@mailpath.invalid>\r\n\r\n"
                .utf8)
        var remaining = size
        var letter = 0
        while remaining > 0 {
            let line = min(remaining, 72) - 2
            for _ in 0..<max(line, 0) {
                text.append(UInt8(0x61 + letter))
                letter = (letter + 1) % 26
            }
            text.append(contentsOf: [0x0d, 0x0a])
            remaining -= line + 2
        }
        return text
    }

    static let sizes = [0, 1, 2, 3, 70, 71, 72, 73, 144, 145, 2000, 73_727, 73_728, 73_729, 80_001]

    @Test("generated texts are the plain line-by-line texts, at every size")
    func generatedText() {
        var workload = Workload()
        let alice = workload.user(Mailbox("alice@a.example"))
        let bob = workload.user(Mailbox("Bob@B.example"))
        let carol = workload.user(Mailbox("carol@c.example"))
        for (index, size) in Self.sizes.enumerated() {
            workload.add(
                at: .zero + .seconds(Int64(index)), from: alice, to: index % 2 == 0 ? [bob] : [bob, carol],
                bodySize: size)
        }
        for (index, size) in Self.sizes.enumerated() {
            let recipients = index % 2 == 0 ? ["Bob@B.example"] : ["Bob@B.example", "carol@c.example"]
            let expected = Self.plainText(from: "alice@a.example", to: recipients, index: index, size: size)
            #expect(workload.text(index) == expected, "size \(size)")
            // The text writes the Message-ID itself: it must be the one `messageID(_:)` gives.
            #expect(
                String(decoding: workload.text(index), as: UTF8.self).contains(
                    "\r\nMessage-ID: \(workload.messageID(index))\r\n"))
        }
    }

    @Test("Message-IDs of the workload are found again; anything else is not, and nothing traps")
    func messageIDs() {
        var workload = Workload()
        let alice = workload.user(Mailbox("alice@a.example"))
        for index in 0..<12 { workload.add(at: .zero + .seconds(Int64(index)), from: alice, to: [alice], bodySize: 10) }
        for index in 0..<12 { #expect(workload.index(ofMessageID: workload.messageID(index)) == index) }
        for other in [
            "<w@mailpath.invalid>", "<w12@mailpath.invalid>", "<x3@mailpath.invalid>", "<w3x@mailpath.invalid>",
            "w3@mailpath.invalid",
            "<w3", "<w", "", "<w99999999999999999999999999999999@mailpath.invalid>", "<unknown>",
        ] {
            #expect(workload.index(ofMessageID: other) == nil, "\(other)")
        }
    }

    @Test("two mailboxes have the same key exactly when sameKey says so")
    func sameKey() {
        let mailboxes = [
            Mailbox("joe@x.example"), Mailbox("JOE@X.EXAMPLE"), Mailbox("Joe@x.example"), Mailbox("joe@y.example"),
            Mailbox("jo@x.example"), Mailbox(localPart: "Postmaster", domain: nil),
            Mailbox(localPart: "postmaster", domain: nil),
            Mailbox("Ärger@x.example"), Mailbox("ärger@X.example"),
        ]
        for a in mailboxes {
            for b in mailboxes { #expect(a.sameKey(as: b) == (a.key == b.key), "\(a) \(b)") }
        }
    }
}
