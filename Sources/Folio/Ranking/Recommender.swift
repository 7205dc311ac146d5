import Foundation

/// Ranking over the store: trains a user's taste from their log and makes recommendations,
/// daily queues, similar-paper lists and keyword searches, each item with its reasons.
struct Recommender {
    let store: FolioStore
    let model: RankingModel
    let analyzer: TextAnalyzer
    let fsrs: FSRS

    /// A similarity below this is not worth naming as a reason.
    static let nearestPaperThreshold: Float = 0.12

    /// What a user's taste was learned from, and the model.
    struct Taste {
        var feedback: UserFeedback
        var model: TasteModel
        var labeledTitles: [String: String]
    }

    // MARK: Taste

    /// Replays the user's log up to `now` and trains their taste model over `corpus`.
    func taste(of user: String, now: Date, corpus: inout Corpus) throws -> Taste {
        let feedback = UserFeedback(events: try store.events(of: user), now: now)
        let strengths = feedback.strengths(model: model, now: now)
        try corpus.load(strengths.keys.sorted(), from: store)
        let labeled: [LabeledPaper] = strengths.keys.sorted().compactMap { id in
            corpus[id].map { LabeledPaper(id: id, vector: $0.vector, authorVector: $0.authorVector, strength: strengths[id]!) }
        }
        var titles: [String: String] = [:]
        var interests: [(text: String, vector: SparseVector)] = []
        for interest in feedback.interests {
            let vector = try corpus.vector(text: interest, analyzer: analyzer, store: store)
            guard !vector.isEmpty else { continue }
            interests.append((interest, vector))
        }
        for paper in labeled where titles[paper.id] == nil {
            titles[paper.id] = try store.paper(paper.id)?.title
        }
        // Papers of the corpus sample the user never reacted to stand in as weak negatives.
        let reacted = feedback.reactedPapers
        let seed = SplitMix64.hash(user)
        let unlabeled = corpus.sample.filter { !reacted.contains($0) }.compactMap { corpus[$0] }
        let trained = labeled.isEmpty
            ? TasteModel(svm: nil, labeled: [], learner: model.learner, mean: corpus.mean, interests: interests, interestWeight: model.feedback.interestWeight)
            : TasteModel.train(labeled: labeled, unlabeled: unlabeled.map(\.vector), mean: corpus.mean, learner: model.learner,
                               interests: interests, interestWeight: model.feedback.interestWeight, seed: seed)
        return Taste(feedback: feedback, model: trained, labeledTitles: titles)
    }

    // MARK: Recommend

    /// The whole catalogue ranked by taste alone, without what the user already reacted to.
    func recommend(user: String, now: Date, limit: Int) throws -> [RankedPaper] {
        var corpus = try Corpus(store: store, features: model.features, sampleSize: model.learner.maximumUnlabeled)
        try corpus.loadAll(from: store)
        let taste = try taste(of: user, now: now, corpus: &corpus)
        let reacted = taste.feedback.reactedPapers
        let candidates = corpus.entries.filter { !reacted.contains($0.id) }
        let scores: [Double]
        if taste.model.isEmpty {
            // Cold start: the most listed, then the newest.
            let scoring = QueueScoring(settings: model.queue)
            let today = Day(now)
            scores = candidates.map { scoring.popularity(dailyPages: $0.dailyPages) + 0.5 * scoring.recency(published: $0.published, on: today) }
        } else {
            scores = taste.model.scores(candidates.map(\.vector), authorVectors: candidates.map(\.authorVector),
                                        textVectors: taste.model.interests.isEmpty ? nil : candidates.map(corpus.textVector)).map(Double.init)
        }
        let order = candidates.indices.sorted { (scores[$0], candidates[$1].id) > (scores[$1], candidates[$0].id) }
        return try order.prefix(limit).map { index in
            let entry = candidates[index]
            let paper = try store.paper(entry.id)
            return RankedPaper(id: entry.id, title: paper?.title ?? "", score: scores[index],
                               reasons: reasons(for: entry, paper: paper, taste: taste, corpus: corpus, day: nil))
        }
    }

    // MARK: Daily queue

    /// The queue for `day`: stored if it was made before (with the user's reactions since marked),
    /// otherwise made now and stored, unless `refresh` asks to make it again.
    func queue(user: String, day: Day, now: Date, limit: Int?, refresh: Bool) throws -> DailyQueue {
        if !refresh, var stored = try storedQueue(user: user, day: day) {
            markFeedback(on: &stored, events: try store.events(of: user))
            if let limit { stored.items = Array(stored.items.prefix(limit)) }
            return stored
        }
        var queue = try makeQueue(user: user, day: day, now: now, limit: limit ?? model.queue.defaultLimit)
        var staged = StagedWrites(base: store.keyValues)
        staged.put(try JSONEncoder().encode(queue).map { $0 }, for: Keys.queue(of: user, on: day))
        try store.commit(staged, durable: true)
        markFeedback(on: &queue, events: try store.events(of: user))
        return queue
    }

    func storedQueue(user: String, day: Day) throws -> DailyQueue? {
        guard let bytes = try store.keyValues.value(for: Keys.queue(of: user, on: day)) else { return nil }
        do {
            return try JSONDecoder().decode(DailyQueue.self, from: Data(bytes))
        } catch {
            throw FolioError(.damagedRecord, "the stored queue of \(user) for \(day) cannot be read (\(error)); `folio today --refresh` makes it again")
        }
    }

    private func markFeedback(on queue: inout DailyQueue, events: [Event]) {
        var latest: [String: Action] = [:]
        for event in events { latest[event.paperID] = event.action }
        for index in queue.items.indices { queue.items[index].feedback = latest[queue.items[index].id]?.rawValue }
    }

    /// Makes a queue without storing it; `windowDays` widens the candidates (for weekly digests).
    func makeQueue(user: String, day: Day, now: Date, limit: Int, windowDays: Int? = nil) throws -> DailyQueue {
        var settings = model.queue
        if let windowDays { settings.windowDays = max(settings.windowDays, windowDays) }
        // Only the sample, the user's labelled papers and the day's candidates are read: the cost
        // grows with them, not with the corpus.
        var corpus = try Corpus(store: store, features: model.features, sampleSize: model.learner.maximumUnlabeled)
        let taste = try taste(of: user, now: now, corpus: &corpus)
        // Starred papers due today take their places first, within the budget, the rest wait.
        let due = try store.schedule(of: user).due(on: day, fsrs: fsrs)
        let resurfacing = try due.prefix(min(model.resurfacing.dailyBudget, limit)).map { card, recall in
            QueueItem(id: card.paperID, title: try store.paper(card.paperID)?.title ?? "", kind: .resurface,
                      score: ((1 - recall) * 1000).rounded() / 1000, reasons: resurfacingReasons(card, recall: recall, day: day))
        }
        let first = day.adding(days: 1 - settings.windowDays)
        let shown = try timesShown(user: user, before: day, since: first)
        let reacted = taste.feedback.reactedPapers
        // Candidates: listed within the window (a paper listed again counts from its latest listing).
        let listed = try store.listings(from: first, through: day)
        try corpus.load(listed.keys.sorted(), from: store)
        let candidates = listed.keys.sorted().compactMap { id -> Corpus.Entry? in
            guard !reacted.contains(id), shown[id, default: 0] < settings.maximumShowsWithoutReaction, var entry = corpus[id] else { return nil }
            entry.published = listed[id]!
            return entry
        }
        let tastes = taste.model.scores(candidates.map(\.vector), authorVectors: candidates.map(\.authorVector),
                                        textVectors: taste.model.interests.isEmpty ? nil : candidates.map(corpus.textVector))
        let scoring = QueueScoring(settings: settings)
        let scores = candidates.indices.map { index in
            scoring.score(taste: Double(tastes[index]), published: candidates[index].published, dailyPages: candidates[index].dailyPages, on: day)
        }
        let picked = QueueScoring.diversify(
            scores: scores, limit: limit - resurfacing.count, lambda: settings.diversityLambda,
            similarity: { Double(candidates[$0].vector.dot(candidates[$1].vector)) },
            tieBreak: { candidates[$0].id < candidates[$1].id }
        )
        let items = try picked.map { index in
            let entry = candidates[index]
            let paper = try store.paper(entry.id)
            return QueueItem(id: entry.id, title: paper?.title ?? "", kind: .new, score: (scores[index] * 1000).rounded() / 1000,
                             reasons: reasons(for: entry, paper: paper, taste: taste, corpus: corpus, day: day))
        }
        return DailyQueue(date: day, user: user, items: Self.interleave(items, resurfacing, at: model.resurfacing.positions),
                          overdue: due.count - resurfacing.count)
    }

    /// Puts `inserted` at the 1-based `positions` of `items` (or at the end when the queue is shorter).
    static func interleave(_ items: [QueueItem], _ inserted: [QueueItem], at positions: [Int]) -> [QueueItem] {
        var result = items
        for (item, position) in zip(inserted, positions) { result.insert(item, at: min(position - 1, result.count)) }
        return result
    }

    private func resurfacingReasons(_ card: ScheduleCard, recall: Double, day: Day) -> [String] {
        let age = card.starredOn.days(until: day)
        let starred = age == 0 ? "starred today" : age == 1 ? "starred yesterday" : "starred \(age) days ago"
        var reasons = ["\(starred), \(Self.ordinal(card.reps)) resurfacing, recall chance \(Int((recall * 100).rounded()))%"]
        let overdue = card.due.days(until: day)
        if overdue > 0 { reasons.append("due \(overdue) day\(overdue == 1 ? "" : "s") ago") }
        if card.priority != .normal { reasons.append("\(card.priority.rawValue) priority") }
        return reasons
    }

    static func ordinal(_ number: Int) -> String {
        let suffix = (11 ... 13).contains(number % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][number % 10] ?? "th"
        return "\(number)\(suffix)"
    }

    /// How many earlier queues since `first` showed each paper.
    private func timesShown(user: String, before day: Day, since first: Day) throws -> [String: Int] {
        var shown: [String: Int] = [:]
        try store.keyValues.scan(prefix: Keys.queues(of: user), from: Keys.queue(of: user, on: first), reverse: false) { key, value in
            guard key.lexicographicallyPrecedes(Keys.queue(of: user, on: day)) else { return false }
            if let queue = try? JSONDecoder().decode(DailyQueue.self, from: Data(value)) {
                for item in queue.items { shown[item.id, default: 0] += 1 }
            }
            return true
        }
        return shown
    }

    // MARK: Similar

    /// The papers closest to `id` by content, without those the user rejected.
    func similar(to id: String, user: String, now: Date, limit: Int) throws -> [RankedPaper] {
        var corpus = try Corpus(store: store, features: model.features, sampleSize: model.learner.maximumUnlabeled)
        try corpus.loadAll(from: store)
        guard let target = corpus[id] else { return [] }
        let rejected = UserFeedback(events: try store.events(of: user), now: now).rejectedPapers
        let scored = corpus.entries
            .filter { $0.id != id && !rejected.contains($0.id) }
            .map { ($0, target.vector.dot($0.vector)) }
            .filter { $0.1 > 0 }
            .sorted { ($0.1, $1.0.id) > ($1.1, $0.0.id) }
            .prefix(limit)
        let targetPaper = try store.paper(id)
        return try scored.map { entry, similarity in
            let paper = try store.paper(entry.id)
            let forms = surfaceForms(paper, targetPaper)
            let shared = entry.vector.sharedFeatures(with: target.vector).prefix(4).map { display(corpus.name(of: $0.key), forms) }
            return RankedPaper(id: entry.id, title: paper?.title ?? "", score: Double(similarity),
                               reasons: ["similarity \(Int((similarity * 100).rounded()))%", "shares: " + shared.joined(separator: ", ")])
        }
    }

    // MARK: Reasons

    private func reasons(for entry: Corpus.Entry, paper: Paper?, taste: Taste, corpus: Corpus, day: Day?) -> [String] {
        var reasons: [String] = []
        let forms = surfaceForms(paper)
        let features = taste.model.strongestFeatures(of: entry.vector, limit: 4)
        if !features.isEmpty {
            reasons.append("matches your interests: " + features.map { display(corpus.name(of: $0.key), forms) }.joined(separator: ", "))
        }
        if let nearest = taste.model.neighborScore(entry.vector).nearest, nearest.similarity >= Self.nearestPaperThreshold,
           let title = taste.labeledTitles[nearest.id]
        {
            reasons.append("close to a paper you \(verb(for: nearest.id, taste.feedback)) “\(Self.shorten(title, 70))” (\(Int((nearest.similarity * 100).rounded()))% similar)")
        }
        if !taste.model.interests.isEmpty, let best = taste.model.interestScore(corpus.textVector(of: entry)).best,
           best.similarity >= Self.nearestPaperThreshold
        {
            reasons.append("matches your interest “\(best.text)”")
        }
        if let day {
            let age = entry.published.days(until: day)
            reasons.append(age == 0 ? "new today" : age == 1 ? "listed yesterday" : "listed \(age) days ago")
        }
        if entry.dailyPages > 1 { reasons.append("popular: on \(entry.dailyPages) daily pages") }
        if taste.model.isEmpty {
            reasons.append("no feedback yet: like or star papers (or `folio interests add`) to personalise")
        }
        return reasons
    }

    private func verb(for id: String, _ feedback: UserFeedback) -> String {
        guard let state = feedback.papers[id] else { return "liked" }
        if state.starred { return "starred" }
        return state.opinion == .read ? "read" : "liked"
    }

    private func surfaceForms(_ papers: Paper?...) -> [String: String] {
        var forms: [String: String] = [:]
        for paper in papers.compactMap({ $0 }) {
            forms.merge(analyzer.surfaceForms(paper.title + "\n" + paper.abstract)) { first, _ in first }
        }
        return forms
    }

    private func display(_ feature: String, _ forms: [String: String]) -> String {
        feature.split(separator: " ").map { forms[String($0)] ?? String($0) }.joined(separator: " ")
    }

    static func shorten(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }
}
