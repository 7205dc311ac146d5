import Foundation

/// How far computing paper embeddings has got.
public struct EmbeddingProgress: Sendable {
    /// Papers embedded so far in this call.
    public var papers: Int
    /// Papers this call embeds in all (those that had no embedding when it started).
    public var total: Int
}

extension Engine {
    /// The embedding models this store uses: `models/` in its directory, else the shared folder
    /// `$FOLIO_MODELS` names (see ``ModelLibrary/forStore(_:environment:)``).
    ///
    /// Load the sentence encoder once with ``ModelLibrary/sentenceEncoder()`` and keep it: loading reads 90 MB.
    public var models: ModelLibrary { modelLibrary }

    /// Computes the sentence embedding of every paper that has none yet, and stores it.
    ///
    /// Ingest does this by itself when the model is installed; this is for papers ingested before it was.
    /// A paper's embedding is never recomputed. Papers go through the encoder in chunks, each chunk
    /// stored in one batch, so an interruption loses at most one chunk's work.
    /// - Returns: how many papers were embedded.
    /// - Throws: ``FolioError/Kind/missingModel`` when the model is not installed.
    @discardableResult
    public func embedMissingPapers(progress: ((EmbeddingProgress) -> Void)? = nil) throws -> Int {
        let encoder = try models.sentenceEncoder()
        return try withCore { core in try PaperEmbedder.embedMissing(store: core.store, encoder: { encoder }, progress: progress) }
    }
}

/// Fills `N·<id>` for papers that lack it.
enum PaperEmbedder {
    /// Papers encoded and written per batch: enough to keep both cores busy, small enough that a
    /// progress bar moves and an interruption costs seconds.
    static let chunkSize = 256

    /// The ids of papers without an embedding, in id order.
    static func missing(store: FolioStore) throws -> [String] {
        var embedded = Set<String>()
        try store.keyValues.scan(prefix: Keys.paperEmbeddings) { key, _ in
            embedded.insert(Keys.component(after: Keys.paperEmbeddings, in: key))
            return true
        }
        var missing: [String] = []
        try store.keyValues.scan(prefix: Keys.paperTermsPrefix) { key, _ in
            let id = Keys.component(after: Keys.paperTermsPrefix, in: key)
            if !embedded.contains(id) { missing.append(id) }
            return true
        }
        return missing
    }

    /// Embeds the papers that lack an embedding; `encoder` is called (the model loaded) only when there are some.
    static func embedMissing(store: FolioStore, encoder load: () throws -> SentenceEncoder, progress: ((EmbeddingProgress) -> Void)?) throws -> Int {
        let missing = try missing(store: store)
        guard !missing.isEmpty else { return 0 }
        let encoder = try load()
        var done = 0
        progress?(EmbeddingProgress(papers: 0, total: missing.count))
        for start in stride(from: 0, to: missing.count, by: chunkSize) {
            let papers = try missing[start ..< min(start + chunkSize, missing.count)].compactMap { try store.paper($0) }
            let vectors = encoder.encode(papers.map(PaperEmbedding.text(of:)))
            var batch = KeyValueBatch()
            for (paper, vector) in zip(papers, vectors) { batch.put(PaperEmbedding(vector).encoded(), for: Keys.paperEmbedding(paper.id)) }
            // Derived and recomputable: not worth a synced write per chunk.
            try store.keyValues.write(batch, durable: false)
            done = min(start + chunkSize, missing.count)
            progress?(EmbeddingProgress(papers: done, total: missing.count))
        }
        return done
    }
}
