import Testing

@testable import MailpathBase

@Suite struct IDMapTests {
    @Test("inserts, in-place updates and removals agree with a Dictionary over many random operations")
    func agreesWithDictionary() {
        var map = IDMap<[Int]>()
        var reference: [UInt64: [Int]] = [:]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func draw(_ bound: UInt64) -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (state >> 33) % bound
        }
        for step in 0..<20_000 {
            // Keys from a small range collide and wrap around often; some from far away too.
            let key = draw(4) == 0 ? draw(1 << 40) : draw(300)
            switch draw(5) {
            case 0, 1:
                map[key] = [step]
                reference[key] = [step]
            case 2:
                map.updating(key) { $0.append(step) }  // in place
                reference[key]?.append(step)
            case 3:
                #expect(map.removeValue(forKey: key) == reference.removeValue(forKey: key))
            default:
                map[key] = nil
                reference[key] = nil
            }
            #expect(map.count == reference.count)
            #expect(map[key] == reference[key])
        }
        #expect(map.keys == reference.keys.sorted())
        #expect(map.values == reference.keys.sorted().map { reference[$0]! })
        for key in reference.keys { #expect(map[key] == reference[key]) }
        for _ in 0..<1000 {
            let key = draw(1 << 41)
            #expect(map[key] == reference[key])
        }
    }

    @Test("an emptied table is empty, takes keys again, and compares by contents")
    func emptying() {
        var map: IDMap<String> = [1: "one", 2: "two", 17: "seventeen"]
        #expect(map.keys == [1, 2, 17])
        map.removeAll()
        #expect(map.isEmpty && map[1] == nil && map.keys.isEmpty)
        map[5] = "five"
        #expect(map == [5: "five"])
        #expect(map != [5: "cinq"])
    }
}
