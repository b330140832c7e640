import MailAgent

/// The host table a live relay reads (`mailpath serve --hosts FILE`): the HOSTS.TXT of the
/// source-route era, with a loopback port for each host, so that several `serve` processes on one
/// machine can play the hosts of a relay chain. One host a line:
///
///     # NAME  ADDRESS:PORT     NETWORKS        [relay]
///     A       127.0.0.1:2601   ARPANET
///     D       127.0.0.1:2602   ARPANET,CSNET   relay
///
/// `relay` marks a mail gateway, which passes mail between the networks it is on (RFC 821 §3.6).
/// `#` starts a comment.
public enum LiveHostTable {
    public struct ParseError: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public static func parse(_ text: String) throws(ParseError) -> HostDirectory {
        var entries: [HostDirectory.Entry] = []
        var seen: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.prefix { $0 != "#" }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            let number = index + 1
            guard fields.count == 3 || fields.count == 4 else {
                throw ParseError(
                    line: number, message: "expected NAME ADDRESS:PORT NETWORKS [relay], got \(fields.count) fields")
            }
            let name = String(fields[0])
            guard seen.insert(name.lowercased()).inserted else {
                throw ParseError(line: number, message: "host \(name) is listed twice")
            }
            guard (try? LiveAddress(String(fields[1]))) != nil else {
                throw ParseError(
                    line: number, message: "expected ADDRESS:PORT such as 127.0.0.1:2601, got '\(fields[1])'")
            }
            let networks = Set(fields[2].split(separator: ",").map(String.init))
            guard !networks.isEmpty else { throw ParseError(line: number, message: "host \(name) is on no network") }
            if fields.count == 4 && fields[3] != "relay" {
                throw ParseError(
                    line: number, message: "expected 'relay' or nothing after the networks, got '\(fields[3])'")
            }
            entries.append(
                HostDirectory.Entry(
                    name: name, networks: networks, relays: fields.count == 4, address: String(fields[1])))
        }
        return HostDirectory(entries)
    }
}

/// An address of the host table, `127.0.0.1:2601` or `[::1]:2601`.
struct LiveAddress {
    var host: String
    var port: UInt16

    init(_ text: String) throws(AddressError) {
        guard let (host, port) = AddressText.split(text) else { throw AddressError(host: text) }
        guard let number = UInt16(port), !host.isEmpty else { throw AddressError(host: text) }
        _ = try SocketAddress(host: String(host), port: number)
        self.host = String(host)
        self.port = number
    }
}
