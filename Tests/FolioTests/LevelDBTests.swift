import Foundation
import Testing
@testable import Folio

@Suite("LevelDB wrapper")
struct LevelDBTests {
    let directory = TemporaryDirectory("leveldb")

    func open(_ options: LevelDB.Options = LevelDB.Options()) throws -> LevelDB {
        try LevelDB(path: directory.subpath("db"), options: options)
    }

    @Test func missingKeyIsNilAndEmptyValueIsEmpty() throws {
        let db = try open()
        var batch = KeyValueBatch()
        batch.put([], for: Array("empty".utf8))
        try db.write(batch, durable: false)
        #expect(try db.value(for: Array("absent".utf8)) == nil)
        #expect(try db.value(for: Array("empty".utf8)) == [])
        #expect(try db.contains(Array("empty".utf8)))
    }

    @Test func valuesAreBinarySafe() throws {
        let db = try open()
        let value: [UInt8] = [0, 1, 0, 255, 0]
        var batch = KeyValueBatch()
        batch.put(value, for: [0, 0, 7])
        try db.write(batch, durable: true)
        #expect(try db.value(for: [0, 0, 7]) == value)
    }

    @Test func batchAppliesInOrderAndAtomically() throws {
        let db = try open()
        var batch = KeyValueBatch()
        batch.put(Array("1".utf8), for: Array("k".utf8))
        batch.delete(Array("k".utf8))
        batch.put(Array("2".utf8), for: Array("k2".utf8))
        try db.write(batch, durable: false)
        #expect(try db.value(for: Array("k".utf8)) == nil)
        #expect(try db.value(for: Array("k2".utf8)) == Array("2".utf8))

        // A batch that fails to apply (the store was closed) leaves nothing behind.
        var second = KeyValueBatch()
        second.put(Array("x".utf8), for: Array("a".utf8))
        second.put(Array("y".utf8), for: Array("b".utf8))
        db.close()
        #expect(throws: StoreError.self) { try db.write(second, durable: true) }
        let reopened = try open()
        #expect(try reopened.value(for: Array("a".utf8)) == nil)
        #expect(try reopened.value(for: Array("k2".utf8)) == Array("2".utf8))
    }

    @Test func settledWritesLeaveTheLogEmptyAndStayReadable() throws {
        let path = directory.subpath("db")
        do {
            let db = try open()
            var batch = KeyValueBatch()
            for index in 0 ..< 2000 { batch.put([UInt8](repeating: UInt8(index % 251), count: 500), for: Array("key \(index)".utf8)) }
            try db.write(batch, durable: true)
            func logBytes() throws -> Int {
                try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".log") }
                    .reduce(0) { $0 + ((try FileManager.default.attributesOfItem(atPath: "\(path)/\($1)")[.size] as? NSNumber)?.intValue ?? 0) }
            }
            #expect(try logBytes() > 1_000_000)
            try db.settleWrites()
            #expect(try logBytes() == 0)
        }
        let reopened = try open()
        #expect(try reopened.value(for: Array("key 1999".utf8)) == [UInt8](repeating: UInt8(1999 % 251), count: 500))
    }

    @Test func settlingWaitsForTheCompactionsBulkWritesCause() throws {
        var options = LevelDB.Options()
        options.writeBufferBytes = 1 << 20
        let db = try open(options)
        // Incompressible values in batches larger than the write buffer: each becomes a level-0 table
        // spanning every key, faster than one compaction thread merges them.
        var random = SplitMix64(seed: 11)
        for round in 0 ..< 40 {
            var batch = KeyValueBatch()
            for index in 0 ..< 1000 {
                let words = (0 ..< 64).map { _ in random.next() }
                batch.put(words.withUnsafeBytes { Array($0) }, for: Array("key \(index * 31 % 1000) \(round)".utf8))
            }
            try db.write(batch, durable: false)
        }
        // 20 MB written faster than one thread compacts them (so the wait below has work to wait for,
        // on any machine this runs on so far; the check after settling holds either way).
        let owedCompaction = LevelDB.levelsOverTarget(inTableListing: try db.tableListing())
        try db.settleWrites()
        let listing = try db.tableListing()
        #expect(listing.contains("--- level 1 ---") && listing.contains(":"), "the writes are in tables")
        #expect(!LevelDB.levelsOverTarget(inTableListing: listing), "owed compaction before: \(owedCompaction); \(listing.prefix(600))")
        #expect(try db.value(for: Array("key 0 39".utf8))?.count == 512)
    }

    @Test func levelsOverTargetAsLevelDBJudgesThem() {
        func listing(_ levels: [[Int]]) -> String {
            levels.enumerated().map { level, sizes in
                "--- level \(level) ---\n" + sizes.enumerated().map { " \(100 + $0):\($1)['a' @ 1 : 1 .. 'b' @ 2 : 1]\n" }.joined()
            }.joined()
        }
        let mebibyte = 1 << 20
        #expect(!LevelDB.levelsOverTarget(inTableListing: ""))
        #expect(!LevelDB.levelsOverTarget(inTableListing: listing([[5, 5, 5], [], [mebibyte]])))
        #expect(LevelDB.levelsOverTarget(inTableListing: listing([[5, 5, 5, 5]])), "four level-0 tables")
        #expect(!LevelDB.levelsOverTarget(inTableListing: listing([[], [5 * mebibyte, 5 * mebibyte - 1]])))
        #expect(LevelDB.levelsOverTarget(inTableListing: listing([[], [5 * mebibyte, 5 * mebibyte]])), "10 MiB in level 1")
        #expect(!LevelDB.levelsOverTarget(inTableListing: listing([[], [mebibyte], Array(repeating: 2 * mebibyte, count: 49)])))
        #expect(LevelDB.levelsOverTarget(inTableListing: listing([[], [mebibyte], Array(repeating: 2 * mebibyte, count: 50)])), "100 MiB in level 2")
        #expect(!LevelDB.levelsOverTarget(inTableListing: listing([[], [], [], Array(repeating: 2 * mebibyte, count: 499)])), "level 3 holds 1,000 MiB")

        // The level summary gives whole MiB: a level at its target's MiB could be either side of it.
        func statistics(_ rows: [(level: Int, tables: Int, mebibytes: Int)]) -> String {
            "                               Compactions\nLevel  Files Size(MB) Time(sec) Read(MB) Write(MB)\n"
                + "--------------------------------------------------\n"
                + rows.map { String(format: "%3d %8d %8d %9d %8d %9d\n", $0.level, $0.tables, $0.mebibytes, 3, 40, 40) }.joined()
        }
        #expect(LevelDB.levelsOverTarget(inStatistics: statistics([])) == false)
        #expect(LevelDB.levelsOverTarget(inStatistics: statistics([(0, 3, 1), (1, 5, 9), (2, 50, 99), (3, 400, 800)])) == false)
        #expect(LevelDB.levelsOverTarget(inStatistics: statistics([(0, 4, 0), (2, 50, 20)])) == true)
        #expect(LevelDB.levelsOverTarget(inStatistics: statistics([(1, 6, 11)])) == true)
        #expect(LevelDB.levelsOverTarget(inStatistics: statistics([(1, 6, 10)])) == nil)
        #expect(LevelDB.levelsOverTarget(inStatistics: statistics([(1, 6, 10), (3, 600, 1_001)])) == true)
        #expect(LevelDB.levelsOverTarget(inStatistics: statistics([(2, 60, 100)])) == nil)
    }

    @Test func theLevelSummaryIsReadAsLevelDBWritesIt() throws {
        let db = try open()
        var batch = KeyValueBatch()
        for index in 0 ..< 2_000 { batch.put(Array(repeating: UInt8(index % 251), count: 1_000), for: Array("key \(index)".utf8)) }
        try db.write(batch, durable: false)
        try db.settleWrites()
        let summary = try db.levelStatistics()
        #expect(summary.contains("Level  Files Size(MB)"), "\(summary)")
        #expect(LevelDB.levelsOverTarget(inStatistics: summary) == false)
        // The settled write went out to a table: a row for its level, with one table or more.
        let rows = summary.split(separator: "\n").compactMap { line -> [Int]? in
            let fields = line.split(separator: " ").compactMap { Int($0) }
            return fields.count == 6 ? fields : nil
        }
        #expect(rows.contains { $0[1] >= 1 }, "\(summary)")
    }

    @Test func stagedWritesAreReadBackAndCommitTheLastWriteOfEachKeyInFirstStagedOrder() throws {
        let db = try open()
        var stored = KeyValueBatch()
        stored.put(Array("old".utf8), for: Array("b".utf8))
        stored.put(Array("kept".utf8), for: Array("c".utf8))
        try db.write(stored, durable: false)

        var staged = StagedWrites(base: db)
        staged.put(Array("1".utf8), for: Array("z".utf8))
        staged.put(Array("new".utf8), for: Array("b".utf8))
        staged.delete(Array("c".utf8))
        staged.put(Array("2".utf8), for: Array("z".utf8))
        staged.put(Array("3".utf8), for: Array("a".utf8))
        #expect(try staged.value(for: Array("z".utf8)) == Array("2".utf8))
        #expect(try staged.value(for: Array("b".utf8)) == Array("new".utf8))
        #expect(try staged.value(for: Array("c".utf8)) == nil)
        #expect(try db.value(for: Array("b".utf8)) == Array("old".utf8))
        #expect(staged.batch().operations == [
            .put(key: Array("z".utf8), value: Array("2".utf8)), .put(key: Array("b".utf8), value: Array("new".utf8)),
            .delete(key: Array("c".utf8)), .put(key: Array("a".utf8), value: Array("3".utf8)),
        ])
        try db.write(staged.batch(), durable: false)
        #expect(try db.value(for: Array("c".utf8)) == nil && db.value(for: Array("a".utf8)) == Array("3".utf8))

        staged.removeAll()
        #expect(staged.isEmpty && staged.byteCount == 0)
        #expect(try staged.value(for: Array("z".utf8)) == Array("2".utf8))
        #expect(staged.batch().operations.isEmpty)
    }

    @Test func prefixScanIsOrderedBothWays() throws {
        let db = try open()
        var batch = KeyValueBatch()
        for key in ["b/2", "a/1", "b/10", "b/1", "c/1", "b"] { batch.put(Array(key.utf8), for: Array(key.utf8)) }
        try db.write(batch, durable: false)
        var forward: [String] = []
        try db.scan(prefix: Array("b/".utf8)) { key, _ in forward.append(String(decoding: key, as: UTF8.self)); return true }
        #expect(forward == ["b/1", "b/10", "b/2"])
        var backward: [String] = []
        try db.scan(prefix: Array("b/".utf8), from: nil, reverse: true) { key, _ in backward.append(String(decoding: key, as: UTF8.self)); return true }
        #expect(backward == ["b/2", "b/10", "b/1"])
        var fromMiddle: [String] = []
        try db.scan(prefix: Array("b/".utf8), from: Array("b/10".utf8), reverse: true) { key, _ in fromMiddle.append(String(decoding: key, as: UTF8.self)); return true }
        #expect(fromMiddle == ["b/10", "b/1"])
        var stopped: [String] = []
        try db.scan(prefix: Array("b/".utf8)) { key, _ in stopped.append(String(decoding: key, as: UTF8.self)); return false }
        #expect(stopped == ["b/1"])
    }

    @Test func reverseScanOfTheLastPrefixAndOfAll0xFF() throws {
        let db = try open()
        var batch = KeyValueBatch()
        for key: [UInt8] in [[0xFF, 1], [0xFF, 0xFF], [0xFE]] { batch.put(key, for: key) }
        try db.write(batch, durable: false)
        var keys: [[UInt8]] = []
        try db.scan(prefix: [0xFF], from: nil, reverse: true) { key, _ in keys.append(key); return true }
        #expect(keys == [[0xFF, 0xFF], [0xFF, 1]])
    }

    @Test func manyKeysAtOnceReadAsOneLookupEach() throws {
        let db = try open()
        var batch = KeyValueBatch()
        // Every other key of k000…k399 is stored, one of them empty: runs of near keys, with gaps.
        func key(_ number: Int) -> [UInt8] { Array("k\(String(number + 1000).dropFirst())".utf8) }
        for number in stride(from: 0, to: 400, by: 2) { batch.put(number == 40 ? [] : Array("v\(number)".utf8), for: key(number)) }
        try db.write(batch, durable: false)
        let oneByOne = { (keys: [[UInt8]]) throws -> [[UInt8]?] in try keys.map { try db.value(for: $0) } }
        let near = (30 ..< 80).map(key)                                   // stepped to
        let far = [0, 3, 150, 151, 152, 398, 399].map(key) + [Array("z".utf8)] // sought, past the end too
        let unsorted = [300, 2, 2, 300, 41, 40].map(key) + [Array("a".utf8)]    // repeats, backwards, before the start
        func lent(_ reader: any KeyValueReader, _ keys: [[UInt8]]) throws -> [[UInt8]?] {
            var values = [[UInt8]?](repeating: [0xEE], count: keys.count)
            try reader.lendValues(for: keys) { index, value in values[index] = value.map(Array.init) }
            return values
        }
        for keys in [near, far, unsorted, near + far, [key(40)], [key(41)], []] {
            #expect(try db.values(for: keys) == oneByOne(keys))
            #expect(try db.snapshot().values(for: keys) == oneByOne(keys))
            #expect(try lent(db, keys) == oneByOne(keys))
            #expect(try lent(db.snapshot(), keys) == oneByOne(keys))
        }
        #expect(try db.values(for: [key(40), key(41)]) == [[], nil])
    }

    @Test func entriesAtOrAfterKeysStopWhereAskedAndAgreeWithScanning() throws {
        let db = try open()
        var batch = KeyValueBatch()
        // Under prefix "p": every third key of p000…p299 is a "stop" ("S…"), the others are passed over ("x…").
        func key(_ number: Int) -> [UInt8] { Array("p\(String(number + 1000).dropFirst())".utf8) }
        for number in 0 ..< 300 { batch.put(Array((number % 3 == 0 ? "S\(number)" : "x\(number)").utf8), for: key(number)) }
        batch.put(Array("S-other".utf8), for: Array("q000".utf8))
        batch.put(Array("S-before".utf8), for: Array("b000".utf8))
        try db.write(batch, durable: false)
        let stops = { (wanted: [UInt8], key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Bool in
            value.first == UInt8(ascii: "S") || key.elementsEqual(wanted)
        }
        // What the first stop at or after each key is, by a scan each.
        func expected(_ keys: [[UInt8]]) throws -> [[UInt8]?] {
            try keys.map { wanted in
                var found: [UInt8]?
                try db.scanInPlace(prefix: Array("p".utf8), from: wanted) { key, value in
                    guard stops(wanted, key, value) else { return true }
                    found = Array(key) + [0] + Array(value)
                    return false
                }
                return found
            }
        }
        func lent(_ reader: any KeyValueReader, _ keys: [[UInt8]]) throws -> [[UInt8]?] {
            var found = [[UInt8]?](repeating: [0xEE], count: keys.count)
            try reader.lendEntries(atOrAfter: keys, prefix: Array("p".utf8), stoppingAt: stops) { index, key, value in
                found[index] = key.map { Array($0) + [0] + Array(value!) }
            }
            return found
        }
        let near = (30 ..< 80).map(key)                                          // stepped to, passing over others
        let far = [0, 1, 2, 150, 151, 152, 298, 299].map(key) + [Array("p5".utf8)]  // sought; past the last stop
        let unsorted = [200, 4, 5, 4, 200, 7].map(key) + [Array("a".utf8)]          // repeats, backwards, before the prefix
        let passedOver = [4, 5, 4, 5, 6].map(key)                                   // a key among those just passed over
        for keys in [near, far, unsorted, passedOver, near + far, [key(40)], [key(299)], []] {
            let truth = try expected(keys)
            #expect(try lent(db, keys) == truth)
            #expect(try lent(db.snapshot(), keys) == truth)
            #expect(try lent(db.verifyingReader(), keys) == truth)  // the protocol's plain implementation
        }
        #expect(try lent(db, [Array("p2985".utf8)]) == [nil], "a stop past the prefix does not count")
        #expect(try lent(db, [key(40)]) == [key(40) + [0] + Array("x40".utf8)], "the wanted key itself stops")
    }

    @Test func aLentValueIsWhatAPlainReadGives() throws {
        let db = try open()
        var batch = KeyValueBatch()
        let large = (0 ..< 300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        batch.put(large, for: Array("S\u{0}ann".utf8))
        batch.put(Array("longer key".utf8), for: Array("S\u{0}anne".utf8))
        batch.put([], for: Array("S\u{0}bob".utf8))
        try db.write(batch, durable: false)
        for name in ["ann", "anne", "bob", "an", "carl", ""] {
            let key = Array("S\u{0}\(name)".utf8)
            #expect(try db.lendValue(for: key) { $0.map(Array.init) } == db.value(for: key), "key S·\(name)")
            #expect(try db.snapshot().lendValue(for: key) { $0.map(Array.init) } == db.value(for: key), "key S·\(name), snapshot")
        }
    }

    @Test func scanningInPlaceSeesWhatAScanSees() throws {
        let db = try open()
        var batch = KeyValueBatch()
        for key in ["a/1", "b/1", "b/2", "b/3", "b/4", "c/1"] { batch.put(Array("value of \(key)".utf8), for: Array(key.utf8)) }
        batch.put([], for: Array("b/5".utf8))
        try db.write(batch, durable: false)
        func inPlace(_ reader: any KeyValueReader, from start: String?, stopAfter: Int = .max) throws -> [[UInt8]] {
            var seen: [[UInt8]] = []
            try reader.scanInPlace(prefix: Array("b/".utf8), from: start.map { Array($0.utf8) }) { key, value in
                seen.append(Array(key) + [0] + Array(value))
                return seen.count < stopAfter
            }
            return seen
        }
        func copied(from start: String?, stopAfter: Int = .max) throws -> [[UInt8]] {
            var seen: [[UInt8]] = []
            try db.scan(prefix: Array("b/".utf8), from: start.map { Array($0.utf8) }, reverse: false) { key, value in
                seen.append(key + [0] + value)
                return seen.count < stopAfter
            }
            return seen
        }
        for reader: any KeyValueReader in [db, db.snapshot()] {
            #expect(try inPlace(reader, from: nil) == copied(from: nil))
            #expect(try inPlace(reader, from: nil).count == 5)
            #expect(try inPlace(reader, from: "b/3") == copied(from: "b/3"))
            #expect(try inPlace(reader, from: "a") == copied(from: nil))
            #expect(try inPlace(reader, from: "b/2", stopAfter: 2) == copied(from: "b/2", stopAfter: 2))
            #expect(try inPlace(reader, from: "c").isEmpty)
        }
    }

    @Test func snapshotDoesNotSeeLaterWrites() throws {
        let db = try open()
        var batch = KeyValueBatch()
        batch.put([1], for: [1])
        try db.write(batch, durable: false)
        let snapshot = db.snapshot()
        var later = KeyValueBatch()
        later.put([2], for: [1])
        later.put([3], for: [3])
        try db.write(later, durable: false)
        #expect(try snapshot.value(for: [1]) == [1])
        #expect(try snapshot.value(for: [3]) == nil)
        #expect(try db.value(for: [1]) == [2])
    }

    @Test func secondOpenOfTheSameStoreIsLocked() throws {
        let db = try open()
        #expect {
            _ = try LevelDB(path: directory.subpath("db"))
        } throws: { error in
            (error as? StoreError)?.kind == .locked
        }
        db.close()
        // Closing releases the lock.
        _ = try open()
    }

    @Test func missingStoreWithoutCreateIsNotFound() {
        var options = LevelDB.Options()
        options.createIfMissing = false
        #expect {
            _ = try LevelDB(path: directory.subpath("nothing-here"), options: options)
        } throws: { error in
            (error as? StoreError)?.kind == .notFound
        }
    }

    @Test func corruptedTableIsReported() throws {
        let path = directory.subpath("db")
        do {
            let db = try open()
            for round in 0 ..< 4 {
                var batch = KeyValueBatch()
                for index in 0 ..< 500 { batch.put(Array(repeating: UInt8(index % 251), count: 200), for: Array("key-\(round)-\(index)".utf8)) }
                try db.write(batch, durable: true)
            }
            try db.compact()
        }
        let tables = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".ldb") }
        #expect(!tables.isEmpty)
        for table in tables {
            let file = "\(path)/\(table)"
            var bytes = [UInt8](FileManager.default.contents(atPath: file)!)
            for offset in stride(from: 100, to: bytes.count - 100, by: 97) { bytes[offset] ^= 0x5A }
            _ = FileManager.default.createFile(atPath: file, contents: Data(bytes))
        }
        var options = LevelDB.Options()
        options.paranoidChecks = true
        #expect {
            let db = try LevelDB(path: path, options: options)
            try db.verifyingReader().scan(prefix: []) { _, _ in true }
        } throws: { error in
            (error as? StoreError)?.kind == .corrupted
        }
    }

    @Test func damagedBlocksThatStillDecodeAreDroppedAfterRepair() throws {
        let path = directory.subpath("db")
        // Values that do not compress are stored as they are: damage inside one leaves a block that
        // decodes, so only its checksum tells, and LevelDB's repair (which does not verify) keeps it.
        var random = SplitMix64(seed: 7)
        var values: [[UInt8]: [UInt8]] = [:]
        do {
            let db = try open()
            var batch = KeyValueBatch()
            for index in 0 ..< 2000 {
                let key = Array(String(format: "key-%05d", index).utf8)
                values[key] = (0 ..< 300).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                batch.put(values[key]!, for: key)
            }
            try db.write(batch, durable: true)
            try db.compact()
        }
        let table = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".ldb") }.sorted()[0]
        var bytes = [UInt8](FileManager.default.contents(atPath: "\(path)/\(table)")!)
        for offset in bytes.count / 3 ..< bytes.count / 3 + 16 { bytes[offset] ^= 0xA5 }
        #expect(FileManager.default.createFile(atPath: "\(path)/\(table)", contents: Data(bytes)))

        try LevelDB.repair(path: path)
        let db = try open()
        #expect(throws: StoreError.self, "the repair kept the damaged block") { try db.verifyingReader().scan(prefix: []) { _, _ in true } }
        let dropped = try db.dropUnverifiableEntries()
        #expect(dropped > 0 && dropped < 100, "one 4 KB block of 300-byte values")
        var kept = 0
        try db.verifyingReader().scan(prefix: []) { key, value in
            #expect(values[key] == value)
            kept += 1
            return true
        }
        #expect(kept == values.count - dropped)
        #expect(try db.dropUnverifiableEntries() == 0)
    }

    @Test func errorMessagesAreClassified() {
        #expect(StoreError(levelDBMessage: "IO error: lock /x/LOCK: Resource temporarily unavailable", path: "/x").kind == .locked)
        #expect(StoreError(levelDBMessage: "IO error: lock /x/LOCK: already held by process", path: "/x").kind == .locked)
        #expect(StoreError(levelDBMessage: "Corruption: bad block", path: "/x").kind == .corrupted)
        #expect(StoreError(levelDBMessage: "IO error: /x/000005.log: No space left on device", path: "/x").kind == .diskFull)
        #expect(StoreError(levelDBMessage: "IO error: /x/LOCK: Read-only file system", path: "/x").kind == .readOnly)
        #expect(StoreError(levelDBMessage: "Invalid argument: /x: does not exist (create_if_missing is false)", path: "/x").kind == .notFound)
    }
}

@Suite("Key schema and records")
struct RecordTests {
    @Test func keyOrderIsBytewiseOrder() {
        var random = SplitMix64(seed: 11)
        let keys: [[UInt8]] = [[], [0], [0, 0], [1], [255], [1, 0]] + (0 ..< 200).map { _ in (0 ..< Int(random.next() % 5)).map { _ in UInt8(random.next() % 3) } }
        for a in keys {
            for b in keys {
                #expect(a.withUnsafeBufferPointer { Keys.precedes($0, b) } == a.lexicographicallyPrecedes(b))
            }
        }
    }

    @Test func keyAfterPrefix() {
        #expect(Folio.keyAfterPrefix([1, 2]) == [1, 3])
        #expect(Folio.keyAfterPrefix([1, 0xFF]) == [2])
        #expect(Folio.keyAfterPrefix([0xFF, 0xFF]) == nil)
    }

    @Test func dayKeysSortByDateIncludingBeforeEpoch() {
        let days = [Day.iso("1969-12-31"), Day.iso("1970-01-01"), Day.iso("2024-08-14"), Day.iso("2024-08-15")]
        let keys = days.map { Keys.day($0, paper: "x") }
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(Keys.decodeDayKey(Keys.day(Day.iso("2024-08-14"), paper: "2408.01234"))! == (Day.iso("2024-08-14"), "2408.01234"))
    }

    @Test func eventKeysSortByTime() {
        let keys = [Int64(-5), 0, 1_700_000_000_000, 1_700_000_000_001].map { Keys.event(user: "ann", milliseconds: $0, sequence: 0) }
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
        // One user's prefix never covers another whose name extends it.
        #expect(!Keys.event(user: "annie", milliseconds: 0, sequence: 0).starts(with: Keys.events(of: "ann")))
    }

    @Test func paperRoundTrips() throws {
        let paper = Paper(id: "2408.01234", title: "Ünïcode title", abstract: "Abstract with \u{0} nothing odd", authors: ["Jörg Koppitz", "A. B."],
                          categories: ["cs.LG"], links: ["https://x.y"], aliases: ["t-1"], published: .iso("2024-08-14"),
                          appearances: [Appearance(source: "hf-daily", day: .iso("2024-08-14")), Appearance(source: "arxiv", day: .iso("1969-01-01"))])
        #expect(try Paper(record: paper.encoded()) == paper)
    }

    @Test func damagedRecordsAreRejected() {
        let bytes = Paper(id: "x", title: "t", published: .iso("2024-01-01")).encoded()
        #expect(throws: RecordCodec.Failure.self) { try Paper(record: Array(bytes.dropLast())) }
        #expect(throws: RecordCodec.Failure.self) { try Paper(record: bytes + [0]) }
        var newer = bytes
        newer[0] = 99
        #expect(throws: RecordCodec.Failure.self) { try Paper(record: newer) }
        #expect(throws: RecordCodec.Failure.self) { try Paper(record: []) }
    }

    @Test func otherRecordsRoundTrip() throws {
        let event = Event(user: "ann", paperID: "p1", action: .star, time: Date(timeIntervalSince1970: 1_723_600_000.123), value: "good")
        #expect(try Event(user: "ann", record: event.encoded()) == event)
        var counts = StoreCounts()
        counts.papers = 300; counts.terms = 1 << 20; counts.postingChunks = 12; counts.termOccurrences = 9_000_000
        #expect(try StoreCounts(record: counts.encoded()) == counts)
        // Schema 1's record: version 1, with users (2) and events (70,000) between papers and terms.
        var schema1 = BinaryWriter()
        schema1.byte(1)
        for value in [300, 2, 70_000, 1 << 20, 12, 9_000_000] { schema1.varint(value) }
        #expect(try StoreCounts(record: schema1.bytes) == counts)
        let terms = PaperTerms(titleTerms: [1, 2, 70_000], abstractTerms: [], authorTerms: [9], published: .iso("1969-12-30"), dailyPages: 3)
        #expect(try PaperTerms(record: terms.encoded()) == terms)
        #expect(try TermEntry(record: TermEntry(id: 42, documentFrequency: 7).encoded()) == TermEntry(id: 42, documentFrequency: 7))
    }

    @Test(arguments: [
        SparseVector(sortedKeys: (0 ..< 120).filter { $0 % 7 != 3 }, values: (0 ..< 120).filter { $0 % 7 != 3 }.map { Float($0) - 59.5 }), // dense enough: one float per key
        SparseVector(sortedKeys: [3, 900], values: [1, 2]),                       // sparse: keys and values
        SparseVector(sortedKeys: [0, 1, 2], values: [1, 0, 2]),                   // an explicit zero weighs nothing
        SparseVector(sortedKeys: [1 << 40, 1 << 41], values: [1, 2]),             // term-space keys
        SparseVector.empty,
    ])
    func weightsRoundTripInTheirCompactForm(weights: SparseVector) throws {
        var writer = BinaryWriter()
        weights.writeCompact(to: &writer)
        writer.byte(7)
        var reader = BinaryReader(writer.bytes)
        let table = try WeightTable.readCompact(&reader, limit: writer.bytes.count)
        #expect(try reader.byte() == 7)
        #expect(zip(weights.keys, weights.values).allSatisfy { table.weight(of: $0) == $1 })
        #expect(table.vector == SparseVector(sortedKeys: weights.keys.indices.filter { weights.values[$0] != 0 }.map { weights.keys[$0] },
                                             values: weights.values.filter { $0 != 0 }))
        #expect(table.weight(of: 5_000) == 0 && table.weight(of: 1 << 42) == 0)
        var full = BinaryWriter()
        weights.write(to: &full)
        if weights.count > 100 { #expect(writer.bytes.count < full.bytes.count) }
    }

    @Test func instantsAreDatesOrRFC3339DateTimes() {
        let cases: [(String, Double)] = [
            ("2024-08-14", 1_723_593_600),
            (" 2024-08-14T09:30:00Z\n", 1_723_627_800),
            ("2024-08-14t09:30:00z", 1_723_627_800),
            ("2024-08-14T09:30:00.25Z", 1_723_627_800.25),
            ("2024-08-14T11:30:00+02:00", 1_723_627_800),
            ("2024-08-14T04:00:00-05:30", 1_723_627_800),
            ("1969-12-31T23:59:59Z", -1),
            ("2024-02-29T00:00:00Z", 1_709_164_800),
        ]
        for (text, seconds) in cases { #expect(Instant.parse(text)?.timeIntervalSince1970 == seconds, "\(text)") }
        for text in ["yesterday", "2024-08-14T09:30:00", "2024-08-14T24:00:00Z", "2024-08-14T09:60:00Z", "2024-02-30T00:00:00Z",
                     "2024-08-14T09:30:00.Z", "2024-08-14T09:30:00+0200", "2024-08-14T09:30:00+02:00x", "2024-08-14 09:30:00Z",
                     "2024-08-14T9:30:00Z", "2024-08-14T09:30:00ZZ", "2024-08-14T09:30:00.5", ""] {
            #expect(Instant.parse(text) == nil, "\(text)")
        }
    }

    @Test func daysConvertBothWays() {
        for text in ["1970-01-01", "2000-02-29", "2024-12-31", "1969-07-20", "2100-03-01"] {
            #expect(Day.iso(text).description == text)
        }
        #expect(Day(iso: "2023-02-29") == nil)
        #expect(Day(iso: "2024-13-01") == nil)
        #expect(Day(iso: "24-01-01") == nil)
        #expect(Day.iso("2024-03-01").days(until: .iso("2024-02-28")) == -2)
        #expect(Day.latest(month: 8, day: 14, notAfter: .iso("2025-08-13")) == .iso("2024-08-14"))
        #expect(Day.latest(month: 8, day: 14, notAfter: .iso("2025-08-14")) == .iso("2025-08-14"))
        #expect(Day.latest(month: 2, day: 29, notAfter: .iso("2027-03-01")) == .iso("2024-02-29"))
    }
}
