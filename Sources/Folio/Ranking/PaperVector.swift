/// A paper's vectors in one generation of the ``RankingSpace``, as stored under `F·<paper id>`:
/// what ranking reads instead of re-weighting the paper's terms on every call.
struct PaperVector: Sendable, Equatable {
    var generation: UInt32
    /// TF-IDF over terms, pairs and authors, unit length; keys are the space's feature indices.
    var vector: SparseVector
    /// The paper's authors alone, weighted by rarity, unit length.
    var authorVector: SparseVector
    /// The vector's dot product with the corpus sample's mean vector in this generation.
    var meanProduct: Float

    static let recordVersion: UInt8 = 1

    /// Values are unit-vector components in 0…1, kept to 1/65535: far finer than any ranking
    /// decision needs, at half the bytes of a Float.
    private static let quantum: Float = 65535

    /// Layout: generation, the product with the mean, then the author vector, then the main vector; each as a count and
    /// (gap from the previous key as a varint, value in 16 bits) pairs, so a reader can score a
    /// record in one pass without building arrays (``PaperVectorReader``).
    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: 4 * (vector.count + authorVector.count) + 12)
        writer.byte(Self.recordVersion)
        writer.varint(UInt64(generation))
        writer.bigEndian(meanProduct.bitPattern)
        Self.write(authorVector, to: &writer)
        Self.write(vector, to: &writer)
        return writer.bytes
    }

    init(generation: UInt32, vector: SparseVector, authorVector: SparseVector, meanProduct: Float = 0) {
        self.generation = generation
        self.vector = vector
        self.authorVector = authorVector
        self.meanProduct = meanProduct
    }

    init(record bytes: [UInt8]) throws(RecordCodec.Failure) {
        var authorKeys: [UInt64] = [], authorValues: [Float] = []
        var keys: [UInt64] = [], values: [Float] = []
        keys.reserveCapacity(bytes.count / 3)
        values.reserveCapacity(bytes.count / 3)
        let (generation, meanProduct) = try bytes.withUnsafeBufferPointer { buffer throws(RecordCodec.Failure) in
            var reader = try PaperVectorReader(buffer)
            while let (key, value) = try reader.nextAuthor() {
                authorKeys.append(key)
                authorValues.append(value)
            }
            while let (key, value) = try reader.nextFeature() {
                keys.append(key)
                values.append(value)
            }
            return (reader.generation, reader.meanProduct)
        }
        self.init(generation: generation, vector: SparseVector(sortedKeys: keys, values: values),
                  authorVector: SparseVector(sortedKeys: authorKeys, values: authorValues), meanProduct: meanProduct)
    }

    private static func write(_ vector: SparseVector, to writer: inout BinaryWriter) {
        writer.varint(vector.count)
        var previous: UInt64 = 0
        for (key, value) in zip(vector.keys, vector.values) {
            writer.varint(key - previous)
            previous = key
            let level = UInt16((min(max(value, 0), 1) * quantum).rounded())
            writer.byte(UInt8(level >> 8))
            writer.byte(UInt8(level & 0xFF))
        }
    }
}

/// Reads a stored ``PaperVector`` record in place, one feature at a time: what scoring the whole
/// catalogue runs on, so it does no allocation and no call per feature. Bounds are checked; a
/// damaged record throws.
struct PaperVectorReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset: Int
    private var remaining: Int
    private var key: UInt64 = 0
    private var inAuthors = true
    let generation: UInt32
    let meanProduct: Float

    /// - Parameter bytes: a record, which must outlive the reader.
    init(_ bytes: UnsafeBufferPointer<UInt8>) throws(RecordCodec.Failure) {
        self.bytes = bytes
        guard bytes.count >= 1, bytes[0] == PaperVector.recordVersion else {
            throw RecordCodec.Failure(record: "paper vector", detail: bytes.isEmpty ? "empty" : "version \(bytes[0]), this build reads version \(PaperVector.recordVersion)")
        }
        var generation: UInt64 = 0
        var bits: UInt64 = 0
        var count: UInt64 = 0
        var position = 1
        try Self.varint(bytes, &position, &generation)
        try Self.fixed32(bytes, &position, &bits)
        try Self.varint(bytes, &position, &count)
        offset = position
        self.generation = UInt32(truncatingIfNeeded: generation)
        meanProduct = Float(bitPattern: UInt32(truncatingIfNeeded: bits))
        remaining = Int(min(count, UInt64(bytes.count)))
    }

    /// The next author feature, or `nil` when the authors are done.
    mutating func nextAuthor() throws(RecordCodec.Failure) -> (key: UInt64, value: Float)? {
        guard inAuthors else { return nil }
        if remaining == 0 {
            inAuthors = false
            key = 0
            var count: UInt64 = 0
            try Self.varint(bytes, &offset, &count)
            remaining = Int(min(count, UInt64(bytes.count)))
            return nil
        }
        return try entry()
    }

    /// The next main feature (after the authors), or `nil` at the end.
    mutating func nextFeature() throws(RecordCodec.Failure) -> (key: UInt64, value: Float)? {
        while inAuthors { _ = try nextAuthor() }
        guard remaining > 0 else { return nil }
        return try entry()
    }

    private mutating func entry() throws(RecordCodec.Failure) -> (key: UInt64, value: Float) {
        var gap: UInt64 = 0
        try Self.varint(bytes, &offset, &gap)
        guard offset + 2 <= bytes.count else { throw RecordCodec.Failure(record: "paper vector", detail: "truncated at byte \(offset)") }
        let level = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        offset += 2
        remaining -= 1
        key &+= gap
        return (key, Float(level) * (1 / 65535))
    }

    private static func varint(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: inout Int, _ value: inout UInt64) throws(RecordCodec.Failure) {
        var shift: UInt64 = 0
        value = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return }
            shift += 7
        }
        throw RecordCodec.Failure(record: "paper vector", detail: "truncated varint at byte \(offset)")
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

    /// Reads what ``writeCompact(to:)`` wrote.
    static func readCompact(_ reader: inout BinaryReader, limit: Int) throws(BinaryReader.Failure) -> SparseVector {
        guard try reader.byte() == 1 else { return try read(&reader, limit: limit) }
        let dense = try reader.floats(count: reader.count(atMost: limit))
        var keys: [UInt64] = []
        var values: [Float] = []
        keys.reserveCapacity(dense.count)
        values.reserveCapacity(dense.count)
        for (key, value) in dense.enumerated() where value != 0 {
            keys.append(UInt64(key))
            values.append(value)
        }
        return SparseVector(sortedKeys: keys, values: values)
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
