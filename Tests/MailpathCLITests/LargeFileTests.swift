import Foundation
import TestSupport
import Testing

@Suite struct LargeFileTests {
    @Test(
        "a 20 MB scenario file of a million tiny objects is refused in less memory than twice its size (a tree of it took eight times)"
    )
    func memoryOfAFileOfTinyObjects() throws {
        let binary = try BuiltBinary.mailpath()
        // Refused for its missing "format" after the whole text is parsed, as a file with
        // one bad host at its end would be after its hosts.
        var text = Array(#"{"hosts": ["#.utf8)
        for index in 0..<1_000_000 { text += Array(#"{"name":"h\#(1_000_000 + index)"},"#.utf8) }
        text[text.count - 1] = UInt8(ascii: "]")
        text.append(UInt8(ascii: "}"))
        let large = TemporaryFiles.path("tiny-objects", suffix: ".json")
        let small = TemporaryFiles.path("no-objects", suffix: ".json")
        try Data(text).write(to: URL(fileURLWithPath: large))
        try Data(#"{"hosts": []}"#.utf8).write(to: URL(fileURLWithPath: small))
        let base = try #require(PeakMemory.run(binary, ["run", small]))
        let peak = try #require(PeakMemory.run(binary, ["run", large]))
        #expect(base.status == 65 && peak.status == 65, "both refused as data errors")
        let size = text.count / 1024
        #expect(size > 19_000, "about 20 MB")
        #expect(
            peak.kibibytes - base.kibibytes < 2 * size, "\(peak.kibibytes - base.kibibytes) KiB more for \(size) KiB")
    }
}
