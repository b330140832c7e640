import Experiments
import MailAgent
import Reports

/// `mailpath eras [--factors]`.
enum ErasCommand: Subcommand {
    static let spec = CommandSpec(
        name: "eras", abstract: "List the eras with their RFCs; --factors shows the settings each is made of.",
        discussion: """
            An era is a named set of factor settings. Any factor can be set otherwise for a run \
            (--set FACTOR=VALUE on run, compare and trace), and 'compare A B --attribute' measures \
            each differing factor's share of every change between two eras.
            """,
        options: [.flag("factors", help: "Show each era's factor settings, and what each factor changes.")],
        examples: ["mailpath eras", "mailpath eras --factors"])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        if arguments.flag("factors") {
            context.console.out(factorTable())
            return .success
        }
        let rows = Era.all.map { era in
            [
                era.name, String(era.year), era.dialect.rawValue, routing(era), era.dns ? "on" : "off",
                era.factors.transport.rawValue, era.retry.name, era.rfcs.joined(separator: ", "),
            ]
        }
        var text =
            Table(headers: ["era", "year", "dialect", "routing", "DNS", "ARPANET", "retries", "RFCs"], rows: rows).text
            + "\n"
        for era in Era.all { text += "\(era.name): \(era.summary)\n" }
        text +=
            "\nEach era runs the networks of its year (founded by then) and, before the flag day of 1 January 1983, the ARPANET (networks marked \"ncp\") over NCP: 'mailpath eras --factors'.\n"
        context.console.out(text)
        return .success
    }

    /// Eras down, factors across; then each factor's values and meaning.
    static func factorTable() -> String {
        let rows = Era.all.map { era in [era.name] + Factor.allCases.map { $0.value(in: era.factors) } }
        var text = Table(headers: ["era"] + Factor.allCases.map(\.rawValue), rows: rows).text + "\n"
        for factor in Factor.allCases {
            text += "\(factor.rawValue): \(factor.help)\n    values: \(factor.values.joined(separator: ", "))\n"
        }
        return text
    }

    static func routing(_ era: Era) -> String {
        switch era.routing {
        case .directOnly: "direct only (host table)"
        case .sourceRoutes: "host table, source routes"
        case .mx(let rules):
            rules.shufflesEqualPreferences || !rules.followsSourceRoutes ? "MX direct (RFC 2821)" : "MX (RFC 974)"
        case .smartHost(let host): "smart host \(host)"
        case .gatewayForOthers(let host): "via gateway \(host)"
        }
    }
}
