/// The papers ranking works on, as vectors, read from the store's compact term records.
struct Corpus: Sendable {
    struct Entry: Sendable {
        var id: String
        var published: Day
        var dailyPages: Int
        var vector: SparseVector
    }

    let vocabulary: Vocabulary
    let vectorizer: Vectorizer
    private(set) var entries: [Entry] = []
    private(set) var position: [String: Int] = [:]

    /// The vocabulary and vectorizer only; add papers with ``load(_:from:)`` or ``loadAll(from:)``.
    init(store: FolioStore, features: RankingModel.Features) throws {
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
        vocabulary = Vocabulary(documentCount: counts.papers, documentFrequencies: frequencies, names: names)
        vectorizer = Vectorizer(vocabulary: vocabulary, features: features)
    }

    subscript(id: String) -> Entry? {
        position[id].map { entries[$0] }
    }

    private mutating func add(id: String, terms: PaperTerms) {
        guard position[id] == nil else { return }
        position[id] = entries.count
        entries.append(Entry(id: id, published: terms.published, dailyPages: terms.dailyPages, vector: vectorizer.vector(terms)))
    }

    /// Adds every paper of the store.
    mutating func loadAll(from store: FolioStore) throws {
        try store.keyValues.scan(prefix: Keys.paperTermsPrefix) { key, value in
            add(id: Keys.component(after: Keys.paperTermsPrefix, in: key), terms: try PaperTerms(record: value))
            return true
        }
    }

    /// Adds the given papers (those that exist).
    mutating func load(_ ids: some Sequence<String>, from store: FolioStore) throws {
        for id in ids where position[id] == nil {
            if let terms = try store.terms(of: id) { add(id: id, terms: terms) }
        }
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
