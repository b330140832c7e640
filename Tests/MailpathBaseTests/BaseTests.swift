import MailpathBase
import Testing

@Suite struct ASCIITests {
    @Test(
        "names fold to lower case: ASCII letters directly, anything beyond ASCII as Unicode says",
        arguments: [
            ("mit-multics.arpa", "mit-multics.arpa"), ("MIT-Multics.ARPA", "mit-multics.arpa"), ("", ""),
            ("A@B.C", "a@b.c"), ("[10.0.0.1]", "[10.0.0.1]"), ("ZÜRICH.ch", "zürich.ch"), ("İstanbul", "i̇stanbul"),
        ])
    func folds(name: String, key: String) {
        #expect(ASCII.lowercased(name) == key)
        #expect(ASCII.lowercased(name) == name.lowercased())
    }
}

@Suite struct FNV1aTests {
    @Test("FNV-1a 64 matches the published test vectors")
    func vectors() {
        // From the FNV authors' test suite (Landon Curt Noll's fnv_test.c): "", "a", "foobar".
        #expect(FNV1a.hash([UInt8]()) == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a.hash("foobar".utf8) == 0x8594_4171_f739_67e8)
        #expect(FNV1a.hash(Array("foobar".utf8)) == FNV1a.hash("foobar".utf8))
    }
}

extension FNV1aTests {
    @Test("a hash continued over more bytes is the hash of them all; a string's is its UTF-8 bytes'")
    func continued() {
        #expect(FNV1a.hash("bar".utf8, continuing: FNV1a.hash("foo".utf8)) == FNV1a.hash("foobar".utf8))
        let bridged = "foo" + String(repeating: "é", count: 3)
        #expect(FNV1a.hash(utf8: bridged) == FNV1a.hash(Array(bridged.utf8)))
    }
}
