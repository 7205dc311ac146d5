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
    /// Vocabulary entries read or created during this ingest.
    private var vocabulary = TermSlots()
    /// The distinct terms of the paper being indexed, in order of first occurrence, with their counts.
    private var termCounts = TermCounts()
    /// Postings gathered for the next batch, in paper order, and the ids of their papers.
    private var pendingPostings: [PendingPosting] = []
    private var pendingPaperIDs: [String] = []
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
        guard vocabulary.slot(named: term) == nil, vocabulary.slot(ofID: id) == nil else { return false }
        vocabulary.markDirty(vocabulary.add(term, id: id, documentFrequency: 0))
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
        termCounts.start()
        func ids(of names: [String], field: TermCounts.Field) throws -> [UInt32] {
            var ids: [UInt32] = []
            ids.reserveCapacity(names.count)
            for name in names {
                let slot = try slot(of: name)
                ids.append(vocabulary.ids[Int(slot)])
                termCounts.count(slot, in: field)
            }
            return ids
        }
        let terms = PaperTerms(
            titleTerms: try ids(of: analysis.titleTerms, field: .title),
            abstractTerms: try ids(of: analysis.abstractTerms, field: .abstract),
            authorTerms: try ids(of: analysis.authorTerms, field: .authors),
            published: paper.published, dailyPages: paper.dailyPageCount
        )
        counts.termOccurrences += terms.titleTerms.count + terms.abstractTerms.count
        // The old text's distinct terms, when the paper had one: only their frequencies move.
        var previous: Set<UInt32>?
        if old != nil, let bytes = try staged.value(for: Keys.paperTerms(paper.id)) {
            let previousTerms = try PaperTerms(record: bytes)
            counts.termOccurrences -= previousTerms.titleTerms.count + previousTerms.abstractTerms.count
            let distinct = previousTerms.distinctTerms
            for id in distinct.subtracting(terms.distinctTerms) { try adjustFrequency(ofTermID: id, by: -1) }
            previous = distinct
        }
        staged.put(terms.encoded(), for: Keys.paperTerms(paper.id))
        if let space { staged.put(space.vector(of: terms).encoded(), for: Keys.paperVector(paper.id)) }

        // Each distinct term once: its frequency, and its posting when it occurs in the title or abstract.
        let paperIndex = Int32(pendingPaperIDs.count)
        let length = Int32(terms.titleTerms.count + terms.abstractTerms.count)
        var hasPostings = false
        for slot in termCounts.slots {
            if previous?.contains(vocabulary.ids[Int(slot)]) != true { vocabulary.adjustFrequency(ofSlot: slot, by: 1) }
            let title = termCounts.titleCounts[Int(slot)], abstract = termCounts.abstractCounts[Int(slot)]
            if title + abstract > 0 {
                pendingPostings.append(PendingPosting(slot: slot, paper: paperIndex, titleCount: title, abstractCount: abstract, length: length))
                hasPostings = true
            }
        }
        if hasPostings { pendingPaperIDs.append(paper.id) }
    }

    /// The slot of a term: found in this ingest's vocabulary, read from the store, or a new term.
    private mutating func slot(of term: String) throws -> Int32 {
        if let slot = vocabulary.slot(named: term) { return slot }
        if let stored = try store.termEntry(term) {
            return vocabulary.add(term, id: stored.id, documentFrequency: stored.documentFrequency)
        }
        let id = UInt32(counts.terms)
        counts.terms += 1
        let slot = vocabulary.add(term, id: id, documentFrequency: 0)
        vocabulary.markDirty(slot)
        staged.put(Array(term.utf8), for: Keys.termName(id))
        return slot
    }

    private mutating func adjustFrequency(ofTermID id: UInt32, by delta: Int) throws {
        if let slot = vocabulary.slot(ofID: id) {
            vocabulary.adjustFrequency(ofSlot: slot, by: delta)
        } else if let term = try store.termName(id), let stored = try store.termEntry(term) {
            // A term of a stored paper this ingest has not seen yet (its text changed on a merge).
            vocabulary.adjustFrequency(ofSlot: vocabulary.add(term, id: id, documentFrequency: stored.documentFrequency), by: delta)
        }
    }

    /// Writes everything staged so far in one batch.
    /// - Parameter marker: the ingest still in progress after this batch (`nil` clears it).
    mutating func commit(durable: Bool, marker: String?) throws {
        for slot in vocabulary.takeDirty() {
            let entry = TermEntry(id: vocabulary.ids[Int(slot)], documentFrequency: vocabulary.documentFrequencies[Int(slot)])
            staged.put(entry.encoded(), for: Keys.term(vocabulary.names[Int(slot)]))
        }
        if !pendingPostings.isEmpty {
            stagePostings()
            counts.postingChunks += 1
        }
        staged.put(counts.encoded(), for: Keys.counts)
        if let marker { staged.put(Array(marker.utf8), for: Keys.ingestInProgress) } else { staged.delete(Keys.ingestInProgress) }
        try store.commit(staged, durable: durable)
        staged.removeAll()
    }
}

extension Ingester {
    /// One paper's entry in a term's postings, waiting for the batch.
    private struct PendingPosting {
        var slot: Int32
        /// The paper's index in `pendingPaperIDs`.
        var paper: Int32
        var titleCount: Int32
        var abstractCount: Int32
        var length: Int32
    }

    /// Stages one chunk of postings per term that gained any, each in paper order: a counting sort
    /// groups the batch's postings by term.
    private mutating func stagePostings() {
        var starts = [Int](repeating: 0, count: vocabulary.ids.count + 1)
        for posting in pendingPostings { starts[Int(posting.slot) + 1] += 1 }
        for slot in vocabulary.ids.indices { starts[slot + 1] += starts[slot] }
        var next = starts
        var grouped = pendingPostings
        for posting in pendingPostings {
            grouped[next[Int(posting.slot)]] = posting
            next[Int(posting.slot)] += 1
        }
        for slot in vocabulary.ids.indices where starts[slot] < starts[slot + 1] {
            var chunk = PostingChunk.Writer(count: starts[slot + 1] - starts[slot])
            for posting in grouped[starts[slot] ..< starts[slot + 1]] {
                chunk.append(paperID: pendingPaperIDs[Int(posting.paper)], titleCount: Int(posting.titleCount),
                             abstractCount: Int(posting.abstractCount), length: Int(posting.length))
            }
            staged.put(chunk.bytes, for: Keys.postings(of: vocabulary.ids[slot], chunk: counts.postingChunks))
        }
        pendingPostings.removeAll(keepingCapacity: true)
        pendingPaperIDs.removeAll(keepingCapacity: true)
    }
}

/// One paper's distinct terms and how often each occurs in its title and abstract, counted in arrays
/// indexed by slot: no hashing and no sorting per paper.
private struct TermCounts {
    enum Field { case title, abstract, authors }

    /// The distinct slots, in order of first occurrence.
    private(set) var slots: [Int32] = []
    private(set) var titleCounts: [Int32] = []
    private(set) var abstractCounts: [Int32] = []
    /// The paper each slot was last counted for: a slot is new to this paper when its mark is older.
    private var marks: [UInt32] = []
    private var paper: UInt32 = 0

    /// Starts counting the next paper.
    mutating func start() {
        slots.removeAll(keepingCapacity: true)
        paper &+= 1
        if paper == 0 {
            // After 2³² papers, old marks could match again.
            for index in marks.indices { marks[index] = 0 }
            paper = 1
        }
    }

    mutating func count(_ slot: Int32, in field: Field) {
        let index = Int(slot)
        if index >= marks.count {
            // Doubling, so that a growing vocabulary costs a constant per slot.
            let more = max(index + 1 - marks.count, marks.count, 1024)
            marks.append(contentsOf: repeatElement(0, count: more))
            titleCounts.append(contentsOf: repeatElement(0, count: more))
            abstractCounts.append(contentsOf: repeatElement(0, count: more))
        }
        if marks[index] != paper {
            marks[index] = paper
            titleCounts[index] = 0
            abstractCounts[index] = 0
            slots.append(slot)
        }
        switch field {
        case .title: titleCounts[index] += 1
        case .abstract: abstractCounts[index] += 1
        case .authors: break
        }
    }
}

/// The vocabulary entries an ingest has read or created, each in a slot of its own: a term's name is
/// hashed once per occurrence to find its slot, and everything after works on slots.
private struct TermSlots {
    private var slotsByName = NameTable<Int32>()
    private var slotsByID: [UInt32: Int32] = [:]
    private(set) var ids: [UInt32] = []
    private(set) var names: [String] = []
    private(set) var documentFrequencies: [Int] = []
    /// Slots whose entries have to be written, each once.
    private var dirty: [Int32] = []
    private var isDirty: [Bool] = []

    func slot(named name: String) -> Int32? { slotsByName.value(of: name) }

    func slot(ofID id: UInt32) -> Int32? { slotsByID[id] }

    mutating func add(_ name: String, id: UInt32, documentFrequency: Int) -> Int32 {
        let slot = Int32(ids.count)
        slotsByName.insert(name, value: slot)
        slotsByID[id] = slot
        ids.append(id)
        names.append(name)
        documentFrequencies.append(documentFrequency)
        isDirty.append(false)
        return slot
    }

    mutating func markDirty(_ slot: Int32) {
        guard !isDirty[Int(slot)] else { return }
        isDirty[Int(slot)] = true
        dirty.append(slot)
    }

    mutating func adjustFrequency(ofSlot slot: Int32, by delta: Int) {
        documentFrequencies[Int(slot)] = max(0, documentFrequencies[Int(slot)] + delta)
        markDirty(slot)
    }

    /// The slots to write since the last call.
    mutating func takeDirty() -> [Int32] {
        defer { dirty.removeAll(keepingCapacity: true) }
        for slot in dirty { isDirty[Int(slot)] = false }
        return dirty
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
