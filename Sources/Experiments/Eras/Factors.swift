import MailAgent
import MailDialects

/// The settings an era is made of. Each is a factor an experiment may change on its own
/// (`--set FACTOR=VALUE`), and the differences between two eras are what `compare --attribute`
/// credits a change in the figures to.
public struct Factors: Hashable, Sendable {
    /// The dialect every host speaks (a host whose software is older keeps its own).
    public var dialect: DialectID
    /// How a host finds where to send mail it cannot deliver itself.
    public var routing: Routing
    /// MX routing: the order of exchangers of equal preference.
    public var mxTies: MXTies
    /// MX routing: whether source routes are followed and made, or stripped.
    public var sourceRoutes: SourceRoutes
    /// Whether a name server answers queries (the scenario names its host).
    public var dns: Bool
    /// Whether the networks marked as joining the Internet form one internet at the packet level.
    public var internet: Bool
    /// Which of the scenario's networks exist: an era's are those founded by its year.
    public var networks: NetworkSet = .all
    /// NCP or TCP on the networks that ran NCP (`"ncp": true`): an era's is NCP before the
    /// ARPANET's flag day, 1 January 1983.
    public var transport: Transport = .tcp
    public var retry: RetrySchedule
    /// Whether ESMTP servers offer, and clients use, PIPELINING (RFC 2920). Only a dialect with
    /// EHLO can pipeline.
    public var pipelining: Bool

    public enum Routing: String, Hashable, Sendable, CaseIterable {
        /// To the recipient's own host, over a network both are on (FTP mail, RFC 765).
        case direct
        /// From the host table, through mail gateways named in a source route (RFC 780 §3.2, RFC 821 §3.6).
        case sourceRoutes = "source-routes"
        /// To the domain's mail exchangers from DNS (RFC 974, RFC 2821 §5).
        case mx
    }

    public enum MXTies: String, Hashable, Sendable, CaseIterable {
        /// "Up to the mailer" (RFC 974): here by name, the same every time.
        case byName = "by-name"
        /// "The sender-SMTP SHOULD pick one at random" (RFC 1123 §5.3.4); "MUST randomize them" (RFC 2821 §5).
        case shuffled
    }

    /// Which of a scenario's networks run: those founded by a year (`"founded"` in the scenario;
    /// a network without one always exists), or every one, whenever it was founded.
    public enum NetworkSet: Hashable, Sendable {
        case foundedBy(Int)
        case all

        static let years = 1900...2100

        public init?(written: String) {
            if written == "all" {
                self = .all
            } else if let year = Int(written), Self.years.contains(year) {
                self = .foundedBy(year)
            } else {
                return nil
            }
        }

        public var written: String {
            switch self {
            case .foundedBy(let year): String(year)
            case .all: "all"
            }
        }

        /// Whether a network founded in `year` (`nil`: no date given) runs.
        public func includes(founded year: Int?) -> Bool {
            switch self {
            case .foundedBy(let limit): (year ?? Int.min) <= limit
            case .all: true
            }
        }
    }

    public enum Transport: String, Hashable, Sendable, CaseIterable {
        /// The Host-to-Host Protocol of the Network Control Program (RFC 821 Appendix B).
        case ncp
        /// TCP/IP (RFC 793; RFC 821 Appendix A).
        case tcp
    }

    public enum SourceRoutes: String, Hashable, Sendable, CaseIterable {
        /// Routes are followed, and made through gateways to an exchanger out of reach (RFC 974 with RFC 821).
        case followed
        /// Routes are stripped when mail is queued, and none are made (RFC 2821 §4.1.1.3, §5).
        case stripped
    }

    public init(
        dialect: DialectID, routing: Routing, mxTies: MXTies = .byName, sourceRoutes: SourceRoutes = .followed,
        dns: Bool, internet: Bool,
        retry: RetrySchedule, pipelining: Bool
    ) {
        self.dialect = dialect
        self.routing = routing
        self.mxTies = mxTies
        self.sourceRoutes = sourceRoutes
        self.dns = dns
        self.internet = internet
        self.retry = retry
        self.pipelining = pipelining
    }

    /// The policy the mail hosts' agents follow.
    public var routingPolicy: RoutingPolicy {
        switch routing {
        case .direct: .directOnly
        case .sourceRoutes: .sourceRoutes
        case .mx:
            .mx(MXRules(shufflesEqualPreferences: mxTies == .shuffled, followsSourceRoutes: sourceRoutes == .followed))
        }
    }

    /// The ESMTP extensions offered and used.
    public var extensions: ExtensionSet { pipelining ? .all : ExtensionSet.all.subtracting(.pipelining) }

    /// The factors whose settings differ from `other`'s, in `Factor.allCases` order.
    public func differences(from other: Factors) -> [Factor] {
        Factor.allCases.filter { $0.value(in: self) != $0.value(in: other) }
    }
}

/// One factor: its name on the command line and in plans, its values, and what it changes.
public enum Factor: String, Hashable, Sendable, CaseIterable {
    case dialect
    case routing
    case mxTies = "mx-ties"
    case sourceRoutes = "source-routes"
    case dns
    case internet
    case networks
    case transport
    case retry
    case pipelining

    /// What the factor changes, in a line.
    public var help: String {
        switch self {
        case .dialect: "the protocol every host speaks (hosts whose own software is older keep theirs)"
        case .routing: "direct (FTP mail), source-routes (host table and gateways) or mx (DNS)"
        case .mxTies: "mx routing: exchangers of equal preference by-name (RFC 974) or shuffled (RFC 1123 §5.3.4)"
        case .sourceRoutes:
            "mx routing: source routes followed and made (RFC 974) or stripped (RFC 1123 §5.2.6, RFC 2821)"
        case .dns: "whether the name server answers (on) or does not exist (off)"
        case .internet: "whether networks joining the Internet are one internet at the packet level"
        case .networks:
            "the networks that run: those founded by a year (an era's own year), or all (a counterfactual before a network's founding)"
        case .transport:
            "ncp (the ARPANET's Host-to-Host Protocol, before the flag day of 1 January 1983) or tcp, on the networks that ran NCP"
        case .retry: "the retry schedule: " + RetrySchedule.presets.map(\.name).joined(separator: ", ")
        case .pipelining: "whether ESMTP clients and servers pipeline (RFC 2920); only dialects with EHLO can"
        }
    }

    /// The values it takes, as written on the command line.
    public var values: [String] {
        switch self {
        case .dialect: DialectID.allCases.map(\.rawValue)
        case .routing: Factors.Routing.allCases.map(\.rawValue)
        case .mxTies: Factors.MXTies.allCases.map(\.rawValue)
        case .sourceRoutes: Factors.SourceRoutes.allCases.map(\.rawValue)
        case .dns, .internet, .pipelining: ["off", "on"]
        case .networks: ["YEAR", "all"]
        case .transport: Factors.Transport.allCases.map(\.rawValue)
        case .retry: RetrySchedule.presets.map(\.name)
        }
    }

    /// Its setting in `factors`, as written on the command line.
    public func value(in factors: Factors) -> String {
        switch self {
        case .dialect: factors.dialect.rawValue
        case .routing: factors.routing.rawValue
        case .mxTies: factors.mxTies.rawValue
        case .sourceRoutes: factors.sourceRoutes.rawValue
        case .dns: factors.dns ? "on" : "off"
        case .internet: factors.internet ? "on" : "off"
        case .networks: factors.networks.written
        case .transport: factors.transport.rawValue
        case .retry: factors.retry.name
        case .pipelining: factors.pipelining ? "on" : "off"
        }
    }

    /// Sets it in `factors` from its written form; `nil` (and nothing changed) for a value it does
    /// not take.
    public func set(_ value: String, in factors: inout Factors) -> Void? {
        let written = value.lowercased()
        func flag() -> Bool? {
            ["on", "yes", "true"].contains(written) ? true : ["off", "no", "false"].contains(written) ? false : nil
        }
        switch self {
        case .dialect:
            guard let dialect = DialectID(rawValue: written) else { return nil }
            factors.dialect = dialect
        case .routing:
            guard let routing = Factors.Routing(rawValue: written) else { return nil }
            factors.routing = routing
        case .mxTies:
            guard let ties = Factors.MXTies(rawValue: written) else { return nil }
            factors.mxTies = ties
        case .sourceRoutes:
            guard let routes = Factors.SourceRoutes(rawValue: written) else { return nil }
            factors.sourceRoutes = routes
        case .dns:
            guard let on = flag() else { return nil }
            factors.dns = on
        case .internet:
            guard let on = flag() else { return nil }
            factors.internet = on
        case .networks:
            guard let networks = Factors.NetworkSet(written: written) else { return nil }
            factors.networks = networks
        case .transport:
            guard let transport = Factors.Transport(rawValue: written) else { return nil }
            factors.transport = transport
        case .retry:
            guard let schedule = RetrySchedule.presets.first(where: { $0.name == written }) else { return nil }
            factors.retry = schedule
        case .pipelining:
            guard let on = flag() else { return nil }
            factors.pipelining = on
        }
        return ()
    }
}

/// A setting of one factor, `FACTOR=VALUE` on the command line.
public struct FactorSetting: Hashable, Sendable {
    public var factor: Factor
    public var value: String

    /// Parses `FACTOR=VALUE`; the error says what was wrong and what is possible.
    public static func parse(_ text: String) -> Result<FactorSetting, FactorError> {
        guard let equals = text.firstIndex(of: "=") else {
            return .failure(FactorError(message: "expected FACTOR=VALUE, such as dns=off, got '\(text)'"))
        }
        let name = text[..<equals].lowercased()
        let value = String(text[text.index(after: equals)...])
        guard let factor = Factor(rawValue: name) else {
            return .failure(
                FactorError(
                    message:
                        "unknown factor '\(name)'; the factors are \(Factor.allCases.map(\.rawValue).joined(separator: ", "))"
                ))
        }
        var probe = Era.all[0].factors
        guard factor.set(value, in: &probe) != nil else {
            return .failure(
                FactorError(message: "factor \(name) takes \(factor.values.joined(separator: ", ")), not '\(value)'"))
        }
        return .success(FactorSetting(factor: factor, value: value.lowercased()))
    }
}

public struct FactorError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

extension Era {
    /// This era with some factors set otherwise: a what-if. Its name says what was set, such as
    /// `mx-1986[dns=off]`, so that reports never show it as the historical era.
    public func setting(_ settings: [FactorSetting]) -> Era {
        var era = self
        for setting in settings { _ = setting.factor.set(setting.value, in: &era.factors) }
        let changed = factors.differences(from: era.factors)
        guard !changed.isEmpty else { return self }
        era.name = "\(name)[\(changed.map { "\($0.rawValue)=\($0.value(in: era.factors))" }.joined(separator: ","))]"
        era.title =
            "\(title), with \(changed.map { "\($0.rawValue) \($0.value(in: era.factors))" }.joined(separator: ", "))"
        return era
    }
}
