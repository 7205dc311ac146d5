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
        var matched: [String: [String]] = [:]
        var seen: Set<String> = []
        for term in analyzer.terms(query) where seen.insert(term).inserted {
            guard let entry = try store.termEntry(term), entry.documentFrequency > 0 else { continue }
            let frequency = Double(entry.documentFrequency)
            let idf = log(1 + (Double(counts.papers) - frequency + 0.5) / (frequency + 0.5))
            // Later chunks supersede earlier ones for the same paper (its text was completed).
            var postings: [String: Posting] = [:]
            try store.keyValues.scan(prefix: Keys.postings(of: entry.id)) { _, value in
                for posting in try PostingChunk.decode(value) { postings[posting.paperID] = posting }
                return true
            }
            for (id, posting) in postings {
                let tf = settings.titleWeight * Double(posting.titleCount) + Double(posting.abstractCount)
                let norm = settings.k1 * (1 - settings.b + settings.b * Double(posting.length) / averageLength)
                scores[id, default: 0] += idf * tf * (settings.k1 + 1) / (tf + norm)
                matched[id, default: []].append(term)
            }
        }
        return scores.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(limit).map {
            Hit(id: $0.key, score: $0.value, matchedTerms: matched[$0.key] ?? [])
        }
    }
}
