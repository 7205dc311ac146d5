/// Every number that shapes the sentence encoder's output or speed, with its meaning.
///
/// The shape numbers are all-MiniLM-L6-v2's own (its `config.json`, `sentence_bert_config.json` and
/// `1_Pooling/config.json`); loading checks the weights against them, so a different BERT fails
/// with a clear error instead of producing wrong vectors.
struct EncoderConfiguration: Sendable {
    /// The name the model goes by in sentence-transformers, in `folio model list` and in `folio embed --json`.
    var name: String
    /// Word pieces in `vocab.txt`: the rows of the word-embedding table.
    var vocabularySize: Int
    /// Width of every token's hidden state, and of the sentence vector.
    var hidden: Int
    /// Transformer layers.
    var layers: Int
    /// Attention heads per layer; each sees `hidden / heads` dimensions.
    var heads: Int
    /// Width of each layer's feed-forward part.
    var intermediate: Int
    /// Rows of the position-embedding table (absolute positions).
    var maxPositions: Int
    /// Rows of the token-type table; single sentences use type 0 only.
    var tokenTypes: Int
    /// Added to the variance in every LayerNorm.
    var layerNormEpsilon: Float
    /// Word pieces per text, [CLS] and [SEP] included; longer texts are cut (sentence-transformers' `max_seq_length`).
    var maxPieces: Int
    /// Words longer than this many characters become [UNK] without trying word pieces (BERT's `max_input_chars_per_word`).
    var maxCharactersPerWord: Int
    /// Word pieces per forward pass. Texts are packed into passes without padding, so this only trades
    /// working memory (15 KB per piece, per thread) against the overhead of small matrix products.
    var piecesPerBatch: Int
    /// Cores used at most, each running its own passes: enough for a desktop, without a server's 64 cores
    /// each holding a pass's working memory (31 MB).
    var maxThreads: Int

    var headWidth: Int { hidden / heads }

    static let miniLM = EncoderConfiguration(
        name: "all-MiniLM-L6-v2", vocabularySize: 30522, hidden: 384, layers: 6, heads: 12, intermediate: 1536,
        maxPositions: 512, tokenTypes: 2, layerNormEpsilon: 1e-12, maxPieces: 256, maxCharactersPerWord: 100,
        piecesPerBatch: 2048, maxThreads: 8
    )
}
