/// Reads the text form of a Hugging Face "Daily Papers" listing.
///
/// The page is page chrome ("Get trending papers in your email inbox!", …), a date line without
/// a year (`Aug 14`), then title and abstract paragraphs separated by blank lines. The year comes
/// from ``referenceDay``: the listing is dated the latest such day not after it.
struct DailyPageParser: ListingParser {
    /// Lines of page furniture, skipped wherever they appear before the date line.
    static let chromeLines: Set<String> = [
        "new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers",
        "byAK and the research community",
    ]
    /// A paragraph longer than this cannot be a title: an abstract is missing before it.
    static let maximumTitleLength = 400
    private static let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]

    var lines: LineReader
    let referenceDay: Day

    mutating func parse(_ emit: (ParsedItem) throws -> Void) throws {
        var day: Day?
        var pendingTitle: (text: String, line: Int)?
        var papers = 0

        while let (paragraph, line) = try nextParagraph() {
            if let dated = Self.dateLine(paragraph) {
                if let title = pendingTitle {
                    throw RecordProblem(line: title.line, message: "title \"\(title.text.prefix(80))\" has no abstract; expected an abstract paragraph after it")
                }
                guard let resolved = Day.latest(month: dated.month, day: dated.day, notAfter: referenceDay) else {
                    throw RecordProblem(line: line, message: "date \"\(paragraph)\" does not exist on or before \(referenceDay)")
                }
                day = resolved
                continue
            }
            guard let listingDay = day else {
                if Self.chromeLines.contains(paragraph) { continue }
                throw RecordProblem(line: line, message: "expected a date line like \"Aug 14\" after the page header, found \"\(paragraph.prefix(80))\"")
            }
            guard let title = pendingTitle else {
                guard paragraph.count <= Self.maximumTitleLength else {
                    throw RecordProblem(line: line, message: "expected a paper title, found a paragraph of \(paragraph.count) characters (is a title or an abstract missing before it?)")
                }
                pendingTitle = (paragraph, line)
                continue
            }
            pendingTitle = nil
            papers += 1
            let paper = IncomingPaper(
                externalID: nil, title: title.text, abstract: paragraph,
                links: LinkExtractor.links(in: paragraph), published: listingDay,
                source: Appearance.dailyPapersSource
            )
            try emit(.paper(paper, line: title.line))
        }
        if let title = pendingTitle {
            throw RecordProblem(line: title.line, message: "title \"\(title.text.prefix(80))\" has no abstract: the page ends after it")
        }
        if day == nil {
            throw RecordProblem(line: max(lines.lineNumber, 1), message: "no date line like \"Aug 14\" found; expected a daily-papers page")
        }
        if papers == 0 {
            throw RecordProblem(line: max(lines.lineNumber, 1), message: "no papers found; expected title and abstract paragraphs after the date line")
        }
    }

    /// The next run of non-blank lines joined by spaces, with the number of its first line.
    private mutating func nextParagraph() throws -> (String, Int)? {
        var parts: [String] = []
        var firstLine = 0
        while let raw = try lines.nextLine() {
            let text = raw.trimmingWhitespace()
            if text.isEmpty {
                if !parts.isEmpty { break }
                continue
            }
            if parts.isEmpty { firstLine = lines.lineNumber }
            parts.append(text)
        }
        return parts.isEmpty ? nil : (parts.joined(separator: " "), firstLine)
    }

    /// `Aug 14`, `August 14` → (8, 14).
    static func dateLine(_ text: String) -> (month: Int, day: Int)? {
        let words = text.split(separator: " ")
        guard words.count == 2, words[0].count >= 3, let day = Int(words[1]), (1 ... 31).contains(day) else { return nil }
        let name = words[0].lowercased()
        guard let month = months.firstIndex(where: { $0.hasPrefix(name) }) else { return nil }
        return (month + 1, day)
    }
}

/// Finds the web links in a piece of text (code repositories, project pages).
enum LinkExtractor {
    static func links(in text: String) -> [String] {
        // Most abstracts hold no link: a look at their colons settles them without splitting the text.
        guard mayHoldLink(text) else { return [] }
        var links: [String] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "(" || $0 == ")" || $0 == "<" || $0 == ">" }) {
            guard word.hasPrefix("http://") || word.hasPrefix("https://") else { continue }
            // Sentence punctuation after a link belongs to the sentence.
            let link = String(word.reversed().drop { ".,;:!?'\"]}".contains($0) }.reversed())
            if link.count > 8, !links.contains(link) { links.append(link) }
        }
        return links
    }

    /// Whether "http://" or "https://" occurs in `text`'s UTF-8: a word can start a link only then.
    /// Colons are rare in prose, so each one is checked for a scheme before it and "//" after it.
    private static func mayHoldLink(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { utf8 in
            var start = 0
            while let colon = utf8[start...].firstIndex(of: UInt8(ascii: ":")) {
                let before = utf8[..<colon], after = utf8[(colon + 1)...]
                if after.starts(with: "//".utf8), before.suffix(4).elementsEqual("http".utf8) || before.suffix(5).elementsEqual("https".utf8) {
                    return true
                }
                start = colon + 1
            }
            return false
        } ?? true
    }
}

extension StringProtocol {
    /// The text without the whitespace (Unicode's White_Space) at either end.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let end = scalars.index(after: scalars.lastIndex(where: { !$0.isWhitespace })!)
        // Scalar boundaries are UTF-8 boundaries, so the kept part is copied as bytes in one go.
        return String(decoding: utf8[first ..< end], as: UTF8.self)
    }
}

extension String {
    /// The text without the whitespace at either end; most texts have none, and are not copied.
    func trimmingWhitespace() -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last, !first.isWhitespace, !last.isWhitespace else {
            return self[...].trimmingWhitespace()
        }
        return self
    }
}

private extension Unicode.Scalar {
    /// Unicode's White_Space, answered without a property look-up for ASCII.
    var isWhitespace: Bool {
        isASCII ? value == 0x20 || (0x09 ... 0x0D).contains(value) : properties.isWhitespace
    }
}
