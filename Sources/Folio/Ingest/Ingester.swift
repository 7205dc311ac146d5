/// Merges incoming papers into the store: dedup by id, by ids seen before, and by normalised title;
/// keeps the paper record, its terms, its index entries and the corpus statistics in step.
///
/// Changes gather in memory and reach the store only through ``commit(durable:marker:)``, one batch
/// at a time, so every paper is either wholly present or wholly absent.
struct Ingester {
    enum Outcome: Sendable, Equatable {
        case added, merged, unchanged
    }

    private let store: FolioStore
    private let analyzer: TextAnalyzer
    private var staged: StagedWrites
    private var counts: StoreCounts
    /// Vocabulary entries read or created during this ingest, by id (`dirtyTerms` still have to be
    /// written), and their ids by name: a term's name is hashed once per occurrence, its id thereafter.
    private var termIDs: [String: UInt32] = [:]
    private var vocabulary: [UInt32: (term: String, documentFrequency: Int)] = [:]
    private var dirtyTerms: Set<UInt32> = []
    /// The current ranking space, if any: each paper's vector is then written in its own batch.
    private let space: RankingSpace?

    init(store: FolioStore, analyzer: TextAnalyzer, space: RankingSpace? = nil) throws {
        self.store = store
        self.analyzer = analyzer
        self.space = space
        staged = StagedWrites(base: store.keyValues)
        counts = try store.counts()
    }

    /// Bytes waiting to be committed.
    var stagedBytes: Int { staged.byteCount }

    /// Adds one paper, or merges it into the paper it duplicates.
    /// - Parameter defaultDay: the day recorded when the listing gives none.
    mutating func add(_ incoming: IncomingPaper, defaultDay: Day) throws -> Outcome {
        if let problem = Self.problem(with: incoming) { throw RecordProblem(line: 0, message: problem) }
        let normalizedTitle = incoming.normalizedTitle
        let day = incoming.published ?? defaultDay
        let appearance = Appearance(source: incoming.source, day: day)

        if let existingID = try existingPaperID(for: incoming, normalizedTitle: normalizedTitle),
           let existing = try store.paper(existingID, in: stagedReader)
        {
            return try merge(incoming, appearance: appearance, into: existing)
        }

        let id = incoming.externalID ?? PaperID.derived(fromNormalizedTitle: normalizedTitle)
        let paper = Paper(
            id: id, title: incoming.title, abstract: incoming.abstract, authors: incoming.authors,
            categories: incoming.categories, links: incoming.links, published: day, appearances: [appearance]
        )
        try insert(paper, analysis: incoming.analysis)
        return .added
    }

    /// Stores a paper exactly as given (from a backup, or when rebuilding derived data), with all
    /// its index entries; a paper already stored under its id is left as it is.
    mutating func restore(_ paper: Paper) throws -> Outcome {
        if let problem = PaperID.problem(with: paper.id) { throw RecordProblem(line: 0, message: "id \"\(paper.id.prefix(80))\": \(problem)") }
        guard TextAnalyzer.normalizedTitle(paper.title).isEmpty == false else {
            throw RecordProblem(line: 0, message: "paper \(paper.id) has a title with no letters or digits")
        }
        if try staged.value(for: Keys.paper(paper.id)) != nil { return .unchanged }
        try insert(paper)
        return .added
    }

    /// Re-indexes a stored paper from its record alone (when derived data is rebuilt).
    mutating func restoreReplacing(_ paper: Paper) throws {
        if let problem = PaperID.problem(with: paper.id) { throw RecordProblem(line: 0, message: problem) }
        try insert(paper)
    }

    /// Gives `term` the id `id` before any paper uses it (restoring a backup keeps term ids).
    /// - Returns: `false` when the term or the id is taken.
    mutating func seed(term: String, id: UInt32) -> Bool {
        guard termIDs[term] == nil, vocabulary[id] == nil else { return false }
        termIDs[term] = id
        vocabulary[id] = (term, 0)
        dirtyTerms.insert(id)
        staged.put(Array(term.utf8), for: Keys.termName(id))
        counts.terms = max(counts.terms, Int(id) + 1)
        return true
    }

    /// Whether a paper is stored or staged under `id`.
    func hasPaper(_ id: String) throws -> Bool {
        try staged.value(for: Keys.paper(id)) != nil
    }

    private mutating func insert(_ paper: Paper, analysis: PaperAnalysis? = nil) throws {
        staged.put(paper.encoded(), for: Keys.paper(paper.id))
        staged.put(Array(paper.id.utf8), for: Keys.title(analysis?.normalizedTitle(ofTitle: paper.title) ?? TextAnalyzer.normalizedTitle(paper.title)))
        for day in Set(paper.appearances.map(\.day) + [paper.published]) { staged.put([], for: Keys.day(day, paper: paper.id)) }
        for alias in paper.aliases { staged.put(Array(paper.id.utf8), for: Keys.alias(alias)) }
        staged.put([], for: Keys.sample(paper.id))
        try index(paper, replacing: nil, analysis: analysis)
        counts.papers += 1
    }

    /// Why a parsed paper cannot be stored, or `nil` if it can.
    static func problem(with incoming: IncomingPaper) -> String? {
        if incoming.normalizedTitle.isEmpty {
            return "the title \"\(incoming.title.prefix(80))\" has no letters or digits"
        }
        if let id = incoming.externalID, let problem = PaperID.problem(with: id) { return "id \"\(id.prefix(80))\": \(problem)" }
        return nil
    }

    private var stagedReader: StagedReader { StagedReader(staged: staged) }

    private func existingPaperID(for incoming: IncomingPaper, normalizedTitle: String) throws -> String? {
        if let id = incoming.externalID {
            if try staged.value(for: Keys.paper(id)) != nil { return id }
            if let target = try staged.value(for: Keys.alias(id)) { return String(decoding: target, as: UTF8.self) }
        }
        return try staged.value(for: Keys.title(normalizedTitle)).map { String(decoding: $0, as: UTF8.self) }
    }

    private mutating func merge(_ incoming: IncomingPaper, appearance: Appearance, into existing: Paper) throws -> Outcome {
        var paper = existing
        if !paper.appearances.contains(appearance) {
            if !paper.appearances.contains(where: { $0.day == appearance.day }) {
                staged.put([], for: Keys.day(appearance.day, paper: paper.id))
            }
            paper.appearances.append(appearance)
            paper.appearances.sort()
        }
        if let id = incoming.externalID, id != paper.id, !paper.aliases.contains(id) {
            paper.aliases.append(id)
            staged.put(Array(paper.id.utf8), for: Keys.alias(id))
        }
        if paper.abstract.isEmpty, !incoming.abstract.isEmpty { paper.abstract = incoming.abstract }
        if paper.authors.isEmpty { paper.authors = incoming.authors }
        for category in incoming.categories where !paper.categories.contains(category) { paper.categories.append(category) }
        for link in incoming.links where !paper.links.contains(link) { paper.links.append(link) }
        paper.published = min(paper.published, appearance.day)
        guard paper != existing else { return .unchanged }
        if paper.abstract != existing.abstract {
            try index(paper, replacing: existing)
        } else if paper.published != existing.published || paper.dailyPageCount != existing.dailyPageCount,
                  let bytes = try staged.value(for: Keys.paperTerms(paper.id))
        {
            var terms = try PaperTerms(record: bytes)
            terms.published = paper.published
            terms.dailyPages = paper.dailyPageCount
            staged.put(terms.encoded(), for: Keys.paperTerms(paper.id))
            // The vector record keeps the listing too (a queue reads its candidates from it alone).
            if let space { staged.put(space.vector(of: terms).encoded(), for: Keys.paperVector(paper.id)) }
        }
        staged.put(paper.encoded(), for: Keys.paper(paper.id))
        return .merged
    }

    /// Stores the paper's analysed terms and moves the document frequencies from the old text's terms to the new.
    /// - Parameter analysis: the paper's text analysed by its parser, used if it is of this text.
    private mutating func index(_ paper: Paper, replacing old: Paper?, analysis: PaperAnalysis? = nil) throws {
        let analysis = analysis.flatMap { $0.isAnalysis(ofTitle: paper.title, abstract: paper.abstract, authors: paper.authors) ? $0 : nil }
            ?? PaperAnalysis(title: paper.title, abstract: paper.abstract, authors: paper.authors, analyzer: analyzer)
        let terms = PaperTerms(
            titleTerms: try analysis.titleTerms.map { try termID($0) },
            abstractTerms: try analysis.abstractTerms.map { try termID($0) },
            authorTerms: try analysis.authorTerms.map { try termID($0) },
            published: paper.published, dailyPages: paper.dailyPageCount
        )
        var added = terms.distinctTerms
        counts.termOccurrences += terms.titleTerms.count + terms.abstractTerms.count
        if old != nil, let bytes = try staged.value(for: Keys.paperTerms(paper.id)) {
            let previousTerms = try PaperTerms(record: bytes)
            counts.termOccurrences -= previousTerms.titleTerms.count + previousTerms.abstractTerms.count
            let previous = previousTerms.distinctTerms
            for id in previous.subtracting(added) { try adjustFrequency(ofTermID: id, by: -1) }
            added.subtract(previous)
        }
        for id in added { try adjustFrequency(ofTermID: id, by: 1) }
        staged.put(terms.encoded(), for: Keys.paperTerms(paper.id))
        if let space { staged.put(space.vector(of: terms).encoded(), for: Keys.paperVector(paper.id)) }
        var occurrences: [UInt32: (title: Int, abstract: Int)] = [:]
        for term in terms.titleTerms { occurrences[term, default: (0, 0)].title += 1 }
        for term in terms.abstractTerms { occurrences[term, default: (0, 0)].abstract += 1 }
        let length = terms.titleTerms.count + terms.abstractTerms.count
        for (term, count) in occurrences {
            pendingPostings[term, default: []].append(Posting(paperID: paper.id, titleCount: count.title, abstractCount: count.abstract, length: length))
        }
    }

    /// Postings gathered for the next batch, by term.
    private var pendingPostings: [UInt32: [Posting]] = [:]

    private mutating func termID(_ term: String) throws -> UInt32 {
        if let id = termIDs[term] { return id }
        if let stored = try store.termEntry(term) {
            termIDs[term] = stored.id
            vocabulary[stored.id] = (term, stored.documentFrequency)
            return stored.id
        }
        let id = UInt32(counts.terms)
        counts.terms += 1
        termIDs[term] = id
        vocabulary[id] = (term, 0)
        dirtyTerms.insert(id)
        staged.put(Array(term.utf8), for: Keys.termName(id))
        return id
    }

    private mutating func adjustFrequency(ofTermID id: UInt32, by delta: Int) throws {
        if vocabulary[id] == nil {
            // A term of a stored paper this ingest has not seen yet (its text changed on a merge).
            guard let term = try store.termName(id), let stored = try store.termEntry(term) else { return }
            termIDs[term] = id
            vocabulary[id] = (term, stored.documentFrequency)
        }
        vocabulary[id]!.documentFrequency = max(0, vocabulary[id]!.documentFrequency + delta)
        dirtyTerms.insert(id)
    }

    /// Writes everything staged so far in one batch.
    /// - Parameter marker: the ingest still in progress after this batch (`nil` clears it).
    mutating func commit(durable: Bool, marker: String?) throws {
        for id in dirtyTerms {
            if let entry = vocabulary[id] { staged.put(TermEntry(id: id, documentFrequency: entry.documentFrequency).encoded(), for: Keys.term(entry.term)) }
        }
        dirtyTerms.removeAll(keepingCapacity: true)
        if !pendingPostings.isEmpty {
            for (term, postings) in pendingPostings {
                staged.put(PostingChunk.encode(postings), for: Keys.postings(of: term, chunk: counts.postingChunks))
            }
            counts.postingChunks += 1
            pendingPostings.removeAll(keepingCapacity: true)
        }
        staged.put(counts.encoded(), for: Keys.counts)
        if let marker { staged.put(Array(marker.utf8), for: Keys.ingestInProgress) } else { staged.delete(Keys.ingestInProgress) }
        try store.commit(staged, durable: durable)
        staged = StagedWrites(base: store.keyValues)
    }
}

/// Lets store reads see staged, uncommitted records.
private struct StagedReader: KeyValueReader, @unchecked Sendable {
    let staged: StagedWrites

    func value(for key: [UInt8]) throws(StoreError) -> [UInt8]? {
        try staged.value(for: key)
    }

    func scan(prefix: [UInt8], from start: [UInt8]?, reverse: Bool, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {
        preconditionFailure("staged writes are read by key only")
    }
}
