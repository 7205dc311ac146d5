import Foundation

/// Writes gathered in memory over a reader, read back before they are committed, then turned into
/// one atomic batch: the way a record and all its index entries change together.
struct StagedWrites {
    let base: any KeyValueReader
    private var pending: [StagedKey: [UInt8]?] = [:]
    private(set) var byteCount = 0

    init(base: any KeyValueReader) {
        self.base = base
    }

    var isEmpty: Bool { pending.isEmpty }

    func value(for key: [UInt8]) throws(StoreError) -> [UInt8]? {
        if let staged = pending[StagedKey(key)] { return staged }
        return try base.value(for: key)
    }

    mutating func put(_ value: [UInt8], for key: [UInt8]) {
        pending[StagedKey(key)] = .some(value)
        byteCount += key.count + value.count
    }

    mutating func delete(_ key: [UInt8]) {
        pending[StagedKey(key)] = .some(nil)
        byteCount += key.count
    }

    /// The staged writes as one batch, in key order (so the same work always writes the same batch).
    func batch() -> KeyValueBatch {
        var batch = KeyValueBatch()
        for (key, value) in pending.sorted(by: { $0.key < $1.key }) {
            if let value { batch.put(value, for: key.bytes) } else { batch.delete(key.bytes) }
        }
        return batch
    }

    mutating func removeAll() {
        pending.removeAll(keepingCapacity: true)
        byteCount = 0
    }
}

/// A key as a dictionary key: hashed and compared as one block of bytes (an array of bytes on its
/// own is hashed byte by byte), and ordered as LevelDB orders keys.
private struct StagedKey: Hashable, Comparable {
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

    static func < (a: StagedKey, b: StagedKey) -> Bool {
        a.bytes.withUnsafeBufferPointer { x in
            b.bytes.withUnsafeBufferPointer { y in
                let common = min(x.count, y.count)
                let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
                return order != 0 ? order < 0 : x.count < y.count
            }
        }
    }
}
