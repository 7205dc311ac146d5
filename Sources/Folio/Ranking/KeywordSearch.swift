import Foundation

/// Ranked keyword search: Okapi BM25 over the postings that ingest writes for every term,
/// so a query reads only the postings of its own terms, never the whole catalogue.
struct KeywordSearch {
    let store: FolioStore
    let analyzer: TextAnalyzer
    let settings: RankingModel.Search

    struct Hit {
        var id: String
        var score: Double
        var matchedTerms: [String]
    }

    func search(_ query: String, limit: Int) throws -> [Hit] {
        let counts = try store.counts()
        guard counts.papers > 0 else { return [] }
        let averageLength = max(1, Double(counts.termOccurrences) / Double(counts.papers))
        var scores: [String: Double] = [:]
        var matching: [(term: String, papers: Set<String>)] = []
        var seen: Set<String> = []
        for term in analyzer.terms(query) where seen.insert(term).inserted {
            guard let entry = try store.termEntry(term), entry.documentFrequency > 0 else { continue }
            let frequency = Double(entry.documentFrequency)
            let idf = log(1 + (Double(counts.papers) - frequency + 0.5) / (frequency + 0.5))
            // Later chunks supersede earlier ones for the same paper (its text was completed).
            var postings: [String: Posting] = [:]
            postings.reserveCapacity(Int(entry.documentFrequency))
            try store.keyValues.scan(prefix: Keys.postings(of: entry.id)) { _, value in
                for posting in try PostingChunk.decode(value) { postings[posting.paperID] = posting }
                return true
            }
            scores.reserveCapacity(scores.count + postings.count)
            for (id, posting) in postings {
                let tf = settings.titleWeight * Double(posting.titleCount) + Double(posting.abstractCount)
                let norm = settings.k1 * (1 - settings.b + settings.b * Double(posting.length) / averageLength)
                scores[id, default: 0] += idf * tf * (settings.k1 + 1) / (tf + norm)
            }
            matching.append((term, Set(postings.keys)))
        }
        // The best `limit` by score, then id; which terms matched is worked out for those alone.
        let ids = Array(scores.keys)
        let values = ids.map { scores[$0]! }
        let best = Recommender.top(limit, of: ids.indices, by: { values[$0] }, tieBreak: { ids[$0] < ids[$1] })
        return best.map { index in
            Hit(id: ids[index], score: values[index], matchedTerms: matching.filter { $0.papers.contains(ids[index]) }.map(\.term))
        }
    }
}
