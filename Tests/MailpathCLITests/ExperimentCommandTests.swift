import Foundation
import MailAgent
import MailSockets
import TestSupport
import Testing

@testable import MailpathCLI

/// A small valid scenario; each bad file below is this text with one edit.
let baseScenario = """
    {
      "format": "mailpath-scenario/1",
      "era": "smtp-1982",
      "networks": ["ARPANET", "CSNET"],
      "hosts": [
        {"name": "A", "networks": ["ARPANET"], "users": ["ann"]},
        {"name": "G", "networks": ["ARPANET", "CSNET"], "gateway": true},
        {"name": "Z", "networks": ["CSNET"], "users": ["joe"]}
      ],
      "links": [
        {"between": ["A", "G"], "latency": "20ms"},
        {"between": ["G", "Z"], "latency": "30ms"}
      ],
      "workload": {"messages": [{"at": "0s", "from": "ann@A", "to": ["joe@Z"]}]}
    }

    """

/// Writes `text` to a fresh directory as `bad.json` and returns the directory and the path.
func scratchFile(_ text: String, name: String = "bad.json") throws -> (directory: String, path: String) {
    let directory = TemporaryFiles.url("tests")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return (directory.path, url.path)
}

@Suite struct BadScenarioTests {
    @Test("the base scenario of the table is valid")
    func baseRuns() throws {
        let file = try scratchFile(baseScenario)
        let result = mailpath("run", file.path, "--quiet")
        #expect(result.code == .success, "\(result.err)")
        #expect(result.err.isEmpty)
    }

    /// (what is wrong, the edit to the base text, the exact line on standard error).
    static let table: [(String, String, String, String)] = [
        (
            "syntax error", #""networks": ["ARPANET", "CSNET"],"#, #""networks": ["ARPANET" "CSNET"],"#,
            #"bad.json:4:26: invalid JSON: expected ',' or ']' after a value, found '"'"#
        ),
        (
            "unterminated string", #""latency": "30ms"}"#, #""latency": "30ms}"#,
            "bad.json:12:46: invalid JSON: unterminated string: the line ends before its closing quote"
        ),
        (
            "text after the document", "]}]}\n}\n", "]}]}\n}}\n",
            "bad.json:15:2: invalid JSON: unexpected text after the end of the document"
        ),
        (
            "empty file", baseScenario, "",
            "bad.json:1:1: invalid JSON: expected a value, found the end of the file"
        ),
        (
            "unknown format version", "mailpath-scenario/1", "mailpath-scenario/9",
            #"bad.json:2:13: format: expected "mailpath-scenario/1", found "mailpath-scenario/9""#
        ),
        (
            "unknown field", #""links": ["#, #""linkz": ["#,
            #"bad.json:10:3: unknown field "linkz"; did you mean "links"? (known: format, name, description, seed, duration, era, networks, hosts, links, dns, workload, faults)"#
        ),
        (
            "unknown host field", #""gateway": true"#, #""gatway": true"#,
            #"bad.json:7:53: hosts[1]: unknown field "gatway"; did you mean "gateway"? (known: name, networks, role, address, domains, users, server, gateway, queue, retry, maxMessageSize, relayFor, openRelay, queueDelay, relayHost, dialect, gatewayRouting)"#
        ),
        (
            "missing field", "  \"networks\": [\"ARPANET\", \"CSNET\"],\n", "",
            #"bad.json:1:1: missing field "networks": the networks, such as ["ARPANET", "CSNET"]"#
        ),
        (
            "no networks", #""networks": ["ARPANET", "CSNET"],"#, #""networks": [],"#,
            "bad.json:4:15: networks: needs at least one network"
        ),
        (
            "wrong type", #"{"name": "A", "networks": ["ARPANET"], "users": ["ann"]}"#, #""A""#,
            "bad.json:6:5: hosts[0]: expected an object, found a string"
        ),
        (
            "a number where a duration goes", #""latency": "20ms""#, #""latency": 20"#,
            #"bad.json:11:40: links[0].latency: expected a duration such as "20ms", "1.5s", "30m", "2h" or "5d", with its unit; found the bare number 20"#
        ),
        (
            "unknown unit", #""latency": "20ms""#, #""latency": "20 parsecs""#,
            #"bad.json:11:40: links[0].latency: expected a duration such as "20ms", "1.5s", "30m", "2h" or "5d", found "20 parsecs""#
        ),
        (
            "negative time", #""at": "0s""#, #""at": "-5s""#,
            #"bad.json:14:36: workload.messages[0].at: expected a duration such as "20ms", "1.5s", "30m", "2h" or "5d", found "-5s""#
        ),
        (
            "bad bandwidth", #""latency": "30ms"}"#, #""latency": "30ms", "bandwidth": "fast"}"#,
            #"bad.json:12:61: links[1].bandwidth: expected a bandwidth such as "9600bit/s", "56kbit/s" or "1.5Mbit/s", found "fast""#
        ),
        (
            "three bandwidths", #""latency": "30ms"}"#,
            #""latency": "30ms", "bandwidth": ["1Mbit/s", "2Mbit/s", "3Mbit/s"]}"#,
            #"bad.json:12:61: links[1].bandwidth: expected a bandwidth, or two: ["to the second host", "back to the first"]"#
        ),
        (
            "a bad bandwidth back", #""latency": "30ms"}"#, #""latency": "30ms", "bandwidth": ["1Mbit/s", "slow"]}"#,
            #"bad.json:12:73: links[1].bandwidth[1]: expected a bandwidth such as "9600bit/s", "56kbit/s" or "1.5Mbit/s", found "slow""#
        ),
        (
            "a message too large", #""to": ["joe@Z"]}"#, #""to": ["joe@Z"], "size": "300MB"}"#,
            #"bad.json:14:84: workload.messages[0].size: "300MB" is too large: at most "100MB""#
        ),
        (
            "a latency too long", #""latency": "20ms""#, #""latency": "2d""#,
            #"bad.json:11:40: links[0].latency: "2d" is too long: at most "1h""#
        ),
        (
            "a duration past 64 bits", #""latency": "20ms""#, #""latency": "300000d""#,
            #"bad.json:11:40: links[0].latency: "300000d" is too long: at most "1h""#
        ),
        (
            "a run too long", #""era": "smtp-1982","#, #""era": "smtp-1982", "duration": "4000d","#,
            #"bad.json:3:35: duration: "4000d" is too long: at most "3650d""#
        ),
        (
            "a user name ending in a dot", #""users": ["joe"]"#, #""users": ["joe."]"#,
            #"bad.json:8:52: hosts[2].users[0]: "joe." is not a valid user name: a dot may not start or end it, nor follow another (RFC 821 §4.1.2 <dot-string>)"#
        ),
        (
            "a user named MTP", #""users": ["joe"]"#, #""users": ["MTP"]"#,
            #"bad.json:8:52: hosts[2].users[0]: "MTP" is reserved: RFC 780 §3.2 sends notices from MTP@host, so its mail would be taken for a notice"#
        ),
        (
            "a host named by its address", #"{"name": "Z", "networks""#, #"{"name": "[10.0.0.1]", "networks""#,
            #"bad.json:8:14: hosts[2].name: "[10.0.0.1]" is an address literal, not a host name: name the host, and give its address as "address""#
        ),
        (
            "a recipient twice", #""to": ["joe@Z"]}"#, #""to": ["joe@Z", "JOE@z"]}"#,
            #"bad.json:14:75: workload.messages[0].to[1]: <JOE@z> is named twice: each recipient once"#
        ),
        (
            "a user twice", #""users": ["joe"]"#, #""users": ["joe", "Joe"]"#,
            #"bad.json:8:59: hosts[2].users[1]: user "Joe" is listed twice on Z"#
        ),
        (
            "a restart before its crash", #""workload": {"messages""#,
            #""faults": [{"type": "crash", "host": "G", "at": "10s", "restart": "5s"}], "workload": {"messages""#,
            #"bad.json:14:69: faults[0].restart: restarts before it crashes: give a time after "at""#
        ),
        (
            "an MX key that is not a domain", #""workload": {"messages""#,
            #""dns": {"mx": {"not a domain!": []}}, "workload": {"messages""#,
            #"bad.json:14:35: dns.mx.not a domain!: "not a domain!" is not a domain"#
        ),
        (
            "MX records for one domain twice", #""workload": {"messages""#,
            #""dns": {"mx": {"c.org": [], "C.ORG": []}}, "workload": {"messages""#,
            #"bad.json:14:40: dns.mx.C.ORG: MX records for C.ORG are given twice (names ignore case)"#
        ),
        (
            "an injected reply of two lines", #""workload": {"messages""#,
            #""faults": [{"type": "reply", "host": "Z", "command": "RCPT", "code": 550, "text": "no\r\n250 yes", "from": "0s", "until": "1h"}], "workload": {"messages""#,
            #"bad.json:14:85: faults[0].text: a reply text is one line: no CR or LF"#
        ),
        (
            "a message after the end of the run", #""at": "0s""#, #""at": "7d""#,
            #"bad.json:14:36: workload.messages[0].at: sent after the run ends (its duration is 6d): it would never be sent"#
        ),
        (
            "a seed past 64 bits", #""era": "smtp-1982","#, #""era": "smtp-1982", "seed": 99999999999999999999999,"#,
            #"bad.json:3:31: seed: expected a number from 0 to 9223372036854775807, found 99999999999999999999999, which is too large"#
        ),
        (
            "misspelt network", #"{"name": "Z", "networks": ["CSNET"]"#, #"{"name": "Z", "networks": ["CSNT"]"#,
            #"bad.json:8:32: hosts[2].networks[0]: unknown network "CSNT"; did you mean "CSNET"?"#
        ),
        (
            "unknown host in a link", #""between": ["G", "Z"]"#, #""between": ["G", "Q"]"#,
            #"bad.json:12:23: links[1].between[1]: unknown host "Q""#
        ),
        (
            "misspelt host in a link", #""between": ["G", "Z"]"#, #""between": ["G", "ZZ"]"#,
            #"bad.json:12:23: links[1].between[1]: unknown host "ZZ"; did you mean "Z"?"#
        ),
        (
            "host defined twice", #"{"name": "Z", "networks""#, #"{"name": "G", "networks""#,
            #"bad.json:8:14: hosts[2].name: host "G" defined twice"#
        ),
        (
            "a domain served twice", #"{"name": "Z", "networks": ["CSNET"], "users": ["joe"]}"#,
            #"{"name": "Z", "networks": ["CSNET"], "users": ["joe"], "domains": ["a"]}"#,
            #"bad.json:8:71: hosts[2].domains: domain a is served by both A and Z"#
        ),
        (
            "one address written two ways", #"{"name": "A", "networks": ["ARPANET"], "users": ["ann"]}"#,
            #"{"name": "A", "networks": ["ARPANET"], "users": ["ann"], "address": "10.0.0.9"}"#
                + "," + #"{"name": "B", "networks": ["ARPANET"], "address": "010.000.000.009"}"#,
            #"bad.json:6:135: hosts[1].address: address 010.000.000.009 is already taken: it is 10.0.0.9, the address of A"#
        ),
        (
            "unknown role", #""gateway": true"#, #""role": "relay""#,
            #"bad.json:7:61: hosts[1].role: unknown role "relay" (known: mail, client, router)"#
        ),
        (
            "a route through nowhere", "    {\"between\": [\"A\", \"G\"], \"latency\": \"20ms\"},\n", "",
            "bad.json:13:66: workload.messages[0].to[0]: no links lead from A to Z, where <joe@Z> lives: add links, or a gateway joining their networks"
        ),
        (
            "an era that does not exist", #""era": "smtp-1982""#, #""era": "smtp-1892""#,
            #"bad.json:3:10: era: unknown era "smtp-1892"; did you mean "smtp-1982"? (known: ftp-1980, mtp-1980, mtp-1981, smtp-1981, smtp-1982, mx-1986, smtp-1989, esmtp-1995, smtp-2001, smtp-2008)"#
        ),
        (
            "an MX era without a name server", #""era": "smtp-1982""#, #""era": "mx-1986""#,
            #"bad.json: dns.server: era mx-1986 uses DNS, so the scenario needs "dns": {"server": HOST}, the host running the name server"#
        ),
        (
            "a sender who is not a user", #""from": "ann@A""#, #""from": "bob@A""#,
            #"bad.json:14:50: workload.messages[0].from: "bob@A" is not a user of this scenario"#
        ),
    ]

    @Test(
        "a bad scenario gets one line naming the file, the place and what was expected, and exit 65",
        arguments: table.indices)
    func badFile(index: Int) throws {
        let (what, original, replacement, expected) = Self.table[index]
        #expect(baseScenario.contains(original), "the edit for '\(what)' does not apply")
        let file = try scratchFile(baseScenario.replacingOccurrences(of: original, with: replacement))
        for command in ["run", "compare", "trace"] {
            let result = mailpath(command, file.path, "--quiet")
            #expect(result.code == .dataError, "\(what): \(command) exited \(result.code)")
            #expect(result.out.isEmpty, "\(what): \(command) printed \(result.out)")
            let line = result.err.replacingOccurrences(of: file.directory + "/", with: "")
            #expect(line == "mailpath: error: " + expected + "\n", "\(what)")
        }
    }

    @Test("a scenario file that does not exist is named in one line, with exit 65")
    func missingFile() {
        let result = mailpath("run", "/nonexistent/scenario.json", "--quiet")
        #expect(result.code == .dataError)
        #expect(result.err == "mailpath: error: /nonexistent/scenario.json: no such file\n")
    }

    @Test(
        "a file that cannot be read says why: a directory, UTF-16, a byte that is not UTF-8",
        arguments: [
            ("directory", [], "it is a directory, not a file"),
            ("utf16.json", [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00], "the file is UTF-16; save it as UTF-8"),
            (
                "latin1.json", Array(#"{"name": "M"#.utf8) + [0xFC] + Array(#"ller"}"#.utf8),
                "not UTF-8 text: an invalid byte at offset 11"
            ),
        ] as [(String, [UInt8], String)])
    func unreadable(name: String, bytes: [UInt8], reason: String) throws {
        let directory = TemporaryFiles.url("read")
        let path = directory.appendingPathComponent(name).path
        if name == "directory" {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } else {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        for command in ["run", "compare", "timeline"] {
            let result = mailpath(command, path, "--quiet")
            #expect(result.code == .dataError, "\(command)")
            #expect(result.err == "mailpath: error: \(path): \(reason)\n", "\(command)")
        }
    }
}

@Suite struct ExperimentCommandTests {
    static let relayStory = repositoryRoot().appendingPathComponent("Docs/examples/relay-story.json").path

    @Test("run prints the summary of the relay story (golden)")
    func runGolden() {
        let result = mailpath("run", Self.relayStory, "--quiet")
        #expect(result.code == .success)
        Golden.check(result.out, matches: "run-relay-story.txt")
    }

    @Test("run --format json and csv carry the same figures")
    func runFormats() {
        let json = mailpath("run", Self.relayStory, "--quiet", "--format", "json")
        let csv = mailpath("run", Self.relayStory, "--quiet", "--format", "csv")
        #expect(json.code == .success && csv.code == .success)
        #expect(json.out.contains(#""round_trips_per_message": 28.00"#))
        let rows = csv.out.split(separator: "\r\n")  // RFC 4180 lines
        #expect(rows.count == 2)
        #expect(rows[0].hasPrefix("messages,messages_left_out,messages_after_end,recipients,delivered,"))
        Golden.check(json.out, matches: "run-relay-story.json")
    }

    @Test("compare shows every era side by side with what changed (golden)")
    func compareGolden() {
        let result = mailpath("compare", Self.relayStory, "--quiet")
        #expect(result.code == .success)
        #expect(
            result.out.contains(
                "- smtp-1989 → esmtp-1995: factors changed: dialect smtp1123 → esmtp, pipelining off → on\n"))
        #expect(result.out.contains("\n    round trips per message 28.00 → 16.00\n"))
        // 1980 runs without the networks founded in 1981, and says so.
        #expect(
            result.out.contains(
                "ftp-1980: networks: ARPANET, UUCP; not yet founded, left out: CSNET (1981), BITNET (1981); over NCP, before the flag day of 1 January 1983: ARPANET\n"
            ))
        // So do the eras before the flag day, when the ARPANET ran NCP, and none after.
        #expect(result.out.contains("\nsmtp-1982: over NCP, before the flag day of 1 January 1983: ARPANET\n"))
        #expect(!result.out.contains("mx-1986: over NCP"))
        Golden.check(result.out, matches: "compare-relay-story.txt")
    }

    @Test("a figure without a value is '-' in text, null in JSON and an empty field in CSV")
    func missingValues() {
        // FTP mail cannot cross the relay story's networks: nothing delivered, no latency, no hops.
        let text = mailpath("run", Self.relayStory, "--era", "ftp-1980", "--quiet")
        #expect(text.out.contains("latency mean, delivered (s)                         -\n"))
        let json = mailpath("run", Self.relayStory, "--era", "ftp-1980", "--quiet", "--format", "json")
        #expect(
            json.out.contains(#""latency_mean_s": null"#) && json.out.contains(#""hops_mean": null"#)
                && !json.out.contains(#""-""#))
        let csv = mailpath("run", Self.relayStory, "--era", "ftp-1980", "--quiet", "--format", "csv").out.split(
            separator: "\r\n")
        let fields = Dictionary(
            uniqueKeysWithValues: zip(
                csv[0].split(separator: ",").map(String.init),
                csv[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        #expect(fields["latency_mean_s"] == "" && fields["hops_mean"] == "" && fields["delivered"] == "0")
    }

    @Test("compare --attribute splits each change among the factors, in text, JSON and attribution.csv")
    func compareAttribute() throws {
        let result = mailpath("compare", Self.relayStory, "--eras", "smtp-1989,esmtp-1995", "--attribute", "--quiet")
        #expect(result.code == .success)
        #expect(result.out.contains("\n    round trips per message 28.00 → 16.00 (dialect -6, pipelining -6)\n"))
        #expect(
            result.out.contains(
                "Each factor's share of the change from smtp-1989 to esmtp-1995 (Shapley values over 4 runs):"))
        let json = mailpath(
            "compare", Self.relayStory, "--eras", "smtp-1989,esmtp-1995", "--attribute", "--quiet", "--format", "json")
        #expect(json.out.contains(#""method": "shapley""#))
        let folder = TemporaryFiles.path("attribute")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(
            mailpath(
                "compare", Self.relayStory, "--eras", "smtp-1989,esmtp-1995", "--attribute", "--quiet", "--out", folder
            ).code == .success)
        let csv = try String(contentsOfFile: folder + "/attribution.csv", encoding: .utf8)
        #expect(csv.hasPrefix("from_era,to_era,figure,factor,from,to,share\r\n"))
        #expect(
            csv.contains("smtp-1989,esmtp-1995,round_trips_per_message,pipelining,28.000000,16.000000,-6.000000\r\n"))
    }

    @Test(
        "--replications gives every figure a 95% interval in text, JSON and CSV, and marks differences not significant")
    func replications() throws {
        let text = mailpath(
            "compare", Self.relayStory, "--eras", "smtp-1989,esmtp-1995", "--replications", "4", "--quiet")
        #expect(text.code == .success)
        #expect(text.out.contains("4 replications (seeds "))
        #expect(text.out.contains("Student t, 3 degrees of freedom"))
        #expect(text.out.contains("Paired differences, seed by seed"))
        // Round trips fall by 12 in every replication (3 a session, four sessions a message): no
        // spread, significant.
        #expect(text.out.contains("round trips per message  ") && text.out.contains("-12 ± 0  yes"))
        let json = mailpath("run", Self.relayStory, "--replications", "3", "--quiet", "--format", "json")
        #expect(json.code == .success && json.out.contains(#""ci95": ["#) && json.out.contains(#""replications": 3"#))
        let csv = mailpath("run", Self.relayStory, "--replications", "3", "--quiet", "--format", "csv")
        #expect(csv.out.hasPrefix("era,figure,replications,mean,sd,ci95_low,ci95_high\r\n"))
        #expect(mailpath("run", Self.relayStory, "--replications", "0").code == .usage)
        #expect(mailpath("compare", Self.relayStory, "--replications", "2", "--attribute").code == .usage)
    }

    @Test(
        "--set changes a factor of the era for run and compare; a bad one is a usage error saying what the factor takes"
    )
    func setFactor() {
        let islands = mailpath("run", Self.relayStory, "--era", "mx-1986", "--set", "internet=off", "--quiet")
        #expect(islands.code == .success)
        #expect(islands.out.hasPrefix("relay-story in mx-1986[internet=off] (MX routing, with internet off, "))
        let compared = mailpath(
            "compare", Self.relayStory, "--eras", "smtp-1982,mx-1986", "--set", "dns=off", "--quiet")
        #expect(compared.code == .success)
        #expect(
            compared.out.contains(
                "- smtp-1982 → mx-1986[dns=off]: factors changed: routing source-routes → mx, internet off → on, transport ncp → tcp\n"
            ))
        let bad = mailpath("run", Self.relayStory, "--set", "pipelining=maybe")
        #expect(bad.code == .usage)
        #expect(bad.err.contains("--set: factor pipelining takes off, on, not 'maybe' (see 'mailpath eras --factors')"))
        let factors = mailpath("eras", "--factors")
        #expect(factors.code == .success)
        #expect(
            factors.out.contains(
                "mx-1986     smtp821   mx             by-name   followed       on   on        1986      tcp        rfc1123  off"
            ))
        // The plain list says which transport the ARPANET runs: NCP until the flag day of 1 January 1983.
        let eras = mailpath("eras").out
        #expect(eras.contains("\nsmtp-1982   1982  smtp821   host table, source routes  off  ncp      rfc1123  "))
        #expect(eras.contains("\nmx-1986     1986  smtp821   MX (RFC 974)               on   tcp      rfc1123  "))
        #expect(mailpath("run", Self.relayStory, "--set", "networks=1979").code == .success)
        #expect(mailpath("run", Self.relayStory, "--set", "networks=soon").err.contains("takes YEAR, all, not 'soon'"))
    }

    @Test("trace follows one message through every relay in RFC 821's notation (golden)")
    func traceGolden() {
        let result = mailpath("trace", Self.relayStory, "--message", "0", "--era", "smtp-1982")
        #expect(result.code == .success)
        #expect(result.out.contains("S: RCPT TO:<@D,@P,@U:joe@Z>"))
        #expect(result.out.contains("R: 354 Start mail input; end with <CRLF>.<CRLF>"))
        Golden.check(result.out, matches: "trace-relay-story-smtp-1982.txt")
    }

    @Test("trace in the 2001 era uses C:/S: and can draw a Mermaid diagram (golden)")
    func traceModern() {
        let text = mailpath("trace", Self.relayStory, "--message", "w1", "--era", "smtp-2001")
        #expect(text.code == .success)
        #expect(text.out.contains("C: EHLO"))
        #expect(text.out.contains("[dns] query MX"))
        let mermaid = mailpath("trace", Self.relayStory, "--message", "1", "--era", "smtp-2001", "--format", "mermaid")
        #expect(mermaid.out.hasPrefix("sequenceDiagram\n"))
        Golden.check(mermaid.out, matches: "trace-relay-story-smtp-2001.mmd")
    }

    @Test("run --out writes the full results")
    func outDirectory() throws {
        let directory = TemporaryFiles.path("out")
        let result = mailpath("run", Self.relayStory, "--quiet", "--out", directory)
        #expect(result.code == .success)
        for file in [
            "summary.json", "summary.csv", "recipients.csv", "mailboxes.csv", "queue.csv", "trace.txt", "viewer.html",
        ] {
            #expect(FileManager.default.fileExists(atPath: directory + "/" + file), "missing \(file)")
        }
        let recipients = try String(contentsOfFile: directory + "/recipients.csv", encoding: .utf8)
        #expect(recipients.split(separator: "\r\n").count == 3)  // header and two recipients
        #expect(
            !FileManager.default.fileExists(atPath: directory + "/mailboxes"), "texts are kept only with --keep-text")
    }

    @Test(
        "--out is written whole: nothing staged is left beside it, other files in it stay, and a file in the way is named"
    )
    func outFolderWholeOrNothing() throws {
        let parent = TemporaryFiles.path("out")
        let directory = parent + "/results"
        #expect(mailpath("run", Self.relayStory, "--quiet", "--out", directory).code == .success)
        try "mine".write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        #expect(
            mailpath("compare", Self.relayStory, "--quiet", "--out", directory, "--eras", "smtp-1982").code == .success)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(
            names == [
                "comparison.csv", "comparison.json", "mailboxes.csv", "notes.txt", "queue.csv", "recipients.csv",
                "summary.csv", "summary.json", "trace.txt", "viewer.html",
            ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent) == ["results"], "no staging folder left")
        // A file where a folder must go: one line naming it, and nothing written.
        let blocked = mailpath("run", Self.relayStory, "--quiet", "--out", directory + "/notes.txt/deeper")
        #expect(blocked.code == .failure)
        #expect(
            blocked.err
                == "mailpath: error: cannot write to \(directory)/notes.txt/deeper: \(directory)/notes.txt is a file, not a folder\n"
        )
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == names.count)
    }

    @Test("run --keep-text writes each delivered text, whose size and digest are those in mailboxes.csv")
    func keepText() throws {
        let directory = TemporaryFiles.path("out")
        let result = mailpath("run", Self.relayStory, "--quiet", "--out", directory, "--keep-text")
        #expect(result.code == .success)
        let rows = try String(contentsOfFile: directory + "/mailboxes.csv", encoding: .utf8).split(separator: "\r\n")
            .dropFirst()
        #expect(rows.count == 2)
        for row in rows {
            let fields = row.split(separator: ",").map(String.init)
            let text = try #require(
                FileManager.default.contents(atPath: "\(directory)/mailboxes/\(fields[0])/\(fields[1])/1.eml"))
            #expect(String(text.count) == fields[4])
            #expect(String(StoredMessage.digest(Array(text)), radix: 16).leftPadded(16) == fields[5])
            #expect(String(decoding: text, as: UTF8.self).hasPrefix("Return-Path: <"))
        }
        let missing = mailpath("run", Self.relayStory, "--keep-text")
        #expect(missing.code == .usage)
        #expect(
            missing.err == "mailpath: error: --keep-text writes the delivered texts under --out DIR: give --out too\n")
    }

    @Test("an unknown message or era is a usage error naming what exists")
    func unknownNames() {
        let message = mailpath("trace", Self.relayStory, "--message", "w9")
        #expect(message.code == .usage)
        #expect(message.err.contains("no message 'w9' in this workload"))
        let era = mailpath("run", Self.relayStory, "--era", "mx-1968", "--quiet")
        #expect(era.code == .usage)
        #expect(era.err.contains("did you mean 'mx-1986'?"))
    }
}

@Suite struct TimelineCommandTests {
    @Test("mailpath timeline writes the page, the Markdown, the CSV and the JSON, and summarises on stdout")
    func writesReport() throws {
        let timeline = repositoryRoot().appendingPathComponent("Timelines/mtp-to-esmtp.json").path
        let directory = TemporaryFiles.path("timeline")
        let result = mailpath("timeline", timeline, "--out", directory, "--quiet")
        #expect(result.code == .success, "\(result.err)")
        #expect(result.out.hasPrefix("From FTP mail to ESMTP: 10 milestones, 10 simulated on mtp-to-esmtp\n"))
        for file in ["index.html", "report.md", "results.csv", "results.json"] {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            #expect(!text.isEmpty, "\(file) is empty")
        }
        let html = try String(contentsOfFile: directory + "/index.html", encoding: .utf8)
        #expect(html.contains("<h1>From FTP mail to ESMTP</h1>"))
        #expect(!html.contains("<script"))
    }

    @Test("a timeline that names a missing scenario is a data error naming the file")
    func missingScenario() throws {
        let file = try scratchFile(
            #"{"format": "mailpath-timeline/1", "title": "t", "scenario": "nowhere.json", "milestones": [{"date": "1981-05", "rfcs": ["RFC 780"], "title": "x", "text": "y", "era": "mtp-1981"}]}"#,
            name: "t.json")
        let result = mailpath("timeline", file.path, "--quiet")
        #expect(result.code == .dataError)
        #expect(result.err.contains("nowhere.json"))
        #expect(result.err.split(separator: "\n").count == 1)
    }
}

@Suite(.serialized) struct SendCommandTests {
    @Test("mailpath send prints a line per recipient and exits 0, 1 for a permanent failure, 75 when it cannot connect")
    func exitCodes() throws {
        let directory = TemporaryFiles.path("send")
        var configuration = MailServer.Configuration(dialect: .esmtp, mailboxDirectory: directory)
        configuration.port = 0
        configuration.domain = "example.org"
        let server = MailServer(configuration)
        try server.bind()
        let thread = Thread { server.run() }
        thread.start()
        defer {
            server.stop()
            while !thread.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        }
        let file = try scratchFile("Subject: hello\n\nA line with LF only.\n.dot\n", name: "message.txt")
        let address = "127.0.0.1:\(server.boundPort)"
        let good = mailpath(
            "send", "--dialect", "esmtp", "--server", address, "--from", "ann@a.org", "--to", "joe@example.org",
            file.path)
        #expect(good.code == .success, "\(good.err)")
        #expect(good.out == "<joe@example.org>: delivered: 250 OK\n")
        let stored = try FileManager.default.contentsOfDirectory(atPath: directory + "/joe/new")
        #expect(stored.count == 1)
        let text = try String(contentsOfFile: directory + "/joe/new/" + stored[0], encoding: .utf8)
        #expect(
            text.hasSuffix("Subject: hello\r\n\r\nA line with LF only.\r\n.dot\r\n"),
            "LF became CR LF, the dot survived")
        let bad = mailpath(
            "send", "--server", address, "--from", "ann@a.org", "--to", "joe@example.org", "--to", "x@elsewhere.net",
            file.path, "--transcript")
        #expect(bad.code == .failure)
        #expect(bad.out.contains("<x@elsewhere.net>: permanent failure: 550 Relaying not allowed here\n"))
        #expect(bad.err.contains("C: RCPT TO:<x@elsewhere.net>\n"))
        let nobody = mailpath(
            "send", "--server", "127.0.0.1:1", "--from", "ann@a.org", "--to", "joe@example.org", file.path)
        #expect(nobody.code == .temporaryFailure)
        #expect(nobody.err.hasPrefix("mailpath: error: cannot connect to 127.0.0.1:1"))
    }
}

@Suite struct SeedTests {
    static let internet = repositoryRoot().appendingPathComponent("Docs/examples/internet-2001.json").path

    @Test("--seed draws another workload: two seeds give other figures, one seed the same")
    func seedChangesTheRun() {
        let seven = mailpath("run", Self.internet, "--seed", "7", "--format", "csv", "--quiet")
        let again = mailpath("run", Self.internet, "--seed", "7", "--format", "csv", "--quiet")
        let eight = mailpath("run", Self.internet, "--seed", "8", "--format", "csv", "--quiet")
        #expect(seven.code == .success && eight.code == .success)
        #expect(seven.out == again.out)
        // Everything but the seed column differs when the workload does (latencies, bytes, ...).
        let figures = { (text: String) in
            text.split(separator: "\r\n")[1].split(separator: ",").dropFirst(3).joined(separator: ",")
        }
        #expect(figures(seven.out) != figures(eight.out))
        for command in ["compare", "trace"] {
            let arguments = command == "trace" ? ["--message", "1"] : ["--eras", "mx-1986,smtp-2001"]
            let a = CLI.run(
                arguments: [command, Self.internet, "--seed", "7", "--quiet"] + arguments,
                console: CapturedConsole().console)
            #expect(a == .success, "\(command)")
        }
        let traceSeven = mailpath("trace", Self.internet, "--message", "1", "--seed", "7")
        let traceEight = mailpath("trace", Self.internet, "--message", "1", "--seed", "8")
        #expect(traceSeven.out != traceEight.out, "message 1 is another message under another seed")
    }

    @Test(
        "one scenario and seed give byte-identical output in two separate processes, whatever their locale and time zone"
    )
    func identicalAcrossProcesses() throws {
        let binary = try BuiltBinary.mailpath()
        func output(_ environment: [String: String]) throws -> Data {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["run", Self.internet, "--seed", "11", "--format", "json", "--quiet"]
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return data
        }
        let first = try output(["LC_ALL": "C", "TZ": "UTC"])
        let second = try output(["LC_ALL": "de_DE.UTF-8", "TZ": "Asia/Kathmandu"])
        #expect(!first.isEmpty)
        #expect(first == second)
    }
}
