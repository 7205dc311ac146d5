import Foundation

/// What `folio doctor` found: problems in plain words, and how much was checked.
public struct HealthReport: Sendable, Codable, Equatable {
    /// Each problem found, in plain words; empty when the store is sound.
    public var problems: [String]
    /// How many records of each kind were checked.
    public var checked: [String: Int]

    public var isHealthy: Bool { problems.isEmpty }
}

/// What `folio repair` did.
public struct RepairReport: Sendable, Codable, Equatable {
    public var papersKept: Int
    public var papersDropped: Int
    public var eventsKept: Int
    public var eventsDropped: Int
    public var queuesDropped: Int
    /// Papers lost to the damage that kept events still name, sorted. The events stay (acknowledged
    /// feedback is never dropped) and count again once these papers are ingested again.
    public var papersNamedByEventsButLost: [String] = []
    /// Entries in damaged blocks that LevelDB's repair kept and a checksum-verifying read refused,
    /// deleted before anything was rebuilt.
    public var damagedEntriesDropped = 0
}

/// The papers a repair could not save but events still name (``Keys/lostPapers``).
enum LostPapers {
    static func read(from reader: any KeyValueReader) throws -> Set<String> {
        guard let bytes = try reader.value(for: Keys.lostPapers) else { return [] }
        var record = BinaryReader(bytes)
        return Set((try? record.strings()) ?? [])
    }

    static func write(_ ids: [String], to batch: inout KeyValueBatch) {
        guard !ids.isEmpty else { return batch.delete(Keys.lostPapers) }
        var writer = BinaryWriter()
        writer.strings(ids)
        batch.put(writer.bytes, for: Keys.lostPapers)
    }
}

/// Verifies a store from first principles: every checksum, every record, every index entry both
/// ways, the corpus statistics and the counts, against a full scan.
struct Doctor {
    let store: FolioStore
    let reader: any KeyValueReader
    let analyzer: TextAnalyzer
    let fsrs: FSRS
    let dailyBudget: Int

    /// Problems beyond this many are summarised, so a badly damaged store still gives a readable report.
    static let maximumListed = 50

    func examine() -> HealthReport {
        var problems: [String] = []
        var checked: [String: Int] = [:]
        func problem(_ text: String) {
            if problems.count < Self.maximumListed { problems.append(text) } else if problems.count == Self.maximumListed {
                problems.append("… and more problems; run `folio repair`")
            }
        }
        do {
            try examine(problem: problem, checked: &checked)
        } catch {
            problem("the store cannot be read to the end: \(error)")
        }
        return HealthReport(problems: problems, checked: checked)
    }

    private func examine(problem: (String) -> Void, checked: inout [String: Int]) throws {
        // Schema and interrupted work.
        if let bytes = try reader.value(for: Keys.schema) {
            var schema = BinaryReader(bytes)
            if (try? schema.bigEndian32()) != Keys.schemaVersion { problem("the schema version record is unreadable or not \(Keys.schemaVersion)") }
        } else {
            problem("the schema version record is missing")
        }
        if let marker = try reader.value(for: Keys.ingestInProgress) {
            problem("an ingest of \(String(decoding: marker, as: UTF8.self)) was interrupted; run `folio ingest` on that file again to complete it")
        }
        let counts: StoreCounts
        if let bytes = try reader.value(for: Keys.counts), let decoded = try? StoreCounts(record: bytes) {
            counts = decoded
        } else {
            problem("the counts record is missing or damaged")
            counts = StoreCounts()
        }

        // Every key, through checksum-verifying reads.
        var keys = 0
        try reader.scan(prefix: []) { _, _ in keys += 1; return true }
        checked["keys"] = keys

        // Papers and their derived records.
        var papers: [String: Paper] = [:]
        var documentFrequency: [UInt32: Int] = [:]
        var occurrences = 0
        try reader.scan(prefix: Keys.papers) { key, value in
            let id = Keys.component(after: Keys.papers, in: key)
            guard let paper = try? Paper(record: value), paper.id == id else {
                problem("paper \(id): its record cannot be read")
                return true
            }
            papers[id] = paper
            guard let bytes = try reader.value(for: Keys.paperTerms(id)), let terms = try? PaperTerms(record: bytes) else {
                problem("paper \(id): its term record is missing or damaged")
                return true
            }
            if terms.published != paper.published || terms.dailyPages != paper.dailyPageCount {
                problem("paper \(id): its term record disagrees with the paper (date or page count)")
            }
            for term in terms.distinctTerms { documentFrequency[term, default: 0] += 1 }
            occurrences += terms.titleTerms.count + terms.abstractTerms.count
            if try reader.value(for: Keys.title(TextAnalyzer.normalizedTitle(paper.title))).map({ String(decoding: $0, as: UTF8.self) }) == nil {
                problem("paper \(id): its title is not indexed")
            }
            for day in Set(paper.appearances.map(\.day)) where try reader.value(for: Keys.day(day, paper: id)) == nil {
                problem("paper \(id): its listing on \(day) is not indexed")
            }
            for alias in paper.aliases where try reader.value(for: Keys.alias(alias)).map({ String(decoding: $0, as: UTF8.self) }) != id {
                problem("paper \(id): its other id \(alias) does not lead to it")
            }
            return true
        }
        checked["papers"] = papers.count
        if counts.papers != papers.count { problem("the count of papers says \(counts.papers), a full scan finds \(papers.count)") }
        if counts.termOccurrences != occurrences { problem("the count of term occurrences says \(counts.termOccurrences), a full scan finds \(occurrences)") }

        // Index entries point back at papers that agree with them.
        var indexEntries = 0
        try reader.scan(prefix: Keys.titleIndex) { key, value in
            indexEntries += 1
            let target = String(decoding: value, as: UTF8.self)
            if papers[target] == nil { problem("the title index entry \"\(Keys.lastComponent(of: key).prefix(60))\" points to missing paper \(target)") }
            return true
        }
        try reader.scan(prefix: Keys.aliasIndex) { key, value in
            indexEntries += 1
            let alias = Keys.component(after: Keys.aliasIndex, in: key), target = String(decoding: value, as: UTF8.self)
            if papers[target]?.aliases.contains(alias) != true { problem("the other id \(alias) points to \(target), which does not list it") }
            return true
        }
        try reader.scan(prefix: Keys.dayIndex) { key, _ in
            indexEntries += 1
            guard let (day, id) = Keys.decodeDayKey(key) else {
                problem("a date index entry cannot be read")
                return true
            }
            if let paper = papers[id] {
                if !paper.appearances.contains(where: { $0.day == day }) && paper.published != day { problem("the date index lists \(id) on \(day), when it was not listed that day") }
            } else {
                problem("the date index lists missing paper \(id) on \(day)")
            }
            return true
        }
        var sampled = 0
        try reader.scan(prefix: Keys.sampleIndex) { key, _ in
            indexEntries += 1
            sampled += 1
            if let id = Keys.decodeSampleKey(key), papers[id] != nil, key == Keys.sample(id) { return true }
            problem("a sample index entry does not match a paper")
            return true
        }
        if sampled != papers.count { problem("the sample index holds \(sampled) papers, the store \(papers.count)") }
        checked["index entries"] = indexEntries

        // Vocabulary: document frequencies match the papers' terms; names match ids.
        var vocabulary = 0
        var miscounted: [String] = []
        try reader.scan(prefix: Keys.vocabulary) { key, value in
            vocabulary += 1
            let term = Keys.lastComponent(of: key)
            guard let entry = try? TermEntry(record: value) else {
                problem("the vocabulary entry of \"\(term)\" cannot be read")
                return true
            }
            if entry.documentFrequency != documentFrequency[entry.id, default: 0] {
                miscounted.append("\"\(term)\" counted in \(entry.documentFrequency), found in \(documentFrequency[entry.id, default: 0])")
            }
            if try reader.value(for: Keys.termName(entry.id)).map({ String(decoding: $0, as: UTF8.self) }) != term {
                problem("term \"\(term)\" has no matching name record for its id \(entry.id)")
            }
            return true
        }
        if !miscounted.isEmpty {
            problem("\(miscounted.count) terms have wrong paper counts (\(miscounted.prefix(3).joined(separator: "; "))\(miscounted.count > 3 ? "; …" : ""))")
        }
        checked["terms"] = vocabulary
        if counts.terms != vocabulary { problem("the count of terms says \(counts.terms), a full scan finds \(vocabulary)") }

        // Postings name stored papers.
        var postings = 0
        try reader.scan(prefix: Keys.postingsPrefix) { key, value in
            postings += 1
            guard let list = try? PostingChunk.decode(value) else {
                problem("a postings record cannot be read")
                return true
            }
            if let missing = list.first(where: { papers[$0.paperID] == nil }) { problem("a postings record names missing paper \(missing.paperID)") }
            return true
        }
        checked["posting chunks"] = postings

        // Users: profiles, event logs in order, queues.
        var events = 0, users = 0, queues = 0
        // Papers a repair could not save: the events that name them were kept on purpose.
        let lost = try LostPapers.read(from: reader)
        for user in try store.users() {
            var logged = 0
            var lastKey: [UInt8] = []
            try reader.scan(prefix: Keys.events(of: user)) { key, value in
                logged += 1
                if !lastKey.isEmpty && !lastKey.lexicographicallyPrecedes(key) { problem("the event log of \(user) is out of order") }
                lastKey = key
                guard let event = try? Event(user: user, record: value) else {
                    problem("an event of \(user) cannot be read")
                    return true
                }
                if !event.paperID.isEmpty && papers[event.paperID] == nil && !lost.contains(event.paperID) {
                    problem("an event of \(user) names missing paper \(event.paperID)")
                }
                return true
            }
            events += logged
            if let bytes = try reader.value(for: Keys.userProfile(user)) {
                users += 1
                if let profile = try? UserProfile(record: bytes) {
                    if profile.eventCount != logged { problem("the profile of \(user) counts \(profile.eventCount) events, the log holds \(logged)") }
                } else {
                    problem("the profile of \(user) cannot be read")
                }
            } else if logged > 0 {
                problem("\(user) has events but no profile")
            }
            if let stored = try? store.schedule(of: user, in: reader) {
                let replayed = ResurfacingSchedule.replay(try store.events(of: user), fsrs: fsrs, dailyBudget: dailyBudget)
                if stored.cards != replayed.cards || stored.vacations != replayed.vacations {
                    problem("the resurfacing schedule of \(user) differs from a replay of the log; `folio doctor --rebuild` rebuilds it")
                }
            } else {
                problem("the resurfacing schedule of \(user) cannot be read; `folio doctor --rebuild` rebuilds it")
            }
            try reader.scan(prefix: Keys.queues(of: user)) { _, value in
                queues += 1
                if (try? JSONDecoder().decode(DailyQueue.self, from: Data(value))) == nil { problem("a stored queue of \(user) cannot be read") }
                return true
            }
        }
        checked["events"] = events
        checked["users"] = users
        checked["queues"] = queues
    }
}

/// Rebuilds everything derived from papers and the event log: terms, indexes, statistics, postings,
/// counts and profiles. Records that cannot be read are dropped and counted.
struct Rebuilder {
    let store: FolioStore
    let analyzer: TextAnalyzer
    let fsrs: FSRS
    let dailyBudget: Int
    /// Papers re-indexed per batch.
    static let batchPapers = 5000

    func rebuild() throws -> RepairReport {
        var report = RepairReport(papersKept: 0, papersDropped: 0, eventsKept: 0, eventsDropped: 0, queuesDropped: 0)
        // Keep the schema and the records that are the truth; remove what is derived.
        for prefix in [Keys.paperTermsPrefix, Keys.titleIndex, Keys.aliasIndex, Keys.dayIndex, Keys.sampleIndex, Keys.vocabulary, Keys.termNames, Keys.postingsPrefix,
                       Keys.rankingPrefix, Keys.paperVectors] {
            try deleteAll(prefix: prefix)
        }
        var batch = KeyValueBatch()
        batch.put(StoreCounts().encoded(), for: Keys.counts)
        batch.delete(Keys.ingestInProgress)
        try store.keyValues.write(batch, durable: true)

        var ingester = try Ingester(store: store, analyzer: analyzer)
        var damaged: [[UInt8]] = []
        var pending = 0
        try store.keyValues.scan(prefix: Keys.papers) { key, value in
            guard let paper = try? Paper(record: value), (try? ingester.restoreReplacing(paper)) != nil else {
                damaged.append(key)
                return true
            }
            report.papersKept += 1
            pending += 1
            if pending >= Self.batchPapers {
                try ingester.commit(durable: false, marker: nil)
                pending = 0
            }
            return true
        }
        try ingester.commit(durable: true, marker: nil)
        report.papersDropped = damaged.count

        // Events: drop what cannot be read, then recount each user's log into a new profile.
        var cleanup = KeyValueBatch()
        for key in damaged { cleanup.delete(key) }
        // Embeddings are derived too, but cost a neural network pass each: those of the papers that
        // survive are kept, the rest (and any unreadable one) go; `folio embed --backfill` fills gaps.
        try store.keyValues.scan(prefix: Keys.paperEmbeddings) { key, value in
            let id = Keys.component(after: Keys.paperEmbeddings, in: key)
            let readable = (try? PaperEmbedding.decode(value)) != nil
            if try !readable || !store.keyValues.contains(Keys.paperTerms(id)) { cleanup.delete(key) }
            return true
        }
        var users: [String: (count: Int, next: UInt32, first: Day)] = [:]
        var named: Set<String> = []
        try store.keyValues.scan(prefix: Keys.users) { key, value in
            let user = Keys.component(after: Keys.users, in: key)
            if key.starts(with: Keys.events(of: user)) {
                guard let event = try? Event(user: user, record: value) else {
                    cleanup.delete(key)
                    report.eventsDropped += 1
                    return true
                }
                let sequence = key.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                var entry = users[user] ?? (0, 0, Day(event.time))
                entry.count += 1
                entry.next = max(entry.next, sequence &+ 1)
                entry.first = min(entry.first, Day(event.time))
                users[user] = entry
                report.eventsKept += 1
                if !event.paperID.isEmpty { named.insert(event.paperID) }
            } else if key == Keys.userProfile(user) || key == Keys.schedule(of: user) || key == Keys.taste(of: user) {
                // Rebuilt below from the log; a taste is a cache, trained again on the next ranking call.
                cleanup.delete(key)
            } else if key.starts(with: Keys.queues(of: user)), (try? JSONDecoder().decode(DailyQueue.self, from: Data(value))) == nil {
                cleanup.delete(key)
                report.queuesDropped += 1
            }
            return true
        }
        report.papersNamedByEventsButLost = try named.filter { try !store.keyValues.contains(Keys.paper($0)) }.sorted()
        LostPapers.write(report.papersNamedByEventsButLost, to: &cleanup)
        for (user, entry) in users {
            var profile = UserProfile(firstSeen: entry.first)
            profile.eventCount = entry.count
            profile.nextEventSequence = entry.next
            cleanup.put(profile.encoded(), for: Keys.userProfile(user))
        }
        try store.keyValues.write(cleanup, durable: true)
        for user in users.keys.sorted() { try store.rebuildSchedule(of: user, fsrs: fsrs, dailyBudget: dailyBudget) }
        return report
    }

    private func deleteAll(prefix: [UInt8]) throws {
        var batch = KeyValueBatch()
        try store.keyValues.scan(prefix: prefix) { key, _ in
            batch.delete(key)
            if batch.byteCount > 4 << 20 {
                try store.keyValues.write(batch, durable: false)
                batch = KeyValueBatch()
            }
            return true
        }
        try store.keyValues.write(batch, durable: false)
    }
}
