import Foundation
import TestSupport
import Testing

@testable import Experiments
@testable import MailpathCLI

/// Runs a command line and returns (exit code, stdout, stderr).
func mailpath(_ arguments: String...) -> (code: ExitCode, out: String, err: String) { mailpath(arguments) }

func mailpath(_ arguments: [String]) -> (code: ExitCode, out: String, err: String) {
    let captured = CapturedConsole()
    let code = CLI.run(arguments: arguments, console: captured.console)
    return (code, captured.out, captured.err)
}

@Suite struct CLITests {
    @Test("mailpath --help lists every subcommand and matches the golden text")
    func topLevelHelp() {
        let result = mailpath("--help")
        #expect(result.code == .success)
        for name in ["run", "compare", "timeline", "trace", "serve", "send", "dialects", "eras", "bench"] {
            #expect(result.out.contains("\n  \(name) "), "missing \(name)")
        }
        Golden.check(result.out, matches: "help.txt")
        #expect(mailpath().out == result.out)
        #expect(mailpath("help").out == result.out)
    }

    @Test(
        "every subcommand has help, the same from 'help X' and 'X --help'",
        arguments: CLI.subcommands.map { $0.spec.name })
    func subcommandHelp(name: String) {
        let viaHelp = mailpath("help", name)
        let viaFlag = mailpath(name, "--help")
        #expect(viaHelp.code == .success)
        #expect(viaHelp.out == viaFlag.out)
        #expect(viaHelp.out.hasPrefix("OVERVIEW: "))
        #expect(viaHelp.out.contains("USAGE: mailpath \(name)"))
        #expect(viaHelp.out.contains("OPTIONS:"))
        Golden.check(viaHelp.out, matches: "help-\(name).txt")
    }

    @Test("--version prints the version")
    func version() {
        let result = mailpath("--version")
        #expect(result.code == .success)
        #expect(result.out == "mailpath \(CLI.version)\n")
    }

    @Test(
        "an empty directory or file name is a usage error, never a write into /",
        arguments: [
            ["run", "x.json", "--out", ""], ["timeline", "t.json", "--out="], ["generate", "internet", "--out", ""],
        ])
    func emptyPaths(arguments: [String]) {
        let result = mailpath(arguments)
        #expect(result.code == .usage)
        #expect(result.err.hasPrefix("mailpath: error: --out needs a"), "\(result.err)")
        #expect(result.out.isEmpty)
    }

    @Test(
        "misspellings get one line with a suggestion and exit 64",
        arguments: [
            (["bnech"], "mailpath: error: unknown subcommand 'bnech'; did you mean 'bench'? (see 'mailpath --help')\n"),
            (
                ["comprae", "x.json"],
                "mailpath: error: unknown subcommand 'comprae'; did you mean 'compare'? (see 'mailpath --help')\n"
            ),
            (
                ["bench", "--kernal"],
                "mailpath: error: unknown option '--kernal' for 'bench'; did you mean '--kernel'? (see 'mailpath bench --help')\n"
            ),
            (
                ["--verison"],
                "mailpath: error: unknown option '--verison'; did you mean '--version'? (see 'mailpath --help')\n"
            ),
            (
                ["help", "tiemline"],
                "mailpath: error: unknown subcommand 'tiemline'; did you mean 'timeline'? (see 'mailpath --help')\n"
            ),
            (["frobnicate"], "mailpath: error: unknown subcommand 'frobnicate' (see 'mailpath --help')\n"),
        ] as [([String], String)])
    func misspellings(arguments: [String], expected: String) {
        let captured = CapturedConsole()
        let code = CLI.run(arguments: arguments, console: captured.console)
        #expect(code == .usage)
        #expect(captured.err == expected)
        #expect(captured.out.isEmpty)
    }

    @Test("option values are checked and missing arguments named")
    func badValues() {
        let notNumber = mailpath("bench", "--kernel", "--events", "lots")
        #expect(notNumber.code == .usage)
        #expect(notNumber.err == "mailpath: error: --events expects a whole number from 1 to \(Int.max), got 'lots'\n")
        let missingValue = mailpath("bench", "--events")
        #expect(missingValue.code == .usage)
        #expect(missingValue.err.contains("--events needs a value"))
        let missingArgument = mailpath("run")
        #expect(missingArgument.code == .usage)
        #expect(missingArgument.err.contains("'run' needs scenario"))
        let extra = mailpath("eras", "surplus")
        #expect(extra.code == .usage)
        #expect(extra.err.contains("unexpected argument 'surplus'"))
    }

    @Test("ADDR:PORT on the command line: IPv4, a bracketed IPv6 literal, and one-line errors for the rest")
    func hostAndPort() throws {
        #expect(try HostAndPort("127.0.0.1:2525", option: "listen") == HostAndPort(host: "127.0.0.1", port: 2525))
        #expect(try HostAndPort("[::1]:25", option: "server") == HostAndPort(host: "::1", port: 25))
        for bad in ["::1:25", "[::1]25", "127.0.0.1", ":25", "host:99999", "[::1"] {
            #expect(throws: CLIError.self, "\(bad)") { try HostAndPort(bad, option: "server") }
        }
        let result = mailpath("send", "--server", "::1:25", "--from", "a@b.org", "--to", "c@d.org")
        #expect(result.code == .usage)
        #expect(
            result.err
                == "mailpath: error: --server expects ADDR:PORT, such as 127.0.0.1:2525 or [::1]:2525 for IPv6, got '::1:25'\n"
        )
    }

    @Test("serve --hosts: one-line errors for a dialect without source routes, a missing table, a host not in it")
    func serveHostsErrors() throws {
        let table = repositoryRoot().appendingPathComponent("Docs/examples/relay-hosts.txt").path
        let modern = mailpath("serve", "--dialect", "esmtp", "--hosts", table, "--host-name", "A")
        #expect(modern.code == .usage)
        #expect(
            modern.err.hasPrefix(
                "mailpath: error: --hosts relays by source route, which esmtp does not do; use mtp780, smtp788 or smtp821"
            ))
        let noName = mailpath("serve", "--dialect", "smtp821", "--hosts", table)
        #expect(noName.code == .usage && noName.err.contains("--hosts needs --host-name"))
        let missing = mailpath("serve", "--dialect", "smtp821", "--hosts", "/nonexistent/hosts.txt", "--host-name", "A")
        #expect(missing.code == .dataError)
        #expect(missing.err == "mailpath: error: /nonexistent/hosts.txt: no such file\n")
        let mbox = mailpath("serve", "--dialect", "smtp821", "--hosts", table, "--host-name", "A", "--store", "mbox")
        #expect(mbox.code == .usage && mbox.err.contains("leave out --store mbox"))
        let format = mailpath("serve", "--dialect", "smtp821", "--store", "mh")
        #expect(format.code == .usage && format.err == "mailpath: error: --store takes maildir or mbox, not mh\n")
        let stranger = mailpath("serve", "--dialect", "smtp821", "--hosts", table, "--host-name", "Q")
        #expect(stranger.code == .dataError && stranger.err.contains("relay-hosts.txt: no host named Q (--host-name)"))
        let bad = try scratchFile("A 127.0.0.1:2601 ARPANET\nD 127.0.0.1 ARPANET relay\n", name: "hosts.txt")
        let badLine = mailpath("serve", "--dialect", "smtp821", "--hosts", bad.path, "--host-name", "A")
        #expect(
            badLine.err
                == "mailpath: error: \(bad.path): line 2: expected ADDRESS:PORT such as 127.0.0.1:2601, got '127.0.0.1'\n"
        )
    }

    @Test("the live benchmark delivers every message over loopback and reports the rate")
    func liveBench() {
        let result = mailpath("bench", "--live", "--messages", "40", "--concurrency", "4")
        #expect(result.code == .success, "\(result.err)")
        #expect(result.out.contains("failed           0\n"))
        #expect(result.out.contains("stored copies    80 (2 recipients a message, one Maildir each)\n"))
        #expect(result.out.contains("40 messages in "), "the group commit line counts every message")
        // The clients really were concurrent: the server saw more than one session at a time.
        let open = result.out.split(separator: "\n").first { $0.hasPrefix("  sessions open") }
        #expect(open.flatMap { Int($0.split(separator: " ")[2]) }.map { $0 > 1 } == true, "\(result.out)")
        #expect(
            result.out.contains(
                "reproduce with   \"$(Scripts/fast-build.sh)\" bench --live --messages 40 --concurrency 4"))
    }

    @Test("the scale benchmark delivers every message in both Internets and splits their events into hops and the rest")
    func scaleBench() {
        let result = mailpath("bench", "--scale", "--domains", "40", "--messages", "300", "--quiet")
        #expect(result.code == .success, "\(result.err)")
        func row(_ label: String) -> [Double] {
            let line = result.out.split(separator: "\n").first { $0.hasPrefix("  \(label)  ") } ?? ""
            return line.dropFirst(2 + label.count).split(separator: " ").compactMap { Double($0) }
        }
        let events = row("events per message")
        let hops = row("  of them hops")
        #expect(events.count == 2 && hops.count == 2, "\(result.out)")
        if events.count == 2, hops.count == 2 {
            // Every message crosses routers, and does more than cross them; the larger Internet's
            // paths are no shorter.
            #expect(hops[0] > 0 && hops[0] < events[0] && hops[1] < events[1])
            #expect(hops[1] >= hops[0])
        }
        #expect(result.out.contains("  hosts                   110  "))
        #expect(result.out.contains("delivered               "))
        #expect(result.out.contains(" times: hops "))
        #expect(result.out.contains("bench --scale --domains 40 --messages 300 --seed 1\n"))
    }

    @Test("the kernel benchmark runs and reports its figures and the command to reproduce them")
    func kernelBench() {
        let result = mailpath("bench", "--kernel", "--events", "20_000", "--pending", "500")
        #expect(result.code == .success)
        #expect(result.out.contains("500 pending, 20,000 events"))
        #expect(result.out.contains("events/second"))
        #expect(
            result.out.contains(
                "reproduce with   \"$(Scripts/fast-build.sh)\" bench --kernel --events 20000 --pending 500 --seed 1 --delays uniform"
            ))
    }
}

@Suite struct SuggestionTests {
    @Test("edit distance counts a transposition as one edit")
    func distance() {
        #expect(Suggestions.editDistance(Array("bench"), Array("bnech")) == 1)
        #expect(Suggestions.editDistance(Array("kernel"), Array("kernal")) == 1)
        #expect(Suggestions.editDistance(Array("eras"), Array("ears")) == 1)
        #expect(Suggestions.editDistance(Array(""), Array("abc")) == 3)
    }

    @Test("far-off words get no suggestion")
    func farOff() {
        #expect(Suggestions.closest(to: "xyzzy", among: ["run", "bench"]) == nil)
        #expect(Suggestions.closest(to: "dialect", among: ["dialects", "eras"]) == "dialects")
    }
}

@Suite struct DialectsCommandTests {
    @Test("mailpath dialects lists every dialect with its RFC, year and port")
    func list() {
        let result = mailpath("dialects")
        #expect(result.code == .success)
        for (name, rfc, port) in [
            ("ftp765", "RFC 765", "21"), ("mtp772", "RFC 772", "57"), ("mtp780", "RFC 780", "57"),
            ("smtp788", "RFC 788", "25"),
            ("smtp821", "RFC 821", "25"), ("esmtp", "RFC 1869", "25"), ("smtp2821", "RFC 2821", "25"),
        ] {
            let line = result.out.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            #expect(
                line?.contains(rfc) == true && line?.contains(" \(port) ") == true,
                "\(name): \(String(describing: line))")
        }
        // The command words each dialect implements: FTP's MSND/MSOM/MSAM, none of the FTP
        // commands it answers 502, and no CONT before RFC 780.
        let ftp = result.out.split(separator: "\n").first { $0.hasPrefix("ftp765 ") } ?? ""
        #expect(ftp.contains("MAIL MSND MSOM MSAM MRSQ MRCP HELP NOOP QUIT") && !ftp.contains("USER"), "\(ftp)")
        let draft = result.out.split(separator: "\n").first { $0.hasPrefix("mtp772 ") } ?? ""
        #expect(!draft.contains("CONT") && draft.contains("MRCP"), "\(draft)")
    }

    @Test("mailpath dialects mtp780 shows the commands with sections and a sample session")
    func detail() {
        let result = mailpath("dialects", "mtp780")
        #expect(result.code == .success)
        #expect(result.out.contains("MRSQ [<SP> <scheme>]"))
        #expect(result.out.contains("RFC 780 §4.1"))
        #expect(result.out.contains("  S: MRSQ ?\n  R: 215 T Text first, please\n"))
        #expect(result.out.contains("Port:         57"))
    }

    @Test("an unknown dialect is a usage error with a suggestion")
    func unknown() {
        let result = mailpath("dialects", "smtp812")
        #expect(result.code == .usage)
        #expect(result.err.contains("unknown dialect 'smtp812'; did you mean 'smtp821'?"))
    }

    @Test(
        "dialects --matrix is a grid of senders and receivers in 80 columns, each refusal lettered with its reply and pairs"
    )
    func matrixGrid() {
        let result = mailpath("dialects", "--matrix")
        #expect(result.code == .success)
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(lines.map(\.count).max() ?? 0) columns")
        // Two grids, each a header of two lines (every other receiver on each) and a row a dialect.
        #expect(lines.filter { $0.hasPrefix("         ftp765      mtp780") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("               mtp772      smtp788") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("smtp2821 ") }.count == 2)
        #expect(result.out.contains("\nesmtp    H     H     H     ok+H  ok+H  ok+H  ok+P  ok+P  ok+P\n"))
        // Routed through an RFC 2821 receiver: the route is stripped and the relay refused.
        #expect(
            result.out.contains(": 550 to RCPT: Relaying not allowed here\n     smtp821→smtp2821, smtp821→smtp5321,"))
    }

    @Test("Docs/dialects.md is exactly what 'mailpath dialects --markdown' prints")
    func documentCurrent() throws {
        let markdown = mailpath("dialects", "--markdown").out
        let url = repositoryRoot().appendingPathComponent("Docs/dialects.md")
        if TestEnvironment.variables[Golden.recordVariable] == "1" {
            try markdown.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("rewrote Docs/dialects.md")
            return
        }
        let onDisk = try String(contentsOf: url, encoding: .utf8)
        #expect(
            onDisk == markdown,
            "Docs/dialects.md is stale: run swift run mailpath dialects --markdown > Docs/dialects.md")
    }
}

@Suite struct OutputFailureTests {
    @Test("a result that cannot be written to standard output (a full disk) exits 74 with one line saying so")
    func fullDisk() throws {
        let binary = try BuiltBinary.mailpath()
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let process = TestEnvironment.process(binary, ["eras"])
        process.standardOutput = full
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 74)
        #expect(message == "mailpath: error: cannot write the results to standard output: No space left on device\n")
    }
}
