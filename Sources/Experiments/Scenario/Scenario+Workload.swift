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
            var to: [Int32]
            var size: Int
            var subject: String?
        }
        var pending: [Pending] = []
        for message in self.workload.messages {
            pending.append(Pending(time: message.at, from: number(message.from), to: message.to.map(number), size: message.size, subject: message.subject))
        }
        var random = RandomStream(seed: seed, stream: "workload")
        // Each user's domain as a small number, so that "in another domain" is an integer test.
        var domainNumbers: [String: Int] = [:]
        var domainOf: [Int] = []
        func domainNumber(_ user: Int32) -> Int {
            while domainOf.count <= Int(user) {
                let key = workload.users[domainOf.count].domain?.key ?? ""
                if domainNumbers[key] == nil { domainNumbers[key] = domainNumbers.count }
                domainOf.append(domainNumbers[key]!)
            }
            return domainOf[Int(user)]
        }
        for generator in self.workload.generators {
            let senders = (generator.from.isEmpty ? everyone.map(\.address) : generator.from).map(number)
            let pool = (generator.among.isEmpty ? everyone.map(\.address) : generator.among).map(number)
            var time = generator.start
            for _ in 0..<generator.count {
                time += random.exponential(mean: generator.meanInterval)
                let sender = senders[random.uniform(in: 0...(senders.count - 1))]
                let senderDomain = domainNumber(sender)
                var candidates = pool.filter { $0 != sender && (!generator.otherDomains || domainNumber($0) != senderDomain) }
                let wanted = random.uniform(in: generator.recipients)
                var chosen: [Int32] = []
                while chosen.count < wanted && !candidates.isEmpty {
                    chosen.append(candidates.remove(at: random.uniform(in: 0...(candidates.count - 1))))
                }
                if chosen.isEmpty { chosen = [pool[0]] }
                let size: Int
                switch generator.size {
                case .fixed(let bytes): size = bytes
                case .uniform(let low, let high): size = random.uniform(in: low...high)
                case .exponential(let mean): size = Int(random.exponential(mean: SimDuration(nanoseconds: Int64(mean))).nanoseconds)
                }
                pending.append(Pending(time: time, from: sender, to: chosen, size: size, subject: nil))
            }
        }
        // Time order; equal times keep the order they were written in.
        for item in pending.enumerated().sorted(by: { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }).map(\.element) {
            workload.add(at: item.time, from: item.from, to: item.to, bodySize: item.size, subject: item.subject)
        }
        return workload
    }
}
