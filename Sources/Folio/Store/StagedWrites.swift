import Foundation

/// Writes gathered in memory over a reader, read back before they are committed, then turned into
/// one atomic batch: the way a record and all its index entries change together.
struct StagedWrites {
    let base: any KeyValueReader
    /// Each staged key's place in `writes`.
    private var places: [StagedKey: Int] = [:]
    /// The last write to each key (`nil` deletes it), in the order the keys were first staged.
    private var writes: [(key: [UInt8], value: [UInt8]?)] = []
    private(set) var byteCount = 0

    init(base: any KeyValueReader) {
        self.base = base
    }

    var isEmpty: Bool { writes.isEmpty }

    func value(for key: [UInt8]) throws(StoreError) -> [UInt8]? {
        if let place = places[StagedKey(key)] { return writes[place].value }
        return try base.value(for: key)
    }

    mutating func put(_ value: [UInt8], for key: [UInt8]) {
        stage(value, for: key)
        byteCount += key.count + value.count
    }

    mutating func delete(_ key: [UInt8]) {
        stage(nil, for: key)
        byteCount += key.count
    }

    private mutating func stage(_ value: [UInt8]?, for key: [UInt8]) {
        // Reaching the entry through `default:` inserts a new key's place in the same look-up.
        func place(_ entry: inout Int) -> Int { entry }
        let place = place(&places[StagedKey(key), default: writes.count])
        if place == writes.count {
            writes.append((key, value))
        } else {
            writes[place].value = value
        }
    }

    /// The staged writes as one batch, in the order their keys were first staged (so the same work
    /// always writes the same batch).
    func batch() -> KeyValueBatch {
        var batch = KeyValueBatch()
        for (key, value) in writes {
            if let value { batch.put(value, for: key) } else { batch.delete(key) }
        }
        return batch
    }

    /// Forgets every staged write, keeping the room they took for the next ones.
    mutating func removeAll() {
        places.removeAll(keepingCapacity: true)
        writes.removeAll(keepingCapacity: true)
        byteCount = 0
    }
}

/// A key as a dictionary key: hashed and compared as one block of bytes (an array of bytes on its
/// own is hashed byte by byte).
private struct StagedKey: Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (a: StagedKey, b: StagedKey) -> Bool {
        a.bytes == b.bytes
    }
}
