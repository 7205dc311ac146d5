import Foundation
import PackagePlugin

/// Compiles the data files of `Models/` (word lists, weights, parameters) into Swift source,
/// so the models travel inside the library instead of in a resource bundle found at run time.
@main
struct EmbedModels: BuildToolPlugin {
    static let embeddedExtensions: Set<String> = ["txt", "json"]

    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let directory = target.directoryURL
        let inputs = try FileManager.default
            .contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { Self.embeddedExtensions.contains($0.pathExtension) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedModels.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) model files from \(directory.lastPathComponent)/",
                executable: try context.tool(named: "ModelEmbedder").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
