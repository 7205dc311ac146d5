/// The papers ranking works on, as vectors, read from the store's compact term records.
struct Corpus: Sendable {
    struct Entry: Sendable {
        var id: String
        var published: Day
        var dailyPages: Int
        var vector: SparseVector
        var authorVector: SparseVector
        /// The analysed text, kept to match free-text interests against every word.
        var terms: PaperTerms
    }

    private(set) var vectorizer: Vectorizer
    private(set) var entries: [Entry] = []
    private(set) var position: [String: Int] = [:]
    /// The mean vector of the sample: where "typical" lies.
    private(set) var mean: SparseVector = .empty
    /// The corpus sample, in its stable order: the statistics come from it and it serves as weak negatives.
    private(set) var sample: [String] = []

    var vocabulary: Vocabulary { vectorizer.vocabulary }

    /// The vocabulary, and the statistics of a stable sample of at most `sampleSize` papers (all of a
    /// small corpus): frequencies of adjacent-term pairs and the mean vector. Add papers with
    /// ``load(_:from:)`` or ``loadAll(from:)``; the cost grows with the sample, not the corpus.
    init(store: FolioStore, features: RankingModel.Features, sampleSize: Int) throws {
        var frequencies: [Int32] = []
        var names: [String] = []
        let counts = try store.counts()
        frequencies.reserveCapacity(counts.terms)
        names.reserveCapacity(counts.terms)
        try store.keyValues.scan(prefix: Keys.vocabulary) { key, value in
            let entry = try TermEntry(record: value)
            let index = Int(entry.id)
            if index >= names.count {
                names.append(contentsOf: repeatElement("", count: index + 1 - names.count))
                frequencies.append(contentsOf: repeatElement(0, count: index + 1 - frequencies.count))
            }
            names[index] = Keys.lastComponent(of: key)
            frequencies[index] = Int32(clamping: entry.documentFrequency)
            return true
        }
        let vocabulary = Vocabulary(documentCount: counts.papers, documentFrequencies: frequencies, names: names)
        vectorizer = Vectorizer(vocabulary: vocabulary, features: features)

        var drawn: [(String, PaperTerms)] = []
        try store.keyValues.scan(prefix: Keys.sampleIndex) { key, _ in
            if let id = Keys.decodeSampleKey(key), let terms = try store.terms(of: id) { drawn.append((id, terms)) }
            return drawn.count < sampleSize
        }
        if features.bigrams, !drawn.isEmpty {
            // All pairs of all sampled papers (each paper's once), sorted, then counted by runs: no hashing per pair.
            var all: [UInt64] = []
            for (_, terms) in drawn {
                var own = Vectorizer.pairs(terms)
                own.sort()
                var previous: UInt64?
                for pair in own where pair != previous {
                    all.append(pair)
                    previous = pair
                }
            }
            all.sort()
            var pairs: [UInt64: Int32] = [:]
            var index = 0
            while index < all.count {
                let pair = all[index]
                var count: Int32 = 0
                while index < all.count, all[index] == pair {
                    count += 1
                    index += 1
                }
                if count >= 1 { pairs[pair] = count }
            }
            // Counted on the sample, scaled to the corpus (exact when the sample is the whole corpus).
            let scale = Double(max(counts.papers, drawn.count)) / Double(drawn.count)
            let minimum = Int32(features.minimumDocumentFrequency)
            vectorizer.vocabulary.pairFrequencies = pairs.compactMapValues { count in
                let estimate = Int32((Double(count) * scale).rounded())
                return estimate >= minimum ? estimate : nil
            }
        }
        for (id, terms) in drawn { add(id: id, terms: terms) }
        sample = drawn.map(\.0)
        var sum: [UInt64: Float] = [:]
        for entry in entries {
            for (key, value) in zip(entry.vector.keys, entry.vector.values) { sum[key, default: 0] += value }
        }
        let count = Float(max(entries.count, 1))
        mean = SparseVector(sum.mapValues { $0 / count })
    }

    subscript(id: String) -> Entry? {
        position[id].map { entries[$0] }
    }

    private mutating func add(id: String, terms: PaperTerms) {
        guard position[id] == nil else { return }
        position[id] = entries.count
        entries.append(Entry(id: id, published: terms.published, dailyPages: terms.dailyPages,
                             vector: vectorizer.vector(terms), authorVector: vectorizer.authorVector(terms), terms: terms))
    }

    /// Adds every paper of the store.
    mutating func loadAll(from store: FolioStore) throws {
        try store.keyValues.scan(prefix: Keys.paperTermsPrefix) { key, value in
            let id = Keys.component(after: Keys.paperTermsPrefix, in: key)
            if position[id] == nil { add(id: id, terms: try PaperTerms(record: value)) }
            return true
        }
    }

    /// Adds the given papers (those that exist).
    mutating func load(_ ids: some Sequence<String>, from store: FolioStore) throws {
        for id in ids where position[id] == nil {
            if let terms = try store.terms(of: id) { add(id: id, terms: terms) }
        }
    }

    /// The paper's vector with every known word kept, to match free-text interests.
    func textVector(of entry: Entry) -> SparseVector {
        vectorizer.vector(entry.terms, prune: false)
    }

    /// A free text (a search query, an interest) analysed and weighted like a paper.
    func vector(text: String, analyzer: TextAnalyzer, store: FolioStore) throws -> SparseVector {
        let ids = try analyzer.terms(text).compactMap { try store.termEntry($0)?.id }
        return vectorizer.vector(text: ids)
    }

    /// A feature's name: a term, or two terms for a pair.
    func name(of key: UInt64) -> String {
        SparseVector.terms(of: key).map(vocabulary.name).joined(separator: " ")
    }
}
