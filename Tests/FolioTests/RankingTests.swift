import Foundation
import Testing
@testable import Folio

func vector(_ entries: [UInt64: Float]) -> SparseVector { SparseVector(entries) }

@Suite("Ranking arithmetic (no store)")
struct RankingArithmeticTests {
    let model = RankingModel.standard

    @Test func sparseVectors() {
        let a = vector([1: 3, 4: 4])
        let b = vector([4: 1, 7: 2])
        #expect(a.dot(b) == 4)
        #expect(a.norm == 5)
        #expect(a.normalized().values == [0.6, 0.8])
        #expect(a.sharedFeatures(with: b).map(\.key) == [4])
        #expect(SparseVector.terms(of: SparseVector.bigramKey(3, 9)) == [3, 9])
        #expect(SparseVector.terms(of: 3) == [3])
    }

    @Test(arguments: [0, 1, 5, 3000])
    func pairSlotsFindEveryKeptPairAndNoOther(count: Int) {
        // Pair keys as ingest makes them, many sharing a first or second term so that positions collide.
        var generator = SplitMix64(seed: UInt64(count))
        var pairs: [(key: UInt64, slot: Int32)] = []
        var kept: [UInt64: Int32] = [:]
        while pairs.count < count {
            let key = SparseVector.bigramKey(UInt32(generator.next() % 50), UInt32(generator.next() % 200))
            guard kept[key] == nil else { continue }
            kept[key] = Int32(pairs.count + 7)
            pairs.append((key, Int32(pairs.count + 7)))
        }
        let slots = PairSlots(pairs)
        for (key, slot) in pairs { #expect(slots[key] == slot) }
        for first in UInt32(0) ..< 60 {
            for second in stride(from: UInt32(0), to: 220, by: 7) {
                let key = SparseVector.bigramKey(first, second)
                #expect(slots[key] == kept[key] ?? -1)
            }
        }
    }

    @Test func tfidfWeightsFollowTheFormula() {
        // 10 papers; term 0 in 1 paper, term 1 in 4, term 2 in 10 (too common at maximumDocumentFraction 0.5).
        let vocabulary = Vocabulary(documentCount: 10, documentFrequencies: [1, 4, 10], names: ["a", "b", "c"])
        var features = model.features
        features.minimumDocumentFrequency = 1
        features.maximumDocumentFraction = 0.5
        features.titleWeight = 2
        features.bigrams = false
        let vectorizer = Vectorizer(vocabulary: vocabulary, features: features)
        let result = vectorizer.vector(PaperTerms(titleTerms: [1], abstractTerms: [0, 1, 2, 2]))
        let idfA = Float(log(11.0 / 2.0) + 1), idfB = Float(log(11.0 / 5.0) + 1)
        let rawA = idfA * 1, rawB = idfB * (1 + Float(log(3.0)))
        let length = (rawA * rawA + rawB * rawB).squareRoot()
        #expect(result.keys == [0, 1])
        #expect(abs(result.values[0] - rawA / length) < 1e-6)
        #expect(abs(result.values[1] - rawB / length) < 1e-6)
        features.minimumDocumentFrequency = 2
        #expect(Vectorizer(vocabulary: vocabulary, features: features).vector(PaperTerms(titleTerms: [0], abstractTerms: [])).isEmpty)
    }

    @Test func recencyDecaysContinuously() {
        let scoring = QueueScoring(settings: model.queue)
        let day = Day.iso("2025-09-10")
        let halfLife = Int(model.queue.recencyHalfLifeDays)
        #expect(scoring.recency(published: day, on: day) == 1)
        #expect(abs(scoring.recency(published: day.adding(days: -halfLife), on: day) - 0.5) < 1e-12)
        let ages = (0 ... 10).map { scoring.recency(published: day.adding(days: -$0), on: day) }
        #expect(ages == ages.sorted(by: >))
        #expect(ages.allSatisfy { $0 > 0 })
        #expect(scoring.recency(published: day.adding(days: 2), on: day) == 1)
    }

    @Test func popularityRisesAndSaturates() {
        let scoring = QueueScoring(settings: model.queue)
        let values = (0 ... 8).map { scoring.popularity(dailyPages: $0) }
        #expect(values[0] == 0)
        #expect(values == values.sorted() && Set(values).count == values.count)
        #expect(values.allSatisfy { $0 < 1 })
        #expect(abs(scoring.popularity(dailyPages: Int(model.queue.popularitySaturation)) - 0.5) < 1e-12)
    }

    @Test func scoreMixesTheThreeSignals() {
        var settings = model.queue
        settings.tasteWeight = 2; settings.recencyWeight = 3; settings.popularityWeight = 5; settings.popularitySaturation = 1
        let scoring = QueueScoring(settings: settings)
        let day = Day.iso("2025-09-10")
        let expected: Double = 2 * 1.5 + 3 * 1 + 5 * 0.5
        #expect(scoring.score(taste: 1.5, published: day, dailyPages: 1, on: day) == expected)
    }

    @Test func diversityRemovesNearDuplicates() {
        let vectors = [vector([1: 1]), vector([1: 1]), vector([2: 1]), vector([1: 0.6, 3: 0.8])]
        let scores = [1.0, 0.99, 0.5, 0.4]
        let similarity = { (a: Int, b: Int) in Double(vectors[a].dot(vectors[b])) }
        let byScore = QueueScoring.diversify(scores: scores, limit: 3, lambda: 1, similarity: similarity, tieBreak: { $0 < $1 })
        #expect(byScore == [0, 1, 2])
        // The near-duplicate of the best item falls below a distinct item with half its score.
        let diverse = QueueScoring.diversify(scores: scores, limit: 3, lambda: 0.5, similarity: similarity, tieBreak: { $0 < $1 })
        #expect(diverse == [0, 2, 1])
        #expect(QueueScoring.diversify(scores: scores, limit: 2, lambda: 0.5, similarity: similarity, tieBreak: { $0 < $1 }) == [0, 2])
        #expect(QueueScoring.diversify(scores: [], limit: 3, lambda: 0.5, similarity: similarity, tieBreak: { $0 < $1 }).isEmpty)
    }

    @Test func diversityPicksWhatComparingEveryItemEveryRoundPicks() {
        // The plain algorithm, for reference: every remaining item's value, every round.
        func everyItem(_ scores: [Double], _ limit: Int, _ lambda: Double, _ similarity: (Int, Int) -> Double, _ before: (Int, Int) -> Bool) -> [Int] {
            let low = scores.min()!, high = scores.max()!
            var remaining = Array(scores.indices), maximum = [Double](repeating: 0, count: scores.count), picked: [Int] = []
            while picked.count < limit, !remaining.isEmpty {
                let best = remaining.max { a, b in
                    let va = lambda * (high > low ? (scores[a] - low) / (high - low) : 1) - (1 - lambda) * maximum[a]
                    let vb = lambda * (high > low ? (scores[b] - low) / (high - low) : 1) - (1 - lambda) * maximum[b]
                    return va != vb ? va < vb : before(b, a)
                }!
                picked.append(best)
                remaining.removeAll { $0 == best }
                for item in remaining { maximum[item] = max(maximum[item], similarity(item, best)) }
            }
            return picked
        }
        var generator = SplitMix64(seed: 5)
        for round in 0 ..< 40 {
            let count = 1 + Int(generator.next() % 300)
            // Coarse scores and features, so that ties and near-duplicates are common.
            let scores = (0 ..< count).map { _ in Double(generator.next() % 20) }
            let vectors = (0 ..< count).map { _ in vector([generator.next() % 6: 1, 6 + generator.next() % 4: Float(generator.next() % 3)]).normalized() }
            let similarity = { (a: Int, b: Int) in Double(vectors[a].dot(vectors[b])) }
            for lambda in [0.0, 0.3, 0.7, 1.0] {
                let limit = round % 2 == 0 ? 10 : count + 1
                for before in [{ (a: Int, b: Int) in a < b }, { (a: Int, b: Int) in a > b }] {
                    #expect(QueueScoring.diversify(scores: scores, limit: limit, lambda: lambda, similarity: similarity, tieBreak: before)
                        == everyItem(scores, limit, lambda, similarity, before))
                }
            }
        }
    }

    /// Two topics: features 0–9 and 10–19; papers mix a few of their topic's features.
    func topicPaper(_ topic: Int, _ index: Int) -> SparseVector {
        let base = UInt64(topic * 10)
        return vector([base + UInt64(index % 10): 1, base + UInt64((index + 3) % 10): 1, base + UInt64((index + 7) % 10): 0.5]).normalized()
    }

    @Test func tasteModelLearnsTheLikedTopic() {
        let liked = (0 ..< 5).map { LabeledPaper(id: "a\($0)", vector: topicPaper(0, $0), strength: 1) }
        let unlabeled = (0 ..< 40).map { topicPaper($0 % 2, $0 + 5) }
        let taste = TasteModel.train(labeled: liked, unlabeled: unlabeled, learner: model.learner, seed: 7)
        let scores = taste.scores([topicPaper(0, 11), topicPaper(1, 11), topicPaper(0, 12), topicPaper(1, 12)])
        #expect(scores[0] > scores[1] && scores[2] > scores[3])
        #expect(taste.linearScore(topicPaper(0, 13)) > taste.linearScore(topicPaper(1, 13)))
        #expect(taste.nearestLiked([topicPaper(0, 1)])[0]?.id == "a1")
        // The same data and seed give the same model.
        let again = TasteModel.train(labeled: liked, unlabeled: unlabeled, learner: model.learner, seed: 7)
        #expect(again.svm!.weights == taste.svm!.weights && again.svm!.bias == taste.svm!.bias)
    }

    /// Random sparse vectors over `features` keys, for comparing ways of taking dot products.
    func randomVectors(_ count: Int, features: UInt64, seed: UInt64) -> [SparseVector] {
        var random = SplitMix64(seed: seed)
        return (0 ..< count).map { _ in
            var entries: [UInt64: Float] = [:]
            for _ in 0 ..< Int(random.next() % 40) { entries[random.next() % features] = Float(random.next() % 1000) / 997 }
            return SparseVector(entries).normalized()
        }
    }

    @Test(arguments: [UInt64(300), 1 << 20, 1 << 45])
    func invertedProductsEqualDotProductsToTheBit(features: UInt64) {
        let indexed = randomVectors(60, features: features, seed: features)
        let inverted = InvertedVectors(indexed)
        for probe in randomVectors(25, features: features, seed: features + 1) + indexed.prefix(3) {
            #expect(inverted.products(with: probe) == indexed.map { probe.dot($0) })
        }
        #expect(InvertedVectors([]).products(with: indexed[0]).isEmpty)
    }

    @Test func neighborScoresInOneBatchEqualOneByOne() {
        let labeled = (0 ..< 8).map { LabeledPaper(id: "p\($0)", vector: topicPaper($0 % 3, $0), strength: $0 % 4 == 3 ? -1 : 1 + Double($0) / 10) }
        let taste = TasteModel(svm: nil, labeled: labeled, learner: model.learner)
        let probes = (0 ..< 12).map { topicPaper($0 % 3, $0 + 20) }
        let batch = taste.neighborScores(probes)
        let nearestBatch = taste.nearestLiked(probes)
        for (probe, (score, nearestFound)) in zip(probes, zip(batch, nearestBatch)) {
            // The definition: the k best liked similarities less the k best rejected ones, and the nearest liked paper.
            let liked = labeled.filter { $0.strength > 0 }, rejected = labeled.filter { $0.strength < 0 }
            let k = model.learner.neighbors
            let expected = TasteModel.sumOfLargest(liked.map { probe.dot($0.vector) * Float($0.strength) }, k)
                - TasteModel.sumOfLargest(rejected.map { probe.dot($0.vector) * Float(-$0.strength) }, k)
            #expect(score == expected)
            // The nearest: the first liked paper with the greatest similarity, if any is above zero.
            var nearest: (id: String, similarity: Float)?
            for paper in liked where probe.dot(paper.vector) > (nearest?.similarity ?? 0) { nearest = (paper.id, probe.dot(paper.vector)) }
            #expect(nearestFound?.id == nearest?.id && nearestFound?.similarity == nearest?.similarity)
        }
    }

    @Test func explicitNegativesPushDown() {
        let liked = (0 ..< 3).map { LabeledPaper(id: "a\($0)", vector: topicPaper(0, $0), strength: 1) }
        let disliked = (0 ..< 3).map { LabeledPaper(id: "b\($0)", vector: topicPaper(1, $0), strength: -1.5) }
        let withoutNegatives = TasteModel.train(labeled: liked, unlabeled: [], learner: model.learner, seed: 1)
        let withNegatives = TasteModel.train(labeled: liked + disliked, unlabeled: [], learner: model.learner, seed: 1)
        let probe = topicPaper(1, 5)
        #expect(withNegatives.linearScore(probe) < withoutNegatives.linearScore(probe))
        #expect(withNegatives.neighborScores([probe])[0] < 0)
    }

    @Test func standardizing() {
        #expect(TasteModel.standardized([1, 1, 1]) == [0, 0, 0])
        let z = TasteModel.standardized([1, 2, 3])
        #expect(abs(z[0] + z[2]) < 1e-6 && z[1] == 0 && abs(z[2] - 1.2247449) < 1e-5)
        #expect(TasteModel.sumOfLargest([1, 5, 3, 4], 2) == 9)
    }

    @Test func feedbackReplay() {
        let t0 = Date(timeIntervalSince1970: 1_750_000_000)
        func event(_ paper: String, _ action: Action, _ minutes: Double, value: String? = nil) -> Event {
            Event(user: "u", paperID: paper, action: action, time: t0.addingTimeInterval(minutes * 60), value: value)
        }
        let events = [
            event("p1", .like, 0), event("p1", .dislike, 1),
            event("p2", .star, 2), event("p2", .unstar, 3), event("p2", .read, 4),
            event("p3", .star, 5), event("p3", .like, 6),
            event("p4", .dismiss, 7),
            event("", UserFeedback.interest, 8, value: "kv cache"), event("", UserFeedback.interest, 9, value: "diffusion"),
            event("", UserFeedback.interestRemoved, 10, value: "kv cache"),
            event("p5", .like, 60 * 24 * 400),
        ]
        let now = t0.addingTimeInterval(3600)
        let feedback = UserFeedback(events: events, now: now)
        #expect(feedback.rejectedPapers == ["p1", "p4"])
        #expect(feedback.reactedPapers == ["p1", "p2", "p3", "p4"], "events after --now are not replayed")
        #expect(feedback.interests == ["diffusion"])
        let strengths = feedback.strengths(model: model, now: now)
        #expect(strengths["p1"]! < 0 && strengths["p4"]! < strengths["p1"]!)
        #expect(strengths["p3"]! > strengths["p2"]!, "a starred paper outweighs a read one")
        let later = feedback.strengths(model: model, now: now.addingTimeInterval(model.feedback.halfLifeDays * 86_400))
        #expect(abs(later["p3"]! / strengths["p3"]! - 0.5) < 1e-3)
    }

    @Test func bundledModelIsValidAndFileErrorsNameTheField() throws {
        #expect(model.problem == nil)
        let directory = TemporaryDirectory()
        var broken = model
        broken.queue.windowDays = 0
        let data = try JSONEncoder().encode(broken)
        let path = directory.file("bad.json", bytes: [UInt8](data))
        #expect { try RankingModel.load(path: path) } throws: { ($0 as? FolioError)?.message.contains("queue.windowDays") == true }
        let missing = directory.file("missing.json", "{\"name\": \"x\", \"version\": 1}")
        #expect { try RankingModel.load(path: missing) } throws: { ($0 as? FolioError)?.message.contains("missing field \"features\"") == true }
    }

    @Test func authorTokensMatchAcrossSpellings() {
        #expect(AuthorTokens.token(for: "Arita, Masanori") == "au:arita_m")
        #expect(AuthorTokens.token(for: "Masanori Arita") == "au:arita_m")
        #expect(AuthorTokens.token(for: "M. Arita") == "au:arita_m")
        #expect(AuthorTokens.token(for: "Jörg Koppitz") == "au:koppitz_j")
        #expect(AuthorTokens.token(for: "van der Berg, Anna") == "au:van-der-berg_a")
        #expect(AuthorTokens.token(for: "Plato") == "au:plato")
        #expect(AuthorTokens.token(for: "  ") == nil)
        #expect(AuthorTokens.tokens(of: ["A. Smith", "Alan Smith", "B. Jones"]) == ["au:smith_a", "au:jones_b"])
    }

    @Test func pairsAndAuthorsBecomeFeatures() {
        // Terms 0–3 in 4 of 40 papers each (within the 10% limit); pair (0,1) in 3 papers; author term 3.
        var vocabulary = Vocabulary(documentCount: 40, documentFrequencies: [4, 4, 4, 4], names: ["a", "b", "c", "au:x_y"])
        vocabulary.pairFrequencies = [SparseVector.bigramKey(0, 1): 3]
        var features = model.features
        features.bigrams = true
        features.authors = true
        let vectorizer = Vectorizer(vocabulary: vocabulary, features: features)
        let terms = PaperTerms(titleTerms: [0, 1], abstractTerms: [2, 0, 1], authorTerms: [3])
        let vector = vectorizer.vector(terms)
        #expect(vector.keys == [0, 1, 2, 3, SparseVector.bigramKey(0, 1)])
        #expect(abs(vector.norm - 1) < 1e-6)
        // Pairs never cross from the title into the abstract: (1, 2) is not a feature even if frequent.
        #expect(!Vectorizer.pairs(terms).contains(SparseVector.bigramKey(1, 2)))
        #expect(vectorizer.authorVector(terms).keys == [3])
        features.authors = false
        #expect(!Vectorizer(vocabulary: vocabulary, features: features).vector(terms).keys.contains(3))
    }

    @Test func centroidIgnoresWhatEveryPaperShares() {
        // Every paper shares feature 0; the liked papers are about feature 1, others about feature 2.
        let liked = (0 ..< 2).map { LabeledPaper(id: "l\($0)", vector: vector([0: 1, 1: 1]).normalized(), strength: 1) }
        let mean = vector([0: 0.7, 1: 0.35, 2: 0.35])
        var learner = model.learner
        learner.svmWeight = 0
        let taste = TasteModel.train(labeled: liked, unlabeled: [], mean: mean, learner: learner, seed: 1)
        let onTopic = taste.centroidScore(vector([0: 1, 1: 1]).normalized())
        let offTopic = taste.centroidScore(vector([0: 1, 2: 1]).normalized())
        let generic = taste.centroidScore(vector([0: 1]))
        #expect(onTopic > generic && generic > offTopic)
        #expect(onTopic > 0.5 && offTopic < 0)
    }

    @Test func sharedAuthorsRaiseTheAuthorScore() {
        let liked = [LabeledPaper(id: "l", vector: vector([1: 1]), authorVector: vector([100: 1]), strength: 1)]
        let taste = TasteModel(svm: nil, labeled: liked, learner: model.learner)
        #expect(taste.authorScore(vector([100: 1])) == 1)
        #expect(taste.authorScore(vector([101: 1])) == 0)
        let scores = taste.scores([vector([1: 1]), vector([1: 1])], authorVectors: [vector([100: 1]), vector([101: 1])])
        #expect(scores[0] > scores[1])
    }
}
