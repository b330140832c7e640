/// The declared shape of a subcommand: what `--help` prints and what the parser accepts.
public struct CommandSpec: Sendable {
    public var name: String
    /// One line for the subcommand list and the OVERVIEW.
    public var abstract: String
    /// Paragraphs after the overview.
    public var discussion: String?
    public var arguments: [ArgumentSpec]
    public var options: [OptionSpec]
    /// Example invocations shown at the end of the help.
    public var examples: [String]

    public init(
        name: String, abstract: String, discussion: String? = nil, arguments: [ArgumentSpec] = [],
        options: [OptionSpec] = [], examples: [String] = []
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.arguments = arguments
        self.options = options + [.flag("help", short: "h", help: "Show help information.")]
        self.examples = examples
    }
}

/// A positional argument.
public struct ArgumentSpec: Sendable {
    public var name: String
    public var help: String
    public var isOptional: Bool
    /// Takes every remaining positional argument.
    public var isVariadic: Bool

    public static func required(_ name: String, help: String) -> ArgumentSpec {
        ArgumentSpec(name: name, help: help, isOptional: false, isVariadic: false)
    }
    public static func optional(_ name: String, help: String) -> ArgumentSpec {
        ArgumentSpec(name: name, help: help, isOptional: true, isVariadic: false)
    }
}

/// A `--name` flag, or a `--name VALUE` option (also written `--name=VALUE`).
public struct OptionSpec: Sendable {
    public var name: String
    public var short: Character?
    /// `nil` for a flag; otherwise the placeholder shown in help, such as `N` or `DIR`.
    public var valueName: String?
    public var help: String
    public var defaultValue: String?
    public var isRepeatable: Bool

    public static func flag(_ name: String, short: Character? = nil, help: String) -> OptionSpec {
        OptionSpec(name: name, short: short, valueName: nil, help: help, defaultValue: nil, isRepeatable: false)
    }

    public static func option(
        _ name: String, short: Character? = nil, value: String, help: String, default defaultValue: String? = nil,
        repeatable: Bool = false
    ) -> OptionSpec {
        OptionSpec(
            name: name, short: short, valueName: value, help: help, defaultValue: defaultValue, isRepeatable: repeatable
        )
    }

    var isFlag: Bool { valueName == nil }
}

/// What the parser found on a command line.
public struct ParsedArguments: Sendable, Equatable {
    public var positionals: [String] = []
    var values: [String: [String]] = [:]
    var flags: Set<String> = []

    /// The last value given for an option, or `nil`.
    public func value(_ name: String) -> String? { values[name]?.last }
    /// Every value given for a repeatable option, in order.
    public func values(_ name: String) -> [String] { values[name] ?? [] }
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// An integer option, with a usage error naming the option when the value is not an integer
    /// in `range`.
    public func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int> = Int.min...Int.max) throws
        -> Int
    {
        guard let text = value(name) else { return fallback }
        guard let number = Int(text.replacingUnderscores()), range.contains(number) else {
            let bounds = range == Int.min...Int.max ? "" : " from \(range.lowerBound) to \(range.upperBound)"
            throw CLIError.usage("--\(name) expects a whole number\(bounds), got '\(text)'")
        }
        return number
    }
}

extension String {
    /// `1_000_000` → `1000000`, so large counts can be written readably.
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
