import Foundation
import Testing

@Suite("Examples")
struct ExampleTests {
    @Test func embeddingExampleRuns() throws {
        let binary = URL(fileURLWithPath: FolioProcess.binary).deletingLastPathComponent().appendingPathComponent("folio-embedding-example").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("ingested 229 papers"))
        #expect(text.contains("queue for ada on 2025-09-11:"))
        #expect(text.contains("1. ") && text.contains("10. "))
    }

    @Test func gettingStartedArticleShowsTheExampleThatIsBuilt() throws {
        // The article quotes the example's code; the example is compiled and run above, so the article's code compiles.
        let root = Fixtures.packageRoot
        let article = try String(contentsOfFile: "\(root)/Sources/Folio/Folio.docc/GettingStarted.md", encoding: .utf8)
        let example = try String(contentsOfFile: "\(root)/Examples/Embedding/main.swift", encoding: .utf8)
        let quoted = example.split(separator: "\n").drop { !$0.hasPrefix("do {") }.map(String.init)
        #expect(quoted.count > 10)
        for line in quoted { #expect(article.contains(line), "the article is missing: \(line)") }
    }
}
