import MailAgent
import MailCore
import SimKernel
import SimNetwork

/// The messages of a run: who sends what to whom, when, how big. Never how it is routed.
///
/// Stored compactly, because a benchmark run has a million messages: users are numbered, each
/// message is a row of small integers, and its text is written only when it is submitted. Messages
/// must be in time order. Message n carries `Message-ID: <wn@mailpath.invalid>`, by which the run's
/// accounting follows it across hops.
public struct Workload: Sendable {
    /// Every address that sends or receives, and the host where its owner submits mail.
    public private(set) var users: [Mailbox] = []
    public private(set) var userHosts: [HostID?] = []
    private var userIndex: [String: Int32] = [:]

    public private(set) var times: [SimTime] = []
    private var senders: [Int32] = []
    private var recipientStarts: [Int32] = [0]
    private var recipientList: [Int32] = []
    /// Body bytes of each message (the header is added on top).
    public private(set) var sizes: [Int32] = []
    /// Texts given explicitly (scenario files, tests): message index → full RFC 822 text.
    private var explicitTexts: [Int: [UInt8]] = [:]
    private var subjects: [Int: String] = [:]
    /// Message-IDs chosen by the caller instead of `<wN@mailpath.invalid>`.
    private var explicitIDs: [Int: String] = [:]
    private var explicitIndex: [String: Int] = [:]

    public init() {}

    public var count: Int { times.count }

    /// The number of a user, adding it if new; `host` is where the user submits mail.
    @discardableResult
    public mutating func user(_ mailbox: Mailbox, submitsAt host: HostID? = nil) -> Int32 {
        if let existing = userIndex[mailbox.key] {
            if let host, userHosts[Int(existing)] == nil { userHosts[Int(existing)] = host }
            return existing
        }
        let index = Int32(users.count)
        users.append(mailbox)
        userHosts.append(host)
        userIndex[mailbox.key] = index
        return index
    }

    public func userNumber(_ mailbox: Mailbox) -> Int32? { userIndex[mailbox.key] }

    /// Appends a message; `text`, when given, is the whole RFC 822 text and must carry this
    /// message's Message-ID (see `messageID(_:)`).
    public mutating func add(
        at time: SimTime, from sender: Int32, to recipients: some Collection<Int32>, bodySize: Int,
        subject: String? = nil, text: [UInt8]? = nil,
        messageID: String? = nil
    ) {
        precondition(times.last.map { $0 <= time } ?? true, "workload messages must be added in time order")
        precondition(!recipients.isEmpty, "a message needs a recipient")
        let index = times.count
        times.append(time)
        senders.append(sender)
        recipientList.append(contentsOf: recipients)
        recipientStarts.append(Int32(recipientList.count))
        sizes.append(Int32(bodySize))
        if let text { explicitTexts[index] = text }
        if let subject { subjects[index] = subject }
        if let messageID {
            precondition(explicitIndex[messageID] == nil, "Message-ID \(messageID) used twice")
            explicitIDs[index] = messageID
            explicitIndex[messageID] = index
        }
    }

    /// The messages `keep` accepts, in order, each keeping its Message-ID and subject (so a
    /// message is the same one, by its ID, in a run that leaves others out); the users stay numbered
    /// as they are.
    public func keeping(_ keep: (Int) -> Bool) -> Workload {
        var kept = Workload()
        kept.users = users
        kept.userHosts = userHosts
        kept.userIndex = userIndex
        for index in 0..<count where keep(index) {
            kept.add(
                at: times[index], from: senders[index], to: recipients(index), bodySize: Int(sizes[index]),
                subject: subjects[index] ?? "Message \(index)", text: explicitTexts[index],
                messageID: messageID(index))
        }
        return kept
    }

    public func sender(_ index: Int) -> Int32 { senders[index] }

    public func recipients(_ index: Int) -> ArraySlice<Int32> {
        recipientList[Int(recipientStarts[index])..<Int(recipientStarts[index + 1])]
    }

    /// `<w17@mailpath.invalid>`
    public func messageID(_ index: Int) -> String {
        if !explicitIDs.isEmpty, let id = explicitIDs[index] { return id }
        var bytes: [UInt8] = []
        writeMessageID(index, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends message `index`'s Message-ID: the one place a generated one is spelt, for
    /// `messageID(_:)` and for the texts, which write it straight into the header.
    func writeMessageID(_ index: Int, into bytes: inout [UInt8]) {
        bytes.write { writeMessageID(index, to: &$0) }
    }

    func writeMessageID(_ index: Int, to line: inout ByteWriter) {
        if !explicitIDs.isEmpty, let id = explicitIDs[index] {
            line.put(utf8: id)
        } else {
            line.put(literal: "<w")
            line.put(decimal: index)
            line.put(literal: "@mailpath.invalid>")
        }
    }

    /// The message index of a Message-ID of this workload, or `nil` for other mail (notices).
    public func index(ofMessageID messageID: String) -> Int? {
        if !explicitIndex.isEmpty, let index = explicitIndex[messageID] { return index }
        // Read in place through the UTF-8 view: `withUTF8` needs a copy of the string to call on.
        let value: Int?? = messageID.utf8.withContiguousStorageIfAvailable(Self.generatedIndex)
        let number: Int?
        if case .some(let read) = value {
            number = read
        } else {
            var copy = messageID
            number = copy.withUTF8(Self.generatedIndex)
        }
        // A message given its own ID (as every message of a `keeping` workload is) is not found by
        // the generated form of its place.
        return number.flatMap { $0 < count && (explicitIDs.isEmpty || explicitIDs[$0] == nil) ? $0 : nil }
    }

    /// The number in a generated Message-ID, `<w17@…>`.
    private static func generatedIndex(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count > 3, bytes[0] == UInt8(ascii: "<"), bytes[1] == UInt8(ascii: "w") else { return nil }
        var value = 0
        for index in 2..<bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "@") { return index > 2 ? value : nil }
            guard byte >= 0x30 && byte <= 0x39, value < Int.max / 10 - 9 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return nil
    }

    /// The text of message `index`: given, or a header and a body of `sizes[index]` bytes.
    /// The text of message `index`; with `date`, its header starts with that `Date:` field
    /// (RFC 822 §4.1 requires one: the submitting host writes it, knowing its era's form).
    public func text(_ index: Int, date: String? = nil) -> [UInt8] {
        if !explicitTexts.isEmpty, let text = explicitTexts[index] { return text }
        // The header, written straight into the text (a benchmark writes a million of them).
        var text: [UInt8] = []
        text.reserveCapacity(240 + Int(sizes[index]))
        text.write { header in
            if let date {
                header.put(literal: "Date: ")
                header.put(utf8: date)
                header.put(literal: "\r\n")
            }
            header.put(literal: "From: ")
            users[Int(senders[index])].write(to: &header)
            header.put(literal: "\r\nTo: ")
            // Folded before an address that would take the line past 78 characters (RFC 2822
            // §2.1.1; RFC 822 §3.1.1: a fold is CR LF and white space), so that a message to many
            // recipients keeps every line far inside the 1000-character limit (RFC 821 §4.5.3).
            var column = 4
            for (position, recipient) in recipients(index).enumerated() {
                let mailbox = users[Int(recipient)]
                let length = mailbox.localPart.utf8.count + (mailbox.domain.map { $0.text.utf8.count + 1 } ?? 0)
                if position > 0 {
                    // ", " and the address, and room for the comma a fold after it would add.
                    if column + 2 + length + 1 > 78 {
                        header.put(literal: ",\r\n ")
                        column = 1
                    } else {
                        header.put(literal: ", ")
                        column += 2
                    }
                }
                mailbox.write(to: &header)
                column += length
            }
            header.put(literal: "\r\nSubject: ")
            if !subjects.isEmpty, let subject = subjects[index] {
                header.put(utf8: subject)
            } else {
                header.put(literal: "Message ")
                header.put(decimal: index)
            }
            header.put(literal: "\r\nMessage-ID: ")
            writeMessageID(index, to: &header)
            header.put(literal: "\r\n\r\n")
        }
        // Lines of 70 letters: ordinary text, no line starting with a dot. The letters run on
        // from line to line, a–z over and over. Every body is a run of whole lines of
        // `Workload.body` and a shorter last line, so most of it is one copy.
        let size = Int(sizes[index])
        let wholeLines = min(size / 72, Workload.bodyLines)
        text.append(contentsOf: Workload.body[..<(wholeLines * 72)])
        var remaining = size - wholeLines * 72
        var letter = wholeLines * 70 % 26
        while remaining > 0 {
            let line = min(remaining, 72) - 2
            if line > 0 {
                text.append(contentsOf: Workload.letters[letter..<letter + line])
                letter = (letter + line) % 26
            }
            text.append(0x0d)
            text.append(0x0a)
            remaining -= line + 2
        }
        return text
    }

    /// a–z repeated, long enough for any line to start at any letter.
    static let letters: [UInt8] = (0..<(26 + 72)).map { UInt8(0x61 + $0 % 26) }
    /// The first `bodyLines` whole lines of every generated body: 70 letters and CR LF each.
    static let bodyLines = 1024
    static let body: [UInt8] = {
        var body: [UInt8] = []
        body.reserveCapacity(bodyLines * 72)
        var letter = 0
        for _ in 0..<bodyLines {
            body.append(contentsOf: letters[letter..<letter + 70])
            letter = (letter + 70) % 26
            body.append(0x0d)
            body.append(0x0a)
        }
        return body
    }()

    /// The submission of message `index`.
    public func submission(_ index: Int, date: String? = nil) -> Submission {
        Submission(
            reversePath: Path(users[Int(senders[index])]), recipients: recipients(index).map { Path(users[Int($0)]) },
            content: text(index, date: date))
    }

    /// The host where message `index` is submitted.
    public func host(_ index: Int) -> HostID? { userHosts[Int(senders[index])] }

    /// Total recipients over all messages.
    public var recipientCount: Int { recipientList.count }
}
