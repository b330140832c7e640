import MailAgent
import MailDialects

/// An era: a named, dated set of factor settings (the dialect every host speaks, how mail is
/// routed, whether DNS exists, …; see `Factors`). The workload and network of a scenario stay the
/// same; the era is what changes between runs.
public struct Era: Hashable, Sendable {
    public var name: String
    public var title: String
    public var year: Int
    public var rfcs: [String]
    public var factors: Factors
    public var summary: String

    public init(name: String, title: String, year: Int, rfcs: [String], factors: Factors, summary: String) {
        self.name = name
        self.title = title
        self.year = year
        self.rfcs = rfcs
        self.factors = factors
        // An era runs the networks of its own year (see `Factors.networks`), over NCP where they
        // ran it until the flag day of 1 January 1983.
        self.factors.networks = .foundedBy(year)
        self.factors.transport = year < 1983 ? .ncp : .tcp
        self.summary = summary
    }

    public var dialect: DialectID {
        get { factors.dialect }
        set { factors.dialect = newValue }
    }
    public var routing: RoutingPolicy { factors.routingPolicy }
    public var dns: Bool { factors.dns }
    /// Whether the scenario's networks (those marked as joining the Internet) form one internet at
    /// the packet level, as ARPANET, MILNET and CSNET did after the 1983 move to TCP/IP. Before,
    /// each network is an island that only mail gateways join.
    public var internet: Bool { factors.internet }
    public var retry: RetrySchedule { factors.retry }

    /// The eras in historical order.
    public static let all: [Era] = [
        Era(
            name: "ftp-1980", title: "FTP mail", year: 1980, rfcs: ["RFC 765"],
            factors: Factors(
                dialect: .ftp765, routing: .direct, dns: false, internet: false, retry: .rfc1123, pipelining: false),
            summary:
                "MAIL <user> on an FTP connection to port 21 of the recipient's own host; no sender, no routes, no relaying: mail for another network cannot be sent."
        ),
        Era(
            name: "mtp-1980", title: "The MTP draft", year: 1980, rfcs: ["RFC 772"],
            factors: Factors(
                dialect: .mtp772, routing: .sourceRoutes, dns: false, internet: false, retry: .rfc1123,
                pipelining: false),
            summary:
                "MTP on port 57 with source routes through gateways; no CONT or ABRT, and the sender is a plain mailbox, so relays do not add themselves to it."
        ),
        Era(
            name: "mtp-1981", title: "MTP over host tables", year: 1981, rfcs: ["RFC 780", "RFC 790"],
            factors: Factors(
                dialect: .mtp780, routing: .sourceRoutes, dns: false, internet: false, retry: .rfc1123,
                pipelining: false),
            summary:
                "MTP on port 57; hosts from HOSTS.TXT; mail for a host on another network is source-routed through gateways (RFC 780 §3.2)."
        ),
        Era(
            name: "smtp-1981", title: "The first SMTP", year: 1981, rfcs: ["RFC 788"],
            factors: Factors(
                dialect: .smtp788, routing: .sourceRoutes, dns: false, internet: false, retry: .rfc1123,
                pipelining: false),
            summary: "MAIL/RCPT/DATA on port 25 with comma-form source routes and Mail-From: stamps; routing as in MTP."
        ),
        Era(
            name: "smtp-1982", title: "SMTP with source routes", year: 1982, rfcs: ["RFC 821", "RFC 822"],
            factors: Factors(
                dialect: .smtp821, routing: .sourceRoutes, dns: false, internet: false, retry: .rfc1123,
                pipelining: false),
            summary:
                "RFC 821 relaying: the sending host computes a route through gateways from its host table (A→D→P→U→Z)."),
        Era(
            name: "mx-1986", title: "MX routing", year: 1986, rfcs: ["RFC 821", "RFC 974"],
            factors: Factors(
                dialect: .smtp821, routing: .mx, dns: true, internet: true, retry: .rfc1123, pipelining: false),
            summary:
                "DNS finds the mail exchangers of the recipient's domain (RFC 974); gateways are MX hosts for networks off the Internet."
        ),
        Era(
            name: "smtp-1989", title: "Host requirements", year: 1989, rfcs: ["RFC 1123"],
            factors: Factors(
                dialect: .smtp1123, routing: .mx, mxTies: .shuffled, sourceRoutes: .stripped, dns: true, internet: true,
                retry: .rfc1123, pipelining: false),
            summary:
                "RFC 821 as RFC 1123 amended it: VRFY's 252, Received: lines with the client's address and four-digit years (§5.2.3, §5.2.8, §5.2.14), no explicit source routes sent (§5.2.6), equal MX preferences picked at random (§5.3.4)."
        ),
        Era(
            name: "esmtp-1995", title: "ESMTP", year: 1995, rfcs: ["RFC 1869", "RFC 1870", "RFC 1854", "RFC 1652"],
            // RFC 1869 extends RFC 821 as RFC 1123 amended it: the 1989 era's routing rules stay.
            factors: Factors(
                dialect: .esmtp, routing: .mx, mxTies: .shuffled, sourceRoutes: .stripped, dns: true, internet: true,
                retry: .rfc1123, pipelining: true),
            summary: "EHLO with SIZE, PIPELINING and 8BITMIME: fewer round trips, sizes known before the text is sent."),
        Era(
            name: "smtp-2001", title: "RFC 2821 direct delivery", year: 2001, rfcs: ["RFC 2821"],
            factors: Factors(
                dialect: .smtp2821, routing: .mx, mxTies: .shuffled, sourceRoutes: .stripped, dns: true, internet: true,
                retry: .rfc2821, pipelining: true),
            summary:
                "Clients go straight to the domain's MX, equal preferences are shuffled, source routes are stripped (RFC 2821 §5, §4.1.1.3)."
        ),
        Era(
            name: "smtp-2008", title: "RFC 5321", year: 2008, rfcs: ["RFC 5321"],
            factors: Factors(
                dialect: .smtp5321, routing: .mx, mxTies: .shuffled, sourceRoutes: .stripped, dns: true, internet: true,
                retry: .rfc2821, pipelining: true),
            summary: "RFC 2821 revised; the same behaviour on the wire for this workload."),
    ]

    public static func named(_ name: String) -> Era? { all.first { $0.name == name.lowercased() } }
}
