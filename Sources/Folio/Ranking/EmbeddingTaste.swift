/// The part of a user's taste learned from the papers' sentence embeddings (``PaperEmbedding``): a
/// linear SVM over the 384 dimensions, trained on the same labelled papers and unlabelled sample as
/// the TF-IDF one, and the cosine to the centroid of what was liked, both relative to the sample's
/// mean embedding (so what every paper of the catalogue shares does not count).
///
/// Embeddings see that two papers say the same thing in other words, which TF-IDF cannot; TF-IDF sees
/// rare names and terms an embedding blurs. Their scores are z-scored and mixed in ``TasteModel/combine(_:neighborScores:interestScores:)``.
struct EmbeddingTaste: Sendable, Equatable {
    var svm: LinearSVM?
    /// Σ s·(e − μ)/|e − μ| over the labelled papers, normalised; empty when nothing was liked.
    var centroid: [Float]
    /// The mean embedding of the corpus sample.
    var mean: [Float]

    /// The SVM's weights as a dense array, for scoring records in place.
    private let weights: [Float]
    private let meanNormSquared: Float
    /// c·μ, so that (x − μ)·c is x·c less it.
    private let centroidMean: Float

    init(svm: LinearSVM?, centroid: [Float], mean: [Float]) {
        self.svm = svm
        self.centroid = centroid
        self.mean = mean
        var weights = [Float](repeating: 0, count: SentenceEncoder.dimensions)
        if let svm {
            for (key, value) in zip(svm.weights.keys, svm.weights.values) where key < UInt64(weights.count) { weights[Int(key)] = value }
        }
        self.weights = weights
        meanNormSquared = PaperEmbedding.dot(mean, mean)
        centroidMean = PaperEmbedding.dot(centroid, mean)
    }

    static func == (a: EmbeddingTaste, b: EmbeddingTaste) -> Bool {
        a.svm == b.svm && a.centroid == b.centroid && a.mean == b.mean
    }

    /// A paper's SVM score and centred centroid cosine.
    func scores(_ embedding: [Float]) -> (svm: Float, centroid: Float) {
        (PaperEmbedding.dot(weights, embedding) + (svm?.bias ?? 0), centroidScore(xc: PaperEmbedding.dot(centroid, embedding), xMean: PaperEmbedding.dot(mean, embedding)))
    }

    /// The same, read from a stored record in place.
    func scores(record bytes: [UInt8]) throws(RecordCodec.Failure) -> (svm: Float, centroid: Float) {
        let values = try PaperEmbedding.decode(bytes)
        return scores(values)
    }

    private func centroidScore(xc: Float, xMean: Float) -> Float {
        guard !centroid.isEmpty else { return 0 }
        // (x − μ)·c / |x − μ|, with |x| = 1.
        let centred = xc - centroidMean
        let norm = max(1e-6, (1 - 2 * xMean + meanNormSquared).squareRoot())
        return centred / norm
    }

    /// Trains on the labelled papers that have embeddings (with their signed strengths) against the
    /// unlabelled sample's; `nil` when no liked paper has an embedding.
    static func train(labeled: [(embedding: [Float], strength: Double)], unlabeled: [[Float]], learner: RankingModel.Learner, seed: UInt64) -> EmbeddingTaste? {
        let positives = labeled.filter { $0.strength > 0 }
        guard !positives.isEmpty else { return nil }
        let dimensions = SentenceEncoder.dimensions
        var mean = [Float](repeating: 0, count: dimensions)
        for vector in unlabeled { for index in 0 ..< dimensions { mean[index] += vector[index] } }
        if !unlabeled.isEmpty { for index in 0 ..< dimensions { mean[index] /= Float(unlabeled.count) } }

        // The centroid of the liked (less the rejected) papers' centred, normalised embeddings.
        var centroid = [Float](repeating: 0, count: dimensions)
        for paper in labeled {
            var centred = zip(paper.embedding, mean).map { $0 - $1 }
            let norm = max(1e-6, PaperEmbedding.dot(centred, centred).squareRoot())
            for index in 0 ..< dimensions { centred[index] /= norm }
            for index in 0 ..< dimensions { centroid[index] += Float(paper.strength) * centred[index] }
        }
        let length = PaperEmbedding.dot(centroid, centroid).squareRoot()
        if length > 0 { centroid = centroid.map { $0 / length } }

        var svm: LinearSVM?
        if positives.count >= learner.minimumPositivesForSVM, learner.embeddingWeight != 0 {
            // Balanced as the TF-IDF SVM is: each side carries half the total weight.
            let negatives = labeled.filter { $0.strength < 0 }
            let positiveStrength = positives.reduce(0) { $0 + $1.strength }
            let total = Double(positives.count + negatives.count + unlabeled.count)
            let labeledScale = total / (2 * positiveStrength)
            let unlabeledScale = unlabeled.isEmpty ? 0 : learner.unlabeledWeight * total / (2 * Double(unlabeled.count))
            let c = learner.embeddingRegularization
            let keys = (0 ..< UInt64(dimensions)).map { $0 }
            func features(_ vector: [Float]) -> SparseVector { SparseVector(sortedKeys: keys, values: vector) }
            var examples: [LinearSVM.Example] = []
            examples.reserveCapacity(labeled.count + unlabeled.count)
            for paper in labeled where paper.strength != 0 {
                examples.append(.init(features: features(paper.embedding), label: paper.strength > 0 ? 1 : -1, cost: Float(c * abs(paper.strength) * labeledScale)))
            }
            for vector in unlabeled { examples.append(.init(features: features(vector), label: -1, cost: Float(c * unlabeledScale))) }
            svm = LinearSVM.train(examples, epochs: learner.epochs, seed: seed)
        }
        return EmbeddingTaste(svm: svm, centroid: centroid, mean: mean)
    }

    // MARK: Record

    func write(to writer: inout BinaryWriter) {
        if let svm {
            writer.byte(1)
            writer.bigEndian(svm.bias.bitPattern)
            svm.weights.write(to: &writer)
        } else {
            writer.byte(0)
        }
        for vector in [centroid, mean] {
            writer.varint(vector.count)
            for value in vector { writer.bigEndian(value.bitPattern) }
        }
    }

    static func read(_ reader: inout BinaryReader, limit: Int) throws(BinaryReader.Failure) -> EmbeddingTaste {
        var svm: LinearSVM?
        if try reader.byte() == 1 {
            let bias = Float(bitPattern: try reader.bigEndian32())
            svm = LinearSVM(weights: try SparseVector.read(&reader, limit: limit), bias: bias)
        }
        var vectors: [[Float]] = []
        for _ in 0 ..< 2 {
            let count = try reader.count(atMost: limit)
            var vector: [Float] = []
            vector.reserveCapacity(count)
            for _ in 0 ..< count { vector.append(Float(bitPattern: try reader.bigEndian32())) }
            vectors.append(vector)
        }
        return EmbeddingTaste(svm: svm, centroid: vectors[0], mean: vectors[1])
    }
}
