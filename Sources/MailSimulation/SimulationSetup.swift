import MailAgent
import MailCore
import MailDialects
import SimKernel
import SimNetwork

/// Everything a run needs: the network, an agent on each mail host, the workload, the faults.
public struct SimulationSetup: Sendable {
    public var topology: Topology
    public var dns: DNSConfiguration
    public var hostTable: HostTable?
    /// The agent of each host (by host index); `nil` for hosts that only forward packets.
    public var agents: [AgentConfiguration?]
    /// The messages to submit, in time order.
    public var workload: Workload
    public var faults: [Fault]
    public var seed: UInt64
    /// The run stops here; what is still queued is reported as queued.
    public var duration: SimDuration
    /// Record a trace (off for benchmarks).
    public var tracing: Bool
    /// How many equal spans of the run `RunStatistics.queue` reports its peak and mean for (0: none).
    public var queueSamples = 0
    /// The most mail sessions the run may open before it is stopped as a runaway (mail going
    /// round, a storm of retries); nil: 1,000 a message of the workload, and at least 100,000.
    public var sessionBudget: Int?
    /// Networks joined into one internet at the packet level (see `NetworkModel.joinedNetworks`).
    public var joinedNetworks: Set<NetworkID> = []
    /// Networks that run NCP instead of TCP (see `NetworkModel.ncpNetworks`).
    public var ncpNetworks: Set<NetworkID> = []
    /// Dial-up networks and the time between their calls (see `NetworkModel.pollIntervals`).
    public var pollIntervals: [NetworkID: SimDuration] = [:]
    /// Record every segment and DNS message for a packet trace (`SimulationResult.packets`).
    public var capturesPackets = false
    /// Also trace the header of every text sent and delivered (`trace --text`): the trace lines
    /// as each hop adds them. Needs the agents to keep the delivered texts.
    public var tracesText = false
    /// Unix seconds of the run's time zero (the era's 1 January), for packet-trace timestamps.
    public var epoch: Int64 = 0

    public init(
        topology: Topology, dns: DNSConfiguration = .off, hostTable: HostTable? = nil, agents: [AgentConfiguration?],
        workload: Workload = Workload(), faults: [Fault] = [], seed: UInt64 = 1, duration: SimDuration = .days(6),
        tracing: Bool = true
    ) {
        precondition(agents.count == topology.hosts.count, "one agent slot per host")
        self.topology = topology
        self.dns = dns
        self.hostTable = hostTable
        self.agents = agents
        self.workload = workload
        self.faults = faults
        self.seed = seed
        self.duration = duration
        self.tracing = tracing
    }
}

/// A fault scheduled in simulated time.
public enum Fault: Hashable, Sendable {
    case linkDown(LinkID, at: SimTime)
    case linkUp(LinkID, at: SimTime)
    /// The host stops: connections reset, a volatile queue is lost.
    case crash(HostID, at: SimTime)
    case restart(HostID, at: SimTime)
    /// While `window` lasts, the receiver on `host` answers the next `command` (a verb such as
    /// "RCPT") with `reply`, each time with `probability` (drawn from the run's "faults" stream).
    case injectReply(host: HostID, command: String, reply: Reply, window: Range<SimTime>, probability: Double)
    /// While `window` lasts, `host` takes each message but drops the connection instead of sending
    /// the 250 after the final dot: RFC 1047's duplicate-message gap.
    case dropAfterFinalDot(host: HostID, window: Range<SimTime>)
}
