import MailCore

/// The protocol dialects Mailpath models. Each is a pair of engines (sender and receiver)
/// following one RFC text; see `Dialects` for the facts about each.
///
/// The cases are in historical order; code that asks whether one dialect is older than another
/// (a host's own software in a later era) relies on it.
public enum DialectID: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// RFC 765 FTP mail (June 1980): `MAIL <user>` on an FTP control connection, port 21; no
    /// sender, no routes, no relaying.
    case ftp765
    /// RFC 772 MTP draft (September 1980): RFC 780 without CONT and ABRT, a sender without a route.
    case mtp772
    /// RFC 780 Mail Transfer Protocol (May 1981): FTP-style commands on port 57.
    case mtp780
    /// RFC 788 Simple Mail Transfer Protocol (November 1981): the first SMTP, comma-form routes.
    case smtp788
    /// RFC 821 SMTP (August 1982): colon-form routes, TURN, `Received:`.
    case smtp821
    /// RFC 821 as RFC 1123 §5 amended it (October 1989): VRFY's 252, `Received:` lines naming the
    /// client's address with four-digit years, no explicit source routes sent.
    case smtp1123
    /// RFC 1869 SMTP service extensions (November 1995) with SIZE (1870), PIPELINING (2920), 8BITMIME (1652).
    case esmtp
    /// RFC 2821 SMTP (April 2001): routes accepted but stripped, 452 for too many recipients.
    case smtp2821
    /// RFC 5321 SMTP (October 2008): 2821 with 455/555 restored and routes gone from its examples.
    case smtp5321

    public var description: String { rawValue }

    /// The well-known port: 21 for FTP (RFC 765, "Connection establishment"), 57 for MTP (RFC 772
    /// p. 28, RFC 780 App. A), 25 for SMTP (RFC 821 App. A).
    public var port: UInt16 {
        switch self {
        case .ftp765: 21
        case .mtp772, .mtp780: 57
        case .smtp788, .smtp821, .smtp1123, .esmtp, .smtp2821, .smtp5321: 25
        }
    }

    /// Whether this is an SMTP dialect (as opposed to FTP mail or MTP, which share one pair of engines).
    public var isSMTP: Bool {
        switch self {
        case .ftp765, .mtp772, .mtp780: false
        case .smtp788, .smtp821, .smtp1123, .esmtp, .smtp2821, .smtp5321: true
        }
    }

    /// How source routes are written: the comma form up to RFC 788, the colon form from RFC 821
    /// (FTP mail has no routes; its addresses are written in the comma form where they appear).
    public var routeStyle: RouteStyle {
        switch self {
        case .ftp765, .mtp772, .mtp780, .smtp788: .comma
        case .smtp821, .smtp1123, .esmtp, .smtp2821, .smtp5321: .colon
        }
    }

    /// The letters the RFC's own examples put before the two sides' lines: "U:"/"S:" (user and
    /// server, RFC 765), "S:"/"R:" (sender and receiver, RFC 772 to 821), "C:"/"S:" (client and
    /// server, from RFC 1869).
    public var notation: (client: String, server: String) {
        switch self {
        case .ftp765: ("U:", "S:")
        case .mtp772, .mtp780, .smtp788, .smtp821, .smtp1123: ("S:", "R:")
        case .esmtp, .smtp2821, .smtp5321: ("C:", "S:")
        }
    }
}

/// How the text of commands and messages is framed: the documented decision for bare LF, NUL
/// and 8-bit bytes in each dialect (see Docs/dialects.md, "Bytes on the wire").
///
/// Lines end with CR LF in every dialect, as every RFC here writes them ("<CRLF>.<CRLF>" ends the
/// text: RFC 780 §5.1.1, RFC 821 §4.1.1, RFC 5321 §4.1.1.4; a client "MUST NOT transmit" a bare LF,
/// RFC 5321 §2.3.8). A command line ended by a bare LF gets 500 and is not run; a text with a
/// bare LF in it is refused with 554 at its end, so that a bare LF is never a message boundary
/// (the SMTP smuggling of 2023). To type commands with `nc`, use `nc -C`, which sends CR LF.
public struct TextPolicy: Hashable, Sendable {
    /// What ends a command line: CR LF, a bare LF being reported (500).
    public static let commandTerminator = LineFramer.Terminator.crlfReportingBareLF
    /// What ends a line of message text: CR LF only; a bare LF is a byte of the line, noted.
    public static let dataTerminator = LineFramer.Terminator.crlf

    /// Clear the high-order bit of message text: "7-bit ASCII ... with the high-order bit cleared"
    /// (RFC 780 App. A; RFC 821 §4.5.2). ESMTP and later keep all eight bits (RFC 1652 §3; RFC 2821 §2.4).
    public var clearsHighBit: Bool

    // NUL and 8-bit bytes in a command line get "500 Syntax error" in every dialect: commands are
    // ASCII text; in message text a NUL is kept as an ordinary byte.

    public static let historical = TextPolicy(clearsHighBit: true)
    public static let modern = TextPolicy(clearsHighBit: false)
}

extension DialectID {
    /// A short human name, such as "RFC 821 SMTP".
    public var displayName: String {
        switch self {
        case .ftp765: "RFC 765 FTP mail"
        case .mtp772: "RFC 772 MTP draft"
        case .mtp780: "RFC 780 MTP"
        case .smtp788: "RFC 788 SMTP"
        case .smtp821: "RFC 821 SMTP"
        case .smtp1123: "RFC 1123 SMTP"
        case .esmtp: "RFC 1869 ESMTP"
        case .smtp2821: "RFC 2821 SMTP"
        case .smtp5321: "RFC 5321 SMTP"
        }
    }
}
