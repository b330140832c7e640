import MailCore
import MailDialects

// The routing policies (`RoutingPolicy`), one router each: what a policy decides about where mail
// goes. `MailAgent` carries the decisions out (queues, lookups, sessions, retries) and asks its
// router nothing else, so a policy is read in one place. RFC 765 (FTP mail, no relaying), RFC 780
// §3.2 and 821 §3.6 (source routes), RFC 974 (MX), RFC 2821 §5 (MX, routes stripped), and the
// configured relays of hosts behind a workstation's server or off the Internet.

/// What a router decides for recipients bound for one target.
enum RoutingStep {
    /// Try these hosts in order; `paths`, when given, are the forward-paths rewritten (a route
    /// added), else they go as they are.
    case deliver(to: [MailAgent.Candidate], paths: [Path]?)
    /// Ask DNS for the target's mail exchangers first.
    case lookUpExchangers
    /// The recipients cannot be routed: they bounce (permanent) or wait for a retry.
    case fail(permanent: Bool, reason: String)
}

/// One routing policy's decisions.
protocol Router: AnyObject, Sendable {
    /// The host that recipients whose next hop is `target` are sent to: recipients with the same
    /// one travel in one session.
    func sessionTarget(for target: String, from host: AgentConfiguration) -> String
    /// Where `paths`, bound for `target`, go first.
    func firstStep(toward target: String, paths: [Path], from host: AgentConfiguration) -> RoutingStep
    /// What DNS's answer to the exchanger query for `target` means (asked only after
    /// `.lookUpExchangers`); `draw` gives random numbers (the driver's, so runs repeat).
    func exchangersFound(
        _ answer: NameAnswer, for target: String, paths: [Path], from host: AgentConfiguration,
        draw: () -> UInt64
    ) -> RoutingStep
    /// A candidate this host reaches another way than directly: the host to connect to instead,
    /// and the hops to put before the paths' routes (ending at the candidate); nil to connect to
    /// the candidate itself.
    func approach(_ candidate: MailAgent.Candidate, from host: AgentConfiguration) -> (
        MailAgent.Candidate, hops: [Domain]
    )?
    /// Whether a relay puts itself at the beginning of the reverse-path (RFC 780 §3.2; RFC 821
    /// §3.6), for mail that came by a source route (`viaRoute`) or not.
    func relayAddsItself(viaRoute: Bool) -> Bool
    /// Whether a bounce notice goes to the reverse-path without its route (RFC 1123 §5.3.3;
    /// RFC 2821 §6.1).
    var noticesDropRoutes: Bool { get }
}

extension Router {
    func sessionTarget(for target: String, from host: AgentConfiguration) -> String { target }
    func exchangersFound(
        _ answer: NameAnswer, for target: String, paths: [Path], from host: AgentConfiguration,
        draw: () -> UInt64
    ) -> RoutingStep {
        .fail(permanent: false, reason: "no exchanger lookup under this routing")
    }
    func approach(_ candidate: MailAgent.Candidate, from host: AgentConfiguration) -> (
        MailAgent.Candidate, hops: [Domain]
    )? { nil }
    /// A relay named in the route it follows adds itself.
    func relayAddsItself(viaRoute: Bool) -> Bool { viaRoute }
    var noticesDropRoutes: Bool { false }
}

extension AgentConfiguration {
    /// The router of this host's routing policy.
    var router: any Router {
        switch routing {
        case .directOnly: DirectRouter()
        case .sourceRoutes: SourceRouteRouter()
        case .mx(let rules): MXRouter(rules: rules)
        case .smartHost(let host): SmartHostRouter(host: host)
        case .gatewayForOthers(let relay): OffInternetRouter(relay: relay)
        }
    }

    /// `name` as a candidate, with its address when the host table has it.
    func candidate(_ name: String) -> MailAgent.Candidate {
        MailAgent.Candidate(name: name, address: directory.entry(name)?.address)
    }
}

/// 1980, FTP mail (RFC 765): `MAIL <user>` goes to the user's own host, over a network both hosts
/// are on; it cannot name another host, so nothing is relayed.
final class DirectRouter: Router {
    func firstStep(toward target: String, paths: [Path], from host: AgentConfiguration) -> RoutingStep {
        guard host.directory.canReach(host.hostName, target) else {
            return .fail(
                permanent: true,
                reason:
                    "FTP mail cannot reach \(target): it is on no network of this host's, and FTP mail is never relayed"
            )
        }
        return .deliver(to: [host.candidate(target)], paths: nil)
    }
}

/// 1981–1986: a host out of reach is reached through the gateways the host table names, in a
/// source route (RFC 780 §3.2, RFC 821 §3.6) — or, by the host's practice, a route embedded in
/// the local part (RFC 1123 §5.2.16) or its relay by configuration (RFC 974 on CSNET-RELAY).
final class SourceRouteRouter: Router {
    func firstStep(toward target: String, paths: [Path], from host: AgentConfiguration) -> RoutingStep {
        if case .relay(let relay) = host.gatewayRouting, !host.directory.canReach(host.hostName, target),
            paths.allSatisfy(\.route.isEmpty)
        {
            // Mail for a host out of reach goes to the relay, the address as it is; the relay
            // finds the rest.
            return .deliver(to: [host.candidate(relay)], paths: nil)
        }
        // "the first host in the forward-path is the one receiving it"
        guard let chain = host.directory.gateways(from: host.hostName, to: target) else {
            return .fail(permanent: true, reason: "no route to \(target) in the host table")
        }
        guard let first = chain.first else { return .deliver(to: [host.candidate(target)], paths: nil) }
        let relays = chain.map(Domain.init)
        let routed = paths.map {
            if case .embedded(let encoding) = host.gatewayRouting, $0.route.isEmpty, let mailbox = $0.mailbox {
                return Path(mailbox.embedding(route: relays, as: encoding))
            }
            return Path(route: relays + $0.route, mailbox: $0.mailbox)
        }
        return .deliver(to: [host.candidate(first)], paths: routed)
    }

    /// Every relay of the source-route eras.
    func relayAddsItself(viaRoute: Bool) -> Bool { true }
}

/// RFC 974 and RFC 2821 §5: the recipient's domain's exchangers, lowest preference first; no MX
/// means the host itself. `rules` say how equal preferences are ordered and whether routes are
/// followed (RFC 974) or stripped (RFC 2821).
final class MXRouter: Router {
    let rules: MXRules

    init(rules: MXRules) { self.rules = rules }

    func firstStep(toward target: String, paths: [Path], from host: AgentConfiguration) -> RoutingStep {
        .lookUpExchangers
    }

    /// RFC 974 "Interpreting the List of MX RRs" and RFC 2821 §5.
    func exchangersFound(
        _ answer: NameAnswer, for target: String, paths: [Path], from host: AgentConfiguration,
        draw: () -> UInt64
    ) -> RoutingStep {
        switch answer {
        case .exchangers(let records):
            var list = records
            // "If the domain name LOCAL is listed as an MX RR, all MX RRs with a preference value
            // greater than or equal to that of LOCAL's must be discarded."
            var mine: Int?
            for record in list where host.isThisHost(Domain(record.name)) {
                mine = min(mine ?? record.preference, record.preference)
            }
            if let mine {
                list = list.filter { $0.preference < mine }
                if list.isEmpty {
                    // This host is the best exchanger: a gateway delivers over its own networks to
                    // a host that is not on the Internet (through further gateways named in a
                    // source route, if its host table says so); anything else is an error.
                    guard let chain = host.directory.gateways(from: host.hostName, to: target) else {
                        return .fail(permanent: true, reason: "MX list for \(target) leads back to this host")
                    }
                    let routed =
                        chain.isEmpty
                        ? nil : paths.map { Path(route: chain.map(Domain.init) + $0.route, mailbox: $0.mailbox) }
                    return .deliver(to: [host.candidate(chain.first ?? target)], paths: routed)
                }
            }
            let candidates = ordered(list, draw: draw).map {
                MailAgent.Candidate(name: $0.name, address: $0.addresses.first)
            }
            return .deliver(to: candidates, paths: nil)
        case .noRecords, .addresses:
            // No MX: "treat it as if it contained one RR, an MX RR with a preference value of 0,
            // and a host name of REMOTE" (RFC 974); the implicit MX of RFC 2821 §5.
            return .deliver(to: [MailAgent.Candidate(name: target, address: nil)], paths: nil)
        case .noSuchDomain:
            return .fail(permanent: true, reason: "no such domain \(target)")
        case .temporaryFailure:
            return .fail(permanent: false, reason: "DNS lookup for \(target) timed out")
        case .unavailable:
            return .fail(permanent: false, reason: "DNS is not available to look up \(target)")
        }
    }

    /// Lowest preference first. Equal preferences: RFC 974 leaves the order "up to the mailer"
    /// (here: by name, so runs repeat); RFC 2821 §5: "the sender-SMTP MUST randomize them".
    func ordered(_ list: [Exchanger], draw: () -> UInt64) -> [Exchanger] {
        guard list.count > 1 else { return list }  // one exchanger (most domains): nothing to sort or shuffle
        let sorted = list.sorted { ($0.preference, $0.name.lowercasedKey()) < ($1.preference, $1.name.lowercasedKey()) }
        guard rules.shufflesEqualPreferences else { return sorted }
        var result: [Exchanger] = []
        var start = 0
        while start < sorted.count {
            var end = start
            while end < sorted.count && sorted[end].preference == sorted[start].preference { end += 1 }
            var group = Array(sorted[start..<end])
            // Fisher–Yates with an unbiased draw (rejection sampling), not the standard library's.
            for i in stride(from: group.count - 1, to: 0, by: -1) {
                let bound = UInt64(i + 1)
                let limit = UInt64.max - UInt64.max % bound
                var drawn = draw()
                while drawn >= limit { drawn = draw() }
                group.swapAt(i, Int(drawn % bound))
            }
            result += group
            start = end
        }
        return result
    }

    /// RFC 974 era: an exchanger this host cannot reach over its own networks is reached the old
    /// way, through the gateways its host table names, with a source route ending at the exchanger.
    func approach(_ candidate: MailAgent.Candidate, from host: AgentConfiguration) -> (
        MailAgent.Candidate, hops: [Domain]
    )? {
        guard rules.followsSourceRoutes, !host.directory.canReach(host.hostName, candidate.name),
            let chain = host.directory.gateways(from: host.hostName, to: candidate.name), let first = chain.first
        else { return nil }
        return (host.candidate(first), (chain + [candidate.name]).map(Domain.init))
    }

    /// A relay named in the route it follows, unless routes are stripped (RFC 2821 §4.1.1.3:
    /// relays no longer add themselves).
    func relayAddsItself(viaRoute: Bool) -> Bool { viaRoute && rules.followsSourceRoutes }

    /// RFC 1123 §5.3.3 ("SHOULD"), RFC 2821 §6.1.
    var noticesDropRoutes: Bool { true }
}

/// A workstation and its mail server: everything not local goes to the one relay, in one
/// transaction.
final class SmartHostRouter: Router {
    let host: String

    init(host: String) { self.host = host }

    func sessionTarget(for target: String, from host: AgentConfiguration) -> String { self.host }

    func firstStep(toward target: String, paths: [Path], from host: AgentConfiguration) -> RoutingStep {
        .deliver(to: [MailAgent.Candidate(name: self.host, address: nil)], paths: nil)
    }
}

/// A host off the Internet in the eras of DNS (RFC 974: such hosts were reached through their
/// network's relay, CSNET-RELAY for CSNET): it cannot reach a name server, so it delivers straight
/// to hosts on its own networks, passes mail on to the next gateway its host table names (hop by
/// hop, without source routes), and sends the rest to its relay.
final class OffInternetRouter: Router {
    let relay: String

    init(relay: String) { self.relay = relay }

    /// `target` itself over a network this host is on; the first gateway of the host table's
    /// route when that route leaves over a network the relay is not on (a gateway between two
    /// networks off the Internet passes mail on along them); anything else the relay.
    func sessionTarget(for target: String, from host: AgentConfiguration) -> String {
        let directory = host.directory
        if directory.canReach(host.hostName, target) { return target }
        guard let first = directory.gateways(from: host.hostName, to: target)?.first,
            let mine = directory.entry(host.hostName), let next = directory.entry(first),
            let toward = directory.entry(relay)
        else { return relay }
        let leavingBy = mine.networks.intersection(next.networks)
        return leavingBy.isDisjoint(with: toward.networks) ? first : relay
    }

    func firstStep(toward target: String, paths: [Path], from host: AgentConfiguration) -> RoutingStep {
        .deliver(to: [host.candidate(sessionTarget(for: target, from: host))], paths: nil)
    }
}
