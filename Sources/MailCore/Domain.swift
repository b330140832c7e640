import MailpathBase

/// A host or domain as written in a path: a name (`USC-ISIF.ARPA`), a host number (`#123`,
/// RFC 780 §5.1.2, RFC 821 §4.1.2) or an address literal (`[10.0.0.73]`).
///
/// The text is kept as written; comparison ignores the case of letters, as host names do.
public struct Domain: Hashable, Sendable, CustomStringConvertible {
    /// The domain exactly as written.
    public let text: String
    /// Whether `text` is its own key: ASCII with no upper-case letter, as nearly every name is.
    /// A flag rather than a second string: domains are copied dozens of times a message (inside
    /// mailboxes and paths), and a second string was a second reference counted at every copy.
    private let isOwnKey: Bool

    /// `text` in lower case, used for comparison and hashing.
    public var key: String { isOwnKey ? text : ASCII.lowercased(text) }

    public enum Kind: Hashable, Sendable {
        case name
        case number(UInt64)
        case literal(UInt32)
    }

    /// A domain already known to be well formed (for names built by the program itself).
    public init(_ text: String) {
        var text = text
        self.isOwnKey = text.withUTF8 { bytes in bytes.allSatisfy { $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5a) } }
        self.text = text
    }

    /// A domain of ASCII text whose caller knows whether it has upper-case letters.
    init(text: String, hasUpperCase: Bool) {
        self.text = text
        self.isOwnKey = !hasUpperCase
    }

    public static func == (lhs: Domain, rhs: Domain) -> Bool {
        lhs.isOwnKey && rhs.isOwnKey ? lhs.text == rhs.text : lhs.key == rhs.key
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    /// Whether two names are the same domain, as `==` compares domains, without making either.
    public static func sameName(_ name: String, _ other: String) -> Bool {
        name == other || ASCII.lowercased(name) == ASCII.lowercased(other)
    }
    public var description: String { text }

    public var kind: Kind {
        let bytes = Array(text.utf8)
        if bytes.first == UInt8(ascii: "#"), let number = UInt64(String(text.dropFirst())) { return .number(number) }
        if bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") {
            let octets = text.dropFirst().dropLast().split(separator: ".").compactMap { UInt32($0) }
            if octets.count == 4 { return .literal(octets.reduce(0) { $0 << 8 | $1 }) }
        }
        return .name
    }

    /// Checks the syntax of a domain.
    ///
    /// Names are dot-separated elements of letters, digits and hyphens (RFC 821 §4.1.2 `<name>`).
    /// Two deliberate leniencies: an element may start with a digit (RFC 1123 §2.1 allows it) and
    /// may be a single character, because the RFCs' own examples use hosts called `A` and `Y`
    /// (RFC 780 Example 1) although `<a> <string>` and `<a> <ldh-str> <let-dig>` ask for more.
    /// Literals must be four numbers from 0 to 255 (RFC 780's "[123.255.37.321]" is therefore
    /// rejected, as its own grammar says it should be).
    public static func validate(_ text: Substring, maxLength: Int) -> DomainError? {
        validate(bytes: ArraySlice(text.utf8), maxLength: maxLength)
    }

    /// `validate(_:maxLength:)` on bytes.
    public static func validate(bytes: ArraySlice<UInt8>, maxLength: Int) -> DomainError? {
        validate(slice: bytes, maxLength: maxLength)
    }

    /// `validate(_:maxLength:)` on bytes read in place.
    public static func validate(bytes: Slice<UnsafeBufferPointer<UInt8>>, maxLength: Int) -> DomainError? {
        validate(slice: bytes, maxLength: maxLength)
    }

    static func validate<Bytes: ByteSlice>(slice bytes: Bytes, maxLength: Int) -> DomainError? {
        if bytes.isEmpty { return .empty }
        if bytes.count > maxLength { return .tooLong(limit: maxLength) }
        if bytes.first! == UInt8(ascii: "#") {
            return bytes.count > 1 && bytes.dropFirst().allSatisfy(isDigit) ? nil : .malformed
        }
        if bytes.first! == UInt8(ascii: "[") {
            guard bytes.last == UInt8(ascii: "]") else { return .malformed }
            let parts = bytes.dropFirst().dropLast().split(
                separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard parts.count == 4 else { return .malformed }
            for part in parts {
                guard (1...3).contains(part.count), part.allSatisfy(isDigit),
                    let value = Int(String(decoding: part, as: UTF8.self)), value <= 255
                else { return .malformed }
            }
            return nil
        }
        // Elements: letters and digits, with hyphens inside; no empty element.
        var elementStart = true
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                if elementStart || previous == UInt8(ascii: "-") { return .malformed }
                elementStart = true
            } else if isLetter(byte) || isDigit(byte) {
                elementStart = false
            } else if byte == UInt8(ascii: "-") {
                if elementStart { return .malformed }
            } else {
                return .malformed
            }
            previous = byte
        }
        return elementStart || previous == UInt8(ascii: "-") ? .malformed : nil
    }
}

public enum DomainError: Error, Hashable, Sendable {
    case empty
    case malformed
    case tooLong(limit: Int)
}

@inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
@inline(__always) func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a }

extension String {
    /// The same as `lowercased()`, without Unicode case mapping when the text is ASCII (names,
    /// local parts and keys almost always are), and without a copy when it is already lower case.
    public func lowercasedKey() -> String { ASCII.lowercased(self) }
}
