import Foundation
@testable import Folio

/// A fresh directory under the system's temporary folder, removed when the value goes away.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init(_ name: String = "folio-test") {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(name)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `contents` to a file in this directory and returns its path.
    @discardableResult
    func file(_ name: String, _ contents: String) -> String {
        file(name, bytes: Array(contents.utf8))
    }

    @discardableResult
    func file(_ name: String, bytes: [UInt8]) -> String {
        let filePath = "\(path)/\(name)"
        _ = FileManager.default.createFile(atPath: filePath, contents: Data(bytes))
        return filePath
    }

    func subpath(_ name: String) -> String { "\(path)/\(name)" }
}

enum Fixtures {
    /// A postings chunk as version 1 wrote it: every paper id whole.
    static func versionOnePostingChunk(_ postings: [Posting]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.byte(1)
        writer.varint(postings.count)
        for posting in postings {
            writer.string(posting.paperID)
            for count in [posting.titleCount, posting.abstractCount, posting.length] { writer.varint(count) }
        }
        return writer.bytes
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let dailyPages = ["000_3a1c0a7f006a4bb3.txt", "001_8db9db3078e7b394.txt", "002_6709abed6e3e1fa0.txt", "003_054908047e534c47.txt"]
        .map { "\(packageRoot)/Examples/data/\($0)" }
    static let atomFeed = "\(packageRoot)/Tests/FolioTests/Fixtures/arxiv-api-sample.xml"
    static let jsonLines = "\(packageRoot)/Tests/FolioTests/Fixtures/papers-sample.jsonl"

    static func text(_ path: String) -> String {
        try! String(contentsOfFile: path, encoding: .utf8)
    }

    /// A minimal valid daily page with the given title/abstract pairs.
    static func dailyPage(date: String = "Aug 14", _ papers: [(String, String)]) -> String {
        var text = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nbyAK and the research community\n\n\(date)\n\n"
        for (title, abstract) in papers { text += "\(title)\n\n\(abstract)\n\n" }
        return text
    }
}

extension Day {
    static func iso(_ text: String) -> Day { Day(iso: text)! }
}
