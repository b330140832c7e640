import MailSimulation
import Reports
import SimKernel

/// The figures of one run: the same set for every era, so eras line up side by side.
public struct RunMetrics: Sendable {
    public var scenario: String
    public var era: String
    public var seed: UInt64
    public var totals: Accounting.Totals
    /// Messages in the workload, whether or not they were due before the run ended.
    public var workloadMessages: Int
    /// Messages of the scenario's workload the run leaves out: a sender or recipient is on a
    /// network not founded by the era's year.
    public var messagesLeftOut = 0
    /// The networks that ran, where the scenario dates any (see `NetworkStatus`).
    public var networks: NetworkStatus?
    /// The networks that ran NCP rather than TCP (before the flag day of 1 January 1983).
    public var ncpNetworks: [String] = []
    public var accountingAddsUp: Bool
    /// Recipients lost without a modelled cause (always empty unless Mailpath has a bug).
    public var missing: [String]
    public var latency: LatencySummary?
    /// Each workload recipient's latency in nanoseconds, −1 if it was not delivered (for paired
    /// comparisons between runs of the same workload).
    public var latencyByRecipient: [Int64]
    public var hopsMean: Double
    public var hopsMax: Int
    /// Client waits for the server (RFC 2920's turnarounds) over all sessions that carried a
    /// message, per submitted message.
    public var roundTripsPerMessage: Double
    public var protocolBytes: Int
    public var textBytes: Int
    /// Everything put on links, with TCP/IP headers and DNS.
    public var wireBytes: Int
    public var connections: Int
    public var failedConnections: Int
    public var dnsQueries: Int
    public var sessions: Int
    public var pipelinedSessions: Int
    public var heloFallbacks: Int
    /// Messages each host's receivers accepted, by host name.
    public var relayLoad: [(host: String, messages: Int)]
    /// Recipients waiting in all queues, followed at every change (exact peak and means).
    public var queue: LevelStatistics
    /// Recipients submitted and not yet settled, and open connections, followed at every change.
    public var inFlight: LevelStatistics
    public var openConnections: LevelStatistics
    public var events: UInt64
    /// Of `events`, those at which a segment reached a hop on its way (see
    /// `NetworkModel.Statistics.hopEvents`): a larger network's longer paths show here.
    public var hopEvents: Int
    /// Why the run was stopped before its end (a runaway), if it was.
    public var stopReason: String?
    public var simulatedTime: SimDuration

    public struct LatencySummary: Hashable, Sendable {
        public var mean: SimDuration
        public var p50: SimDuration
        public var p95: SimDuration
        public var p99: SimDuration
        public var max: SimDuration

        /// Nearest-rank percentiles of the latencies.
        public init?(_ latencies: [SimDuration]) {
            guard !latencies.isEmpty else { return nil }
            let sorted = latencies.sorted()
            func rank(_ percent: Int) -> SimDuration {
                let position = (percent * sorted.count + 99) / 100
                return sorted[Swift.max(0, Swift.min(sorted.count - 1, position - 1))]
            }
            let total = sorted.reduce(Int64(0)) { $0 + $1.nanoseconds }
            mean = SimDuration(nanoseconds: total / Int64(sorted.count))
            p50 = rank(50)
            p95 = rank(95)
            p99 = rank(99)
            max = sorted.last!
        }
    }

    public init(scenario: String, era: String, seed: UInt64, setup: SimulationSetup, result: SimulationResult) {
        self.scenario = scenario
        self.era = era
        self.seed = seed
        totals = result.totals
        workloadMessages = setup.workload.count
        accountingAddsUp = result.accountingAddsUp
        missing = result.missing
        latency = LatencySummary(result.accounting.latencies)
        latencyByRecipient = result.accounting.latencyByRecipient
        let hops = result.accounting.hops
        hopsMean = hops.isEmpty ? 0 : Double(hops.reduce(0, +)) / Double(hops.count)
        hopsMax = hops.max() ?? 0
        let submitted = max(1, totals.messages)
        roundTripsPerMessage =
            Double(result.statistics.turnaroundsPerMessage.reduce(0) { $0 + Int($1) }) / Double(submitted)
        protocolBytes = result.statistics.protocolBytes
        textBytes = result.statistics.textBytes
        wireBytes = result.network.bytes
        connections = result.network.connectionsOpened
        failedConnections = result.network.connectionsRefused + result.network.connectionsTimedOut
        dnsQueries = result.network.dnsQueries
        sessions = result.statistics.sessions
        pipelinedSessions = result.statistics.pipelinedSessions
        heloFallbacks = result.statistics.heloFallbacks
        relayLoad = result.statistics.acceptedByHost.map { (setup.topology.hosts[$0.key].name, $0.value) }.sorted {
            $0.host < $1.host
        }
        queue = result.statistics.queue
        inFlight = result.statistics.inFlight
        openConnections = result.statistics.connections
        events = result.eventsProcessed
        hopEvents = result.network.hopEvents
        stopReason = result.stopReason
        simulatedTime = result.endTime - .zero
    }

    /// The mean latency of the recipients delivered in both this run and `other` (of the same
    /// workload), in each, with how many there are; `nil` when none was delivered in both.
    public func pairedLatency(with other: RunMetrics) -> (count: Int, mine: Double, theirs: Double)? {
        guard latencyByRecipient.count == other.latencyByRecipient.count else { return nil }
        var count = 0
        var mine = 0.0
        var theirs = 0.0
        for (a, b) in zip(latencyByRecipient, other.latencyByRecipient) where a >= 0 && b >= 0 {
            count += 1
            mine += Double(a)
            theirs += Double(b)
        }
        guard count > 0 else { return nil }
        return (count, mine / Double(count) / 1e9, theirs / Double(count) / 1e9)
    }

    /// Delivered recipients as a share of all recipients (0 when there are none).
    public var deliveredShare: Double {
        totals.recipients > 0 ? Double(totals.delivered) / Double(totals.recipients) : 0
    }

    /// The most recipients waiting in all queues at any instant of the run.
    public var peakQueue: Int { queue.peak }

    /// Every figure as (key, label, value), in a fixed order: the rows of every rendering.
    public var figures: [(key: String, label: String, value: String)] {
        func seconds(_ duration: SimDuration?) -> String { duration.map { Format.decimal($0.seconds, 3) } ?? "-" }
        return [
            ("messages", "messages in the workload", String(workloadMessages)),
            ("messages_left_out", "messages left out (network not yet founded)", String(messagesLeftOut)),
            // Generated arrivals that fall past the run's end (the decoder refuses a generator
            // whose mean span does not fit, but a draw may still run over): never sent, and not
            // among the recipients below.
            ("messages_after_end", "messages due after the run ended", String(workloadMessages - totals.messages)),
            ("recipients", "recipients", String(totals.recipients)),
            ("delivered", "delivered", String(totals.delivered)),
            ("bounced", "bounced", String(totals.bounced)),
        ]
            + Accounting.BounceCause.allCases.map { cause in
                ("bounced_" + cause.rawValue, cause.label, String(totals.bounced(cause)))
            } + [
                ("delivered_yet_bounced", "delivered, yet also bounced", String(totals.deliveredYetBounced)),
                ("queued", "still queued", String(totals.queued)),
                ("lost", "lost", String(totals.lost)),
                ("never_submitted", "never submitted (sender's host down)", String(totals.neverSubmitted)),
                ("duplicates", "duplicates", String(totals.duplicates)),
                ("double_bounces", "double bounces", String(totals.doubleBounces)),
                // Latency and hops are of delivered recipients only: their share stands beside them.
                ("delivered_share", "delivered share (%)", Format.decimal(deliveredShare * 100, 1)),
                ("latency_mean_s", "latency mean, delivered (s)", seconds(latency?.mean)),
                ("latency_p50_s", "latency p50, delivered (s)", seconds(latency?.p50)),
                ("latency_p95_s", "latency p95, delivered (s)", seconds(latency?.p95)),
                ("latency_p99_s", "latency p99, delivered (s)", seconds(latency?.p99)),
                ("latency_max_s", "latency max, delivered (s)", seconds(latency?.max)),
                ("hops_mean", "hops per delivered recipient", totals.delivered > 0 ? Format.decimal(hopsMean, 2) : "-"),
                ("hops_max", "most hops", totals.delivered > 0 ? String(hopsMax) : "-"),
                ("round_trips_per_message", "round trips per message", Format.decimal(roundTripsPerMessage, 2)),
                ("protocol_bytes", "protocol bytes", String(protocolBytes)),
                ("text_bytes", "message text bytes", String(textBytes)),
                ("wire_bytes", "bytes on the wire", String(wireBytes)),
                ("connections", "TCP connections", String(connections)),
                ("failed_connections", "failed connections", String(failedConnections)),
                ("dns_queries", "DNS queries", String(dnsQueries)),
                ("sessions", "mail sessions", String(sessions)),
                ("pipelined_sessions", "pipelined sessions", String(pipelinedSessions)),
                ("helo_fallbacks", "EHLO refused, HELO used", String(heloFallbacks)),
                ("peak_queue", "peak queued recipients", String(peakQueue)),
                ("mean_queue", "mean queued recipients", Format.decimal(queue.mean, 6)),
                ("peak_in_flight", "peak recipients in flight", String(inFlight.peak)),
                ("mean_in_flight", "mean recipients in flight", Format.decimal(inFlight.mean, 6)),
                ("peak_connections", "peak open connections", String(openConnections.peak)),
                ("mean_connections", "mean open connections", Format.decimal(openConnections.mean, 6)),
            ]
    }

    /// The figures' values for CSV: a figure without a value is an empty field, not "-".
    public var csvValues: [String] { figures.map { Double($0.value) != nil ? $0.value : "" } }

    /// The run as a JSON document.
    public var json: JSON {
        .object([
            ("scenario", .string(scenario)), ("era", .string(era)), ("seed", .number(String(seed))),
            ("accounting_adds_up", .bool(accountingAddsUp)),
            ("networks", networks.map(Self.json) ?? .null),
            ("ncp_networks", .array(ncpNetworks.map { .string($0) })),
            // A figure without a value ("-" in text: no delivered recipient to measure) is null.
            ("figures", .object(figures.map { ($0.key, Double($0.value) != nil ? .number($0.value) : .null) })),
            ("relay_load", .object(relayLoad.map { ($0.host, .int($0.messages)) })),
            (
                "queue",
                .array(
                    queue.buckets.map {
                        .object([
                            ("until_s", .decimal($0.end.nanoseconds.secondsValue, 3)), ("peak", .int($0.peak)),
                            ("mean", .decimal($0.mean, 6)),
                        ])
                    })
            ),
        ])
    }
}

extension RunMetrics {
    /// What a report says about the run's networks, in a line: those left out or run before their
    /// time, and those run over NCP; `nil` when there is nothing to say.
    public var networkNote: String? {
        var parts: [String] = []
        if let note = networks?.note { parts.append(note) }
        if !ncpNetworks.isEmpty {
            parts.append(
                "over NCP, before the flag day of 1 January 1983: " + ncpNetworks.joined(separator: ", "))
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    static func json(_ status: NetworkStatus) -> JSON {
        func dated(_ list: [NetworkStatus.Dated]) -> JSON {
            .array(list.map { .object([("name", .string($0.name)), ("founded", .int($0.founded))]) })
        }
        return .object([
            ("running", .array(status.running.map { .string($0) })), ("not_yet_founded", dated(status.notYetFounded)),
            ("before_their_time", dated(status.beforeTheirTime)),
        ])
    }
}

extension Int64 {
    var secondsValue: Double { Double(self) / 1e9 }
}
