/// Brings a store written under an older key schema (``Keys``) up to the current one, in place,
/// when it is opened.
///
/// Every step can be interrupted and run again: each batch moves records whole (the new key and
/// the old key's deletion together), and the schema version changes in the last batch only.
struct SchemaMigration {
    let keyValues: any OrderedKeyValueStore
    let path: String
    /// Events moved per batch.
    static let batchEntries = 10_000
    /// Bytes of tastes moved per batch.
    static let batchBytes = 32 << 20

    func migrate(from version: UInt32) throws {
        if version < 2 { try moveUserRecordsIntoUserRanges() }
    }

    /// Schema 1 → 2: events from `E·<user>·<time ms>·<seq>` to `U·<user>·event·<time ms>·<seq>`,
    /// tastes from `S·<user>` to `U·<user>·taste`, and `M·counts` without the counts of users and
    /// events (``StoreCounts`` version 2).
    private func moveUserRecordsIntoUserRanges() throws {
        try moveEvents()
        try moveTastes()
        var batch = KeyValueBatch()
        if let bytes = try keyValues.value(for: Keys.counts) {
            do throws(RecordCodec.Failure) {
                batch.put(try StoreCounts(record: bytes).encoded(), for: Keys.counts)
            } catch {
                throw FolioError.unreadable(error, inStoreAt: path, advice: "run `folio repair`")
            }
        }
        batch.put(FolioStore.schemaRecord(2), for: Keys.schema)
        try keyValues.write(batch, durable: true)
    }

    private func moveEvents() throws {
        var resume: [UInt8]? = nil
        while true {
            var batch = KeyValueBatch()
            var last: [UInt8]?
            try keyValues.scan(prefix: Keys.schema1Events, from: resume, reverse: false) { key, value in
                let user = Keys.component(after: Keys.schema1Events, in: key)
                let rest = key[(Keys.schema1Events.count + user.utf8.count + 1)...]
                batch.put(value, for: Keys.events(of: user) + rest)
                batch.delete(key)
                last = key
                return batch.operations.count < 2 * Self.batchEntries
            }
            guard let last else { break }
            try keyValues.write(batch, durable: false)
            resume = last + [0]
        }
    }

    /// Schema 1 kept an older taste at `U·<user>·taste`, the key tastes now take, until the user's
    /// next training: those of users without an `S` taste are deleted. Tastes are caches, so one
    /// lost to an interrupted run (moved, then deleted as such on the next) is only trained again.
    private func moveTastes() throws {
        var moved: Set<String> = []
        while true {
            var batch = KeyValueBatch()
            // Tastes are few and large: each pass starts again at the first one left.
            try keyValues.scan(prefix: Keys.schema1Tastes) { key, value in
                let user = Keys.component(after: Keys.schema1Tastes, in: key)
                batch.put(value, for: Keys.taste(of: user))
                batch.delete(key)
                moved.insert(user)
                return batch.byteCount < Self.batchBytes
            }
            if batch.isEmpty { break }
            try keyValues.write(batch, durable: false)
        }
        var batch = KeyValueBatch()
        for user in try FolioStore.users(in: keyValues) where !moved.contains(user) {
            batch.delete(Keys.taste(of: user))
        }
        try keyValues.write(batch, durable: false)
    }
}
