/// Subcommands whose engines are not built yet. Their help is real, so the command line is
/// complete and discoverable; running them says plainly that the feature has not landed.


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


func notBuilt(_ spec: CommandSpec) -> CLIError {
    CLIError.failure("'mailpath \(spec.name)' is not built yet in this version; see the open issues in README.md")
}
