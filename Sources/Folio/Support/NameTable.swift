/// Short names (terms, words) to values, in an open-addressing table hashed by 8-byte words of the
/// name's UTF-8 with a multiply-and-fold mix.
///
/// Ingest looks a name up for every word of every abstract (about 15 million at 100,000 papers), on
/// the workers (each word's term) and again on the ingesting thread (each term's slot), where
/// `Dictionary`'s SipHash, run byte by byte, took about 8% of ingest's CPU. The seed is random per
/// table, as `Dictionary`'s is per process, so that crafted text cannot aim its names at one probe
/// run; it changes where names sit, never what a look-up returns.
struct NameTable<Value> {
    // Empty until the first insertion, so that a table never used (a memo that is switched off) costs nothing.
    private var names: [String] = []
    private var hashes: [UInt64] = []
    /// The value of the name at each position, or `nil` where the position is empty.
    private var values: [Value?] = []
    private var shift: UInt64 = 64
    private(set) var count = 0
    private var seed: UInt64 = 0

    init() {}

    /// The value of `name`, if it is in the table.
    func value(of name: String) -> Value? {
        guard count > 0 else { return nil }
        let hash = Self.hash(name, seed: seed)
        let mask = values.count - 1
        var position = Int(truncatingIfNeeded: hash >> shift)
        while true {
            guard let value = values[position] else { return nil }
            if hashes[position] == hash, names[position] == name { return value }
            position = (position + 1) & mask
        }
    }

    /// Adds `name` with `value`; a name already in the table keeps its value.
    mutating func insert(_ name: String, value: Value) {
        if 2 * (count + 1) > values.count { grow() }
        let hash = Self.hash(name, seed: seed)
        let mask = values.count - 1
        var position = Int(truncatingIfNeeded: hash >> shift)
        while values[position] != nil {
            if hashes[position] == hash, names[position] == name { return }
            position = (position + 1) & mask
        }
        names[position] = name
        hashes[position] = hash
        values[position] = value
        count += 1
    }

    /// Empties the table, keeping its room.
    mutating func removeAll() {
        guard count > 0 else { return }
        for index in values.indices where values[index] != nil {
            values[index] = nil
            names[index] = ""
        }
        count = 0
    }

    /// Doubles the table (or makes its first room), so that it stays at most half full and probe runs stay short.
    private mutating func grow() {
        guard !values.isEmpty else {
            names = Array(repeating: "", count: 1024)
            hashes = Array(repeating: 0, count: 1024)
            values = Array(repeating: nil, count: 1024)
            shift = 64 - 10
            var generator = SystemRandomNumberGenerator()
            seed = generator.next()
            return
        }
        let (oldNames, oldHashes, oldValues) = (names, hashes, values)
        let capacity = 2 * values.count
        names = Array(repeating: "", count: capacity)
        hashes = Array(repeating: 0, count: capacity)
        values = Array(repeating: nil, count: capacity)
        shift -= 1
        let mask = capacity - 1
        for index in oldValues.indices {
            guard let value = oldValues[index] else { continue }
            var position = Int(truncatingIfNeeded: oldHashes[index] >> shift)
            while values[position] != nil { position = (position + 1) & mask }
            names[position] = oldNames[index]
            hashes[position] = oldHashes[index]
            values[position] = value
        }
    }

    private static func hash(_ name: String, seed: UInt64) -> UInt64 {
        var name = name
        return name.withUTF8 { $0.foldedHash(seed: seed) }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// A hash of these bytes taken 8 at a time, each word mixed in by a multiply whose two halves are
    /// folded together, so that every input bit reaches the high bits (which pick a table position).
    func foldedHash(seed: UInt64) -> UInt64 {
        func mix(_ value: UInt64) -> UInt64 {
            let product = (value ^ 0x2D35_8DCC_AA6C_78A5).multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
            return product.high ^ product.low
        }
        var hash = seed ^ UInt64(count)
        guard let base = baseAddress else { return mix(hash) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= count {
            hash = mix(hash ^ UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
        if offset < count {
            var last: UInt64 = 0
            for index in offset ..< count { last = last << 8 | UInt64(self[index]) }
            hash = mix(hash ^ last)
        }
        return hash
    }
}

extension NameTable: Sendable where Value: Sendable {}
