import MailCore

/// An SMTP command (RFC 821 §4.1.2, RFC 1869 §4.1.1 and §6), shared by the sender, which renders it,
/// and the receiver, which parses it.
public enum SMTPCommand: Hashable, Sendable {
    case helo(String)
    case ehlo(String)
    /// MAIL, SEND, SOML or SAML with a reverse-path and optional RFC 1870/1652 parameters.
    case mail(DeliveryMode, Path, MailParameters)
    case rcpt(Path)
    case data
    case rset
    case vrfy(String)
    case expn(String)
    case help(String?)
    case noop(String?)
    case quit
    case turn

    public var verb: SMTPVerb {
        switch self {
        case .helo: .helo
        case .ehlo: .ehlo
        case .mail(let mode, _, _):
            switch mode {
            case .mail: .mail
            case .send: .send
            case .sendOrMail: .soml
            case .sendAndMail: .saml
            }
        case .rcpt: .rcpt
        case .data: .data
        case .rset: .rset
        case .vrfy: .vrfy
        case .expn: .expn
        case .help: .help
        case .noop: .noop
        case .quit: .quit
        case .turn: .turn
        }
    }

    /// The command line without CR LF, paths in the given style.
    public func text(_ style: RouteStyle) -> String {
        switch self {
        case .helo(let name): "HELO \(name)"
        case .ehlo(let name): "EHLO \(name)"
        case .mail(let mode, let path, let parameters): "\(mode.rawValue) FROM:\(path.text(style))\(parameters.text)"
        case .rcpt(let path): "RCPT TO:\(path.text(style))"
        case .data: "DATA"
        case .rset: "RSET"
        case .vrfy(let string): "VRFY \(string)"
        case .expn(let string): "EXPN \(string)"
        case .help(let topic): topic.map { "HELP \($0)" } ?? "HELP"
        case .noop(let string): string.map { "NOOP \($0)" } ?? "NOOP"
        case .quit: "QUIT"
        case .turn: "TURN"
        }
    }

    /// The command as written on the wire, with CR LF.
    public func encoded(_ style: RouteStyle) -> [UInt8] {
        var bytes = Array(text(style).utf8)
        bytes.append(contentsOf: [0x0d, 0x0a])
        return bytes
    }
}

/// MAIL parameters of RFC 1870 (`SIZE=`) and RFC 1652 (`BODY=`).
public struct MailParameters: Hashable, Sendable {
    public var size: Int?
    public var body: BodyType?

    public init(size: Int? = nil, body: BodyType? = nil) {
        self.size = size
        self.body = body
    }

    public static let none = MailParameters()

    var text: String {
        var text = ""
        if let size { text += " SIZE=\(size)" }
        if let body { text += " BODY=\(body.rawValue)" }
        return text
    }
}

/// Why a receiver could not take a command line; each maps to the reply the RFCs prescribe.
public enum SMTPCommandError: Error, Hashable, Sendable {
    /// 500: not a command of this dialect (RFC 821 §4.2.1; RFC 1869 §4.6 for EHLO).
    case unrecognized(String)
    /// 502: recognised but not implemented here.
    case notImplemented(SMTPVerb)
    /// 501: bad arguments.
    case syntax(SMTPVerb, String)
    /// 501 or 553: a path that cannot be accepted.
    case path(SMTPVerb, PathError)
    /// 555 (RFC 1869 §6.1) or the dialect's equivalent.
    case unknownParameter(SMTPVerb, String)
}

extension SMTPCommand {
    /// Parses one command line (without CR LF).
    ///
    /// Command words are case-insensitive (RFC 821 §4.1.2). Following Postel's robustness principle
    /// we accept spaces after `FROM:` and `TO:`, which RFC 2821 §4.1.2 says clients must not send.
    /// MAIL and RCPT parameters are accepted only after EHLO (RFC 1869 §6).
    public static func parse(_ line: ArraySlice<UInt8>, rules: SMTPRules, extended: Bool) -> Result<SMTPCommand, SMTPCommandError> {
        guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7f || $0 == 0x09 }) else {
            return .failure(.unrecognized("command line with control or 8-bit bytes"))
        }
        let text = Substring(decoding: line, as: UTF8.self)
        let word = text.prefix { $0 != " " }
        let argument = text.dropFirst(word.count).drop { $0 == " " }
        guard let verb = SMTPVerb(rawValue: word.uppercased()), rules.knows(verb) else {
            return .failure(.unrecognized(String(word.prefix(16))))
        }
        switch verb {
        case .helo, .ehlo:
            let name = argument.trimmingTrailingSpaces()
            guard !name.isEmpty, !name.contains(" "), Domain.validate(name, maxLength: rules.pathLimits.domain) == nil else {
                return .failure(.syntax(verb, "requires a domain name"))
            }
            return .success(verb == .helo ? .helo(String(name)) : .ehlo(String(name)))
        case .mail, .send, .soml, .saml:
            let mode: DeliveryMode = verb == .mail ? .mail : verb == .send ? .send : verb == .soml ? .sendOrMail : .sendAndMail
            return parsePathArgument(argument, keyword: "FROM:", verb: verb, rules: rules, extended: extended, reverse: true)
                .map { .mail(mode, $0.0, $0.1) }
        case .rcpt:
            return parsePathArgument(argument, keyword: "TO:", verb: verb, rules: rules, extended: extended, reverse: false)
                .flatMap { path, parameters in
                    parameters == .none ? .success(.rcpt(path)) : .failure(.unknownParameter(.rcpt, "no RCPT parameters are supported"))
                }
        case .data, .rset, .quit, .turn:
            // RFC 2821 §4.3.2 (and 821's syntax): these take no argument; one is a syntax error.
            guard argument.trimmingTrailingSpaces().isEmpty else { return .failure(.syntax(verb, "takes no argument")) }
            switch verb {
            case .data: return .success(.data)
            case .rset: return .success(.rset)
            case .quit: return .success(.quit)
            default: return .success(.turn)
            }
        case .vrfy, .expn:
            let string = argument.trimmingTrailingSpaces()
            guard !string.isEmpty else { return .failure(.syntax(verb, "requires an argument")) }
            return .success(verb == .vrfy ? .vrfy(String(string)) : .expn(String(string)))
        case .help, .noop:
            let string = argument.trimmingTrailingSpaces()
            let value = string.isEmpty ? nil : String(string)
            return .success(verb == .help ? .help(value) : .noop(value))
        }
    }

    /// `FROM:<path> [params]` or `TO:<path> [params]`.
    private static func parsePathArgument(
        _ argument: Substring, keyword: String, verb: SMTPVerb, rules: SMTPRules, extended: Bool, reverse: Bool
    ) -> Result<(Path, MailParameters), SMTPCommandError> {
        guard argument.count >= keyword.count, argument.prefix(keyword.count).uppercased() == keyword else {
            return .failure(.syntax(verb, "expected \(keyword)<path>"))
        }
        let rest = argument.dropFirst(keyword.count).drop { $0 == " " }
        guard let end = closingBracket(in: rest) else { return .failure(.syntax(verb, "expected <path>")) }
        let pathText = rest[...end]
        let parameterText = rest[rest.index(after: end)...]
        let path: Path
        switch Path.parse(
            pathText, style: rules.routeStyle, limits: rules.pathLimits, allowNull: reverse,
            allowPostmaster: !reverse && rules.acceptsBarePostmaster)
        {
        case .success(let parsed): path = parsed
        case .failure(let error): return .failure(.path(verb, error))
        }
        let words = parameterText.split(separator: " ")
        guard !words.isEmpty else { return .success((path, .none)) }
        guard parameterText.first == " " else { return .failure(.syntax(verb, "expected a space after the path")) }
        guard rules.hasEHLO else { return .failure(.syntax(verb, "unexpected text after the path")) }
        guard extended, verb != .rcpt else {
            return .failure(.unknownParameter(verb, "parameters need EHLO"))
        }
        var parameters = MailParameters()
        for word in words {
            let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].uppercased()
            let value = parts.count == 2 ? parts[1].uppercased() : nil
            switch (key, value) {
            case ("SIZE", let value?) where parameters.size == nil:
                // RFC 1870 §3: size-value ::= 1*20DIGIT; only one SIZE per MAIL.
                guard value.count <= 20, value.allSatisfy(\.isNumber), let size = Int(value) else {
                    return .failure(.syntax(verb, "SIZE needs a number"))
                }
                parameters.size = size
            case ("BODY", let value?) where parameters.body == nil:
                // RFC 1652 §3: body-value ::= "7BIT" / "8BITMIME".
                guard let body = BodyType(rawValue: value) else { return .failure(.unknownParameter(verb, "unknown BODY=\(value)")) }
                parameters.body = body
            default:
                return .failure(.unknownParameter(verb, "unknown parameter \(word.prefix(20))"))
            }
        }
        return .success((path, parameters))
    }

    /// Index of the `>` closing a path that starts at the first character, skipping quoted text.
    private static func closingBracket(in text: Substring) -> Substring.Index? {
        guard text.first == "<" else { return nil }
        var quoted = false
        var escaped = false
        for index in text.indices.dropFirst() {
            let character = text[index]
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == ">" && !quoted {
                return index
            }
        }
        return nil
    }
}

extension Substring {
    func trimmingTrailingSpaces() -> Substring {
        var result = self
        while result.last == " " || result.last == "\t" { result.removeLast() }
        return result
    }
}
