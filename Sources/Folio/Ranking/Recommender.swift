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
    }

    // MARK: Taste

    /// The user's taste at `now` over `corpus`: the stored one when it was trained from the same
    /// feedback, space and settings (and is recent enough), otherwise trained from the log and stored.
    func taste(of user: String, now: Date, corpus: inout Corpus) throws -> Taste {
        let events = try store.events(of: user)
        let feedback = UserFeedback(events: events, now: now)
        let strengths = feedback.strengths(model: model, now: now)
        let labeledIDs = strengths.keys.sorted()
        try corpus.load(labeledIDs)
        let labeled: [LabeledPaper] = labeledIDs.compactMap { id in
            corpus[id].map { LabeledPaper(id: id, vector: $0.vector, authorVector: $0.authorVector, strength: strengths[id]!) }
        }
        // Embeddings are read only when the model gives them weight: a store without them, or a model
        // that ignores them, trains and ranks exactly as TF-IDF alone.
        let labeledEmbeddings = usesEmbeddings ? try embeddings(of: labeledIDs) : [:]
        let source = StoredTaste.Source(generation: corpus.head.generation, model: StoredTaste.Source.model(model),
                                        feedback: StoredTaste.Source.feedback(events, now: now), trainedOn: Day(now), embedded: labeledEmbeddings.count)
        if let stored = try storedTaste(of: user), stored.source.serves(source, retrainAfterDays: model.learner.retrainAfterDays) {
            return Taste(feedback: feedback, model: TasteModel(parts: stored.parts, labeled: labeled, learner: model.learner,
                                                               interestWeight: model.feedback.interestWeight))
        }
        let mean = try corpus.mean()
        var interests: [(text: String, vector: SparseVector)] = []
        for interest in feedback.interests {
            let vector = try corpus.vector(text: interest, analyzer: analyzer)
            guard !vector.isEmpty else { continue }
            interests.append((interest, vector))
        }
        let trained: TasteModel
        if labeled.isEmpty {
            trained = TasteModel(svm: nil, labeled: [], learner: model.learner, mean: mean, interests: interests, interestWeight: model.feedback.interestWeight)
        } else {
            // Papers of the corpus sample the user never reacted to stand in as weak negatives.
            let reacted = feedback.reactedPapers
            let sample = try corpus.sample(size: model.learner.maximumUnlabeled).filter { !reacted.contains($0) }
            var embedding: EmbeddingTaste?
            if !labeledEmbeddings.isEmpty {
                let sampleEmbeddings = try embeddings(of: sample)
                embedding = EmbeddingTaste.train(labeled: labeled.compactMap { paper in labeledEmbeddings[paper.id].map { ($0, paper.strength) } },
                                                 unlabeled: sample.compactMap { sampleEmbeddings[$0] }, learner: model.learner,
                                                 seed: SplitMix64.hash(user) ^ 0x454D_4245_4444_494E)
            }
            trained = TasteModel.train(labeled: labeled, unlabeled: try corpus.vectors(of: sample), mean: mean, learner: model.learner,
                                       interests: interests, interestWeight: model.feedback.interestWeight, embedding: embedding,
                                       seed: SplitMix64.hash(user))
        }
        // A cache, remade from the log when lost: not worth a synced write.
        var batch = KeyValueBatch()
        batch.put(StoredTaste(source: source, parts: trained.parts).encoded(), for: Keys.taste(of: user))
        try store.keyValues.write(batch, durable: false)
        return Taste(feedback: feedback, model: trained)
    }

    /// Whether the model gives the embedding part of a taste any weight.
    private var usesEmbeddings: Bool {
        model.learner.embeddingWeight != 0 || model.learner.embeddingCentroidWeight != 0
    }

    /// The stored embeddings of the given papers (those that have one).
    func embeddings(of ids: [String]) throws -> [String: [Float]] {
        var found: [String: [Float]] = [:]
        for id in ids {
            if let vector = try embedding(of: id) { found[id] = vector }
        }
        return found
    }

    func embedding(of id: String) throws -> [Float]? {
        guard let bytes = try store.keyValues.value(for: Keys.paperEmbedding(id)) else { return nil }
        return try PaperEmbedding.decode(bytes)
    }

    /// Every stored embedding's scores under `taste`, by paper id: one pass over `N·`, each record read in place.
    private func storedEmbeddingScores(_ taste: TasteModel) throws -> [String: (svm: Float, centroid: Float)] {
        var scores: [String: (svm: Float, centroid: Float)] = [:]
        try store.keyValues.scan(prefix: Keys.paperEmbeddings) { key, value in
            if let scored = try taste.embeddingScores(record: value) { scores[Keys.component(after: Keys.paperEmbeddings, in: key)] = scored }
            return true
        }
        return scores
    }

    private func storedTaste(of user: String) throws -> StoredTaste? {
        // An unreadable cache is only retrained, never an error.
        try store.keyValues.lendValue(for: Keys.taste(of: user)) { bytes in bytes.flatMap { try? StoredTaste(record: Array($0)) } }
    }

    // MARK: Recommend

    /// The whole catalogue ranked by taste alone, without what the user already reacted to.
    func recommend(user: String, now: Date, limit: Int) throws -> [RankedPaper] {
        var corpus = try Corpus(store: store, model: model)
        let taste = try taste(of: user, now: now, corpus: &corpus)
        let reacted = taste.feedback.reactedPapers
        var ids = PaperIDList()
        let scores: [Double]
        if taste.model.isEmpty {
            // Cold start: the most listed, then the newest.
            try corpus.loadAll(details: true)
            let candidates = corpus.entries.filter { !reacted.contains($0.id) }
            let scoring = QueueScoring(settings: model.queue)
            let today = Day(now)
            ids = PaperIDList(candidates.map(\.id))
            scores = candidates.map { scoring.popularity(dailyPages: $0.dailyPages) + 0.5 * scoring.recency(published: $0.published, on: today) }
        } else if taste.model.interests.isEmpty, taste.model.learner.neighborWeight == 0 {
            // Every stored vector is scored where it lies, in one pass (over key ranges on all cores):
            // the cost is one lookup per feature.
            let model = taste.model
            let scorer = model.recordScorer(fusing: true)
            let generation = corpus.head.generation
            let scored = try corpus.mapStoredVectors(skipping: reacted) { record in
                try scorer.components(record: record, generation: generation)
            } stale: { entry in
                model.components(entry.vector, entry.authorVector, meanProduct: entry.meanProduct)
            }
            ids = scored.ids
            var components = scored.values
            if model.usesEmbeddings {
                // A second pass, over the embeddings, joined by id.
                let embedded = try storedEmbeddingScores(model)
                for index in components.indices { components[index].setEmbedding(embedded[ids[index]]) }
            }
            scores = model.combine(components).map(Double.init)
        } else {
            try corpus.loadAll()
            let candidates = corpus.entries.filter { !reacted.contains($0.id) }
            let textVectors = taste.model.interests.isEmpty ? nil : try corpus.textVectors(of: candidates)
            ids = PaperIDList(candidates.map(\.id))
            let embeddings = taste.model.usesEmbeddings ? try candidates.map { try embedding(of: $0.id) } : nil
            scores = taste.model.scores(candidates.map(\.vector), authorVectors: candidates.map(\.authorVector), textVectors: textVectors,
                                        meanProducts: candidates.map(\.meanProduct), embeddings: embeddings).map(Double.init)
        }
        let best = Self.top(limit, of: ids.indices, by: { scores[$0] }, tieBreak: { ids[$0] < ids[$1] })
        try corpus.load(best.map { ids[$0] })
        let found = best.compactMap { index in corpus[ids[index]].map { (index: index, entry: $0) } }
        let papers = try found.map { try store.paper($0.entry.id) }
        let reasons = try reasons(for: found.map(\.entry), papers: papers, taste: taste, corpus: &corpus, day: nil)
        return found.indices.map { position in
            RankedPaper(id: found[position].entry.id, title: papers[position]?.title ?? "", score: scores[found[position].index],
                        reasons: reasons[position])
        }
    }

    /// The `count` best items by `score`, best first; equal scores in `tieBreak` order. Keeps a small
    /// sorted list instead of sorting the whole catalogue.
    static func top(_ count: Int, of items: Range<Int>, by score: (Int) -> Double, tieBreak: (Int, Int) -> Bool) -> [Int] {
        guard count > 0 else { return [] }
        func before(_ a: Int, _ b: Int) -> Bool {
            let (x, y) = (score(a), score(b))
            return x != y ? x > y : tieBreak(a, b)
        }
        var kept: [Int] = []
        kept.reserveCapacity(count + 1)
        for item in items {
            if kept.count == count, let last = kept.last, !before(item, last) { continue }
            var low = 0, high = kept.count
            while low < high {
                let middle = (low + high) / 2
                if before(kept[middle], item) { low = middle + 1 } else { high = middle }
            }
            kept.insert(item, at: low)
            if kept.count > count { kept.removeLast() }
        }
        return kept
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
        // Only the user's labelled papers and the day's candidates are read (and the corpus sample when
        // the taste must be trained again): the cost grows with them, not with the corpus.
        var corpus = try Corpus(store: store, model: model)
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
        let listed = try store.listings(from: first, through: day).filter { id, _ in
            !reacted.contains(id) && shown[id, default: 0] < settings.maximumShowsWithoutReaction
        }
        let scored = try scoredCandidates(listed.map(\.id), taste: taste.model, corpus: &corpus)
        var candidates = scored.candidates
        let tastes = scored.tastes
        // Both sorted by id, the candidates those of the listed that are stored: one pass dates each.
        var position = 0
        for index in candidates.indices {
            while listed[position].id != candidates[index].id { position += 1 }
            candidates[index].published = listed[position].day
        }
        let scoring = QueueScoring(settings: settings)
        let scores = candidates.indices.map { index in
            scoring.score(taste: Double(tastes[index]), published: candidates[index].published, dailyPages: candidates[index].dailyPages, on: day)
        }
        // Vectors are decoded only for the candidates that diversity compares (those near the top).
        var vectors: [Int: SparseVector] = [:]
        func vector(_ index: Int) throws -> SparseVector {
            if let known = vectors[index] { return known }
            let decoded = try corpus.entry(candidates[index]).vector
            vectors[index] = decoded
            return decoded
        }
        var failure: (any Error)?
        let picked = QueueScoring.diversify(
            scores: scores, limit: limit - resurfacing.count, lambda: settings.diversityLambda,
            similarity: { a, b in
                do { return Double(try vector(a).dot(vector(b))) } catch { failure = failure ?? error; return 0 }
            },
            tieBreak: { candidates[$0].id < candidates[$1].id }
        )
        if let failure { throw failure }
        let pickedEntries = try picked.map { index in
            var entry = try corpus.entry(candidates[index])
            entry.published = candidates[index].published
            return entry
        }
        let papers = try pickedEntries.map { try store.paper($0.id) }
        let reasons = try reasons(for: pickedEntries, papers: papers, taste: taste, corpus: &corpus, day: day)
        let items = picked.indices.map { position in
            QueueItem(id: pickedEntries[position].id, title: papers[position]?.title ?? "", kind: .new,
                      score: (scores[picked[position]] * 1000).rounded() / 1000, reasons: reasons[position])
        }
        return DailyQueue(date: day, user: user, items: Self.interleave(items, resurfacing, at: model.resurfacing.positions),
                          overdue: due.count - resurfacing.count)
    }

    /// A day's candidates as stored, with the taste's scores standardised over them: scored from their
    /// vector records where they lie when the taste is linear in them (no interests, no neighbour
    /// score), else from their decoded vectors.
    private func scoredCandidates(_ ids: [String], taste: TasteModel, corpus: inout Corpus) throws -> (candidates: [Corpus.StoredPaper], tastes: [Float]) {
        guard !taste.isEmpty else {
            let candidates = try corpus.readStoredPapers(ids) { _ in () }.map(\.paper)
            return (candidates, [Float](repeating: 0, count: candidates.count))
        }
        func embeddings(of candidates: [Corpus.StoredPaper]) throws -> [[Float]?]? {
            guard taste.usesEmbeddings else { return nil }
            return try store.keyValues.values(for: candidates.map { Keys.paperEmbedding($0.id) }).map { try $0.map(PaperEmbedding.decode) }
        }
        guard taste.interests.isEmpty, taste.learner.neighborWeight == 0 else {
            let candidates = try corpus.storedPapers(ids)
            let entries = try candidates.map { try corpus.entry($0) }
            let textVectors = taste.interests.isEmpty ? nil : try corpus.textVectors(of: entries)
            return (candidates, taste.scores(entries.map(\.vector), authorVectors: entries.map(\.authorVector), textVectors: textVectors,
                                             meanProducts: entries.map(\.meanProduct), embeddings: try embeddings(of: candidates)))
        }
        let scorer = taste.recordScorer(fusing: false)
        let generation = corpus.head.generation
        let scored = try corpus.readStoredPapers(ids) { record in try scorer.components(record: record, generation: generation) ?? .init() }
        let candidates = scored.map(\.paper)
        var components = scored.map(\.value)
        if let embeddings = try embeddings(of: candidates) {
            for index in components.indices { components[index].setEmbedding(embeddings[index].flatMap(taste.embeddingScores)) }
        }
        return (candidates, taste.combine(components))
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
    ///
    /// The similarity is the TF-IDF cosine; when both papers have sentence embeddings, it is mixed with
    /// their cosine: `(1 − s)·tfidf + s·embedding`, `s` being `learner.similarEmbeddingShare`.
    func similar(to id: String, user: String, now: Date, limit: Int) throws -> [RankedPaper] {
        var corpus = try Corpus(store: store, model: model)
        try corpus.load([id])
        guard let target = corpus[id] else { return [] }
        let rejected = UserFeedback(events: try store.events(of: user), now: now).rejectedPapers
        let share = Float(model.learner.similarEmbeddingShare)
        // The embedding cosines first (one pass over `N·`), then the TF-IDF pass mixes them in by id.
        var meaning: [String: Float] = [:]
        if share > 0, let targetEmbedding = try embedding(of: id) {
            try store.keyValues.scan(prefix: Keys.paperEmbeddings) { key, value in
                meaning[Keys.component(after: Keys.paperEmbeddings, in: key)] = try PaperEmbedding.dot(record: value, targetEmbedding)
                return true
            }
        }
        let embedded = meaning
        let mixed = { @Sendable (other: String, similarity: Float) -> Float in
            guard let cosine = embedded[other] else { return similarity }
            return (1 - share) * similarity + share * cosine
        }
        // One pass over the stored vectors, each read in place against the target's weights.
        let weights = WeightTable(target.vector)
        let generation = corpus.head.generation
        // Without embeddings, what cannot be similar is dropped on the spot; with them, after mixing.
        let keepsAll = !embedded.isEmpty
        var similar = try corpus.mapStoredVectors(skipping: rejected.union([id])) { record -> Float? in
            var reader = try PaperVectorReader(record)
            guard reader.generation == generation else { return nil }
            var similarity: Float = 0
            try reader.forEachFeature { key, value in similarity += weights.weight(of: key) * value }
            return keepsAll || similarity > 0 ? similarity : nil
        } stale: { entry in
            let similarity = target.vector.dot(entry.vector)
            return keepsAll || similarity > 0 ? similarity : nil
        }
        if keepsAll {
            let mixedScores = zip(similar.ids, similar.values).map { mixed($0, $1) }
            let kept = mixedScores.indices.filter { mixedScores[$0] > 0 }
            similar = MappedPapers(ids: PaperIDList(kept.lazy.map { similar.ids[$0] }), values: kept.map { mixedScores[$0] })
        }
        let ids = similar.ids
        let similarities = similar.values
        let best = Self.top(limit, of: ids.indices, by: { Double(similarities[$0]) }, tieBreak: { ids[$0] < ids[$1] })
        try corpus.load(best.map { ids[$0] })
        let scored = best.compactMap { index in corpus[ids[index]].map { ($0, similarities[index]) } }
        let shared = scored.map { entry, _ in entry.vector.sharedFeatures(with: target.vector).prefix(Self.namedFeatureLimit).map(\.key) }
        try corpus.prepareNames(of: shared.joined())
        let targetPaper = try store.paper(id)
        return try zip(scored, shared).map { scored, features in
            let (entry, similarity) = scored
            let paper = try store.paper(entry.id)
            let names = features.map { corpus.name(of: $0) }
            let forms = surfaceForms(of: names, in: paper, targetPaper)
            let shared = names.map { display($0, forms) }
            var reasons = ["similarity \(Int((similarity * 100).rounded()))%"]
            if let cosine = embedded[entry.id] { reasons.append("meaning \(Int((cosine * 100).rounded()))% alike") }
            if !shared.isEmpty || embedded.isEmpty { reasons.append("shares: " + shared.joined(separator: ", ")) }
            return RankedPaper(id: entry.id, title: paper?.title ?? "", score: Double(similarity), reasons: reasons)
        }
    }

    // MARK: Reasons

    /// How many matching features a reason names.
    static let namedFeatureLimit = 4

    /// Each entry's reasons, in plain words: the features that match the taste most, the closest
    /// liked paper, the matching interest, the listing's age and popularity.
    private func reasons(for entries: [Corpus.Entry], papers: [Paper?], taste: Taste, corpus: inout Corpus, day: Day?) throws -> [[String]] {
        let features = entries.map { taste.model.strongestFeatures(of: $0.vector, limit: Self.namedFeatureLimit) }
        try corpus.prepareNames(of: features.joined().map(\.key))
        let nearest = taste.model.nearestLiked(entries.map(\.vector))
        return try entries.indices.map { index in
            let entry = entries[index]
            var reasons: [String] = []
            if !features[index].isEmpty {
                let names = features[index].map { corpus.name(of: $0.key) }
                let forms = surfaceForms(of: names, in: papers[index])
                reasons.append("matches your interests: " + names.map { display($0, forms) }.joined(separator: ", "))
            }
            if let nearest = nearest[index], nearest.similarity >= Self.nearestPaperThreshold, let title = try store.paper(nearest.id)?.title {
                reasons.append("close to a paper you \(verb(for: nearest.id, taste.feedback)) “\(Self.shorten(title, 70))” (\(Int((nearest.similarity * 100).rounded()))% similar)")
            }
            if !taste.model.interests.isEmpty, let best = taste.model.interestScore(try corpus.textVector(of: entry)).best,
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
    }

    private func verb(for id: String, _ feedback: UserFeedback) -> String {
        guard let state = feedback.papers[id] else { return "liked" }
        if state.starred { return "starred" }
        return state.opinion == .read ? "read" : "liked"
    }

    /// The words the stems of these feature names come from, in the first of `papers` that has each.
    private func surfaceForms(of names: [String], in papers: Paper?...) -> [String: String] {
        // Author names are shown as they are: no word of the text stems to them.
        var wanted = Set(names.filter { !$0.hasPrefix(AuthorTokens.prefix) }.flatMap { $0.split(separator: " ").map(String.init) })
        var forms: [String: String] = [:]
        for paper in papers.compactMap({ $0 }) where !wanted.isEmpty {
            let found = analyzer.surfaceForms(paper.title + "\n" + paper.abstract, of: wanted)
            forms.merge(found) { first, _ in first }
            wanted.subtract(found.keys)
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
