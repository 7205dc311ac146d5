import Foundation
import Testing
@testable import Folio

/// Runs a parser over a file and collects what it emits.
func parseFile(_ path: String, format: IngestFormat, reference: Day = .iso("2025-09-10")) throws -> (papers: [IncomingPaper], problems: [RecordProblem]) {
    var papers: [IncomingPaper] = []
    var problems: [RecordProblem] = []
    let collect: (ParsedItem) throws -> Void = { item in
        switch item {
        case let .paper(paper, _): papers.append(paper)
        case let .invalid(problem): problems.append(problem)
        }
    }
    let handle = FileHandle(forReadingAtPath: path)!
    defer { try? handle.close() }
    switch format {
    case .daily:
        var parser = DailyPageParser(lines: LineReader(handle: handle), referenceDay: reference)
        try parser.parse(collect)
    case .jsonl:
        var parser = JSONLinesParser(lines: LineReader(handle: handle))
        try parser.parse(collect)
    case .atom:
        var parser = AtomParser(stream: InputStream(fileAtPath: path)!)
        try parser.parse(collect)
    }
    return (papers, problems)
}

@Suite("Daily-papers pages")
struct DailyPageParserTests {
    @Test(arguments: zip(Fixtures.dailyPages, [(74, "2025-08-14"), (75, "2025-09-09"), (72, "2025-08-26"), (86, "2025-08-29")]))
    func realPagesParse(path: String, expected: (count: Int, day: String)) throws {
        let (papers, problems) = try parseFile(path, format: .daily)
        #expect(problems.isEmpty)
        #expect(papers.count == expected.count)
        #expect(papers.allSatisfy { $0.published == Day.iso(expected.day) && $0.source == "hf-daily" && $0.externalID == nil })
        #expect(papers.allSatisfy { !$0.title.isEmpty && $0.title.count < 200 && $0.abstract.count > 200 })
        // Titles and abstracts pair up the way the page shows them.
        let lines = Fixtures.text(path).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let body = Array(lines.drop { $0 != lines[5] }.dropFirst())
        #expect(papers.map(\.title) == stride(from: 0, to: body.count, by: 2).map { body[$0] })
        #expect(papers.map(\.abstract) == stride(from: 1, to: body.count, by: 2).map { body[$0] })
    }

    @Test func firstPaperOfTheFirstPage() throws {
        let paper = try parseFile(Fixtures.dailyPages[0], format: .daily).papers[0]
        #expect(paper.title == "What Makes Good Data for Alignment? A Comprehensive Study of Automatic Data Selection in Instruction Tuning")
        #expect(paper.abstract.hasPrefix("Instruction tuning is a standard technique employed to align large language models"))
        #expect(paper.abstract.hasSuffix("for future researches to effectively align models more efficiently."))
    }

    @Test func linksInAbstractsAreKept() throws {
        let papers = try parseFile(Fixtures.dailyPages[0], format: .daily).papers
        let links = papers.flatMap(\.links)
        #expect(links.contains("https://github.com/WadeYin9712/Dynosaur"))
        #expect(links.contains("https://FollowRAG.github.io"))
        #expect(!links.contains { $0.hasSuffix(".") })
    }

    @Test func yearComesFromTheReferenceDay() throws {
        let directory = TemporaryDirectory()
        let page = directory.file("p.txt", Fixtures.dailyPage(date: "Dec 30", [("A title", "An abstract long enough.")]))
        #expect(try parseFile(page, format: .daily, reference: .iso("2025-01-05")).papers[0].published == .iso("2024-12-30"))
        #expect(try parseFile(page, format: .daily, reference: .iso("2025-12-30")).papers[0].published == .iso("2025-12-30"))
    }

    @Test func malformedPagesAreRejectedWithTheirLine() throws {
        let directory = TemporaryDirectory()
        let cases: [(String, String, Int)] = [
            ("empty", "", 1),
            ("no-date", "Daily Papers\n\nSome Title\n\nSome abstract.\n", 3),
            ("no-papers", Fixtures.dailyPage([]), 12),
            ("missing-abstract", Fixtures.dailyPage([("T1", "A1 text")]) + "Lonely title\n", 17),
            ("abstract-as-title", Fixtures.dailyPage([("T1", "A1")]) + String(repeating: "word ", count: 120) + "\n", 17),
            ("bad-date", Fixtures.dailyPage(date: "Feb 30", [("T", "A")]), 11),
        ]
        for (name, text, line) in cases {
            let path = directory.file("\(name).txt", text)
            #expect(throws: RecordProblem.self, "\(name)") { try parseFile(path, format: .daily) }
            do {
                _ = try parseFile(path, format: .daily)
            } catch let problem as RecordProblem {
                #expect(problem.line == line, "\(name): \(problem)")
            }
        }
    }

    @Test func invalidUTF8IsReportedWithItsLine() throws {
        let directory = TemporaryDirectory()
        var bytes = Array(Fixtures.dailyPage([("Title", "Abstract")]).utf8)
        bytes += Array("Second title\n\nBad ".utf8) + [0xC3, 0x28] + Array(" abstract\n".utf8)
        let path = directory.file("bad.txt", bytes: bytes)
        #expect(throws: RecordProblem(line: 19, message: "invalid UTF-8 at byte 5 of the line; expected UTF-8 text")) {
            try parseFile(path, format: .daily)
        }
    }

    @Test func whitespaceIsTrimmedAtBothEndsOnly() {
        let cases: [(String, String)] = [
            ("", ""), ("   ", ""), ("x", "x"), ("a b", "a b"), ("\t\n q \r", "q"),
            ("\u{00A0}Stra\u{DF}e\u{2003}", "Stra\u{DF}e"), ("\u{85}\u{3000}\u{1F600} \u{1F600}\u{2028}", "\u{1F600} \u{1F600}"),
            ("e\u{301} ", "e\u{301}"), (" \u{200B}zero width", "\u{200B}zero width"),
        ]
        for (text, trimmed) in cases {
            #expect(text.trimmingWhitespace() == trimmed)
            #expect(text[...].trimmingWhitespace() == trimmed)
        }
    }

    @Test func dateLines() {
        #expect(DailyPageParser.dateLine("Aug 14")! == (8, 14))
        #expect(DailyPageParser.dateLine("September 9")! == (9, 9))
        #expect(DailyPageParser.dateLine("Aug 32") == nil)
        #expect(DailyPageParser.dateLine("Augx 1") == nil)
        #expect(DailyPageParser.dateLine("Daily Papers") == nil)
        #expect(DailyPageParser.dateLine("Sept 3")! == (9, 3))
    }
}

@Suite("arXiv Atom feeds")
struct AtomParserTests {
    @Test func realFeedParses() throws {
        let (papers, problems) = try parseFile(Fixtures.atomFeed, format: .atom)
        #expect(problems.isEmpty)
        #expect(papers.map(\.externalID) == ["2409.20559", "1612.01842", "2309.13541", "2401.11741"])
        #expect(papers[1].title == "An Improved One-to-All Broadcasting in Higher Dimensional Eisenstein-Jacobi Networks")
        #expect(papers[0].abstract.hasPrefix("Learning from multimodal datasets can leverage complementary information and improve"))
        #expect(!papers[0].abstract.contains("\n"))
        #expect(papers[3].authors == ["Ilinka Dimitrova", "Vítor H. Fernandes", "Jörg Koppitz"])
        #expect(papers[3].categories == ["math.RA", "20M20, 20M10, 05C12, 05C25"])
        #expect(papers[2].categories == ["cs.DC", "cs.NI"])
        #expect(papers[1].published == .iso("2016-12-06"))
        #expect(papers[0].links.contains("http://arxiv.org/pdf/2409.20559v1"))
        #expect(papers.allSatisfy { $0.source == "arxiv" })
    }

    @Test func truncatedFeedIsRejected() throws {
        let directory = TemporaryDirectory()
        let text = Fixtures.text(Fixtures.atomFeed)
        let path = directory.file("cut.xml", String(text.prefix(text.count / 2)))
        #expect {
            try parseFile(path, format: .atom)
        } throws: { error in
            guard let problem = error as? RecordProblem else { return false }
            return problem.line > 1 && problem.message.contains("Atom")
        }
    }

    @Test func entryWithoutIdIsAnInvalidRecord() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("f.xml", """
        <?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
        <entry><title>No id here</title><published>2024-01-01T00:00:00Z</published></entry>
        <entry><id>http://arxiv.org/abs/2401.00001v3</id><title>Fine</title><summary>S</summary><published>2024-01-01T00:00:00Z</published></entry>
        </feed>
        """)
        let (papers, problems) = try parseFile(path, format: .atom)
        #expect(papers.map(\.externalID) == ["2401.00001"])
        #expect(problems.count == 1 && problems[0].line == 2)
    }

    @Test func notAFeed() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("f.xml", "<html><body>hi</body></html>")
        #expect(throws: RecordProblem.self) { try parseFile(path, format: .atom) }
    }

    @Test func arxivIDs() {
        #expect(PaperID.arxiv(fromURL: "http://arxiv.org/abs/2409.20559v1") == "2409.20559")
        #expect(PaperID.arxiv(fromURL: "http://arxiv.org/abs/math/0601001v2") == "math/0601001")
        #expect(PaperID.normalized("arXiv:2408.01234v12") == "2408.01234")
        #expect(PaperID.normalized(" cul-42 ") == "cul-42")
        #expect(PaperID.normalized("2408.01234") == "2408.01234")
        #expect(PaperID.problem(with: "a\u{0}b") != nil)
        #expect(PaperID.problem(with: "@3") != nil)
        #expect(PaperID.derived(fromNormalizedTitle: "a title") == PaperID.derived(fromNormalizedTitle: "a title"))
        #expect(PaperID.derived(fromNormalizedTitle: "a title") != PaperID.derived(fromNormalizedTitle: "a title 2"))
    }
}

@Suite("JSON Lines")
struct JSONLinesParserTests {
    @Test func realSampleParses() throws {
        let (papers, problems) = try parseFile(Fixtures.jsonLines, format: .jsonl)
        #expect(problems.isEmpty)
        #expect(papers.count == 40)
        #expect(papers[0].externalID == "cul-42")
        #expect(papers[0].title == "The metabolic world of Escherichia coli is not small")
        #expect(papers[0].authors == ["arita, masanori"])
        #expect(papers[0].published == .iso("2004-11-04"))
        #expect(papers[0].source == "citeulike")
    }

    @Test func badLinesAreReportedAndTheRestParses() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("p.jsonl", """
        {"id": "a", "title": "Good one", "abstract": "x"}
        {"id": "b", "abstract": "no title"}

        {"id": "c", "title": 42}
        not json at all
        [1, 2]
        {"id": "d", "title": "Bad date", "published": "14 Aug 2024"}
        {"id": "e", "title": "Bad authors", "authors": "Someone"}
        {"title": "No id", "url": "https://example.org/p", "categories": ["cs.CL"]}
        """)
        let (papers, problems) = try parseFile(path, format: .jsonl)
        #expect(papers.map(\.externalID) == ["a", nil])
        #expect(papers[1].links == ["https://example.org/p"] && papers[1].categories == ["cs.CL"])
        #expect(problems.map(\.line) == [2, 4, 5, 6, 7, 8])
        #expect(problems[0].message == "missing field \"title\"; expected a string")
        #expect(problems[1].message == "field \"title\" is a number; expected a string")
        #expect(problems[3].message.contains("expected a JSON object"))
        #expect(problems[4].message.contains("expected a date YYYY-MM-DD"))
        #expect(problems[5].message.contains("expected an array of strings"))
    }

    @Test func invalidUTF8AndNULBytesAreReportedWithTheirLines() throws {
        let directory = TemporaryDirectory()
        var bytes = Array(#"{"id": "a", "title": "Plain ASCII", "abstract": "fine"}"#.utf8) + [0x0A]
        bytes += Array(#"{"id": "b", "title": "Bad "#.utf8) + [0xC3, 0x28] + Array(#" byte"}"#.utf8) + [0x0A]
        bytes += Array(#"{"id": "c", "title": "A NUL"#.utf8) + [0x00] + Array(#" inside"}"#.utf8) + [0x0A]
        bytes += Array(#"{"id": "d", "title": "Stra\#u{DF}e \#u{FC}ber \#u{2115}"}"#.utf8) + [0x0A]
        let (papers, problems) = try parseFile(directory.file("p.jsonl", bytes: bytes), format: .jsonl)
        #expect(papers.map(\.externalID) == ["a", "d"])
        #expect(papers.last?.title == "Stra\u{DF}e \u{FC}ber \u{2115}")
        #expect(problems == [
            RecordProblem(line: 2, message: "invalid UTF-8 at byte 27 of the line; expected UTF-8 text"),
            RecordProblem(line: 3, message: "NUL byte in text; expected plain UTF-8 text"),
        ])
    }

    /// Lines the byte scanner must read exactly as `JSONSerialization` does.
    static let plainLines = [
        #"{"id": "a", "title": "T\u00e9st \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t", "authors": ["A. B", "  C  "], "categories": []}"#,
        #"{ "title" : "x" , "abstract" : null, "authors": null, "url": "https://a.b/c" }"#,
        #"{"ti\u0074le": "Escaped key", "x": {"y": [1, -2.5, 0, true, false, null, "z\u0041", {}, []]}, "z": -0.125}"#,
        #"{}"#,
        "\t{\"title\": \"Tabs and CR\"}\r",
        #"{"title": "Straße über ℕ", "abstract": "Ünïcödé\u2028text", "links": ["https://x.org", "y"], "source": "s"}"#,
        #"{"title": ["an", "array"], "authors": "a string", "published": "2024-01-02T10:00:00Z"}"#,
    ]

    /// Lines the scanner leaves to `JSONSerialization`: it accepts some of them, refuses the rest.
    static let generalLines = [
        #"{"title": 42}"#, #"{"title": true}"#, #"{"title": {"a": "b"}}"#, #"{"authors": ["a", 1]}"#,
        #"{"title": "a", "title": "b"}"#, #"{"title": "x", "n": 1e5}"#, #"{"title": "x", "n": 12345678901234567890}"#,
        #"[1, 2]"#, #"not json"#, #"{"title": "x",}"#, #"{"title": "x"} extra"#, #"{"title": "\ud800"}"#,
        #"{"title": "\udc00x"}"#, "{\"title\": \"a\u{1}b\"}", #"{"title": "\x"}"#, #"{"title": "x", "n": 01}"#,
        #"{"title": "x", "n": 1.}"#, #"{"title": "x", "n": -}"#, #"{"title": "x" "id": "y"}"#, #"{"title": "x"#,
        #"  "#, #"{"title": "x", "t": tru}"#, #"{"title": "\u12"}"#,
    ]

    @Test func byteScannerReadsPlainLinesAsJSONSerializationDoes() throws {
        let fixtureLines = Fixtures.text(Fixtures.jsonLines).split(separator: "\n").map(String.init)
        for line in fixtureLines + Self.plainLines {
            let bytes = Array(line.utf8)[...]
            let scanned = try #require(JSONLinesParser.scannedFields(bytes), "\(line.prefix(80))")
            #expect(scanned == (try JSONLinesParser.generalFields(bytes, line: 1)), "\(line.prefix(80))")
        }
        for line in Self.generalLines {
            #expect(JSONLinesParser.scannedFields(Array(line.utf8)[...]) == nil, "\(line)")
        }
    }

    @Test func byteScannerNeverTakesALineJSONSerializationReadsDifferently() {
        // Random records, some of them then broken by a random edit: whatever the scanner takes,
        // JSONSerialization must take too, with the same fields.
        var random = SplitMix64(seed: 42)
        let keys = ["\"title\"", "\"id\"", "\"authors\"", "\"links\"", "\"x\"", "\"ti\\u0074le\"", "\"\""]
        let strings = ["\"t\"", "\"a\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\n\\\"\\/\"", "\"ü ℕ\"", "\"\"", "\"\\ud800\"", "\"\\q\""]
        let scalars = ["null", "true", "false", "1", "-2.5", "0", "1e3", "01", "12345678901234567"]
        func value(_ depth: Int) -> String {
            switch Int.random(in: 0 ..< (depth < 3 ? 5 : 3), using: &random) {
            case 0, 1: return strings.randomElement(using: &random)!
            case 2: return scalars.randomElement(using: &random)!
            case 3: return "[" + (0 ..< Int.random(in: 0 ... 3, using: &random)).map { _ in value(depth + 1) }.joined(separator: ", ") + "]"
            default: return "{" + (0 ..< Int.random(in: 0 ... 2, using: &random)).map { _ in "\"k\": " + value(depth + 1) }.joined(separator: ",") + "}"
            }
        }
        let edits = ["{", "}", "[", "]", ":", ",", " ", "\"", "\\", "n", "1", "é"]
        var taken = 0
        for _ in 0 ..< 20_000 {
            var line = "{" + (0 ..< Int.random(in: 0 ... 4, using: &random)).map { _ in
                keys.randomElement(using: &random)! + ": " + value(0)
            }.joined(separator: ", ") + "}"
            if Bool.random(using: &random) {
                var characters = Array(line)
                let position = Int.random(in: 0 ... characters.count, using: &random)
                if Bool.random(using: &random), position < characters.count {
                    characters.remove(at: position)
                } else {
                    characters.insert(contentsOf: edits.randomElement(using: &random)!, at: position)
                }
                line = String(characters)
            }
            let bytes = Array(line.utf8)[...]
            guard let scanned = JSONLinesParser.scannedFields(bytes) else { continue }
            taken += 1
            #expect(scanned == (try? JSONLinesParser.generalFields(bytes, line: 1)), "\(line)")
        }
        #expect(taken > 2_000, "the scanner should take many of these lines: \(taken)")
    }

    @Test func batchesKeepFileOrderProblemsAndAnalysis() throws {
        // Enough lines for several batches, with bad and blank lines in many slices.
        var text = ""
        var expected: [(line: Int, id: String?)] = []
        for index in 0 ..< JSONLinesParser.batchLines * 2 + 150 {
            if index % 101 == 7 {
                text += "   \n"
            } else if index % 97 == 5 {
                text += "{\"id\": \"bad\(index)\"}\n"
                expected.append((index + 1, nil))
            } else {
                text += #"{"id": "p\#(index)", "title": "Paper \#(index) on graphs", "abstract": "Learning networks of \#(index % 13) kinds", "authors": ["A. Author\#(index % 7)"]}"# + "\n"
                expected.append((index + 1, "p\(index)"))
            }
        }
        let directory = TemporaryDirectory()
        let handle = FileHandle(forReadingAtPath: directory.file("many.jsonl", text))!
        defer { try? handle.close() }
        var parser = JSONLinesParser(lines: LineReader(handle: handle), analyzer: .standard)
        var seen: [(line: Int, id: String?)] = []
        try parser.parse { item in
            switch item {
            case let .paper(paper, line):
                seen.append((line, paper.externalID))
                let analysis = PaperAnalysis(title: paper.title, abstract: paper.abstract, authors: paper.authors, analyzer: .standard)
                #expect(paper.analysis == analysis)
                #expect(paper.analysis?.isAnalysis(ofTitle: paper.title, abstract: paper.abstract, authors: paper.authors) == true)
                #expect(paper.analysis?.isAnalysis(ofTitle: paper.title + "!", abstract: paper.abstract, authors: paper.authors) == false)
            case let .invalid(problem):
                #expect(problem.message == "missing field \"title\"; expected a string")
                seen.append((problem.line, nil))
            }
        }
        #expect(seen.map(\.line) == expected.map(\.line))
        #expect(seen.map(\.id) == expected.map(\.id))
    }

    @Test func anUnreadableLineEndsTheFileAfterTheRecordsBeforeIt() throws {
        var bytes: [UInt8] = []
        for index in 0 ..< JSONLinesParser.batchLines + 10 { bytes += Array("{\"title\": \"Paper \(index)\"}\n".utf8) }
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: LineReader.maximumLineBytes + 10) + [0x0A]
        bytes += Array("{\"title\": \"After\"}\n".utf8)
        let directory = TemporaryDirectory()
        let handle = FileHandle(forReadingAtPath: directory.file("long.jsonl", bytes: bytes))!
        defer { try? handle.close() }
        var parser = JSONLinesParser(lines: LineReader(handle: handle))
        var papers = 0
        #expect(throws: RecordProblem(line: JSONLinesParser.batchLines + 11, message: "line is longer than 16 MiB; expected one record per line")) {
            try parser.parse { _ in papers += 1 }
        }
        #expect(papers == JSONLinesParser.batchLines + 10)
    }

    @Test func linksAreFoundOnlyWhereTheTextHasThem() {
        #expect(LinkExtractor.links(in: "Code: https://github.com/a/b. Data at (http://x.org/d), see also https://github.com/a/b") == ["https://github.com/a/b", "http://x.org/d"])
        #expect(LinkExtractor.links(in: "No link: ratio 3:1, time 10:30, ftp://x.org, HTTP://X.ORG/y, http:/z") == [])
        #expect(LinkExtractor.links(in: "").isEmpty)
    }

    @Test func emptyFileIsRejected() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("e.jsonl", "\n\n")
        #expect(throws: RecordProblem.self) { try parseFile(path, format: .jsonl) }
    }

    @Test func formatIsDetectedFromContent() {
        #expect(IngestFormat.detect(from: Array("  <?xml".utf8)) == .atom)
        #expect(IngestFormat.detect(from: [0xEF, 0xBB, 0xBF] + Array("{\"id\"".utf8)) == .jsonl)
        #expect(IngestFormat.detect(from: Array("new\n\nGet trending".utf8)) == .daily)
    }
}
