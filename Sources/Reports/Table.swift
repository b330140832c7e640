/// A table of text cells: the value that the text, Markdown, HTML and CSV renderers draw.
public struct Table: Hashable, Sendable {
    public enum Alignment: Hashable, Sendable {
        case left
        case right
    }

    public var headers: [String]
    public var rows: [[String]]
    public var alignments: [Alignment]

    public init(headers: [String], rows: [[String]], alignments: [Alignment]? = nil) {
        precondition(rows.allSatisfy { $0.count == headers.count }, "every row needs \(headers.count) cells")
        self.headers = headers
        self.rows = rows
        self.alignments = alignments ?? Array(repeating: .left, count: headers.count)
    }
}

extension Table {
    /// Columns padded with spaces, two spaces apart, a rule under the header; no trailing spaces.
    public var text: String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let fill = String(repeating: " ", count: widths[index] - cell.count)
                parts.append(alignments[index] == .right ? fill + cell : cell + fill)
            }
            var text = parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text + "\n"
        }
        return line(headers) + line(widths.map { String(repeating: "-", count: $0) }) + rows.map(line).joined()
    }

    /// A GitHub-flavoured Markdown table; pipes in cells are escaped.
    public var markdown: String {
        func escape(_ cell: String) -> String { cell.replacingPipes() }
        var text = "| " + headers.map(escape).joined(separator: " | ") + " |\n"
        text += "|" + alignments.map { $0 == .right ? " ---: |" : " --- |" }.joined() + "\n"
        for row in rows { text += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
        return text
    }
}

extension String {
    func replacingPipes() -> String {
        var result = ""
        for character in self {
            if character == "|" {
                result += "\\|"
            } else if character == "\n" {
                result += " "
            } else {
                result.append(character)
            }
        }
        return result
    }
}
