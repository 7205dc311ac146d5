import Foundation
import Testing
@testable import Folio

@Suite("Hostile and malformed input")
struct HostileInputTests {
    let directory = TemporaryDirectory("hostile")
    let now = Instant.parse("2025-09-10")!

    func engine() throws -> Engine { try Engine(path: directory.subpath("store")) }

    func rejects(_ engine: Engine, _ path: String, _ message: String, line: Int? = nil) throws {
        let before = try dump(engine)
        #expect {
            try engine.ingest(files: [path], now: now)
        } throws: { error in
            guard let error = error as? FolioError, error.kind == .invalidInput, error.file == path else { return false }
            return error.message.contains(message) && (line == nil || error.line == line)
        }
        #expect(try dump(engine) == before)
    }

    @Test func fuzzRegressionsAndCorpusReplayWithoutACrash() throws {
        let binary = URL(fileURLWithPath: FolioProcess.binary).deletingLastPathComponent().appendingPathComponent("folio-fuzz").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["\(Fixtures.packageRoot)/Tests/FolioTests/Fixtures/fuzz-regressions", "\(Fixtures.packageRoot)/Fuzz/corpus"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("without a crash"))
    }

    @Test func invalidUTF8InAtomIsAClearError() throws {
        let engine = try engine()
        let path = "\(Fixtures.packageRoot)/Tests/FolioTests/Fixtures/fuzz-regressions/atom-invalid-utf8-element-name.xml"
        try rejects(engine, path, "invalid UTF-8", line: 113)
    }

    @Test func nulBytesAndOverlongLines() throws {
        let engine = try engine()
        let nul = directory.file("nul.txt", bytes: Array(Fixtures.dailyPage([("A title", "An abstract")]).utf8) + Array("Title\n\nAbs\u{0}tract\n".utf8))
        try rejects(engine, nul, "NUL byte")
        var long = Array("{\"id\": \"a\", \"title\": \"".utf8)
        long += [UInt8](repeating: UInt8(ascii: "x"), count: LineReader.maximumLineBytes + 10)
        let overlong = directory.file("long.jsonl", bytes: long + Array("\"}\n".utf8))
        try rejects(engine, overlong, "longer than 16 MiB", line: 1)
    }

    @Test func xmlEntitiesAndDeepNesting() throws {
        let engine = try engine()
        var laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE feed [\n<!ENTITY a \"aaaaaaaaaa\">\n"
        for level in 1 ... 9 { laughs += "<!ENTITY \(Character(UnicodeScalar(UInt8(97 + level)))) \"" + String(repeating: "&\(Character(UnicodeScalar(UInt8(96 + level))));", count: 10) + "\">\n" }
        laughs += "]>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>http://arxiv.org/abs/2401.00001v1</id><title>&j;</title><published>2024-01-01T00:00:00Z</published></entry></feed>\n"
        let bomb = directory.file("laughs.xml", laughs)
        let start = ContinuousClock.now
        _ = try? engine.ingest(files: [bomb], now: now)
        #expect(ContinuousClock.now - start < .seconds(20), "entity expansion must be bounded")
        if let paper = try? engine.paper("2401.00001") { #expect(paper.title.utf8.count < 200_000_000) }

        let deep = directory.file("deep.xml", "<?xml version=\"1.0\"?><feed>" + String(repeating: "<x>", count: 100_000) + String(repeating: "</x>", count: 100_000) + "</feed>")
        let papers = try engine.statistics().papers
        _ = try? engine.ingest(files: [deep], now: now)
        #expect(try engine.statistics().papers == papers)
        let external = directory.file("external.xml", "<?xml version=\"1.0\"?><!DOCTYPE feed [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feed><entry><id>http://arxiv.org/abs/2401.00002v1</id><title>&x;</title><published>2024-01-01T00:00:00Z</published></entry></feed>")
        _ = try? engine.ingest(files: [external], now: now)
        if let paper = try? engine.paper("2401.00002") { #expect(!paper.title.contains("root:")) }
    }

    @Test func hostileCommandLineValues() throws {
        let folio = FolioProcess(store: directory.subpath("cli"))
        try folio.run(["ingest", Fixtures.atomFeed])
        for arguments in [["today", "--limit", "-5"], ["recommend", "--limit", "99999999999999999999"], ["due", "--days", "-1"],
                          ["list", "--since", "2024-02-30"], ["digest", "--days", "400"], ["today", "--now", "2024-13-45"]] {
            let result = try folio.run(arguments)
            #expect(result.status != 0, "\(arguments) should fail")
            #expect(!result.stderr.isEmpty && !result.stderr.contains("Fatal error"), "\(arguments): \(result.stderr)")
        }
        for id in ["../../etc/passwd", "a\u{1}b", "%00", String(repeating: "9", count: 5000)] {
            let result = try folio.run(["show", id])
            #expect(result.status == 1 && result.stderr.contains("folio: error:"), "\(id.prefix(20)): \(result.stderr)")
        }
        let badUser = try folio.run(["like", "2409.20559", "--user", "../evil"])
        #expect(badUser.status == 1 && badUser.stderr.contains("user names may hold"))
    }
}
