/// A paper's sentence vector as stored under `N·<paper id>`: all-MiniLM-L6-v2 of its title and abstract.
///
/// Kept as one signed byte per dimension with one Float32 scale (389 bytes instead of 1,536): the
/// vector has unit length, so rounding to 1/254 of its largest component moves a cosine by about
/// 0.001 at most, far below what separates a relevant paper from another.
struct PaperEmbedding: Sendable, Equatable {
    /// The vector as decoded (unit length up to rounding).
    var values: [Float]

    static let recordVersion: UInt8 = 1

    /// Layout: version, scale (Float32 big-endian), then `dimensions` two's-complement bytes; value = byte · scale.
    func encoded() -> [UInt8] {
        let largest = values.reduce(Float(0)) { max($0, abs($1)) }
        let scale = largest > 0 ? largest / 127 : 1
        var writer = BinaryWriter(capacity: values.count + 5)
        writer.byte(Self.recordVersion)
        writer.bigEndian(scale.bitPattern)
        for value in values {
            let level = Int8(max(-127, min(127, (value / scale).rounded())))
            writer.byte(UInt8(bitPattern: level))
        }
        return writer.bytes
    }

    init(_ values: [Float]) {
        self.values = values
    }

    init(record bytes: [UInt8]) throws(RecordCodec.Failure) {
        values = try Self.decode(bytes)
    }

    /// The vector of a record, checked to have the model's dimensions.
    static func decode(_ bytes: [UInt8]) throws(RecordCodec.Failure) -> [Float] {
        guard bytes.count == SentenceEncoder.dimensions + 5 else {
            throw RecordCodec.Failure(record: "paper embedding", detail: bytes.isEmpty ? "empty" : "\(bytes.count) bytes, expected \(SentenceEncoder.dimensions + 5)")
        }
        guard bytes[0] == recordVersion else {
            throw RecordCodec.Failure(record: "paper embedding", detail: "version \(bytes[0]), this build reads version \(recordVersion)")
        }
        let bits = UInt32(bytes[1]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 8 | UInt32(bytes[4])
        let scale = Float(bitPattern: bits)
        return bytes[5...].map { Float(Int8(bitPattern: $0)) * scale }
    }

    /// `weights · vector` read from a record in place (no array built): what scoring every stored embedding runs on.
    static func dot(record bytes: [UInt8], _ weights: [Float]) throws(RecordCodec.Failure) -> Float {
        guard bytes.count == weights.count + 5, bytes[0] == recordVersion else { return dot(try decode(bytes), weights) }
        let scale = Float(bitPattern: UInt32(bytes[1]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 8 | UInt32(bytes[4]))
        var sum: Float = 0
        for index in weights.indices { sum += Float(Int8(bitPattern: bytes[index + 5])) * weights[index] }
        return sum * scale
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for index in 0 ..< min(a.count, b.count) { sum += a[index] * b[index] }
        return sum
    }

    /// The text embedded for a paper: title, a space, abstract (what the encoder's benchmark measures).
    static func text(of paper: Paper) -> String {
        paper.title + " " + paper.abstract
    }
}
