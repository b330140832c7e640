import MailAgent
import MailCore
import SimKernel

/// Where each recipient of each submitted message ended up. At the end of a run every one is
/// exactly one of delivered, bounced, queued, lost, or never submitted (its sender's host was
/// down, or it had none, when the message was due); anything else is a bug and fails the run.
///
/// Records are kept in one flat array aligned with the workload's recipients, so a million-message
/// run costs a few dozen bytes per recipient.
public struct Accounting: Sendable {
    public enum Outcome: String, Hashable, Sendable, Comparable {
        case delivered, bounced, queued, lost
        /// The message never entered the mail system: its sender's host was down (or it had no
        /// host) when it was due. Neither delivered nor returned: nobody took it.
        case neverSubmitted = "never_submitted"
        public static func < (lhs: Outcome, rhs: Outcome) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Why a bounced recipient came back, from the agent's reason (its wording is the agents').
    public enum BounceCause: String, CaseIterable, Hashable, Sendable {
        /// A server answered with a permanent refusal: no such user, relaying denied, too large…
        case refused
        /// A server refused it as a routing loop (RFC 2821 §6.2, or mail that came back).
        case loop
        /// It waited in a queue until the retry schedule gave up (RFC 1123 §5.3.1.1).
        case gaveUp = "gave_up"
        /// No way there: no host-table route, FTP mail off the sender's networks, an MX list
        /// that leads back to the sender.
        case noRoute = "no_route"
        /// No such domain, or no address for its exchanger.
        case unknownName = "unknown_name"
        case other

        /// The cause of a bounce with this reason.
        var index: Int { Self.allCases.firstIndex(of: self)! }

        public init(reason: String) {
            if reason.hasPrefix("gave up after ") {
                self = .gaveUp
            } else if reason.contains(" said: ") {
                self = reason.contains("Routing loop") ? .loop : .refused
            } else if reason.hasPrefix("no such user here") {
                self = .refused
            } else if reason.hasPrefix("no route to ") || reason.hasPrefix("FTP mail cannot reach ")
                || reason.contains("leads back to this host")
            {
                self = .noRoute
            } else if reason.hasPrefix("no such domain ") || reason.hasPrefix("no address for ") {
                self = .unknownName
            } else {
                self = .other
            }
        }

        public var label: String {
            switch self {
            case .refused: "bounced: refused by a server"
            case .loop: "bounced: routing loop"
            case .gaveUp: "bounced: retries gave up"
            case .noRoute: "bounced: no route"
            case .unknownName: "bounced: unknown domain or host"
            case .other: "bounced: other"
            }
        }
    }

    /// Recipients submitted and not yet delivered, returned, lost or refused at submission.
    public private(set) var inFlight = 0

    struct Slot: Sendable {
        var submitted = false
        var bounced = false
        var lost = false
        var neverSubmitted = false
        /// Reached its first final state (delivered, bounced, lost or never submitted).
        var settled = false
        var outcome: Outcome?
        var deliveries: UInt16 = 0
        var transfers: UInt16 = 0
        /// Nanoseconds of the first final delivery.
        var firstDelivery: Int64 = 0
    }

    /// One recipient's story, for reports and tests.
    public struct Record: Hashable, Sendable {
        public var messageID: String
        public var mailbox: Mailbox
        public var submittedAt: SimTime
        /// Every final delivery; more than one is a duplicate (RFC 1047).
        public var deliveries: [SimTime]
        /// Transfers between hosts (submission included), each "handed on and accepted".
        public var transfers: Int
        public var bounceReason: String?
        public var lost: Bool
        public var outcome: Outcome?

        public var duplicates: Int { max(0, deliveries.count - 1) }
        public var latency: SimDuration? { deliveries.first.map { $0 - submittedAt } }
    }

    /// The notices (bounce messages) the run produced.
    public struct Notice: Hashable, Sendable {
        public var noticeID: String
        public var about: String
        public var delivered = false
        /// Whom it was delivered to (RFC 821 §3.6: the notice goes to the reverse-path).
        public var deliveredTo: [Mailbox] = []
        public var doubleBounced = false
    }

    let workload: Workload
    var slots: [Slot]
    /// Each workload user's local part and domain, read apart so that finding a slot
    /// copies no `Mailbox` (an event names its recipient by mailbox, some hundred thousand times
    /// a run).
    private let userLocalParts: [String]
    private let userDomains: [Domain?]
    private var starts: [Int] = []
    private var bounceReasons: [Int: String] = [:]
    private var laterDeliveries: [Int: [SimTime]] = [:]
    public private(set) var notices: [Notice] = []
    private var noticeIndex: [String: Int] = [:]
    /// Double bounces: notices that could not be delivered, or would have answered a notice.
    public private(set) var doubleBounces: [String] = []
    public private(set) var loopsDetected = 0

    init(workload: Workload) {
        self.workload = workload
        slots = Array(repeating: Slot(), count: workload.recipientCount)
        userLocalParts = workload.users.map(\.localPart)
        userDomains = workload.users.map(\.domain)
        var start = 0
        starts.reserveCapacity(workload.count + 1)
        for index in 0..<workload.count {
            starts.append(start)
            start += workload.recipients(index).count
        }
        starts.append(start)
    }

    private static func sameDomain(_ domain: Domain?, _ other: Domain?) -> Bool {
        switch (domain, other) {
        case (.none, .none): true
        case (.some(let domain), .some(let other)): domain == other
        default: false
        }
    }

    /// The slot of a recipient of a workload message, if the event is about one.
    func slot(_ messageID: String, _ mailbox: Mailbox) -> Int? {
        guard let message = workload.index(ofMessageID: messageID) else { return nil }
        if let found = slot(message, mailbox) { return found }
        // A relay's view of a recipient whose route is in its local part (RFC 1123 §5.2.16:
        // `joe%Z%U@P`): the mailbox at its end is the workload's.
        guard var final = mailbox.embeddedRoute else { return nil }
        while let next = final.embeddedRoute { final = next }
        return slot(message, final)
    }

    private func slot(_ message: Int, _ mailbox: Mailbox) -> Int? {
        // A message has a recipient or three: comparing them beats hashing the mailbox. Domains
        // compare as domains (a lower-case name by its text), local parts by their keys.
        var position = starts[message]
        for recipient in workload.recipients(message) {
            let user = Int(recipient)
            if Self.sameDomain(userDomains[user], mailbox.domain),
                userLocalParts[user] == mailbox.localPart
                    || userLocalParts[user].lowercasedKey() == mailbox.localPart.lowercasedKey()
            {
                return position
            }
            position += 1
        }
        return nil
    }

    mutating func submitted(_ message: Int) {
        for slot in starts[message]..<starts[message + 1] { slots[slot].submitted = true }
        inFlight += starts[message + 1] - starts[message]
    }

    /// A recipient reached its first final state: it is no longer in flight.
    private mutating func settle(_ slot: Int) {
        guard !slots[slot].settled else { return }
        slots[slot].settled = true
        inFlight -= 1
    }

    /// Nobody took the message when it was due: `reason` says why.
    mutating func refusedAtSubmission(_ message: Int, reason: String) {
        for slot in starts[message]..<starts[message + 1] {
            settle(slot)
            slots[slot].neverSubmitted = true
            bounceReasons[slot] = reason
        }
    }

    mutating func record(_ event: AgentEvent, at time: SimTime) {
        switch event {
        case .delivered(let messageID, let mailbox):
            if let slot = slot(messageID, mailbox) {
                if slots[slot].deliveries == 0 {
                    slots[slot].firstDelivery = time.nanoseconds
                } else {
                    laterDeliveries[slot, default: []].append(time)
                }
                slots[slot].deliveries &+= 1
                settle(slot)
            } else if let position = noticeIndex[messageID] {
                notices[position].delivered = true
                notices[position].deliveredTo.append(mailbox)
            }
        case .relayed(let messageID, let mailbox, _):
            if let slot = slot(messageID, mailbox) { slots[slot].transfers &+= 1 }
        case .bounced(let messageID, let mailbox, let reason, let noticeID):
            if let slot = slot(messageID, mailbox), !slots[slot].bounced {
                slots[slot].bounced = true
                bounceReasons[slot] = reason
                settle(slot)
            }
            noticeIndex[noticeID] = notices.count
            notices.append(Notice(noticeID: noticeID, about: messageID))
        case .doubleBounce(let messageID, let mailbox, let reason):
            if let position = noticeIndex[messageID] {
                notices[position].doubleBounced = true
            } else if let slot = slot(messageID, mailbox), !slots[slot].bounced {
                // A submitted message sent from <>: its failure can only be recorded.
                slots[slot].bounced = true
                bounceReasons[slot] = reason
                settle(slot)
            }
            doubleBounces.append("\(messageID) to <\(mailbox)>: \(reason)")
        case .lost(let messageID, let mailbox):
            if let slot = slot(messageID, mailbox) {
                slots[slot].lost = true
                settle(slot)
            }
        case .loopDetected:
            loopsDetected += 1
        case .deferred:
            break
        }
    }

    /// Settles every submitted recipient; those in no final state and in no queue are returned as
    /// missing (which must never happen). `queued` holds the slots found in some agent's queue.
    mutating func close(queued: Set<Int>) -> [String] {
        var missing: [String] = []
        for message in 0..<workload.count {
            for slot in starts[message]..<starts[message + 1] where slots[slot].submitted {
                if slots[slot].neverSubmitted {
                    slots[slot].outcome = .neverSubmitted
                } else if slots[slot].deliveries > 0 {
                    slots[slot].outcome = .delivered
                } else if slots[slot].bounced {
                    slots[slot].outcome = .bounced
                } else if slots[slot].lost {
                    slots[slot].outcome = .lost
                } else if queued.contains(slot) {
                    slots[slot].outcome = .queued
                } else {
                    let user = workload.recipients(message)[
                        workload.recipients(message).startIndex + slot - starts[message]]
                    missing.append("\(workload.messageID(message)) to <\(workload.users[Int(user)])>")
                }
            }
        }
        return missing
    }

    /// Counts per outcome; they add up to the number of submitted recipients.
    public var totals: Totals {
        var totals = Totals()
        for message in 0..<workload.count
        where starts[message] < starts[message + 1] && slots[starts[message]].submitted {
            totals.messages += 1
            for slot in starts[message]..<starts[message + 1] {
                totals.recipients += 1
                switch slots[slot].outcome {
                case .delivered?: totals.delivered += 1
                case .bounced?:
                    totals.bounced += 1
                    totals.bouncedBy[BounceCause(reason: bounceReasons[slot] ?? "").index] += 1
                case .queued?: totals.queued += 1
                case .lost?: totals.lost += 1
                case .neverSubmitted?: totals.neverSubmitted += 1
                case nil: totals.unaccounted += 1
                }
                totals.duplicates += max(0, Int(slots[slot].deliveries) - 1)
                if slots[slot].outcome == .delivered && slots[slot].bounced { totals.deliveredYetBounced += 1 }
            }
        }
        totals.notices = notices.count
        totals.noticesDelivered = notices.filter(\.delivered).count
        totals.doubleBounces = doubleBounces.count
        return totals
    }

    public struct Totals: Hashable, Sendable {
        /// Bounced recipients with this cause.
        public func bounced(_ cause: BounceCause) -> Int { bouncedBy[cause.index] }

        public var messages = 0
        public var recipients = 0
        public var delivered = 0
        public var bounced = 0
        public var queued = 0
        public var lost = 0
        /// Recipients of messages nobody took (their sender's host was down when they were due).
        public var neverSubmitted = 0
        public var unaccounted = 0
        /// Bounced recipients by cause, in `BounceCause.allCases` order (they add up to `bounced`).
        public var bouncedBy: [Int] = Array(repeating: 0, count: BounceCause.allCases.count)
        /// Delivered, and yet returned to the sender as well: the server took the message but its
        /// reply was lost, and the sender's retries then gave up (the duplicate problem of RFC 1047).
        public var deliveredYetBounced = 0
        public var duplicates = 0
        public var notices = 0
        public var noticesDelivered = 0
        public var doubleBounces = 0

        public init() {}

        /// delivered + bounced + queued + lost + never submitted == recipients, and nothing unaccounted.
        public var addsUp: Bool {
            unaccounted == 0 && delivered + bounced + queued + lost + neverSubmitted == recipients
        }
    }

    /// The story of one recipient, by Message-ID and mailbox.
    public func record(messageID: String, mailbox: Mailbox) -> Record? {
        guard let slot = slot(messageID, mailbox) else { return nil }
        return record(slot: slot, message: workload.index(ofMessageID: messageID)!, mailbox: mailbox)
    }

    func record(slot: Int, message: Int, mailbox: Mailbox) -> Record {
        let state = slots[slot]
        var deliveries: [SimTime] = state.deliveries > 0 ? [SimTime(nanoseconds: state.firstDelivery)] : []
        deliveries += laterDeliveries[slot] ?? []
        return Record(
            messageID: workload.messageID(message), mailbox: mailbox, submittedAt: workload.times[message],
            deliveries: deliveries,
            transfers: Int(state.transfers), bounceReason: bounceReasons[slot], lost: state.lost, outcome: state.outcome
        )
    }

    /// Every submitted recipient's record, in workload order.
    public var records: [Record] {
        var result: [Record] = []
        for message in 0..<workload.count {
            for (position, user) in workload.recipients(message).enumerated()
            where slots[starts[message] + position].submitted {
                result.append(
                    record(slot: starts[message] + position, message: message, mailbox: workload.users[Int(user)]))
            }
        }
        return result
    }

    /// Messages whose every submitted recipient was delivered (as `records` would tell, without
    /// building a record per recipient).
    public var fullyDeliveredMessages: Int {
        var count = 0
        for message in 0..<workload.count {
            let range = starts[message]..<starts[message + 1]
            var submitted = false
            var allDelivered = true
            for slot in range where slots[slot].submitted {
                submitted = true
                if slots[slot].outcome != .delivered { allDelivered = false }
            }
            if submitted && allDelivered { count += 1 }
        }
        return count
    }

    /// Whether message `message` (by workload index) was handed from one host to another and
    /// delivered to at least one recipient.
    public func crossedHosts(message: Int) -> Bool {
        (starts[message]..<starts[message + 1]).contains { slots[$0].deliveries > 0 && slots[$0].transfers > 0 }
    }

    /// Delivery latencies (first delivery minus submission) of delivered recipients, in workload order.
    public var latencies: [SimDuration] {
        var result: [SimDuration] = []
        for message in 0..<workload.count {
            let submitted = workload.times[message].nanoseconds
            for slot in starts[message]..<starts[message + 1] where slots[slot].deliveries > 0 {
                result.append(SimDuration(nanoseconds: slots[slot].firstDelivery - submitted))
            }
        }
        return result
    }

    /// Each workload recipient's latency in nanoseconds (first delivery minus submission), or −1
    /// when it was not delivered, in workload order: runs of one workload line up recipient by
    /// recipient, for comparisons on the recipients delivered in both.
    public var latencyByRecipient: [Int64] {
        var result: [Int64] = []
        result.reserveCapacity(slots.count)
        for message in 0..<workload.count {
            let submitted = workload.times[message].nanoseconds
            for slot in starts[message]..<starts[message + 1] {
                result.append(
                    slots[slot].deliveries > 0 && slots[slot].submitted ? slots[slot].firstDelivery - submitted : -1)
            }
        }
        return result
    }

    /// Transfers of each delivered recipient (its hops), in workload order.
    public var hops: [Int] {
        slots.filter { $0.deliveries > 0 }.map { Int($0.transfers) }
    }
}
