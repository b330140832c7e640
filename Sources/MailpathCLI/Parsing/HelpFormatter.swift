/// Renders help in the OVERVIEW / USAGE / ARGUMENTS / OPTIONS / SUBCOMMANDS layout familiar from
/// swift-argument-parser, wrapped at 80 columns.
enum HelpFormatter {
    static let width = 80
    static let labelWidth = 26

    static func help(for spec: CommandSpec) -> String {
        var text = "OVERVIEW: " + spec.abstract + "\n"
        if let discussion = spec.discussion { text += "\n" + wrap(discussion, indent: 0) }
        text += "\nUSAGE: " + wrapLines(usage(for: spec), width: width - 7).joined(separator: "\n       ") + "\n"
        if !spec.arguments.isEmpty {
            text += "\nARGUMENTS:\n"
            for argument in spec.arguments { text += row("<\(argument.name)>", argument.help) }
        }
        text += "\nOPTIONS:\n"
        for option in spec.options {
            var label = option.short.map { "-\($0), " } ?? ""
            label += "--" + option.name + (option.valueName.map { " <\($0)>" } ?? "")
            var help = option.help
            if let defaultValue = option.defaultValue { help += " (default: \(defaultValue))" }
            if option.isRepeatable { help += " Can be repeated." }
            text += row(label, help)
        }
        if !spec.examples.isEmpty {
            text += "\nEXAMPLES:\n" + spec.examples.map { "  " + $0 + "\n" }.joined()
        }
        return text
    }

    static func usage(for spec: CommandSpec) -> String {
        var parts = ["mailpath", spec.name]
        for argument in spec.arguments {
            let name = "<\(argument.name)>" + (argument.isVariadic ? " ..." : "")
            parts.append(argument.isOptional ? "[\(name)]" : name)
        }
        for option in spec.options where option.name != "help" {
            let body = "--" + option.name + (option.valueName.map { " <\($0)>" } ?? "")
            parts.append("[" + body + "]" + (option.isRepeatable ? " ..." : ""))
        }
        return parts.joined(separator: " ")
    }

    static func topLevel(commands: [CommandSpec], version: String) -> String {
        var text = """
            OVERVIEW: Mailpath simulates how e-mail crossed networks from 1980 to 2008 — RFC 765 mail \
            in FTP, RFC 772 and 780 MTP, RFC 821 SMTP with source routes, RFC 974 MX routing, ESMTP, \
            RFC 2821 and RFC 5321 — and compares the eras on identical workloads.
            """
        text = wrap(text, indent: 0)
        text += "\nUSAGE: mailpath <subcommand> [<arguments>] [<options>]\n"
        text += "\nOPTIONS:\n"
        text += row("--version", "Show the version (\(version)).")
        text += row("-h, --help", "Show help information.")
        text += "\nSUBCOMMANDS:\n"
        for command in commands { text += row(command.name, command.abstract) }
        text += "\n  See 'mailpath help <subcommand>' for detailed help.\n"
        return text
    }

    /// `  label                   help text wrapped under itself`
    static func row(_ label: String, _ help: String) -> String {
        let indent = String(repeating: " ", count: labelWidth)
        let lines = wrapLines(help, width: width - labelWidth)
        var text = "  " + label
        if label.count + 2 >= labelWidth {
            text += "\n" + indent
        } else {
            text += String(repeating: " ", count: labelWidth - label.count - 2)
        }
        text += lines.joined(separator: "\n" + indent) + "\n"
        return text
    }

    static func wrap(_ text: String, indent: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { paragraph in
            let pad = String(repeating: " ", count: indent)
            return wrapLines(String(paragraph), width: width - indent).map { pad + $0 }.joined(separator: "\n")
        }.joined(separator: "\n") + "\n"
    }

    static func wrapLines(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        lines.append(line)
        return lines
    }
}
