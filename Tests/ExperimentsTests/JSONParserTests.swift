import Testing

@testable import Experiments

@Suite struct JSONParserTests {
    func string(_ json: String) throws -> String {
        let node = try JSONParser.parse(json)
        guard case .string(let text) = node.value else {
            Issue.record("\(json) is not a string")
            return ""
        }
        return text
    }

    @Test("escapes decode as RFC 8259 §7 says, with the text around them kept")
    func escapes() throws {
        #expect(try string(#""plain""#) == "plain")
        #expect(try string(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == "a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti")
        #expect(try string(#""\u00e9t\u00C9 \u263A""#) == "étÉ ☺")
        #expect(try string(#""\ud83d\ude00!""#) == "😀!")
        #expect(try string(#""déjà vu""#) == "déjà vu")
        #expect(try string(#""""#) == "")
        for bad in [#""\x""#, #""\ud83d""#, #""\ud83d\u0041""#, #""\u12""#, #""abc"#, "\"a\nb\""] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try JSONParser.parse(bad) }
        }
    }

    @Test("a string of 200,000 escapes is read whole (it once took time in proportion to its length per escape)")
    func manyEscapes() throws {
        let text = try string("\"" + String(repeating: #"a\n"#, count: 200_000) + "\"")
        #expect(text.utf8.count == 400_000)
        #expect(text == String(repeating: "a\n", count: 200_000))
    }
}
