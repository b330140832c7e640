// libFuzzer target: line framing and the command and path parsers of every dialect
// (Scripts/fuzz.sh commands). Any bytes must parse or give the parser's error, never a trap.
import MailCore
import MailDialects

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommands(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var lines: [ArraySlice<UInt8>] = [bytes[...]]
    for terminator in [LineFramer.Terminator.crlf, .lf] {
        var framer = LineFramer(terminator: terminator, maxLineLength: 1000)
        framer.append(bytes)
        while case .line(let line) = framer.next(), lines.count < 64 { lines.append(line) }
        while case .overlong = framer.next() {}
    }
    for line in lines {
        for dialect in DialectID.allCases {
            if dialect.isSMTP {
                let rules = SMTPRules.forDialect(dialect)
                _ = try? SMTPCommand.parse(line, rules: rules, extended: true)
                _ = try? SMTPCommand.parse(line, rules: rules, extended: false)
            } else {
                _ = MTPCommand.parse(line, rules: .forDialect(dialect))
            }
        }
        for style in [RouteStyle.comma, .colon] {
            _ = Path.parse(
                bytes: line, style: style, limits: PathLimits(path: 256, domain: 64, localPart: 64), allowNull: true,
                allowPostmaster: true)
        }
    }
    return 0
}
