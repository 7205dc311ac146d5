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
/// - optionally, the summed similarity to the nearest liked papers;
/// - when the store has sentence embeddings, an SVM over them and the cosine to their liked centroid
///   (``EmbeddingTaste``), standardised over the papers that have one.
///
/// Pure: trained and used without a store, so tests drive it with known vectors.
struct TasteModel: Sendable {
    /// What a trained taste consists of: all a stored taste needs to be used again (the catalogue's
    /// mean and the labelled papers' vectors are stored elsewhere, once).
    struct Parts: Sendable, Equatable {
        var svm: LinearSVM?
        /// The liked and rejected papers with their strength.
        var labeled: [(id: String, strength: Double)]
        /// The centroid direction, as `sparse − scale · mean`.
        var centroid: SparseVector
        var centroidMeanScale: Float
        /// |mean|², for the centred norm of a paper.
        var meanNormSquared: Float
        var authorProfile: SparseVector
        var interests: [(text: String, vector: SparseVector)]
        /// What was learned from sentence embeddings, when the store has them.
        var embedding: EmbeddingTaste? = nil

        static func == (a: Parts, b: Parts) -> Bool {
            a.svm == b.svm && a.embedding == b.embedding && a.centroid == b.centroid && a.centroidMeanScale == b.centroidMeanScale && a.meanNormSquared == b.meanNormSquared && a.authorProfile == b.authorProfile
                && a.labeled.elementsEqual(b.labeled) { $0.id == $1.id && $0.strength == $1.strength }
                && a.interests.elementsEqual(b.interests) { $0.text == $1.text && $0.vector == $1.vector }
        }
    }

    let parts: Parts
    let labeled: [LabeledPaper]
    let learner: RankingModel.Learner
    let interestWeight: Double
    private let centroid: WeightTable
    private let mean: WeightTable
    private let meanNormSquared: Float
    private let authorProfile: WeightTable

    var svm: LinearSVM? { parts.svm }
    /// Free-text interests, as vectors that keep every known word (however common), with their weight.
    var interests: [(text: String, vector: SparseVector)] { parts.interests }

    /// Whether there is any feedback to go on.
    var isEmpty: Bool { parts.labeled.isEmpty && parts.interests.isEmpty }

    init(svm: LinearSVM?, labeled: [LabeledPaper], learner: RankingModel.Learner, mean: SparseVector = .empty,
         interests: [(text: String, vector: SparseVector)] = [], interestWeight: Double = 1, embedding: EmbeddingTaste? = nil) {
        let meanNormSquared = mean.dot(mean)
        let meanTable = WeightTable(mean)
        // c = Σ s·(q − μ)/|q − μ| / Σ|s|  =  Σ (s/n)·q / S  −  (Σ s/n / S)·μ
        var sum: [UInt64: Float] = [:]
        var scale: Float = 0
        var authors: [UInt64: Float] = [:]
        let total = Float(labeled.reduce(0) { $0 + abs($1.strength) })
        for paper in labeled where !paper.vector.isEmpty && total > 0 {
            let norm = max(1e-6, (1 - 2 * meanTable.dot(paper.vector) + meanNormSquared).squareRoot())
            let weight = Float(paper.strength) / norm / total
            for (key, value) in zip(paper.vector.keys, paper.vector.values) { sum[key, default: 0] += weight * value }
            scale += weight
        }
        for paper in labeled {
            for (key, value) in zip(paper.authorVector.keys, paper.authorVector.values) { authors[key, default: 0] += Float(paper.strength) * value }
        }
        let parts = Parts(svm: svm, labeled: labeled.map { ($0.id, $0.strength) }, centroid: SparseVector(sum), centroidMeanScale: scale,
                          meanNormSquared: meanNormSquared, authorProfile: SparseVector(authors), interests: interests, embedding: embedding)
        self.init(parts: parts, labeled: labeled, learner: learner, mean: mean, interestWeight: interestWeight)
    }

    /// A taste from its stored parts.
    /// - Parameters:
    ///   - labeled: the labelled papers with their vectors (for the nearest-paper reason and the neighbour score).
    ///   - mean: the catalogue's mean, needed only to score vectors that do not carry their product with it.
    init(parts: Parts, labeled: [LabeledPaper], learner: RankingModel.Learner, mean: SparseVector = .empty, interestWeight: Double) {
        self.parts = parts
        self.labeled = labeled
        self.learner = learner
        self.interestWeight = interestWeight
        self.mean = WeightTable(mean)
        meanNormSquared = parts.meanNormSquared
        centroid = WeightTable(parts.centroid)
        authorProfile = WeightTable(parts.authorProfile)
    }

    private func fusedWeights(of key: UInt64) -> SIMD2<Float> {
        SIMD2(svm?.weight(of: key) ?? 0, centroid.weight(of: key))
    }

    /// Trains on the labelled papers, with `unlabeled` as weak negatives and `mean` the catalogue's mean vector.
    /// - Parameter seed: orders the solver's passes; the same seed gives the same model.
    /// - Parameter embedding: the part learned from sentence embeddings, trained beforehand (``EmbeddingTaste/train(labeled:unlabeled:learner:seed:)``).
    static func train(labeled: [LabeledPaper], unlabeled: [SparseVector], mean: SparseVector = .empty, learner: RankingModel.Learner,
                      interests: [(text: String, vector: SparseVector)] = [], interestWeight: Double = 1, embedding: EmbeddingTaste? = nil,
                      seed: UInt64) -> TasteModel {
        let positives = labeled.filter { $0.strength > 0 && !$0.vector.isEmpty }
        guard positives.count >= learner.minimumPositivesForSVM, learner.svmWeight > 0 else {
            return TasteModel(svm: nil, labeled: labeled, learner: learner, mean: mean, interests: interests, interestWeight: interestWeight,
                              embedding: embedding)
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
        return TasteModel(svm: svm, labeled: labeled, learner: learner, mean: mean, interests: interests, interestWeight: interestWeight,
                          embedding: embedding)
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
        centroidScore(xc: centroid.dot(vector), xMean: mean.dot(vector))
    }

    /// From the paper's dot products with the centroid's sparse part (`xc`) and with the mean.
    private func centroidScore(xc sparse: Float, xMean: Float) -> Float {
        let xc = sparse - parts.centroidMeanScale * xMean
        let norm = max(1e-6, (1 - 2 * xMean + meanNormSquared).squareRoot())
        return xc / norm
    }

    /// How much the paper's authors overlap with those of what was liked (less what was rejected).
    func authorScore(_ authorVector: SparseVector) -> Float {
        authorProfile.dot(authorVector)
    }

    /// For each vector, the summed similarity to the `neighbors` closest liked papers, less that to the
    /// closest rejected ones: through one inverted index of the labelled papers, a lookup per feature
    /// of a vector instead of a merge with every one.
    func neighborScores(_ vectors: [SparseVector]) -> [Float] {
        let index = InvertedVectors(labeled.map(\.vector))
        let k = learner.neighbors
        var liked: [Float] = []
        var rejected: [Float] = []
        return vectors.map { vector in
            liked.removeAll(keepingCapacity: true)
            rejected.removeAll(keepingCapacity: true)
            for (paper, similarity) in zip(labeled, index.products(with: vector)) {
                if paper.strength > 0 {
                    liked.append(similarity * Float(paper.strength))
                } else {
                    rejected.append(similarity * Float(-paper.strength))
                }
            }
            return Self.sumOfLargest(liked, k) - Self.sumOfLargest(rejected, k)
        }
    }

    /// For each vector, the liked paper it is most similar to (the first of equals) and that
    /// similarity, when any is above zero: what a reason names. Only the liked papers are indexed.
    func nearestLiked(_ vectors: [SparseVector]) -> [(id: String, similarity: Float)?] {
        let liked = labeled.filter { $0.strength > 0 }
        guard !liked.isEmpty else { return vectors.map { _ in nil } }
        let index = InvertedVectors(liked.map(\.vector))
        return vectors.map { vector in
            var nearest: (id: String, similarity: Float)?
            for (paper, similarity) in zip(liked, index.products(with: vector)) where similarity > (nearest?.similarity ?? 0) {
                nearest = (paper.id, similarity)
            }
            return nearest
        }
    }

    /// Scores for a set of papers: each component standardised over the set, weighted and summed.
    /// Zero for everything when there is no feedback.
    /// - Parameter textVectors: the papers' vectors without frequency pruning, to match interests (needed only when there are some).
    /// - Parameter meanProducts: the papers' products with the catalogue's mean, when known.
    /// - Parameter embeddings: the papers' sentence embeddings, `nil` for a paper that has none.
    func scores(_ vectors: [SparseVector], authorVectors: [SparseVector]? = nil, textVectors: [SparseVector]? = nil, meanProducts: [Float]? = nil,
                embeddings: [[Float]?]? = nil) -> [Float] {
        guard !isEmpty else { return [Float](repeating: 0, count: vectors.count) }
        let components = vectors.indices.map { index in
            var parts = self.components(vectors[index], authorVectors?[index] ?? .empty, meanProduct: meanProducts?[index])
            if let embedding = embeddings?[index] { parts.setEmbedding(embeddingScores(embedding)) }
            return parts
        }
        // The neighbour score is the costliest: computed only when it weighs something.
        let neighbors = learner.neighborWeight != 0 ? neighborScores(vectors) : nil
        let interestScores = interests.isEmpty ? nil : textVectors?.map { interestScore($0).score }
        return combine(components, neighborScores: neighbors, interestScores: interestScores)
    }

    /// What one paper scores on each linear part of the taste, before standardising over a set.
    struct Components: Sendable {
        var svm: Float = 0
        var centroid: Float = 0
        var author: Float = 0
        /// The embedding SVM's score and the embedding centroid's cosine, `nil` when the paper has no embedding.
        var embedding: Float? = nil
        var embeddingCentroid: Float = 0

        mutating func setEmbedding(_ scores: (svm: Float, centroid: Float)?) {
            embedding = scores?.svm
            embeddingCentroid = scores?.centroid ?? 0
        }
    }

    /// Whether the taste has an embedding part that weighs something: only then are embeddings read.
    var usesEmbeddings: Bool {
        parts.embedding != nil && (learner.embeddingWeight != 0 || learner.embeddingCentroidWeight != 0)
    }

    /// A paper's embedding scores, `nil` when the taste has no embedding part.
    func embeddingScores(_ embedding: [Float]) -> (svm: Float, centroid: Float)? {
        parts.embedding?.scores(embedding)
    }

    /// The same from a stored `N·` record, read in place.
    func embeddingScores(record: [UInt8]) throws(RecordCodec.Failure) -> (svm: Float, centroid: Float)? {
        try parts.embedding?.scores(record: record)
    }

    /// - Parameter meanProduct: the vector's product with the catalogue's mean, when known (stored vectors carry it).
    func components(_ vector: SparseVector, _ authorVector: SparseVector, meanProduct: Float? = nil) -> Components {
        Components(svm: linearScore(vector), centroid: centroidScore(xc: centroid.dot(vector), xMean: meanProduct ?? mean.dot(vector)),
                   author: authorScore(authorVector))
    }

    /// What scores stored paper vectors where they lie (``RecordScorer``).
    /// - Parameter fusing: whether to lay the SVM's and the centroid's weights side by side in one table
    ///   first, which pays when scoring the whole catalogue, not a day's candidates.
    func recordScorer(fusing: Bool) -> RecordScorer {
        RecordScorer(model: self, fusing: fusing)
    }

    /// Scores stored paper vectors read in place (no arrays built): one pass over a record's
    /// features, each looking up the SVM's and the centroid's weights at once in a table made for it.
    struct RecordScorer: Sendable {
        let model: TasteModel
        /// SVM and centroid weights side by side, so scoring a stored vector is one lookup per feature
        /// (empty when not fusing: two lookups per feature then).
        private let fused: [SIMD2<Float>]

        init(model: TasteModel, fusing: Bool) {
            self.model = model
            let parts = model.parts
            let largest = [parts.svm?.table.largestKey, parts.centroid.keys.last].compactMap { $0 }.max()
            if fusing, let largest, largest < WeightTable.denseLimit {
                var table = [SIMD2<Float>](repeating: .zero, count: Int(largest) + 1)
                parts.svm?.table.forEachWeight { key, value in table[Int(key)][0] = value }
                for (key, value) in zip(parts.centroid.keys, parts.centroid.values) { table[Int(key)][1] = value }
                fused = table
            } else {
                fused = []
            }
        }

        /// The components of a stored paper vector.
        /// - Returns: `nil` when the record belongs to another generation of the ranking space than `generation`.
        func components(record bytes: [UInt8], generation: UInt32) throws(RecordCodec.Failure) -> Components? {
            try bytes.withUnsafeBufferPointer { buffer throws(RecordCodec.Failure) in try components(record: buffer, generation: generation) }
        }

        /// The same, of a record where it lies.
        func components(record buffer: UnsafeBufferPointer<UInt8>, generation: UInt32) throws(RecordCodec.Failure) -> Components? {
            var sums = SIMD2<Float>()
            var author: Float = 0
            var reader = try PaperVectorReader(buffer)
            guard reader.generation == generation else { return nil }
            while let (key, value) = try reader.nextAuthor() { author += model.authorProfile.weight(of: key) * value }
            try fused.withUnsafeBufferPointer { table throws(RecordCodec.Failure) in
                let count = UInt64(table.count)
                try reader.forEachFeature { key, value in
                    sums += (key < count ? table[Int(key)] : model.fusedWeights(of: key)) * value
                }
            }
            let svm = model.parts.svm.map { $0.bias + sums[0] } ?? 0
            return Components(svm: svm, centroid: model.centroidScore(xc: sums[1], xMean: reader.meanProduct), author: author)
        }
    }

    /// Weighted sum of the standardised components (those with a weight and something to go on).
    func combine(_ components: [Components], neighborScores: [Float]? = nil, interestScores: [Float]? = nil) -> [Float] {
        var total = [Float](repeating: 0, count: components.count)
        guard !isEmpty else { return total }
        // Read in place (a whole catalogue's components make no arrays of each component).
        func add(_ weight: Double, _ component: some Collection<Float>) {
            guard weight != 0, let (mean, deviation) = Self.standardization(of: component) else { return }
            for (index, value) in zip(total.indices, component) { total[index] += Float(weight) * ((value - mean) / deviation) }
        }
        if svm != nil { add(learner.svmWeight, components.lazy.map(\.svm)) }
        if !parts.labeled.isEmpty { add(learner.centroidWeight, components.lazy.map(\.centroid)) }
        add(learner.authorWeight, components.lazy.map(\.author))
        if let embedding = parts.embedding {
            // Standardised over the papers that have an embedding; one without sits at the mean (0).
            func addPresent(_ weight: Double, _ value: (Components) -> Float) {
                guard weight != 0 else { return }
                let present = components.indices.filter { components[$0].embedding != nil }
                for (index, z) in zip(present, Self.standardized(present.map { value(components[$0]) })) { total[index] += Float(weight) * z }
            }
            if embedding.svm != nil { addPresent(learner.embeddingWeight) { $0.embedding ?? 0 } }
            addPresent(learner.embeddingCentroidWeight) { $0.embeddingCentroid }
        }
        if let neighborScores { add(learner.neighborWeight, neighborScores) }
        if let interestScores { add(interestWeight, interestScores) }
        return total
    }

    /// The features that push a paper's score up the most, with their share: the SVM's weights when it
    /// was trained, otherwise the centroid's.
    func strongestFeatures(of vector: SparseVector, limit: Int) -> [(key: UInt64, contribution: Float)] {
        var contributions: [(key: UInt64, contribution: Float)] = []
        if let svm {
            for (key, value) in zip(vector.keys, vector.values) {
                let weight = svm.weight(of: key)
                if weight * value > 0 { contributions.append((key, weight * value)) }
            }
        } else {
            contributions = vector.sharedFeatures(with: parts.centroid).filter { $0.contribution > 0 }
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
        guard let (mean, deviation) = standardization(of: values) else { return values.map { _ in 0 } }
        return values.map { ($0 - mean) / deviation }
    }

    /// The mean and standard deviation that standardise `values`; `nil` when they do not spread (all
    /// then standardise to 0).
    static func standardization(of values: some Collection<Float>) -> (mean: Float, deviation: Float)? {
        guard values.count > 1 else { return nil }
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        let deviation = variance.squareRoot()
        return deviation > 1e-9 ? (mean, deviation) : nil
    }
}

/// A few sparse vectors inverted, feature to the vectors that have it, to take a vector's dot product
/// with all of them at once. The products equal ``SparseVector/dot(_:)``'s to the bit: each sums the
/// same terms in the same (feature) order.
struct InvertedVectors: Sendable {
    /// Distinct features, ascending; the postings of `features[i]` are `starts[i] ..< starts[i + 1]`.
    private let features: [UInt64]
    private let starts: [Int]
    private let vectors: [Int32]
    private let values: [Float]
    let count: Int

    init(_ indexed: [SparseVector]) {
        count = indexed.count
        // Postings as (feature, vector, position in that vector), sorted by feature. A ranking space's
        // features and a few thousand vectors pack into one integer, which sorts several times faster.
        var postings: [(feature: UInt64, vector: Int32, position: Int32)] = []
        postings.reserveCapacity(indexed.reduce(0) { $0 + $1.count })
        for (index, vector) in indexed.enumerated() {
            for (position, key) in vector.keys.enumerated() { postings.append((key, Int32(index), Int32(position))) }
        }
        let packable = indexed.count < 1 << 12 && indexed.allSatisfy { $0.count < 1 << 12 && ($0.keys.last ?? 0) < 1 << 40 }
        if packable {
            var packed = postings.map { $0.feature << 24 | UInt64($0.vector) << 12 | UInt64($0.position) }
            packed.sort()
            postings = packed.map { ($0 >> 24, Int32($0 >> 12 & 0xFFF), Int32($0 & 0xFFF)) }
        } else {
            postings.sort { ($0.feature, $0.vector) < ($1.feature, $1.vector) }
        }
        var features: [UInt64] = [], starts: [Int] = []
        for (position, posting) in postings.enumerated() where features.last != posting.feature {
            features.append(posting.feature)
            starts.append(position)
        }
        starts.append(postings.count)
        self.features = features
        self.starts = starts
        vectors = postings.map(\.vector)
        values = postings.map { indexed[Int($0.vector)].values[Int($0.position)] }
    }

    /// The dot product of `vector` with each indexed vector, in their order.
    func products(with vector: SparseVector) -> [Float] {
        var products = [Float](repeating: 0, count: count)
        var low = 0
        for (key, value) in zip(vector.keys, vector.values) {
            // The vector's keys ascend, so each search starts where the last one ended.
            var high = features.count
            while low < high {
                let middle = (low + high) / 2
                if features[middle] < key { low = middle + 1 } else { high = middle }
            }
            guard low < features.count else { break }
            guard features[low] == key else { continue }
            for posting in starts[low] ..< starts[low + 1] { products[Int(vectors[posting])] += value * values[posting] }
            low += 1
        }
        return products
    }
}

/// Weights looked up by feature: a dense array when feature keys are small indices (a ranking
/// space's), a dictionary otherwise. Scoring a paper is then one lookup per feature, no hashing.
struct WeightTable: Sendable {
    /// Keys below this are stored densely (4 bytes each).
    static let denseLimit: UInt64 = 1 << 24

    private let dense: [Float]
    private let sparse: [UInt64: Float]

    /// A table of one weight per key from 0, as a stored taste keeps an SVM's (``readCompact(_:limit:)``).
    init(dense: [Float]) {
        self.dense = dense
        sparse = [:]
    }

    init(_ weights: SparseVector) {
        if let largest = weights.keys.last, largest >= Self.denseLimit {
            dense = []
            sparse = Dictionary(uniqueKeysWithValues: zip(weights.keys, weights.values))
        } else {
            var table = [Float](repeating: 0, count: Int(weights.keys.last.map { $0 + 1 } ?? 0))
            for (key, value) in zip(weights.keys, weights.values) { table[Int(key)] = value }
            dense = table
            sparse = [:]
        }
    }

    func weight(of key: UInt64) -> Float {
        key < UInt64(dense.count) ? dense[Int(key)] : sparse[key] ?? 0
    }

    /// Calls `body` with each nonzero weight, in key order.
    func forEachWeight(_ body: (_ key: UInt64, _ weight: Float) -> Void) {
        for (key, weight) in dense.enumerated() where weight != 0 { body(UInt64(key), weight) }
        for (key, weight) in sparse.sorted(by: { $0.key < $1.key }) where weight != 0 { body(key, weight) }
    }

    /// The largest key with a nonzero weight.
    var largestKey: UInt64? {
        if let key = sparse.keys.max() { return key }
        return dense.lastIndex { $0 != 0 }.map(UInt64.init)
    }

    /// The nonzero weights as a sparse vector.
    var vector: SparseVector {
        var keys: [UInt64] = [], values: [Float] = []
        forEachWeight { key, weight in
            keys.append(key)
            values.append(weight)
        }
        return SparseVector(sortedKeys: keys, values: values)
    }

    /// Reads what ``SparseVector/writeCompact(to:)`` wrote: the dense form becomes the table as it is.
    static func readCompact(_ reader: inout BinaryReader, limit: Int) throws(BinaryReader.Failure) -> WeightTable {
        guard try reader.byte() == 1 else { return WeightTable(try SparseVector.read(&reader, limit: limit)) }
        return WeightTable(dense: try reader.floats(count: reader.count(atMost: limit)))
    }

    func dot(_ vector: SparseVector) -> Float {
        var sum: Float = 0
        if sparse.isEmpty {
            let count = UInt64(dense.count)
            dense.withUnsafeBufferPointer { table in
                for (key, value) in zip(vector.keys, vector.values) where key < count { sum += table[Int(key)] * value }
            }
        } else {
            for (key, value) in zip(vector.keys, vector.values) { sum += (sparse[key] ?? 0) * value }
        }
        return sum
    }
}
