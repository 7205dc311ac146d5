import Foundation
import Testing
@testable import Folio

/// The ranking space, the stored paper vectors and the stored tastes: what makes ranking fast must
/// never make it different.
@Suite("Ranking space and stored vectors")
struct RankingIndexTests {
    let directory = TemporaryDirectory("ranking-index")
    let now = Instant.parse("2025-09-10T08:00:00Z")!

    func engine(_ options: Engine.Options = Engine.Options()) throws -> Engine {
        let engine = try Engine(path: directory.subpath("store"), options: options)
        if try engine.statistics().papers == 0 { try engine.ingest(files: Fixtures.dailyPages, now: now) }
        return engine
    }

    /// Every stored paper's vector, by id: from its single record, else from its pack (a single
    /// record sorts before the pack whose entry it overrides).
    func storedVectors(_ engine: Engine) throws -> [String: PaperVector] {
        try engine.withCore { core in
            var vectors: [String: PaperVector] = [:]
            try core.store.keyValues.scan(prefix: Keys.paperVectors) { key, value in
                try value.withUnsafeBufferPointer { value in
                    guard PaperVectorPack.isPack(value) else {
                        vectors[Keys.component(after: Keys.paperVectors, in: key)] = try PaperVector(record: Array(value))
                        return
                    }
                    try PaperVectorPack.forEach(value) { id, record in
                        let id = String(decoding: id, as: UTF8.self)
                        if vectors[id] == nil { vectors[id] = try PaperVector(record: Array(record)) }
                        return true
                    }
                }
                return true
            }
            return vectors
        }
    }

    /// How many single records and packs hold the stored vectors.
    func vectorRecordCounts(_ engine: Engine) throws -> (singles: Int, packs: Int) {
        try engine.withCore { core in
            var counts = (singles: 0, packs: 0)
            try core.store.keyValues.scanInPlace(prefix: Keys.paperVectors, from: nil) { _, value in
                if PaperVectorPack.isPack(value) { counts.packs += 1 } else { counts.singles += 1 }
                return true
            }
            return counts
        }
    }

    func head(_ engine: Engine) throws -> RankingSpace.Head? {
        try engine.withCore { core in try RankingIndex(store: core.store, model: core.model).head() }
    }

    @Test func paperVectorRecordsRoundTripWithinTheirPrecision() throws {
        let vector = SparseVector(sortedKeys: [0, 7, 300, 70_000], values: [0.5, 0.25, 0.8, 0.1]).normalized()
        let record = PaperVector(generation: 3, vector: vector, authorVector: SparseVector(sortedKeys: [12], values: [1]))
        let decoded = try PaperVector(record: record.encoded())
        #expect(decoded.generation == 3 && decoded.vector.keys == vector.keys && decoded.authorVector.keys == [12])
        for (a, b) in zip(decoded.vector.values, vector.values) { #expect(abs(a - b) <= 1 / 65535) }
        #expect(throws: RecordCodec.Failure.self) { try PaperVector(record: Array(record.encoded().dropLast())) }
    }

    /// Gaps past 16 bits (written with gap-only entries), an author far out, a tiny value (kept at the
    /// smallest level, not taken for a gap-only entry) and a record read in place by the scoring loop.
    @Test func paperVectorRecordsKeepLargeGapsAndScoreInPlaceAsDecoded() throws {
        let vector = SparseVector(sortedKeys: [65_535, 65_536, 200_000, 1 << 22], values: [0.6, 0.000_001, 0.5, 0.3]).normalized()
        let authors = SparseVector(sortedKeys: [3, 140_000], values: [0.8, 0.6])
        let bytes = PaperVector(generation: 9, vector: vector, authorVector: authors, meanProduct: 0.25).encoded()
        let decoded = try PaperVector(record: bytes)
        #expect(decoded.vector.keys == vector.keys && decoded.authorVector.keys == authors.keys && decoded.meanProduct == 0.25)
        #expect(decoded.vector.values[1] == 1 / Float(65535))
        var sum: Float = 0
        var weights: [UInt64: Float] = [65_536: 2, 200_000: -1, 1 << 22: 0.5]
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = try PaperVectorReader(buffer)
            #expect(reader.generation == 9)
            try reader.forEachFeature { key, value in sum += (weights[key] ?? 0) * value }
        }
        weights[65_535] = 0
        #expect(sum == zip(decoded.vector.keys, decoded.vector.values).reduce(0) { $0 + weights[$1.0]! * $1.1 })
        // A count that the bytes cannot hold is damage, found before any entry is read.
        #expect(throws: RecordCodec.Failure.self) {
            try Array(bytes.dropLast(4)).withUnsafeBufferPointer { buffer in
                var reader = try PaperVectorReader(buffer)
                try reader.forEachFeature { _, _ in }
            }
        }
    }

    /// A damaged vector record is an error, never a read out of bounds: every truncation and many
    /// random byte changes of a valid record either decode or throw, in both ways of reading it.
    @Test func damagedPaperVectorRecordsThrowInsteadOfReadingPastTheirEnd() throws {
        let vector = SparseVector(sortedKeys: [5, 90, 70_000, 200_000], values: [0.5, 0.5, 0.5, 0.5])
        let bytes = PaperVector(generation: 2, vector: vector, authorVector: SparseVector(sortedKeys: [7], values: [1]),
                                listing: .init(published: Day(daysSinceEpoch: 20_000), dailyPages: 3)).encoded()
        func read(_ record: [UInt8]) -> Bool {
            let decoded = (try? PaperVector(record: record)) != nil
            let scored = (try? record.withUnsafeBufferPointer { buffer -> Int in
                var reader = try PaperVectorReader(buffer)
                var seen = 0
                try reader.forEachFeature { _, _ in seen += 1 }
                return seen
            }) != nil
            return decoded && scored
        }
        #expect(read(bytes))
        for length in 0 ..< bytes.count { #expect(!read(Array(bytes.prefix(length))) || length == bytes.count) }
        var random = SplitMix64(seed: 5)
        var decodedAnyway = 0
        for _ in 0 ..< 2_000 {
            var damaged = bytes
            for _ in 0 ... random.next() % 3 { damaged[Int(random.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: random.next()) }
            if read(damaged) { decodedAnyway += 1 }
        }
        #expect(decodedAnyway < 2_000)
    }

    /// Stores written before the fixed-width layout keep working: a version 1 record (varint gaps,
    /// big-endian levels), built here byte by byte, reads as the vector it holds.
    @Test func versionOnePaperVectorRecordsStillRead() throws {
        var writer = BinaryWriter()
        writer.byte(1)
        writer.varint(UInt64(4))
        writer.bigEndian(Float(0.5).bitPattern)
        for entries in [[(UInt64(12), UInt16(65535))], [(UInt64(7), UInt16(32768)), (UInt64(300_000), UInt16(16384))]] {
            writer.varint(entries.count)
            var previous: UInt64 = 0
            for (key, level) in entries {
                writer.varint(key - previous)
                previous = key
                writer.byte(UInt8(level >> 8))
                writer.byte(UInt8(level & 0xFF))
            }
        }
        let decoded = try PaperVector(record: writer.bytes)
        #expect(decoded.generation == 4 && decoded.meanProduct == 0.5)
        #expect(writer.bytes.withUnsafeBufferPointer { PaperVectorReader.generation(of: $0) } == 4)
        #expect([UInt8]([9, 1]).withUnsafeBufferPointer { PaperVectorReader.generation(of: $0) } == nil)  // not a version this build reads
        #expect([UInt8]([3, 0x80]).withUnsafeBufferPointer { PaperVectorReader.generation(of: $0) } == nil)  // a truncated varint
        #expect(decoded.authorVector == SparseVector(sortedKeys: [12], values: [1]))
        #expect(decoded.vector == SparseVector(sortedKeys: [7, 300_000], values: [Float(32768) / 65535, Float(16384) / 65535]))
        var seen: [UInt64] = []
        try writer.bytes.withUnsafeBufferPointer { buffer in
            var reader = try PaperVectorReader(buffer)
            try reader.forEachFeature { key, _ in seen.append(key) }
        }
        #expect(seen == [7, 300_000])
    }

    @Test func packsHoldTheirRecordsInIdOrderAndRefuseDamage() throws {
        let entries: [(id: String, record: [UInt8])] = [("2401.00001", [3, 1, 2]), ("2401.00002", []), ("2401.00002v2", Array(repeating: 7, count: 300))]
        let pack = PaperVectorPack.encode(entries)
        func read(_ bytes: [UInt8]) throws -> [(String, [UInt8])] {
            var read: [(String, [UInt8])] = []
            try bytes.withUnsafeBufferPointer { buffer in
                #expect(PaperVectorPack.isPack(buffer))
                try PaperVectorPack.forEach(buffer) { id, record in
                    read.append((String(decoding: id, as: UTF8.self), Array(record)))
                    return true
                }
            }
            return read
        }
        #expect(try read(pack).map(\.0) == entries.map(\.id) && read(pack).map(\.1) == entries.map(\.record))
        func record(_ id: String) throws -> [UInt8]? {
            try pack.withUnsafeBufferPointer { pack in
                var id = id
                return try id.withUTF8 { try PaperVectorPack.record(of: $0, in: pack).map(Array.init) }
            }
        }
        #expect(try record("2401.00002v2") == entries[2].record && record("2401.00002") == [] && record("2401.00001") == [3, 1, 2])
        #expect(try record("2401.00000") == nil && record("2401.000015") == nil && record("2401.00003") == nil)
        // Cut anywhere, or with bytes after its last entry, a pack is damage; a newer layout says so.
        for cut in [1, 5, 20, pack.count - 1] {
            #expect(throws: RecordCodec.Failure.self) { try read(Array(pack.prefix(cut))) }
        }
        #expect(throws: RecordCodec.Failure.self) { try read(pack + [0]) }
        do {
            try [UInt8]([PaperVectorPack.marker + 1, 0]).withUnsafeBufferPointer { try PaperVectorPack.forEach($0) { _, _ in true } }
            Issue.record("a newer pack layout was read")
        } catch let failure as RecordCodec.Failure {
            #expect(failure.newerVersion == PaperVectorPack.marker + 1)
        }
        #expect([UInt8]([PaperVector.recordVersion]).withUnsafeBufferPointer { !PaperVectorPack.isPack($0) })
    }

    @Test func featureKeysAreReadUpToTheLargestWantedIndex() throws {
        let keys: [UInt64] = [3, 17, 1 << 40 | 9, 1 << 40 | 12, UInt64.max - 1]
        var record = BinaryWriter()
        record.byte(1)
        record.varint(keys.count)
        var previous: UInt64 = 0
        for key in keys {
            record.varint(key - previous)
            previous = key
        }
        func read(_ wanted: [UInt64], _ bytes: [UInt8]) throws -> [UInt64: UInt64] {
            try bytes.withUnsafeBufferPointer { try RankingIndex.featureKeys(wanted, record: $0) }
        }
        #expect(try read([0, 2, 4, 9], record.bytes) == [0: 3, 2: 1 << 40 | 9, 4: UInt64.max - 1])  // 9 is past the end
        #expect(try read([1], record.bytes) == [1: 17])
        // Stopping at the largest wanted index, a cut after it goes unnoticed; a cut before it is damage.
        #expect(try read([1], Array(record.bytes.dropLast(2))) == [1: 17])
        #expect(throws: RecordCodec.Failure.self) { try read([4], Array(record.bytes.dropLast(2))) }
        do {
            _ = try read([1], [2] + record.bytes.dropFirst())
            Issue.record("a newer record was read")
        } catch let failure as RecordCodec.Failure {
            #expect(failure.newerVersion == 2)
        }
    }

    @Test func ingestStoresAVectorForEveryPaperInTheCurrentSpace() throws {
        let engine = try engine()
        let head = try #require(try head(engine))
        let vectors = try storedVectors(engine)
        #expect(vectors.count == (try engine.statistics().papers))
        #expect(vectors.values.allSatisfy { $0.generation == head.generation })
        // A stored vector is what the space makes of the paper's terms (to the stored precision).
        try engine.withCore { core in
            let space = try RankingIndex(store: core.store, model: core.model).space(head)
            for (id, stored) in vectors.prefix(20) {
                let fresh = space.vector(of: try #require(try core.store.terms(of: id)))
                #expect(fresh.vector.keys == stored.vector.keys)
                #expect(zip(fresh.vector.values, stored.vector.values).allSatisfy { abs($0 - $1) <= 1 / 65535 })
            }
        }
    }

    @Test func spaceVectorsAreTheTermSpaceVectorsRestrictedToKeptFeatures() throws {
        let engine = try engine()
        try engine.withCore { core in
            let index = RankingIndex(store: core.store, model: core.model)
            let space = try index.space(try #require(try index.head()))
            var checked = 0
            try core.store.keyValues.scan(prefix: Keys.paperTermsPrefix) { _, value in
                let terms = try PaperTerms(record: value)
                let fast = space.vector(of: terms)
                let reference = space.termSpaceVector(of: terms)
                #expect(fast.vector.keys == reference.vector.keys && fast.authorVector.keys == reference.authorVector.keys)
                #expect(zip(fast.vector.values, reference.vector.values).allSatisfy { abs($0 - $1) < 1e-6 })
                #expect(zip(fast.authorVector.values, reference.authorVector.values).allSatisfy { abs($0 - $1) < 1e-6 })
                checked += 1
                return true
            }
            #expect(checked == (try core.store.counts().papers))
        }
    }

    @Test func smallIngestsKeepTheSpaceAndLargeOnesMakeANewOne() throws {
        let engine = try engine()
        let first = try #require(try head(engine))
        // One more paper: within the growth allowance, so it is weighted in the current space, in its own batch.
        let page = directory.file("extra.txt", Fixtures.dailyPage(date: "Sep 10", [("Sparse attention for very long documents", "We make attention sparse for long documents and measure memory.")]))
        try engine.ingest(files: [page], now: now)
        #expect(try head(engine) == first)
        let vectors = try storedVectors(engine)
        #expect(vectors.count == (try engine.statistics().papers))
        #expect(vectors.values.allSatisfy { $0.generation == first.generation })
        // Growth beyond `refreshGrowth`: a new generation, and every paper re-weighted in it.
        let many = (0 ..< 40).map { ("Benchmark study number \($0) of retrieval models", "A study of retrieval model \($0) on benchmark data with careful ablations.") }
        try engine.ingest(files: [directory.file("many.txt", Fixtures.dailyPage(date: "Sep 10", many))], now: now)
        let second = try #require(try head(engine))
        #expect(second.generation == first.generation + 1)
        #expect(second.documentCount == (try engine.statistics().papers))
        #expect(try storedVectors(engine).values.allSatisfy { $0.generation == second.generation })
    }

    /// A queue reads its candidates' listings from their vector records alone, so a paper listed on
    /// another page (a merge that changes only the listing) must update its vector record too.
    @Test func vectorRecordsKeepTheListingThroughMerges() throws {
        let engine = try engine()
        let first = try #require(try head(engine))
        let paper = try #require(try engine.papers(limit: 1).first)
        let page = directory.file("again.txt", Fixtures.dailyPage(date: "Sep 12", [(paper.title, paper.abstract)]))
        try engine.ingest(files: [page], now: now)
        #expect(try head(engine) == first)
        let vectors = try storedVectors(engine)
        try engine.withCore { core in
            for (id, stored) in vectors {
                let terms = try #require(try core.store.terms(of: id))
                #expect(stored.listing == PaperVector.Listing(published: terms.published, dailyPages: terms.dailyPages))
            }
        }
        #expect(vectors[paper.id]?.listing?.dailyPages == paper.dailyPageCount + 1)
    }

    /// A store written before the current vector record layout (its head fingerprinted so) gets a new
    /// generation on first use, every vector in the current layout; one written with it is left alone.
    @Test func vectorsInAnOlderLayoutAreRemadeOnFirstUse() throws {
        let engine = try engine()
        let first = try #require(try head(engine))
        #expect(first.settings == RankingSpace.fingerprint(RankingModel.standard.features, sampleSize: RankingModel.standard.learner.maximumUnlabeled))
        try engine.withCore { core in
            var old = first
            old.settings = RankingSpace.fingerprint(core.model.features, sampleSize: core.model.learner.maximumUnlabeled, vectorRecordVersion: 1)
            var batch = KeyValueBatch()
            batch.put(old.encoded(), for: Keys.rankingHead)
            try core.store.keyValues.write(batch, durable: false)
        }
        _ = try engine.recommend(user: "ann", now: now, limit: 5)
        let second = try #require(try head(engine))
        #expect(second.generation == first.generation + 1)
        #expect(try packedVersions(engine) == [PaperVector.recordVersion])
        _ = try engine.recommend(user: "ann", now: now, limit: 5)
        #expect(try head(engine) == second)
    }

    /// The record versions inside the stored packs; every stored record must be a pack.
    func packedVersions(_ engine: Engine) throws -> Set<UInt8> {
        var versions: Set<UInt8> = []
        try engine.withCore { core in
            try core.store.keyValues.scanInPlace(prefix: Keys.paperVectors, from: nil) { _, value in
                #expect(PaperVectorPack.isPack(value))
                try PaperVectorPack.forEach(value) { _, record in
                    versions.insert(record[0])
                    return true
                }
                return true
            }
        }
        return versions
    }

    /// A store from before packs (every vector a single record, its head fingerprinted without them)
    /// ranks the same, and gets packs on first use, its single records gone.
    @Test func singleRecordsFromBeforePacksArePackedOnFirstUse() throws {
        let engine = try engine()
        let liked = try engine.papers(limit: 6).map(\.id)
        try engine.record(.like, papers: liked, user: "ann", at: now)
        let before = try engine.recommend(user: "ann", now: now, limit: 20)
        let vectors = try storedVectors(engine)
        let first = try #require(try head(engine))
        try engine.withCore { core in
            var batch = KeyValueBatch()
            try core.store.keyValues.scan(prefix: Keys.paperVectors) { key, _ in batch.delete(key); return true }
            for (id, vector) in vectors { batch.put(vector.encoded(), for: Keys.paperVector(id)) }
            var old = first
            old.settings = RankingSpace.fingerprint(core.model.features, sampleSize: core.model.learner.maximumUnlabeled, packMarker: nil)
            batch.put(old.encoded(), for: Keys.rankingHead)
            try core.store.keyValues.write(batch, durable: true)
        }
        #expect(try vectorRecordCounts(engine) == (singles: vectors.count, packs: 0))
        let after = try engine.recommend(user: "ann", now: now, limit: 20)
        #expect(after == before)
        #expect(try head(engine)?.generation == first.generation + 1)
        let counts = try vectorRecordCounts(engine)
        #expect(counts.singles == 0 && counts.packs == (vectors.count + PaperVectorPack.capacity - 1) / PaperVectorPack.capacity)
        #expect(try storedVectors(engine).mapValues(\.vector) == vectors.mapValues(\.vector))
    }

    @Test func aStoreWithoutVectorsRanksTheSameAfterMakingThem() throws {
        let engine = try engine()
        let liked = try engine.papers(limit: 8).map(\.id)
        try engine.record(.like, papers: liked, user: "ann", at: now)
        let before = try engine.recommend(user: "ann", now: now, limit: 20)
        // As a store from before vectors were stored: no space, no vectors, no stored taste.
        try engine.withCore { core in
            var batch = KeyValueBatch()
            for prefix in [Keys.rankingPrefix, Keys.paperVectors] {
                try core.store.keyValues.scan(prefix: prefix) { key, _ in batch.delete(key); return true }
            }
            batch.delete(Keys.taste(of: "ann"))
            try core.store.keyValues.write(batch, durable: true)
        }
        #expect(try head(engine) == nil)
        let after = try engine.recommend(user: "ann", now: now, limit: 20)
        #expect(after.map(\.id) == before.map(\.id))
        #expect(try head(engine) != nil)
        #expect(try storedVectors(engine).count == (try engine.statistics().papers))
    }

    @Test func theStoredTasteIsUsedUntilFeedbackChanges() throws {
        let engine = try engine()
        let papers = try engine.papers(limit: 12).map(\.id)
        try engine.record(.like, papers: Array(papers.prefix(5)), user: "ann", at: now)
        let first = try engine.recommend(user: "ann", now: now, limit: 10)
        func stored() throws -> StoredTaste? {
            try engine.withCore { core in try core.store.keyValues.value(for: Keys.taste(of: "ann")).map(StoredTaste.init(record:)) }
        }
        let taste = try #require(try stored())
        // The same question again: the stored taste answers, the same way.
        #expect(try engine.recommend(user: "ann", now: now, limit: 10).map(\.id) == first.map(\.id))
        #expect(try stored() == taste)
        // New feedback: trained again, and the disliked paper is gone.
        try engine.record(.dislike, papers: [first[0].id], user: "ann", at: now.addingTimeInterval(60))
        let second = try engine.recommend(user: "ann", now: now.addingTimeInterval(120), limit: 10)
        #expect(!second.map(\.id).contains(first[0].id))
        let retrained = try #require(try stored())
        #expect(retrained.source.feedback != taste.source.feedback)
        #expect(retrained.parts.labeled.contains { $0.id == first[0].id && $0.strength < 0 })
        // After `retrainAfterDays`, trained again even without new feedback.
        let later = now.addingTimeInterval(Double(RankingModel.standard.learner.retrainAfterDays) * 86_400)
        _ = try engine.recommend(user: "ann", now: later, limit: 10)
        #expect(try stored()?.source.trainedOn == Day(later))
    }

    @Test func aUsersCommandsWriteWithinTheirOwnKeyRangeOnly() throws {
        let engine = try engine()
        let papers = try engine.papers(limit: 12).map(\.id)
        // Another user first, so that what the store derives once (the ranking space) exists.
        try engine.record(.like, papers: Array(papers.suffix(3)), user: "bob", at: now)
        _ = try engine.recommend(user: "bob", now: now, limit: 5)
        func entries() throws -> [[UInt8]: [UInt8]] {
            try engine.withCore { core in
                var entries: [[UInt8]: [UInt8]] = [:]
                try core.store.keyValues.scan(prefix: []) { key, value in entries[key] = value; return true }
                return entries
            }
        }
        let before = try entries()
        try engine.record(.like, papers: Array(papers.prefix(4)), user: "ann", at: now)
        let queue = try engine.today(user: "ann", now: now)
        try engine.record(.star, papers: [queue.items[0].id], user: "ann", at: now.addingTimeInterval(60))
        try engine.record(.dislike, papers: [queue.items[1].id], user: "ann", at: now.addingTimeInterval(70))
        _ = try engine.recommend(user: "ann", now: now.addingTimeInterval(80), limit: 5)
        _ = try engine.today(user: "ann", now: now.addingTimeInterval(86_400))
        let after = try entries()
        let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }
        #expect(changed.count >= 8)
        #expect(changed.allSatisfy { $0.starts(with: Keys.records(of: "ann")) },
                "\(changed.filter { !$0.starts(with: Keys.records(of: "ann")) }.map { String(decoding: $0, as: UTF8.self) })")
        let taste = try #require(after[Keys.taste(of: "ann")])
        #expect(try StoredTaste(record: taste).parts.svm != nil)
    }

    @Test func scoringRecordsInPlaceEqualsScoringDecodedVectors() throws {
        let engine = try engine()
        let papers = try engine.papers(limit: 40).map(\.id)
        try engine.record(.like, papers: Array(papers.prefix(6)), user: "ann", at: now)
        try engine.record(.dislike, papers: Array(papers.suffix(2)), user: "ann", at: now)
        try engine.withCore { core in
            var corpus = try Corpus(store: core.store, model: core.model)
            let taste = try core.recommender.taste(of: "ann", now: now, corpus: &corpus).model
            #expect(taste.svm != nil)
            let stored = try corpus.storedPapers(papers)
            #expect(stored.count == papers.count)
            for fusing in [true, false] {
                let scorer = taste.recordScorer(fusing: fusing)
                for paper in stored {
                    let record = try #require(paper.record)
                    let inPlace = try #require(try scorer.components(record: record, generation: corpus.head.generation))
                    let entry = try corpus.entry(paper)
                    let decoded = taste.components(entry.vector, entry.authorVector, meanProduct: entry.meanProduct)
                    #expect(inPlace.svm == decoded.svm && inPlace.centroid == decoded.centroid && inPlace.author == decoded.author)
                }
            }
        }
    }

    @Test func aStoredTasteMatchesAFreshlyTrainedOne() throws {
        let engine = try engine()
        try engine.record(.like, papers: try engine.papers(limit: 6).map(\.id), user: "ann", at: now)
        let cached = try engine.recommend(user: "ann", now: now, limit: 15)
        let again = try engine.recommend(user: "ann", now: now, limit: 15)
        try engine.withCore { core in
            var batch = KeyValueBatch()
            batch.delete(Keys.taste(of: "ann"))
            try core.store.keyValues.write(batch, durable: true)
        }
        let fresh = try engine.recommend(user: "ann", now: now, limit: 15)
        #expect(again == cached)
        #expect(fresh.map(\.id) == cached.map(\.id))
        #expect(zip(fresh, cached).allSatisfy { abs($0.score - $1.score) < 1e-4 })
    }

    @Test(arguments: [2, 3, 4])
    func scanningInKeyRangesAtOnceGivesTheSameListAsOneScan(partitions: Int) throws {
        let engine = try engine()
        let ids = try engine.papers().map(\.id).sorted()
        // Papers left out: the first and the last, a run in the middle, and ids that are not stored.
        let skipped = Set([ids.first!, ids.last!, "0-not-stored", "zzz-not-stored"] + ids[40 ..< 60] + ids.filter { $0.hasSuffix("7") })
        try engine.withCore { core in
            var corpus = try Corpus(store: core.store, model: core.model)
            let lengths: @Sendable (UnsafeBufferPointer<UInt8>) throws -> Int? = { record in record.count % 5 == 0 ? nil : record.count }
            let whole = try corpus.mapStoredVectors(partitions: 1, skipping: skipped, lengths) { _ in nil }
            let split = try corpus.mapStoredVectors(partitions: partitions, skipping: skipped, lengths) { _ in nil }
            let all = try corpus.mapStoredVectors(partitions: partitions) { record in record.count } stale: { _ in nil }
            #expect(whole.ids.count > 100 && whole.ids.count < all.ids.count - 20)
            #expect(split.ids == whole.ids && split.values == whole.values)
            #expect(Array(all.ids) == ids)
            // Exactly what is not skipped, and does not map to nil, is kept.
            let kept = zip(all.ids, all.values).filter { !skipped.contains($0.0) && $0.1 % 5 != 0 }
            #expect(Array(whole.ids) == kept.map(\.0) && whole.values == kept.map(\.1))
        }
    }

    /// After a generation packs every vector, ingest writes single records (re-listed papers, new
    /// papers whose ids fall inside a pack's range): scans and point reads take each paper once,
    /// from its single record when it has one, whatever key ranges the scan is cut into.
    @Test(arguments: [1, 2, 3, 5])
    func singleRecordsOverrideTheirPackedEntries(partitions: Int) throws {
        let engine = try engine()
        let ids = try engine.papers().map(\.id).sorted()
        let vectors = try storedVectors(engine)
        #expect(try vectorRecordCounts(engine).singles == 0)
        var pages: [String: Int] = [:]
        var batch = KeyValueBatch()
        for (index, id) in ids.enumerated() {
            var vector = try #require(vectors[id])
            pages[id] = vector.listing?.dailyPages
            if index % 5 == 0 {
                vector.listing?.dailyPages = 1000 + index
                batch.put(vector.encoded(), for: Keys.paperVector(id))
                pages[id] = 1000 + index
            }
            if index % 7 == 3 {
                // Sorts after this id and before the next: inside the pack's range, not in the pack.
                vector.listing?.dailyPages = 2000 + index
                batch.put(vector.encoded(), for: Keys.paperVector(id + "~"))
                pages[id + "~"] = 2000 + index
            }
        }
        try engine.withCore { core in try core.store.keyValues.write(batch, durable: true) }
        let skipped: Set = [ids[0], ids[5], ids[6], ids[3] + "~", ids[ids.count / 2]]
        try engine.withCore { core in
            var corpus = try Corpus(store: core.store, model: core.model)
            let listed: @Sendable (UnsafeBufferPointer<UInt8>) throws -> Int? = { record in try PaperVectorReader(record).listing?.dailyPages }
            let mapped = try corpus.mapStoredVectors(partitions: partitions, skipping: skipped, listed) { _ in nil }
            #expect(mapped.ids.count == Set(mapped.ids).count, "each paper once")
            let found = Dictionary(uniqueKeysWithValues: zip(mapped.ids, mapped.values))
            let expected = pages.filter { !skipped.contains($0.key) }
            #expect(found == expected, "missing \(expected.filter { found[$0.key] != $0.value }.keys.sorted()), extra \(found.keys.filter { expected[$0] == nil }.sorted())")
            let wanted = Array(pages.keys) + ["no-such-paper", ids[4] + "~"]
            let read = try corpus.readStoredPapers(wanted, partitions: partitions) { $0.count }
            let readPages = Dictionary(uniqueKeysWithValues: read.map { ($0.paper.id, $0.paper.dailyPages) })
            #expect(readPages == pages, "wrong \(pages.filter { readPages[$0.key] != $0.value }.map { "\($0.key): \(readPages[$0.key].map(String.init) ?? "none") not \($0.value)" }.sorted()), extra \(readPages.keys.filter { pages[$0] == nil }.sorted())")
        }
    }

    @Test(arguments: [2, 3, 7])
    func readingCandidatesInKeyRangesAtOnceGivesWhatOnePassGives(partitions: Int) throws {
        let engine = try engine()
        let ids = try engine.papers().map(\.id) + ["no-such-paper", "zzz-unknown"]
        try engine.withCore { core in
            var corpus = try Corpus(store: core.store, model: core.model)
            let lengths: @Sendable (UnsafeBufferPointer<UInt8>) throws -> Int = { $0.count &* 31 &+ Int($0.last ?? 0) }
            let whole = try corpus.readStoredPapers(ids, partitions: 1, lengths)
            let split = try corpus.readStoredPapers(ids.reversed(), partitions: partitions, lengths)
            #expect(whole.count == ids.count - 2)
            #expect(split.map(\.paper.id) == whole.map(\.paper.id) && split.map(\.value) == whole.map(\.value))
            #expect(split.map(\.paper.published) == whole.map(\.paper.published) && split.map(\.paper.dailyPages) == whole.map(\.paper.dailyPages))
        }
    }

    @Test func pairSlotsFindEveryKeptPairAndNoOther() {
        var random = SplitMix64(seed: 11)
        let kept = (0 ..< 20_000).map { index in (key: SparseVector.bigramKey(UInt32(random.next() % 5_000), UInt32(random.next() % 5_000)), slot: Int32(index)) }
        let unique = Dictionary(kept.map { ($0.key, $0.slot) }, uniquingKeysWith: { first, _ in first })
        let slots = PairSlots(unique.map { (key: $0.key, slot: $0.value) })
        #expect(unique.allSatisfy { slots[$0.key] == $0.value })
        var others = 0
        for _ in 0 ..< 50_000 {
            let key = SparseVector.bigramKey(UInt32(random.next() % 5_000), UInt32(random.next() % 5_000))
            guard unique[key] == nil else { continue }
            #expect(slots[key] == -1)
            others += 1
        }
        #expect(others > 40_000)
    }

    @Test func paperIDListsKeepIdsBackToBackAndGiveThemBackAsWritten() {
        var list = PaperIDList(["2411.01234", "hf-ünï"])
        Array("x".utf8).withUnsafeBufferPointer { list.append($0) }
        var other = PaperIDList()
        other.append("2411.01240")
        list.append(contentsOf: other)
        #expect(Array(list) == ["2411.01234", "hf-ünï", "x", "2411.01240"])
        #expect(list == PaperIDList(["2411.01234", "hf-ünï", "x", "2411.01240"]))
        Array("2411.0124".utf8).withUnsafeBufferPointer { #expect(!list.contains($0), "a prefix of an id is not the id") }
        Array("2411.01240".utf8).withUnsafeBufferPointer { #expect(list.contains($0)) }
        list.removeAll()
        #expect(list.isEmpty)
    }

    @Test func topSelectionAgreesWithAFullSort() {
        var generator = SplitMix64(seed: 11)
        let scores = (0 ..< 500).map { _ in Double(generator.next() % 50) }
        let byScoreThenIndex: (Int, Int) -> Bool = { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        let sorted = scores.indices.sorted(by: byScoreThenIndex)
        for count in [0, 1, 7, 50, 499, 500, 800] {
            #expect(Recommender.top(count, of: scores.indices, by: { scores[$0] }, tieBreak: { $0 < $1 }) == Array(sorted.prefix(count)))
        }
    }
}
