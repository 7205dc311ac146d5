/// A BERT encoder's weights and its forward pass, with mean pooling and L2 normalisation on top:
/// all-MiniLM-L6-v2 as sentence-transformers runs it.
///
/// Texts are packed one after another into a batch with no padding: the dense layers work on every
/// piece of the batch at once, and attention runs per text, so a text's vector does not depend on
/// what it was batched with (up to the order of float sums inside the BLAS).
final class BertEncoder: Sendable {
    struct Layer: Sendable {
        /// Query, key and value weights stacked into one (3·hidden)×hidden matrix: one product instead of three.
        let qkvWeight: [Float], qkvBias: [Float]
        let attentionOutputWeight: [Float], attentionOutputBias: [Float]
        let attentionNormWeight: [Float], attentionNormBias: [Float]
        let intermediateWeight: [Float], intermediateBias: [Float]
        let outputWeight: [Float], outputBias: [Float]
        let outputNormWeight: [Float], outputNormBias: [Float]
    }

    let configuration: EncoderConfiguration
    let wordEmbeddings: [Float]
    let positionEmbeddings: [Float]
    /// The token-type-0 row: every piece of a single text has type 0.
    let tokenTypeEmbedding: [Float]
    let embeddingNormWeight: [Float], embeddingNormBias: [Float]
    let layers: [Layer]

    /// Reads the weights from a safetensors file, checking every name and shape against `configuration`.
    init(weights file: SafeTensorsFile, configuration: EncoderConfiguration) throws(FolioError) {
        precondition(configuration.maxPieces <= configuration.maxPositions, "every piece needs a position embedding")
        self.configuration = configuration
        let hidden = configuration.hidden, intermediate = configuration.intermediate
        // Exports made from BertModel name tensors from the root; some made from other heads prefix them with `bert.`.
        let prefix = file.tensors["embeddings.word_embeddings.weight"] == nil && file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func tensor(_ name: String, _ shape: Int...) throws(FolioError) -> [Float] {
            try file.floats(prefix + name, shape: shape)
        }
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", configuration.vocabularySize, hidden)
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", configuration.maxPositions, hidden)
        tokenTypeEmbedding = Array(try tensor("embeddings.token_type_embeddings.weight", configuration.tokenTypes, hidden)[0 ..< hidden])
        embeddingNormWeight = try tensor("embeddings.LayerNorm.weight", hidden)
        embeddingNormBias = try tensor("embeddings.LayerNorm.bias", hidden)
        var layers: [Layer] = []
        for index in 0 ..< configuration.layers {
            let base = "encoder.layer.\(index)."
            let qkvWeight = try tensor(base + "attention.self.query.weight", hidden, hidden)
                + tensor(base + "attention.self.key.weight", hidden, hidden)
                + tensor(base + "attention.self.value.weight", hidden, hidden)
            let qkvBias = try tensor(base + "attention.self.query.bias", hidden)
                + tensor(base + "attention.self.key.bias", hidden)
                + tensor(base + "attention.self.value.bias", hidden)
            layers.append(Layer(
                qkvWeight: qkvWeight, qkvBias: qkvBias,
                attentionOutputWeight: try tensor(base + "attention.output.dense.weight", hidden, hidden),
                attentionOutputBias: try tensor(base + "attention.output.dense.bias", hidden),
                attentionNormWeight: try tensor(base + "attention.output.LayerNorm.weight", hidden),
                attentionNormBias: try tensor(base + "attention.output.LayerNorm.bias", hidden),
                intermediateWeight: try tensor(base + "intermediate.dense.weight", intermediate, hidden),
                intermediateBias: try tensor(base + "intermediate.dense.bias", intermediate),
                outputWeight: try tensor(base + "output.dense.weight", hidden, intermediate),
                outputBias: try tensor(base + "output.dense.bias", hidden),
                outputNormWeight: try tensor(base + "output.LayerNorm.weight", hidden),
                outputNormBias: try tensor(base + "output.LayerNorm.bias", hidden)
            ))
        }
        self.layers = layers
        if file.tensors[prefix + "encoder.layer.\(configuration.layers).attention.self.query.weight"] != nil {
            throw FolioError(.invalidInput, "has more than \(configuration.layers) layers: not \(configuration.name)", file: file.path)
        }
    }

    /// Sentence vectors for texts already turned into piece ids ([CLS] … [SEP]), one batch: each is the mean
    /// of its pieces' last hidden states, scaled to unit length. Returns them one after another.
    func encode(batch sequences: [[Int32]], scratch: inout Scratch) -> [Float] {
        let hidden = configuration.hidden, intermediate = configuration.intermediate
        let heads = configuration.heads, headWidth = configuration.headWidth
        let offsets = sequences.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        let pieces = offsets.last!
        let longest = sequences.map(\.count).max() ?? 0
        scratch.reserve(pieces: pieces, longest: longest, configuration: configuration)
        var vectors = [Float](repeating: 0, count: sequences.count * hidden)
        guard pieces > 0 else { return vectors }

        scratch.withBuffers { x, qkv, context, projected, inner, scores in
            // Embeddings: word + position + type 0, then LayerNorm.
            wordEmbeddings.withUnsafeBufferPointer { words in
                positionEmbeddings.withUnsafeBufferPointer { positions in
                    for (index, sequence) in sequences.enumerated() {
                        for (position, id) in sequence.enumerated() {
                            let row = x + (offsets[index] + position) * hidden
                            let word = words.baseAddress! + Int(id) * hidden
                            let place = positions.baseAddress! + position * hidden
                            for column in 0 ..< hidden { row[column] = word[column] + place[column] + tokenTypeEmbedding[column] }
                        }
                    }
                }
            }
            Kernels.addAndNormalize(x, adding: nil, rows: pieces, width: hidden, gamma: embeddingNormWeight,
                                    beta: embeddingNormBias, epsilon: configuration.layerNormEpsilon)

            let scale = 1 / Float(headWidth).squareRoot()
            for layer in layers {
                // Queries, keys and values of every piece in one product.
                Kernels.fillRows(qkv, rows: pieces, width: 3 * hidden, with: layer.qkvBias)
                Kernels.multiplyTransposed(x, rowStride: hidden, layer.qkvWeight, rowStride: hidden, into: qkv,
                                           rowStride: 3 * hidden, m: pieces, n: 3 * hidden, k: hidden, beta: 1)
                // Attention within each text, head by head: no padding, so no mask.
                for (index, sequence) in sequences.enumerated() where !sequence.isEmpty {
                    let count = sequence.count
                    let rows = qkv + offsets[index] * 3 * hidden
                    for head in 0 ..< heads {
                        Kernels.multiplyTransposed(rows + head * headWidth, rowStride: 3 * hidden,
                                                   rows + hidden + head * headWidth, rowStride: 3 * hidden,
                                                   into: scores, rowStride: count, m: count, n: count, k: headWidth, alpha: scale)
                        Kernels.softmaxRows(scores, rows: count, count: count)
                        Kernels.multiply(scores, rowStride: count, rows + 2 * hidden + head * headWidth, rowStride: 3 * hidden,
                                         into: context + offsets[index] * hidden + head * headWidth, rowStride: hidden,
                                         m: count, n: headWidth, k: count)
                    }
                }
                Kernels.fillRows(projected, rows: pieces, width: hidden, with: layer.attentionOutputBias)
                Kernels.multiplyTransposed(context, rowStride: hidden, layer.attentionOutputWeight, rowStride: hidden,
                                           into: projected, rowStride: hidden, m: pieces, n: hidden, k: hidden, beta: 1)
                // x = LayerNorm(projected + x), written into x.
                Kernels.addAndNormalize(x, adding: projected, rows: pieces, width: hidden, gamma: layer.attentionNormWeight,
                                        beta: layer.attentionNormBias, epsilon: configuration.layerNormEpsilon)

                Kernels.fillRows(inner, rows: pieces, width: intermediate, with: layer.intermediateBias)
                Kernels.multiplyTransposed(x, rowStride: hidden, layer.intermediateWeight, rowStride: hidden,
                                           into: inner, rowStride: intermediate, m: pieces, n: intermediate, k: hidden, beta: 1)
                Kernels.gelu(inner, count: pieces * intermediate)
                Kernels.fillRows(projected, rows: pieces, width: hidden, with: layer.outputBias)
                Kernels.multiplyTransposed(inner, rowStride: intermediate, layer.outputWeight, rowStride: intermediate,
                                           into: projected, rowStride: hidden, m: pieces, n: hidden, k: intermediate, beta: 1)
                Kernels.addAndNormalize(x, adding: projected, rows: pieces, width: hidden, gamma: layer.outputNormWeight,
                                        beta: layer.outputNormBias, epsilon: configuration.layerNormEpsilon)
            }

            // Mean over every piece of the text ([CLS] and [SEP] included, as the attention mask has them), then unit length.
            for (index, sequence) in sequences.enumerated() where !sequence.isEmpty {
                var mean = [Float](repeating: 0, count: hidden)
                for position in 0 ..< sequence.count {
                    let row = x + (offsets[index] + position) * hidden
                    for column in 0 ..< hidden { mean[column] += row[column] }
                }
                var norm: Float = 0
                for column in 0 ..< hidden {
                    mean[column] /= Float(sequence.count)
                    norm += mean[column] * mean[column]
                }
                // sentence-transformers divides by max(norm, 1e-12).
                let inverse = 1 / max(norm.squareRoot(), 1e-12)
                for column in 0 ..< hidden { vectors[index * hidden + column] = mean[column] * inverse }
            }
        }
        return vectors
    }

    /// Working memory for one forward pass, kept between batches so a long run allocates once.
    struct Scratch {
        private var x: [Float] = [], qkv: [Float] = [], context: [Float] = [], projected: [Float] = []
        private var inner: [Float] = [], scores: [Float] = []

        mutating func reserve(pieces: Int, longest: Int, configuration: EncoderConfiguration) {
            func grow(_ buffer: inout [Float], to count: Int) {
                if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
            }
            grow(&x, to: pieces * configuration.hidden)
            grow(&qkv, to: pieces * 3 * configuration.hidden)
            grow(&context, to: pieces * configuration.hidden)
            grow(&projected, to: pieces * configuration.hidden)
            grow(&inner, to: pieces * configuration.intermediate)
            grow(&scores, to: longest * longest)
        }

        mutating func withBuffers(
            _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                     UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
        ) {
            x.withUnsafeMutableBufferPointer { x in
                qkv.withUnsafeMutableBufferPointer { qkv in
                    context.withUnsafeMutableBufferPointer { context in
                        projected.withUnsafeMutableBufferPointer { projected in
                            inner.withUnsafeMutableBufferPointer { inner in
                                scores.withUnsafeMutableBufferPointer { scores in
                                    body(x.baseAddress!, qkv.baseAddress!, context.baseAddress!, projected.baseAddress!,
                                         inner.baseAddress!, scores.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
