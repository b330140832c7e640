/// Escaping for HTML and SVG text and attributes: the one place it is done.
public enum Markup {
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Text safe inside a Mermaid message or name: Mermaid's entity codes for the characters its
    /// grammar reserves.
    public static func mermaid(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "<": result += "#lt;"
            case ">": result += "#gt;"
            case ";": result += "#59;"
            case ":": result += "#58;"
            case "#": result += "#35;"
            default: result.append(character)
            }
        }
        return result
    }
}

/// Charts as inline SVG, our own code. Series differ by shade *and* by dash pattern and marker
/// shape, so they stay apart when printed in greyscale.
public enum SVGChart {
    public struct Series: Hashable, Sendable {
        public var name: String
        public var values: [Double?]
        public init(name: String, values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    /// Shades from dark to light, dash patterns and markers for up to four series.
    static let shades = ["#1f3a5f", "#c0392b", "#6b8e23", "#7f7f7f"]
    static let dashes = ["", "6 4", "2 3", "10 3 2 3"]

    /// Grouped bars: one group per label, one bar per series, with axis, ticks, unit and legend.
    public static func bars(
        title: String, unit: String, labels: [String], series: [Series], width: Int = 640, height: Int = 260
    ) -> String {
        let scale = Scale(series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0)
        let maximum = scale.maximum
        let plot = Frame(width: width, height: height, labelCount: labels.count, scale: scale)
        var svg = plot.open(title: title) + plot.axes(unit: unit, labels: labels)
        let groupWidth = plot.plotWidth / Double(max(1, labels.count))
        let barWidth = groupWidth * 0.7 / Double(max(1, series.count))
        for (seriesIndex, line) in series.enumerated() {
            for (index, value) in line.values.enumerated() {
                guard let value else { continue }
                let x = plot.left + groupWidth * Double(index) + groupWidth * 0.15 + barWidth * Double(seriesIndex)
                let barHeight = maximum > 0 ? plot.plotHeight * value / maximum : 0
                let y = plot.top + plot.plotHeight - barHeight
                svg +=
                    "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(barWidth))\" height=\"\(f(barHeight))\" fill=\"\(shades[seriesIndex % 4])\""
                svg +=
                    seriesIndex % 2 == 1
                    ? " fill-opacity=\"0.45\" stroke=\"\(shades[seriesIndex % 4])\" stroke-width=\"1.5\"" : ""
                svg +=
                    "><title>\(Markup.escape("\(labels[index]): \(line.name) \(number(value)) \(unit)"))</title></rect>\n"
            }
        }
        svg += plot.legend(series.map(\.name), style: .bars)
        return svg + "</svg>\n"
    }

    /// Lines with markers: one point per label, gaps where a value is missing.
    public static func lines(
        title: String, unit: String, labels: [String], series: [Series], width: Int = 640, height: Int = 260
    ) -> String {
        let scale = Scale(series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0)
        let maximum = scale.maximum
        let plot = Frame(width: width, height: height, labelCount: labels.count, scale: scale)
        var svg = plot.open(title: title) + plot.axes(unit: unit, labels: labels)
        let step = plot.plotWidth / Double(max(1, labels.count))
        for (seriesIndex, line) in series.enumerated() {
            var points: [(Double, Double, Double)] = []
            for (index, value) in line.values.enumerated() {
                guard let value else { continue }
                let x = plot.left + step * (Double(index) + 0.5)
                let y = plot.top + plot.plotHeight - (maximum > 0 ? plot.plotHeight * value / maximum : 0)
                points.append((x, y, value))
            }
            let shade = shades[seriesIndex % 4]
            if points.count > 1 {
                svg += "<polyline fill=\"none\" stroke=\"\(shade)\" stroke-width=\"2\""
                if !dashes[seriesIndex % 4].isEmpty { svg += " stroke-dasharray=\"\(dashes[seriesIndex % 4])\"" }
                svg += " points=\"" + points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ") + "\"/>\n"
            }
            for (index, point) in points.enumerated() {
                svg += marker(
                    seriesIndex, x: point.0, y: point.1, shade: shade, title: "\(line.name) \(number(point.2)) \(unit)")
                _ = index
            }
        }
        svg += plot.legend(series.map(\.name), style: .lines)
        return svg + "</svg>\n"
    }

    static func marker(_ series: Int, x: Double, y: Double, shade: String, title: String) -> String {
        let tip = "<title>\(Markup.escape(title))</title>"
        switch series % 4 {
        case 0: return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4\" fill=\"\(shade)\">\(tip)</circle>\n"
        case 1:
            return
                "<rect x=\"\(f(x - 4))\" y=\"\(f(y - 4))\" width=\"8\" height=\"8\" fill=\"white\" stroke=\"\(shade)\" stroke-width=\"2\">\(tip)</rect>\n"
        case 2:
            return
                "<polygon points=\"\(f(x)),\(f(y - 5)) \(f(x + 5)),\(f(y + 4)) \(f(x - 5)),\(f(y + 4))\" fill=\"\(shade)\">\(tip)</polygon>\n"
        default:
            return
                "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4\" fill=\"white\" stroke=\"\(shade)\" stroke-width=\"2\">\(tip)</circle>\n"
        }
    }

    /// A value axis: ticks at a round step (1, 2 or 5 times a power of ten), the finest step that
    /// needs no more than seven, up to the first tick at or above the data's maximum.
    struct Scale {
        var step: Double
        var ticks: Int
        var maximum: Double { step * Double(ticks) }

        init(_ dataMaximum: Double) {
            guard dataMaximum > 0 else {
                step = 0.25
                ticks = 4
                return
            }
            var power = 1.0
            while power * 10 <= dataMaximum { power *= 10 }
            while power > dataMaximum { power /= 10 }
            var chosen = (step: power, ticks: Int((dataMaximum / power).rounded(.up)))
            for multiple in [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0] {
                let step = power * multiple
                let count = Int((dataMaximum / step - 1e-9).rounded(.up))
                if (3...7).contains(count) {
                    chosen = (step, count)
                    break
                }
            }
            step = chosen.step
            ticks = max(1, chosen.ticks)
        }

        var labels: [String] { (0...ticks).map { SVGChart.number(step * Double($0)) } }
    }

    /// The plot area and its furniture.
    struct Frame {
        var width: Int
        var height: Int
        var labelCount: Int
        var scale: Scale
        /// Room for the axis title and the widest tick label (about 7 px a character at 12 px).
        var left: Double { 28 + Double(scale.labels.map(\.count).max() ?? 1) * 7 + 6 }
        let right = 16.0
        let top = 40.0
        let bottom = 64.0
        var plotWidth: Double { Double(width) - left - right }
        var plotHeight: Double { Double(height) - top - bottom }

        enum LegendStyle { case bars, lines }

        func open(title: String) -> String {
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"100%\" style=\"min-width: \(width * 3 / 4)px\" role=\"img\" aria-label=\"\(Markup.escape(title))\" font-family=\"sans-serif\" font-size=\"12\">\n"
                + "<title>\(Markup.escape(title))</title>\n"
                + "<text x=\"\(f(left))\" y=\"18\" font-size=\"14\" font-weight=\"bold\">\(Markup.escape(title))</text>\n"
        }

        func axes(unit: String, labels: [String]) -> String {
            var svg = ""
            for (tick, text) in scale.labels.enumerated() {
                let y = top + plotHeight - plotHeight * Double(tick) / Double(scale.ticks)
                svg +=
                    "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>\n"
                svg +=
                    "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Markup.escape(text))</text>\n"
            }
            svg +=
                "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\" stroke=\"#333\"/>\n"
            svg +=
                "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(top + plotHeight))\" stroke=\"#333\"/>\n"
            svg +=
                "<text transform=\"translate(14,\(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(Markup.escape(unit))</text>\n"
            let step = plotWidth / Double(max(1, labels.count))
            for (index, label) in labels.enumerated() {
                let x = left + step * (Double(index) + 0.5)
                svg +=
                    "<text x=\"\(f(x))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\" font-size=\"11\">\(Markup.escape(label))</text>\n"
            }
            return svg
        }

        func legend(_ names: [String], style: LegendStyle) -> String {
            var svg = ""
            var x = left
            let y = Double(height) - 18
            for (index, name) in names.enumerated() {
                let shade = shades[index % 4]
                switch style {
                case .bars:
                    svg += "<rect x=\"\(f(x))\" y=\"\(f(y - 9))\" width=\"12\" height=\"12\" fill=\"\(shade)\""
                    svg +=
                        index % 2 == 1 ? " fill-opacity=\"0.45\" stroke=\"\(shade)\" stroke-width=\"1.5\"/>\n" : "/>\n"
                case .lines:
                    svg +=
                        "<line x1=\"\(f(x))\" y1=\"\(f(y - 3))\" x2=\"\(f(x + 22))\" y2=\"\(f(y - 3))\" stroke=\"\(shade)\" stroke-width=\"2\""
                    svg += dashes[index % 4].isEmpty ? "/>\n" : " stroke-dasharray=\"\(dashes[index % 4])\"/>\n"
                    svg += SVGChart.marker(index, x: x + 11, y: y - 3, shade: shade, title: name)
                }
                svg += "<text x=\"\(f(x + 28))\" y=\"\(f(y + 1))\">\(Markup.escape(name))</text>\n"
                x += 40 + Double(name.count) * 7
            }
            return svg
        }
    }

    /// A number for an axis or a tooltip: whole numbers plainly, others with up to three decimals.
    static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return Format.grouped(Int(value)) }
        if abs(value) >= 100 { return Format.decimal(value, 0) }
        if abs(value) >= 1 { return Format.decimal(value, 2) }
        return Format.decimal(value, 3)
    }

    /// Coordinates with one decimal, so output is byte-stable.
    static func f(_ value: Double) -> String { Format.decimal(value, 1) }
}
