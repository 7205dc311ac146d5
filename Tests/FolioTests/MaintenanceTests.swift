import Foundation
import Testing
@testable import Folio

@Suite("Doctor, repair and backups")
struct MaintenanceTests {
    let directory = TemporaryDirectory("maintenance")
    let now = Instant.parse("2025-09-10T08:00:00Z")!

    func populated(_ name: String = "store") throws -> Engine {
        let engine = try Engine(path: directory.subpath(name))
        try engine.ingest(files: Fixtures.dailyPages + [Fixtures.atomFeed], now: now)
        let queue = try engine.today(user: "ann", now: now)
        try engine.record(.like, papers: [queue.items[0].id, queue.items[3].id], user: "ann", at: now)
        try engine.record(.star, papers: [queue.items[1].id], user: "ann", at: now.addingTimeInterval(5))
        try engine.record(.dismiss, papers: [queue.items[2].id], user: "bob", at: now)
        try engine.addInterests(["sparse attention"], user: "bob", at: now)
        return engine
    }

    @Test func soundStoreIsHealthy() throws {
        let engine = try populated()
        let report = try engine.checkHealth()
        #expect(report.problems == [])
        #expect(report.checked["papers"] == 233)
        #expect(report.checked["events"] == 5)
        #expect(report.checked["users"] == 2)
    }

    @Test func damagedDerivedDataIsFoundAndRebuilt() throws {
        let path = directory.subpath("store")
        do {
            let engine = try populated()
            // Damage derived data the way a bug or a half-applied write would.
            try engine.withCore { core in
                var batch = KeyValueBatch()
                let paper = try core.store.papers(since: nil, until: nil, limit: 1)[0]
                batch.delete(Keys.paperTerms(paper.id))
                batch.put(Array("nobody".utf8), for: Keys.title("a title that no paper has"))
                var profile = try #require(try core.store.profile(of: "ann", in: core.database))
                profile.eventCount += 7
                batch.put(profile.encoded(), for: Keys.userProfile("ann"))
                try core.database.write(batch, durable: true)
            }
            let report = try engine.checkHealth()
            #expect(report.problems.contains { $0.contains("term record is missing") })
            #expect(report.problems.contains { $0.contains("points to missing paper nobody") })
            #expect(report.problems.contains { $0.contains("the profile of ann counts 10 events, the log holds 3") }, "\(report.problems)")
            engine.close()
        }
        let repaired = try Engine.repair(path: path)
        #expect(repaired.papersKept == 233 && repaired.papersDropped == 0 && repaired.eventsKept == 5)
        let engine = try Engine(path: path)
        #expect(try engine.checkHealth().problems == [])
        #expect(try engine.statistics().events == 5)
        #expect(try engine.search("instruction tuning", limit: 3).count == 3)
    }

    @Test func schema1StoreIsMigratedWhenOpened() throws {
        let path = directory.subpath("store")
        var histories: [String: [Event]] = [:]
        var taste: [UInt8] = []
        do {
            let engine = try populated()
            _ = try engine.recommend(user: "ann", now: now, limit: 5)
            for user in ["ann", "bob"] { histories[user] = try engine.history(user: user) }
            // Write the store back into schema 1: events under `E·<user>·`, users and events counted in
            // `M·counts` (record version 1), tastes under `S·<user>` and an older taste of bob's where
            // schema 2 keeps tastes. Ann's oldest event stays where schema 2 keeps it, as if a
            // migration had been interrupted after its first batch.
            try engine.withCore { core in
                var batch = KeyValueBatch()
                taste = try #require(try core.database.value(for: Keys.taste(of: "ann")))
                batch.delete(Keys.taste(of: "ann"))
                batch.put(taste, for: Keys.prefix("S", "ann").dropLast())
                batch.put([1, 2, 3], for: Keys.taste(of: "bob"))
                for user in ["ann", "bob"] {
                    var first = true
                    try core.database.scan(prefix: Keys.events(of: user)) { key, value in
                        defer { first = false }
                        if user == "ann" && first { return true }
                        batch.delete(key)
                        batch.put(value, for: Keys.prefix("E", user) + key[Keys.events(of: user).count...])
                        return true
                    }
                }
                let counts = try core.store.counts()
                var record = BinaryWriter()
                record.byte(1)
                for value in [counts.papers, 2, 5, counts.terms, counts.postingChunks, counts.termOccurrences] { record.varint(value) }
                batch.put(record.bytes, for: Keys.counts)
                var schema = BinaryWriter()
                schema.bigEndian(UInt32(1))
                batch.put(schema.bytes, for: Keys.schema)
                try core.database.write(batch, durable: true)
            }
            engine.close()
        }
        let engine = try Engine(path: path)
        for user in ["ann", "bob"] { #expect(try engine.history(user: user) == histories[user]) }
        let statistics = try engine.statistics()
        #expect(statistics.users == 2 && statistics.events == 5 && statistics.papers == 233)
        #expect(try engine.checkHealth().problems == [])
        try engine.withCore { core in
            var schema1Keys = 0
            try core.database.scan(prefix: Keys.schema1Events) { _, _ in schema1Keys += 1; return true }
            #expect(schema1Keys == 0)
            var version = BinaryReader(try #require(try core.database.value(for: Keys.schema)))
            #expect(try version.bigEndian32() == 2)
            #expect(try core.database.value(for: Keys.taste(of: "ann")) == taste)
            #expect(try core.database.value(for: Keys.taste(of: "bob")) == nil)
            var schema1Tastes = 0
            try core.database.scan(prefix: Keys.schema1Tastes) { _, _ in schema1Tastes += 1; return true }
            #expect(schema1Tastes == 0)
        }
        try engine.record(.like, papers: [histories["ann"]!.last!.paperID], user: "ann", at: now.addingTimeInterval(60))
        #expect(try engine.statistics().events == 6)
    }

    @Test func eventsNamingAPaperLostToDamageAreKeptAndCountAgainWhenItReturns() throws {
        let path = directory.subpath("store")
        let lostID: String
        do {
            let engine = try populated()
            lostID = try engine.history(user: "ann").first { $0.action == .like }!.paperID
            // The paper's record is lost, as a damaged table block loses it.
            try engine.withCore { core in
                var batch = KeyValueBatch()
                batch.delete(Keys.paper(lostID))
                try core.database.write(batch, durable: true)
            }
            engine.close()
        }
        let repaired = try Engine.repair(path: path)
        #expect(repaired.papersNamedByEventsButLost == [lostID])
        #expect(repaired.eventsKept == 5)
        let engine = try Engine(path: path)
        #expect(try engine.checkHealth().problems == [])
        #expect(try engine.history(user: "ann").contains { $0.paperID == lostID && $0.action == .like })
        _ = try engine.today(user: "ann", now: now.addingTimeInterval(86_400))

        // Ingested again, the paper is back and the like names it again.
        try engine.ingest(files: Fixtures.dailyPages + [Fixtures.atomFeed], now: now)
        #expect(try engine.paper(lostID).id == lostID)
        #expect(try engine.checkHealth().problems == [])
        engine.close()
        // A later repair finds nothing lost.
        #expect(try Engine.repair(path: path).papersNamedByEventsButLost == [])
    }

    @Test func corruptedTableFilesAreDetectedAndRecovered() throws {
        let path = directory.subpath("store")
        do {
            let engine = try populated()
            try engine.withCore { try $0.database.compact() }
        }
        let tables = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".ldb") }.sorted()
        #expect(!tables.isEmpty)
        // Flip bytes in the middle of the largest table file.
        let largest = try tables.max { try fileSize("\(path)/\($0)") < fileSize("\(path)/\($1)") }!
        var bytes = [UInt8](FileManager.default.contents(atPath: "\(path)/\(largest)")!)
        for offset in stride(from: bytes.count / 3, to: bytes.count / 3 + 64, by: 1) { bytes[offset] ^= 0xA5 }
        #expect(FileManager.default.createFile(atPath: "\(path)/\(largest)", contents: Data(bytes)))

        let damaged = try Engine(path: path, options: .init(paranoidChecks: true))
        let report = try damaged.checkHealth()
        #expect(!report.isHealthy)
        #expect(report.problems.contains { $0.lowercased().contains("corrupt") || $0.contains("checksum") || $0.contains("cannot be read") })
        damaged.close()

        let repaired = try Engine.repair(path: path)
        #expect(repaired.papersKept > 0)
        let engine = try Engine(path: path)
        let problems = try engine.checkHealth().problems
        #expect(problems == [], "\(problems)")
        let statistics = try engine.statistics()
        #expect(statistics.papers == repaired.papersKept)
        _ = try engine.today(user: "ann", now: now.addingTimeInterval(86_400))
    }

    @Test func exportImportReproducesQueuesAndHistories() throws {
        let source = try populated("source")
        var backup = Data()
        let exported = try source.export { backup.append($0) }
        #expect(exported.papers == 233 && exported.events == 5 && exported.queues == 1)
        let file = directory.file("backup.jsonl", bytes: [UInt8](backup))

        let target = try Engine(path: directory.subpath("target"))
        let imported = try target.importBackup(path: file)
        #expect(imported.papers == 233 && imported.events == 5 && imported.queues == 1)
        #expect(try target.history(user: "ann") == source.history(user: "ann"))
        #expect(try target.interests(user: "bob", now: now) == ["sparse attention"])
        var again = Data()
        try target.export { again.append($0) }
        #expect(again == backup, "a restored store exports the same backup")
        let later = now.addingTimeInterval(86_400)
        #expect(try target.today(user: "ann", now: now) == source.today(user: "ann", now: now))
        #expect(try target.today(user: "ann", now: later) == source.today(user: "ann", now: later))
        #expect(try target.recommend(user: "bob", now: later, limit: 20) == source.recommend(user: "bob", now: later, limit: 20))
        #expect(try target.checkHealth().problems == [])

        // Not into a store that already holds data, and not a damaged file.
        #expect { try target.importBackup(path: file) } throws: { ($0 as? FolioError)?.message.contains("empty store") == true }
        let lines = String(decoding: backup, as: UTF8.self).split(separator: "\n")
        let broken = directory.file("broken.jsonl", lines.prefix(3).joined(separator: "\n") + "\n{\"type\": \"paper\", \"paper\": {\"id\": 5}}\n")
        let fresh = try Engine(path: directory.subpath("fresh"))
        #expect { try fresh.importBackup(path: broken) } throws: { ($0 as? FolioError)?.line == 4 }
        #expect(try fresh.statistics().papers == 0)
    }

    @Test func oneUsersExportHoldsOnlyTheirEvents() throws {
        let engine = try populated()
        var backup = Data()
        let counts = try engine.export(user: "bob") { backup.append($0) }
        #expect(counts.events == 2 && counts.papers == 233 && counts.queues == 0)
        #expect(!String(decoding: backup, as: UTF8.self).contains("\"user\":\"ann\""))
    }

    private func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }
}
