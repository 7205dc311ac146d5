public import Foundation
import Synchronization

/// Folio's front door: a store of papers and reading histories, and everything done with it.
///
/// Open one `Engine` per store directory; it is safe to share across tasks and threads, because
/// every call runs on a serialized core (one caller at a time), which also makes each
/// read-modify-write of the store atomic. LevelDB allows one open handle per directory: a second
/// `Engine`, or another `folio` process, on the same path fails with ``StoreError/Kind/locked``.
///
/// ```swift
/// let engine = try Engine(path: "/tmp/folio-demo")
/// try engine.ingest(files: ["Examples/data/000_3a1c0a7f006a4bb3.txt"])
/// print(try engine.statistics().papers)
/// ```
public final class Engine: Sendable {
    /// How to open a store.
    public struct Options: Sendable {
        /// Create an empty store when none exists at the path.
        public var createIfMissing = true
        /// Verify checksums on every read and fail at the first damage (slower; for checks).
        public var paranoidChecks = false
        /// The numbers that shape ranking: the shipped model unless another is loaded.
        public var rankingModel: RankingModel
        /// How long to wait for another process to release the store before failing with ``StoreError/Kind/locked``.
        public var lockTimeout: Duration
        /// Where the embedding models are: `nil` for the store's own `models/`, else `$FOLIO_MODELS`
        /// (``ModelLibrary/forStore(_:environment:)``).
        public var models: ModelLibrary?

        public init(createIfMissing: Bool = true, paranoidChecks: Bool = false, rankingModel: RankingModel = .standard, lockTimeout: Duration = .seconds(2),
                    models: ModelLibrary? = nil) {
            self.createIfMissing = createIfMissing
            self.paranoidChecks = paranoidChecks
            self.rankingModel = rankingModel
            self.lockTimeout = lockTimeout
            self.models = models
        }
    }

    /// The store's directory.
    public let path: String
    private let core: Mutex<Core?>
    let modelLibrary: ModelLibrary

    /// What the serialized core owns: the database and the models loaded for it.
    struct Core {
        let database: LevelDB
        let store: FolioStore
        let analyzer: TextAnalyzer
        let model: RankingModel
        let fsrs = FSRS()

        var recommender: Recommender { Recommender(store: store, model: model, analyzer: analyzer, fsrs: fsrs) }

        /// Appends events with the schedule they change, in one durable batch.
        func append(_ events: [Event], user: String) throws {
            try store.append(events) { staged in
                try store.stageSchedule(of: user, adding: events, fsrs: fsrs, dailyBudget: model.resurfacing.dailyBudget, into: &staged)
            }
        }
    }

    /// Opens the store in directory `path`, creating it (and its parent directories) if needed.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        modelLibrary = options.models ?? ModelLibrary.forStore(path)
        if options.createIfMissing {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw StoreError(kind: .io, path: path, message: "cannot create the store's directory: \(error.localizedDescription)")
            }
        }
        var settings = LevelDB.Options()
        settings.createIfMissing = options.createIfMissing
        settings.paranoidChecks = options.paranoidChecks
        let database = try StoreOwner.open(path: path, settings: settings, timeout: options.lockTimeout)
        let store = try FolioStore(keyValues: database, path: path)
        core = Mutex(Core(database: database, store: store, analyzer: .standard, model: options.rankingModel))
    }

    /// Closes the store and releases its lock. Later calls fail with ``StoreError/Kind/closed``.
    public func close() {
        core.withLock { core in
            core?.database.close()
            core = nil
        }
    }

    /// Runs `body` on the serialized core.
    func withCore<T>(_ body: (Core) throws -> T) throws -> T {
        try core.withLock { core in
            guard let core else { throw StoreError(kind: .closed, path: path, message: "closed") }
            do {
                return try body(core)
            } catch let failure as RecordCodec.Failure {
                throw FolioError.unreadable(failure, inStoreAt: path, advice: "run `folio doctor`, then `folio repair`")
            }
        }
    }

    // MARK: Papers

    /// Ingests listing files: daily-papers pages, arXiv Atom feeds or JSON Lines.
    ///
    /// Each file is applied atomically: a malformed file throws a ``FolioError`` naming the file and
    /// line, and leaves the store as it was (files before it in `files` stay ingested). Papers that
    /// are already stored, by id or by normalised title, are merged; re-ingesting a file changes nothing.
    /// - Parameters:
    ///   - format: the files' format; detected from each file's first bytes when `nil`.
    ///   - listingDate: the date of daily-papers pages, whose date line has no year: a page that says
    ///     "Aug 14" is dated the latest Aug 14 not after this day (default: `now`).
    ///   - now: today, for records that carry no date.
    ///   - skipInvalid: skip malformed records and report them instead of rejecting the file.
    ///   - progress: called about every megabyte read.
    ///   - embedding: called as papers are embedded, after the files are read, when the sentence
    ///     encoder is installed (``models``): every paper without an embedding gets one.
    ///   - settling: whether to ``settle()`` the store before returning. A caller that ingests again
    ///     at once (or times the two apart) passes `false` and settles after the last ingest.
    @discardableResult
    public func ingest(
        files: [String], format: IngestFormat? = nil, listingDate: Day? = nil, now: Date = Date(),
        skipInvalid: Bool = false, progress: ((IngestProgress) -> Void)? = nil, embedding: ((EmbeddingProgress) -> Void)? = nil,
        settling: Bool = true
    ) throws -> [IngestFileReport] {
        let models = modelLibrary
        return try withCore { core in
            let index = RankingIndex(store: core.store, model: core.model)
            // Within the current ranking space, each paper's vector is written with the paper; once the
            // corpus outgrows the space, the refresh below makes a new one (and re-weights every paper).
            let space = try index.currentSpace()
            let reports = try files.map { file in
                var ingest = FileIngest(path: file, format: format, listingReference: listingDate ?? Day(now),
                                        today: Day(now), skipInvalid: skipInvalid)
                ingest.space = space
                return try ingest.run(store: core.store, analyzer: core.analyzer, progress: progress)
            }
            try index.refreshIfNeeded()
            // Without the model, ingest is exactly what it was; with it, the papers are searchable by
            // meaning as soon as ingest returns. The model loads only when some paper lacks an embedding.
            if models.hasSentenceEncoder {
                _ = try PaperEmbedder.embedMissing(store: core.store, encoder: { try models.sentenceEncoder() }, progress: embedding)
            }
            if settling { try core.store.keyValues.settleWrites() }
            return reports
        }
    }

    /// Brings the store's files into their settled layout: what was written goes out to the storage
    /// engine's tables, and the compactions it made necessary run to the end.
    ///
    /// ``ingest(files:format:listingDate:now:skipInvalid:progress:embedding:settling:)`` does this
    /// itself (about 2 s after 100,000 papers, nothing after a day's listings). A large ingest leaves
    /// more compaction work than a short command lives, and every command would otherwise start it,
    /// abandon it when it closes the store, and run slower beside it.
    public func settle() throws {
        try withCore { core in try core.store.keyValues.settleWrites() }
    }

    /// The paper that `id` names: its id, an id it was merged from, or an unambiguous prefix of its id.
    public func paper(_ id: String) throws -> Paper {
        try withCore { core in
            let resolved = try core.store.resolvePaperID(id)
            guard let paper = try core.store.paper(resolved) else {
                throw FolioError(.unknownPaper, "no paper has the id \"\(id)\"")
            }
            return paper
        }
    }

    /// The index terms Folio derived from a paper's title and abstract, in text order.
    public func indexTerms(of id: String) throws -> (title: [String], abstract: [String]) {
        try withCore { core in
            let resolved = try core.store.resolvePaperID(id)
            guard let terms = try core.store.terms(of: resolved) else { return ([], []) }
            var names: [UInt32: String] = [:]
            func name(_ term: UInt32) throws -> String {
                if let known = names[term] { return known }
                let found = try core.store.termName(term) ?? "#\(term)"
                names[term] = found
                return found
            }
            return (try terms.titleTerms.map(name), try terms.abstractTerms.map(name))
        }
    }

    /// Papers listed between `since` and `until` (both inclusive, either open), newest first.
    public func papers(since: Day? = nil, until: Day? = nil, limit: Int? = nil) throws -> [Paper] {
        try withCore { core in try core.store.papers(since: since, until: until, limit: limit) }
    }

    // MARK: Users and events

    /// Appends one event per paper to `user`'s history, durably: when this returns, the events survive a crash.
    ///
    /// Ids may be ids, unambiguous id prefixes, or `@N` for the N-th item of the user's queue for
    /// the day of `time`. Every id is resolved first; if any is unknown, nothing is recorded.
    @discardableResult
    public func record(_ action: Action, papers ids: [String], user: String, at time: Date = Date(), value: String? = nil) throws -> [Event] {
        try checkUser(user)
        return try withCore { core in
            let events = try ids.map { id in
                Event(user: user, paperID: try resolve(id, user: user, now: time, core: core), action: action, time: time, value: value)
            }
            if action == ResurfacingSchedule.review {
                let schedule = try core.store.schedule(of: user)
                for event in events where schedule.cards[event.paperID]?.state != .review {
                    throw FolioError(.invalidArgument, "\(event.paperID) is not starred, so there is nothing to review; `folio star \(event.paperID)` starts its schedule")
                }
                guard value.flatMap(Grade.init(name:)) != nil else {
                    throw FolioError(.invalidArgument, "a review needs a grade: again, hard, good or easy")
                }
            }
            try core.append(events, user: user)
            return events
        }
    }

    /// Stars papers: the strongest signal of taste, and the first review of their resurfacing schedule.
    /// - Parameters:
    ///   - grade: how well the paper is understood now (default Good), which sets the first interval.
    ///   - priority: orders triage when more starred papers are due than the day's budget.
    @discardableResult
    public func star(_ ids: [String], user: String, at time: Date = Date(), grade: Grade = .good, priority: ScheduleCard.Priority? = nil) throws -> [ScheduleCard] {
        try checkUser(user)
        return try withCore { core in
            var events: [Event] = []
            for id in ids {
                let paper = try resolve(id, user: user, now: time, core: core)
                events.append(Event(user: user, paperID: paper, action: .star, time: time, value: grade.name))
                if let priority { events.append(Event(user: user, paperID: paper, action: ResurfacingSchedule.priority, time: time, value: priority.rawValue)) }
            }
            try core.append(events, user: user)
            let schedule = try core.store.schedule(of: user)
            return events.filter { $0.action == .star }.compactMap { schedule.cards[$0.paperID] }
        }
    }

    /// Records how well a resurfaced paper was remembered, and schedules its next return.
    @discardableResult
    public func review(_ id: String, grade: Grade, user: String, at time: Date = Date()) throws -> ScheduleCard {
        let events = try record(ResurfacingSchedule.review, papers: [id], user: user, at: time, value: grade.name)
        return try schedule(of: events[0].paperID, user: user)!
    }

    /// Keeps starred papers from falling due between `first` and `last` (inclusive): what would, comes after.
    public func vacation(from first: Day, to last: Day, user: String, at time: Date = Date()) throws {
        try checkUser(user)
        guard first <= last else { throw FolioError(.invalidArgument, "the vacation ends (\(last)) before it starts (\(first))") }
        guard first.days(until: last) <= 366 else { throw FolioError(.invalidArgument, "a vacation of more than a year: unstar the papers instead") }
        try withCore { core in
            try core.append([Event(user: user, paperID: "", action: ResurfacingSchedule.vacation, time: time,
                                   value: ResurfacingSchedule.vacationValue(from: first, to: last))], user: user)
        }
    }

    /// The resurfacing schedule of one starred (or formerly starred) paper, if it has one.
    public func schedule(of id: String, user: String) throws -> ScheduleCard? {
        try withCore { core in
            try core.store.schedule(of: user).cards[try core.store.resolvePaperID(id)]
        }
    }

    /// Starred papers due on the day of `now` (overdue included, in triage order) and those coming in the next `days` days.
    public func due(user: String, now: Date = Date(), days: Int = 7) throws -> DueList {
        try withCore { core in
            let schedule = try core.store.schedule(of: user)
            let today = Day(now)
            func item(_ card: ScheduleCard) throws -> DueList.Item {
                let recall = core.fsrs.retrievability(elapsedDays: card.lastReview.days(until: max(today, card.due)), stability: card.stability)
                return DueList.Item(card: card, title: try core.store.paper(card.paperID)?.title ?? "", recallChance: recall)
            }
            return DueList(date: today, budget: core.model.resurfacing.dailyBudget,
                           due: try schedule.due(on: today, fsrs: core.fsrs).map { try item($0.card) },
                           upcoming: try schedule.upcoming(after: today, through: today.adding(days: days)).map(item))
        }
    }

    /// Replays `user`'s log into a fresh resurfacing schedule and stores it.
    /// - Returns: whether the schedule that was stored before equals the replay.
    @discardableResult
    public func rebuildSchedule(user: String) throws -> Bool {
        try withCore { core in
            let before = try core.store.schedule(of: user)
            let after = try core.store.rebuildSchedule(of: user, fsrs: core.fsrs, dailyBudget: core.model.resurfacing.dailyBudget)
            return before == after
        }
    }

    /// The paper id that `reference` names for `user`: `@N` is the N-th item of the day's queue.
    private func resolve(_ reference: String, user: String, now: Date, core: Core) throws -> String {
        guard reference.hasPrefix("@") else { return try core.store.resolvePaperID(reference) }
        guard let position = Int(reference.dropFirst()), position >= 1 else {
            throw FolioError(.invalidArgument, "\"\(reference)\" is not a queue position; expected @1, @2, …")
        }
        let queue = try core.recommender.queue(user: user, day: Day(now), now: now, limit: nil, refresh: false)
        guard position <= queue.items.count else {
            throw FolioError(.invalidArgument, "\(reference): today's queue (\(queue.date)) has \(queue.items.count) items")
        }
        return queue.items[position - 1].id
    }

    private func checkUser(_ user: String) throws {
        if let problem = UserName.problem(with: user) { throw FolioError(.invalidArgument, "user \"\(user)\": \(problem)") }
    }

    /// Adds free-text interests ("diffusion models, kv cache") that steer `user`'s ranking like liked papers.
    public func addInterests(_ texts: [String], user: String, at time: Date = Date()) throws {
        try checkUser(user)
        let texts = texts.flatMap { $0.split(separator: ",") }.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !texts.isEmpty else { throw FolioError(.invalidArgument, "no interest given; expected text such as \"diffusion models, kv cache\"") }
        try withCore { core in
            try core.append(texts.map { Event(user: user, paperID: "", action: UserFeedback.interest, time: time, value: $0) }, user: user)
        }
    }

    /// Removes interests added before.
    public func removeInterests(_ texts: [String], user: String, at time: Date = Date()) throws {
        try checkUser(user)
        let current = try interests(user: user, now: time)
        let texts = texts.flatMap { $0.split(separator: ",") }.map { $0.trimmingWhitespace() }
        for text in texts where !current.contains(text) {
            throw FolioError(.invalidArgument, "\"\(text)\" is not one of \(user)'s interests (\(current.joined(separator: "; ")))")
        }
        try withCore { core in
            try core.append(texts.map { Event(user: user, paperID: "", action: UserFeedback.interestRemoved, time: time, value: $0) }, user: user)
        }
    }

    /// The interests in force for `user` at `now`.
    public func interests(user: String, now: Date = Date()) throws -> [String] {
        try withCore { core in UserFeedback(events: try core.store.events(of: user), now: now).interests }
    }

    // MARK: Ranking

    /// The whole catalogue ranked by `user`'s taste alone (no recency, no resurfacing), without the
    /// papers they already reacted to. With no feedback yet: the most listed, then the newest.
    public func recommend(user: String, now: Date = Date(), limit: Int = 50) throws -> [RankedPaper] {
        try checkUser(user)
        return try withCore { core in try core.recommender.recommend(user: user, now: now, limit: limit) }
    }

    /// The reading queue of `user` for the day of `now`.
    ///
    /// Made once a day and stored: asking again the same day gives the same items, marked with the
    /// reactions given since; `refresh` makes it anew from the current feedback.
    public func today(user: String, now: Date = Date(), limit: Int? = nil, refresh: Bool = false) throws -> DailyQueue {
        try checkUser(user)
        return try withCore { core in
            try core.recommender.queue(user: user, day: Day(now), now: now, limit: limit, refresh: refresh)
        }
    }

    /// Papers most like `id` by content.
    public func similar(to id: String, user: String, now: Date = Date(), limit: Int = 10) throws -> [RankedPaper] {
        try withCore { core in
            let resolved = try resolve(id, user: user, now: now, core: core)
            return try core.recommender.similar(to: resolved, user: user, now: now, limit: limit)
        }
    }

    /// Papers matching the words of `query`, best first (BM25 over titles and abstracts).
    public func search(_ query: String, limit: Int = 20) throws -> [RankedPaper] {
        try withCore { core in
            let search = KeywordSearch(store: core.store, analyzer: core.analyzer, settings: core.model.search)
            return try search.search(query, limit: limit).map { hit in
                let paper = try core.store.paper(hit.id)
                let forms = core.analyzer.surfaceForms((paper?.title ?? "") + "\n" + (paper?.abstract ?? ""), of: Set(hit.matchedTerms))
                return RankedPaper(id: hit.id, title: paper?.title ?? "", score: (hit.score * 1000).rounded() / 1000,
                                   reasons: ["matches: " + hit.matchedTerms.map { forms[$0] ?? $0 }.joined(separator: ", ")])
            }
        }
    }

    /// The user's events, newest first.
    public func history(user: String, limit: Int? = nil) throws -> [Event] {
        try withCore { core in try core.store.events(of: user, newestFirst: true, limit: limit) }
    }

    /// Every user who has recorded anything, sorted.
    public func users() throws -> [String] {
        try withCore { core in try core.store.users() }
    }

    // MARK: Store

    /// Verifies the whole store: checksums, records, every index entry both ways, statistics and counts.
    public func checkHealth() throws -> HealthReport {
        try withCore { core in
            Doctor(store: core.store, reader: core.database.verifyingReader(), analyzer: core.analyzer,
                   fsrs: core.fsrs, dailyBudget: core.model.resurfacing.dailyBudget).examine()
        }
    }

    /// Compacts the store now: LevelDB rewrites its tables into their settled layout and drops what
    /// later writes replaced or deleted. A large ingest leaves such work behind, and until it is
    /// done every command does a little of it and waits for it before it exits; this does it at once.
    /// - Returns: the bytes the store's files took on disk before and after.
    @discardableResult
    public func compact() throws -> (before: Int64, after: Int64) {
        try withCore { core in
            let before = core.store.sizeOnDisk()
            try core.database.compact()
            return (before, core.store.sizeOnDisk())
        }
    }

    /// Salvages a damaged store in place: LevelDB's repair, the entries of damaged blocks it kept
    /// dropped, then every index, statistic and count rebuilt from the papers and the event log.
    /// The store must not be open.
    public static func repair(path: String) throws -> RepairReport {
        try LevelDB.repair(path: path)
        let engine = try Engine(path: path, options: Options(createIfMissing: false))
        defer { engine.close() }
        return try engine.withCore { core in
            let damaged = try core.database.dropUnverifiableEntries()
            var report = try Rebuilder(store: core.store, analyzer: core.analyzer, fsrs: core.fsrs, dailyBudget: core.model.resurfacing.dailyBudget).rebuild()
            report.damagedEntriesDropped = damaged
            try core.store.keyValues.settleWrites()
            return report
        }
    }

    /// Writes a backup as JSON Lines through `write`: every paper, then the events and stored queues
    /// of `user` (or of every user).
    @discardableResult
    public func export(user: String? = nil, write: (Data) throws -> Void) throws -> (papers: Int, events: Int, queues: Int) {
        try withCore { core in try Backup.export(store: core.store, user: user, write: write) }
    }

    /// Restores a backup written by ``export(user:write:)`` into this store, which must be empty.
    @discardableResult
    public func importBackup(path: String) throws -> (papers: Int, events: Int, queues: Int) {
        try withCore { core in
            let restored = try Backup.restore(path: path, store: core.store, analyzer: core.analyzer, fsrs: core.fsrs, dailyBudget: core.model.resurfacing.dailyBudget)
            // Restored papers arrive without vectors: a new ranking space weighs them with the rest.
            if restored.papers > 0 {
                let index = RankingIndex(store: core.store, model: core.model)
                try index.rebuild(after: try index.head()?.generation ?? 0)
            }
            try core.store.keyValues.settleWrites()
            return restored
        }
    }

    /// Counts and sizes of the store.
    public func statistics() throws -> StoreStatistics {
        try withCore { core in
            let counts = try core.store.counts()
            let totals = try core.store.userTotals()
            return StoreStatistics(
                papers: counts.papers, users: totals.users, events: totals.events, terms: counts.terms,
                sizeBytes: core.store.sizeOnDisk(), schemaVersion: Int(Keys.schemaVersion), path: path
            )
        }
    }
}

/// What is due to resurface, and what comes next.
public struct DueList: Sendable, Codable, Equatable {
    public struct Item: Sendable, Codable, Equatable {
        public var card: ScheduleCard
        public var title: String
        /// The chance of recalling the paper on its due day (or today, when overdue).
        public var recallChance: Double
    }

    public var date: Day
    /// Starred papers a day's queue shows at most.
    public var budget: Int
    /// Due today or overdue, in the order triage takes them.
    public var due: [Item]
    public var upcoming: [Item]
}

/// Counts and sizes of a store, as `folio stats` shows them.
public struct StoreStatistics: Sendable, Codable, Equatable {
    public var papers: Int
    public var users: Int
    public var events: Int
    /// Distinct index terms in the vocabulary.
    public var terms: Int
    /// Bytes on disk.
    public var sizeBytes: Int64
    public var schemaVersion: Int
    public var path: String
}
