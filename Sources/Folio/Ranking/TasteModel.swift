import Foundation

/// What one user's feedback says about a paper: signed strength, already decayed by age.
struct LabeledPaper: Sendable {
    var id: String
    var vector: SparseVector
    /// Positive for papers the user wants more of, negative for papers they reject.
    var strength: Double
}

/// A user's taste, learned from their feedback: a linear SVM over TF-IDF vectors (liked papers
/// against rejected ones and, as weak negatives, papers they never saw), plus a nearest-neighbour
/// score that keeps each separate interest of a user with several alive.
///
/// Pure: trained and used without a store, so tests can drive it with known vectors.
struct TasteModel: Sendable {
    let svm: LinearSVM?
    let labeled: [LabeledPaper]
    let learner: RankingModel.Learner

    /// Whether there is any feedback to go on.
    var isEmpty: Bool { labeled.isEmpty }

    /// Trains on the labelled papers, with `unlabeled` as weak negatives.
    /// - Parameter seed: orders the solver's passes; the same seed gives the same model.
    static func train(labeled: [LabeledPaper], unlabeled: [SparseVector], learner: RankingModel.Learner, seed: UInt64) -> TasteModel {
        let positives = labeled.filter { $0.strength > 0 && !$0.vector.isEmpty }
        guard !positives.isEmpty else { return TasteModel(svm: nil, labeled: labeled, learner: learner) }
        let negatives = labeled.filter { $0.strength < 0 && !$0.vector.isEmpty }
        let positiveStrength = positives.reduce(0) { $0 + $1.strength }
        let unlabeledCount = unlabeled.count
        // Balanced classes, as LinearSVC's class_weight="balanced": each side carries half the total weight.
        let total = Double(positives.count + negatives.count + unlabeledCount)
        let labeledScale = total / (2 * positiveStrength)
        let unlabeledScale = unlabeledCount > 0 ? learner.unlabeledWeight * total / (2 * Double(unlabeledCount)) : 0
        var examples: [LinearSVM.Example] = []
        examples.reserveCapacity(positives.count + negatives.count + unlabeledCount)
        let c = learner.regularization
        for paper in positives {
            examples.append(.init(features: paper.vector, label: 1, cost: Float(c * paper.strength * labeledScale)))
        }
        for paper in negatives {
            examples.append(.init(features: paper.vector, label: -1, cost: Float(c * -paper.strength * labeledScale)))
        }
        for vector in unlabeled where !vector.isEmpty {
            examples.append(.init(features: vector, label: -1, cost: Float(c * unlabeledScale)))
        }
        let svm = LinearSVM.train(examples, epochs: learner.epochs, seed: seed)
        return TasteModel(svm: svm, labeled: labeled, learner: learner)
    }

    /// The linear model's score: how much the paper looks like what the user liked.
    func linearScore(_ vector: SparseVector) -> Float {
        svm?.score(vector) ?? 0
    }

    /// The summed similarity to the `neighbors` closest liked papers, less that to the closest rejected ones,
    /// and the closest liked paper with its similarity.
    func neighborScore(_ vector: SparseVector) -> (score: Float, nearest: (id: String, similarity: Float)?) {
        var liked: [Float] = []
        var rejected: [Float] = []
        var nearest: (id: String, similarity: Float)?
        for paper in labeled {
            let similarity = vector.dot(paper.vector)
            if paper.strength > 0 {
                liked.append(similarity * Float(paper.strength))
                if similarity > (nearest?.similarity ?? 0) { nearest = (paper.id, similarity) }
            } else {
                rejected.append(similarity * Float(-paper.strength))
            }
        }
        let k = learner.neighbors
        let score = Self.sumOfLargest(liked, k) - Self.sumOfLargest(rejected, k)
        return (score, nearest)
    }

    /// Scores for a set of papers: the linear and neighbour scores, each standardised over the set, summed.
    /// Zero for everything when there is no feedback.
    func scores(_ vectors: [SparseVector]) -> [Float] {
        guard !isEmpty else { return [Float](repeating: 0, count: vectors.count) }
        let linear = Self.standardized(vectors.map(linearScore))
        let neighbor = Self.standardized(vectors.map { neighborScore($0).score })
        let weight = Float(learner.neighborWeight)
        return zip(linear, neighbor).map { svm == nil ? $1 : $0 + weight * $1 }
    }

    /// The terms that push a paper's score up the most, with their share.
    func strongestFeatures(of vector: SparseVector, limit: Int) -> [(key: UInt64, contribution: Float)] {
        guard let svm else { return [] }
        var contributions: [(key: UInt64, contribution: Float)] = []
        for (key, value) in zip(vector.keys, vector.values) {
            if let weight = svm.weights[key], weight * value > 0 { contributions.append((key, weight * value)) }
        }
        return Array(contributions.sorted { ($0.contribution, $1.key) > ($1.contribution, $0.key) }.prefix(limit))
    }

    static func sumOfLargest(_ values: [Float], _ k: Int) -> Float {
        guard !values.isEmpty else { return 0 }
        if values.count <= k { return values.reduce(0, +) }
        return values.sorted(by: >).prefix(k).reduce(0, +)
    }

    /// (x − mean) / standard deviation; all zeros when the values do not vary.
    static func standardized(_ values: [Float]) -> [Float] {
        guard values.count > 1 else { return values.map { _ in 0 } }
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        let deviation = variance.squareRoot()
        guard deviation > 1e-9 else { return values.map { _ in 0 } }
        return values.map { ($0 - mean) / deviation }
    }
}
