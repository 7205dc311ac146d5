import Foundation

/// A sparse vector of features: keys in increasing order with their values.
///
/// A feature key is a term id (below 2³²) or, for a pair of adjacent terms, `(first + 1) << 32 | second`.
struct SparseVector: Sendable, Equatable {
    private(set) var keys: [UInt64]
    private(set) var values: [Float]

    static let empty = SparseVector(sortedKeys: [], values: [])

    init(sortedKeys keys: [UInt64], values: [Float]) {
        precondition(keys.count == values.count)
        self.keys = keys
        self.values = values
    }

    /// Sums the values of repeated keys.
    init(_ entries: [UInt64: Float]) {
        let sorted = entries.sorted { $0.key < $1.key }
        keys = sorted.map(\.key)
        values = sorted.map(\.value)
    }

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    var norm: Float {
        var sum: Float = 0
        for value in values { sum += value * value }
        return sum.squareRoot()
    }

    /// Scaled to unit length (unchanged when all zero).
    func normalized() -> SparseVector {
        let length = norm
        guard length > 0 else { return self }
        return SparseVector(sortedKeys: keys, values: values.map { $0 / length })
    }

    func dot(_ other: SparseVector) -> Float {
        var i = 0, j = 0, sum: Float = 0
        while i < keys.count, j < other.keys.count {
            let a = keys[i], b = other.keys[j]
            if a == b {
                sum += values[i] * other.values[j]
                i += 1
                j += 1
            } else if a < b {
                i += 1
            } else {
                j += 1
            }
        }
        return sum
    }

    /// The features both vectors share, with the product of their values, largest first.
    func sharedFeatures(with other: SparseVector) -> [(key: UInt64, contribution: Float)] {
        var shared: [(UInt64, Float)] = []
        var i = 0, j = 0
        while i < keys.count, j < other.keys.count {
            let a = keys[i], b = other.keys[j]
            if a == b {
                shared.append((a, values[i] * other.values[j]))
                i += 1
                j += 1
            } else if a < b { i += 1 } else { j += 1 }
        }
        return shared.sorted { $0.1 > $1.1 }.map { (key: $0.0, contribution: $0.1) }
    }

    static func bigramKey(_ first: UInt32, _ second: UInt32) -> UInt64 {
        (UInt64(first) + 1) << 32 | UInt64(second)
    }

    /// The term ids of a feature key: one for a term, two for a pair.
    static func terms(of key: UInt64) -> [UInt32] {
        key < 1 << 32 ? [UInt32(key)] : [UInt32(key >> 32) - 1, UInt32(truncatingIfNeeded: key)]
    }
}

/// Every term's document frequency and name, indexed by term id: the corpus statistics that
/// ingest keeps up to date, plus the frequencies of adjacent term pairs counted over a loaded corpus.
struct Vocabulary: Sendable {
    /// Papers in the corpus.
    var documentCount: Int
    var documentFrequencies: [Int32]
    var names: [String]
    /// Which term ids are author tokens.
    var authorTerms: [Bool] = []
    /// Papers containing each adjacent pair, when a whole corpus was counted.
    var pairFrequencies: [UInt64: Int32] = [:]

    init(documentCount: Int, documentFrequencies: [Int32], names: [String]) {
        self.documentCount = documentCount
        self.documentFrequencies = documentFrequencies
        self.names = names
        authorTerms = names.map(AuthorTokens.isAuthor)
    }

    /// Statistics without names (a frozen ``RankingSpace``): names are looked up in the store when shown.
    init(documentCount: Int, documentFrequencies: [Int32], authorTerms: [Bool]) {
        self.documentCount = documentCount
        self.documentFrequencies = documentFrequencies
        names = []
        self.authorTerms = authorTerms
    }

    func name(of term: UInt32) -> String {
        Int(term) < names.count ? names[Int(term)] : "#\(term)"
    }

    func isAuthor(_ term: UInt32) -> Bool {
        Int(term) < authorTerms.count && authorTerms[Int(term)]
    }

    func documentFrequency(_ term: UInt32) -> Int {
        Int(term) < documentFrequencies.count ? Int(documentFrequencies[Int(term)]) : 0
    }

    /// The document frequency of a feature: a term's, or a pair's.
    func documentFrequency(ofFeature key: UInt64) -> Int {
        key < 1 << 32 ? documentFrequency(UInt32(key)) : Int(pairFrequencies[key] ?? 0)
    }
}

/// Turns a paper's analysed terms into vectors: TF-IDF over terms, pairs of adjacent terms (within
/// title or abstract) and author tokens, with sublinear term frequency, smoothed inverse document
/// frequency, too rare and too common features left out, unit length; and a separate author vector.
struct Vectorizer: Sendable {
    var vocabulary: Vocabulary
    let features: RankingModel.Features

    func idf(_ documentFrequency: Int) -> Float {
        Float(log((1 + Double(vocabulary.documentCount)) / (1 + Double(documentFrequency))) + 1)
    }

    func keeps(frequency: Int) -> Bool {
        frequency >= features.minimumDocumentFrequency
            && Double(frequency) <= features.maximumDocumentFraction * Double(max(vocabulary.documentCount, 1))
    }

    /// The pairs of adjacent terms of each field.
    static func pairs(_ terms: PaperTerms) -> [UInt64] {
        var pairs: [UInt64] = []
        for field in [terms.titleTerms, terms.abstractTerms] where field.count > 1 {
            for index in 1 ..< field.count { pairs.append(SparseVector.bigramKey(field[index - 1], field[index])) }
        }
        return pairs
    }

    /// - Parameter prune: leave out features too rare or too common; free text a user wrote keeps every known term.
    func vector(_ terms: PaperTerms, prune: Bool = true) -> SparseVector {
        // Sorting the features and counting runs avoids hashing: this runs for every paper ranked.
        var features: [(key: UInt64, weight: Float)] = []
        features.reserveCapacity(2 * (terms.titleTerms.count + terms.abstractTerms.count) + terms.authorTerms.count)
        let titleWeight = Float(self.features.titleWeight)
        for term in terms.titleTerms { features.append((UInt64(term), titleWeight)) }
        for term in terms.abstractTerms { features.append((UInt64(term), 1)) }
        if self.features.bigrams {
            for pair in Self.pairs(terms) { features.append((pair, 1)) }
        }
        if self.features.authors {
            for term in Set(terms.authorTerms) { features.append((UInt64(term), 1)) }
        }
        var keys: [UInt64] = []
        var values: [Float] = []
        Self.forEachRun(of: &features) { key, count in
            let frequency = vocabulary.documentFrequency(ofFeature: key)
            guard prune ? keeps(frequency: frequency) : frequency > 0 else { return }
            keys.append(key)
            values.append((1 + Float(log(Double(count)))) * idf(frequency))
        }
        return SparseVector(sortedKeys: keys, values: values).normalized()
    }

    /// Sorts features by key and calls `body` once per key with its summed weight: counting by sorting,
    /// which beats hashing for the few hundred features of a paper.
    static func forEachRun<Key: Comparable>(of features: inout [(key: Key, weight: Float)], _ body: (Key, Float) -> Void) {
        features.sort { $0.key < $1.key }
        var index = 0
        while index < features.count {
            let key = features[index].key
            var sum: Float = 0
            while index < features.count, features[index].key == key {
                sum += features[index].weight
                index += 1
            }
            body(key, sum)
        }
    }

    /// The paper's authors alone, each weighted by its rarity (no upper frequency limit).
    func authorVector(_ terms: PaperTerms) -> SparseVector {
        var weighted: [UInt64: Float] = [:]
        for term in terms.authorTerms {
            let frequency = vocabulary.documentFrequency(term)
            if frequency >= features.minimumDocumentFrequency { weighted[UInt64(term)] = idf(frequency) }
        }
        return SparseVector(weighted).normalized()
    }

    /// A query or interest text as a vector in the same space. Its words all count, however common:
    /// "instruction tuning" means something to the user even where most papers are about it.
    func vector(text terms: [UInt32]) -> SparseVector {
        vector(PaperTerms(titleTerms: [], abstractTerms: terms), prune: false)
    }
}
