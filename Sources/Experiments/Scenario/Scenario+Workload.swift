import MailCore
import MailSimulation
import SimKernel
import SimNetwork

extension Scenario {
    /// The scenario's messages, drawn from the "workload" stream of its seed. The workload depends
    /// only on the scenario, never on the era, so every era runs exactly the same messages.
    public func makeWorkload() -> Workload {
        var workload = Workload()
        let hostIndex = Dictionary(
            uniqueKeysWithValues: hosts.enumerated().map { ($0.element.name.lowercased(), $0.offset) })
        let everyone = users
        for user in everyone {
            workload.user(Mailbox(user.address), submitsAt: HostID(hostIndex[user.submitsAt.lowercased()]!))
        }
        func number(_ address: String) -> Int32 { workload.user(Mailbox(address)) }

        struct Pending {
            var time: SimTime
            var from: Int32
            /// Where its recipients are in `recipients`.
            var to: Range<Int>
            var size: Int
            var subject: String?
        }
        var pending: [Pending] = []
        var recipients: [Int32] = []
        for message in self.workload.messages {
            let start = recipients.count
            recipients.append(contentsOf: message.to.map(number))
            pending.append(
                Pending(
                    time: message.at, from: number(message.from), to: start..<recipients.count, size: message.size,
                    subject: message.subject))
        }
        var random = RandomStream(seed: seed, stream: "workload")
        let generatorUsers = self.workload.generators.map { generator in
            let senders = (generator.from.isEmpty ? everyone.map(\.address) : generator.from).map(number)
            let pool = (generator.among.isEmpty ? everyone.map(\.address) : generator.among).map(number)
            return (senders: senders, pool: pool)
        }
        // Every user is known now. Each one's domain as a small number, so that "in another
        // domain" is an integer test.
        var domainNumbers: [String: Int] = [:]
        let domainOf = workload.users.map { user in
            let key = user.domain?.key ?? ""
            if let number = domainNumbers[key] { return number }
            domainNumbers[key] = domainNumbers.count
            return domainNumbers.count - 1
        }
        // Each sender's candidates are the pool less the sender, and less its domain when
        // recipients must be elsewhere, in pool order. They are not listed (a list for each
        // sender was the square of the users): a draw picks the k-th candidate not yet taken
        // (`taken` keeps the candidates chosen, as if each were removed from the list), and the
        // k-th candidate is the k-th pool position left once the sender's excluded positions
        // (its domain's, or its own) are skipped. The same draws, the same users, as a list.
        var taken: [Int] = []
        for (generator, users) in zip(self.workload.generators, generatorUsers) {
            let (senders, pool) = users
            var positionsOfDomain: [Int: [Int]] = [:]  // pool positions, ascending (lookups only)
            var positionsOfUser: [Int32: [Int]] = [:]
            for (position, user) in pool.enumerated() {
                if generator.otherDomains {
                    positionsOfDomain[domainOf[Int(user)], default: []].append(position)
                } else {
                    positionsOfUser[user, default: []].append(position)
                }
            }
            var time = generator.start
            pending.reserveCapacity(pending.count + generator.count)
            for _ in 0..<generator.count {
                time += random.exponential(mean: generator.meanInterval)
                let sender = senders[random.uniform(in: 0...(senders.count - 1))]
                // A sender is in its own domain, so its domain's positions include its own.
                let excluded =
                    (generator.otherDomains ? positionsOfDomain[domainOf[Int(sender)]] : positionsOfUser[sender]) ?? []
                let candidates = pool.count - excluded.count
                let wanted = random.uniform(in: generator.recipients)
                let start = recipients.count
                taken.removeAll(keepingCapacity: true)
                while recipients.count - start < wanted && taken.count < candidates {
                    var position = Self.position(
                        of: random.uniform(in: 0...(candidates - taken.count - 1)), skipping: &taken)
                    for skipped in excluded {
                        guard skipped <= position else { break }
                        position += 1
                    }
                    recipients.append(pool[position])
                }
                if recipients.count == start { recipients.append(pool[0]) }
                let size: Int
                switch generator.size {
                case .fixed(let bytes): size = bytes
                case .uniform(let low, let high): size = random.uniform(in: low...high)
                case .exponential(let mean):
                    // An exponential draw has no upper bound: it stops at the largest message.
                    size = min(
                        Int(random.exponential(mean: SimDuration(nanoseconds: Int64(mean))).nanoseconds),
                        Units.largestMessage)
                }
                pending.append(
                    Pending(time: time, from: sender, to: start..<recipients.count, size: size, subject: nil))
            }
        }
        // Time order; equal times keep the order they were written in. Generated messages
        // usually come in order already, and then there is nothing to sort.
        let inOrder = zip(pending, pending.dropFirst()).allSatisfy { $0.time <= $1.time }
        let ordered =
            inOrder
            ? pending
            : pending.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        for item in ordered {
            workload.add(
                at: item.time, from: item.from, to: recipients[item.to], bodySize: item.size, subject: item.subject)
        }
        return workload
    }

    /// The position in the full list of the `index`-th entry left once the positions in `taken`
    /// are removed; that position is then added to `taken`, which stays sorted.
    static func position(of index: Int, skipping taken: inout [Int]) -> Int {
        var position = index
        var insertAt = 0
        // Each removed position at or before the candidate shifts it one further.
        while insertAt < taken.count && taken[insertAt] <= position {
            position += 1
            insertAt += 1
        }
        taken.insert(position, at: insertAt)
        return position
    }
}
