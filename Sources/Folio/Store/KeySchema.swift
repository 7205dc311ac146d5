import Foundation

/// The key schema: every key Folio writes, in one place.
///
/// A key is a one-letter entity prefix followed by components separated by a 0x00 byte
/// (ids and user names never contain NUL: ingest and the CLI refuse them). Numbers that must
/// sort are fixed-width big-endian, signed ones in offset binary, so byte order is numeric order.
///
/// | prefix | key | value |
/// | --- | --- | --- |
/// | `M` | `M·schema` | schema version, UInt32 big-endian |
/// | `M` | `M·counts` | ``StoreCounts`` (papers, users, events, terms) |
/// | `M` | `M·ingest` | the ingest in progress, if one was interrupted (file path) |
/// | `M` | `M·lost` | ids of papers that `folio repair` could not save but events still name (strings) |
/// | `P` | `P·<paper id>` | ``Paper`` record |
/// | `T` | `T·<paper id>` | the paper's terms: term ids of title then abstract, in text order |
/// | `I` | `I·title·<normalised title>` | paper id (finds the same paper across sources) |
/// | `I` | `I·alias·<other id>` | paper id (ids a merged paper also arrived under) |
/// | `I` | `I·day·<day>·<paper id>` | empty: the paper was listed (or published) that day; one entry per day it appeared |
/// | `I` | `I·sample·<hash of id>·<paper id>` | empty: papers in a stable pseudo-random order, whose first N are the corpus sample |
/// | `V` | `V·<term>` | term id and document frequency |
/// | `W` | `W·<term id>` | term (to explain scores in words) |
/// | `X` | `X·<term id>·<chunk>` | postings the term gained in one ingest batch (keyword search) |
/// | `R` | `R·head` | the ranking space's generation, size and settings (``RankingSpace/Head``) |
/// | `R` | `R·space` | the ranking space's frozen statistics: document and pair frequencies |
/// | `R` | `R·keys` | the space's feature keys in index order (to name features in reasons) |
/// | `R` | `R·mean` | the mean vector of the corpus sample, in the space's features |
/// | `F` | `F·<paper id>·` | ``PaperVectorPack``: the ``PaperVector`` records of consecutive papers up to this one, as a generation writes them |
/// | `F` | `F·<paper id>` | ``PaperVector``: one paper's weighted vectors in one generation of the ranking space, and its listing, as ingest writes them; it overrides the paper's entry in a pack (the pack's key sorts after it) |
/// | `N` | `N·<paper id>` | ``PaperEmbedding``: the paper's all-MiniLM-L6-v2 sentence vector (title + abstract), as int8 with a scale |
/// | `U` | `U·<user>·event·<time ms>·<seq>` | ``Event`` without its user; the user's log in time order |
/// | `U` | `U·<user>·profile` | the user's profile: event sequence counter, event count, first seen |
/// | `U` | `U·<user>·queue·<day>` | the user's queue for that day (JSON), as first shown |
/// | `U` | `U·<user>·schedule` | the user's resurfacing schedule (JSON), derived from the log and rebuildable from it |
/// | `U` | `U·<user>·taste` | the user's trained taste model, a cache: retrained when the log, the space or the model changes |
///
/// All that a user's commands write lies in that user's `U` range (feedback appends to the log and
/// updates the profile; `today` stores the queue and, after new feedback, the taste; a star updates
/// the schedule). LevelDB merges each new level-0 table with every level-1 table its key range
/// overlaps, so a write spanning two prefixes would rewrite all stored between them at each
/// compaction: with events under their own prefix and tastes under another (schema 1), each small
/// command's table spanned the other users' tastes, 9 MB rewritten per compaction on a 100k store.
/// For the same reason the store-wide counts (`M·counts`) hold only what ingest changes; users and
/// events are counted from the profiles.
///
/// A paper's record, its `T` entry, its `I` entries, its postings and its share of the `V` statistics always
/// change in one write batch, so no reader sees a half-ingested paper. `R`, `F` and tastes are derived
/// (from `T`, `V` and the log) and are remade when missing or stale; a paper's single `F` record is written
/// in its ingest batch when a space exists, and a new generation packs every paper's, its singles gone. `N` is derived
/// from the paper's text too, but costs a neural network pass per paper: it is written after the paper's
/// batch (at the end of an ingest when the model is installed, or by `folio embed --backfill`), never
/// recomputed once there, and kept by `folio repair` for the papers that survive.
enum Keys {
    /// Version 2: the layout above. Version 1 kept events under their own prefix (`E·<user>·<time
    /// ms>·<seq>`), tastes under theirs (`S·<user>`), and counted users and events in `M·counts`;
    /// ``SchemaMigration`` moves them.
    static let schemaVersion: UInt32 = 2

    static let separator: UInt8 = 0

    static let schema = key("M", "schema")
    static let counts = key("M", "counts")
    static let ingestInProgress = key("M", "ingest")
    static let lostPapers = key("M", "lost")

    static let papers = prefix("P")
    static func paper(_ id: String) -> [UInt8] { key("P", id) }

    static let paperTermsPrefix = prefix("T")
    static func paperTerms(_ id: String) -> [UInt8] { key("T", id) }

    static let titleIndex = prefix("I", "title")
    static func title(_ normalizedTitle: String) -> [UInt8] { key("I", "title", normalizedTitle) }

    static let aliasIndex = prefix("I", "alias")
    static func alias(_ id: String) -> [UInt8] { key("I", "alias", id) }

    static let dayIndex = prefix("I", "day")
    static func day(_ day: Day, paper id: String) -> [UInt8] {
        var bytes = prefix("I", "day")
        append(day, to: &bytes)
        bytes.append(separator)
        bytes.append(contentsOf: id.utf8)
        return bytes
    }
    static func dayIndexStart(_ day: Day) -> [UInt8] {
        var bytes = prefix("I", "day")
        append(day, to: &bytes)
        return bytes
    }
    /// The day and paper id of an `I·day` key.
    static func decodeDayKey<Bytes: RandomAccessCollection<UInt8>>(_ key: Bytes) -> (Day, String)? where Bytes.Index == Int {
        let start = key.startIndex + dayIndex.count
        guard key.endIndex > start + 5, key[start + 4] == separator else { return nil }
        var raw: UInt32 = 0
        for index in start ..< start + 4 { raw = raw << 8 | UInt32(key[index]) }
        let day = Day(daysSinceEpoch: Int32(bitPattern: raw ^ 0x8000_0000))
        return (day, String(decoding: key[(start + 5)...], as: UTF8.self))
    }

    static let sampleIndex = prefix("I", "sample")
    static func sample(_ id: String) -> [UInt8] {
        var bytes = prefix("I", "sample")
        withUnsafeBytes(of: SplitMix64.hash(id).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(separator)
        bytes.append(contentsOf: id.utf8)
        return bytes
    }
    static func decodeSampleKey(_ key: [UInt8]) -> String? {
        let start = sampleIndex.count + 9
        guard key.count > start, key[start - 1] == separator else { return nil }
        return String(decoding: key[start...], as: UTF8.self)
    }

    static let vocabulary = prefix("V")
    static func term(_ term: String) -> [UInt8] { key("V", term) }

    static let termNames = prefix("W")
    static func termName(_ id: UInt32) -> [UInt8] {
        var bytes = prefix("W")
        withUnsafeBytes(of: id.bigEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    static let postingsPrefix = prefix("X")
    static func postings(of term: UInt32) -> [UInt8] {
        var bytes = prefix("X")
        withUnsafeBytes(of: term.bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(separator)
        return bytes
    }
    static func postings(of term: UInt32, chunk: Int) -> [UInt8] {
        var bytes = postings(of: term)
        withUnsafeBytes(of: UInt64(chunk).bigEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    static let rankingPrefix = prefix("R")
    static let rankingHead = key("R", "head")
    static let rankingSpace = key("R", "space")
    static let rankingMean = key("R", "mean")
    static let rankingKeys = key("R", "keys")

    static let paperVectors = prefix("F")
    static func paperVector(_ id: String) -> [UInt8] { key("F", id) }
    /// The key of a pack whose last paper is `id`: just after that paper's own key (a single record
    /// that overrides its entry) and before every later paper's.
    static func paperVectorPack(last id: String) -> [UInt8] { key("F", id) + [separator] }

    static let paperEmbeddings = prefix("N")
    static func paperEmbedding(_ id: String) -> [UInt8] { key("N", id) }

    static func events(of user: String) -> [UInt8] { prefix("U", user, "event") }
    static func event(user: String, milliseconds: Int64, sequence: UInt32) -> [UInt8] {
        var bytes = events(of: user)
        withUnsafeBytes(of: (UInt64(bitPattern: milliseconds) ^ 0x8000_0000_0000_0000).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(separator)
        withUnsafeBytes(of: sequence.bigEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Schema 1's event logs, `E·<user>·<time ms>·<seq>`: read only by ``SchemaMigration``.
    static let schema1Events = prefix("E")
    /// Schema 1's tastes, `S·<user>`: read only by ``SchemaMigration``.
    static let schema1Tastes = prefix("S")

    static let users = prefix("U")
    /// Every key of one user's `U` range.
    static func records(of user: String) -> [UInt8] { prefix("U", user) }
    static func userProfile(_ user: String) -> [UInt8] { key("U", user, "profile") }
    static func queues(of user: String) -> [UInt8] { prefix("U", user, "queue") }
    static func schedule(of user: String) -> [UInt8] { key("U", user, "schedule") }
    static func taste(of user: String) -> [UInt8] { key("U", user, "taste") }
    static func queue(of user: String, on day: Day) -> [UInt8] {
        var bytes = queues(of: user)
        append(day, to: &bytes)
        return bytes
    }

    /// Whether `key` sorts before `other` in the store's (bytewise) order: one `memcmp`, for loops
    /// that compare every key of a scan.
    static func precedes(_ key: UnsafeBufferPointer<UInt8>, _ other: [UInt8]) -> Bool {
        order(of: key, against: other) < 0
    }

    /// Negative, zero or positive as `key` sorts before, equal to or after `other` in the store's order.
    static func order(of key: UnsafeBufferPointer<UInt8>, against other: [UInt8]) -> Int {
        let common = min(key.count, other.count)
        let order = common == 0 ? 0 : other.withUnsafeBufferPointer { memcmp(key.baseAddress!, $0.baseAddress!, common) }
        return order != 0 ? Int(order) : key.count - other.count
    }

    /// The text of the last component of a key (after its final separator).
    static func lastComponent(of key: [UInt8]) -> String {
        let start = (key.lastIndex(of: separator) ?? -1) + 1
        return String(decoding: key[start...], as: UTF8.self)
    }

    /// The component that follows `prefix` up to the next separator.
    static func component(after prefix: [UInt8], in key: [UInt8]) -> String {
        let rest = key[prefix.count...]
        let end = rest.firstIndex(of: separator) ?? rest.endIndex
        return String(decoding: rest[..<end], as: UTF8.self)
    }

    private static func append(_ day: Day, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: (UInt32(bitPattern: day.daysSinceEpoch) ^ 0x8000_0000).bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Components joined by the separator, with a trailing separator so that a scan of `prefix("I", "day")`
    /// never matches `I·days…`.
    static func prefix(_ components: String...) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(components.reduce(components.count) { $0 + $1.utf8.count })
        for component in components {
            bytes.append(contentsOf: component.utf8)
            bytes.append(separator)
        }
        return bytes
    }

    private static func key(_ components: String...) -> [UInt8] {
        var bytes: [UInt8] = []
        // One allocation: a day's candidates at a million papers build 19,000 keys.
        bytes.reserveCapacity(components.reduce(components.count) { $0 + $1.utf8.count })
        for (index, component) in components.enumerated() {
            if index > 0 { bytes.append(separator) }
            bytes.append(contentsOf: component.utf8)
        }
        return bytes
    }
}
