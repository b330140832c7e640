import MailCore
import MailDialects
import Reports

/// The dialect reference: `mailpath dialects` and Docs/dialects.md, generated from the catalog
/// and from live runs of the engines, so the documentation cannot drift from the code.
enum DialectReference {
    /// The command words a dialect implements, in the catalog's order ("MSND / MSOM / MSAM" gives
    /// three; the entry for FTP commands answered 502 gives none).
    static func commandWords(_ dialect: DialectDescriptor) -> [String] {
        dialect.commands.filter { !$0.summary.hasPrefix("502") }.flatMap { command in
            command.syntax.split(separator: " ").map(String.init).prefix { $0 == "/" || $0.allSatisfy(\.isUppercase) }
                .filter { $0 != "/" }
        }
    }

    /// One line per dialect.
    static func list() -> String {
        let rows = Dialects.all.map { dialect in
            [
                dialect.id.rawValue, dialect.rfcs.split(separator: " ").prefix(2).joined(separator: " "),
                String(dialect.year),
                String(dialect.id.port), commandWords(dialect).joined(separator: " "),
                dialect.extensions.filter { !$0.hasPrefix("EXPN") }.map { String($0.prefix { $0 != " " }) }.joined(
                    separator: " "),
            ]
        }
        let table = Table(headers: ["dialect", "RFC", "year", "port", "commands", "extensions"], rows: rows)
        return table.text
            + "\nSee 'mailpath dialects NAME' for one dialect in detail, '--matrix' for what happens when they meet.\n"
    }

    /// One dialect in detail, with a sample session run through its own engines.
    static func detail(_ id: DialectID) -> String {
        let dialect = Dialects.descriptor(id)
        var text = "\(dialect.id.rawValue): \(dialect.title), \(dialect.rfcs), \(dialect.date)\n\n"
        text += wrap(dialect.summary) + "\n"
        text += "Port:         \(dialect.id.port)\n"
        text += "Source route: \(dialect.routeForm)\n"
        text += "Limits:       \(dialect.limits)\n"
        text += "Trace field:  \(dialect.trace)\n"
        if !dialect.extensions.isEmpty { text += "Extensions:   \(dialect.extensions.joined(separator: ", "))\n" }
        text += "Replies:      \(dialect.replyCodes.map(String.init).joined(separator: " "))\n\n"
        text += "Commands:\n"
        text +=
            Table(
                headers: ["command", "where", "what it does"],
                rows: dialect.commands.map { [$0.syntax, $0.section, $0.summary] }
            ).text
        text += "\nBytes on the wire:\n" + wrap(dialect.bytes)
        if !dialect.oddities.isEmpty {
            text += "\nOddities in the text:\n" + dialect.oddities.map { wrap("- " + $0) }.joined()
        }
        text += "\nA sample session (our sender and receiver, back to back):\n"
        text += sampleSession(id).map { "  " + $0.notation(id) + "\n" }.joined()
        return text
    }

    /// The session shown for each dialect: two recipients, one unknown, and a line starting with ".".
    static func sampleSession(_ id: DialectID) -> [TranscriptLine] {
        let receiver = "BETA.ARPA"
        let transaction = OutboundTransaction(
            id: 1, reversePath: Path(Mailbox("ann@ALPHA.ARPA")),
            recipients: [Path(Mailbox("joe@\(receiver)")), Path(Mailbox("nobody@\(receiver)"))],
            content: Array("Subject: Tuesday\r\n\r\nThe meeting is on Tuesday.\r\n.signed, Ann\r\n".utf8))
        return Conversation.run(
            sender: .make(dialect: id, clientName: "ALPHA.ARPA", transactions: [transaction]),
            receiver: .make(dialect: id, policy: ReceiverPolicy(hostName: receiver, users: ["joe"]))
        ).transcript
    }

    static func matrixTable(routed: Bool) -> Table {
        let cells = DialectMatrix.cells(routed: routed)
        let dialects = DialectID.allCases
        let rows = dialects.map { sender in
            [sender.rawValue]
                + dialects.map { receiver in cells.first { $0.sender == sender && $0.receiver == receiver }!.summary }
        }
        return Table(headers: ["sender \\ receiver"] + dialects.map(\.rawValue), rows: rows)
    }

    static func matrixText() -> String {
        var text = "Each sender (down) delivers one message for two local users to each receiver\n(across):\n\n"
        text += grid(routed: false)
        text +=
            "\nThe same with the recipient source-routed through the receiver to a third host\n(<@BETA.ARPA:joe@GAMMA.ARPA>, written in the sender's route style):\n\n"
        text += grid(routed: true)
        return text
    }

    /// Senders down, receivers across, in 80 columns: "ok" (delivered), "ok+H" (after falling
    /// back from EHLO to HELO), "ok+P" (pipelined), or a letter for a refusal; under the grid each
    /// letter's reply, the command it answered, and the pairs it stands for.
    static func grid(routed: Bool) -> String {
        let cells = DialectMatrix.cells(routed: routed)
        let dialects = DialectID.allCases
        let width = dialects.map(\.rawValue.count).max()! + 1
        func pad(_ text: String, _ width: Int = width) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        // One letter for each distinct refusal (reply and command), in the order first met.
        var refusals: [(key: String, reply: Reply, command: String, pairs: [String])] = []
        var marks: [String] = []
        for cell in cells {
            guard let refusal = cell.refusal else {
                marks.append(cell.fellBackToHELO ? "ok+H" : cell.pipelined ? "ok+P" : "ok")
                continue
            }
            let key = "\(refusal.reply.code) \(refusal.command) \(refusal.reply.text)"
            let pair = "\(cell.sender.rawValue)→\(cell.receiver.rawValue)"
            if let index = refusals.firstIndex(where: { $0.key == key }) {
                refusals[index].pairs.append(pair)
            } else {
                refusals.append((key, refusal.reply, refusal.command, [pair]))
            }
            let letter = String(UnicodeScalar(UInt8(ascii: "A") + UInt8(refusals.firstIndex { $0.key == key }!)))
            marks.append(cell.delivered > 0 ? "\(cell.delivered)/\(cell.recipients)" + letter : letter)
        }
        func trimmed(_ line: String) -> String { String(line.reversed().drop { $0 == " " }.reversed()) }
        // Cells as wide as the widest mark and two spaces; the receivers' names, wider than a
        // cell, on two header lines, every other one on each, so that the grid fits 80 columns.
        let cell = marks.map(\.count).max()! + 2
        var header = ["", ""].map { _ in pad("") }
        for (index, dialect) in dialects.enumerated() {
            let line = index % 2
            header[line] = pad(header[line], width + index * cell) + dialect.rawValue
        }
        var text = header.map(trimmed).joined(separator: "\n") + "\n"
        for (row, sender) in dialects.enumerated() {
            text +=
                trimmed(
                    pad(sender.rawValue)
                        + (0..<dialects.count).map { pad(marks[row * dialects.count + $0], cell) }.joined())
                + "\n"
        }
        text += "\n  ok: delivered; ok+H: after EHLO was refused and HELO used; ok+P: pipelined\n"
        for (index, refusal) in refusals.enumerated() {
            let letter = String(UnicodeScalar(UInt8(ascii: "A") + UInt8(index)))
            text += "  \(letter): \(refusal.reply.code) to \(refusal.command): \(refusal.reply.text)\n"
            // The pairs it stands for, sender→receiver, wrapped at 80 columns.
            var line = "     "
            for (position, pair) in refusal.pairs.enumerated() {
                let item = pair + (position < refusal.pairs.count - 1 ? "," : "")
                if line.count + 1 + item.count > 80, line.count > 5 {
                    text += line + "\n"
                    line = "     "
                }
                line += (line.count > 5 ? " " : "") + item
            }
            text += line + "\n"
        }
        return text
    }

    static func wrap(_ text: String, width: Int = 80) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        lines.append(line)
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Markdown

    /// Prose for Markdown: angle brackets (paths, `<host>`) would read as HTML tags, so they are escaped.
    static func md(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: result.append(character)
            }
        }
        return result
    }

    static func markdown() -> String {
        var text = """
            # Dialects

            <!-- Generated by `swift run mailpath dialects --markdown > Docs/dialects.md`; a test checks it is current. -->

            Mailpath models each protocol as a pair of engines, a sender and a receiver, that take bytes and
            events in and give actions out, with no sockets or clocks inside (`Sources/MailDialects`). MTP has
            its own engines; the SMTP dialects share one sender and one receiver that read each dialect's rules
            (`SMTPRules.rfc788`, `.rfc821`, `.rfc1869`, `.rfc2821`, `.rfc5321`), so the differences between the
            RFCs sit side by side as data. The sessions below are produced by running the engines, not typed in.


            """
        text += "| dialect | RFC | date | port | source routes |\n| --- | --- | --- | ---: | --- |\n"
        for dialect in Dialects.all {
            text +=
                "| [`\(dialect.id.rawValue)`](#\(dialect.id.rawValue)) | \(dialect.rfcs) | \(dialect.date) | \(dialect.id.port) | \(md(dialect.routeForm)) |\n"
        }
        for dialect in Dialects.all {
            text +=
                "\n## \(dialect.id.rawValue)\n\n**\(dialect.title)**, \(dialect.rfcs), \(dialect.date).\n\n\(md(dialect.summary))\n\n"
            text +=
                "- Source routes: \(md(dialect.routeForm))\n- Limits: \(dialect.limits)\n- Trace field: \(md(dialect.trace))\n"
            text += "- Reply codes: \(dialect.replyCodes.map(String.init).joined(separator: ", "))\n"
            if !dialect.extensions.isEmpty { text += "- Extensions: \(dialect.extensions.joined(separator: ", "))\n" }
            text += "- Bytes on the wire: \(md(dialect.bytes))\n\n"
            text +=
                Table(
                    headers: ["command", "RFC", "what it does"],
                    rows: dialect.commands.map { ["`\($0.syntax)`", $0.section, md($0.summary)] }
                ).markdown
            if !dialect.oddities.isEmpty {
                text +=
                    "\nOddities of the text, and what Mailpath does:\n\n"
                    + dialect.oddities.map { "- \(md($0))\n" }.joined()
            }
            text +=
                "\nA session between our \(dialect.id.rawValue) sender and receiver (one recipient unknown, one text line starting with \".\"):\n\n```\n"
            text += sampleSession(dialect.id).map { $0.notation(dialect.id) + "\n" }.joined()
            text += "```\n"
        }
        text += """

            ## When dialects meet

            Every sender against every receiver, in memory, delivering one message to two local users. Rows
            are senders, columns receivers. In the simulator an MTP sender would not even reach an SMTP
            server: it connects to port 57, where an SMTP host is not listening.


            """
        text += matrixTable(routed: false).markdown
        text += """

            The same message source-routed through the receiver to a third host, `<@BETA.ARPA:joe@GAMMA.ARPA>`,
            written in the sender's own route style. RFC 788 and RFC 780 write routes with commas, RFC 821 and
            later with a colon, so the two families cannot relay for each other; RFC 2821 and 5321 receivers
            strip the route (§4.1.1.3) and then refuse to relay to a host that is not theirs.


            """
        text += matrixTable(routed: true).markdown
        text += """

            ## Bytes on the wire

            | dialects | command lines end at | text lines end at | NUL | 8-bit bytes |
            | --- | --- | --- | --- | --- |
            | ftp765, mtp772, mtp780, smtp788, smtp821, smtp1123 | CR LF; a bare LF gets 500 | CR LF; a bare LF gets the text refused (552 in MTP, 554 in SMTP) | 500 in a command; kept in text | 500 in a command; high bit cleared in text (RFC 780 App. A, RFC 821 §4.5.2) |
            | esmtp, smtp2821, smtp5321 | CR LF; a bare LF gets 500 | CR LF; a bare LF gets the text refused with 554 | 500 in a command; kept in text | 500 in a command; kept in text (RFC 1652 §3, RFC 2821 §2.4) |

            Every RFC here ends a command with `<CRLF>` and the text with `<CRLF>.<CRLF>` (RFC 780 §5.1.1,
            RFC 821 §4.1.1, RFC 5321 §4.1.1.4), and RFC 5321 §2.3.8 forbids a client to send a bare LF. A
            bare LF is therefore never a line or message boundary: a command line ended by one is answered
            500 and not run, so a student typing into `nc` without `-C` is told how to fix it; a text with
            one is read to its `<CRLF>.<CRLF>` and refused whole, so nothing can be smuggled behind
            `<LF>.<LF>` (what the sources say nothing about: the RFCs of 1980–82 do not say what a server
            does with a bare LF; Mailpath follows RFC 5321 and current Postfix for every dialect). Talk to a
            server with `nc -C`, which sends CR LF. Senders never write a bare LF
            and never send 8-bit text to a server that did not offer 8BITMIME (RFC 1652 §3): the message fails
            permanently instead, as Mailpath has no MIME converter.

            """
        return text
    }
}
