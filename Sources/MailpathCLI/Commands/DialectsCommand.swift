import Experiments
import MailDialects

/// `mailpath dialects [NAME] [--matrix] [--markdown]`.
enum DialectsCommand: Subcommand {
    static let spec = CommandSpec(
        name: "dialects", abstract: "List the protocol dialects with their RFCs, or show one in detail.",
        discussion: """
            Without a name, one line per dialect. With a name (ftp765, mtp772, mtp780, smtp788, smtp821, smtp1123, esmtp, smtp2821, \
            smtp5321), its commands with RFC sections, limits, reply codes and a sample session run through \
            the engines. --matrix runs every sender against every receiver; --markdown prints the whole \
            reference that Docs/dialects.md holds.
            """,
        arguments: [.optional("dialect", help: "A dialect to show in detail, such as mtp780.")],
        options: [
            .flag("matrix", help: "Show what happens when each sender meets each receiver."),
            .flag("markdown", help: "Print the full reference as Markdown (Docs/dialects.md)."),
        ],
        examples: ["mailpath dialects", "mailpath dialects mtp780", "mailpath dialects --matrix"])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        if arguments.flag("markdown") {
            context.console.out(DialectReference.markdown())
        } else if arguments.flag("matrix") {
            context.console.out(DialectReference.matrixText())
        } else if let name = arguments.positionals.first {
            context.console.out(DialectReference.detail(try dialect(named: name)))
        } else {
            context.console.out(DialectReference.list())
        }
        return .success
    }

    /// A dialect by name, or a usage error with a suggestion.
    static func dialect(named name: String) throws -> DialectID {
        if let dialect = Dialects.named(name) { return dialect }
        let names = DialectID.allCases.map(\.rawValue)
        var message = "unknown dialect '\(name)'"
        if let suggestion = Suggestions.closest(to: name, among: names) { message += "; did you mean '\(suggestion)'?" }
        throw CLIError.usage(message + " (known: \(names.joined(separator: ", ")))")
    }
}
