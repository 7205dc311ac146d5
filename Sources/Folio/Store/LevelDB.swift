internal import CLevelDB
import Foundation

/// A LevelDB database opened through its C API: a small, safe wrapper that knows nothing of papers.
///
/// The C handle is thread-safe for reads and writes (LevelDB serializes writers internally), so
/// this class is `@unchecked Sendable`; iterators, snapshots and write batches are confined to a
/// single call and released before it returns, which keeps every C object's lifetime inside the
/// database's. Closing waits for no call: callers must not close while other calls are running,
/// which the `Engine` guarantees by owning the only reference.
final class LevelDB: OrderedKeyValueStore, @unchecked Sendable {
    struct Options: Sendable {
        var createIfMissing = true
        /// Check every block's checksum on read and fail early on damage (used by `doctor`).
        var paranoidChecks = false
        /// Writes gather here (and in the log) before LevelDB sorts them into a table. A 64 MB buffer,
        /// holding two of ingest's 32 MB batches, halves the tables that compaction merges again (100k
        /// ingest 6.3-6.9 -> 5.5-5.9 s), but a million-paper ingest then peaks at 1.04-1.3 GB resident
        /// (two buffers, and bigger tables mapped while they are merged) against 815 MB: not taken.
        var writeBufferBytes = 8 << 20
        var blockCacheBytes = 32 << 20
        var bloomFilterBitsPerKey = 10
        /// Table files kept open at once. LevelDB maps each open table file into memory, and every page
        /// a read touches stays in the process's resident set while the file is open: at LevelDB's
        /// default (1,000) a 2 GB store of a million papers kept 700 MB of table pages resident after
        /// ingest. Tables beyond this are opened again when read (a scan opens each once).
        var maximumOpenFiles = 200
    }

    let path: String
    private var handle: OpaquePointer?
    private let options: OpaquePointer
    private let readOptions: OpaquePointer
    /// For passes over a whole key range: blocks read once are not worth evicting the cache for.
    private let passingReadOptions: OpaquePointer
    private let verifyingReadOptions: OpaquePointer
    private let syncWriteOptions: OpaquePointer
    private let plainWriteOptions: OpaquePointer
    private let cache: OpaquePointer?
    private let filterPolicy: OpaquePointer?

    /// Opens (and, with `createIfMissing`, creates) the database in directory `path`.
    init(path: String, options settings: Options = Options()) throws(StoreError) {
        self.path = path
        options = leveldb_options_create()
        leveldb_options_set_create_if_missing(options, settings.createIfMissing ? 1 : 0)
        leveldb_options_set_paranoid_checks(options, settings.paranoidChecks ? 1 : 0)
        leveldb_options_set_write_buffer_size(options, settings.writeBufferBytes)
        leveldb_options_set_max_open_files(options, Int32(settings.maximumOpenFiles))
        cache = settings.blockCacheBytes > 0 ? leveldb_cache_create_lru(settings.blockCacheBytes) : nil
        if let cache { leveldb_options_set_cache(options, cache) }
        filterPolicy = settings.bloomFilterBitsPerKey > 0
            ? leveldb_filterpolicy_create_bloom(Int32(settings.bloomFilterBitsPerKey)) : nil
        if let filterPolicy { leveldb_options_set_filter_policy(options, filterPolicy) }
        readOptions = leveldb_readoptions_create()
        passingReadOptions = leveldb_readoptions_create()
        leveldb_readoptions_set_fill_cache(passingReadOptions, 0)
        verifyingReadOptions = leveldb_readoptions_create()
        leveldb_readoptions_set_verify_checksums(verifyingReadOptions, 1)
        leveldb_readoptions_set_fill_cache(verifyingReadOptions, 0)
        syncWriteOptions = leveldb_writeoptions_create()
        leveldb_writeoptions_set_sync(syncWriteOptions, 1)
        plainWriteOptions = leveldb_writeoptions_create()

        var error: UnsafeMutablePointer<CChar>?
        let opened = leveldb_open(options, path, &error)
        // Every stored property is set by now, so a failed init still runs deinit, which releases the options.
        if let message = Self.consume(error) { throw StoreError(levelDBMessage: message, path: path) }
        handle = opened
    }

    deinit {
        close()
        releaseOptions()
    }

    private func releaseOptions() {
        leveldb_options_destroy(options)
        leveldb_readoptions_destroy(readOptions)
        leveldb_readoptions_destroy(passingReadOptions)
        leveldb_readoptions_destroy(verifyingReadOptions)
        leveldb_writeoptions_destroy(syncWriteOptions)
        leveldb_writeoptions_destroy(plainWriteOptions)
        if let cache { leveldb_cache_destroy(cache) }
        if let filterPolicy { leveldb_filterpolicy_destroy(filterPolicy) }
    }

    /// Closes the database and releases its lock; later calls fail with ``StoreError/Kind/closed``.
    ///
    /// A compaction that LevelDB is running is given up to ``closingCompactionBudget`` to finish
    /// first. LevelDB writes the previous process's log out as a new level-0 table whenever it opens,
    /// and starts compacting level 0 at four tables; a short process that closed mid-compaction
    /// abandoned it, the next one started it again, and level 0 grew by a table per writing command
    /// (34 tables after 30 `folio like`s on a 100k store, `folio today` 70% slower to read).
    func close() {
        if let handle {
            waitForCompactions(handle, atMost: Self.closingCompactionBudget)
            leveldb_close(handle)
            self.handle = nil
        }
    }

    private func openHandle() throws(StoreError) -> OpaquePointer {
        guard let handle else { throw StoreError(kind: .closed, path: path, message: "closed") }
        return handle
    }

    /// Turns a LevelDB error string into a Swift string and frees it.
    private static func consume(_ error: UnsafeMutablePointer<CChar>?) -> String? {
        guard let error else { return nil }
        defer { leveldb_free(error) }
        return String(cString: error)
    }

    // MARK: Reads

    func value(for key: [UInt8]) throws(StoreError) -> [UInt8]? {
        try value(for: key, options: readOptions)
    }

    fileprivate func value(for key: [UInt8], options: OpaquePointer) throws(StoreError) -> [UInt8]? {
        let db = try openHandle()
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        let bytes = key.withUnsafeBufferPointer { keyBuffer in
            keyBuffer.withMemoryRebound(to: CChar.self) {
                leveldb_get(db, options, $0.baseAddress, $0.count, &length, &error)
            }
        }
        if let message = Self.consume(error) { throw StoreError(levelDBMessage: message, path: path) }
        // NULL means absent; a non-NULL pointer with length 0 is a stored empty value.
        guard let bytes else { return nil }
        defer { leveldb_free(bytes) }
        return bytes.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    func values(for keys: [[UInt8]]) throws(StoreError) -> [[UInt8]?] {
        try values(for: keys, options: readOptions)
    }

    /// How many entries an iterator steps over to reach the next wanted key before it seeks instead:
    /// a step costs a comparison, a seek a search of every level.
    private static let stepsBeforeSeek = 16

    /// Reads `keys` with one iterator: from one wanted key to the next it steps when the next one is a
    /// few entries on (papers listed on one day have neighbouring ids when ids follow time, as arXiv's
    /// do), and seeks otherwise, so sorted, clustered keys cost a step each instead of a lookup each.
    fileprivate func values(for keys: [[UInt8]], options: OpaquePointer) throws(StoreError) -> [[UInt8]?] {
        var values: [[UInt8]?] = []
        values.reserveCapacity(keys.count)
        do {
            try lendValues(for: keys, options: options) { _, value in values.append(value.map(Array.init)) }
        } catch let error as StoreError {
            throw error
        } catch {
            preconditionFailure("only the store throws while values are copied: \(error)")
        }
        return values
    }

    func lendValues(for keys: [[UInt8]], _ body: (_ index: Int, _ value: UnsafeBufferPointer<UInt8>?) throws -> Void) throws {
        try lendValues(for: keys, options: readOptions, body)
    }

    /// Lends each key's value where LevelDB holds it (see ``values(for:options:)``), valid only during
    /// the call to `body`, which gets the keys in their order.
    fileprivate func lendValues(
        for keys: [[UInt8]], options: OpaquePointer, _ body: (_ index: Int, _ value: UnsafeBufferPointer<UInt8>?) throws -> Void
    ) throws {
        // One key: a plain read, which (unlike an iterator's seek) skips table files by their bloom filters.
        if keys.count == 1 {
            let value = try value(for: keys[0], options: options)
            try value.map { value in try value.withUnsafeBufferPointer { try body(0, $0) } } ?? body(0, nil)
            return
        }
        // Each key's first entry at or after it, which holds the key's value only if it is the key itself.
        try lendEntries(atOrAfter: keys, prefix: [], options: options, stoppingAt: { _, _, _ in true }) { index, key, value in
            if let key, key.elementsEqual(keys[index]) { try body(index, value) } else { try body(index, nil) }
        }
    }

    func lendEntries(
        atOrAfter keys: [[UInt8]], prefix: [UInt8],
        stoppingAt stops: (_ wanted: [UInt8], _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool,
        _ body: (_ index: Int, _ key: UnsafeBufferPointer<UInt8>?, _ value: UnsafeBufferPointer<UInt8>?) throws -> Void
    ) throws {
        try lendEntries(atOrAfter: keys, prefix: prefix, options: readOptions, stoppingAt: stops, body)
    }

    /// The one multi-key read loop: the first entry at or after each key that `stops` takes. From one
    /// wanted key to the next it steps when the next one is a few entries on, and seeks otherwise (or
    /// when it has passed over entries that the next key might want).
    fileprivate func lendEntries(
        atOrAfter keys: [[UInt8]], prefix: [UInt8], options: OpaquePointer,
        stoppingAt stops: (_ wanted: [UInt8], _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool,
        _ body: (_ index: Int, _ key: UnsafeBufferPointer<UInt8>?, _ value: UnsafeBufferPointer<UInt8>?) throws -> Void
    ) throws {
        let db = try openHandle()
        guard !keys.isEmpty, let iterator = leveldb_create_iterator(db, options) else { return }
        defer { leveldb_iter_destroy(iterator) }
        // The key the iterator stands at or before without having passed an entry it skipped.
        var lowerBoundOf: [UInt8]?
        for (index, wanted) in keys.enumerated() {
            // A key before the prefix starts at the prefix.
            let target = wanted.lexicographicallyPrecedes(prefix) ? prefix : wanted
            Self.position(iterator, atOrAfter: target, standingAtOrBefore: lowerBoundOf)
            lowerBoundOf = target
            var lent = false
            while let (key, value) = Self.entry(at: iterator), key.starts(with: prefix) {
                if try stops(wanted, key, value) {
                    try body(index, key, value)
                    lent = true
                    break
                }
                leveldb_iter_next(iterator)
                lowerBoundOf = nil
            }
            if !lent { try body(index, nil, nil) }
        }
        if let failure = failure(of: iterator) { throw failure }
    }

    /// Moves `iterator` to the first entry at or after `key`: it steps there when it stands at or
    /// before it (at the first entry at or after `previous`, which is not after `key`) and the entry is
    /// a few steps on, and seeks otherwise.
    private static func position(_ iterator: OpaquePointer, atOrAfter key: [UInt8], standingAtOrBefore previous: [UInt8]?) {
        if let previous, !key.lexicographicallyPrecedes(previous) {
            var steps = 0
            while leveldb_iter_valid(iterator) != 0, steps < stepsBeforeSeek {
                if compareCurrentKey(iterator, key) >= 0 { return }
                leveldb_iter_next(iterator)
                steps += 1
            }
            if leveldb_iter_valid(iterator) == 0 { return }
        }
        key.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { leveldb_iter_seek(iterator, $0.baseAddress, $0.count) }
        }
    }

    /// The order of the iterator's current key against `key`, as memcmp orders bytes: <0, 0 or >0.
    private static func compareCurrentKey(_ iterator: OpaquePointer, _ key: [UInt8]) -> Int {
        var length = 0
        guard let pointer = leveldb_iter_key(iterator, &length) else { return -1 }
        return key.withUnsafeBufferPointer { wanted in
            let common = min(length, wanted.count)
            let order = common == 0 ? 0 : Int(memcmp(pointer, wanted.baseAddress!, common))
            return order != 0 ? order : length - wanted.count
        }
    }

    func scan(
        prefix: [UInt8], from start: [UInt8]?, reverse: Bool,
        _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool
    ) throws {
        try scan(prefix: prefix, from: start, reverse: reverse, options: readOptions, body)
    }

    fileprivate func scan(
        prefix: [UInt8], from start: [UInt8]?, reverse: Bool, options: OpaquePointer,
        _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool
    ) throws {
        try iterate(prefix: prefix, from: start, reverse: reverse, options: options) { key, value in try body(Array(key), Array(value)) }
    }

    /// The one iteration loop: lends each entry's key and value where LevelDB holds them, valid only
    /// during the call to `body`.
    private func iterate(
        prefix: [UInt8], from start: [UInt8]?, reverse: Bool, options: OpaquePointer,
        _ body: (_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws {
        let db = try openHandle()
        guard let iterator = leveldb_create_iterator(db, options) else { return }
        defer { leveldb_iter_destroy(iterator) }

        func seek(_ key: [UInt8]) {
            key.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { leveldb_iter_seek(iterator, $0.baseAddress, $0.count) }
            }
        }
        if reverse {
            if let start {
                seek(start)
                if leveldb_iter_valid(iterator) == 0 {
                    leveldb_iter_seek_to_last(iterator)
                } else if !Self.currentKey(iterator).elementsEqual(start) {
                    leveldb_iter_prev(iterator)
                }
            } else if let end = keyAfterPrefix(prefix) {
                seek(end)
                if leveldb_iter_valid(iterator) == 0 { leveldb_iter_seek_to_last(iterator) } else { leveldb_iter_prev(iterator) }
            } else {
                leveldb_iter_seek_to_last(iterator)
            }
        } else {
            seek(start.map { $0.lexicographicallyPrecedes(prefix) ? prefix : $0 } ?? prefix)
        }

        while let (key, value) = Self.entry(at: iterator), key.starts(with: prefix) {
            guard try body(key, value) else { break }
            if reverse { leveldb_iter_prev(iterator) } else { leveldb_iter_next(iterator) }
        }
        if let failure = failure(of: iterator) { throw failure }
    }

    func scanInPlace(
        prefix: [UInt8], from start: [UInt8]?,
        _ body: (_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws {
        try scanInPlace(prefix: prefix, from: start, options: passingReadOptions, body)
    }

    fileprivate func scanInPlace(
        prefix: [UInt8], from start: [UInt8]?, options: OpaquePointer,
        _ body: (_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws {
        try iterate(prefix: prefix, from: start, reverse: false, options: options, body)
    }

    /// The entry `iterator` stands at, lent where LevelDB holds it until the iterator moves; `nil` past the end.
    private static func entry(at iterator: OpaquePointer) -> (key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>)? {
        guard leveldb_iter_valid(iterator) != 0 else { return nil }
        var keyLength = 0, valueLength = 0
        let key = leveldb_iter_key(iterator, &keyLength).map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) }
        let value = leveldb_iter_value(iterator, &valueLength).map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) }
        return (UnsafeBufferPointer(start: key, count: keyLength), UnsafeBufferPointer(start: value, count: valueLength))
    }

    /// What stopped `iterator`, if anything did (a damaged block, a failed read).
    private func failure(of iterator: OpaquePointer) -> StoreError? {
        var error: UnsafeMutablePointer<CChar>?
        leveldb_iter_get_error(iterator, &error)
        return Self.consume(error).map { StoreError(levelDBMessage: $0, path: path) }
    }

    private static func currentKey(_ iterator: OpaquePointer) -> [UInt8] {
        var length = 0
        guard let pointer = leveldb_iter_key(iterator, &length) else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    // MARK: Writes

    func write(_ batch: KeyValueBatch, durable: Bool) throws(StoreError) {
        let db = try openHandle()
        let cBatch = leveldb_writebatch_create()
        defer { leveldb_writebatch_destroy(cBatch) }
        for operation in batch.operations {
            switch operation {
            case let .put(key, value):
                key.withUnsafeBufferPointer { keyBuffer in
                    value.withUnsafeBufferPointer { valueBuffer in
                        keyBuffer.withMemoryRebound(to: CChar.self) { k in
                            valueBuffer.withMemoryRebound(to: CChar.self) { v in
                                leveldb_writebatch_put(cBatch, k.baseAddress, k.count, v.baseAddress, v.count)
                            }
                        }
                    }
                }
            case let .delete(key):
                key.withUnsafeBufferPointer { keyBuffer in
                    keyBuffer.withMemoryRebound(to: CChar.self) { leveldb_writebatch_delete(cBatch, $0.baseAddress, $0.count) }
                }
            }
        }
        var error: UnsafeMutablePointer<CChar>?
        leveldb_write(db, durable ? syncWriteOptions : plainWriteOptions, cBatch, &error)
        if let message = Self.consume(error) { throw StoreError(levelDBMessage: message, path: path) }
    }

    // MARK: Snapshots

    func snapshot() -> any KeyValueReader {
        LevelDBSnapshot(database: self)
    }

    /// A reader that checks every block's checksum, for verification passes.
    func verifyingReader() -> any KeyValueReader {
        VerifyingReader(database: self, options: verifyingReadOptions)
    }

    fileprivate func createSnapshot() throws(StoreError) -> (OpaquePointer, OpaquePointer) {
        let db = try openHandle()
        let snapshot = leveldb_create_snapshot(db)!
        let options = leveldb_readoptions_create()!
        leveldb_readoptions_set_snapshot(options, snapshot)
        return (snapshot, options)
    }

    fileprivate func releaseSnapshot(_ snapshot: OpaquePointer, options: OpaquePointer) {
        leveldb_readoptions_destroy(options)
        if let handle { leveldb_release_snapshot(handle, snapshot) }
    }

    // MARK: Maintenance

    /// Compacts the whole key range, reclaiming the space of deleted and overwritten entries.
    func compact() throws(StoreError) {
        let db = try openHandle()
        leveldb_compact_range(db, nil, 0, nil, 0)
    }

    /// Writes the write buffer out to a table now (LevelDB does this first in any range compaction,
    /// and the empty key's range holds no table to compact), then waits until LevelDB's background
    /// compactions have brought every level within its size target.
    ///
    /// A bulk load leaves more compaction work than a short-lived process lives: each later process
    /// would start that compaction when it opens the store and abandon it when it closes, so the store
    /// never settled and every process ran beside a compaction taking a core. The writer, which made
    /// the work, waits for it instead; after a small write there is nothing to wait for.
    func settleWrites() throws(StoreError) {
        let db = try openHandle()
        var empty: CChar = 0
        leveldb_compact_range(db, &empty, 0, &empty, 0)
        waitForCompactions(db, atMost: nil)
    }

    /// LevelDB's list of its tables, level by level (the `leveldb.sstables` property).
    func tableListing() throws(StoreError) -> String {
        Self.property("leveldb.sstables", of: try openHandle())
    }

    /// LevelDB's summary of its levels: tables, whole MiB and compaction totals per level (the
    /// `leveldb.stats` property).
    func levelStatistics() throws(StoreError) -> String {
        Self.property("leveldb.stats", of: try openHandle())
    }

    private static func property(_ name: String, of db: OpaquePointer) -> String {
        guard let pointer = leveldb_property_value(db, name) else { return "" }
        defer { leveldb_free(pointer) }
        return String(cString: pointer)
    }

    /// Whether LevelDB is compacting or about to, judged by its own triggers from its level summary
    /// (a few lines). When a level's size there is too close to its target to tell, `exactly` reads
    /// its table listing (every table's size, but 15 ms to make and read at a million papers, where
    /// level 1 rests just under its target after every compaction); otherwise the level counts as
    /// within its target.
    private static func levelsOverTarget(_ db: OpaquePointer, statistics: String, exactly: Bool) -> Bool {
        if let overTarget = levelsOverTarget(inStatistics: statistics) { return overTarget }
        return exactly && levelsOverTarget(inTableListing: property("leveldb.sstables", of: db))
    }

    /// Waits until no level is over its target; gives up when LevelDB's level summary stops changing
    /// and LevelDB has stopped compacting (a compaction failed: its error comes back from every
    /// later write), after ``longestCompaction`` without a change, or once `budget` (when given) has
    /// passed. With a budget, levels are judged from the summary alone (see ``levelsOverTarget(_:statistics:exactly:)``).
    private func waitForCompactions(_ db: OpaquePointer, atMost budget: Duration?) {
        var seen = ""
        let start = ContinuousClock.now
        var changed = start
        var checked = changed
        while case let now = Self.property("leveldb.stats", of: db), Self.levelsOverTarget(db, statistics: now, exactly: budget == nil) {
            let moment = ContinuousClock.now
            if let budget, start.duration(to: moment) > budget { return }
            if now != seen {
                (seen, changed, checked) = (now, moment, moment)
            } else if changed.duration(to: moment) > Self.longestCompaction {
                return
            } else if checked.duration(to: moment) > .seconds(1) {
                checked = moment
                if !canWrite(db) { return }
            }
            usleep(5_000)
        }
    }

    /// Whether LevelDB still takes writes: an empty batch fails once a background compaction has
    /// failed (a full disk, say), after which LevelDB compacts no more.
    private func canWrite(_ db: OpaquePointer) -> Bool {
        let batch = leveldb_writebatch_create()
        defer { leveldb_writebatch_destroy(batch) }
        var error: UnsafeMutablePointer<CChar>?
        leveldb_write(db, plainWriteOptions, batch, &error)
        return Self.consume(error) == nil
    }

    /// How long one compaction may run before ``settleWrites()`` stops waiting for it.
    static let longestCompaction = Duration.seconds(120)

    /// How long ``close()`` waits for LevelDB's compactions. Those that short commands leave (a few
    /// small level-0 tables merged into level 1) take tens of milliseconds; the long ones follow bulk
    /// writes, whose writers settle the store themselves.
    static let closingCompactionBudget = Duration.seconds(2)

    /// The size in bytes at which LevelDB compacts level n ≥ 1: 10ⁿ MiB.
    private static func targetBytes(ofLevel level: Int) -> Int {
        var target = 10 << 20
        for _ in 1 ..< max(level, 1) { target = target.multipliedReportingOverflow(by: 10).overflow ? .max : target * 10 }
        return target
    }

    /// Whether LevelDB will compact, judged from its level summary (the `leveldb.stats` property) by
    /// its own triggers: four tables in level 0, or 10ⁿ MiB or more in level n ≥ 1; `nil` when a
    /// level's size, given there in whole MiB, is too close to its target to tell.
    static func levelsOverTarget(inStatistics statistics: String) -> Bool? {
        var undecided = false
        // Rows "  1        4        8         0        0         0": level, tables, MiB, then totals.
        for line in statistics.split(separator: "\n") {
            let fields = line.split(separator: " ").prefix(3).map { Int($0) }
            guard fields.count == 3, let level = fields[0], let tables = fields[1], let mebibytes = fields[2] else { continue }
            if level == 0 {
                if tables >= 4 { return true }
                continue
            }
            // Rounded to the nearest MiB: the target itself may stand for a little under or over it.
            let target = targetBytes(ofLevel: level) >> 20
            if mebibytes > target { return true }
            if mebibytes == target { undecided = true }
        }
        return undecided ? nil : false
    }

    /// Whether LevelDB will compact, judged from its table listing (the `leveldb.sstables` property)
    /// by its own triggers: four tables in level 0, or 10ⁿ MiB or more in level n ≥ 1.
    static func levelsOverTarget(inTableListing listing: String) -> Bool {
        var level = 0
        var tables = 0
        var bytes = 0
        func overTarget() -> Bool {
            level == 0 ? tables >= 4 : bytes >= targetBytes(ofLevel: level)
        }
        for line in listing.split(separator: "\n") {
            if line.hasPrefix("--- level ") {
                if overTarget() { return true }
                level = Int(line.dropFirst("--- level ".count).prefix { $0.isNumber }) ?? level
                (tables, bytes) = (0, 0)
            } else if let colon = line.firstIndex(of: ":") {
                // " 167:2115551['first key' @ … .. 'last key' @ …]": table number, size in bytes, key range.
                tables += 1
                bytes += Int(line[line.index(after: colon)...].prefix { $0.isNumber }) ?? 0
            }
        }
        return overTarget()
    }

    /// Deletes every entry that a checksum-verifying read cannot return, then compacts, so that the
    /// damaged blocks are rewritten without them.
    ///
    /// LevelDB's repair reads tables without verifying checksums: a damaged block whose bytes still
    /// decode (one stored uncompressed, say) survives it, and every verifying read fails there after.
    /// A verifying iterator steps over such a block (and reports it at the end), so a plain iterator
    /// and a verifying one go side by side: what the plain one shows and the verifying one does not
    /// show the same is in a damaged block. It is deleted before the compaction, which reads without
    /// verifying too and would otherwise write it again under fresh checksums.
    /// - Returns: how many entries were dropped.
    func dropUnverifiableEntries() throws(StoreError) -> Int {
        let db = try openHandle()
        guard let plain = leveldb_create_iterator(db, passingReadOptions) else { return 0 }
        defer { leveldb_iter_destroy(plain) }
        guard let verified = leveldb_create_iterator(db, verifyingReadOptions) else { return 0 }
        defer { leveldb_iter_destroy(verified) }
        var dropped = KeyValueBatch()
        leveldb_iter_seek_to_first(plain)
        leveldb_iter_seek_to_first(verified)
        while let (key, value) = Self.entry(at: plain) {
            // The verifying iterator's keys are among the plain one's, in the same order; it may show an
            // older value of a key whose newest lies in a damaged block, or a key deleted there.
            while let other = Self.entry(at: verified), other.key.lexicographicallyPrecedes(key) { leveldb_iter_next(verified) }
            if let other = Self.entry(at: verified), other.key.elementsEqual(key) {
                if !other.value.elementsEqual(value) { dropped.delete(Array(key)) }
                leveldb_iter_next(verified)
            } else {
                dropped.delete(Array(key))
            }
            leveldb_iter_next(plain)
        }
        if let failure = failure(of: plain) { throw failure }
        // Only damage explains what the verifying iterator left out; after any other failure (a read
        // that failed for a while) nothing is dropped.
        if let failure = failure(of: verified), failure.kind != .corrupted { throw failure }
        guard !dropped.isEmpty else { return 0 }
        try write(dropped, durable: true)
        try compact()
        return dropped.operations.count
    }

    /// Runs LevelDB's repair on a closed database directory: salvages what it can, may drop damaged data.
    static func repair(path: String) throws(StoreError) {
        let options = leveldb_options_create()
        defer { leveldb_options_destroy(options) }
        var error: UnsafeMutablePointer<CChar>?
        leveldb_repair_db(options, path, &error)
        if let message = consume(error) { throw StoreError(levelDBMessage: message, path: path) }
    }
}

/// A consistent view of the database at one moment. It keeps the database alive and releases
/// its LevelDB snapshot when the last reference goes, always before the database closes.
private final class LevelDBSnapshot: KeyValueReader, @unchecked Sendable {
    private let database: LevelDB
    private let state: (snapshot: OpaquePointer, options: OpaquePointer)?
    private let failure: StoreError?

    init(database: LevelDB) {
        self.database = database
        do {
            state = try database.createSnapshot()
            failure = nil
        } catch {
            state = nil
            failure = error
        }
    }

    deinit {
        if let state { database.releaseSnapshot(state.snapshot, options: state.options) }
    }

    private func options() throws(StoreError) -> OpaquePointer {
        guard let state else { throw failure! }
        return state.options
    }

    func value(for key: [UInt8]) throws(StoreError) -> [UInt8]? {
        try database.value(for: key, options: options())
    }

    func values(for keys: [[UInt8]]) throws(StoreError) -> [[UInt8]?] {
        try database.values(for: keys, options: options())
    }

    func lendValues(for keys: [[UInt8]], _ body: (_ index: Int, _ value: UnsafeBufferPointer<UInt8>?) throws -> Void) throws {
        try database.lendValues(for: keys, options: options(), body)
    }

    func lendEntries(
        atOrAfter keys: [[UInt8]], prefix: [UInt8],
        stoppingAt stops: (_ wanted: [UInt8], _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool,
        _ body: (_ index: Int, _ key: UnsafeBufferPointer<UInt8>?, _ value: UnsafeBufferPointer<UInt8>?) throws -> Void
    ) throws {
        try database.lendEntries(atOrAfter: keys, prefix: prefix, options: options(), stoppingAt: stops, body)
    }

    func scanInPlace(
        prefix: [UInt8], from start: [UInt8]?,
        _ body: (_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws {
        try database.scanInPlace(prefix: prefix, from: start, options: options(), body)
    }

    func scan(
        prefix: [UInt8], from start: [UInt8]?, reverse: Bool,
        _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool
    ) throws {
        try database.scan(prefix: prefix, from: start, reverse: reverse, options: options(), body)
    }
}

/// Reads through options that verify checksums, to detect damage instead of tolerating it.
private struct VerifyingReader: KeyValueReader, @unchecked Sendable {
    let database: LevelDB
    let options: OpaquePointer

    func value(for key: [UInt8]) throws(StoreError) -> [UInt8]? {
        try database.value(for: key, options: options)
    }

    func values(for keys: [[UInt8]]) throws(StoreError) -> [[UInt8]?] {
        try database.values(for: keys, options: options)
    }

    func lendValues(for keys: [[UInt8]], _ body: (_ index: Int, _ value: UnsafeBufferPointer<UInt8>?) throws -> Void) throws {
        try database.lendValues(for: keys, options: options, body)
    }

    func scanInPlace(
        prefix: [UInt8], from start: [UInt8]?,
        _ body: (_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws {
        try database.scanInPlace(prefix: prefix, from: start, options: options, body)
    }

    func scan(
        prefix: [UInt8], from start: [UInt8]?, reverse: Bool,
        _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool
    ) throws {
        try database.scan(prefix: prefix, from: start, reverse: reverse, options: options, body)
    }
}
