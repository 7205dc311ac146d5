import Foundation

/// The stored forms of Folio's records: a version byte, then fields in a fixed order.
///
/// A reader accepts every version it knows and refuses newer ones with a clear error, so an old
/// binary never misreads a record written by a newer one.
enum RecordCodec {
    struct Failure: Error, CustomStringConvertible {
        let record: String
        let detail: String
        /// The version the record claims when it is above every version this build reads: a newer
        /// Folio wrote it (or damage made its first byte look so).
        var newerVersion: UInt8? = nil

        var description: String {
            if newerVersion != nil { return "\(record) record of \(detail)" }
            return "damaged \(record) record: \(detail)"
        }
    }

    static func decode<T>(_ record: String, _ bytes: [UInt8], version expected: UInt8, _ body: (inout BinaryReader) throws(BinaryReader.Failure) -> T) throws(Failure) -> T {
        try decode(record, bytes, versions: expected ... expected) { reader, _ throws(BinaryReader.Failure) in try body(&reader) }
    }

    /// Decodes a record whose layout changed over `versions`; `body` learns which version it reads.
    static func decode<T>(_ record: String, _ bytes: [UInt8], versions: ClosedRange<UInt8>, _ body: (inout BinaryReader, UInt8) throws(BinaryReader.Failure) -> T) throws(Failure) -> T {
        var reader = BinaryReader(bytes)
        do {
            let version = try reader.byte()
            guard versions.contains(version) else {
                throw Failure(record: record, detail: "version \(version), this build reads versions \(versions.lowerBound) to \(versions.upperBound)",
                              newerVersion: version > versions.upperBound ? version : nil)
            }
            let value = try body(&reader, version)
            guard reader.isAtEnd else { throw Failure(record: record, detail: "\(bytes.count - reader.offset) unexpected trailing bytes") }
            return value
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(record: record, detail: "\(error)")
        }
    }
}

extension Paper {
    static let recordVersion: UInt8 = 1

    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: 256 + title.utf8.count + abstract.utf8.count)
        writer.byte(Self.recordVersion)
        writer.string(id)
        writer.string(title)
        writer.string(abstract)
        writer.strings(authors)
        writer.strings(categories)
        writer.strings(links)
        writer.strings(aliases)
        writer.signedVarint(Int64(published.daysSinceEpoch))
        writer.varint(appearances.count)
        for appearance in appearances {
            writer.string(appearance.source)
            writer.signedVarint(Int64(appearance.day.daysSinceEpoch))
        }
        return writer.bytes
    }

    init(record bytes: [UInt8]) throws(RecordCodec.Failure) {
        self = try RecordCodec.decode("paper", bytes, version: Self.recordVersion) { reader throws(BinaryReader.Failure) in
            let id = try reader.string()
            let title = try reader.string()
            let abstract = try reader.string()
            let authors = try reader.strings()
            let categories = try reader.strings()
            let links = try reader.strings()
            let aliases = try reader.strings()
            let published = try reader.day()
            var appearances: [Appearance] = []
            for _ in 0 ..< (try reader.count(atMost: bytes.count)) {
                appearances.append(Appearance(source: try reader.string(), day: try reader.day()))
            }
            return Paper(id: id, title: title, abstract: abstract, authors: authors, categories: categories,
                         links: links, aliases: aliases, published: published, appearances: appearances)
        }
    }
}

extension BinaryReader {
    mutating func day() throws(Failure) -> Day {
        let start = offset
        let raw = try signedVarint()
        guard let days = Int32(exactly: raw) else { throw Failure(offset: start, expected: "a day number") }
        return Day(daysSinceEpoch: days)
    }
}

extension Event {
    static let recordVersion: UInt8 = 1

    /// The user is in the key, so the record leaves it out.
    func encoded() -> [UInt8] {
        var writer = BinaryWriter()
        writer.byte(Self.recordVersion)
        writer.string(paperID)
        writer.string(action.rawValue)
        writer.signedVarint(milliseconds)
        writer.string(value ?? "")
        return writer.bytes
    }

    init(user: String, record bytes: [UInt8]) throws(RecordCodec.Failure) {
        self = try RecordCodec.decode("event", bytes, version: Self.recordVersion) { reader throws(BinaryReader.Failure) in
            let paperID = try reader.string()
            let action = Action(rawValue: try reader.string())
            let milliseconds = try reader.signedVarint()
            let value = try reader.string()
            return Event(user: user, paperID: paperID, action: action,
                         time: Date(timeIntervalSince1970: Double(milliseconds) / 1000), value: value.isEmpty ? nil : value)
        }
    }

    var milliseconds: Int64 { Int64((time.timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// Totals kept up to date in the same batches that change them, so `stats` need not scan.
/// Store-wide counts that ingest keeps (users and events are counted from the profiles, so that
/// feedback writes nothing outside its user's keys).
struct StoreCounts: Equatable, Sendable {
    var papers = 0
    var terms = 0
    /// Posting chunks written so far: the next chunk's number.
    var postingChunks = 0
    /// Terms in all papers together, for the average paper length that search normalises by.
    var termOccurrences = 0

    /// Version 1 (schema 1) also held the counts of users and events, between papers and terms.
    static let recordVersion: UInt8 = 2

    func encoded() -> [UInt8] {
        var writer = BinaryWriter()
        writer.byte(Self.recordVersion)
        for value in [papers, terms, postingChunks, termOccurrences] { writer.varint(value) }
        return writer.bytes
    }

    init() {}

    init(record bytes: [UInt8]) throws(RecordCodec.Failure) {
        self = try RecordCodec.decode("counts", bytes, versions: 1 ... Self.recordVersion) { reader, version throws(BinaryReader.Failure) in
            var counts = StoreCounts()
            counts.papers = try reader.count()
            if version == 1 { _ = (try reader.count(), try reader.count()) }
            counts.terms = try reader.count()
            counts.postingChunks = try reader.count()
            counts.termOccurrences = try reader.count(atMost: Int.max)
            return counts
        }
    }
}

/// A vocabulary entry: the term's id and in how many papers it occurs.
struct TermEntry: Equatable, Sendable {
    var id: UInt32
    var documentFrequency: Int

    static let recordVersion: UInt8 = 1

    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: 8)
        writer.byte(Self.recordVersion)
        writer.varint(UInt64(id))
        writer.varint(documentFrequency)
        return writer.bytes
    }

    init(id: UInt32, documentFrequency: Int) {
        self.id = id
        self.documentFrequency = documentFrequency
    }

    init(record bytes: [UInt8]) throws(RecordCodec.Failure) {
        self = try RecordCodec.decode("vocabulary", bytes, version: Self.recordVersion) { reader throws(BinaryReader.Failure) in
            let id = try reader.varint()
            guard let id32 = UInt32(exactly: id) else { throw BinaryReader.Failure(offset: 1, expected: "a 32-bit term id") }
            return TermEntry(id: id32, documentFrequency: try reader.count())
        }
    }
}

/// A paper's analysed text, with what ranking needs to know of it besides: term ids in text order
/// (title first, ready for TF-IDF and phrases), its listing day and its daily-page count.
/// Ranking reads these compact records instead of the full papers.
struct PaperTerms: Equatable, Sendable {
    var titleTerms: [UInt32]
    var abstractTerms: [UInt32]
    /// Author tokens (`au:surname_i`), interned in the same vocabulary, so shared authors are features too.
    var authorTerms: [UInt32] = []
    var published: Day
    var dailyPages: Int

    /// Version 2 added author terms; version 1 records read as having none.
    static let recordVersion: UInt8 = 2

    /// Each distinct term once, authors included.
    var distinctTerms: Set<UInt32> { Set(titleTerms).union(abstractTerms).union(authorTerms) }

    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: 2 * (titleTerms.count + abstractTerms.count) + 16)
        writer.byte(Self.recordVersion)
        writer.signedVarint(Int64(published.daysSinceEpoch))
        writer.varint(dailyPages)
        writer.varint(titleTerms.count)
        for term in titleTerms { writer.varint(UInt64(term)) }
        writer.varint(abstractTerms.count)
        for term in abstractTerms { writer.varint(UInt64(term)) }
        writer.varint(authorTerms.count)
        for term in authorTerms { writer.varint(UInt64(term)) }
        return writer.bytes
    }

    init(titleTerms: [UInt32], abstractTerms: [UInt32], authorTerms: [UInt32] = [], published: Day = Day(daysSinceEpoch: 0), dailyPages: Int = 0) {
        self.titleTerms = titleTerms
        self.abstractTerms = abstractTerms
        self.authorTerms = authorTerms
        self.published = published
        self.dailyPages = dailyPages
    }

    init(record bytes: [UInt8]) throws(RecordCodec.Failure) {
        self = try RecordCodec.decode("paper terms", bytes, versions: 1 ... Self.recordVersion) { reader, version throws(BinaryReader.Failure) in
            let published = try reader.day()
            let dailyPages = try reader.count()
            func terms() throws(BinaryReader.Failure) -> [UInt32] {
                let count = try reader.count(atMost: bytes.count)
                var terms: [UInt32] = []
                terms.reserveCapacity(count)
                for _ in 0 ..< count { terms.append(UInt32(truncatingIfNeeded: try reader.varint())) }
                return terms
            }
            return PaperTerms(titleTerms: try terms(), abstractTerms: try terms(), authorTerms: version >= 2 ? try terms() : [],
                              published: published, dailyPages: dailyPages)
        }
    }

    /// The listing day and daily-page count of a record, read without its terms (they come first).
    static func listing(record bytes: [UInt8]) throws(RecordCodec.Failure) -> (published: Day, dailyPages: Int) {
        try RecordCodec.decode("paper terms", bytes, versions: 1 ... recordVersion) { reader, _ throws(BinaryReader.Failure) in
            let listing = (published: try reader.day(), dailyPages: try reader.count())
            reader.skipRest()
            return listing
        }
    }
}

/// What Folio keeps about a user beyond the event log.
struct UserProfile: Equatable, Sendable {
    /// The next event's sequence number, which orders events recorded in the same millisecond.
    var nextEventSequence: UInt32 = 0
    var eventCount = 0
    var firstSeen: Day

    static let recordVersion: UInt8 = 1

    func encoded() -> [UInt8] {
        var writer = BinaryWriter()
        writer.byte(Self.recordVersion)
        writer.varint(UInt64(nextEventSequence))
        writer.varint(eventCount)
        writer.signedVarint(Int64(firstSeen.daysSinceEpoch))
        return writer.bytes
    }

    init(firstSeen: Day) {
        self.firstSeen = firstSeen
    }

    init(record bytes: [UInt8]) throws(RecordCodec.Failure) {
        self = try RecordCodec.decode("user profile", bytes, version: Self.recordVersion) { reader throws(BinaryReader.Failure) in
            let sequence = try reader.varint()
            var profile = UserProfile(firstSeen: Day(daysSinceEpoch: 0))
            profile.nextEventSequence = UInt32(truncatingIfNeeded: sequence)
            profile.eventCount = try reader.count()
            profile.firstSeen = try reader.day()
            return profile
        }
    }
}

/// One paper's entry in a term's postings: how often the term occurs in its title and abstract,
/// and how many terms the paper has, enough to score a keyword search without reading the paper.
struct Posting: Equatable, Sendable {
    var paperID: String
    var titleCount: Int
    var abstractCount: Int
    var length: Int
}

/// The postings a term gained in one ingest batch.
///
/// Version 2 writes each paper id as the length it shares with the id before it and the bytes that
/// follow: a batch's papers arrive in file order, so neighbouring ids share most of their bytes
/// ("2411.01234", "2411.01240"), which halves the postings a 100k-paper ingest writes (112 to 55 MB)
/// before LevelDB compresses them. Version 1 wrote every id whole; both are read.
enum PostingChunk {
    static let recordVersion: UInt8 = 2

    static func encode(_ postings: [Posting]) -> [UInt8] {
        var writer = Writer(count: postings.count)
        for posting in postings {
            writer.append(paperID: posting.paperID, titleCount: posting.titleCount, abstractCount: posting.abstractCount, length: posting.length)
        }
        return writer.bytes
    }

    /// Encodes a chunk of a known number of postings, appended one at a time.
    struct Writer {
        private var writer: BinaryWriter
        private var previousID: [UInt8] = []

        init(count: Int) {
            writer = BinaryWriter(capacity: count * 8 + 8)
            writer.byte(PostingChunk.recordVersion)
            writer.varint(count)
        }

        mutating func append(paperID: String, titleCount: Int, abstractCount: Int, length: Int) {
            var id = paperID
            id.withUTF8 { utf8 in
                let limit = min(utf8.count, previousID.count)
                var shared = 0
                while shared < limit, previousID[shared] == utf8[shared] { shared += 1 }
                writer.varint(shared)
                writer.varint(utf8.count - shared)
                writer.raw(UnsafeBufferPointer(rebasing: utf8[shared...]))
                previousID.replaceSubrange(shared..., with: UnsafeBufferPointer(rebasing: utf8[shared...]))
            }
            writer.varint(titleCount)
            writer.varint(abstractCount)
            writer.varint(length)
        }

        var bytes: [UInt8] { writer.bytes }
    }

    /// Calls `body` with each posting of a chunk where it lies: the paper id's bytes, valid only during
    /// the call, and its counts. Keyword search reads postings this way, so that it makes a `String`
    /// only of the papers it returns. The ids' UTF-8 is not checked here (``decode(_:)`` checks it).
    static func forEach(
        in bytes: UnsafeBufferPointer<UInt8>,
        _ body: (_ paperID: UnsafeBufferPointer<UInt8>, _ titleCount: Int, _ abstractCount: Int, _ length: Int) -> Void
    ) throws(RecordCodec.Failure) {
        guard let version = bytes.first, (1 ... recordVersion).contains(version) else {
            throw RecordCodec.Failure(record: "postings", detail: bytes.isEmpty ? "empty" : "version \(bytes[0]), this build reads versions 1 to \(recordVersion)",
                                      newerVersion: bytes.first.flatMap { $0 > recordVersion ? $0 : nil })
        }
        var offset = 1
        func number(atMost limit: Int) throws(RecordCodec.Failure) -> Int {
            let start = offset
            guard let value = bytes.varint(at: &offset), value <= UInt64(limit) else {
                throw RecordCodec.Failure(record: "postings", detail: "expected a count no larger than \(limit) at byte \(start)")
            }
            return Int(value)
        }
        let count = try number(atMost: bytes.count)
        // The current id, rewritten from the first byte it does not share with the one before.
        var id = [UInt8](repeating: 0, count: 64)
        var idLength = 0
        for _ in 0 ..< count {
            // Version 1 wrote each id whole: as if it shared nothing with the one before.
            let shared = version == 1 ? 0 : try number(atMost: idLength)
            let start = offset
            let length = try number(atMost: bytes.count)
            guard length <= bytes.count - offset else {
                throw RecordCodec.Failure(record: "postings", detail: "expected an id of \(length) more bytes at byte \(start)")
            }
            idLength = shared + length
            if idLength > id.count { id += repeatElement(0, count: idLength - id.count) }
            if length > 0, let source = bytes.baseAddress {
                id.withUnsafeMutableBufferPointer { id in (id.baseAddress! + shared).update(from: source + offset, count: length) }
            }
            offset += length
            let titleCount = try number(atMost: Int(Int32.max))
            let abstractCount = try number(atMost: Int(Int32.max))
            let paperLength = try number(atMost: Int(Int32.max))
            id.withUnsafeBufferPointer { id in body(UnsafeBufferPointer(rebasing: id[..<idLength]), titleCount, abstractCount, paperLength) }
        }
        guard offset == bytes.count else {
            throw RecordCodec.Failure(record: "postings", detail: "\(bytes.count - offset) unexpected trailing bytes")
        }
    }

    static func decode(_ bytes: [UInt8]) throws(RecordCodec.Failure) -> [Posting] {
        try RecordCodec.decode("postings", bytes, versions: 1 ... recordVersion) { reader, version throws(BinaryReader.Failure) in
            let count = try reader.count(atMost: bytes.count)
            var postings: [Posting] = []
            postings.reserveCapacity(count)
            var previousID: [UInt8] = []
            for _ in 0 ..< count {
                let id = version == 1 ? try reader.string() : try reader.sharedPrefixString(after: &previousID)
                postings.append(Posting(paperID: id, titleCount: try reader.count(), abstractCount: try reader.count(), length: try reader.count()))
            }
            return postings
        }
    }
}
