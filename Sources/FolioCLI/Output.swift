import Folio
import Foundation

enum Output {
    /// Prints `value` as one JSON document, keys sorted and in snake_case.
    static func megabytes(_ bytes: Int64) -> String {
        String(format: "%.0f MB", Double(bytes) / 1_000_000)
    }

    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(data)
    }

    /// Prints rows as columns; the last column takes what remains of the terminal's width.
    static func table(_ header: [String], _ rows: [[String]], width: Int = terminalWidth) {
        guard !header.isEmpty else { return }
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated().dropLast() { widths[index] = max(widths[index], cell.count) }
        }
        let fixed = widths.dropLast().reduce(0) { $0 + $1 + 2 }
        let lastWidth = max(20, width - fixed)
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? truncate(cell, to: lastWidth) : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }

    static func truncate(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(1, width - 1))) + "…"
    }

    /// Wraps text to `width` columns, each line indented by `indent` spaces.
    static func wrap(_ text: String, width: Int, indent: Int) -> String {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty, current.count + 1 + word.count > width - indent {
                lines.append(current)
                current = ""
            }
            current += current.isEmpty ? String(word) : " " + word
        }
        if !current.isEmpty { lines.append(current) }
        let pad = String(repeating: " ", count: indent)
        return lines.map { pad + $0 }.joined(separator: "\n")
    }

    static var terminalWidth: Int {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 20 { return columns }
        var size = winsize()
        if isatty(STDOUT_FILENO) != 0, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        return 100
    }

    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
struct ProgressBar {
    private var lastDrawn = Date.distantPast
    private(set) var drawn = false

    mutating func update(_ progress: IngestProgress) {
        let name = (progress.file as NSString).lastPathComponent
        draw(done: Double(progress.bytesRead), of: Double(progress.totalBytes),
             label: "\(progress.papers) papers  \(Output.truncate(name, to: 30))")
    }

    /// Draws embedding progress: papers done out of those to embed.
    mutating func update(_ progress: EmbeddingProgress) {
        draw(done: Double(progress.papers), of: Double(progress.total), label: "\(progress.papers)/\(progress.total) papers embedded")
    }

    /// Redraws the bar at most ten times a second, and always when the work is done.
    private mutating func draw(done: Double, of total: Double, label: String) {
        guard Output.standardErrorIsTerminal else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) > 0.1 || done >= total else { return }
        lastDrawn = now
        let fraction = total > 0 ? min(1, done / total) : 0
        let cells = 30
        let filled = Int(fraction * Double(cells))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: cells - filled)
        FileHandle.standardError.write(Data("\r\(bar) \(Int(fraction * 100))%  \(label)\u{1B}[K".utf8))
        drawn = true
    }

    /// Replaces a drawn bar with a line saying what comes next (nothing when no bar was drawn).
    mutating func status(_ text: String) {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8))
    }

    mutating func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }
}
