import Foundation
internal import FolioModels

/// Every number that shapes ranking, with its meaning: the shipped `Models/ranking-default.json`,
/// or a file given with `--model`.
///
/// The card `Models/ranking-default.md` says where each default comes from.
public struct RankingModel: Sendable, Codable, Equatable {
    /// The model's name and version, shown by `folio stats` and stored with persisted queues.
    public var name: String
    public var version: Int
    public var features: Features
    public var feedback: Feedback
    public var learner: Learner
    public var queue: Queue
    public var search: Search
    public var resurfacing: Resurfacing

    /// How a paper becomes a vector.
    public struct Features: Sendable, Codable, Equatable {
        /// How many times a title term counts relative to an abstract term.
        public var titleWeight: Double
        /// Terms in fewer papers than this are left out (too rare to generalise from).
        public var minimumDocumentFrequency: Int
        /// Terms in more than this fraction of papers are left out (too common to discriminate).
        public var maximumDocumentFraction: Double
        /// Whether adjacent term pairs (within title or abstract) are features too.
        public var bigrams: Bool
        /// Whether author tokens are features too.
        public var authors: Bool
        /// The statistics that weight features are frozen in a ranking space, made anew (and every paper
        /// re-weighted) once the corpus has grown by this fraction since: weights stay consistent across
        /// papers, and the cost of keeping them so is amortised over the papers added.
        public var refreshGrowth: Double
    }

    /// How much each action says about the user's taste.
    public struct Feedback: Sendable, Codable, Equatable {
        /// Signed strength per action: positive for liking, negative for rejecting.
        public var actionWeights: [String: Double]
        /// Feedback this many days old counts half as much as today's.
        public var halfLifeDays: Double
        /// Strength of each free-text interest, treated like a liked paper.
        public var interestWeight: Double
    }

    /// The per-user taste model trained on feedback: a mix of three scores, each standardised over
    /// the papers being ranked.
    public struct Learner: Sendable, Codable, Equatable {
        /// The SVM's misclassification cost C (smaller: smoother, closer to the centroid of what was liked).
        public var regularization: Double
        /// Passes of dual coordinate descent over the examples.
        public var epochs: Int
        /// Total weight of the unlabelled papers, as weak negatives, relative to the positives' total.
        public var unlabeledWeight: Double
        /// The size of the corpus sample (a stable pseudo-random set kept by ingest): its papers serve as
        /// weak negatives, and the corpus statistics ranking needs beyond document frequencies come from it.
        public var maximumUnlabeled: Int
        /// The SVM is trained only from this many liked papers on; below, it is unreliable.
        public var minimumPositivesForSVM: Int
        /// Weight of the linear SVM's score.
        public var svmWeight: Double
        /// Weight of the similarity to the centroid of what was liked, both taken relative to the catalogue's mean.
        public var centroidWeight: Double
        /// Weight of the shared-authors score.
        public var authorWeight: Double
        /// Weight of the summed similarity to the `neighbors` most similar liked papers.
        public var neighborWeight: Double
        /// Weight of the linear SVM over the papers' sentence embeddings (all-MiniLM-L6-v2, stored under
        /// `N·`); counted only when the store has embeddings.
        public var embeddingWeight: Double
        /// The embedding SVM's misclassification cost C.
        public var embeddingRegularization: Double
        /// Weight of the cosine between a paper's embedding and the centroid of the liked papers'
        /// embeddings, both relative to the corpus sample's mean embedding.
        public var embeddingCentroidWeight: Double
        /// `similar`: the share of embedding cosine in the similarity, the rest being TF-IDF cosine
        /// (0: TF-IDF alone; used only when both papers have embeddings).
        public var similarEmbeddingShare: Double
        /// How many of the most similar liked papers the neighbour score sums.
        public var neighbors: Int
        /// A trained taste is kept in the store and used again until the user's log or the ranking space
        /// changes, or it is this many days old (feedback fades with `halfLifeDays`, so a week moves
        /// weights by about 1% at the default half-life).
        public var retrainAfterDays: Int
    }

    /// How the daily queue is made.
    public struct Queue: Sendable, Codable, Equatable {
        /// Items in a queue unless `--limit` says otherwise.
        public var defaultLimit: Int
        /// Papers listed within this many days before the queue's day are candidates.
        public var windowDays: Int
        /// A paper this many days old has half the recency of one listed today.
        public var recencyHalfLifeDays: Double
        /// Mix of the final score: taste (z-scored), recency (0…1) and popularity (0…1).
        public var tasteWeight: Double
        public var recencyWeight: Double
        public var popularityWeight: Double
        /// Daily pages that give half the full popularity (popularity = pages / (pages + this)).
        public var popularitySaturation: Double
        /// Maximal marginal relevance: 1 ranks by score alone, lower values trade score for variety.
        public var diversityLambda: Double
        /// A paper shown on this many earlier days without any reaction is not shown again.
        public var maximumShowsWithoutReaction: Int
    }

    /// How starred papers come back in the daily queue (their intervals come from the FSRS model).
    public struct Resurfacing: Sendable, Codable, Equatable {
        /// At most this many starred papers in one day's queue; the rest wait, lowest recall chance first.
        public var dailyBudget: Int
        /// Resurfacing items go at these positions of the queue (1-based), in triage order.
        public var positions: [Int]
    }

    /// Keyword search: Okapi BM25 over title and abstract terms.
    public struct Search: Sendable, Codable, Equatable {
        /// Term-frequency saturation.
        public var k1: Double
        /// Length normalisation (0: none, 1: full).
        public var b: Double
        /// How many times a title occurrence counts relative to an abstract one.
        public var titleWeight: Double
    }

    /// The model shipped with Folio.
    public static let standard: RankingModel = {
        guard let bytes = BundledModels.bytes(named: "ranking-default.json") else {
            preconditionFailure("The bundled model ranking-default.json is missing: the EmbedModels plugin did not compile Models/")
        }
        do {
            return try decode(Data(bytes), source: "Models/ranking-default.json")
        } catch {
            preconditionFailure("The bundled ranking model is invalid: \(error)")
        }
    }()

    /// Reads a model file, with an error naming the file and the field at fault.
    public static func load(path: String) throws -> RankingModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FolioError(.invalidInput, "cannot read the ranking model", file: path)
        }
        return try decode(data, source: path)
    }

    static func decode(_ data: Data, source: String) throws -> RankingModel {
        let model: RankingModel
        do {
            model = try JSONDecoder().decode(RankingModel.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw FolioError(.invalidInput, "missing field \"\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))\"", file: source)
        } catch let DecodingError.typeMismatch(type, context) {
            throw FolioError(.invalidInput, "field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" should be \(type)", file: source)
        } catch let DecodingError.valueNotFound(type, context) {
            throw FolioError(.invalidInput, "field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" should be \(type), found null", file: source)
        } catch {
            throw FolioError(.invalidInput, "not a ranking model: \(error)", file: source)
        }
        if let problem = model.problem { throw FolioError(.invalidInput, problem, file: source) }
        return model
    }

    /// The first value out of its range, described, or `nil` when all are sensible.
    var problem: String? {
        let checks: [(Bool, String)] = [
            (features.titleWeight > 0, "features.titleWeight must be positive"),
            (features.minimumDocumentFrequency >= 1, "features.minimumDocumentFrequency must be at least 1"),
            (features.maximumDocumentFraction > 0 && features.maximumDocumentFraction <= 1, "features.maximumDocumentFraction must be in (0, 1]"),
            (features.refreshGrowth > 0, "features.refreshGrowth must be positive"),
            (feedback.halfLifeDays > 0, "feedback.halfLifeDays must be positive"),
            (learner.retrainAfterDays >= 1, "learner.retrainAfterDays must be at least 1"),
            (learner.regularization > 0, "learner.regularization must be positive"),
            (learner.epochs >= 1, "learner.epochs must be at least 1"),
            (learner.unlabeledWeight >= 0, "learner.unlabeledWeight must not be negative"),
            (learner.neighbors >= 1, "learner.neighbors must be at least 1"),
            (learner.embeddingRegularization > 0, "learner.embeddingRegularization must be positive"),
            (learner.similarEmbeddingShare >= 0 && learner.similarEmbeddingShare <= 1, "learner.similarEmbeddingShare must be in [0, 1]"),
            (queue.defaultLimit >= 1, "queue.defaultLimit must be at least 1"),
            (queue.windowDays >= 1, "queue.windowDays must be at least 1"),
            (queue.recencyHalfLifeDays > 0, "queue.recencyHalfLifeDays must be positive"),
            (queue.diversityLambda >= 0 && queue.diversityLambda <= 1, "queue.diversityLambda must be in [0, 1]"),
            (queue.popularitySaturation > 0, "queue.popularitySaturation must be positive"),
            (queue.maximumShowsWithoutReaction >= 1, "queue.maximumShowsWithoutReaction must be at least 1"),
            (search.k1 >= 0, "search.k1 must not be negative"),
            (resurfacing.dailyBudget >= 0, "resurfacing.dailyBudget must not be negative"),
            (resurfacing.positions.count >= resurfacing.dailyBudget, "resurfacing.positions needs a position for each of the daily budget's items"),
            (resurfacing.positions.allSatisfy { $0 >= 1 }, "resurfacing.positions are 1-based"),
            (search.b >= 0 && search.b <= 1, "search.b must be in [0, 1]"),
            (search.titleWeight > 0, "search.titleWeight must be positive"),
        ]
        return checks.first { !$0.0 }?.1
    }

    /// The signed strength of an action, or `nil` when it says nothing about taste.
    func weight(of action: Action) -> Double? {
        feedback.actionWeights[action.rawValue]
    }
}
