import Testing

@testable import MailpathBase

@Suite struct NameTableTests {
    struct Key: Hashable {
        var name: String
        var kind: UInt8
    }

    @Test("sets and lookups agree with a Dictionary over many random operations, through growth and emptying")
    func matchesDictionary() {
        var random = SplitMix64(state: 7)
        // Short names (stored inline in the string) and long ones (on the heap), some differing only in case.
        let names = (0..<300).map { index in
            index % 3 == 0
                ? "mx\(index).example.net"
                : index % 3 == 1 ? "h\(index).d\(index % 7).net" : "H\(index - 1).D\((index - 1) % 7).NET"
        }
        var table = NameTable<Int>()
        var reference: [Key: Int] = [:]
        for step in 0..<20_000 {
            let name = names[Int(random.next() % UInt64(names.count))]
            let kind: UInt8 = random.next() % 2 == 0 ? 1 : 15
            if random.next() % 3 == 0 {
                table.set(step, name, kind: kind)
                reference[Key(name: name, kind: kind)] = step
            } else {
                #expect(table.value(name, kind: kind) == reference[Key(name: name, kind: kind)])
            }
            if step == 12_000 {
                table.removeAll()
                reference.removeAll()
                #expect(table.isEmpty)
            }
        }
        #expect(table.count == reference.count)
        for (key, value) in reference { #expect(table.value(key.name, kind: key.kind) == value) }
        // Names are compared exactly: a name in another case is another name.
        var cased = NameTable<String>()
        cased.set("lower", "d1.net", kind: 1)
        #expect(cased.value("D1.NET", kind: 1) == nil)
        #expect(cased.value("d1.net", kind: 15) == nil)
        #expect(cased.value("d1.net", kind: 1) == "lower")
    }
}
