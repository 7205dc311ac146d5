import Foundation

/// A paper's vectors in one generation of the ``RankingSpace``, as stored in a ``PaperVectorPack``
/// (or alone under `F·<paper id>`, as ingest writes it): what ranking reads instead of re-weighting
/// the paper's terms on every call.
struct PaperVector: Sendable, Equatable {
    var generation: UInt32
    /// TF-IDF over terms, pairs and authors, unit length; keys are the space's feature indices.
    var vector: SparseVector
    /// The paper's authors alone, weighted by rarity, unit length.
    var authorVector: SparseVector
    /// The vector's dot product with the corpus sample's mean vector in this generation.
    var meanProduct: Float
    /// The paper's listing, as its terms record has it, so that a queue reads its candidates from
    /// this record alone (`nil` when read from a version 1 or 2 record, which did not keep it).
    var listing: Listing?

    struct Listing: Sendable, Equatable {
        var published: Day
        var dailyPages: Int
    }

    /// Version 3 keeps the listing; version 2 introduced four-byte entries (see ``encoded()``);
    /// version 1 wrote the key gaps as varints. All are read.
    static let recordVersion: UInt8 = 3
    static let readableVersions: ClosedRange<UInt8> = 1 ... 3

    /// Values are unit-vector components in 0…1, kept to 1/65535: far finer than any ranking
    /// decision needs, at half the bytes of a Float.
    fileprivate static let quantum: Float = 65535

    /// Layout: generation, the product with the mean, the listing day and daily-page count (when
    /// known; 0 pages then means unknown), then the author vector, then the main vector;
    /// each as a count and that many 4-byte little-endian entries, the gap from the previous key in
    /// the low 16 bits and the value's level (1…65535) in the high 16. A gap over 65,535 is written
    /// as entries of gap 65,535 and level 0 first, which add nothing to any dot product.
    ///
    /// Fixed-width entries are what make scoring the whole catalogue fast: with varint gaps (version 1)
    /// each entry's position depended on decoding the one before, a serial chain that made a plain
    /// loop over the 100k benchmark corpus's records six times slower than the loads of a fixed stride.
    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: 4 * (vector.count + authorVector.count) + 16)
        writer.byte(Self.recordVersion)
        writer.varint(UInt64(generation))
        writer.bigEndian(meanProduct.bitPattern)
        writer.signedVarint(Int64(listing?.published.daysSinceEpoch ?? 0))
        writer.varint(listing.map { $0.dailyPages + 1 } ?? 0)
        Self.write(authorVector, to: &writer)
        Self.write(vector, to: &writer)
        return writer.bytes
    }

    init(generation: UInt32, vector: SparseVector, authorVector: SparseVector, meanProduct: Float = 0, listing: Listing? = nil) {
        self.generation = generation
        self.vector = vector
        self.authorVector = authorVector
        self.meanProduct = meanProduct
        self.listing = listing
    }

    init(record bytes: [UInt8]) throws(RecordCodec.Failure) {
        var authorKeys: [UInt64] = [], authorValues: [Float] = []
        var keys: [UInt64] = [], values: [Float] = []
        keys.reserveCapacity(bytes.count / 4)
        values.reserveCapacity(bytes.count / 4)
        let (generation, meanProduct, listing) = try bytes.withUnsafeBufferPointer { buffer throws(RecordCodec.Failure) in
            var reader = try PaperVectorReader(buffer)
            while let (key, value) = try reader.nextAuthor() {
                authorKeys.append(key)
                authorValues.append(value)
            }
            while let (key, value) = try reader.nextFeature() {
                keys.append(key)
                values.append(value)
            }
            return (reader.generation, reader.meanProduct, reader.listing)
        }
        self.init(generation: generation, vector: SparseVector(sortedKeys: keys, values: values),
                  authorVector: SparseVector(sortedKeys: authorKeys, values: authorValues), meanProduct: meanProduct, listing: listing)
    }

    private static let largestGap: UInt64 = 0xFFFF

    private static func write(_ vector: SparseVector, to writer: inout BinaryWriter) {
        var entries = 0
        var previous: UInt64 = 0
        for key in vector.keys {
            let gap = key - previous
            entries += 1 + (gap > 0 ? Int((gap - 1) / largestGap) : 0)
            previous = key
        }
        writer.varint(entries)
        previous = 0
        for (key, value) in zip(vector.keys, vector.values) {
            var gap = key - previous
            previous = key
            while gap > largestGap {
                writer.littleEndian(UInt32(largestGap))
                gap -= largestGap
            }
            // Level 0 marks a gap-only entry, so a real value keeps at least level 1.
            let level = max(1, UInt32((min(max(value, 0), 1) * quantum).rounded()))
            writer.littleEndian(UInt32(gap) | level << 16)
        }
    }
}

/// The vector records of consecutive papers in one value, as a new generation stores them under
/// `F·<id of the pack's last paper>·`: a pass over the whole catalogue then pays the store's cost per
/// record once for each pack instead of once for each paper. A single record that ingest writes
/// later under `F·<paper id>` (a new paper, or one whose listing changed) overrides the paper's
/// packed entry until the next generation packs it again.
///
/// Layout: the marker byte, the entry count, then each entry as its id (length and UTF-8 bytes)
/// and its ``PaperVector`` record (length and bytes), in id order.
enum PaperVectorPack {
    /// A pack's first byte: above every single record's version, so that a reader tells them apart by it.
    static let marker: UInt8 = 0xF1
    /// Markers of pack layouts newer than this build reads.
    static let newerMarkers: ClosedRange<UInt8> = 0xF2 ... 0xFF
    /// Papers a generation puts in one pack: enough that the store's per-record cost (about 1,700
    /// instructions in LevelDB) fades in a whole-catalogue pass, few enough that a point read (a
    /// day's candidates, the labelled papers) decodes little that it does not want.
    static let capacity = 16

    static func encode(_ entries: [(id: String, record: [UInt8])]) -> [UInt8] {
        var writer = BinaryWriter(capacity: entries.reduce(8) { $0 + $1.id.utf8.count + $1.record.count + 6 })
        writer.byte(marker)
        writer.varint(entries.count)
        for (id, record) in entries {
            writer.varint(id.utf8.count)
            writer.raw(id.utf8)
            writer.varint(record.count)
            writer.raw(record)
        }
        return writer.bytes
    }

    static func isPack(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.first == marker
    }

    /// Calls `body` with each entry's id (UTF-8) and record, where they lie, until it returns `false`.
    static func forEach(
        _ bytes: UnsafeBufferPointer<UInt8>, _ body: (_ id: UnsafeBufferPointer<UInt8>, _ record: UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws {
        var offset = 1
        func failure(_ detail: String) -> RecordCodec.Failure { RecordCodec.Failure(record: "paper vector pack", detail: detail) }
        func varint() throws(RecordCodec.Failure) -> Int {
            guard let value = bytes.varint(at: &offset), let count = Int(exactly: value) else { throw failure("truncated varint at byte \(offset)") }
            return count
        }
        func slice() throws(RecordCodec.Failure) -> UnsafeBufferPointer<UInt8> {
            let start = offset
            let length = try varint()
            guard length <= bytes.count - offset else { throw failure("\(length) bytes at byte \(start) run past the end") }
            defer { offset += length }
            return UnsafeBufferPointer(rebasing: bytes[offset ..< offset + length])
        }
        guard let first = bytes.first, first == marker else {
            throw RecordCodec.Failure(record: "paper vector pack", detail: "layout \(bytes.first.map(String.init) ?? "none"), this build reads \(marker)",
                                      newerVersion: bytes.first.flatMap { newerMarkers.contains($0) ? $0 : nil })
        }
        let count = try varint()
        for _ in 0 ..< count {
            let id = try slice()
            let record = try slice()
            guard try body(id, record) else { return }
        }
        guard offset == bytes.count else { throw failure("\(bytes.count - offset) unexpected trailing bytes") }
    }

    /// The record of the paper whose id is `id` (UTF-8), where it lies in the pack, if the pack holds it.
    static func record(of id: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>) throws -> UnsafeBufferPointer<UInt8>? {
        var found: UnsafeBufferPointer<UInt8>?
        try forEach(bytes) { entry, record in
            let common = min(entry.count, id.count)
            let order = common == 0 ? 0 : Int(memcmp(entry.baseAddress!, id.baseAddress!, common))
            if order == 0, entry.count == id.count { found = record }
            // Entries are in id order: past the id, it is not there.
            return found == nil && (order < 0 || order == 0 && entry.count < id.count)
        }
        return found
    }
}

/// Reads a stored ``PaperVector`` record in place, one feature at a time: what scoring the whole
/// catalogue runs on, so it does no allocation and no call per feature. Bounds are checked; a
/// damaged record throws.
struct PaperVectorReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset: Int
    /// Entries left in the current vector (the authors', then the main one).
    private var remaining: Int
    private var key: UInt64 = 0
    private var inAuthors = true
    /// Four-byte entries (version 2 on), as opposed to version 1's varint gaps.
    private let fixedWidth: Bool
    let generation: UInt32
    let meanProduct: Float
    let listing: PaperVector.Listing?

    /// - Parameter bytes: a record, which must outlive the reader.
    init(_ bytes: UnsafeBufferPointer<UInt8>) throws(RecordCodec.Failure) {
        self.bytes = bytes
        guard bytes.count >= 1, PaperVector.readableVersions.contains(bytes[0]) else {
            throw RecordCodec.Failure(record: "paper vector", detail: bytes.isEmpty ? "empty" : "version \(bytes[0]), this build reads versions up to \(PaperVector.recordVersion)")
        }
        fixedWidth = bytes[0] >= 2
        var generation: UInt64 = 0
        var bits: UInt64 = 0
        var position = 1
        try Self.varint(bytes, &position, &generation)
        try Self.fixed32(bytes, &position, &bits)
        if bytes[0] >= 3 {
            var day: UInt64 = 0
            var pages: UInt64 = 0
            try Self.varint(bytes, &position, &day)
            try Self.varint(bytes, &position, &pages)
            let days = Int64(bitPattern: day >> 1) ^ -Int64(bitPattern: day & 1)
            guard let published = Int32(exactly: days), pages <= UInt64(Int32.max) else {
                throw RecordCodec.Failure(record: "paper vector", detail: "no listing day and page count at byte 6")
            }
            listing = pages == 0 ? nil : PaperVector.Listing(published: Day(daysSinceEpoch: published), dailyPages: Int(pages) - 1)
        } else {
            listing = nil
        }
        offset = position
        remaining = 0
        self.generation = UInt32(truncatingIfNeeded: generation)
        meanProduct = Float(bitPattern: UInt32(truncatingIfNeeded: bits))
        try startVector()
    }

    /// The generation a record belongs to, read from its first bytes alone; `nil` when they are not
    /// those of a paper vector record this build reads.
    static func generation(of bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard let version = bytes.first, PaperVector.readableVersions.contains(version) else { return nil }
        var position = 1
        var generation: UInt64 = 0
        guard (try? varint(bytes, &position, &generation)) != nil else { return nil }
        return UInt32(exactly: generation)
    }

    /// Reads a vector's entry count, and for fixed-width entries checks that they are all there, so
    /// that reading them needs no further checks.
    private mutating func startVector() throws(RecordCodec.Failure) {
        var count: UInt64 = 0
        try Self.varint(bytes, &offset, &count)
        key = 0
        remaining = Int(min(count, UInt64(bytes.count)))
        if fixedWidth, count > UInt64(bytes.count - offset) / 4 {
            throw RecordCodec.Failure(record: "paper vector", detail: "\(count) entries do not fit in the \(bytes.count - offset) bytes left at byte \(offset)")
        }
    }

    /// The next author feature, or `nil` when the authors are done.
    mutating func nextAuthor() throws(RecordCodec.Failure) -> (key: UInt64, value: Float)? {
        guard inAuthors else { return nil }
        if let next = try nextInVector() { return next }
        inAuthors = false
        try startVector()
        return nil
    }

    /// The next main feature (after the authors), or `nil` at the end.
    mutating func nextFeature() throws(RecordCodec.Failure) -> (key: UInt64, value: Float)? {
        while inAuthors { _ = try nextAuthor() }
        return try nextInVector()
    }

    /// The current vector's next feature, past gap-only entries; `nil` at its end.
    private mutating func nextInVector() throws(RecordCodec.Failure) -> (key: UInt64, value: Float)? {
        while remaining > 0 {
            let (key, value) = try entry()
            if value > 0 || !fixedWidth { return (key, value) }
        }
        return nil
    }

    /// Calls `body` with each remaining main feature: the scoring loop. It may also pass gap-only
    /// entries, with value 0, which add nothing to a dot product.
    @inline(__always)
    mutating func forEachFeature(_ body: (_ key: UInt64, _ value: Float) -> Void) throws(RecordCodec.Failure) {
        while inAuthors { _ = try nextAuthor() }
        guard fixedWidth else {
            while let (key, value) = try nextFeature() { body(key, value) }
            return
        }
        guard remaining > 0, let base = bytes.baseAddress else { return }
        // startVector checked that all `remaining` entries are within the record.
        let entries = UnsafeRawPointer(base + offset)
        var key = self.key
        for index in 0 ..< remaining {
            let (gap, value) = Self.fixedEntry(at: entries + 4 &* index)
            key &+= gap
            body(key, value)
        }
        offset += 4 * remaining
        remaining = 0
        self.key = key
    }

    private mutating func entry() throws(RecordCodec.Failure) -> (key: UInt64, value: Float) {
        remaining -= 1
        if fixedWidth, let base = bytes.baseAddress {
            // startVector checked that the entry is within the record.
            let (gap, value) = Self.fixedEntry(at: UnsafeRawPointer(base + offset))
            offset += 4
            key &+= gap
            return (key, value)
        }
        var gap: UInt64 = 0
        try Self.varint(bytes, &offset, &gap)
        guard offset + 2 <= bytes.count else { throw RecordCodec.Failure(record: "paper vector", detail: "truncated at byte \(offset)") }
        let level = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        offset += 2
        key &+= gap
        return (key, Float(level) * (1 / PaperVector.quantum))
    }

    /// A four-byte entry: the gap in the low 16 bits, the value's level in the high 16.
    @inline(__always)
    private static func fixedEntry(at pointer: UnsafeRawPointer) -> (gap: UInt64, value: Float) {
        let entry = UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self))
        return (UInt64(entry & 0xFFFF), Float(entry >> 16) * (1 / PaperVector.quantum))
    }

    private static func varint(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: inout Int, _ value: inout UInt64) throws(RecordCodec.Failure) {
        guard let read = bytes.varint(at: &offset) else { throw RecordCodec.Failure(record: "paper vector", detail: "truncated varint at byte \(offset)") }
        value = read
    }

    private static func fixed32(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: inout Int, _ value: inout UInt64) throws(RecordCodec.Failure) {
        guard offset + 4 <= bytes.count else { throw RecordCodec.Failure(record: "paper vector", detail: "truncated at byte \(offset)") }
        value = UInt64(bytes[offset]) << 24 | UInt64(bytes[offset + 1]) << 16 | UInt64(bytes[offset + 2]) << 8 | UInt64(bytes[offset + 3])
        offset += 4
    }
}

extension SparseVector {
    /// Full-precision form for records (weights of a taste model, the corpus mean): gap-coded keys, 32-bit floats.
    func write(to writer: inout BinaryWriter) {
        writer.varint(count)
        var previous: UInt64 = 0
        for key in keys {
            writer.varint(key - previous)
            previous = key
        }
        for value in values { writer.bigEndian(value.bitPattern) }
    }

    /// Like ``write(to:)``, but a vector that fills most of its key range (an SVM's weights over a
    /// ranking space's features) is written as one float per key from 0, without keys (a zero marking
    /// an absent key): smaller, and read back in one pass instead of a varint per key.
    func writeCompact(to writer: inout BinaryWriter) {
        if let largest = keys.last, largest < WeightTable.denseLimit, largest < 2 * UInt64(count), !values.contains(0) {
            writer.byte(1)
            var dense = [Float](repeating: 0, count: Int(largest) + 1)
            for (key, value) in zip(keys, values) { dense[Int(key)] = value }
            writer.varint(dense.count)
            writer.floats(dense)
        } else {
            writer.byte(0)
            write(to: &writer)
        }
    }

    static func read(_ reader: inout BinaryReader, limit: Int) throws(BinaryReader.Failure) -> SparseVector {
        let count = try reader.count(atMost: limit)
        var keys: [UInt64] = []
        var values: [Float] = []
        keys.reserveCapacity(count)
        values.reserveCapacity(count)
        var key: UInt64 = 0
        for _ in 0 ..< count {
            key &+= try reader.varint()
            keys.append(key)
        }
        for _ in 0 ..< count { values.append(Float(bitPattern: try reader.bigEndian32())) }
        return SparseVector(sortedKeys: keys, values: values)
    }
}
