/// Subcommands whose engines are not built yet. Their help is real, so the command line is
/// complete and discoverable; running them says plainly that the feature has not landed.
enum RunCommand: Subcommand {
    static let spec = CommandSpec(
        name: "run", abstract: "Run one scenario under one era and summarise the results.",
        arguments: [.required("scenario", help: "A scenario file (JSON).")],
        options: [
            .option("era", value: "era", help: "The era to run (see 'mailpath eras')."),
            .option("dialect", value: "dialect", help: "Run every host with this dialect instead of an era's."),
            .option("seed", value: "N", help: "Seed for every random choice."),
            .option("out", value: "DIR", help: "Write full results to DIR."),
            .option("format", value: "format", help: "text, json or csv.", default: "text"),
            .flag("quiet", short: "q", help: "No progress on standard error."),
        ])
    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode { throw notBuilt(spec) }
}

enum CompareCommand: Subcommand {
    static let spec = CommandSpec(
        name: "compare", abstract: "Run the same workload under several eras, side by side.",
        arguments: [.required("scenario", help: "A scenario file (JSON).")],
        options: [
            .option("eras", value: "E1,E2,...", help: "The eras to compare.", default: "all"),
            .option("out", value: "DIR", help: "Write full results to DIR."),
            .flag("quiet", short: "q", help: "No progress on standard error."),
        ])
    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode { throw notBuilt(spec) }
}

enum TimelineCommand: Subcommand {
    static let spec = CommandSpec(
        name: "timeline", abstract: "Run every milestone of a timeline and write the report.",
        arguments: [.required("timeline", help: "A timeline file, such as Timelines/mtp-to-esmtp.json.")],
        options: [
            .option("out", value: "DIR", help: "Directory for index.html, report.md, results.csv and results.json."),
            .flag("quiet", short: "q", help: "No progress on standard error."),
        ])
    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode { throw notBuilt(spec) }
}

enum TraceCommand: Subcommand {
    static let spec = CommandSpec(
        name: "trace", abstract: "Show one message's whole journey: hops, DNS, commands and replies.",
        arguments: [.required("scenario", help: "A scenario file (JSON).")],
        options: [
            .option("message", value: "ID", help: "The message to follow."),
            .option("era", value: "era", help: "The era to run."),
            .option("format", value: "format", help: "text, mermaid or svg.", default: "text"),
        ])
    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode { throw notBuilt(spec) }
}

enum ServeCommand: Subcommand {
    static let spec = CommandSpec(
        name: "serve", abstract: "Serve a dialect on a real TCP socket (127.0.0.1 by default).",
        options: [
            .option("dialect", value: "dialect", help: "mtp780, smtp788, smtp821, esmtp or smtp2821."),
            .option("listen", value: "ADDR:PORT", help: "Where to listen.", default: "127.0.0.1:2525"),
            .option("domain", value: "NAME", help: "The mail domain this server accepts mail for."),
            .option("mailbox-dir", value: "DIR", help: "Where delivered messages are written."),
            .flag("transcript", help: "Log every command and reply to standard error."),
        ])
    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode { throw notBuilt(spec) }
}

enum SendCommand: Subcommand {
    static let spec = CommandSpec(
        name: "send", abstract: "Deliver one message to a real server in a given dialect.",
        arguments: [.optional("file", help: "The message (RFC 822 text); '-' or nothing reads standard input.")],
        options: [
            .option("dialect", value: "dialect", help: "mtp780, smtp788, smtp821, esmtp or smtp2821."),
            .option("server", value: "HOST:PORT", help: "The server to deliver to."),
            .option("from", value: "ADDRESS", help: "The reverse-path."),
            .option("to", value: "ADDRESS", help: "A recipient.", repeatable: true),
            .flag("transcript", help: "Log every command and reply to standard error."),
        ])
    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode { throw notBuilt(spec) }
}

enum ErasCommand: Subcommand {
    static let spec = CommandSpec(
        name: "eras", abstract: "List the eras (dialect + routing + DNS) with their RFCs.")
    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode { throw notBuilt(spec) }
}

func notBuilt(_ spec: CommandSpec) -> CLIError {
    CLIError.failure("'mailpath \(spec.name)' is not built yet in this version; see the open issues in README.md")
}
