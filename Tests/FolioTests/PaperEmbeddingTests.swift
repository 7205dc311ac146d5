import Foundation
import Testing
@testable import Folio

private func unitVector(seed: UInt64) -> [Float] {
    var random = SplitMix64(seed: seed)
    let raw = (0 ..< SentenceEncoder.dimensions).map { _ in Float(Int64(random.next() % 2001) - 1000) / 1000 }
    let norm = PaperEmbedding.dot(raw, raw).squareRoot()
    return raw.map { $0 / norm }
}

/// A models folder holding the real all-MiniLM-L6-v2 (linked, not copied), as a store's `models/` or `$FOLIO_MODELS` would.
private func realLibrary(in directory: TemporaryDirectory) throws -> ModelLibrary {
    let folder = directory.subpath("models")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: "\(folder)/\(SentenceEncoder.modelName)", withDestinationPath: RealModel.directory!)
    return ModelLibrary(directory: folder)
}

private func embeddingRecords(_ engine: Engine) throws -> [String: [UInt8]] {
    try engine.withCore { core in
        var records: [String: [UInt8]] = [:]
        try core.store.keyValues.scan(prefix: Keys.paperEmbeddings) { key, value in
            records[Keys.component(after: Keys.paperEmbeddings, in: key)] = value
            return true
        }
        return records
    }
}

private let now = Date(timeIntervalSince1970: 1_723_680_000) // 2024-08-15

/// Small pages, because a debug build encodes far more slowly than a release one.
private func pages(in directory: TemporaryDirectory) -> [String] {
    let topics = ["graph neural networks for molecules", "sparse attention for long documents", "robot locomotion with reinforcement learning",
                  "weak lensing of galaxy clusters", "tensor compilers for accelerators", "protein structure from language models"]
    return (0 ..< 2).map { page in
        directory.file("page\(page).txt", Fixtures.dailyPage(topics.indices.filter { $0 % 2 == page }.map { index in
            ("A study of \(topics[index])", "We study \(topics[index]) and report results on standard benchmarks, with code.")
        }))
    }
}

@Suite("Embedding: stored paper embeddings")
struct PaperEmbeddingRecordTests {
    @Test func roundTripsWithinTheQuantum() throws {
        for seed in UInt64(1) ... 5 {
            let vector = unitVector(seed: seed)
            let record = PaperEmbedding(vector).encoded()
            #expect(record.count == SentenceEncoder.dimensions + 5)
            let decoded = try PaperEmbedding(record: record).values
            let largest = vector.map(abs).max()!
            let error = zip(vector, decoded).map { abs($0 - $1) }.max()!
            #expect(error <= largest / 254 + 1e-7)
            #expect(PaperEmbedding.dot(vector, decoded) > 0.999)
            // Read in place, the product is the decoded vector's.
            let weights = unitVector(seed: seed + 100)
            #expect(abs(try PaperEmbedding.dot(record: record, weights) - PaperEmbedding.dot(decoded, weights)) < 1e-5)
            // Encoding the decoded vector again changes nothing: a stored embedding is stable.
            #expect(PaperEmbedding(decoded).encoded() == record)
        }
        #expect(try PaperEmbedding(record: PaperEmbedding([Float](repeating: 0, count: 384)).encoded()).values.allSatisfy { $0 == 0 })
    }

    @Test func damagedRecordsAreRefusedWithTheReason() {
        var record = PaperEmbedding(unitVector(seed: 9)).encoded()
        let short = #expect(throws: RecordCodec.Failure.self) { try PaperEmbedding(record: Array(record.dropLast())) }
        #expect(short?.description == "damaged paper embedding record: 388 bytes, expected 389")
        record[0] = 7
        let newer = #expect(throws: RecordCodec.Failure.self) { try PaperEmbedding(record: record) }
        #expect(newer?.description.contains("version 7") == true)
    }

    @Test func aStoredTasteKeepsItsEmbeddingPart() throws {
        let liked = (0 ..< 4).map { (embedding: unitVector(seed: $0), strength: 1.0) }
        let sample = (10 ..< 40).map { unitVector(seed: UInt64($0)) }
        let embedding = try #require(EmbeddingTaste.train(labeled: liked, unlabeled: sample, learner: RankingModel.standard.learner, seed: 3))
        #expect(embedding.svm != nil && embedding.centroid.count == 384)
        let parts = TasteModel.Parts(svm: nil, labeled: [("a", 1)], centroid: .empty, centroidMeanScale: 0, meanNormSquared: 0,
                                     authorProfile: .empty, interests: [], embedding: embedding)
        let source = StoredTaste.Source(generation: 2, model: 3, feedback: 4, trainedOn: Day(now), embedded: 4)
        let decoded = try StoredTaste(record: StoredTaste(source: source, parts: parts).encoded())
        #expect(decoded == StoredTaste(source: source, parts: parts))
        // A taste that used fewer embedded papers is not used again once more papers have embeddings.
        var later = source
        later.embedded = 5
        #expect(!source.serves(later, retrainAfterDays: 7))
    }

    @Test func theSharedModelsFolderServesAStoreWithoutItsOwn() throws {
        let directory = TemporaryDirectory("models-env")
        let shared = directory.subpath("shared")
        for name in [SentenceEncoder.weightsFile, SentenceEncoder.vocabularyFile] {
            try FileManager.default.createDirectory(atPath: "\(shared)/\(SentenceEncoder.modelName)", withIntermediateDirectories: true)
            directory.file("shared/\(SentenceEncoder.modelName)/\(name)", "x")
        }
        let store = directory.subpath("store")
        #expect(ModelLibrary.forStore(store, environment: [:]).directory == "\(store)/models")
        #expect(ModelLibrary.forStore(store, environment: ["FOLIO_MODELS": shared]).directory == shared)
        #expect(ModelLibrary.forStore(store, environment: ["FOLIO_MODELS": directory.subpath("absent")]).directory == "\(store)/models")
        // The store's own folder wins when it holds the model.
        for name in [SentenceEncoder.weightsFile, SentenceEncoder.vocabularyFile] {
            try FileManager.default.createDirectory(atPath: "\(store)/models/\(SentenceEncoder.modelName)", withIntermediateDirectories: true)
            directory.file("store/models/\(SentenceEncoder.modelName)/\(name)", "x")
        }
        #expect(ModelLibrary.forStore(store, environment: ["FOLIO_MODELS": shared]).directory == "\(store)/models")
    }

    /// Without embeddings in the store, ranking is TF-IDF's alone, whatever the embedding weights say.
    @Test func withoutStoredEmbeddingsRecommendIsUnchanged() throws {
        let directory = TemporaryDirectory("no-embeddings")
        var zero = RankingModel.standard
        zero.learner.embeddingWeight = 0
        zero.learner.embeddingCentroidWeight = 0
        zero.learner.similarEmbeddingShare = 0
        let empty = ModelLibrary(directory: directory.subpath("no-models"))
        var results: [[RankedPaper]] = []
        var similar: [[RankedPaper]] = []
        // The shipped model, one that ignores embeddings, and (when the model files are here) the shipped
        // model with the encoder installed after ingest, so the store has no `N·` records.
        let installedLater = RealModel.available ? try realLibrary(in: directory) : nil
        let runs: [(RankingModel, ModelLibrary?)] = [(.standard, nil), (zero, nil)] + (installedLater.map { [(.standard, $0)] } ?? [])
        for (index, (model, later)) in runs.enumerated() {
            let store = directory.subpath("store\(index)")
            var engine = try Engine(path: store, options: Engine.Options(rankingModel: model, models: empty))
            try engine.ingest(files: Fixtures.dailyPages, listingDate: .iso("2024-08-14"), now: now)
            if let later {
                engine.close()
                engine = try Engine(path: store, options: Engine.Options(rankingModel: model, models: later))
                #expect(engine.models.hasSentenceEncoder)
            }
            defer { engine.close() }
            #expect(try embeddingRecords(engine).isEmpty)
            let ids = try engine.papers().map(\.id).sorted()
            try engine.record(.like, papers: Array(ids.prefix(6)), user: "ada", at: now)
            results.append(try engine.recommend(user: "ada", now: now, limit: 30))
            similar.append(try engine.similar(to: ids[0], user: "ada", now: now))
        }
        for index in results.indices.dropFirst() {
            #expect(results[index] == results[0], "run \(index)")
            #expect(similar[index] == similar[0], "run \(index)")
        }
    }
}

@Suite("Embedding: a store with the model", .enabled(if: RealModel.available, RealModel.skipReason))
struct StoreWithModelTests {
    @Test func ingestEmbedsEveryPaperOnceAndReingestKeepsThem() throws {
        let directory = TemporaryDirectory("embed-ingest")
        let engine = try Engine(path: directory.subpath("store"), options: Engine.Options(models: try realLibrary(in: directory)))
        defer { engine.close() }
        var reported: [EmbeddingProgress] = []
        let start = Date()
        let files = pages(in: directory)
        try engine.ingest(files: files, listingDate: .iso("2024-08-14"), now: now, embedding: { reported.append($0) })
        let seconds = Date().timeIntervalSince(start)
        let papers = try engine.statistics().papers
        let records = try embeddingRecords(engine)
        #expect(records.count == papers)
        #expect(Set(records.keys) == Set(try engine.papers().map(\.id)))
        #expect(reported.last?.papers == papers && reported.last?.total == papers)
        #expect(seconds > 0)

        // The stored vector is the encoder's for title + abstract, to the quantum.
        let paper = try engine.paper(records.keys.sorted()[0])
        let fresh = try #require(RealModel.encoder).encode([PaperEmbedding.text(of: paper)])[0]
        #expect(PaperEmbedding.dot(fresh, try PaperEmbedding(record: records[paper.id]!).values) > 0.999)

        // Ingesting again embeds nothing and leaves every record as it was.
        reported = []
        try engine.ingest(files: files, listingDate: .iso("2024-08-14"), now: now, embedding: { reported.append($0) })
        #expect(reported.isEmpty)
        #expect(try embeddingRecords(engine) == records)
        #expect(try engine.embedMissingPapers() == 0)
    }

    @Test func backfillEmbedsAStoreIngestedBeforeTheModel() throws {
        let directory = TemporaryDirectory("embed-backfill")
        let store = directory.subpath("store")
        let before = try Engine(path: store, options: Engine.Options(models: ModelLibrary(directory: directory.subpath("none"))))
        let files = pages(in: directory)
        try before.ingest(files: [files[0]], listingDate: .iso("2024-08-14"), now: now)
        #expect(try embeddingRecords(before).isEmpty)
        let error = #expect(throws: FolioError.self) { try before.embedMissingPapers() }
        #expect(error?.kind == .missingModel)
        before.close()

        let after = try Engine(path: store, options: Engine.Options(models: try realLibrary(in: directory)))
        defer { after.close() }
        let papers = try after.statistics().papers
        #expect(try after.embedMissingPapers() == papers)
        #expect(try embeddingRecords(after).count == papers)
        // Papers ingested later are embedded by ingest; the old ones are not recomputed.
        let old = try embeddingRecords(after)
        try after.ingest(files: [files[1]], listingDate: .iso("2024-08-14"), now: now)
        let all = try embeddingRecords(after)
        #expect(all.count == (try after.statistics().papers))
        #expect(old.allSatisfy { all[$0.key] == $0.value })
    }

    @Test func backfillThroughTheCLIWithTheSharedModelsFolder() throws {
        let directory = TemporaryDirectory("embed-cli")
        let folio = FolioProcess(store: directory.subpath("store"))
        let files = pages(in: directory)
        let ingest = try folio.run(["ingest"] + files, environment: ["FOLIO_MODELS": ""])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let without = try folio.run(["embed", "--backfill"], environment: ["FOLIO_MODELS": ""])
        #expect(without.status == 1 && without.stderr.contains("folio model install minilm"))
        let shared = try realLibrary(in: directory).directory
        let backfill = try folio.run(["embed", "--backfill", "--json"], environment: ["FOLIO_MODELS": shared])
        #expect(backfill.status == 0, "\(backfill.stderr)")
        #expect(try backfill.json()["embedded"] as? Int == 6)
        let again = try folio.run(["embed", "--backfill"], environment: ["FOLIO_MODELS": shared])
        #expect(again.stdout.contains("every paper already has an embedding"))
        let help = try folio.run(["model", "--help"])
        #expect(help.stdout.contains("FOLIO_MODELS"))
    }

    /// Liked papers about cooking; the candidate about cuisine shares no word with them, so TF-IDF
    /// cannot see it, but its meaning is theirs: the hybrid puts it first.
    @Test func theHybridRanksALikedTopicUp() throws {
        let directory = TemporaryDirectory("embed-hybrid")
        let engine = try Engine(path: directory.subpath("store"), options: Engine.Options(models: try realLibrary(in: directory)))
        defer { engine.close() }
        let liked = [
            ("Cooking pasta recipes for busy weeknights", "We collect quick recipes for cooking pasta with tomato sauce, garlic and olive oil at home."),
            ("Baking bread at home with sourdough recipes", "Recipes for baking bread with a sourdough starter, flour, water and salt in a home oven."),
            ("Recipes for cooking vegetables and sauces", "Home cooking recipes for roasting vegetables and making sauces with garlic, butter and herbs."),
            ("Cooking rice and noodle recipes in a home kitchen", "A collection of recipes for cooking rice and noodles with soy sauce, ginger and garlic."),
        ]
        let target = ("Traditional Italian cuisine: dishes, meals and chefs", "Chefs describe regional Italian dishes, their ingredients and how meals are prepared in restaurants.")
        let others = [
            ("Graph neural networks for molecule property prediction", "We train message passing networks on molecular graphs to predict chemical properties of molecules."),
            ("Sparse attention for long document transformers", "Sparse attention patterns let transformers process long documents with linear memory in sequence length."),
            ("Reinforcement learning for robot locomotion", "Policies trained with reinforcement learning in simulation transfer to legged robots walking outdoors."),
            ("Galaxy cluster mass estimates from weak lensing", "Weak gravitational lensing measurements constrain the masses of galaxy clusters in survey data."),
            ("Compilers for tensor programs on accelerators", "A compiler schedules tensor programs for accelerators with autotuning of loop tilings and memory layout."),
            ("Protein structure prediction with language models", "Protein language models predict structure from amino acid sequences without multiple alignments."),
            ("Speech recognition for low resource languages", "Self-supervised speech models are adapted to recognise low resource languages with little labelled audio."),
        ]
        let file = directory.file("page.txt", Fixtures.dailyPage(liked + [target] + others))
        try engine.ingest(files: [file], listingDate: .iso("2024-08-14"), now: now)
        let ids = Dictionary(uniqueKeysWithValues: try engine.papers().map { ($0.title, $0.id) })
        try engine.record(.like, papers: liked.map { ids[$0.0]! }, user: "ada", at: now)
        let ranked = try engine.recommend(user: "ada", now: now, limit: 8)
        #expect(ranked.first?.id == ids[target.0], "\(ranked.map(\.title))")
        let queue = try engine.today(user: "ada", now: now, limit: 8)
        #expect(queue.items.first?.id == ids[target.0], "\(queue.items.map(\.title))")
        let similar = try engine.similar(to: ids[liked[0].0]!, user: "bob", now: now, limit: 4)
        #expect(similar.prefix(4).map(\.id).contains(ids[target.0]!), "\(similar.map(\.title))")
    }
}
