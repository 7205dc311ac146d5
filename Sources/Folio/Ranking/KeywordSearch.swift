import Foundation
import Synchronization

/// Ranked keyword search: Okapi BM25 over the postings that ingest writes for every term,
/// so a query reads only the postings of its own terms, never the whole catalogue.
struct KeywordSearch {
    let store: FolioStore
    let analyzer: TextAnalyzer
    let settings: RankingModel.Search
    /// Postings a query must have before it is split across cores: below this, starting a second
    /// thread costs more than it saves.
    var postingsPerPart = 20_000

    struct Hit {
        var id: String
        var score: Double
        var matchedTerms: [String]
    }

    func search(_ query: String, limit: Int) throws -> [Hit] {
        let counts = try store.counts()
        guard counts.papers > 0 else { return [] }
        let averageLength = max(1, Double(counts.termOccurrences) / Double(counts.papers))
        var terms: [(term: String, id: UInt32, idf: Double, documentFrequency: Int)] = []
        var seen: Set<String> = []
        for term in analyzer.terms(query) where seen.insert(term).inserted {
            guard let entry = try store.termEntry(term), entry.documentFrequency > 0 else { continue }
            let frequency = Double(entry.documentFrequency)
            terms.append((term, entry.id, log(1 + (Double(counts.papers) - frequency + 0.5) / (frequency + 0.5)), Int(entry.documentFrequency)))
        }
        guard !terms.isEmpty else { return [] }
        // Queries with many postings run on every core: each part reads all the postings and keeps
        // the papers whose hash falls to it, so the tables' work (most of the time) is split.
        let postings = terms.reduce(0) { $0 + $1.documentFrequency }
        let parts = postings >= postingsPerPart ? min(2, ProcessInfo.processInfo.activeProcessorCount) : 1
        var generator = SystemRandomNumberGenerator()
        let seed: UInt64 = generator.next()
        let expected = min(postings, counts.papers) / parts + 1
        let store = store, settings = settings, queryTerms = terms
        let results = Mutex<(tallies: [Int: PaperTally], failure: (any Error)?)>(([:], nil))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            do {
                var tally = PaperTally(terms: queryTerms.count, expectedPapers: expected, seed: seed, part: part, of: parts)
                for (index, term) in queryTerms.enumerated() {
                    tally.startTerm(index)
                    try store.keyValues.scanInPlace(prefix: Keys.postings(of: term.id), from: nil) { _, value in
                        try PostingChunk.forEach(in: value) { id, titleCount, abstractCount, length in
                            let tf = settings.titleWeight * Double(titleCount) + Double(abstractCount)
                            let norm = settings.k1 * (1 - settings.b + settings.b * Double(length) / averageLength)
                            tally.record(id, term.idf * tf * (settings.k1 + 1) / (tf + norm))
                        }
                        return true
                    }
                }
                tally.finish()
                results.withLock { $0.tallies[part] = tally }
            } catch {
                results.withLock { $0.failure = $0.failure ?? error }
            }
        }
        let (found, failure) = results.withLock { state in (state.tallies, state.failure) }
        if let failure { throw failure }
        let tallies = (0 ..< parts).map { found[$0]! }
        // The best `limit` of each part, then of them all, by score, then id; only those become strings.
        let candidates = tallies.indices.flatMap { part in
            let tally = tallies[part]
            return Recommender.top(limit, of: tally.totals.indices, by: { tally.totals[$0] }, tieBreak: { tally.idPrecedes($0, $1) })
                .map { (part: part, paper: $0) }
        }
        func score(_ candidate: Int) -> Double { tallies[candidates[candidate].part].totals[candidates[candidate].paper] }
        func id(_ candidate: Int) -> [UInt8] { tallies[candidates[candidate].part].idBytes(of: candidates[candidate].paper) }
        let best = Recommender.top(limit, of: candidates.indices, by: score, tieBreak: { PaperTally.idPrecedes(id($0), id($1)) })
        return try best.map { index throws(RecordCodec.Failure) in
            let (part, paper) = candidates[index]
            let tally = tallies[part]
            return Hit(id: try tally.id(of: paper), score: tally.totals[paper], matchedTerms: terms.indices.filter { tally.matched(paper, term: $0) }.map { terms[$0].term })
        }
    }
}

/// Each matching paper's BM25 sum, in an open-addressing table keyed by the id bytes the postings hold.
///
/// A query over common words meets hundreds of thousands of postings at a million papers, each at a
/// random paper: a `String` and a `Dictionary` entry for each took nine tenths of the search. Here a
/// posting costs two places in memory: the table position, which holds part of the hash so that
/// other papers' positions are passed over without looking further, and the paper's entry, which
/// holds a short id (up to 16 bytes: arXiv ids and the like) itself.
///
/// A term's postings may name a paper more than once (a later ingest batch completed its text), and
/// then the last one counts: a term's contribution stays pending until another term meets the paper
/// (or the end), and each paper's sum gains them in term order, as adding one term's whole score at a
/// time to every paper would.
private struct PaperTally {
    private struct Entry {
        var total: Double = 0
        var pending: Double = 0
        var lastTerm: Int32 = -1
        var idLength: Int32
        /// The first 16 bytes of the id, zero-padded; a longer id's rest is in `longIDs`.
        var head: (UInt64, UInt64)
        var longStart: Int = 0
    }

    /// A posting read but not yet recorded (see ``flush()``).
    private struct Waiting {
        var hash: UInt64
        var head: (UInt64, UInt64)
        var score: Double
        /// Where its id lies in `waitingIDs`, which holds only ids longer than 16 bytes.
        var idStart: Int
        var idLength: Int
    }

    /// Postings looked up together; more gains nothing once the processor has that many fetches in flight.
    private static let batchSize = 32
    private var waiting: [Waiting] = []
    private var waitingIDs: [UInt8] = []
    private var found: [Int] = []
    private var entries: [Entry] = []
    private var longIDs: [UInt8] = []
    /// One bit per query term for each paper, `words` words each: which terms it matched.
    private var matchedBits: [UInt64] = []
    private let words: Int
    private var term: Int32 = -1
    /// At each table position: 0 when empty, else the hash's low 32 bits above the paper's index + 1.
    private var positions: [UInt64]
    private var shift: UInt64
    private let seed: UInt64
    private let part: UInt64
    private let parts: UInt64

    /// - Parameters:
    ///   - seed: the hash's seed, the same for every part of one query.
    ///   - part: which of `parts` tallies this is: it keeps the papers whose hash is `part` modulo `parts`.
    init(terms: Int, expectedPapers: Int, seed: UInt64, part: Int = 0, of parts: Int = 1) {
        words = (terms + 63) / 64
        var capacity = 1024
        while capacity < 2 * expectedPapers { capacity *= 2 }
        positions = [UInt64](repeating: 0, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        entries.reserveCapacity(expectedPapers)
        matchedBits.reserveCapacity(expectedPapers * words)
        self.seed = seed
        self.part = UInt64(part)
        self.parts = UInt64(parts)
    }

    mutating func startTerm(_ index: Int) {
        flush()
        term = Int32(index)
    }

    mutating func record(_ id: UnsafeBufferPointer<UInt8>, _ score: Double) {
        let hash = id.foldedHash(seed: seed)
        // Another part's paper: the middle bits, which neither the position nor the tag depends on alone.
        guard parts == 1 || (hash >> 24) % parts == part else { return }
        waiting.append(Waiting(hash: hash, head: Self.head(of: id), score: score, idStart: waitingIDs.count, idLength: id.count))
        if id.count > 16 { waitingIDs.append(contentsOf: id) }
        if waiting.count == Self.batchSize { flush() }
    }

    /// Each paper's score, by index, once ``finish()`` has run.
    private(set) var totals: [Double] = []

    /// Records what is still waiting and adds up each paper's score.
    mutating func finish() {
        flush()
        totals = entries.map { $0.total + $0.pending }
    }

    /// Records the waiting postings. They are all looked up first, changing nothing: those look-ups do
    /// not depend on one another, so the processor fetches their table positions and entries from
    /// memory together instead of one after another (which was most of a search's time).
    private mutating func flush() {
        found.removeAll(keepingCapacity: true)
        for item in waiting { found.append(lookUp(item).paper) }
        for (item, paper) in zip(waiting, found) {
            let paper = paper >= 0 ? paper : insert(item)
            entries.withUnsafeMutableBufferPointer { entries in
                if entries[paper].lastTerm != term {
                    if entries[paper].lastTerm >= 0 { entries[paper].total += entries[paper].pending }
                    entries[paper].lastTerm = term
                    matchedBits[paper * words + Int(term) / 64] |= UInt64(1) << UInt64(Int(term) % 64)
                }
                entries[paper].pending = item.score
            }
        }
        waiting.removeAll(keepingCapacity: true)
        waitingIDs.removeAll(keepingCapacity: true)
    }

    func matched(_ paper: Int, term: Int) -> Bool {
        matchedBits[paper * words + term / 64] & (UInt64(1) << UInt64(term % 64)) != 0
    }

    func id(of paper: Int) throws(RecordCodec.Failure) -> String {
        guard let id = String(validating: idBytes(of: paper), as: UTF8.self) else {
            throw RecordCodec.Failure(record: "postings", detail: "a paper id that is not UTF-8")
        }
        return id
    }

    /// Whether paper `a`'s id sorts before paper `b`'s, as their strings do.
    func idPrecedes(_ a: Int, _ b: Int) -> Bool {
        Self.idPrecedes(idBytes(of: a), idBytes(of: b))
    }

    /// Whether id `x` sorts before id `y` as their strings do.
    static func idPrecedes(_ x: [UInt8], _ y: [UInt8]) -> Bool {
        // UTF-8 keeps code point order, which is the strings' order for ASCII.
        if x.allSatisfy({ $0 < 0x80 }), y.allSatisfy({ $0 < 0x80 }) { return x.lexicographicallyPrecedes(y) }
        return String(decoding: x, as: UTF8.self) < String(decoding: y, as: UTF8.self)
    }

    func idBytes(of paper: Int) -> [UInt8] {
        let entry = entries[paper]
        var bytes = withUnsafeBytes(of: entry.head) { Array($0.prefix(min(Int(entry.idLength), 16))) }
        if entry.idLength > 16 { bytes += longIDs[entry.longStart ..< entry.longStart + Int(entry.idLength) - 16] }
        return bytes
    }

    /// The first 16 bytes of `id`, zero-padded, as two words.
    private static func head(of id: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var head: (UInt64, UInt64) = (0, 0)
        guard let base = id.baseAddress else { return head }
        withUnsafeMutableBytes(of: &head) { head in head.baseAddress!.copyMemory(from: base, byteCount: Swift.min(id.count, 16)) }
        return head
    }

    /// Where `item`'s paper sits: its index, or −1 and the empty position a new entry for it would take.
    private func lookUp(_ item: Waiting) -> (paper: Int, position: Int) {
        let tag = item.hash << 32
        let mask = positions.count - 1
        var position = Int(truncatingIfNeeded: item.hash >> shift)
        while positions[position] != 0 {
            let held = positions[position]
            if held & 0xFFFF_FFFF_0000_0000 == tag {
                let paper = Int(held & 0xFFFF_FFFF) - 1
                let entry = entries[paper]
                if entry.idLength == Int32(item.idLength), entry.head == item.head,
                   item.idLength <= 16 || longIDs[entry.longStart ..< entry.longStart + item.idLength - 16]
                       .elementsEqual(waitingIDs[item.idStart + 16 ..< item.idStart + item.idLength]) {
                    return (paper, position)
                }
            }
            position = (position + 1) & mask
        }
        return (-1, position)
    }

    /// The index of the paper that `item` names, added with nothing counted yet when it is new.
    private mutating func insert(_ item: Waiting) -> Int {
        // Looked up again: an earlier posting of the batch may have added it.
        let (known, position) = lookUp(item)
        guard known < 0 else { return known }
        let paper = entries.count
        positions[position] = item.hash << 32 | UInt64(paper + 1)
        entries.append(Entry(idLength: Int32(item.idLength), head: item.head, longStart: longIDs.count))
        if item.idLength > 16 { longIDs.append(contentsOf: waitingIDs[item.idStart + 16 ..< item.idStart + item.idLength]) }
        for _ in 0 ..< words { matchedBits.append(0) }
        if 2 * entries.count > positions.count { grow() }
        return paper
    }

    /// Doubles the table, so that it stays at most half full and probe runs stay short.
    private mutating func grow() {
        let old = positions
        positions = [UInt64](repeating: 0, count: 2 * old.count)
        shift -= 1
        let mask = positions.count - 1
        for held in old where held != 0 {
            // The position comes from the hash's high bits, which the table does not keep: hash the id again.
            let paper = Int(held & 0xFFFF_FFFF) - 1
            let hash = idBytes(of: paper).withUnsafeBufferPointer { $0.foldedHash(seed: seed) }
            var position = Int(truncatingIfNeeded: hash >> shift)
            while positions[position] != 0 { position = (position + 1) & mask }
            positions[position] = held
        }
    }
}
