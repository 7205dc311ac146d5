import Foundation
import Testing
@testable import Folio

/// A small tmpfs of our own, to run out of space or go read-only on purpose. Needs root (CI runs as root).
final class SmallFileSystem: @unchecked Sendable {
    let path: String

    static let available: Bool = {
        guard getuid() == 0 else { return false }
        let probe = SmallFileSystem(megabytes: 1)
        return probe != nil
    }()

    init?(megabytes: Int) {
        path = FileManager.default.temporaryDirectory.path + "/folio-fs-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.shell(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]) else {
            try? FileManager.default.removeItem(atPath: path)
            return nil
        }
    }

    deinit {
        _ = Self.shell(["umount", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    func remountReadOnly() -> Bool { Self.shell(["mount", "-o", "remount,ro", path]) }

    /// Fills the file system to the last byte with a file it returns.
    func fill() -> String {
        let filler = "\(path)/filler"
        precondition(FileManager.default.createFile(atPath: filler, contents: nil), "cannot create \(filler)")
        let handle = FileHandle(forWritingAtPath: filler)!
        let block = Data(count: 64 << 10)
        while (try? handle.write(contentsOf: block)) != nil {}
        for size in [4096, 512, 1] { while (try? handle.write(contentsOf: Data(count: size))) != nil {} }
        try? handle.close()
        return filler
    }

    @discardableResult
    static func shell(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

@Suite("Disk full and read-only stores", .serialized, .enabled(if: SmallFileSystem.available, "needs root to mount a small tmpfs"))
struct DiskFullTests {
    let now = Instant.parse("2025-09-10T08:00:00Z")!

    @Test func writesFailCleanlyWhenTheDiskIsFull() throws {
        let fileSystem = try #require(SmallFileSystem(megabytes: 8))
        let store = "\(fileSystem.path)/store"
        var acknowledged: [String] = []
        do {
            let engine = try Engine(path: store)
            try engine.ingest(files: Fixtures.dailyPages, now: now)
            let ids = try engine.papers(limit: 20).map(\.id)
            try engine.record(.like, papers: [ids[0]], user: "ann", at: now)
            acknowledged.append(ids[0])
            let filler = fileSystem.fill()
            // Writes now fail with a clear error, whatever they are.
            var failures: [any Error] = []
            for (index, id) in ids.dropFirst().enumerated() {
                do {
                    try engine.record(.like, papers: [id], user: "ann", at: now.addingTimeInterval(Double(index + 1)))
                    acknowledged.append(id)
                } catch {
                    failures.append(error)
                }
            }
            do { try engine.ingest(files: [Fixtures.jsonLines], now: now) } catch { failures.append(error) }
            #expect(!failures.isEmpty, "nothing failed on a full disk")
            for failure in failures {
                let text = "\(failure)"
                #expect(text.contains("full") || text.contains("No space") || text.contains("space"), "unclear error: \(text)")
            }
            engine.close()
            try FileManager.default.removeItem(atPath: filler)
        }
        // With space again, the store opens, is consistent, and holds everything acknowledged.
        let engine = try Engine(path: store)
        #expect(try engine.checkHealth().problems == [])
        let liked = Set(try engine.history(user: "ann").map(\.paperID))
        for id in acknowledged { #expect(liked.contains(id)) }
        try engine.record(.like, papers: [try engine.papers(limit: 30).last!.id], user: "ann", at: now.addingTimeInterval(100))
    }

    @Test func readOnlyStoreIsAClearError() throws {
        let fileSystem = try #require(SmallFileSystem(megabytes: 4))
        let store = "\(fileSystem.path)/store"
        do {
            let engine = try Engine(path: store)
            try engine.ingest(files: [Fixtures.atomFeed], now: now)
        }
        #expect(fileSystem.remountReadOnly())
        #expect {
            _ = try Engine(path: store)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.kind == .readOnly && "\(error)".contains("cannot be written")
        }
    }
}
