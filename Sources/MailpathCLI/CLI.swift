import Experiments

/// The `mailpath` command line: parses arguments, dispatches to a subcommand, maps errors to exit codes.
///
/// Everything lives here, in a library, so tests can run any command line and read its output;
/// `main.swift` only builds the console and exits with what `run` returns.
public enum CLI {
    public static let version = "0.1.0"

    /// Every subcommand, in the order `mailpath --help` lists them.
    static let subcommands: [any Subcommand.Type] = [
        RunCommand.self, CompareCommand.self, TimelineCommand.self, TraceCommand.self,
        ServeCommand.self, SendCommand.self, DialectsCommand.self, ErasCommand.self, BenchCommand.self,
        GenerateCommand.self, SweepCommand.self,
        LabCommand.self,
    ]

    /// Runs one command line (without the program name) and returns the exit code.
    public static func run(arguments: [String], console: Console) -> ExitCode {
        let code = runCommand(arguments: arguments, console: console)
        if let failure = console.outFailure() {
            console.err("mailpath: error: cannot write the results to standard output: \(failure)\n")
            return .ioError
        }
        return code
    }

    private static func runCommand(arguments: [String], console: Console) -> ExitCode {
        do {
            return try dispatch(arguments, console: console)
        } catch let error as CLIError {
            console.err("mailpath: error: \(error.message)\n")
            return error.code
        } catch {
            console.err("mailpath: error: \(error)\n")
            return .failure
        }
    }

    static func dispatch(_ arguments: [String], console: Console) throws -> ExitCode {
        let specs = subcommands.map { $0.spec }
        guard let first = arguments.first else {
            console.out(HelpFormatter.topLevel(commands: specs, version: version))
            return .success
        }
        switch first {
        case "-h", "--help":
            console.out(HelpFormatter.topLevel(commands: specs, version: version))
            return .success
        case "--version":
            console.out("mailpath \(version)\n")
            return .success
        case "help":
            guard arguments.count > 1 else {
                console.out(HelpFormatter.topLevel(commands: specs, version: version))
                return .success
            }
            let command = try find(arguments[1])
            console.out(HelpFormatter.help(for: command.spec))
            return .success
        default:
            if first.hasPrefix("-") {
                var message = "unknown option '\(first)'"
                if let suggestion = Suggestions.closest(to: first, among: ["--help", "--version"]) {
                    message += "; did you mean '\(suggestion)'?"
                }
                throw CLIError.usage(message + " (see 'mailpath --help')")
            }
            let command = try find(first)
            let parsed = try ArgumentParser.parse(Array(arguments.dropFirst()), for: command.spec)
            if parsed.flag("help") {
                console.out(HelpFormatter.help(for: command.spec))
                return .success
            }
            return try command.run(parsed, context: CommandContext(console: console))
        }
    }

    static func find(_ name: String) throws -> any Subcommand.Type {
        if let command = subcommands.first(where: { $0.spec.name == name }) { return command }
        var message = "unknown subcommand '\(name)'"
        if let suggestion = Suggestions.closest(to: name, among: subcommands.map { $0.spec.name }) {
            message += "; did you mean '\(suggestion)'?"
        }
        throw CLIError.usage(message + " (see 'mailpath --help')")
    }
}

/// What a subcommand may use while it runs.
public struct CommandContext: Sendable {
    public var console: Console

    /// Writes a progress line to standard error, only when it is a terminal and not `--quiet`.
    func progress(_ text: String, quiet: Bool) {
        guard console.errIsTerminal, !quiet else { return }
        console.err("\r\u{1B}[K" + text)
    }
}

/// One `mailpath` subcommand.
protocol Subcommand: Sendable {
    static var spec: CommandSpec { get }
    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode
}
