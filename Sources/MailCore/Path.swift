/// How a sender writes a route in an address's local part (RFC 1123 §5.2.16).
public enum EmbeddedRoute: String, Hashable, Sendable, CaseIterable {
    /// `user%host%relay2@relay1`, the "%-hack".
    case percent
    /// `relay2!host!user@relay1`, a UUCP bang path.
    case bang
}

/// A mailbox: `local-part@domain`. The local part is kept exactly as written, quotes and
/// backslashes included, because "case is important" in it (RFC 780 §5.1.2, RFC 821 §4.1.2).
public struct Mailbox: Hashable, Sendable, CustomStringConvertible {
    public var localPart: String
    /// `nil` only for the bare `<Postmaster>` that RFC 2821 §4.1.1.3 lets RCPT name.
    public var domain: Domain?

    public init(localPart: String, domain: Domain?) {
        self.localPart = localPart
        self.domain = domain
    }

    /// `user@host` from text known to be well formed.
    public init(_ text: String) {
        if let at = text.lastIndex(of: "@") {
            self.init(localPart: String(text[..<at]), domain: Domain(String(text[text.index(after: at)...])))
        } else {
            self.init(localPart: text, domain: nil)
        }
    }

    public var description: String { domain.map { "\(localPart)@\($0.text)" } ?? localPart }

    /// A route carried in the local part (RFC 1123 §5.2.16), for the host its domain names to
    /// interpret: the "%-hack" first, "a right-binding routing operator" of the lowest precedence
    /// (`user%domain%relay3%relay2` → `user%domain%relay3@relay2`), else a UUCP bang path
    /// (`a!b!user` → `b!user@a`). `nil` when the local part carries none.
    public var embeddedRoute: Mailbox? {
        let utf8 = localPart.utf8
        if let percent = utf8.lastIndex(of: UInt8(ascii: "%")) {
            let next = localPart[localPart.index(after: percent)...]
            guard percent != utf8.startIndex, !next.isEmpty else { return nil }
            return Mailbox(localPart: String(localPart[..<percent]), domain: Domain(String(next)))
        }
        if let bang = utf8.firstIndex(of: UInt8(ascii: "!")) {
            let rest = localPart[localPart.index(after: bang)...]
            guard bang != utf8.startIndex, !rest.isEmpty else { return nil }
            return Mailbox(localPart: String(rest), domain: Domain(String(localPart[..<bang])))
        }
        return nil
    }

    /// This mailbox reached through `relays` (the first is the one to send to) with the route in
    /// its local part, as `encoding` writes it (RFC 1123 §5.2.16): for `joe@Z` through D, P and
    /// U, `joe%Z%U%P@D` or `P!U!Z!joe@D`.
    public func embedding(route relays: [Domain], as encoding: EmbeddedRoute) -> Mailbox {
        guard let first = relays.first, let domain else { return self }
        let rest = relays.dropFirst()
        switch encoding {
        case .percent:
            let hops = ([domain] + rest.reversed()).map { "%" + $0.text }.joined()
            return Mailbox(localPart: localPart + hops, domain: first)
        case .bang:
            let hops = (rest + [domain]).map { $0.text + "!" }.joined()
            return Mailbox(localPart: hops + localPart, domain: first)
        }
    }

    /// Appends `local-part@domain` to `bytes`.
    public func write(into bytes: inout [UInt8]) {
        bytes.write { write(to: &$0) }
    }

    /// Writes `local-part@domain`.
    @inlinable
    public func write(to writer: inout ByteWriter) {
        writer.put(utf8: localPart)
        if case .some(let domain) = domain {
            writer.put(UInt8(ascii: "@"))
            writer.put(utf8: domain.text)
        }
    }

    /// Whether this is the postmaster, which every host must accept (RFC 1123 §5.2.7).
    public var isPostmaster: Bool { localPart.utf8.count == 10 && localPart.lowercasedKey() == "postmaster" }
}

/// How a source route is written in a path.
public enum RouteStyle: Hashable, Sendable {
    /// RFC 780 §5.1.2 and RFC 788: `<@ONE,@TWO,JOE@THREE>`, a comma before the mailbox.
    case comma
    /// RFC 821 §4.1.2 onwards: `<@ONE,@TWO:JOE@THREE>`, a colon before the mailbox.
    case colon
}

/// A reverse-path or forward-path: an optional source route and a mailbox, or the null path `<>`.
///
/// The route lists hosts in the order the mail will travel (forward-path) or has travelled back
/// from (reverse-path, most recent relay first). "The first host in the <forward-path> should be the
/// host receiving this command" (RFC 821 §3.6).
public struct Path: Hashable, Sendable {
    public var route: [Domain]
    /// `nil` for the null path `<>` (RFC 821 §3.6, RFC 1123 §5.2.9).
    public var mailbox: Mailbox?

    public init(route: [Domain] = [], mailbox: Mailbox?) {
        self.route = route
        self.mailbox = mailbox
    }

    /// A path to a mailbox with no route.
    public init(_ mailbox: Mailbox) { self.init(route: [], mailbox: mailbox) }

    /// `<>`: the sender of non-delivery notices, to which nothing may reply.
    public static let null = Path(route: [], mailbox: nil)

    public var isNull: Bool {
        if case .none = mailbox { return true }  // matched in place: `== nil` copies the mailbox to compare it
        return false
    }

    /// The host the mail must go to next: the first route element, or the mailbox's domain.
    public var nextHop: Domain? { route.first ?? mailbox?.domain }

    /// The path without its source route (RFC 2821 §4.1.1.3 "SHOULD strip off the source route").
    public var withoutRoute: Path { Path(route: [], mailbox: mailbox) }

    /// The path with its first route element removed: what a relay sends on after "removing
    /// itself from the beginning forward-path" (RFC 821 §3.6; RFC 780 §5.1.1).
    public var poppingFirstHop: Path {
        Path(route: Array(route.dropFirst()), mailbox: mailbox)
    }

    /// The path with `host` put at the beginning: what a relay does to the reverse-path, using
    /// "the name it is known by in the environment it is sending into" (RFC 780 §3.2).
    public func pushing(_ host: Domain) -> Path {
        guard mailbox != nil else { return self }  // "it is permissible to leave the reverse-path null" (821 §3.6)
        return Path(route: [host] + route, mailbox: mailbox)
    }

    /// Appends the path as written on the wire in the given style to `bytes`.
    public func write(_ style: RouteStyle, into bytes: inout [UInt8]) {
        bytes.write { write(style, to: &$0) }
    }

    /// Writes the path as written on the wire in the given style.
    @inlinable
    public func write(_ style: RouteStyle, to writer: inout ByteWriter) {
        writer.put(UInt8(ascii: "<"))
        if case .some(let mailbox) = mailbox {
            for index in route.indices {
                writer.put(UInt8(ascii: "@"))
                writer.put(utf8: route[index].text)
                if index < route.count - 1 { writer.put(UInt8(ascii: ",")) }
            }
            if !route.isEmpty { writer.put(style == .colon ? UInt8(ascii: ":") : UInt8(ascii: ",")) }
            mailbox.write(to: &writer)
        }
        writer.put(UInt8(ascii: ">"))
    }

    /// The path as written on the wire in the given style, for example `<@A,@B:joe@C>`.
    public func text(_ style: RouteStyle) -> String {
        guard let mailbox else { return "<>" }
        var text = "<"
        for (index, hop) in route.enumerated() {
            text += "@" + hop.text
            if index < route.count - 1 { text += "," }
        }
        if !route.isEmpty { text += style == .colon ? ":" : "," }
        return text + mailbox.description + ">"
    }
}

extension Path: CustomStringConvertible {
    /// The RFC 821 form.
    public var description: String { text(.colon) }
}
