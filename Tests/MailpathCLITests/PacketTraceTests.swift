import Foundation
import TestSupport
import Testing

@testable import Experiments
@testable import MailpathCLI
@testable import SimNetwork

/// `run --pcap` and `trace --pcap` write pcapng that Wireshark's own dissectors read without a
/// malformed packet or an expert warning, checked with tshark (Debian's package, which .ci/run
/// installs), with the IPv4, TCP and UDP checksums verified.
@Suite(.serialized) struct PacketTraceTests {
    static func example(_ name: String) -> String {
        repositoryRoot().appendingPathComponent("Docs/examples/\(name)").path
    }

    /// tshark's output for `arguments` on `file`.
    static func tshark(_ file: String, _ arguments: [String]) throws -> String {
        let (status, output) = try TestEnvironment.run(
            "/usr/bin/env",
            [
                "tshark", "-r", file, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-o",
                "udp.check_checksum:TRUE",
            ] + arguments)
        try #require(status == 0, "tshark failed (is Debian's tshark installed? .ci/run installs it)")
        return output
    }

    /// Writes a run's trace and returns its path. Before 1983 the ARPANET runs NCP, which
    /// pcapng cannot show: those eras are captured with TCP in its place (`transport=tcp`).
    static func capture(_ scenario: String, era: String, command: String = "run") throws -> String {
        let file = TemporaryFiles.path("mailpath", suffix: ".pcapng")
        let tcp = Era.named(era)!.year < 1983 ? ["--set", "transport=tcp"] : []
        let result = mailpath([command, example(scenario), "--era", era, "--pcap", file, "--quiet"] + tcp)
        try #require(result.code == .success, "\(result.err)")
        return file
    }

    @Test("an era that runs NCP is not captured: the refusal says how to capture the same run over TCP")
    func ncpIsNotCaptured() {
        let file = TemporaryFiles.path("mailpath", suffix: ".pcapng")
        let result = mailpath(["run", Self.example("relay-story.json"), "--era", "smtp-1982", "--pcap", file])
        #expect(result.code == .usage)
        #expect(
            result.err.contains(
                "--pcap: smtp-1982 runs ARPANET over NCP (before the flag day of 1 January 1983), which pcapng cannot show; add --set transport=tcp"
            ))
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    /// No malformed packet, no expert warning or error, and frames of each `protocols` decoded.
    static func checkClean(_ file: String, protocols: [String], lua: [String] = []) throws {
        let expert = try tshark(file, lua + ["-q", "-z", "expert"])
        #expect(!expert.contains("Errors ("), "\(expert)")
        #expect(!expert.contains("Warnings ("), "\(expert)")
        #expect(try tshark(file, lua + ["-Y", "_ws.malformed"]).isEmpty)
        for name in protocols {
            let frames = try tshark(file, lua + ["-Y", name]).split(separator: "\n").count
            #expect(frames > 0, "no \(name) frames in \(file)")
        }
    }

    @Test(
        "relay story in mx-1986: DNS MX with its additional A record, SMTP and the message (IMF), each frame's comment naming the trace's connection"
    )
    func relayStory() throws {
        let file = try Self.capture("relay-story.json", era: "mx-1986", command: "trace")
        try Self.checkClean(file, protocols: ["dns", "smtp", "imf"])
        // Z is off the Internet: its exchanger is D, the ARPANET's gateway, which asks again as the
        // exchanger itself (RFC 974) and passes the mail on through P and U, hosts off the
        // Internet that ask no name server. Joe's answer crosses them back; D asks for A.
        let exchanges = try Self.tshark(
            file,
            [
                "-Y", "dns.flags.response == 1", "-T", "fields", "-e", "dns.qry.name", "-e", "dns.mx.mail_exchange",
                "-e", "dns.a",
            ])
        #expect(exchanges == "Z\tD\t10.0.0.2\nZ\tD\t10.0.0.2\nA\tA\t10.0.0.1\n", "\(exchanges)")
        let commands = try Self.tshark(file, ["-Y", "smtp.req.command", "-T", "fields", "-e", "smtp.req.command"])
        #expect(commands.split(separator: "\n").prefix(5) == ["HELO", "MAIL", "RCPT", "DATA", "QUIT"])
        let trace = mailpath(["trace", Self.example("relay-story.json"), "--era", "mx-1986", "--quiet"]).out
        #expect(trace.contains("[connect] conn1 to D"), "the trace names the same connection")
        // Each frame's comment names its event: line N of the run's trace.txt.
        let out = TemporaryFiles.path("mailpath")
        #expect(
            mailpath([
                "run", Self.example("relay-story.json"), "--era", "mx-1986", "--out", out, "--pcap", out + ".pcapng",
                "--quiet",
            ]).code == .success)
        let lines = try String(contentsOfFile: out + "/trace.txt", encoding: .utf8).split(separator: "\n")
        let comments = try Self.tshark(
            out + ".pcapng", ["-Y", "smtp.req.command == \"HELO\"", "-T", "fields", "-e", "frame.comment"]
        ).split(separator: "\n")
        let hops = ["A → D", "D → P", "P → U", "U → Z", "Z → U", "U → P", "P → D", "D → A"]
        #expect(comments.count == hops.count)
        let hellos = hops.enumerated().map {
            "conn\($0.offset + 1) \($0.element) 8 bytes: HELO \($0.element.prefix(1))"
        }
        for (comment, hello) in zip(comments, hellos) {
            #expect(comment.hasSuffix(" · " + hello), "\(comment)")
            let number = try #require(Int(comment.dropFirst("event ".count).prefix { $0 != " " }))
            #expect(
                lines[number - 1].hasSuffix(hello.split(separator: " ")[0] + " " + hello.split(separator: ": ")[1]),
                "\(lines[number - 1])")
        }
    }

    @Test(
        "the relay story in every era decodes cleanly (MTP with Docs/wireshark/mtp.lua), and FTP, MTP or SMTP frames are there",
        arguments: [
            "ftp-1980", "mtp-1980", "mtp-1981", "smtp-1981", "smtp-1982", "mx-1986", "esmtp-1995", "smtp-2001",
            "smtp-2008",
        ])
    func relayStoryEveryEra(era: String) throws {
        let file = try Self.capture("relay-story.json", era: era)
        let lua = ["-X", "lua_script:" + repositoryRoot().appendingPathComponent("Docs/wireshark/mtp.lua").path]
        let expected = era.hasPrefix("ftp") ? "ftp" : era.hasPrefix("mtp") ? "mtp" : "smtp"
        if expected == "ftp" || era == "mtp-1980" {
            // RFC 765's MAIL <user> cannot name a relay, and A and Z share no network: no session
            // opens. In 1980 neither can MTP: the gateways' networks, CSNET and BITNET, date from 1981.
            try Self.checkClean(file, protocols: [])
            #expect(try Self.tshark(file, ["-Y", "tcp"]).isEmpty)
            return
        }
        try Self.checkClean(file, protocols: [expected], lua: lua)
        if expected == "mtp" {
            let commands = try Self.tshark(file, lua + ["-Y", "mtp.command", "-T", "fields", "-e", "mtp.command"])
                .split(separator: "\n")
            #expect(commands.contains("MAIL") && commands.contains("QUIT"), "\(commands)")
            let replies = try Self.tshark(file, lua + ["-Y", "mtp.reply.code", "-T", "fields", "-e", "mtp.reply.code"])
                .split(separator: "\n")
            #expect(replies.contains("220") && replies.contains("354") && replies.contains("250"), "\(replies)")
        }
    }

    @Test(
        "an Internet of 50 domains in esmtp-1995: pipelined commands and texts over several segments decode cleanly; the trace repeats byte for byte"
    )
    func internet() throws {
        let file = try Self.capture("internet-2001.json", era: "esmtp-1995")
        try Self.checkClean(file, protocols: ["dns", "smtp", "imf", "tcp.flags.fin == 1"])
        let again = try Self.capture("internet-2001.json", era: "esmtp-1995")
        #expect(FileManager.default.contents(atPath: file) == FileManager.default.contents(atPath: again))
        // Texts longer than a segment arrive in pieces that the SMTP dissector puts together again.
        let reassembled = try Self.tshark(file, ["-Y", "imf && smtp.data.fragment.count > 1"]).split(separator: "\n")
            .count
        #expect(reassembled > 0)
    }

    @Test("RFC 780 MTP on port 57 decodes with Docs/wireshark/mtp.lua: commands, replies and the text")
    func mtpDissector() throws {
        let file = try Self.capture("early-1980s.json", era: "mtp-1981")
        let lua = ["-X", "lua_script:" + repositoryRoot().appendingPathComponent("Docs/wireshark/mtp.lua").path]
        try Self.checkClean(
            file, protocols: ["mtp", "mtp.command == \"MAIL\"", "mtp.reply.code == 354", "mtp.text", "mtp.text.end"],
            lua: lua)
        let first = try Self.tshark(
            file, lua + ["-Y", "mtp.command == \"MAIL\"", "-T", "fields", "-e", "mtp.parameter"]
        ).split(separator: "\n").first
        #expect(first?.hasPrefix("FROM:<jqp@MIT-AI> TO:<@") == true, "\(String(describing: first))")
    }

    @Test("RFC 765 FTP mail decodes as FTP (port 21): MAIL <user> and its replies")
    func ftpMail() throws {
        let file = try Self.capture("early-1980s.json", era: "ftp-1980")
        try Self.checkClean(file, protocols: ["ftp.request.command == \"MAIL\"", "ftp.response.code == 250"])
    }

    @Test("RFC 1071 checksum: the example words sum to 0xddf2, so the checksum is 0x220d")
    func checksum() {
        #expect(PcapNG.internetChecksum([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]) == 0x220d)
        // A header with its checksum filled in sums to zero.
        var header: [UInt8] = [0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        let sum = PcapNG.internetChecksum(header)
        header[10] = UInt8(sum >> 8)
        header[11] = UInt8(sum & 0xff)
        #expect(PcapNG.internetChecksum(header) == 0)
    }

    @Test("--pcap with --replications is refused: a trace is of one run")
    func replications() {
        let result = mailpath([
            "run", Self.example("relay-story.json"), "--replications", "3", "--pcap", "/tmp/x.pcapng",
        ])
        #expect(result.code == .usage)
        #expect(result.err == "mailpath: error: --pcap captures one run: leave it out with --replications\n")
    }
}
