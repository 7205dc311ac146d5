/// Writes gathered in memory over a reader, read back before they are committed, then turned into
/// one atomic batch: the way a record and all its index entries change together.
struct StagedWrites {
    let base: any KeyValueReader
    private var pending: [[UInt8]: [UInt8]?] = [:]
    private(set) var byteCount = 0

    init(base: any KeyValueReader) {
        self.base = base
    }

    var isEmpty: Bool { pending.isEmpty }

    func value(for key: [UInt8]) throws(StoreError) -> [UInt8]? {
        if let staged = pending[key] { return staged }
        return try base.value(for: key)
    }

    mutating func put(_ value: [UInt8], for key: [UInt8]) {
        pending[key] = .some(value)
        byteCount += key.count + value.count
    }

    mutating func delete(_ key: [UInt8]) {
        pending[key] = .some(nil)
        byteCount += key.count
    }

    /// The staged writes as one batch, in key order (so the same work always writes the same batch).
    func batch() -> KeyValueBatch {
        var batch = KeyValueBatch()
        for key in pending.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            if let value = pending[key]! { batch.put(value, for: key) } else { batch.delete(key) }
        }
        return batch
    }

    mutating func removeAll() {
        pending.removeAll(keepingCapacity: true)
        byteCount = 0
    }
}
