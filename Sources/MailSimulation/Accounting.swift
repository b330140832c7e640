import MailAgent
import MailCore
import SimKernel

/// Where each recipient of each submitted message ended up. At the end of a run every one is
/// exactly one of delivered, bounced, queued or lost; anything else is a bug and fails the run.
public struct Accounting: Sendable {
    public enum Outcome: String, Hashable, Sendable, Comparable {
        case delivered, bounced, queued, lost
        public static func < (lhs: Outcome, rhs: Outcome) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public struct Record: Hashable, Sendable {
        public var messageID: String
        public var mailbox: Mailbox
        public var submittedAt: SimTime
        /// Every final delivery; more than one is a duplicate (RFC 1047).
        public var deliveries: [SimTime] = []
        /// Transfers between hosts (submission included), each "handed on and accepted".
        public var transfers = 0
        public var bounceReason: String?
        public var noticeID: String?
        public var lost = false
        /// Set at the end of the run.
        public var outcome: Outcome?

        public var duplicates: Int { max(0, deliveries.count - 1) }
        public var latency: SimDuration? { deliveries.first.map { $0 - submittedAt } }
    }

    /// The notices (bounce messages) the run produced.
    public struct Notice: Hashable, Sendable {
        public var noticeID: String
        public var about: String
        public var delivered = false
        public var doubleBounced = false
    }

    public private(set) var records: [Record] = []
    private var index: [String: Int] = [:]
    public private(set) var notices: [Notice] = []
    private var noticeIndex: [String: Int] = [:]
    /// Double bounces: notices that could not be delivered, or would have answered a notice.
    public private(set) var doubleBounces: [String] = []
    public private(set) var loopsDetected = 0

    public init() {}

    static func key(_ messageID: String, _ mailbox: Mailbox) -> String { messageID + " " + mailbox.key }

    mutating func submitted(messageID: String, recipients: [Path], at time: SimTime) {
        for path in recipients {
            guard let mailbox = path.mailbox else { continue }
            let key = Self.key(messageID, mailbox)
            guard index[key] == nil else { continue }
            index[key] = records.count
            records.append(Record(messageID: messageID, mailbox: mailbox, submittedAt: time))
        }
    }

    mutating func record(_ event: AgentEvent, at time: SimTime) {
        switch event {
        case .delivered(let messageID, let mailbox):
            if let position = index[Self.key(messageID, mailbox)] {
                records[position].deliveries.append(time)
            } else if let position = noticeIndex[messageID] {
                notices[position].delivered = true
            }
        case .relayed(let messageID, let mailbox, _):
            if let position = index[Self.key(messageID, mailbox)] { records[position].transfers += 1 }
        case .bounced(let messageID, let mailbox, let reason, let noticeID):
            if let position = index[Self.key(messageID, mailbox)], records[position].bounceReason == nil {
                records[position].bounceReason = reason
                records[position].noticeID = noticeID
            }
            noticeIndex[noticeID] = notices.count
            notices.append(Notice(noticeID: noticeID, about: messageID))
        case .doubleBounce(let messageID, let mailbox, let reason):
            if let position = noticeIndex[messageID] {
                notices[position].doubleBounced = true
            } else if let position = index[Self.key(messageID, mailbox)], records[position].bounceReason == nil {
                // A submitted message sent from <>: its failure can only be recorded.
                records[position].bounceReason = reason
            }
            doubleBounces.append("\(messageID) to <\(mailbox)>: \(reason)")
        case .lost(let messageID, let mailbox):
            if let position = index[Self.key(messageID, mailbox)] { records[position].lost = true }
        case .loopDetected:
            loopsDetected += 1
        case .deferred:
            break
        }
    }

    /// Settles every record; recipients found in no final state and in no queue are returned as
    /// missing (which must never happen).
    mutating func close(queued: Set<String>) -> [String] {
        var missing: [String] = []
        for position in records.indices {
            let record = records[position]
            let key = Self.key(record.messageID, record.mailbox)
            if !record.deliveries.isEmpty {
                records[position].outcome = .delivered
            } else if record.bounceReason != nil {
                records[position].outcome = .bounced
            } else if record.lost {
                records[position].outcome = .lost
            } else if queued.contains(key) {
                records[position].outcome = .queued
            } else {
                missing.append(key)
            }
        }
        return missing
    }

    /// Counts per outcome; they add up to the number of recipients.
    public var totals: Totals {
        var totals = Totals()
        for record in records {
            totals.recipients += 1
            switch record.outcome {
            case .delivered?: totals.delivered += 1
            case .bounced?: totals.bounced += 1
            case .queued?: totals.queued += 1
            case .lost?: totals.lost += 1
            case nil: totals.unaccounted += 1
            }
            totals.duplicates += record.duplicates
        }
        totals.messages = Set(records.map(\.messageID)).count
        totals.notices = notices.count
        totals.noticesDelivered = notices.filter(\.delivered).count
        totals.doubleBounces = doubleBounces.count
        return totals
    }

    public struct Totals: Hashable, Sendable {
        public var messages = 0
        public var recipients = 0
        public var delivered = 0
        public var bounced = 0
        public var queued = 0
        public var lost = 0
        public var unaccounted = 0
        public var duplicates = 0
        public var notices = 0
        public var noticesDelivered = 0
        public var doubleBounces = 0

        public init() {}

        /// delivered + bounced + queued + lost == recipients, and nothing unaccounted.
        public var addsUp: Bool { unaccounted == 0 && delivered + bounced + queued + lost == recipients }
    }

    public func record(messageID: String, mailbox: Mailbox) -> Record? {
        index[Self.key(messageID, mailbox)].map { records[$0] }
    }
}
