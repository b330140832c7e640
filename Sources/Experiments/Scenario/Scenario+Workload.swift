import MailCore
import MailSimulation
import SimKernel
import SimNetwork

extension Scenario {
    /// The scenario's messages, drawn from the "workload" stream of its seed. The workload depends
    /// only on the scenario, never on the era, so every era runs exactly the same messages.
    public func makeWorkload() -> Workload {
        var workload = Workload()
        let hostIndex = Dictionary(uniqueKeysWithValues: hosts.enumerated().map { ($0.element.name.lowercased(), $0.offset) })
        let everyone = users
        for user in everyone { workload.user(Mailbox(user.address), submitsAt: HostID(hostIndex[user.submitsAt.lowercased()]!)) }
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
                Pending(time: message.at, from: number(message.from), to: start..<recipients.count, size: message.size, subject: message.subject))
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
        // The candidates of one message, reused from message to message.
        var candidates: [Int32] = []
        for (generator, users) in zip(self.workload.generators, generatorUsers) {
            let (senders, pool) = users
            var time = generator.start
            pending.reserveCapacity(pending.count + generator.count)
            for _ in 0..<generator.count {
                time += random.exponential(mean: generator.meanInterval)
                let sender = senders[random.uniform(in: 0...(senders.count - 1))]
                let senderDomain = domainOf[Int(sender)]
                candidates.removeAll(keepingCapacity: true)
                for user in pool where user != sender && (!generator.otherDomains || domainOf[Int(user)] != senderDomain) {
                    candidates.append(user)
                }
                let wanted = random.uniform(in: generator.recipients)
                let start = recipients.count
                while recipients.count - start < wanted && !candidates.isEmpty {
                    recipients.append(candidates.remove(at: random.uniform(in: 0...(candidates.count - 1))))
                }
                if recipients.count == start { recipients.append(pool[0]) }
                let size: Int
                switch generator.size {
                case .fixed(let bytes): size = bytes
                case .uniform(let low, let high): size = random.uniform(in: low...high)
                case .exponential(let mean): size = Int(random.exponential(mean: SimDuration(nanoseconds: Int64(mean))).nanoseconds)
                }
                pending.append(Pending(time: time, from: sender, to: start..<recipients.count, size: size, subject: nil))
            }
        }
        // Time order; equal times keep the order they were written in. Generated messages
        // usually come in order already, and then there is nothing to sort.
        let inOrder = zip(pending, pending.dropFirst()).allSatisfy { $0.time <= $1.time }
        let ordered = inOrder ? pending : pending.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        for item in ordered {
            workload.add(at: item.time, from: item.from, to: recipients[item.to], bodySize: item.size, subject: item.subject)
        }
        return workload
    }
}
