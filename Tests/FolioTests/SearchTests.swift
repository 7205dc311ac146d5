import Foundation
import Testing
@testable import Folio

/// Keyword search against BM25 worked out the plain way: every posting decoded, the last one of each
/// paper per term kept, scores summed term by term in a dictionary.
@Suite struct SearchTests {
    let directory = TemporaryDirectory("search")
    let now = Date(timeIntervalSince1970: 1_764_000_000)

    /// Papers whose ids are short, longer than 16 bytes, and not ASCII; one arrives first without its
    /// abstract and is completed by a later file, so its title words have a posting in each of two chunks.
    func engine() throws -> Engine {
        let engine = try Engine(path: directory.subpath("store"))
        func line(_ id: String, _ title: String, _ abstract: String) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: ["id": id, "title": title, "abstract": abstract]), as: UTF8.self)
        }
        let first = [
            line("2411.00001", "Sparse attention for long contexts", "Sparse attention cuts the cost of attention over long contexts."),
            line("hf-a-rather-long-paper-identifier-0002", "Attention sinks in streaming language models", "Streaming models keep attention sinks."),
            line("ünïcode-päper-3", "Cache eviction for attention", "Key value cache eviction keeps attention cheap."),
            line("2411.00004", "Graph networks for molecules", "Message passing over molecular graphs."),
            line("2411.00005", "Attention", ""),
        ]
        try engine.ingest(files: [directory.file("first.jsonl", first.joined(separator: "\n"))], now: now)
        let completion = [line("2411.00005", "Attention", "Attention over sparse cache entries, again and again: attention.")]
        try engine.ingest(files: [directory.file("second.jsonl", completion.joined(separator: "\n"))], now: now)
        return engine
    }

    func reference(_ query: String, in engine: Engine, limit: Int) throws -> [(id: String, score: Double)] {
        try engine.withCore { core in
            let settings = core.model.search
            let counts = try core.store.counts()
            let averageLength = max(1, Double(counts.termOccurrences) / Double(counts.papers))
            var scores: [String: Double] = [:]
            var seen: Set<String> = []
            for term in core.analyzer.terms(query) where seen.insert(term).inserted {
                guard let entry = try core.store.termEntry(term), entry.documentFrequency > 0 else { continue }
                let frequency = Double(entry.documentFrequency)
                let idf = log(1 + (Double(counts.papers) - frequency + 0.5) / (frequency + 0.5))
                var latest: [String: Posting] = [:]
                try core.store.keyValues.scan(prefix: Keys.postings(of: entry.id)) { _, value in
                    for posting in try PostingChunk.decode(value) { latest[posting.paperID] = posting }
                    return true
                }
                for (id, posting) in latest {
                    let tf = settings.titleWeight * Double(posting.titleCount) + Double(posting.abstractCount)
                    let norm = settings.k1 * (1 - settings.b + settings.b * Double(posting.length) / averageLength)
                    scores[id, default: 0] += idf * tf * (settings.k1 + 1) / (tf + norm)
                }
            }
            return scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map { ($0.key, $0.value) }
        }
    }

    @Test func searchIsBM25OverEachPapersLatestPostings() throws {
        let engine = try engine()
        // The completed paper's title word has a posting in each ingest's chunk: the search must keep the later one.
        let attention = try engine.withCore { core in try #require(try core.store.termEntry(core.analyzer.terms("attention")[0])) }
        let chunks = try engine.withCore { core in
            var named = 0
            try core.store.keyValues.scan(prefix: Keys.postings(of: attention.id)) { _, value in
                named += try PostingChunk.decode(value).filter { $0.paperID == "2411.00005" }.count
                return true
            }
            return named
        }
        #expect(chunks == 2)
        for query in ["attention", "sparse attention cache", "attention attention streaming", "graph", "cache eviction", "zzzqqq"] {
            for limit in [1, 2, 10] {
                let hits = try engine.search(query, limit: limit)
                let expected = try reference(query, in: engine, limit: limit)
                #expect(hits.map(\.id) == expected.map(\.id), "\(query), limit \(limit)")
                #expect(hits.map(\.score) == expected.map { ($0.score * 1000).rounded() / 1000 }, "\(query), limit \(limit)")
            }
        }
        // Split across two cores (as queries with many postings are), the results are the same.
        let queries = ["attention", "sparse attention cache", "attention attention streaming", "cache eviction"]
        let split = try engine.withCore { core in
            var search = KeywordSearch(store: core.store, analyzer: core.analyzer, settings: core.model.search)
            search.postingsPerPart = 1
            return try queries.map { try search.search($0, limit: 10).map { [$0.id, "\($0.score)", $0.matchedTerms.joined(separator: " ")] } }
        }
        for (query, hits) in zip(queries, split) {
            let expected = try reference(query, in: engine, limit: 10)
            #expect(hits.map { $0[0] } == expected.map(\.id), "\(query), in two parts")
            #expect(hits.map { Double($0[1])! } == expected.map(\.score), "\(query), in two parts")
        }
        #expect(split[2].first { $0[0] == "hf-a-rather-long-paper-identifier-0002" }?[2] == "attent stream", "every matched term, in query order")
        let cache = try engine.search("sparse cache", limit: 10)
        #expect(cache.first { $0.id == "2411.00005" }?.reasons == ["matches: sparse, cache"], "words of the completed abstract count")
        #expect(cache.first { $0.id == "ünïcode-päper-3" }?.reasons == ["matches: cache"])
    }

    @Test func postingChunksReadInPlaceAsTheyDecode() throws {
        let postings = ["2411.01234", "2411.01240", "a-paper-id-longer-than-sixteen-bytes", "hf-ünïcode-1", "a"].enumerated().map {
            Posting(paperID: $1, titleCount: $0 % 2, abstractCount: $0 + 1, length: 100 + $0)
        }
        func readInPlace(_ bytes: [UInt8]) throws -> [Posting] {
            var read: [Posting] = []
            try bytes.withUnsafeBufferPointer { buffer in
                try PostingChunk.forEach(in: buffer) { id, title, abstract, length in
                    read.append(Posting(paperID: String(decoding: id, as: UTF8.self), titleCount: title, abstractCount: abstract, length: length))
                }
            }
            return read
        }
        let encoded = PostingChunk.encode(postings)
        #expect(try readInPlace(encoded) == postings)
        #expect(try readInPlace(Fixtures.versionOnePostingChunk(postings)) == postings)
        #expect(throws: RecordCodec.Failure.self) { try readInPlace(Array(encoded.dropLast(3))) }
        #expect(throws: RecordCodec.Failure.self) { try readInPlace(encoded + [0]) }
        #expect(throws: RecordCodec.Failure.self) { try readInPlace([9] + encoded.dropFirst()) }
        var overshared = encoded
        overshared[2] = 3  // the first id claims to share bytes with an id before it
        #expect(throws: RecordCodec.Failure.self) { try readInPlace(overshared) }
    }
}
