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
        [
            120, 151, 152, 200, 201, 211, 214, 215, 220, 221, 250, 354, 421, 450, 451, 452, 500, 501, 502, 503, 504,
            550, 552, 553,
        ]
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

/// RFC 765's mail-to-terminal commands ("Appendix on mail").
public enum TerminalMode: String, Hashable, Sendable {
    /// SeND to terminal: 450 "if the addressee is refusing or not logged in".
    case msnd = "MSND"
    /// Send to terminal Or Mailbox: 119 when the terminal is not available, then mailed.
    case msom = "MSOM"
    /// Send to terminal And Mailbox: 119 when the terminal is not available; mailed in any case.
    case msam = "MSAM"
}

/// An MTP command (RFC 780 §5.1), or the mail commands of RFC 765 FTP and the RFC 772 draft.
/// Under RFC 765 a path is a bare user name (`Mailbox(localPart: ident, domain: nil)`) and the
/// sender is `Path.null`: FTP mail names no sender.
public enum MTPCommand: Hashable, Sendable {
    /// MAIL with an optional receiver-path; without one, the selected multi-recipient scheme applies.
    case mail(from: Path, to: Path?)
    /// RFC 765's MSND, MSOM and MSAM.
    case terminal(TerminalMode, to: Path)
    case mrsq(MRSQArgument)
    case mrcp(Path)
    case help(String?)
    case quit
    case noop
    case cont
    case abrt
    /// Another FTP command (USER, RETR, MLFL ...): this server does only mail, so 502 (RFC 765).
    case ftp(String)

    public var verb: String {
        switch self {
        case .mail: "MAIL"
        case .terminal(let mode, _): mode.rawValue
        case .mrsq: "MRSQ"
        case .mrcp: "MRCP"
        case .help: "HELP"
        case .quit: "QUIT"
        case .noop: "NOOP"
        case .cont: "CONT"
        case .abrt: "ABRT"
        case .ftp(let verb): verb
        }
    }

    /// The command in RFC 780's form.
    public var text: String { text(.rfc780) }

    /// The command as a dialect writes it.
    public func text(_ rules: MTPRules) -> String {
        switch self {
        case .mail(let from, let to):
            switch rules.addressing {
            case .ident: "MAIL" + (to.map { " " + Self.ident($0) } ?? "")
            case .mailboxSender:
                "MAIL FROM:\(from.withoutRoute.text(.comma))" + (to.map { " TO:\($0.text(.comma))" } ?? "")
            case .paths: "MAIL FROM:\(from.text(.comma))" + (to.map { " TO:\($0.text(.comma))" } ?? "")
            }
        case .terminal(let mode, let to): "\(mode.rawValue) \(Self.ident(to))"
        case .mrsq(.none): "MRSQ"
        case .mrsq(.query): "MRSQ ?"
        case .mrsq(.scheme(let scheme)): "MRSQ \(scheme.rawValue)"
        case .mrcp(let path): rules.addressing == .ident ? "MRCP \(Self.ident(path))" : "MRCP TO:\(path.text(.comma))"
        case .help(let topic): topic.map { "HELP \($0)" } ?? "HELP"
        case .quit: "QUIT"
        case .noop: "NOOP"
        case .cont: "CONT"
        case .abrt: "ABRT"
        case .ftp(let verb): verb
        }
    }

    public var encoded: [UInt8] { encoded(.rfc780) }

    public func encoded(_ rules: MTPRules) -> [UInt8] { Array(text(rules).utf8) + [0x0d, 0x0a] }

    /// RFC 765's `<ident>`: the user name at the receiving host.
    static func ident(_ path: Path) -> String { path.mailbox?.localPart ?? "" }

    /// Why a line is not a command: 500 unknown command, 501 bad argument, 504 unknown scheme.
    public enum ParseError: Error, Hashable, Sendable {
        case unrecognized
        case syntax(String)
        case path(PathError)
        case unknownScheme
    }

    /// The other commands of RFC 765's list ("The following are the FTP commands").
    static let otherFTPCommands: Set<String> = [
        "USER", "PASS", "ACCT", "REIN", "PORT", "PASV", "TYPE", "STRU", "MODE", "RETR", "STOR", "APPE", "MLFL", "ALLO",
        "REST",
        "RNFR", "RNTO", "ABOR", "DELE", "CWD", "LIST", "NLST", "SITE", "STAT",
    ]

    /// Parses a command line (without CR LF) in RFC 780's form.
    public static func parse(_ line: ArraySlice<UInt8>) -> Result<MTPCommand, ParseError> {
        parse(line, rules: .rfc780)
    }

    /// Parses a command line (without CR LF). Command words and scheme letters are case-insensitive;
    /// "one or more spaces" separate the command from its argument (RFC 780 §5.1.2).
    public static func parse(_ line: ArraySlice<UInt8>, rules: MTPRules) -> Result<MTPCommand, ParseError> {
        guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7f || $0 == 0x09 }) else { return .failure(.unrecognized) }
        let text = Substring(decoding: line, as: UTF8.self)
        let word = text.prefix { $0 != " " }.uppercased()
        let argument = text.dropFirst(word.count).drop { $0 == " " }.trimmingTrailingSpaces()
        switch word {
        case "MAIL" where rules.addressing == .ident:
            if argument.isEmpty { return .success(.mail(from: .null, to: nil)) }
            return identPath(argument, rules).map { .mail(from: .null, to: $0) }
        case "MSND" where rules.terminalCommands, "MSOM" where rules.terminalCommands,
            "MSAM" where rules.terminalCommands:
            return identPath(argument, rules).map { .terminal(TerminalMode(rawValue: word)!, to: $0) }
        case "MAIL":
            guard argument.prefix(5).uppercased() == "FROM:" else {
                return .failure(.syntax("expected FROM:<sender-path>"))
            }
            let rest = argument.dropFirst(5).drop { $0 == " " }
            guard let close = rest.firstIndex(of: ">") else { return .failure(.syntax("expected FROM:<sender-path>")) }
            let fromText = rest[...close]
            let after = rest[rest.index(after: close)...].drop { $0 == " " }
            let from: Path
            switch Path.parse(fromText, style: .comma, limits: rules.pathLimits) {
            case .success(let path): from = path
            case .failure(let error): return .failure(.path(error))
            }
            // RFC 772: "<sender> ::= "<" <mailbox> ">"", no route.
            if rules.addressing == .mailboxSender, !from.route.isEmpty {
                return .failure(.syntax("the sender is a mailbox, without a route"))
            }
            if after.isEmpty { return .success(.mail(from: from, to: nil)) }
            guard after.prefix(3).uppercased() == "TO:" else { return .failure(.syntax("expected TO:<receiver-path>")) }
            switch Path.parse(after.dropFirst(3).drop { $0 == " " }, style: .comma, limits: rules.pathLimits) {
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
        case "MRCP" where rules.addressing == .ident:
            return identPath(argument, rules).map { .mrcp($0) }
        case "MRCP":
            guard argument.prefix(3).uppercased() == "TO:" else {
                return .failure(.syntax("expected TO:<receiver-path>"))
            }
            switch Path.parse(argument.dropFirst(3).drop { $0 == " " }, style: .comma, limits: rules.pathLimits) {
            case .success(let path): return .success(.mrcp(path))
            case .failure(let error): return .failure(.path(error))
            }
        case "HELP": return .success(.help(argument.isEmpty ? nil : String(argument)))
        case "CONT" where !rules.hasContinuation, "ABRT" where !rules.hasContinuation:
            return .failure(.unrecognized)  // RFC 765 and 772 have no CONT or ABRT
        case "QUIT", "NOOP", "CONT", "ABRT":
            guard argument.isEmpty else { return .failure(.syntax("\(word) takes no argument")) }
            return .success(word == "QUIT" ? .quit : word == "NOOP" ? .noop : word == "CONT" ? .cont : .abrt)
        default:
            if rules.addressing == .ident, otherFTPCommands.contains(word) { return .success(.ftp(word)) }
            return .failure(.unrecognized)
        }
    }

    /// RFC 765's `<ident>`: one word naming a user of the server.
    private static func identPath(_ argument: Substring, _ rules: MTPRules) -> Result<Path, ParseError> {
        guard !argument.isEmpty, !argument.contains(" ") else { return .failure(.syntax("expected a user name")) }
        guard argument.utf8.count <= rules.pathLimits.localPart else {
            return .failure(.path(.localPartTooLong(limit: rules.pathLimits.localPart)))
        }
        return .success(Path(Mailbox(localPart: String(argument), domain: nil)))
    }
}
