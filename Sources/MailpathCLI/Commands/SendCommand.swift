import Foundation
import MailCore
import MailDialects
import MailSockets

/// `mailpath send`: one message to a real server, with the simulator's sender engine.
enum SendCommand: Subcommand {
    static let spec = CommandSpec(
        name: "send", abstract: "Deliver one message to a real server in a given dialect.",
        discussion: """
            EHLO with a HELO fallback, PIPELINING and SIZE when the server offers them, dot-stuffing; \
            one line per recipient with the server's reply. Exit 0 when every recipient was \
            delivered, 75 when some failed temporarily (4yz, a lost connection: try again later) and \
            none for good, 1 when any failed permanently (5yz).
            """,
        arguments: [.optional("file", help: "The message (RFC 822 text); '-' or nothing reads standard input.")],
        options: [
            .option(
                "dialect", value: "dialect",
                help: "ftp765, mtp772, mtp780, smtp788, smtp821, smtp1123, esmtp, smtp2821 or smtp5321.",
                default: "smtp2821"),
            .option("server", value: "HOST:PORT", help: "The server to deliver to.", default: "127.0.0.1:25"),
            .option("from", value: "ADDRESS", help: "The reverse-path (empty for the null path <>)."),
            .option("to", value: "ADDRESS", help: "A recipient.", repeatable: true),
            .option("helo", value: "NAME", help: "The name to greet with.", default: "localhost"),
            .flag("transcript", help: "Log every command and reply to standard error."),
        ],
        examples: ["mailpath send --server 127.0.0.1:2525 --from ann@a.org --to joe@localhost message.txt"])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        let dialect = try DialectsCommand.dialect(named: arguments.value("dialect") ?? "smtp2821")
        let server = try HostAndPort(arguments.value("server") ?? "127.0.0.1:25", option: "server")
        let style = dialect.routeStyle
        func path(_ text: String, option: String) throws -> Path {
            let wrapped = text.hasPrefix("<") ? text : "<\(text)>"
            guard
                case .success(let path) = Path.parse(
                    Substring(wrapped), style: style, limits: PathLimits(path: 256, domain: 255, localPart: 64),
                    allowNull: option == "--from")
            else { throw CLIError.usage("\(option) expects an address such as ann@example.org, got '\(text)'") }
            return path
        }
        let reversePath = try path(arguments.value("from") ?? "", option: "--from")
        let recipients = try arguments.values("to").map { try path($0, option: "--to") }
        guard !recipients.isEmpty else { throw CLIError.usage("'send' needs at least one --to") }
        let file = arguments.positionals.first ?? "-"
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw CLIError.data("\(file): cannot read the file (does it exist?)")
            }
            data = contents
        }
        // Lines end with CR LF on the wire (RFC 821 §2.3.7): bare LF in the file becomes CR LF.
        var content: [UInt8] = []
        for byte in data {
            if byte == 0x0a && content.last != 0x0d { content.append(0x0d) }
            content.append(byte)
        }
        let console = context.console
        var transcript: (@Sendable (String) -> Void)?
        if arguments.flag("transcript") { transcript = { line in console.err(line + "\n") } }
        let report: SessionReport
        do {
            report = try MailClient.send(
                dialect: dialect, host: server.host, port: server.port,
                clientName: arguments.value("helo") ?? "localhost",
                transaction: OutboundTransaction(
                    id: 1, reversePath: reversePath, recipients: recipients, content: content),
                transcript: transcript)
        } catch {
            context.console.err("mailpath: error: \(error)\n")
            return .temporaryFailure
        }
        var permanent = false
        var temporary = false
        for outcome in report.transactions.flatMap(\.recipients) {
            let status: String
            switch outcome.status {
            case .delivered: status = "delivered"
            case .temporaryFailure, .interrupted:
                status = "temporary failure"
                temporary = true
            case .permanentFailure:
                status = "permanent failure"
                permanent = true
            }
            context.console.out("\(outcome.recipient.text(style)): \(status): \(outcome.status.summary)\n")
        }
        return permanent ? .failure : temporary ? .temporaryFailure : .success
    }
}
