/// Appends values to a compact byte encoding: LEB128 varints, length-prefixed UTF-8 strings,
/// and fixed-width big-endian integers where byte order must follow numeric order (keys).
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func varint(_ value: Int) {
        precondition(value >= 0, "varint takes non-negative values")
        varint(UInt64(value))
    }

    /// Signed values, zigzag-encoded so small magnitudes stay short.
    mutating func signedVarint(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func string(_ value: String) {
        let utf8 = value.utf8
        varint(utf8.count)
        bytes.append(contentsOf: utf8)
    }

    mutating func strings(_ values: [String]) {
        varint(values.count)
        for value in values { string(value) }
    }

    mutating func float64(_ value: Double) {
        bigEndian(value.bitPattern)
    }

    mutating func bigEndian(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func bigEndian(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func littleEndian(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ value: some Sequence<UInt8>) {
        bytes.append(contentsOf: value)
    }

    /// Floats as their little-endian bit patterns, back to back: read in bulk by ``BinaryReader/floats(count:)``.
    mutating func floats(_ values: [Float]) {
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    }
}

/// Reads what ``BinaryWriter`` wrote; every read is bounds-checked and fails with ``BinaryReader/Failure``.
struct BinaryReader {
    struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let expected: String
        var description: String { "expected \(expected) at byte \(offset)" }
    }

    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= bytes.count }

    /// Leaves the rest unread on purpose (a reader that found what it wanted early).
    mutating func skipRest() {
        offset = bytes.count
    }

    mutating func byte() throws(Failure) -> UInt8 {
        guard offset < bytes.count else { throw Failure(offset: offset, expected: "a byte") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() throws(Failure) -> UInt64 {
        guard let value = bytes.withUnsafeBufferPointer({ $0.varint(at: &offset) }) else { throw Failure(offset: offset, expected: "a varint") }
        return value
    }

    /// A varint that must fit in an `Int` no larger than `limit` (lengths and counts).
    mutating func count(atMost limit: Int = Int(Int32.max)) throws(Failure) -> Int {
        let start = offset
        let value = try varint()
        guard value <= UInt64(limit) else { throw Failure(offset: start, expected: "a count no larger than \(limit)") }
        return Int(value)
    }

    mutating func signedVarint() throws(Failure) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func string() throws(Failure) -> String {
        let start = offset
        let length = try count(atMost: bytes.count - offset)
        guard offset + length <= bytes.count else { throw Failure(offset: start, expected: "a string of \(length) bytes") }
        defer { offset += length }
        guard let value = String(validating: bytes[offset ..< offset + length], as: UTF8.self) else {
            throw Failure(offset: start, expected: "UTF-8 text")
        }
        return value
    }

    /// A string written as the number of bytes it shares with `previous` and the bytes after them;
    /// `previous` becomes its bytes.
    mutating func sharedPrefixString(after previous: inout [UInt8]) throws(Failure) -> String {
        let start = offset
        let shared = try count(atMost: previous.count)
        let length = try count(atMost: bytes.count - offset)
        guard offset + length <= bytes.count else { throw Failure(offset: start, expected: "a string of \(length) more bytes") }
        previous.replaceSubrange(shared..., with: bytes[offset ..< offset + length])
        offset += length
        guard let value = String(validating: previous, as: UTF8.self) else { throw Failure(offset: start, expected: "UTF-8 text") }
        return value
    }

    mutating func strings() throws(Failure) -> [String] {
        let count = try count(atMost: bytes.count - offset)
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0 ..< count { values.append(try string()) }
        return values
    }

    mutating func float64() throws(Failure) -> Double {
        Double(bitPattern: try bigEndian64())
    }

    mutating func bigEndian32() throws(Failure) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw Failure(offset: offset, expected: "4 bytes") }
        var value: UInt32 = 0
        for index in offset ..< offset + 4 { value = value << 8 | UInt32(bytes[index]) }
        offset += 4
        return value
    }

    /// `count` floats written by ``BinaryWriter/floats(_:)``.
    mutating func floats(count: Int) throws(Failure) -> [Float] {
        guard count <= (bytes.count - offset) / 4 else { throw Failure(offset: offset, expected: "\(count) floats") }
        let start = offset
        offset += 4 * count
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for index in 0 ..< count {
                    buffer[index] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * index, as: UInt32.self)))
                }
            }
            initialized = count
        }
    }

    mutating func bigEndian64() throws(Failure) -> UInt64 {
        guard offset + 8 <= bytes.count else { throw Failure(offset: offset, expected: "8 bytes") }
        var value: UInt64 = 0
        for index in offset ..< offset + 8 { value = value << 8 | UInt64(bytes[index]) }
        offset += 8
        return value
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The varint at `offset`, moving `offset` past it; `nil` when the bytes end within it: for
    /// records read where they lie, without a ``BinaryReader`` over a copy.
    func varint(at offset: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < count, shift < 64 {
            let byte = self[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }
}
