import Testing

@testable import MailCore

@Suite struct DomainSetTests {
    @Test("a domain set matches keys without regard to case and keeps each key once, in insertion order")
    func matchesKeys() {
        var set: DomainSet = [Domain("Mail.Example.ORG"), Domain("example.org")]
        #expect(set.contains(Domain("mail.example.org")))
        #expect(set.contains(Domain("EXAMPLE.ORG")))
        #expect(!set.contains(Domain("example.com")))
        let addedAgain = set.insert(Domain("MAIL.example.org"))
        let addedNew = set.insert(Domain("gw.example.org"))
        #expect(!addedAgain)
        #expect(addedNew)
        #expect(set.map(\.text) == ["Mail.Example.ORG", "example.org", "gw.example.org"])
        #expect(set.union([Domain("EXAMPLE.org"), Domain("z.net")]).count == 4)
        #expect(set == [Domain("gw.example.org"), Domain("EXAMPLE.ORG"), Domain("mail.example.org")])
        #expect(set != [Domain("gw.example.org"), Domain("example.org")])
    }

    /// Past `listLimit` the set keeps a hashed index: it must answer exactly as a `Set` would.
    @Test(
        "a large domain set answers as a Set<Domain> does",
        arguments: [3, DomainSet.listLimit, DomainSet.listLimit + 1, 40])
    func agreesWithSet(size: Int) {
        let domains = (0..<size).map { Domain("Host\($0).Example") }
        let set = DomainSet(domains + domains.map { Domain($0.text.uppercased()) })
        let reference = Set(domains)
        #expect(set.count == reference.count)
        for probe in 0..<(size + 5) {
            let domain = Domain("host\(probe).EXAMPLE")
            #expect(set.contains(domain) == reference.contains(domain))
        }
        #expect(set.hashValue == DomainSet(domains.reversed()).hashValue)
        #expect(set == DomainSet(domains.reversed()))
    }
}
