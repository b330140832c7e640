import Experiments
import MailSockets

/// Parses a subcommand's arguments against its spec. Errors are usage errors (exit 64) that say
/// what was wrong and, for a misspelt option, what was probably meant.
enum ArgumentParser {
    static func parse(_ arguments: [String], for spec: CommandSpec) throws -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || argument == "-" || !argument.hasPrefix("-") {
                parsed.positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            let (option, inlineValue) = try resolve(argument, in: spec)
            if option.isFlag {
                if inlineValue != nil { throw CLIError.usage("--\(option.name) takes no value") }
                parsed.flags.insert(option.name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else if index < arguments.count {
                value = arguments[index]
                index += 1
            } else {
                throw CLIError.usage("--\(option.name) needs a value (\(option.valueName!))")
            }
            // An empty directory or file name would write into the current folder's root, or "/".
            if value.isEmpty, option.valueName == "DIR" || option.valueName == "FILE" {
                throw CLIError.usage(
                    "--\(option.name) needs a \(option.valueName == "DIR" ? "directory" : "file") name, not an empty one"
                )
            }
            if !option.isRepeatable, parsed.values[option.name] != nil {
                throw CLIError.usage("--\(option.name) was given more than once")
            }
            parsed.values[option.name, default: []].append(value)
        }
        if parsed.flag("help") { return parsed }
        try checkPositionals(parsed.positionals, for: spec)
        return parsed
    }

    private static func resolve(_ argument: String, in spec: CommandSpec) throws -> (OptionSpec, String?) {
        if argument.hasPrefix("--") {
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let value = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
            guard let option = spec.options.first(where: { $0.name == name }) else {
                throw unknownOption("--" + name, in: spec)
            }
            return (option, value)
        }
        let letters = Array(argument.dropFirst())
        guard letters.count == 1, let option = spec.options.first(where: { $0.short == letters[0] }) else {
            throw unknownOption(argument, in: spec)
        }
        return (option, nil)
    }

    private static func unknownOption(_ written: String, in spec: CommandSpec) -> CLIError {
        let candidates = spec.options.map { "--" + $0.name }
        var message = "unknown option '\(written)' for '\(spec.name)'"
        if let suggestion = Suggestions.closest(to: written, among: candidates) {
            message += "; did you mean '\(suggestion)'?"
        }
        return CLIError.usage(message + " (see 'mailpath \(spec.name) --help')")
    }

    private static func checkPositionals(_ positionals: [String], for spec: CommandSpec) throws {
        let required = spec.arguments.filter { !$0.isOptional }
        if positionals.count < required.count {
            let missing = required[positionals.count]
            throw CLIError.usage("'\(spec.name)' needs \(missing.name): \(missing.help.prefix { $0 != "." })")
        }
        if !spec.arguments.contains(where: \.isVariadic), positionals.count > spec.arguments.count {
            let extra = positionals[spec.arguments.count]
            throw CLIError.usage(
                "unexpected argument '\(extra)' for '\(spec.name)' (see 'mailpath \(spec.name) --help')")
        }
    }
}

/// A socket address as a user writes it on the command line: `127.0.0.1:2525`, `[::1]:25`
/// (RFC 3986 §3.2.2 brackets an IPv6 literal, so that its colons are not the port's).
struct HostAndPort: Equatable {
    var host: String
    var port: UInt16

    init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    init(_ text: String, option: String, example: String = "127.0.0.1:2525") throws {
        guard let (host, portText) = AddressText.split(text) else {
            throw CLIError.usage(
                "--\(option) expects ADDR:PORT, such as \(example) or [::1]:2525 for IPv6, got '\(text)'")
        }
        guard !host.isEmpty, let port = UInt16(portText) else {
            throw CLIError.usage(
                "--\(option) expects ADDR:PORT with a port from 0 to 65535, such as \(example), got '\(text)'")
        }
        self.host = String(host)
        self.port = port
    }
}
