import Foundation

/// A safetensors file, read tensor by tensor: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the tensors' little-endian bytes.
///
/// Opening reads and checks only the header (every range inside the file, sizes matching shapes),
/// so a truncated or damaged file fails at once with an error naming the file and the tensor; the
/// weights are read later, one tensor at a time, straight into `Float` arrays.
struct SafeTensorsFile {
    /// Element types of the format. Folio reads F32 and F16 as floats; the others are only sized,
    /// so that files carrying them (all-MiniLM-L6-v2 has an I64 `position_ids`) still open.
    enum DType: String, Sendable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"
        case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

        var byteWidth: Int {
            switch self {
            case .f64, .i64, .u64: 8
            case .f32, .i32, .u32: 4
            case .f16, .bf16, .i16, .u16: 2
            case .i8, .u8, .bool, .f8e4m3, .f8e5m2: 1
            }
        }
    }

    struct Tensor: Sendable {
        let name: String
        let dtype: DType
        let shape: [Int]
        /// Byte range relative to the start of the data (after the header).
        let offsets: Range<Int>

        var count: Int { shape.reduce(1, *) }
    }

    /// The safetensors format caps the header at 100 MB; a larger length means a damaged or foreign file.
    static let maximumHeaderBytes = 100_000_000

    let path: String
    let tensors: [String: Tensor]
    /// Where the data starts in the file: 8 + the header's length.
    private let dataStart: Int

    init(path: String) throws(FolioError) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Self.failure(path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Self.failure(path, "cannot read: \(String(cString: strerror(errno)))") }
        let fileSize = Int(status.st_size)

        var lengthBytes = [UInt8](repeating: 0, count: 8)
        guard fileSize >= 8, Self.read(descriptor, into: &lengthBytes, at: 0) else {
            throw Self.failure(path, "truncated: \(fileSize) bytes, too short for the 8-byte header length")
        }
        let headerLength = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(Self.maximumHeaderBytes) else {
            throw Self.failure(path, "not a safetensors file: its first 8 bytes give a header of \(headerLength) bytes (at most \(Self.maximumHeaderBytes))")
        }
        guard Int(headerLength) <= fileSize - 8 else {
            throw Self.failure(path, "truncated: the header should take \(headerLength) bytes but the file has \(fileSize - 8) after the length")
        }
        var header = [UInt8](repeating: 0, count: Int(headerLength))
        guard Self.read(descriptor, into: &header, at: 8) else { throw Self.failure(path, "cannot read the header: \(String(cString: strerror(errno)))") }
        dataStart = 8 + Int(headerLength)
        tensors = try Self.parseHeader(header, path: path, dataSize: fileSize - dataStart)
    }

    /// The tensor `name` as floats, checked to have `shape`.
    func floats(_ name: String, shape expected: [Int]) throws(FolioError) -> [Float] {
        guard let tensor = tensors[name] else {
            throw Self.failure(path, "has no tensor \"\(name)\" (it is not the expected model, or is damaged)")
        }
        guard tensor.shape == expected else {
            throw Self.failure(path, "tensor \"\(name)\" has shape \(tensor.shape); expected \(expected)")
        }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Self.failure(path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let position = dataStart + tensor.offsets.lowerBound
        switch tensor.dtype {
        case .f32:
            var values = [Float](repeating: 0, count: tensor.count)
            guard Self.read(descriptor, into: &values, at: position) else { throw readFailure(tensor) }
            #if _endian(big)
            for index in values.indices { values[index] = Float(bitPattern: UInt32(littleEndian: values[index].bitPattern)) }
            #endif
            return values
        case .f16:
            var halves = [UInt16](repeating: 0, count: tensor.count)
            guard Self.read(descriptor, into: &halves, at: position) else { throw readFailure(tensor) }
            return halves.map { Self.float(fromHalf: UInt16(littleEndian: $0)) }
        default:
            throw Self.failure(path, "tensor \"\(name)\" has dtype \(tensor.dtype.rawValue); expected F32 or F16")
        }
    }

    private func readFailure(_ tensor: Tensor) -> FolioError {
        Self.failure(path, "cannot read tensor \"\(tensor.name)\": \(String(cString: strerror(errno))) (was the file cut short while open?)")
    }

    private static func failure(_ path: String, _ message: String) -> FolioError {
        FolioError(.invalidInput, message, file: path)
    }

    /// Reads exactly the array's bytes at `offset`; false on an error or a short read.
    private static func read<Element>(_ descriptor: Int32, into values: inout [Element], at offset: Int) -> Bool {
        values.withUnsafeMutableBytes { buffer in
            var done = 0
            while done < buffer.count {
                let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                done += count
            }
            return true
        }
    }

    /// One header entry as written; every field is optional so `__metadata__` (a string map) decodes too.
    private struct Entry: Decodable {
        var dtype: String?
        var shape: [Int]?
        var dataOffsets: [Int]?

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    private static func parseHeader(_ bytes: [UInt8], path: String, dataSize: Int) throws(FolioError) -> [String: Tensor] {
        let entries: [String: Entry]
        do {
            entries = try JSONDecoder().decode([String: Entry].self, from: Data(bytes))
        } catch {
            throw failure(path, "the header is not a JSON object of tensors: \(describe(error))")
        }
        var tensors: [String: Tensor] = [:]
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) where name != "__metadata__" {
            guard let dtypeName = entry.dtype, let shape = entry.shape, let offsets = entry.dataOffsets else {
                throw failure(path, "tensor \"\(name)\" lacks its dtype, shape or data_offsets in the header")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw failure(path, "tensor \"\(name)\" has an unknown dtype \"\(dtypeName)\"")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw failure(path, "tensor \"\(name)\" has a malformed shape \(shape) or data_offsets \(offsets)")
            }
            let (count, overflow) = shape.reduce((1, false)) { partial, dimension in
                let product = partial.0.multipliedReportingOverflow(by: dimension)
                return (product.partialValue, partial.1 || product.overflow)
            }
            guard !overflow, count <= Int.max / dtype.byteWidth, offsets[1] - offsets[0] == count * dtype.byteWidth else {
                throw failure(path, "tensor \"\(name)\" takes \(offsets[1] - offsets[0]) bytes but its shape \(shape) of \(dtypeName) needs \(overflow ? "more than can be addressed" : String(count * dtype.byteWidth))")
            }
            tensors[name] = Tensor(name: name, dtype: dtype, shape: shape, offsets: offsets[0] ..< offsets[1])
        }
        // Name the first tensor the cut reaches, whatever order the header lists them in.
        if let cut = tensors.values.filter({ $0.offsets.upperBound > dataSize }).min(by: { $0.offsets.lowerBound < $1.offsets.lowerBound }) {
            throw failure(path, "truncated: tensor \"\(cut.name)\" ends at byte \(cut.offsets.upperBound) of the data, but the file holds \(dataSize) bytes of data")
        }
        return tensors
    }

    /// A decoding error in a line, without Foundation's debug dump.
    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context)?: context.debugDescription
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .keyNotFound(_, let context)?:
            "\(context.debugDescription) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "\(error)"
        }
    }

    /// IEEE 754 half to single precision, by bits: `Float16` is unavailable on some platforms Folio builds for.
    static func float(fromHalf half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = Int(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x03FF)
        switch exponent {
        case 0:
            // Zero or subnormal: the value is mantissa × 2^-24.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
        }
    }
}
