import Foundation

/// What one user's feedback says about a paper: signed strength, already decayed by age.
struct LabeledPaper: Sendable {
    var id: String
    var vector: SparseVector
    var authorVector: SparseVector = .empty
    /// Positive for papers the user wants more of, negative for papers they reject.
    var strength: Double
}

/// A user's taste, learned from their feedback, as a mix of scores each standardised over the papers
/// being ranked:
/// - a linear SVM over TF-IDF vectors (liked papers against rejected ones and, as weak negatives,
///   papers they never reacted to), the learner of arxiv-sanity-lite;
/// - the similarity to the centroid of what they liked, both taken relative to the catalogue's mean
///   (so what every paper shares does not count);
/// - shared authors with what they liked;
/// - optionally, the summed similarity to the nearest liked papers.
///
/// Pure: trained and used without a store, so tests drive it with known vectors.
struct TasteModel: Sendable {
    let svm: LinearSVM?
    let labeled: [LabeledPaper]
    let learner: RankingModel.Learner
    /// The centroid direction, as `sparse − scale · mean`, and what it needs to score a paper.
    private let centroid: SparseVector
    private let centroidMeanScale: Float
    private let mean: SparseVector
    private let meanWeights: [UInt64: Float]
    private let meanNormSquared: Float
    private let authorProfile: SparseVector
    /// Free-text interests, as vectors that keep every known word (however common), with their weight.
    let interests: [(text: String, vector: SparseVector)]
    let interestWeight: Double

    /// Whether there is any feedback to go on.
    var isEmpty: Bool { labeled.isEmpty && interests.isEmpty }

    init(svm: LinearSVM?, labeled: [LabeledPaper], learner: RankingModel.Learner, mean: SparseVector = .empty,
         interests: [(text: String, vector: SparseVector)] = [], interestWeight: Double = 1) {
        self.svm = svm
        self.labeled = labeled
        self.learner = learner
        self.interests = interests
        self.interestWeight = interestWeight
        self.mean = mean
        meanWeights = Dictionary(uniqueKeysWithValues: zip(mean.keys, mean.values))
        meanNormSquared = mean.dot(mean)
        // c = Σ s·(q − μ)/|q − μ| / Σ|s|  =  Σ (s/n)·q / S  −  (Σ s/n / S)·μ
        var sum: [UInt64: Float] = [:]
        var scale: Float = 0
        var authors: [UInt64: Float] = [:]
        let total = Float(labeled.reduce(0) { $0 + abs($1.strength) })
        for paper in labeled where !paper.vector.isEmpty && total > 0 {
            let norm = max(1e-6, (1 - 2 * paper.vector.dot(mean) + meanNormSquared).squareRoot())
            let weight = Float(paper.strength) / norm / total
            for (key, value) in zip(paper.vector.keys, paper.vector.values) { sum[key, default: 0] += weight * value }
            scale += weight
        }
        for paper in labeled {
            for (key, value) in zip(paper.authorVector.keys, paper.authorVector.values) { authors[key, default: 0] += Float(paper.strength) * value }
        }
        centroid = SparseVector(sum)
        centroidMeanScale = scale
        authorProfile = SparseVector(authors)
    }

    /// Trains on the labelled papers, with `unlabeled` as weak negatives and `mean` the catalogue's mean vector.
    /// - Parameter seed: orders the solver's passes; the same seed gives the same model.
    static func train(labeled: [LabeledPaper], unlabeled: [SparseVector], mean: SparseVector = .empty, learner: RankingModel.Learner,
                      interests: [(text: String, vector: SparseVector)] = [], interestWeight: Double = 1, seed: UInt64) -> TasteModel {
        let positives = labeled.filter { $0.strength > 0 && !$0.vector.isEmpty }
        guard positives.count >= learner.minimumPositivesForSVM, learner.svmWeight > 0 else {
            return TasteModel(svm: nil, labeled: labeled, learner: learner, mean: mean, interests: interests, interestWeight: interestWeight)
        }
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
        return TasteModel(svm: svm, labeled: labeled, learner: learner, mean: mean, interests: interests, interestWeight: interestWeight)
    }

    /// The best match of a paper's full text vector (no frequency pruning) with one of the interests.
    func interestScore(_ textVector: SparseVector) -> (score: Float, best: (text: String, similarity: Float)?) {
        var best: (text: String, similarity: Float)?
        for interest in interests {
            let similarity = textVector.dot(interest.vector)
            if similarity > (best?.similarity ?? 0) { best = (interest.text, similarity) }
        }
        return (best?.similarity ?? 0, best)
    }

    /// The linear model's score: how much the paper looks like what the user liked.
    func linearScore(_ vector: SparseVector) -> Float {
        svm?.score(vector) ?? 0
    }

    /// The cosine between the paper and the centroid of what was liked, both relative to the catalogue's mean.
    func centroidScore(_ vector: SparseVector) -> Float {
        var xMean: Float = 0
        for (key, value) in zip(vector.keys, vector.values) { xMean += value * (meanWeights[key] ?? 0) }
        let xc = vector.dot(centroid) - centroidMeanScale * xMean
        let norm = max(1e-6, (1 - 2 * xMean + meanNormSquared).squareRoot())
        return xc / norm
    }

    /// How much the paper's authors overlap with those of what was liked (less what was rejected).
    func authorScore(_ authorVector: SparseVector) -> Float {
        authorVector.dot(authorProfile)
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
        return (Self.sumOfLargest(liked, k) - Self.sumOfLargest(rejected, k), nearest)
    }

    /// Scores for a set of papers: each component standardised over the set, weighted and summed.
    /// Zero for everything when there is no feedback.
    /// - Parameter textVectors: the papers' vectors without frequency pruning, to match interests (needed only when there are some).
    func scores(_ vectors: [SparseVector], authorVectors: [SparseVector]? = nil, textVectors: [SparseVector]? = nil) -> [Float] {
        var total = [Float](repeating: 0, count: vectors.count)
        guard !isEmpty else { return total }
        // A component with no weight is not computed at all (the neighbour score is the costliest).
        func add(_ weight: Double, _ component: () -> [Float]) {
            guard weight != 0 else { return }
            for (index, value) in Self.standardized(component()).enumerated() { total[index] += Float(weight) * value }
        }
        if svm != nil { add(learner.svmWeight) { vectors.map(linearScore) } }
        if !labeled.isEmpty { add(learner.centroidWeight) { vectors.map(centroidScore) } }
        if let authorVectors { add(learner.authorWeight) { authorVectors.map(authorScore) } }
        add(learner.neighborWeight) { vectors.map { neighborScore($0).score } }
        if !interests.isEmpty, let textVectors { add(interestWeight) { textVectors.map { interestScore($0).score } } }
        return total
    }

    /// The features that push a paper's score up the most, with their share: the SVM's weights when it
    /// was trained, otherwise the centroid's.
    func strongestFeatures(of vector: SparseVector, limit: Int) -> [(key: UInt64, contribution: Float)] {
        var contributions: [(key: UInt64, contribution: Float)] = []
        if let svm {
            for (key, value) in zip(vector.keys, vector.values) {
                if let weight = svm.weights[key], weight * value > 0 { contributions.append((key, weight * value)) }
            }
        } else {
            contributions = vector.sharedFeatures(with: centroid).filter { $0.contribution > 0 }
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
