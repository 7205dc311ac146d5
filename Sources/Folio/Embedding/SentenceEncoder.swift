import Foundation
import Synchronization

/// Turns texts into all-MiniLM-L6-v2 sentence vectors, on this machine: 384 floats of unit length
/// whose dot product is the cosine similarity sentence-transformers would give.
///
/// Load it once from a folder holding the model's own `model.safetensors` and `vocab.txt` (as
/// ``ModelLibrary/install(from:)`` puts them) and keep it: loading reads 90 MB. Encoding is safe
/// from any thread and uses every core for large inputs.
///
/// ```swift
/// let encoder = try SentenceEncoder(directory: "/path/to/all-MiniLM-L6-v2")
/// let vectors = encoder.encode(["A man is eating food.", "A man is eating a piece of bread."])
/// let cosine = zip(vectors[0], vectors[1]).reduce(0) { $0 + $1.0 * $1.1 }   // 0.7553
/// ```
public struct SentenceEncoder: Sendable {
    /// The model's name in sentence-transformers and in Folio's output.
    public static let modelName = EncoderConfiguration.miniLM.name
    /// Length of every vector.
    public static let dimensions = EncoderConfiguration.miniLM.hidden
    /// The files the encoder reads from its folder.
    public static let weightsFile = "model.safetensors", vocabularyFile = "vocab.txt"

    /// The folder the model was loaded from.
    public let directory: String
    let configuration: EncoderConfiguration
    let tokenizer: WordPieceTokenizer
    let encoder: BertEncoder
    /// Passes run at once on different cores; 1 keeps everything on the calling thread.
    let parallelism: Int

    /// Loads the model from `directory`, checking every tensor's name and shape.
    /// - Throws: ``FolioError`` naming the file (and tensor) at fault when a file is missing, truncated or not this model's.
    public init(directory: String) throws {
        try self.init(directory: directory, configuration: .miniLM)
    }

    init(directory: String, configuration: EncoderConfiguration, parallelism: Int = ProcessInfo.processInfo.activeProcessorCount) throws(FolioError) {
        self.directory = directory
        self.configuration = configuration
        if case let .failure(error) = OpenBLAS.shared { throw error }
        tokenizer = try WordPieceTokenizer(vocabularyFile: directory + "/" + Self.vocabularyFile,
                                           maxCharactersPerWord: configuration.maxCharactersPerWord)
        guard tokenizer.pieces.count == configuration.vocabularySize else {
            throw FolioError(.invalidInput, "has \(tokenizer.pieces.count) word pieces; \(configuration.name) has \(configuration.vocabularySize)",
                             file: directory + "/" + Self.vocabularyFile)
        }
        encoder = try BertEncoder(weights: SafeTensorsFile(path: directory + "/" + Self.weightsFile), configuration: configuration)
        self.parallelism = min(max(1, parallelism), configuration.maxThreads)
        if self.parallelism > 1 { _ = Self.singleThreadedBLAS }
    }

    /// One vector per text, in order. A text longer than 256 word pieces is cut there, as sentence-transformers does.
    public func encode(_ texts: [String]) -> [[Float]] {
        let sequences = texts.map { tokenizer.tokenIDs($0, maxPieces: configuration.maxPieces) }
        let batches = Self.batches(sequences.map(\.count), piecesPerBatch: configuration.piecesPerBatch)
        let hidden = configuration.hidden
        let results = Mutex([[Float]](repeating: [], count: texts.count))
        let next = Mutex(0)
        let workers = min(parallelism, batches.count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var scratch = BertEncoder.Scratch()
            while true {
                let index = next.withLock { next in
                    defer { next += 1 }
                    return next
                }
                guard index < batches.count else { return }
                let range = batches[index]
                let vectors = encoder.encode(batch: Array(sequences[range]), scratch: &scratch)
                results.withLock { results in
                    for (offset, text) in range.enumerated() {
                        results[text] = Array(vectors[offset * hidden ..< (offset + 1) * hidden])
                    }
                }
            }
        }
        return results.withLock { $0 }
    }

    /// The word pieces the model sees for `text` ([CLS] and [SEP] left out), after the cut at 256: for explanations and checks.
    public func wordPieces(_ text: String) -> [String] {
        tokenizer.tokenIDs(text, maxPieces: configuration.maxPieces).dropFirst().dropLast().map { tokenizer.pieces[Int($0)] }
    }

    /// Consecutive runs of texts of at most `piecesPerBatch` pieces in all (a longer text runs alone).
    static func batches(_ lengths: [Int], piecesPerBatch: Int) -> [Range<Int>] {
        var batches: [Range<Int>] = []
        var start = 0
        var pieces = 0
        for (index, length) in lengths.enumerated() {
            if index > start, pieces + length > piecesPerBatch {
                batches.append(start ..< index)
                start = index
                pieces = 0
            }
            pieces += length
        }
        if start < lengths.count { batches.append(start ..< lengths.count) }
        return batches
    }

    /// The OpenBLAS kernel family doing the matrix work (`Haswell`, `SkylakeX`, `Cooperlake`, …): OpenBLAS
    /// picks it from the CPU when it is loaded, unless the `OPENBLAS_CORETYPE` environment variable names one.
    /// AVX-512 kernels (`SkylakeX`, `Cooperlake`) run the encoder about 1.6 times as fast as AVX2 ones (`Haswell`).
    public static var blasKernel: String { Kernels.blasCore }

    /// Each worker runs its own batches, so OpenBLAS's own threads would only compete with them for the
    /// same cores (on 2 cores, two workers encode 30% faster than one worker with two OpenBLAS threads):
    /// OpenBLAS is set, once and process-wide, to one thread per call.
    private static let singleThreadedBLAS: Void = Kernels.setBLASThreads(1)
}
