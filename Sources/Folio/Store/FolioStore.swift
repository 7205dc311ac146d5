import Foundation

/// Folio's records on top of an ordered key-value store: papers, vocabulary, events, users.
///
/// Reads only; writes are composed with ``StagedWrites`` by the parts that own them (ingest,
/// feedback) and committed through ``commit(_:durable:)``. Callers serialize read-modify-write
/// sequences (the `Engine` holds a lock), since the store has no transactions.
struct FolioStore: Sendable {
    let keyValues: any OrderedKeyValueStore
    let path: String

    /// Checks the schema version, writing it into a new, empty store.
    init(keyValues: any OrderedKeyValueStore, path: String) throws {
        self.keyValues = keyValues
        self.path = path
        if let stored = try keyValues.value(for: Keys.schema) {
            var reader = BinaryReader(stored)
            let version = (try? reader.bigEndian32()) ?? 0
            guard version != 0 else {
                throw FolioError(.incompatibleStore, "the schema version of the store at \(path) is unreadable; run `folio doctor`")
            }
            guard version <= Keys.schemaVersion else {
                throw FolioError(.incompatibleStore, "the store at \(path) was written by a newer Folio (schema \(version)); this build reads schema \(Keys.schemaVersion) and older. Upgrade folio to open it")
            }
            if version < Keys.schemaVersion {
                try SchemaMigration(keyValues: keyValues, path: path).migrate(from: version)
            }
        } else {
            var isEmpty = true
            try keyValues.scan(prefix: []) { _, _ in isEmpty = false; return false }
            guard isEmpty else {
                throw FolioError(.incompatibleStore, "\(path) holds a LevelDB database that is not a Folio store (it has no schema version)")
            }
            var batch = KeyValueBatch()
            batch.put(Self.schemaRecord(Keys.schemaVersion), for: Keys.schema)
            batch.put(StoreCounts().encoded(), for: Keys.counts)
            try keyValues.write(batch, durable: true)
        }
    }

    /// The value of `M·schema`: the schema version, big-endian.
    static func schemaRecord(_ version: UInt32) -> [UInt8] {
        var writer = BinaryWriter()
        writer.bigEndian(version)
        return writer.bytes
    }

    func commit(_ staged: StagedWrites, durable: Bool) throws {
        guard !staged.isEmpty else { return }
        try keyValues.write(staged.batch(), durable: durable)
    }

    // MARK: Reads

    func counts(in reader: (any KeyValueReader)? = nil) throws -> StoreCounts {
        guard let bytes = try (reader ?? keyValues).value(for: Keys.counts) else { return StoreCounts() }
        return try decoding { () throws(RecordCodec.Failure) in try StoreCounts(record: bytes) }
    }

    func paper(_ id: String, in reader: (any KeyValueReader)? = nil) throws -> Paper? {
        guard let bytes = try (reader ?? keyValues).value(for: Keys.paper(id)) else { return nil }
        return try decoding { () throws(RecordCodec.Failure) in try Paper(record: bytes) }
    }

    func terms(of id: String) throws -> PaperTerms? {
        guard let bytes = try keyValues.value(for: Keys.paperTerms(id)) else { return nil }
        return try decoding { () throws(RecordCodec.Failure) in try PaperTerms(record: bytes) }
    }

    func termName(_ id: UInt32) throws -> String? {
        try keyValues.value(for: Keys.termName(id)).map { String(decoding: $0, as: UTF8.self) }
    }

    func termEntry(_ term: String) throws -> TermEntry? {
        guard let bytes = try keyValues.value(for: Keys.term(term)) else { return nil }
        return try decoding { () throws(RecordCodec.Failure) in try TermEntry(record: bytes) }
    }

    /// The id of the paper that `text` names: an id, an id it was merged from, or an unambiguous id prefix.
    func resolvePaperID(_ text: String) throws -> String {
        let candidate = PaperID.normalized(text)
        guard !candidate.isEmpty, PaperID.problem(with: candidate) == nil else {
            throw FolioError(.unknownPaper, "\"\(text)\" is not a paper id")
        }
        if try keyValues.contains(Keys.paper(candidate)) { return candidate }
        if let target = try keyValues.value(for: Keys.alias(candidate)) { return String(decoding: target, as: UTF8.self) }
        var matches: [String] = []
        try keyValues.scan(prefix: Keys.paper(candidate)) { key, _ in
            matches.append(Keys.component(after: Keys.papers, in: key))
            return matches.count < 6
        }
        switch matches.count {
        case 0:
            throw FolioError(.unknownPaper, "no paper has the id \"\(text)\"; `folio search` finds papers by words, `folio list` shows recent ones")
        case 1:
            return matches[0]
        default:
            let shown = matches.prefix(5).joined(separator: ", ") + (matches.count > 5 ? ", …" : "")
            throw FolioError(.ambiguousPaperID, "\"\(text)\" matches several papers (\(shown)); give more of the id")
        }
    }

    /// Papers listed between `since` and `until` (inclusive), by their latest listing in that range,
    /// newest first, then by id descending.
    func papers(since: Day?, until: Day?, limit: Int?) throws -> [Paper] {
        var ids: [String] = []
        var seen: Set<String> = []
        let start = until.map { Keys.dayIndexStart($0.adding(days: 1)) }
        try keyValues.scan(prefix: Keys.dayIndex, from: start, reverse: true) { key, _ in
            guard let (day, id) = Keys.decodeDayKey(key) else { return true }
            if let until, day > until { return true }
            if let since, day < since { return false }
            if seen.insert(id).inserted { ids.append(id) }
            return limit.map { ids.count < $0 } ?? true
        }
        return try ids.compactMap { try paper($0) }
    }

    /// The papers listed between `first` and `last` (inclusive), each once with its latest listing day
    /// in that range, sorted by id (the order their records are read in).
    func listings(from first: Day, through last: Day) throws -> [(id: String, day: Day)] {
        var listed: [(id: String, day: Day)] = []
        // Read in place: a large store lists thousands of papers a week.
        try keyValues.scanInPlace(prefix: Keys.dayIndex, from: Keys.dayIndexStart(first)) { key, _ in
            guard let (day, id) = Keys.decodeDayKey(key), day <= last else { return false }
            listed.append((id, day))
            return true
        }
        // Sorted once here, which the reads need anyway, rather than hashed into a dictionary: a paper
        // listed on several days then sits in one run, its latest day last.
        listed.sort { $0.id != $1.id ? $0.id < $1.id : $0.day < $1.day }
        var latest: [(id: String, day: Day)] = []
        latest.reserveCapacity(listed.count)
        for listing in listed {
            if latest.last?.id == listing.id { latest[latest.count - 1].day = listing.day } else { latest.append(listing) }
        }
        return latest
    }

    /// The user's events in time order (or newest first with `newestFirst`).
    func events(of user: String, newestFirst: Bool = false, limit: Int? = nil) throws -> [Event] {
        var events: [Event] = []
        try keyValues.scan(prefix: Keys.events(of: user), from: nil, reverse: newestFirst) { _, value in
            events.append(try decoding { () throws(RecordCodec.Failure) in try Event(user: user, record: value) })
            return limit.map { events.count < $0 } ?? true
        }
        return events
    }

    /// Every user with records (a profile, as a rule), sorted: one seek per user, stepping over
    /// each one's log and queues.
    func users(in reader: (any KeyValueReader)? = nil) throws -> [String] {
        try Self.users(in: reader ?? keyValues)
    }

    static func users(in reader: any KeyValueReader) throws -> [String] {
        var users: [String] = []
        var next: [UInt8]? = nil
        repeat {
            var user: String?
            try reader.scan(prefix: Keys.users, from: next, reverse: false) { key, _ in
                user = Keys.component(after: Keys.users, in: key)
                return false
            }
            guard let user else { break }
            users.append(user)
            next = keyAfterPrefix(Keys.records(of: user))
        } while next != nil
        return users
    }

    /// How many users have a profile, and the events their profiles count.
    func userTotals() throws -> (users: Int, events: Int) {
        let reader = keyValues.snapshot()
        var totals = (users: 0, events: 0)
        for user in try users(in: reader) {
            guard let profile = try profile(of: user, in: reader) else { continue }
            totals.users += 1
            totals.events += profile.eventCount
        }
        return totals
    }

    func profile(of user: String, in reader: any KeyValueReader) throws -> UserProfile? {
        guard let bytes = try reader.value(for: Keys.userProfile(user)) else { return nil }
        return try decoding { () throws(RecordCodec.Failure) in try UserProfile(record: bytes) }
    }

    /// The bytes the store's files take on disk.
    func sizeOnDisk() -> Int64 {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: path) else { return 0 }
        return names.reduce(into: Int64(0)) { total, name in
            let attributes = try? manager.attributesOfItem(atPath: (path as NSString).appendingPathComponent(name))
            total += (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        }
    }

    private func decoding<T>(_ body: () throws(RecordCodec.Failure) -> T) throws(FolioError) -> T {
        do {
            return try body()
        } catch {
            throw FolioError.unreadable(error, inStoreAt: path, advice: "run `folio doctor`")
        }
    }

    // MARK: Events

    /// Appends events to their users' logs in one durable batch, creating profiles for new users.
    /// - Parameter derived: adds the writes of state derived from these events to the same batch.
    func append(_ events: [Event], derived: (inout StagedWrites) throws -> Void = { _ in }) throws {
        var staged = StagedWrites(base: keyValues)
        var profiles: [String: UserProfile] = [:]
        for event in events {
            if let problem = UserName.problem(with: event.user) {
                throw FolioError(.invalidArgument, "user \"\(event.user)\": \(problem)")
            }
            var profile = try profiles[event.user] ?? profile(of: event.user, in: keyValues) ?? UserProfile(firstSeen: Day(event.time))
            staged.put(event.encoded(), for: Keys.event(user: event.user, milliseconds: event.milliseconds, sequence: profile.nextEventSequence))
            profile.nextEventSequence &+= 1
            profile.eventCount += 1
            profiles[event.user] = profile
        }
        for (user, profile) in profiles { staged.put(profile.encoded(), for: Keys.userProfile(user)) }
        try derived(&staged)
        try commit(staged, durable: true)
    }
}

/// The rules for user names: they are key components and appear in paths and URLs.
enum UserName {
    static let maximumLength = 64

    static func problem(with name: String) -> String? {
        if name.isEmpty { return "the user name is empty" }
        if name.utf8.count > maximumLength { return "the user name is longer than \(maximumLength) bytes" }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0" ... "9").contains(scalar) || "._-@+".unicodeScalars.contains(scalar)
        }
        return allowed ? nil : "user names may hold letters, digits and . _ - @ + only"
    }
}
