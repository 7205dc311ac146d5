import Foundation
import Synchronization

/// The papers ranking works on, as vectors in the current ``RankingSpace``, read from their stored
/// ``PaperVector`` records (made on the fly, in memory, for a paper whose record is missing or older).
///
/// Only what a call needs is read: a queue reads the day's candidates and the user's labelled papers,
/// `recommend` and `similar` read every paper's vector, training reads the corpus sample.
struct Corpus {
    struct Entry: Sendable {
        var id: String
        var published: Day
        var dailyPages: Int
        var vector: SparseVector
        var authorVector: SparseVector
        /// The vector's product with the corpus sample's mean.
        var meanProduct: Float
    }

    let store: FolioStore
    let index: RankingIndex
    let head: RankingSpace.Head
    private(set) var entries: [Entry] = []
    private(set) var position: [String: Int] = [:]
    /// The frozen statistics, read only when needed: vectors made on the fly, interests, training.
    private var frozenSpace: RankingSpace?
    private var cachedMean: SparseVector?
    /// Analysed texts read so far (for interests, which match every word).
    private var terms: [String: PaperTerms] = [:]

    /// Opens the corpus in the current space, making a new generation first if the corpus has outgrown it.
    init(store: FolioStore, model: RankingModel) throws {
        self.store = store
        index = RankingIndex(store: store, model: model)
        head = try index.refreshIfNeeded()
    }

    subscript(id: String) -> Entry? {
        position[id].map { entries[$0] }
    }

    mutating func space() throws -> RankingSpace {
        if let frozenSpace { return frozenSpace }
        let space = try index.space(head)
        frozenSpace = space
        return space
    }

    /// The mean vector of the corpus sample: where "typical" lies.
    mutating func mean() throws -> SparseVector {
        if let cachedMean { return cachedMean }
        let mean = try index.mean()
        cachedMean = mean
        return mean
    }

    /// The ids of the corpus sample, in its stable order (at most `size`).
    func sample(size: Int) throws -> [String] {
        try Self.sample(of: store, size: size)
    }

    static func sample(of store: FolioStore, size: Int) throws -> [String] {
        var ids: [String] = []
        try store.keyValues.scan(prefix: Keys.sampleIndex) { key, _ in
            if let id = Keys.decodeSampleKey(key) { ids.append(id) }
            return ids.count < size
        }
        return ids
    }

    /// Adds the given papers (those that exist), with their listing day and daily-page count.
    mutating func load(_ ids: some Sequence<String>) throws {
        for paper in try storedPapers(ids.filter { position[$0] == nil }) { _ = try entry(paper) }
    }

    /// A paper as stored, for scoring many without decoding their vectors (``TasteModel/RecordScorer``).
    struct StoredPaper: Sendable {
        var id: String
        var published: Day
        var dailyPages: Int
        /// Its ``PaperVector`` record in the current generation, when kept (``entry(_:)`` reads it again otherwise).
        var record: [UInt8]?
    }

    /// The given papers as stored (those that exist), in key order, with their records kept.
    mutating func storedPapers(_ ids: some Sequence<String>) throws -> [StoredPaper] {
        try readStoredPapers(ids) { Array($0) }.map { paper, record in
            var paper = paper
            paper.record = record
            return paper
        }
    }

    /// The given papers as stored (those that exist), in key order, each with what `read` makes of its
    /// vector record (in the current generation) where it lies: one pass over their `F` records
    /// (``KeyValueReader/lendValues(for:_:)``), none copied, split into key ranges read on all cores
    /// when there are many (a day's candidates in a large store). A paper without a current record, or with
    /// one that does not keep the listing, is read from its terms, its vector made now at the stored precision.
    /// - Parameter partitions: how many key ranges (by default ``KeyRanges/partitions(forPapers:)``).
    mutating func readStoredPapers<T: Sendable>(
        _ ids: some Sequence<String>, partitions: Int? = nil, _ read: @Sendable (UnsafeBufferPointer<UInt8>) throws -> T
    ) throws -> [(paper: StoredPaper, value: T)] {
        // Key order (for the ASCII ids of every source), the same for both prefixes: the order the reads walk the store in.
        // Sorted (one pass when they come sorted, as a day's listings do), then repeats dropped: no set of ids to hash.
        var distinct: [String] = []
        for id in Array(ids).sorted() where id != distinct.last { distinct.append(id) }
        let wanted = distinct
        var found = [(paper: StoredPaper, value: T)?](repeating: nil, count: wanted.count)
        let generation = head.generation
        let store = store
        let ranges = KeyRanges.chunks(of: wanted.count, partitions: partitions ?? KeyRanges.partitions(forPapers: wanted.count))
        // Current vector records that lack the listing (versions 1 and 2), by position; they are still used.
        let lock = Mutex<(unlisted: [Int: [UInt8]], error: (any Error)?)>(([:], nil))
        // Each range of keys is read by its own iterator on its own core; each writes only its own slots.
        found.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            DispatchQueue.concurrentPerform(iterations: ranges.count) { part in
                let range = ranges[part]
                do {
                    var ownUnlisted: [Int: [UInt8]] = [:]
                    try store.keyValues.lendEntries(atOrAfter: wanted[range].map(Keys.paperVector), prefix: Keys.paperVectors,
                                                    stoppingAt: Self.mayHoldVector) { offset, key, value in
                        let index = range.lowerBound + offset
                        guard let record = try Self.vectorRecord(of: wanted[index], key: key, value: value, in: store.path) else { return }
                        let header = try Self.header(of: record, in: store.path)
                        guard header.generation == generation else { return }
                        if let listing = header.listing {
                            slots[index] = (StoredPaper(id: wanted[index], published: listing.published, dailyPages: listing.dailyPages), try read(record))
                        } else {
                            ownUnlisted[index] = Array(record)
                        }
                    }
                    lock.withLock { $0.unlisted.merge(ownUnlisted) { first, _ in first } }
                } catch {
                    lock.withLock { $0.error = $0.error ?? error }
                }
            }
        }
        let (unlisted, failure) = lock.withLock { ($0.unlisted, $0.error) }
        if let failure { throw failure }
        let fromTerms = found.indices.filter { found[$0] == nil }
        for (index, termBytes) in zip(fromTerms, try store.keyValues.values(for: fromTerms.map { Keys.paperTerms(wanted[$0]) })) {
            guard let termBytes else { continue }
            let terms = try decoding { () throws(RecordCodec.Failure) in try PaperTerms(record: termBytes) }
            self.terms[wanted[index]] = terms
            let record = try unlisted[index] ?? space().vector(of: terms).encoded()
            found[index] = (StoredPaper(id: wanted[index], published: terms.published, dailyPages: terms.dailyPages, record: record),
                            try record.withUnsafeBufferPointer(read))
        }
        return found.compactMap { $0 }
    }

    /// A stored paper as an entry, its vector decoded (and the entry added to the corpus).
    mutating func entry(_ paper: StoredPaper) throws -> Entry {
        if let known = self[paper.id] { return known }
        guard let record = try paper.record ?? storedRecord(of: paper.id) else {
            throw FolioError(.damagedRecord, "the vector record of \(paper.id) is missing from the store at \(store.path); run `folio doctor --rebuild`")
        }
        let vector = try decoding { () throws(RecordCodec.Failure) in try PaperVector(record: record) }
        let entry = Entry(id: paper.id, published: paper.published, dailyPages: paper.dailyPages, vector: vector.vector,
                          authorVector: vector.authorVector, meanProduct: vector.meanProduct)
        add(entry)
        return entry
    }

    /// Where the store may keep a paper's vector record, met at or after its own key: its own single
    /// record, or a pack (which holds it if any does); other papers' single records are passed over.
    @Sendable static func mayHoldVector(_ wanted: [UInt8], key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Bool {
        PaperVectorPack.isPack(value) || key.elementsEqual(wanted)
    }

    /// The paper's record in what ``mayHoldVector(_:key:value:)`` stopped at: the single record itself,
    /// or the paper's entry in the pack (`nil` when the pack does not hold it).
    static func vectorRecord(of id: String, key: UnsafeBufferPointer<UInt8>?, value: UnsafeBufferPointer<UInt8>?, in path: String) throws -> UnsafeBufferPointer<UInt8>? {
        guard key != nil, let value else { return nil }
        guard PaperVectorPack.isPack(value) else { return value }
        do {
            var id = id
            return try id.withUTF8 { id in try PaperVectorPack.record(of: id, in: value) }
        } catch let failure as RecordCodec.Failure {
            throw FolioError.unreadable(failure, inStoreAt: path, advice: "run `folio doctor --rebuild`")
        }
    }

    /// A paper's vector record, copied out of its single record or its pack.
    private func storedRecord(of id: String) throws -> [UInt8]? {
        var record: [UInt8]?
        try store.keyValues.lendEntries(atOrAfter: [Keys.paperVector(id)], prefix: Keys.paperVectors, stoppingAt: Self.mayHoldVector) { _, key, value in
            record = try Self.vectorRecord(of: id, key: key, value: value, in: store.path).map(Array.init)
        }
        return record
    }

    private static func header(of record: UnsafeBufferPointer<UInt8>, in path: String) throws -> (generation: UInt32, listing: PaperVector.Listing?) {
        let reader = try decoding(in: path) { () throws(RecordCodec.Failure) in try PaperVectorReader(record) }
        return (reader.generation, reader.listing)
    }

    /// The vectors of these papers with every known word kept (``textVector(of:)``), their terms read in one pass.
    mutating func textVectors(of entries: [Entry]) throws -> [SparseVector] {
        let missing = entries.map(\.id).filter { terms[$0] == nil }.sorted()
        for (id, bytes) in zip(missing, try store.keyValues.values(for: missing.map(Keys.paperTerms))) {
            guard let bytes else { continue }
            terms[id] = try decoding { () throws(RecordCodec.Failure) in try PaperTerms(record: bytes) }
        }
        return try entries.map { try textVector(of: $0) }
    }

    /// The stored vectors of the given papers, without adding them (training reads the sample so);
    /// a paper without a current vector gets one made now.
    mutating func vectors(of ids: [String]) throws -> [SparseVector] {
        try ids.compactMap { id in
            if let entry = self[id] { return entry.vector }
            if let stored = try storedVector(of: id) { return stored.vector }
            guard let terms = try store.terms(of: id) else { return nil }
            return try space().vector(of: terms).vector
        }
    }

    /// Adds every paper, reading only the stored vectors: listing days and page counts are read too
    /// only with `details` (the cold start ranks by them).
    mutating func loadAll(details: Bool = false) throws {
        if details {
            try store.keyValues.scan(prefix: Keys.paperTermsPrefix) { key, value in
                let id = Keys.component(after: Keys.paperTermsPrefix, in: key)
                guard position[id] == nil else { return true }
                let terms = try decoding { () throws(RecordCodec.Failure) in try PaperTerms(record: value) }
                let vector = try storedVector(of: id) ?? space().vector(of: terms)
                add(Entry(id: id, published: terms.published, dailyPages: terms.dailyPages, vector: vector.vector, authorVector: vector.authorVector, meanProduct: vector.meanProduct))
                return true
            }
            return
        }
        let stored = try mapStoredVectors { record in try PaperVector(record: Array(record)) } stale: { entry in
            PaperVector(generation: 0, vector: entry.vector, authorVector: entry.authorVector, meanProduct: entry.meanProduct)
        }
        for (id, vector) in zip(stored.ids, stored.values) where position[id] == nil {
            add(Entry(id: id, published: Day(daysSinceEpoch: 0), dailyPages: 0, vector: vector.vector, authorVector: vector.authorVector, meanProduct: vector.meanProduct))
        }
    }


    /// Maps every paper once without keeping it: `current` gets each stored record of the current
    /// generation as it lies in the store (on several threads at once, over disjoint key ranges, so it
    /// must only read shared state); `stale` gets every other paper as an entry made now. Results come
    /// in key order, then the stale papers', whatever the threads did: the same store gives the same list.
    /// - Parameters:
    ///   - partitions: how many key ranges to scan at once (default: ``KeyRanges/partitions(forPapers:)``).
    ///   - skipped: papers left out, met in key order as the scan goes (no per-paper hashing).
    mutating func mapStoredVectors<T: Sendable>(
        partitions: Int? = nil, skipping skipped: Set<String> = [],
        _ current: @escaping @Sendable (UnsafeBufferPointer<UInt8>) throws -> T?, stale: (Entry) throws -> T?
    ) throws -> MappedPapers<T> {
        let bounds = try partitionBounds(partitions ?? KeyRanges.partitions(forPapers: head.documentCount))
        let parts = ScanResults<T>(count: bounds.count - 1)
        let store = store
        let generation = head.generation
        let skippedIDs = SkippedPapers(skipped.map { Array($0.utf8) })
        // Ranges hold about equal shares of the papers; reserving a share and a quarter up front spares
        // the copies (and the fresh pages) of growing the lists by doubling.
        let expected = head.documentCount / (bounds.count - 1) * 5 / 4 + 64
        DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { part in
            do {
                var results = MappedPapers<T>(ids: PaperIDList(), values: [])
                results.ids.reserveCapacity(expected)
                results.values.reserveCapacity(expected)
                var others: [String] = []
                var visited = 0
                // Single records and packs' entries each come in id order, so each has its own cursor.
                var skippingSingles = skippedIDs.cursor(from: bounds[part].map { Array($0.dropFirst(Keys.paperVectors.count)) })
                var skippingPacked: SkippedPapers.Cursor?
                // Papers with a single record since the last pack: it overrides their entry in the next.
                var overrides = PaperIDList()
                func map(_ id: UnsafeBufferPointer<UInt8>, _ record: UnsafeBufferPointer<UInt8>) throws {
                    if PaperVectorReader.generation(of: record) == generation {
                        if let mapped = try current(record) {
                            results.ids.append(id)
                            results.values.append(mapped)
                        }
                    } else {
                        others.append(String(decoding: id, as: UTF8.self))
                    }
                }
                // Records are lent in place: `current` reads each where it lies, nothing is copied.
                let end = bounds[part + 1]
                try store.keyValues.scanInPlace(prefix: Keys.paperVectors, from: bounds[part]) { key, value in
                    if let end, !Keys.precedes(key, end) { return false }
                    let id = UnsafeBufferPointer(rebasing: key[Keys.paperVectors.count...])
                    guard PaperVectorPack.isPack(value) else {
                        visited += 1
                        overrides.append(id)
                        if !skippingSingles.skips(id) { try map(id, value) }
                        return true
                    }
                    if skippingPacked == nil {
                        // The first pack of the range may hold papers before it, whose single records
                        // the range before read.
                        var first: [UInt8] = []
                        try PaperVectorPack.forEach(value) { id, _ in
                            first = Array(id)
                            return false
                        }
                        let start = Keys.paperVectors + first
                        skippingPacked = skippedIDs.cursor(from: first)
                        if let rangeStart = bounds[part], start.lexicographicallyPrecedes(rangeStart) {
                            try store.keyValues.scanInPlace(prefix: Keys.paperVectors, from: start) { key, value in
                                guard Keys.precedes(key, rangeStart) else { return false }
                                if !PaperVectorPack.isPack(value) { overrides.append(UnsafeBufferPointer(rebasing: key[Keys.paperVectors.count...])) }
                                return true
                            }
                        }
                    }
                    try PaperVectorPack.forEach(value) { id, record in
                        guard !overrides.contains(id) else { return true }
                        visited += 1
                        if !skippingPacked!.skips(id) { try map(id, record) }
                        return true
                    }
                    overrides.removeAll()
                    return true
                }
                parts.store(part, results: results, others: others, visited: visited)
            } catch let failure as RecordCodec.Failure {
                parts.fail(part, FolioError.unreadable(failure, inStoreAt: store.path, advice: "run `folio doctor --rebuild`"))
            } catch {
                parts.fail(part, error)
            }
        }
        var results = try parts.results()
        var others = parts.others
        // Papers with no vector record at all (ingested by an older Folio, restored from a backup).
        if parts.visited < (try store.counts().papers) {
            try store.keyValues.scan(prefix: Keys.paperTermsPrefix) { key, _ in
                let id = Keys.component(after: Keys.paperTermsPrefix, in: key)
                if try storedRecord(of: id) == nil { others.append(id) }
                return true
            }
        }
        for id in others where !skipped.contains(id) {
            try load([id])
            if let entry = self[id], let mapped = try stale(entry) {
                results.ids.append(id)
                results.values.append(mapped)
            }
        }
        return results
    }

    private func partitionBounds(_ partitions: Int) throws -> [[UInt8]?] {
        try KeyRanges.split(store: store, into: partitions, key: Keys.paperVector)
    }

    private func storedVector(of id: String) throws -> PaperVector? {
        try storedRecord(of: id).flatMap(currentVector)
    }

    /// A stored vector record, if it belongs to the current generation.
    private func currentVector(_ bytes: [UInt8]) throws -> PaperVector? {
        let vector = try decoding { () throws(RecordCodec.Failure) in try PaperVector(record: bytes) }
        return vector.generation == head.generation ? vector : nil
    }

    private mutating func add(_ entry: Entry) {
        position[entry.id] = entries.count
        entries.append(entry)
    }

    /// The paper's vector with every known word kept, to match free-text interests (in term space, not the ranking space's features).
    mutating func textVector(of entry: Entry) throws -> SparseVector {
        let terms: PaperTerms
        if let known = self.terms[entry.id] {
            terms = known
        } else {
            guard let stored = try store.terms(of: entry.id) else { return .empty }
            terms = stored
        }
        return try space().vectorizer.vector(terms, prune: false)
    }

    /// A free text (a search query, an interest) analysed and weighted like a paper, every word kept (term space).
    mutating func vector(text: String, analyzer: TextAnalyzer) throws -> SparseVector {
        let ids = try analyzer.terms(text).compactMap { try store.termEntry($0)?.id }
        return try space().vectorizer.vector(text: ids)
    }

    /// A feature's name: a term, or two terms for a pair. Needs ``prepareNames(of:)`` with the feature first.
    func name(of feature: UInt64) -> String {
        guard let key = featureKeys[feature] else { return "#\(feature)" }
        return termNames(SparseVector.terms(of: key))
    }

    private var featureKeys: [UInt64: UInt64] = [:]

    /// Reads the keys of these features so that ``name(of:)`` can name them.
    mutating func prepareNames(of features: some Sequence<UInt64>) throws {
        let missing = features.filter { featureKeys[$0] == nil }
        guard !missing.isEmpty else { return }
        featureKeys.merge(try index.featureKeys(of: missing)) { first, _ in first }
    }

    private func termNames(_ ids: [UInt32]) -> String {
        ids.map { (try? store.termName($0)) ?? nil ?? "#\($0)" }.joined(separator: " ")
    }

    private func decoding<T>(_ body: () throws(RecordCodec.Failure) -> T) throws(FolioError) -> T {
        try Self.decoding(in: store.path, body)
    }

    private static func decoding<T>(in path: String, _ body: () throws(RecordCodec.Failure) -> T) throws(FolioError) -> T {
        do {
            return try body()
        } catch {
            throw FolioError.unreadable(error, inStoreAt: path, advice: "run `folio doctor --rebuild`")
        }
    }
}

/// What a pass over every paper kept: ids and what was made of each paper, position by position.
struct MappedPapers<T> {
    var ids: PaperIDList
    var values: [T]
}

extension MappedPapers: Sendable where T: Sendable {}

/// Papers a scan leaves out, as their ids in the store's order, met in order as the scan goes: one
/// comparison per scanned paper instead of hashing its id.
struct SkippedPapers: Sendable {
    private let keys: [[UInt8]]

    init(_ keys: some Sequence<[UInt8]>) {
        self.keys = keys.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Where a scan that starts at `start` (the first id when `nil`) is in the list.
    struct Cursor {
        fileprivate let keys: [[UInt8]]
        fileprivate var next: Int

        /// Whether `id` is left out; ids must come in ascending order.
        mutating func skips(_ id: UnsafeBufferPointer<UInt8>) -> Bool {
            while next < keys.count {
                let order = Keys.order(of: id, against: keys[next])
                if order < 0 { return false }
                next += 1
                if order == 0 { return true }
            }
            return false
        }
    }

    func cursor(from start: [UInt8]?) -> Cursor {
        guard let start else { return Cursor(keys: keys, next: 0) }
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle].lexicographicallyPrecedes(start) { low = middle + 1 } else { high = middle }
        }
        return Cursor(keys: keys, next: low)
    }
}

/// Paper ids back to back in one buffer, each made a `String` only when read: a pass over the whole
/// catalogue keeps the id of every paper it maps, and only the best few are ever read.
struct PaperIDList: RandomAccessCollection, Equatable, Sendable {
    private var bytes: [UInt8] = []
    /// Where each id ends in `bytes`.
    private var ends: [Int] = []

    init() {}

    init(_ ids: some Sequence<String>) {
        for id in ids { append(id) }
    }

    var startIndex: Int { 0 }
    var endIndex: Int { ends.count }

    subscript(position: Int) -> String {
        String(decoding: bytes[range(of: position)], as: UTF8.self)
    }

    private func range(of position: Int) -> Range<Int> {
        (position == 0 ? 0 : ends[position - 1]) ..< ends[position]
    }

    mutating func append(_ id: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: id)
        ends.append(bytes.count)
    }

    mutating func append(_ id: String) {
        bytes.append(contentsOf: id.utf8)
        ends.append(bytes.count)
    }

    mutating func append(contentsOf other: PaperIDList) {
        let offset = bytes.count
        bytes.append(contentsOf: other.bytes)
        ends.append(contentsOf: other.ends.lazy.map { $0 + offset })
    }

    mutating func reserveCapacity(_ count: Int) {
        ends.reserveCapacity(count)
    }

    /// Whether the list holds `id` (UTF-8): a linear pass, for short lists.
    func contains(_ id: UnsafeBufferPointer<UInt8>) -> Bool {
        indices.contains { position in
            let range = range(of: position)
            return range.count == id.count && bytes[range].elementsEqual(id)
        }
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
}

/// What each key range of a partitioned scan produced, by range.
private final class ScanResults<T: Sendable>: Sendable {
    private struct State {
        var parts: [MappedPapers<T>]
        var others: [[String]]
        var visited = 0
        var error: (any Error)?
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(parts: Array(repeating: MappedPapers(ids: PaperIDList(), values: []), count: count), others: Array(repeating: [], count: count)))
    }

    func store(_ part: Int, results: MappedPapers<T>, others: [String], visited: Int) {
        state.withLock { state in
            state.parts[part] = results
            state.others[part] = others
            state.visited += visited
        }
    }

    /// Stored records seen, of any generation.
    var visited: Int { state.withLock { $0.visited } }

    func fail(_ part: Int, _ error: any Error) {
        state.withLock { state in state.error = state.error ?? error }
    }

    func results() throws -> MappedPapers<T> {
        try state.withLock { state in
            if let error = state.error { throw error }
            let count = state.parts.reduce(0) { $0 + $1.ids.count }
            var all = MappedPapers<T>(ids: PaperIDList(), values: [])
            all.ids.reserveCapacity(count)
            all.values.reserveCapacity(count)
            for part in state.parts {
                all.ids.append(contentsOf: part.ids)
                all.values.append(contentsOf: part.values)
            }
            return all
        }
    }

    var others: [String] { state.withLock { $0.others.flatMap { $0 } } }
}

/// Cuts a per-paper key range (`F·<id>`, `T·<id>`) into parts of about equal size, so that several
/// threads can each scan one: the cuts are quantiles of ids from the corpus sample, which the sample's
/// hash order spreads evenly over the id space.
enum KeyRanges {
    /// Ranges per core: more ranges than cores, so that a core that is done with its range takes
    /// another instead of waiting for the slowest; on a shared machine two halves rarely end together.
    static let rangesPerCore = 4
    /// At most this many ranges.
    static let maximumPartitions = 16
    /// Below this many papers, one thread scans: starting threads would cost more than it saves.
    static let minimumPapersToPartition = 2000

    /// `count` positions cut into `partitions` contiguous ranges of nearly equal size.
    static func chunks(of count: Int, partitions: Int) -> [Range<Int>] {
        let parts = max(1, min(partitions, count))
        return (0 ..< parts).map { part in part * count / parts ..< (part + 1) * count / parts }
    }

    static func partitions(forPapers papers: Int) -> Int {
        papers >= minimumPapersToPartition ? min(maximumPartitions, rangesPerCore * ProcessInfo.processInfo.activeProcessorCount) : 1
    }

    /// Start keys of the ranges, `nil` standing for the start and the end of the whole prefix.
    static func split(store: FolioStore, into partitions: Int, key: (String) -> [UInt8]) throws -> [[UInt8]?] {
        guard partitions > 1 else { return [nil, nil] }
        let ids = try Corpus.sample(of: store, size: 64 * partitions).sorted()
        guard ids.count >= partitions else { return [nil, nil] }
        return [nil] + (1 ..< partitions).map { key(ids[$0 * ids.count / partitions]) } + [nil]
    }
}
