/// Limits a dialect puts on paths (RFC 780 §5.5.3; RFC 821 §4.5.3; RFC 2821 §4.5.3.1).
public struct PathLimits: Hashable, Sendable {
    /// Whole path including the angle brackets and punctuation.
    public var path: Int
    public var domain: Int
    public var localPart: Int

    public init(path: Int, domain: Int, localPart: Int) {
        self.path = path
        self.domain = domain
        self.localPart = localPart
    }
}

/// Why a path was refused. Receivers answer 501 for structure and length, 553 for a mailbox they
/// cannot accept ("mailbox syntax incorrect", RFC 821 §4.2.1).
public enum PathError: Error, Hashable, Sendable, CustomStringConvertible {
    case missingBrackets
    case nullNotAllowed
    case malformedRoute
    case malformedMailbox
    case malformedDomain(String)
    case tooLong(limit: Int)
    case localPartTooLong(limit: Int)
    case domainTooLong(limit: Int)

    public var description: String {
        switch self {
        case .missingBrackets: "path must be enclosed in < >"
        case .nullNotAllowed: "null path <> not allowed here"
        case .malformedRoute: "malformed source route"
        case .malformedMailbox: "malformed mailbox"
        case .malformedDomain(let domain): "malformed domain \(domain)"
        case .tooLong(let limit): "Path too long (limit \(limit))"
        case .localPartTooLong(let limit): "local part too long (limit \(limit))"
        case .domainTooLong(let limit): "domain too long (limit \(limit))"
        }
    }

    /// The reply code a receiver gives for this error.
    public var isMailboxProblem: Bool {
        switch self {
        case .malformedMailbox, .localPartTooLong, .malformedDomain, .domainTooLong: true
        case .missingBrackets, .nullNotAllowed, .malformedRoute, .tooLong: false
        }
    }
}

extension Path {
    /// Parses a path such as `<@A,@B:joe@C>` (colon style) or `<@A,@B,joe@C>` (comma style).
    ///
    /// A backslash quotes the next character (RFC 780 §5.1.2 `Joe\,Smith`; RFC 821 `"\" <x>`) and
    /// double quotes enclose a quoted local part (RFC 821 `<quoted-string>`), so separators inside
    /// them do not count. `<>` is accepted when `allowNull` is set (reverse-paths). A bare
    /// `<Postmaster>` is accepted when `allowPostmaster` is set (RFC 2821 §4.1.1.3).
    public static func parse(
        _ text: Substring, style: RouteStyle, limits: PathLimits, allowNull: Bool = false, allowPostmaster: Bool = false
    ) -> Result<Path, PathError> {
        parse(
            bytes: ArraySlice(text.utf8), style: style, limits: limits, allowNull: allowNull,
            allowPostmaster: allowPostmaster)
    }

    /// `parse(_:style:limits:allowNull:allowPostmaster:)` on bytes, in one pass with no copies.
    public static func parse(
        bytes: ArraySlice<UInt8>, style: RouteStyle, limits: PathLimits, allowNull: Bool = false,
        allowPostmaster: Bool = false
    ) -> Result<Path, PathError> {
        parse(slice: bytes, style: style, limits: limits, allowNull: allowNull, allowPostmaster: allowPostmaster)
    }

    /// `parse(bytes:style:limits:allowNull:allowPostmaster:)` on bytes read in place (a line
    /// from `LineFramer.nextRange()`): slicing them takes no reference, where each slice of an
    /// array holds one.
    public static func parse(
        bytes: Slice<UnsafeBufferPointer<UInt8>>, style: RouteStyle, limits: PathLimits, allowNull: Bool = false,
        allowPostmaster: Bool = false
    ) -> Result<Path, PathError> {
        parse(slice: bytes, style: style, limits: limits, allowNull: allowNull, allowPostmaster: allowPostmaster)
    }

    /// The parser, for either kind of bytes (specialized for each).
    static func parse<Bytes: ByteSlice>(
        slice bytes: Bytes, style: RouteStyle, limits: PathLimits, allowNull: Bool, allowPostmaster: Bool
    ) -> Result<Path, PathError> {
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "<"), bytes.last == UInt8(ascii: ">") else {
            return .failure(.missingBrackets)
        }
        guard bytes.count <= limits.path else { return .failure(.tooLong(limit: limits.path)) }
        let inner = bytes[(bytes.startIndex + 1)..<(bytes.endIndex - 1)]
        if inner.isEmpty { return allowNull ? .success(.null) : .failure(.nullNotAllowed) }
        var upperCase = false
        if let at = plainMailboxAt(inner, limits: limits, upperCase: &upperCase) {
            let domain = String(decoding: inner[(at + 1)...], as: UTF8.self)
            // Built in place: a mailbox bound to a name first was copied into the path.
            return .success(
                Path(
                    route: [],
                    mailbox: Mailbox(
                        localPart: String(decoding: inner[..<at], as: UTF8.self),
                        domain: Domain(text: domain, hasUpperCase: upperCase))))
        }

        var route: [Domain] = []
        var mailboxBytes = inner
        if inner.first == UInt8(ascii: "@") {
            let routeEnd: Int
            switch style {
            case .colon:
                guard let colon = QuotedText.first(UInt8(ascii: ":"), in: inner) else {
                    return .failure(.malformedRoute)
                }
                routeEnd = colon
            case .comma:
                guard let lastComma = QuotedText.last(UInt8(ascii: ","), in: inner) else {
                    return .failure(.malformedRoute)
                }
                routeEnd = lastComma
            }
            var elementStart = inner.startIndex
            while elementStart < routeEnd {
                let elementEnd = QuotedText.first(UInt8(ascii: ","), in: inner[elementStart..<routeEnd]) ?? routeEnd
                let element = inner[elementStart..<elementEnd]
                guard element.first == UInt8(ascii: "@") else { return .failure(.malformedRoute) }
                let name = element.dropFirst()
                if let error = Domain.validate(slice: name, maxLength: limits.domain) {
                    return .failure(
                        error == .tooLong(limit: limits.domain) ? .domainTooLong(limit: limits.domain) : .malformedRoute
                    )
                }
                route.append(Domain(String(decoding: name, as: UTF8.self)))
                elementStart = elementEnd + 1
            }
            if routeEnd == inner.startIndex || inner[routeEnd - 1] == UInt8(ascii: ",") {
                return .failure(.malformedRoute)
            }
            mailboxBytes = inner[(routeEnd + 1)...]
        }
        switch parseMailbox(mailboxBytes, limits: limits, allowPostmaster: allowPostmaster) {
        case .success(let mailbox): return .success(Path(route: route, mailbox: mailbox))
        case .failure(let error): return .failure(error)
        }
    }

    /// The usual path, `<user@host.domain>`, checked in one pass: no source route, no quoting, a
    /// local part of characters that need none and a domain that is a name. Returns where its
    /// "@" is, with whether the domain has upper-case letters. Anything else, and anything
    /// wrong, gives `nil`, and the general parser decides (with its errors): for the paths this
    /// accepts, both make the same mailbox (`PathParsingTests`). An index, not a mailbox, comes
    /// back: an optional mailbox returned was copied and destroyed on the way (a third of the cost).
    @inline(__always)
    static func plainMailboxAt<Bytes: ByteSlice>(_ bytes: Bytes, limits: PathLimits, upperCase: inout Bool) -> Int? {
        // Printable ASCII that a local part may hold unquoted (RFC 821 §4.1.2 <c>: not a
        // special, space, quote or backslash), as bits by byte value: 0x00-0x3F, then 0x40-0x7F.
        let localLow: UInt64 = 0xa3ff_ecfa_0000_0000
        let localHigh: UInt64 = 0x7fff_ffff_c7ff_fffe
        var at = -1
        // The domain's elements as `Domain.validate` checks a name: no empty element and no
        // hyphen at either end of one.
        var elementStart = true
        var previous: UInt8 = 0
        for index in bytes.startIndex..<bytes.endIndex {  // not `indices`, which a `Slice` does not inline
            let byte = bytes[index]
            if at < 0 {
                if byte == UInt8(ascii: "@") {
                    // A dot-string ends with a character, not a dot (RFC 821 §4.1.2).
                    guard previous != UInt8(ascii: ".") else { return nil }
                    at = index
                    previous = byte
                    continue
                }
                let bits = byte < 64 ? localLow >> byte : byte < 128 ? localHigh >> (byte &- 64) : 0
                guard bits & 1 == 1 else { return nil }
                // No dot first, and no two dots in a row (the slow path says why).
                if byte == UInt8(ascii: "."), index == bytes.startIndex || previous == UInt8(ascii: ".") { return nil }
                previous = byte
                continue
            }
            if byte == UInt8(ascii: ".") {
                guard !elementStart, previous != UInt8(ascii: "-") else { return nil }
                elementStart = true
            } else if isLetter(byte) || isDigit(byte) {
                upperCase = upperCase || byte <= 0x5a && byte >= 0x41
                elementStart = false
            } else if byte == UInt8(ascii: "-") {
                guard !elementStart else { return nil }
            } else {
                return nil  // another "@", or any byte a name does not hold
            }
            previous = byte
        }
        guard at > bytes.startIndex, at - bytes.startIndex <= limits.localPart, !elementStart,
            previous != UInt8(ascii: "-"), bytes.endIndex - at - 1 <= limits.domain
        else { return nil }
        return at
    }

    static func parseMailbox<Bytes: ByteSlice>(_ bytes: Bytes, limits: PathLimits, allowPostmaster: Bool) -> Result<
        Mailbox, PathError
    > {
        guard let at = QuotedText.last(UInt8(ascii: "@"), in: bytes) else {
            let local = String(decoding: bytes, as: UTF8.self)
            if allowPostmaster, local.lowercased() == "postmaster" {
                return .success(Mailbox(localPart: local, domain: nil))
            }
            return .failure(.malformedMailbox)
        }
        let local = bytes[bytes.startIndex..<at]
        let domain = bytes[(at + 1)...]
        guard isValidLocalPart(slice: local) else { return .failure(.malformedMailbox) }
        guard local.count <= limits.localPart else { return .failure(.localPartTooLong(limit: limits.localPart)) }
        switch Domain.validate(slice: domain, maxLength: limits.domain) {
        case nil: break
        case .tooLong: return .failure(.domainTooLong(limit: limits.domain))
        case .empty, .malformed: return .failure(.malformedDomain(String(decoding: domain, as: UTF8.self)))
        }
        return .success(
            Mailbox(
                localPart: String(decoding: local, as: UTF8.self),
                domain: Domain(String(decoding: domain, as: UTF8.self))))
    }

    /// A local part: printable ASCII with no unquoted specials or spaces; quoted strings and
    /// backslash-quoted characters may contain them (RFC 821 §4.1.2, RFC 780 §5.1.2).
    public static func isValidLocalPart(_ bytes: ArraySlice<UInt8>) -> Bool { isValidLocalPart(slice: bytes) }

    static func isValidLocalPart<Bytes: ByteSlice>(slice bytes: Bytes) -> Bool {
        guard !bytes.isEmpty else { return false }
        var quoted = false
        var escaped = false
        // RFC 821 §4.1.2: <dot-string> ::= <string> | <string> "." <dot-string>: outside quotes,
        // no dot first or last, and none straight after another ("a.", ".a", "a..b").
        var elementStart = true
        for byte in bytes {
            guard byte >= 0x20 && byte < 0x7f || escaped && byte < 0x80 else { return false }
            if escaped {
                escaped = false
                elementStart = false
                continue
            }
            if byte == UInt8(ascii: "."), !quoted {
                guard !elementStart else { return false }
                elementStart = true
                continue
            }
            elementStart = false
            switch byte {
            case UInt8(ascii: "\\"): escaped = true
            case UInt8(ascii: "\""): quoted.toggle()
            case UInt8(ascii: " "), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("), UInt8(ascii: ")"),
                UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "["),
                UInt8(ascii: "]"):
                if !quoted { return false }
            default: break
            }
        }
        return !quoted && !escaped && !elementStart
    }
}
