import MailDialects
import MailSimulation
import Reports
import SimKernel

/// The whole journey of one message through a run: submission, DNS lookups, connections, every
/// command and reply with its simulated time, hand-offs, deliveries and notices.
public struct MessageTrace: Sendable {
    public struct Entry: Hashable, Sendable {
        public var time: SimTime
        public var host: String
        /// "C" (client line), "S" (server line), or an event kind such as "dns" or "deliver".
        public var kind: String
        public var text: String
        /// For command and reply lines: the other end of the connection.
        public var peer: String?
        /// For command and reply lines: the connection, as the trace names it (`conn1`).
        public var connection: String? = nil
    }

    public var messageID: String
    public var era: Era
    public var entries: [Entry]

    /// Picks the records about `messageID` (and any notice sent about it) out of a run's trace.
    public init(messageID: String, era: Era, trace: [TraceRecord]) {
        self.messageID = messageID
        self.era = era
        var ids: Set<String> = [messageID]
        for record in trace where record.kind.rawValue == "bounce" && record.detail.contains(messageID) {
            if let notice = record.detail.split(separator: " ").last, notice.hasPrefix("<notice-") {
                ids.insert(String(notice))
            }
        }
        func mentions(_ detail: String) -> Bool { ids.contains { detail.contains($0) } }
        // Connections that carried it, and who was at the other end.
        var peers: [String: (client: String, server: String)] = [:]
        for record in trace where record.kind.rawValue == "connect" && mentions(record.detail) {
            let words = record.detail.split(separator: " ")
            if words.count > 2, words[1] == "to" { peers[String(words[0])] = (record.host, String(words[2])) }
        }
        // The hosts it passed, and when: their DNS lookups in that window of the names it needed
        // (its recipients' domains, the hosts it went to) belong to its journey.
        var windows: [String: (SimTime, SimTime)] = [:]
        var names: Set<String> = Set(peers.values.map { $0.server.lowercased() })
        // A relay looks its next hop up as it takes the message, before any line names it: the
        // lines of the connections that carried it count too.
        for record in trace where mentions(record.detail) || peers[String(record.detail.prefix { $0 != " " })] != nil {
            let window = windows[record.host] ?? (record.time, record.time)
            windows[record.host] = (min(window.0, record.time), max(window.1, record.time))
            if record.kind.rawValue == "submit" || record.kind.rawValue == "relayed" || record.kind.rawValue == "defer"
            {
                for word in record.detail.split(separator: " ") where word.hasPrefix("<") && word.contains("@") {
                    if let at = word.lastIndex(of: "@") {
                        names.insert(word[word.index(after: at)...].dropLast().lowercased())
                    }
                }
            }
        }
        /// "query MX d7.net" or "answer MX d7.net: MX 10 mx.d7.net": the name asked about.
        func question(_ detail: String) -> String? {
            let words = detail.split(separator: " ")
            guard words.count >= 3 else { return nil }
            return String(words[2].hasSuffix(":") ? words[2].dropLast() : words[2]).lowercased()
        }
        var entries: [Entry] = []
        for record in trace {
            let label = String(record.detail.prefix { $0 != " " })
            let kind = record.kind.rawValue
            if let ends = peers[label] {
                let text = String(record.detail.dropFirst(label.count + 1))
                switch kind {
                case "C":
                    entries.append(
                        Entry(
                            time: record.time, host: record.host, kind: "C", text: text, peer: ends.server,
                            connection: label))
                case "S":
                    entries.append(
                        Entry(
                            time: record.time, host: record.host, kind: "S", text: text, peer: ends.client,
                            connection: label))
                default:
                    entries.append(
                        Entry(time: record.time, host: record.host, kind: kind, text: record.detail, peer: nil))
                }
            } else if mentions(record.detail) {
                entries.append(Entry(time: record.time, host: record.host, kind: kind, text: record.detail, peer: nil))
            } else if kind == "dns", let window = windows[record.host], record.time >= window.0,
                record.time <= window.1,
                let name = question(record.detail), names.contains(name)
            {
                entries.append(Entry(time: record.time, host: record.host, kind: kind, text: record.detail, peer: nil))
            }
        }
        self.entries = entries
    }

    /// The letters before a command (`kind` "C") or reply ("S") line in the era's RFC
    /// (`DialectID.notation`): U:/S: for RFC 765, S:/R: for RFC 772 to 821, C:/S: from RFC 1869 on.
    func speaker(_ kind: String) -> String {
        kind == "C" ? era.dialect.notation.client : era.dialect.notation.server
    }

    /// What the two letters stand for, in the RFC's words.
    var notationLegend: String {
        switch era.dialect {
        case .ftp765: "U: the user (the sending host's FTP), S: the server (RFC 765's notation)"
        case .mtp772, .mtp780: "S: the sender-MTP, R: the receiver-MTP (RFC 780's notation)"
        case .smtp788, .smtp821, .smtp1123: "S: the sender-SMTP, R: the receiver-SMTP (RFC 821's notation)"
        case .esmtp, .smtp2821, .smtp5321: "C: the client (sender), S: the server (receiver)"
        }
    }

    /// One line per entry, times in seconds, lines in the RFC's own notation.
    public var text: String {
        var text = "Journey of \(messageID) in \(era.name) (\(era.title))\n"
        text += notationLegend + "\n\n"
        let width = max(4, entries.map(\.host.count).max() ?? 4)
        for entry in entries {
            let time = Format.decimal(entry.time.nanoseconds.secondsValue, 6) + "s"
            let host = entry.host + String(repeating: " ", count: width - entry.host.count)
            let what: String
            switch entry.kind {
            case "C", "S": what = speaker(entry.kind) + " " + entry.text
            case "text": what = "    " + String(entry.text.drop { $0 != "|" })  // a header line: "| Received: …"
            default: what = "[\(entry.kind)] " + entry.text
            }
            text += String(repeating: " ", count: max(0, 12 - time.count)) + time + "  " + host + "  " + what + "\n"
        }
        return text
    }

    /// A Mermaid sequence diagram of the journey.
    public var mermaid: String {
        var participants: [String] = []
        for entry in entries {
            for name in [entry.host] + (entry.peer.map { [$0] } ?? []) where !participants.contains(name) {
                participants.append(name)
            }
        }
        func id(_ name: String) -> String { "H\(participants.firstIndex(of: name)! + 1)" }
        var text = "sequenceDiagram\n"
        for name in participants { text += "    participant \(id(name)) as \(Self.mermaidText(name))\n" }
        for entry in entries where entry.kind != "text" {
            let time = Format.decimal(entry.time.nanoseconds.secondsValue, 3)
            switch entry.kind {
            case "C": text += "    \(id(entry.host))->>\(id(entry.peer!)): \(time) \(Self.mermaidText(entry.text))\n"
            case "S": text += "    \(id(entry.host))-->>\(id(entry.peer!)): \(time) \(Self.mermaidText(entry.text))\n"
            default:
                text +=
                    "    Note over \(id(entry.host)): \(time) \(entry.kind) \(Self.mermaidText(Self.shortened(entry.text)))\n"
            }
        }
        return text
    }

    static func shortened(_ text: String) -> String { text.count > 90 ? String(text.prefix(87)) + "..." : text }

    /// Text safe inside a Mermaid message (the one escaping, in Reports).
    public static func mermaidText(_ text: String) -> String { Markup.mermaid(text) }
}
