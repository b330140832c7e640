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
        var bytes: [UInt8] = []
        encode(style, into: &bytes)
        return bytes
    }

    /// Appends the command as written on the wire, with CR LF, to `bytes` (the same text as
    /// `text(_:)`, written without building a string first).
    public func encode(_ style: RouteStyle, into bytes: inout [UInt8]) {
        switch self {
        case .mail(let mode, let path, let parameters):
            Self.encodeMail(mode, path, parameters, style, into: &bytes)
            return
        case .rcpt(let path):
            Self.encodeRecipient(path, style, into: &bytes)
            return
        case .data: bytes.append(literal: "DATA\r\n")
        case .quit: bytes.append(literal: "QUIT\r\n")
        case .rset: bytes.append(literal: "RSET\r\n")
        case .helo(let name), .ehlo(let name):
            bytes.write { line in
                line.put(literal: verb == .helo ? "HELO " : "EHLO ")
                line.put(utf8: name)
                line.put(literal: "\r\n")
            }
        default:
            bytes.write { line in
                line.put(utf8: text(style))
                line.put(literal: "\r\n")
            }
        }
    }

    /// Appends `MAIL FROM:<path>` (or SEND, SOML, SAML) with its parameters and CR LF, from the
    /// caller's path: a sender writes the command without building it (a path copied into a
    /// command retains every string in it).
    public static func encodeMail(
        _ mode: DeliveryMode, _ path: Path, _ parameters: MailParameters, _ style: RouteStyle, into bytes: inout [UInt8]
    ) {
        bytes.write { line in
            line.put(utf8: mode.rawValue)
            line.put(literal: " FROM:")
            path.write(style, to: &line)
            if let size = parameters.size {
                line.put(literal: " SIZE=")
                line.put(decimal: size)
            }
            if let body = parameters.body {
                line.put(literal: " BODY=")
                line.put(utf8: body.rawValue)
            }
            line.put(literal: "\r\n")
        }
    }

    /// Appends `RCPT TO:<path>` and CR LF (see `encodeMail`).
    public static func encodeRecipient(_ path: Path, _ style: RouteStyle, into bytes: inout [UInt8]) {
        bytes.write { line in
            line.put(literal: "RCPT TO:")
            path.write(style, to: &line)
            line.put(literal: "\r\n")
        }
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
    /// Parses one command line (without CR LF), working on the bytes.
    ///
    /// Command words are case-insensitive (RFC 821 §4.1.2). Following Postel's robustness principle
    /// we accept spaces after `FROM:` and `TO:`, which RFC 2821 §4.1.2 says clients must not send.
    /// MAIL and RCPT parameters are accepted only after EHLO (RFC 1869 §6).
    public static func parse(_ line: ArraySlice<UInt8>, rules: SMTPRules, extended: Bool) throws(SMTPCommandError)
        -> SMTPCommand
    {
        try line.withUnsafeBufferPointer { bytes throws(SMTPCommandError) in
            try parse(bytes[...], rules: rules, extended: extended)
        }
    }

    /// `parse(_:rules:extended:)` on a line read in place (see `LineFramer.nextRange()`): its
    /// slices (the verb, the path, the parameters) take no references.
    static func parse(_ line: Bytes, rules: SMTPRules, extended: Bool) throws(SMTPCommandError) -> SMTPCommand {
        guard ByteSearch.isPrintableText(UnsafeBufferPointer(rebasing: line)) else {
            throw .unrecognized("command line with control or 8-bit bytes")
        }
        let start = line.startIndex
        let wordEnd = line.firstIndex(of: 0x20) ?? line.endIndex
        guard let verb = SMTPVerb(bytes: line[start..<wordEnd]), rules.knows(verb) else {
            throw .unrecognized(String(decoding: line[start..<wordEnd].prefix(16), as: UTF8.self))
        }
        var argumentStart = wordEnd
        while argumentStart < line.endIndex && line[argumentStart] == 0x20 { argumentStart += 1 }
        var argumentEnd = line.endIndex
        while argumentEnd > argumentStart && (line[argumentEnd - 1] == 0x20 || line[argumentEnd - 1] == 0x09) {
            argumentEnd -= 1
        }
        let argument = line[argumentStart..<argumentEnd]
        switch verb {
        case .helo, .ehlo:
            guard !argument.isEmpty, !argument.contains(0x20),
                Domain.validate(bytes: argument, maxLength: rules.pathLimits.domain) == nil
            else {
                throw .syntax(verb, "requires a domain name")
            }
            let name = String(decoding: argument, as: UTF8.self)
            return verb == .helo ? .helo(name) : .ehlo(name)
        case .mail, .send, .soml, .saml:
            let mode: DeliveryMode =
                verb == .mail ? .mail : verb == .send ? .send : verb == .soml ? .sendOrMail : .sendAndMail
            let (path, parameters) = try parsePathArgument(
                argument, keyword: fromKeyword, verb: verb, rules: rules, extended: extended, reverse: true)
            return .mail(mode, path, parameters)
        case .rcpt:
            let (path, parameters) = try parsePathArgument(
                argument, keyword: toKeyword, verb: verb, rules: rules, extended: extended, reverse: false)
            guard parameters == .none else { throw .unknownParameter(.rcpt, "no RCPT parameters are supported") }
            return .rcpt(path)
        case .data, .rset, .quit, .turn:
            // RFC 2821 §4.3.2 (and 821's syntax): these take no argument; one is a syntax error.
            guard argument.isEmpty else { throw .syntax(verb, "takes no argument") }
            switch verb {
            case .data: return .data
            case .rset: return .rset
            case .quit: return .quit
            default: return .turn
            }
        case .vrfy, .expn:
            guard !argument.isEmpty else { throw .syntax(verb, "requires an argument") }
            let string = String(decoding: argument, as: UTF8.self)
            return verb == .vrfy ? .vrfy(string) : .expn(string)
        case .help, .noop:
            let value = argument.isEmpty ? nil : String(decoding: argument, as: UTF8.self)
            return verb == .help ? .help(value) : .noop(value)
        }
    }

    /// Bytes of a command line, read in place.
    typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    // Keywords as static strings: reading one needs no lazily made global (and its check).
    private static let fromKeyword: StaticString = "FROM:"
    private static let toKeyword: StaticString = "TO:"

    /// Whether `bytes` start with `keyword` (upper-case ASCII), ignoring case.
    static func hasPrefix(_ bytes: Bytes, _ keyword: StaticString) -> Bool {
        keyword.withUTF8Buffer { keyword in
            guard bytes.count >= keyword.count else { return false }
            var index = bytes.startIndex
            for expected in keyword {
                let byte = bytes[index]
                guard byte == expected || (expected >= 0x41 && expected <= 0x5a && byte == expected | 0x20) else {
                    return false
                }
                index += 1
            }
            return true
        }
    }

    /// `FROM:<path> [params]` or `TO:<path> [params]`.
    private static func parsePathArgument(
        _ argument: Bytes, keyword: StaticString, verb: SMTPVerb, rules: SMTPRules, extended: Bool, reverse: Bool
    ) throws(SMTPCommandError) -> (Path, MailParameters) {
        guard hasPrefix(argument, keyword) else {
            throw .syntax(verb, "expected \(keyword)<path>")
        }
        var pathStart = argument.startIndex + keyword.utf8CodeUnitCount
        while pathStart < argument.endIndex && argument[pathStart] == 0x20 { pathStart += 1 }
        guard let end = closingBracket(in: argument[pathStart...]) else { throw .syntax(verb, "expected <path>") }
        let path: Path
        switch Path.parse(
            bytes: argument[pathStart...end], style: rules.routeStyle, limits: rules.pathLimits, allowNull: reverse,
            allowPostmaster: !reverse && rules.acceptsBarePostmaster)
        {
        case .success(let parsed): path = parsed
        case .failure(let error): throw .path(verb, error)
        }
        let parameterText = argument[(end + 1)...]
        guard !parameterText.isEmpty else { return (path, .none) }
        guard parameterText.first == 0x20 else { throw .syntax(verb, "expected a space after the path") }
        guard rules.hasEHLO else { throw .syntax(verb, "unexpected text after the path") }
        guard extended else { throw .unknownParameter(verb, "parameters need EHLO") }
        // No RCPT parameter is defined by the extensions offered here (RFC 1869 §6: a parameter
        // not recognised is refused), EHLO or not.
        guard verb != .rcpt else { throw .unknownParameter(verb, "no RCPT parameters are supported") }
        var parameters = MailParameters()
        // Words between spaces, read in place (`split` would build an array of them).
        var wordStart = parameterText.startIndex
        while wordStart < parameterText.endIndex {
            if parameterText[wordStart] == 0x20 {
                wordStart += 1
                continue
            }
            let wordEnd = parameterText[wordStart...].firstIndex(of: 0x20) ?? parameterText.endIndex
            let word = parameterText[wordStart..<wordEnd]
            wordStart = wordEnd
            let equals = word.firstIndex(of: UInt8(ascii: "="))
            let key = word[word.startIndex..<(equals ?? word.endIndex)]
            let value = equals.map { word[($0 + 1)...] }
            if hasPrefix(key, sizeKeyword), key.count == sizeKeyword.utf8CodeUnitCount, let value,
                parameters.size == nil
            {
                // RFC 1870 §3: size-value ::= 1*20DIGIT; only one SIZE per MAIL.
                guard (1...20).contains(value.count), value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    throw .syntax(verb, "SIZE needs a number")
                }
                // Twenty digits can pass Int.max: such a size is not a number we can hold either.
                var size = 0
                for digit in value {
                    let (times10, overflow1) = size.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = times10.addingReportingOverflow(Int(digit - 0x30))
                    guard !overflow1, !overflow2 else { throw .syntax(verb, "SIZE needs a number") }
                    size = sum
                }
                parameters.size = size
            } else if hasPrefix(key, bodyKeyword), key.count == bodyKeyword.utf8CodeUnitCount, let value,
                parameters.body == nil
            {
                // RFC 1652 §3: body-value ::= "7BIT" / "8BITMIME".
                guard let body = BodyType(rawValue: String(decoding: value, as: UTF8.self).uppercased()) else {
                    throw .unknownParameter(verb, "unknown BODY=\(String(decoding: value.prefix(20), as: UTF8.self))")
                }
                parameters.body = body
            } else {
                throw .unknownParameter(verb, "unknown parameter \(String(decoding: word.prefix(20), as: UTF8.self))")
            }
        }
        return (path, parameters)
    }

    private static let sizeKeyword: StaticString = "SIZE"
    private static let bodyKeyword: StaticString = "BODY"

    /// Index of the `>` closing a path that starts at the first byte, skipping quoted text.
    private static func closingBracket(in bytes: Bytes) -> Int? {
        guard bytes.first == UInt8(ascii: "<") else { return nil }
        return QuotedText.first(UInt8(ascii: ">"), in: bytes, from: bytes.startIndex + 1)
    }
}

extension SMTPVerb {
    /// The verb of a four-letter command word in any case.
    init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 else { return nil }
        var packed: UInt32 = 0
        for byte in bytes {
            let upper = byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte
            packed = packed << 8 | UInt32(upper)
        }
        // The words as big-endian four-byte numbers: a switch over constants, no hashing.
        switch packed {
        case 0x4845_4C4F: self = .helo
        case 0x4548_4C4F: self = .ehlo
        case 0x4D41_494C: self = .mail
        case 0x5243_5054: self = .rcpt
        case 0x4441_5441: self = .data
        case 0x5253_4554: self = .rset
        case 0x5345_4E44: self = .send
        case 0x534F_4D4C: self = .soml
        case 0x5341_4D4C: self = .saml
        case 0x5652_4659: self = .vrfy
        case 0x4558_504E: self = .expn
        case 0x4845_4C50: self = .help
        case 0x4E4F_4F50: self = .noop
        case 0x5155_4954: self = .quit
        case 0x5455_524E: self = .turn
        default: return nil
        }
    }
}

extension Substring {
    func trimmingTrailingSpaces() -> Substring {
        var result = self
        while result.last == " " || result.last == "\t" { result.removeLast() }
        return result
    }
}
