import Foundation
import Testing
@testable import Folio

/// Every key and value in the store, to show that a failed operation changed nothing.
func dump(_ engine: Engine) throws -> [[UInt8]: [UInt8]] {
    try engine.withCore { core in
        var all: [[UInt8]: [UInt8]] = [:]
        try core.database.scan(prefix: []) { key, value in all[key] = value; return true }
        return all
    }
}

@Suite("Ingest")
struct IngestTests {
    let directory = TemporaryDirectory("ingest")
    let now = Instant.parse("2025-09-10")!

    func engine() throws -> Engine { try Engine(path: directory.subpath("store")) }

    @Test func samplePagesMergeDuplicatesAcrossDays() throws {
        let engine = try engine()
        let reports = try engine.ingest(files: Fixtures.dailyPages, now: now)
        #expect(reports.map(\.added) == [74, 49, 43, 63])
        #expect(reports.map(\.merged) == [0, 26, 29, 23])
        let statistics = try engine.statistics()
        #expect(statistics.papers == 229)
        #expect(statistics.terms > 2000)
        // A paper listed on several pages keeps its earliest date and every appearance.
        let popular = try engine.papers().filter { $0.dailyPageCount > 1 }
        #expect(!popular.isEmpty)
        for paper in popular {
            #expect(paper.published == paper.appearances.map(\.day).min())
            #expect(Set(paper.appearances).count == paper.appearances.count)
        }
        #expect(try engine.papers().count == 229)
    }

    @Test func reingestChangesNothing() throws {
        let engine = try engine()
        try engine.ingest(files: Fixtures.dailyPages + [Fixtures.atomFeed, Fixtures.jsonLines], now: now)
        let before = try dump(engine)
        let reports = try engine.ingest(files: Fixtures.dailyPages + [Fixtures.atomFeed, Fixtures.jsonLines], now: now)
        #expect(reports.allSatisfy { $0.added == 0 && $0.merged == 0 })
        #expect(try dump(engine) == before)
    }

    @Test func samePaperFromTwoSourcesMergesByTitle() throws {
        let engine = try engine()
        let page = directory.file("page.txt", Fixtures.dailyPage(date: "Sep 30", [
            ("Supervised Multi-Modal Fission Learning", "Learning from multimodal datasets can leverage complementary information https://github.com/x/mmfl."),
        ]))
        try engine.ingest(files: [page], now: now)
        let pageID = try engine.papers()[0].id
        #expect(pageID.hasPrefix("t-"))
        let reports = try engine.ingest(files: [Fixtures.atomFeed], now: now)
        #expect(reports[0].added == 3 && reports[0].merged == 1)
        // The first id stays (events may point at it); the arXiv id becomes an alias that resolves to it.
        let merged = try engine.paper("2409.20559")
        #expect(merged.id == pageID)
        #expect(merged.aliases == ["2409.20559"])
        #expect(merged.published == .iso("2024-09-30"))
        #expect(merged.appearances.map(\.source).sorted() == ["arxiv", "hf-daily"])
        #expect(merged.authors.count == 5)
        #expect(merged.links.contains("https://github.com/x/mmfl") && merged.links.contains("http://arxiv.org/pdf/2409.20559v1"))
        #expect(try engine.statistics().papers == 4)
    }

    @Test func malformedFileLeavesTheStoreExactlyAsBefore() throws {
        let engine = try engine()
        try engine.ingest(files: [Fixtures.dailyPages[0]], now: now)
        let before = try dump(engine)
        let text = Fixtures.text(Fixtures.atomFeed)
        let bad: [(String, String)] = [
            ("truncated.xml", String(text.prefix(text.count * 2 / 3))),
            ("missing-title.jsonl", "{\"id\": \"x1\", \"title\": \"Fine\"}\n{\"id\": \"x2\", \"abstract\": \"no title\"}\n"),
            ("empty.txt", ""),
            ("no-abstract.txt", Fixtures.dailyPage([("Title one", "Abstract one")]) + "Title two\n"),
        ]
        for (name, contents) in bad {
            let path = directory.file(name, contents)
            #expect {
                try engine.ingest(files: [path], now: now)
            } throws: { error in
                guard let error = error as? FolioError else { return false }
                return error.kind == .invalidInput && error.file == path && (name == "empty.txt" || error.line ?? 0 > 1)
            }
            #expect(try dump(engine) == before, "\(name) changed the store")
        }
        var invalidUTF8 = Array(Fixtures.dailyPage([("Title", "Abstract")]).utf8)
        invalidUTF8 += Array("Other\n\n".utf8) + [0xFF, 0xFE] + Array("\n".utf8)
        let path = directory.file("bad-utf8.txt", bytes: invalidUTF8)
        #expect(throws: FolioError.self) { try engine.ingest(files: [path], now: now) }
        #expect(try dump(engine) == before)
    }

    @Test func skipInvalidKeepsTheGoodRecords() throws {
        let engine = try engine()
        let path = directory.file("mixed.jsonl", """
        {"id": "x1", "title": "First paper about diffusion models", "abstract": "Diffusion.", "published": "2025-01-02"}
        {"id": "x2", "abstract": "no title"}
        {"id": "x3", "title": "Third paper on kv cache", "abstract": "Cache."}
        """)
        #expect(throws: FolioError.self) { try engine.ingest(files: [path], now: now) }
        #expect(try engine.statistics().papers == 0)
        let reports = try engine.ingest(files: [path], now: now, skipInvalid: true)
        #expect(reports[0].added == 2)
        #expect(reports[0].skipped == [.init(line: 2, reason: "missing field \"title\"; expected a string")])
        // A record without a date is dated today.
        #expect(try engine.paper("x3").published == Day(now))
    }

    @Test func largeFilesAreCheckedBeforeAnythingIsWrittenThenWrittenInChunks() throws {
        let engine = try engine()
        var limits = FileIngest.Limits()
        limits.singleBatchBytes = 16 << 10
        limits.chunkBytes = 4 << 10
        var text = ""
        var count = 0
        while text.utf8.count <= limits.singleBatchBytes * 2 {
            text += "{\"id\": \"big-\(count)\", \"title\": \"Paper number \(count)\", \"abstract\": \"attention scaling law \(count)\"}\n"
            count += 1
        }
        let good = directory.file("big.jsonl", text)
        let bad = directory.file("big-bad.jsonl", text + "{\"id\": \"oops\"}\n")
        func ingest(_ path: String) throws -> IngestFileReport {
            try engine.withCore { core in
                var file = FileIngest(path: path, format: nil, listingReference: Day(now), today: Day(now), skipInvalid: false)
                file.limits = limits
                return try file.run(store: core.store, analyzer: core.analyzer, progress: nil)
            }
        }
        // A bad record at the very end is found before the first chunk is written.
        #expect(throws: FolioError.self) { try ingest(bad) }
        #expect(try engine.statistics().papers == 0)
        #expect(try ingest(good).added == count)
        #expect(try engine.statistics().papers == count)
        #expect(try engine.withCore { try $0.database.value(for: Keys.ingestInProgress) } == nil)
        #expect(try engine.withCore { try $0.store.termEntry("attent")?.documentFrequency } == count)
    }

    @Test func termStatisticsFollowTheCorpus() throws {
        let engine = try engine()
        let path = directory.file("t.jsonl", """
        {"id": "a", "title": "Graph neural networks", "abstract": "Graphs and networks."}
        {"id": "b", "title": "Neural rendering", "abstract": "Rendering with neural fields."}
        """)
        try engine.ingest(files: [path], now: now)
        let frequencies = try engine.withCore { core in
            try ["neural", "graph", "render", "network"].map { try core.store.termEntry($0)?.documentFrequency ?? -1 }
        }
        #expect(frequencies == [2, 1, 1, 1])
        let terms = try engine.indexTerms(of: "a")
        #expect(terms.title == ["graph", "neural", "network"])
        #expect(terms.abstract == ["graph", "network"])
    }

    @Test func idPrefixesResolveWhenUnambiguous() throws {
        let engine = try engine()
        try engine.ingest(files: [Fixtures.atomFeed], now: now)
        #expect(try engine.paper("2409.2").id == "2409.20559")
        #expect(try engine.paper("arXiv:2409.20559v3").id == "2409.20559")
        #expect { try engine.paper("2") } throws: { ($0 as? FolioError)?.kind == .ambiguousPaperID }
        #expect { try engine.paper("9999") } throws: { ($0 as? FolioError)?.kind == .unknownPaper }
    }

    @Test func listFiltersByDateNewestFirst() throws {
        let engine = try engine()
        try engine.ingest(files: Fixtures.dailyPages, now: now)
        // Newest listing first; a paper listed on several days counts from its latest listing in range.
        let all = try engine.papers()
        let latest = all.map { $0.latestListing()! }
        #expect(latest == latest.sorted(by: >))
        let recent = try engine.papers(since: .iso("2025-08-27"), until: .iso("2025-09-09"))
        #expect(!recent.isEmpty && recent.allSatisfy { $0.latestListing(since: .iso("2025-08-27")) != nil })
        let oneDay = try engine.papers(since: .iso("2025-08-26"), until: .iso("2025-08-26"))
        #expect(oneDay.count == 72)
        #expect(oneDay.allSatisfy { $0.appearances.contains { $0.day == .iso("2025-08-26") } })
        #expect(try engine.papers(limit: 3).count == 3)
    }

    @Test func aWindowsListingsAreEachPaperOnceAtItsLatestDayInIdOrder() throws {
        let engine = try engine()
        try engine.ingest(files: Fixtures.dailyPages + [Fixtures.atomFeed], now: now)
        let (first, last) = (Day.iso("2025-08-20"), Day.iso("2025-09-09"))
        let listed = try engine.withCore { try $0.store.listings(from: first, through: last) }
        var expected: [String: Day] = [:]
        var listedOnSeveralDays = 0
        for paper in try engine.papers() {
            let days = Set(paper.appearances.map(\.day).filter { $0 >= first && $0 <= last })
            if let latest = days.max() { expected[paper.id] = latest }
            if days.count > 1 { listedOnSeveralDays += 1 }
        }
        #expect(listedOnSeveralDays > 0, "a paper listed on several days counts from its latest")
        #expect(expected.values.contains { day in expected.values.contains { $0 != day } }, "papers of several days")
        #expect(listed.map(\.id) == expected.keys.sorted())
        #expect(listed.allSatisfy { expected[$0.id] == $0.day })
    }

    @Test func eventsAreAppendedInTimeOrder() throws {
        let engine = try engine()
        try engine.ingest(files: [Fixtures.atomFeed], now: now)
        try engine.record(.like, papers: ["2409.20559", "1612"], user: "ann", at: now)
        try engine.record(.star, papers: ["2309.13541"], user: "ann", at: now.addingTimeInterval(60))
        try engine.record(.skip, papers: ["2401.11741"], user: "bob", at: now.addingTimeInterval(-60))
        #expect(throws: FolioError.self) { try engine.record(.like, papers: ["2409.20559", "nope"], user: "ann", at: now) }
        let history = try engine.history(user: "ann")
        #expect(history.map(\.action) == [.star, .like, .like])
        #expect(history.map(\.paperID) == ["2309.13541", "1612.01842", "2409.20559"])
        let statistics = try engine.statistics()
        #expect(statistics.users == 2 && statistics.events == 4)
        #expect(try engine.users() == ["ann", "bob"])
    }

    @Test func newerSchemaIsRefused() throws {
        let path = directory.subpath("future")
        do {
            let database = try LevelDB(path: path)
            var batch = KeyValueBatch()
            var writer = BinaryWriter()
            writer.bigEndian(Keys.schemaVersion + 1)
            batch.put(writer.bytes, for: Keys.schema)
            try database.write(batch, durable: true)
        }
        #expect { try Engine(path: path) } throws: { error in
            guard let error = error as? FolioError else { return false }
            return error.kind == .incompatibleStore && error.message.contains("newer Folio")
        }
    }

    @Test func aRecordOfANewerVersionSaysSoAndADamagedOneSaysDamaged() throws {
        let engine = try engine()
        try engine.ingest(files: [Fixtures.atomFeed], now: now)
        let papers = try engine.papers(limit: 2)
        let (newer, damaged) = (papers[0].id, papers[1].id)
        try engine.withCore { core in
            var batch = KeyValueBatch()
            var bytes = try #require(try core.database.value(for: Keys.paper(newer)))
            bytes[0] = Paper.recordVersion + 1
            batch.put(bytes, for: Keys.paper(newer))
            batch.put(Array(try #require(try core.database.value(for: Keys.paper(damaged))).dropLast(3)), for: Keys.paper(damaged))
            try core.database.write(batch, durable: true)
        }
        #expect { try engine.paper(newer) } throws: { error in
            guard let error = error as? FolioError else { return false }
            return error.kind == .incompatibleStore && error.message.contains("newer Folio") && error.message.contains("version \(Paper.recordVersion + 1)")
        }
        #expect { try engine.paper(damaged) } throws: { error in
            guard let error = error as? FolioError else { return false }
            return error.kind == .damagedRecord && error.message.contains("damaged paper record") && error.message.contains("folio doctor")
        }
    }

    @Test func foreignDatabaseIsRefused() throws {
        let path = directory.subpath("foreign")
        do {
            let database = try LevelDB(path: path)
            var batch = KeyValueBatch()
            batch.put([1], for: Array("something".utf8))
            try database.write(batch, durable: true)
        }
        #expect { try Engine(path: path) } throws: { ($0 as? FolioError)?.kind == .incompatibleStore }
    }

    @Test func secondEngineOnTheSameStoreIsLocked() throws {
        let first = try engine()
        let start = ContinuousClock.now
        #expect { try Engine(path: directory.subpath("store"), options: .init(lockTimeout: .milliseconds(300))) } throws: {
            ($0 as? StoreError)?.kind == .locked && "\($0)".contains("another Engine in this process")
        }
        #expect(ContinuousClock.now - start >= .milliseconds(300), "waits before giving up")
        first.close()
        #expect { try first.statistics() } throws: { ($0 as? StoreError)?.kind == .closed }
        _ = try engine()
    }
}
