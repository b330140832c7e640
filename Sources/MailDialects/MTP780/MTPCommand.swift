import MailCore

// RFC 780 §5.1.2, command syntax:
//   MAIL <SP> FROM:<sender-path> [<SP> TO:<receiver-path>] <CRLF>
//   MRSQ [<SP> <scheme>] <CRLF>      MRCP <SP> TO:<receiver-path> <CRLF>
//   HELP [<SP> <string>] <CRLF>      QUIT <CRLF>   NOOP <CRLF>   CONT <CRLF>   ABRT <CRLF>
// Paths use the comma form "<@ONE,@TWO,JOE@THREE>"; §5.5.3 sizes: user 40, host 20, path 100,
// command line 200, reply line 65, text line 1000.

/// The limits of RFC 780 §5.5.3.
public enum MTPLimits {
    public static let path = PathLimits(path: 100, domain: 20, localPart: 40)
    public static let commandLine = 200
    public static let replyLine = 65
    public static let textLine = 1000
    /// The reply codes of RFC 780 §5.2.2.
    public static let replyCodes: Set<ReplyCode> = Set(
        [120, 151, 152, 200, 201, 211, 214, 215, 220, 221, 250, 354, 421, 450, 451, 452, 500, 501, 502, 503, 504, 550, 552, 553]
            .map { ReplyCode($0) })
}

/// The argument of MRSQ (RFC 780 §4.1).
public enum MRSQArgument: Hashable, Sendable {
    /// No argument: select no scheme; must always answer 200.
    case none
    /// `?`: ask for the preferred scheme (215).
    case query
    case scheme(MTPScheme)
}

/// An MTP command (RFC 780 §5.1).
public enum MTPCommand: Hashable, Sendable {
    /// MAIL with an optional receiver-path; without one, the selected multi-recipient scheme applies.
    case mail(from: Path, to: Path?)
    case mrsq(MRSQArgument)
    case mrcp(Path)
    case help(String?)
    case quit
    case noop
    case cont
    case abrt

    public var verb: String {
        switch self {
        case .mail: "MAIL"
        case .mrsq: "MRSQ"
        case .mrcp: "MRCP"
        case .help: "HELP"
        case .quit: "QUIT"
        case .noop: "NOOP"
        case .cont: "CONT"
        case .abrt: "ABRT"
        }
    }

    public var text: String {
        switch self {
        case .mail(let from, let to): "MAIL FROM:\(from.text(.comma))" + (to.map { " TO:\($0.text(.comma))" } ?? "")
        case .mrsq(.none): "MRSQ"
        case .mrsq(.query): "MRSQ ?"
        case .mrsq(.scheme(let scheme)): "MRSQ \(scheme.rawValue)"
        case .mrcp(let path): "MRCP TO:\(path.text(.comma))"
        case .help(let topic): topic.map { "HELP \($0)" } ?? "HELP"
        case .quit: "QUIT"
        case .noop: "NOOP"
        case .cont: "CONT"
        case .abrt: "ABRT"
        }
    }

    public var encoded: [UInt8] { Array(text.utf8) + [0x0d, 0x0a] }

    /// Why a line is not a command: 500 unknown command, 501 bad argument, 504 unknown scheme.
    public enum ParseError: Error, Hashable, Sendable {
        case unrecognized
        case syntax(String)
        case path(PathError)
        case unknownScheme
    }

    /// Parses a command line (without CR LF). Command words and scheme letters are case-insensitive;
    /// "one or more spaces" separate the command from its argument (§5.1.2).
    public static func parse(_ line: ArraySlice<UInt8>) -> Result<MTPCommand, ParseError> {
        guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7f || $0 == 0x09 }) else { return .failure(.unrecognized) }
        let text = Substring(decoding: line, as: UTF8.self)
        let word = text.prefix { $0 != " " }.uppercased()
        let argument = text.dropFirst(word.count).drop { $0 == " " }.trimmingTrailingSpaces()
        switch word {
        case "MAIL":
            guard argument.prefix(5).uppercased() == "FROM:" else { return .failure(.syntax("expected FROM:<sender-path>")) }
            let rest = argument.dropFirst(5).drop { $0 == " " }
            guard let close = rest.firstIndex(of: ">") else { return .failure(.syntax("expected FROM:<sender-path>")) }
            let fromText = rest[...close]
            let after = rest[rest.index(after: close)...].drop { $0 == " " }
            let from: Path
            switch Path.parse(fromText, style: .comma, limits: MTPLimits.path) {
            case .success(let path): from = path
            case .failure(let error): return .failure(.path(error))
            }
            if after.isEmpty { return .success(.mail(from: from, to: nil)) }
            guard after.prefix(3).uppercased() == "TO:" else { return .failure(.syntax("expected TO:<receiver-path>")) }
            switch Path.parse(after.dropFirst(3).drop { $0 == " " }, style: .comma, limits: MTPLimits.path) {
            case .success(let to): return .success(.mail(from: from, to: to))
            case .failure(let error): return .failure(.path(error))
            }
        case "MRSQ":
            switch argument.uppercased() {
            case "": return .success(.mrsq(.none))
            case "?": return .success(.mrsq(.query))
            case "R": return .success(.mrsq(.scheme(.recipientsFirst)))
            case "T": return .success(.mrsq(.scheme(.textFirst)))
            default: return .failure(.unknownScheme)
            }
        case "MRCP":
            guard argument.prefix(3).uppercased() == "TO:" else { return .failure(.syntax("expected TO:<receiver-path>")) }
            switch Path.parse(argument.dropFirst(3).drop { $0 == " " }, style: .comma, limits: MTPLimits.path) {
            case .success(let path): return .success(.mrcp(path))
            case .failure(let error): return .failure(.path(error))
            }
        case "HELP": return .success(.help(argument.isEmpty ? nil : String(argument)))
        case "QUIT", "NOOP", "CONT", "ABRT":
            guard argument.isEmpty else { return .failure(.syntax("\(word) takes no argument")) }
            return .success(word == "QUIT" ? .quit : word == "NOOP" ? .noop : word == "CONT" ? .cont : .abrt)
        default:
            return .failure(.unrecognized)
        }
    }
}
