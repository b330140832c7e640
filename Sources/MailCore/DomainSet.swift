/// A set of domains, matched by key as `Domain` compares them (case-insensitively).
///
/// A host's names, its local domains and the domains it relays for are one to a few names each,
/// and every recipient of every message is looked up in them: comparing a handful of short keys
/// costs a few dozen instructions, hashing one (SipHash) some two hundred. So a small set is a
/// list searched in order, and only a set of more than `listLimit` domains keeps a hashed index
/// beside the list. Iteration follows the order of insertion, so it is the same on every run.
public struct DomainSet: Hashable, Sendable, Sequence, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// The domains in the order they were inserted, each key once.
    public private(set) var members: [Domain] = []
    /// The same domains hashed, once there are more than `listLimit` of them.
    private var index: Set<Domain>?

    /// Up to this many domains are searched in order rather than hashed.
    public static let listLimit = 8

    public init() {}

    public init<S: Sequence>(_ domains: S) where S.Element == Domain {
        for domain in domains { insert(domain) }
    }

    public init(arrayLiteral domains: Domain...) { self.init(domains) }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    public func contains(_ domain: Domain) -> Bool {
        if let index { return index.contains(domain) }
        for member in members where member == domain { return true }
        return false
    }

    /// Adds `domain` unless a domain with its key is there already; returns whether it was added.
    @discardableResult
    public mutating func insert(_ domain: Domain) -> Bool {
        guard !contains(domain) else { return false }
        members.append(domain)
        if index != nil {
            index!.insert(domain)
        } else if members.count > Self.listLimit {
            index = Set(members)
        }
        return true
    }

    public func union<S: Sequence>(_ other: S) -> DomainSet where S.Element == Domain {
        var result = self
        for domain in other { result.insert(domain) }
        return result
    }

    public func makeIterator() -> IndexingIterator<[Domain]> { members.makeIterator() }

    /// Equal when they hold the same keys, in any order, as for `Set`.
    public static func == (lhs: DomainSet, rhs: DomainSet) -> Bool {
        lhs.count == rhs.count && lhs.members.allSatisfy(rhs.contains)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(Set(members)) }

    public var description: String { "[" + members.map(\.text).joined(separator: ", ") + "]" }
}
