/// The narrow seam between Folio and its storage engine: an ordered map of byte strings.
///
/// Everything Folio stores goes through these few calls, so that ranking, scheduling and
/// ingest never see LevelDB. A lab that outgrows one machine can put Folio on any ordered
/// key-value store (a distributed one included) by implementing this protocol.
protocol OrderedKeyValueStore: KeyValueReader, AnyObject, Sendable {
    /// Applies every operation of `batch` atomically and in order.
    /// - Parameter durable: when `true`, the call returns only after the batch reached stable storage.
    func write(_ batch: KeyValueBatch, durable: Bool) throws(StoreError)

    /// A consistent, read-only view of the store as it is now; later writes are not visible through it.
    func snapshot() -> any KeyValueReader

    /// Settles a run of bulk writes into the store's long-term layout now (LevelDB: writes its write
    /// buffer out to a table and waits for the compactions that follow), so that later commands find
    /// nothing left to do; a store without such a stage does nothing.
    func settleWrites() throws(StoreError)
}

extension OrderedKeyValueStore {
    func settleWrites() throws(StoreError) {}
}

/// Read access to an ordered map of byte strings.
protocol KeyValueReader: Sendable {
    /// The value stored under `key`: `nil` when the key is absent, an empty array when the value is empty.
    func value(for key: [UInt8]) throws(StoreError) -> [UInt8]?

    /// The values stored under `keys`, in the order of `keys` (fastest when they are sorted and close together).
    func values(for keys: [[UInt8]]) throws(StoreError) -> [[UInt8]?]

    /// Like ``values(for:)``, but lends each value where it lies, valid only during the call to `body`
    /// (`nil` for an absent key): for reading many records once without copying them.
    func lendValues(for keys: [[UInt8]], _ body: (_ index: Int, _ value: UnsafeBufferPointer<UInt8>?) throws -> Void) throws

    /// For each of `keys`, lends the first entry at or after it (within `prefix`) that `stops` takes,
    /// passing over those it does not, valid only during the call to `body` (`nil` when none is left
    /// in `prefix`): for records that several keys share, stored under the last of them. Fastest when
    /// `keys` are sorted and close together.
    func lendEntries(
        atOrAfter keys: [[UInt8]], prefix: [UInt8],
        stoppingAt stops: (_ wanted: [UInt8], _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool,
        _ body: (_ index: Int, _ key: UnsafeBufferPointer<UInt8>?, _ value: UnsafeBufferPointer<UInt8>?) throws -> Void
    ) throws

    /// Like ``scan(prefix:from:reverse:_:)`` forwards, but lends each key and value where they lie,
    /// valid only during the call to `body`: for passes that read every record once (no copies, and
    /// what they read does not push out of a cache what other reads will want again).
    func scanInPlace(
        prefix: [UInt8], from start: [UInt8]?,
        _ body: (_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws

    /// Visits the entries whose keys start with `prefix`, in key order (or reverse key order),
    /// starting at `start` when given (inclusive), until `body` returns `false`.
    func scan(
        prefix: [UInt8],
        from start: [UInt8]?,
        reverse: Bool,
        _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool
    ) throws
}

extension KeyValueReader {
    func scanInPlace(
        prefix: [UInt8], from start: [UInt8]?,
        _ body: (_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws {
        try scan(prefix: prefix, from: start, reverse: false) { key, value in
            try key.withUnsafeBufferPointer { key in try value.withUnsafeBufferPointer { value in try body(key, value) } }
        }
    }

    /// The value under `key`, lent where it lies during the call to `body` (`nil` when absent). It is
    /// found by a seek rather than a plain read: for one large value (a stored taste), which a plain
    /// read copies twice on its way out of LevelDB, at the price of the bloom filters that let a plain
    /// read skip table files, which matter for keys that are often absent.
    func lendValue<T>(for key: [UInt8], _ body: (_ value: UnsafeBufferPointer<UInt8>?) throws -> T) throws -> T {
        var result: T?
        // The key itself sorts before every longer key it prefixes, so the first entry decides.
        try scanInPlace(prefix: key, from: nil) { found, value in
            if found.elementsEqual(key) { result = try body(value) }
            return false
        }
        if let result { return result }
        return try body(nil)
    }

    func lendEntries(
        atOrAfter keys: [[UInt8]], prefix: [UInt8],
        stoppingAt stops: (_ wanted: [UInt8], _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool,
        _ body: (_ index: Int, _ key: UnsafeBufferPointer<UInt8>?, _ value: UnsafeBufferPointer<UInt8>?) throws -> Void
    ) throws {
        for (index, wanted) in keys.enumerated() {
            var found = false
            try scanInPlace(prefix: prefix, from: wanted) { key, value in
                guard try stops(wanted, key, value) else { return true }
                found = true
                try body(index, key, value)
                return false
            }
            if !found { try body(index, nil, nil) }
        }
    }

    func lendValues(for keys: [[UInt8]], _ body: (_ index: Int, _ value: UnsafeBufferPointer<UInt8>?) throws -> Void) throws {
        for (index, value) in try values(for: keys).enumerated() {
            try value.map { value in try value.withUnsafeBufferPointer { try body(index, $0) } } ?? body(index, nil)
        }
    }

    /// The values stored under `keys`, in the order of `keys`: one ``value(for:)`` each. A store that
    /// can read many keys in one pass (an iterator that walks to the next key when it is near) overrides it.
    func values(for keys: [[UInt8]]) throws(StoreError) -> [[UInt8]?] {
        var values: [[UInt8]?] = []
        values.reserveCapacity(keys.count)
        for key in keys { values.append(try value(for: key)) }
        return values
    }

    /// Visits the entries whose keys start with `prefix` in key order, until `body` returns `false`.
    func scan(prefix: [UInt8], _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool) throws {
        try scan(prefix: prefix, from: nil, reverse: false, body)
    }

    /// Whether a value (even an empty one) is stored under `key`.
    func contains(_ key: [UInt8]) throws(StoreError) -> Bool {
        try value(for: key) != nil
    }
}

/// A list of puts and deletes applied atomically by ``OrderedKeyValueStore/write(_:durable:)``.
struct KeyValueBatch: Sendable {
    enum Operation: Sendable, Equatable {
        case put(key: [UInt8], value: [UInt8])
        case delete(key: [UInt8])
    }

    private(set) var operations: [Operation] = []
    /// The bytes of every key and value in the batch, to decide when a large batch should be committed.
    private(set) var byteCount = 0

    var isEmpty: Bool { operations.isEmpty }

    mutating func put(_ value: [UInt8], for key: [UInt8]) {
        operations.append(.put(key: key, value: value))
        byteCount += key.count + value.count
    }

    mutating func delete(_ key: [UInt8]) {
        operations.append(.delete(key: key))
        byteCount += key.count
    }
}

/// The smallest key greater than every key that starts with `prefix`, or `nil` if there is none
/// (the prefix is empty or all 0xFF).
func keyAfterPrefix(_ prefix: [UInt8]) -> [UInt8]? {
    var end = prefix
    while let last = end.last {
        if last < 0xFF {
            end[end.count - 1] = last + 1
            return end
        }
        end.removeLast()
    }
    return nil
}
