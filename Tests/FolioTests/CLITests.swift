import Foundation
import Testing
@testable import Folio

/// Runs the built `folio` binary as a user would, with its own store and a pinned clock.
struct FolioProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        func json() throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        }
    }

    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["FOLIO_BIN"] { return path }
        // The test runner sits in the build folder beside the products it was built with.
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return runner.deletingLastPathComponent().appendingPathComponent("folio").path
    }()

    let store: String
    var user = "tester"
    var now = "2025-09-10"

    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment
        variables["FOLIO_DB"] = store
        variables["FOLIO_USER"] = user
        variables["FOLIO_NOW"] = now
        variables["COLUMNS"] = "200"
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so a large output cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

@Suite("folio CLI")
struct CLITests {
    let directory = TemporaryDirectory("cli")
    var folio: FolioProcess { FolioProcess(store: directory.subpath("store")) }

    @Test func binaryIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: FolioProcess.binary), "expected the folio binary at \(FolioProcess.binary)")
    }

    @Test func ingestPrintsCountsAndIsIdempotent() throws {
        let first = try folio.run(["ingest"] + Fixtures.dailyPages)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("229 added, 78 merged, 0 unchanged, 0 skipped"))
        let second = try folio.run(["ingest", "--json"] + Fixtures.dailyPages)
        let summary = try second.json()
        #expect(summary["added"] as? Int == 0 && summary["unchanged"] as? Int == 307)
    }

    @Test func statsJSONHasTheContractFields() throws {
        try folio.run(["ingest", Fixtures.atomFeed, Fixtures.jsonLines])
        let stats = try folio.run(["stats", "--json"]).json()
        #expect(stats["papers"] as? Int == 44)
        #expect(stats["users"] as? Int == 0)
        #expect(stats["events"] as? Int == 0)
        #expect(stats["schema_version"] as? Int == 2)
        #expect((stats["terms"] as? Int ?? 0) > 100)
        let table = try folio.run(["stats"])
        #expect(table.stdout.contains("papers") && table.stdout.contains("44"))
    }

    @Test func showAcceptsPrefixesAndPrintsJSON() throws {
        try folio.run(["ingest", Fixtures.atomFeed])
        let shown = try folio.run(["show", "2401.1", "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let paper = try shown.json()
        #expect(paper["id"] as? String == "2401.11741")
        #expect(paper["title"] as? String == "On partial endomorphisms of a star graph")
        #expect((paper["authors"] as? [String])?.contains("Jörg Koppitz") == true)
        #expect(((paper["index_terms"] as? [String: [String]])?["title"]) == ["partial", "endomorph", "star", "graph"])
        let human = try folio.run(["show", "2401.11741"])
        #expect(human.stdout.hasPrefix("2401.11741  On partial endomorphisms of a star graph"))
    }

    @Test func listFiltersAndPrintsJSON() throws {
        try folio.run(["ingest"] + Fixtures.dailyPages)
        let listed = try folio.run(["list", "--since", "2025-09-01", "--json"]).json()
        let papers = try #require(listed["papers"] as? [[String: Any]])
        // Every paper of the Sep 9 page, including those first listed earlier (they keep their earlier date).
        let titles = try Set(parseFile(Fixtures.dailyPages[1], format: .daily).papers.map { TextAnalyzer.normalizedTitle($0.title) })
        #expect(papers.count == titles.count)
        #expect(papers.contains { ($0["published"] as? String) == "2025-08-14" })
        let table = try folio.run(["list", "--until", "2025-08-14", "--limit", "3"])
        #expect(table.stdout.split(separator: "\n").count == 4)
    }

    @Test func errorsGoToStderrWithStatus() throws {
        let missing = try folio.run(["show", "nothing"])
        #expect(missing.status != 0)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderr.contains("no paper has the id \"nothing\""))

        let bad = directory.file("bad.jsonl", "{\"id\": \"a\", \"title\": \"ok\"}\n{\"id\": \"b\"}\n")
        let rejected = try folio.run(["ingest", bad])
        #expect(rejected.status == 1)
        #expect(rejected.stderr.contains("\(bad):2: missing field \"title\""))

        let skipped = try folio.run(["ingest", "--skip-invalid", bad])
        #expect(skipped.status == 0)
        #expect(skipped.stderr.contains("skipped \(bad):2"))
        #expect(skipped.stdout.contains("1 added"))

        let badNow = try folio.run(["today"], environment: ["FOLIO_NOW": "yesterday"])
        #expect(badNow.status != 0 && badNow.stderr.contains("--now \"yesterday\" is not a date"))
        let badDate = try folio.run(["list", "--since", "14/08/2024"])
        #expect(badDate.status != 0 && badDate.stderr.contains("YYYY-MM-DD"))
    }

    @Test func dateOptionDatesPages() throws {
        let result = try folio.run(["ingest", "--date", "2024-08-14", Fixtures.dailyPages[0]])
        #expect(result.status == 0, "\(result.stderr)")
        let listed = try folio.run(["list", "--json", "--limit", "1"]).json()
        #expect((listed["papers"] as? [[String: Any]])?.first?["published"] as? String == "2024-08-14")
    }

    @Test func storeLockedByAnotherProcessIsAClearError() throws {
        try folio.run(["ingest", Fixtures.atomFeed])
        let holder = try Engine(path: directory.subpath("store"))
        defer { holder.close() }
        let blocked = try folio.run(["stats"])
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("is in use (held by process \(ProcessInfo.processInfo.processIdentifier)"), "\(blocked.stderr)")
    }

    @Test func defaultStoreFollowsXDG() throws {
        let home = directory.subpath("xdg")
        var process = folio
        process = FolioProcess(store: "")
        let result = try process.run(["ingest", Fixtures.atomFeed], environment: ["FOLIO_DB": "", "XDG_DATA_HOME": home])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(home)/folio/CURRENT"))
    }

    @Test func feedbackTodayAndRecommendThroughTheCLI() throws {
        try folio.run(["ingest"] + Fixtures.dailyPages)
        let queue = try folio.run(["today", "--json"]).json()
        #expect(queue["date"] as? String == "2025-09-10")
        #expect(queue["user"] as? String == "tester")
        let items = try #require(queue["items"] as? [[String: Any]])
        #expect(items.count == 10)
        for item in items {
            #expect(item["id"] is String && item["title"] is String && item["score"] is Double && item["reasons"] is [String])
            #expect(item["kind"] as? String == "new")
        }
        let liked = try folio.run(["like", "@1", "@2"])
        #expect(liked.status == 0, "\(liked.stderr)")
        #expect(liked.stdout.contains(items[0]["id"] as! String))
        let history = try folio.run(["history", "--json"]).json()
        #expect((history["events"] as? [[String: Any]])?.count == 2)
        let marked = try folio.run(["today"])
        #expect(marked.stdout.contains("[like]"))

        let recommended = try folio.run(["--db", folio.store, "recommend", "--limit", "5", "--json"]).json()
        #expect(recommended["user"] as? String == "tester")
        let ranked = try #require(recommended["items"] as? [[String: Any]])
        #expect(ranked.count == 5)
        #expect(ranked.allSatisfy { $0["id"] is String && $0["score"] is Double && ($0["reasons"] as? [String])?.isEmpty == false })

        let searched = try folio.run(["search", "speculative", "decoding", "--json"]).json()
        #expect(searched["query"] as? String == "speculative decoding")
        #expect(((searched["items"] as? [[String: Any]]) ?? []).count >= 1)

        let unknown = try folio.run(["like", "no-such-paper"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no paper has the id"))
        #expect(try folio.run(["stats", "--json"]).json()["events"] as? Int == 2)
    }

    @Test func repairNamesThePapersItCouldNotSaveThatEventsName() throws {
        try folio.run(["ingest"] + Fixtures.dailyPages)
        let liked = try #require((try folio.run(["today", "--json"]).json()["items"] as? [[String: Any]])?.first?["id"] as? String)
        #expect(try folio.run(["like", liked]).status == 0)
        do {
            // The paper's record is lost, as a damaged table block loses it.
            let engine = try Engine(path: folio.store)
            try engine.withCore { core in
                var batch = KeyValueBatch()
                batch.delete(Keys.paper(liked))
                try core.database.write(batch, durable: true)
            }
            engine.close()
        }
        let repaired = try folio.run(["repair"])
        #expect(repaired.status == 0, "\(repaired.stderr)")
        #expect(repaired.stdout.contains("events name 1 paper that could not be saved") && repaired.stdout.contains(liked))
        let report = try folio.run(["repair", "--json"]).json()
        #expect(report["papers_named_by_events_but_lost"] as? [String] == [liked])
        #expect(try folio.run(["doctor"]).status == 0)
    }

    @Test func compactKeepsEverythingAndSaysWhatItDid() throws {
        try folio.run(["ingest"] + Fixtures.dailyPages)
        let liked = try #require((try folio.run(["today", "--json"]).json()["items"] as? [[String: Any]])?.first?["id"] as? String)
        #expect(try folio.run(["like", liked]).status == 0)
        let before = try folio.run(["recommend", "--json"]).stdout
        let compacted = try folio.run(["compact"])
        #expect(compacted.status == 0, "\(compacted.stderr)")
        #expect(compacted.stdout.hasPrefix("compacted in ") && compacted.stdout.contains(" MB on disk"))
        let report = try folio.run(["compact", "--json"]).json()
        #expect((report["bytes_before"] as? Int ?? 0) > 0 && (report["bytes_after"] as? Int ?? 0) > 0 && report["seconds"] is Double)
        #expect(try folio.run(["recommend", "--json"]).stdout == before)
        #expect(try folio.run(["history", "--json"]).stdout.contains(liked))
        #expect(try folio.run(["doctor"]).status == 0)
    }

    @Test func modelFileOption() throws {
        try folio.run(["ingest", Fixtures.atomFeed])
        let model = directory.file("model.json", "{\"name\": 3}")
        let result = try folio.run(["recommend", "--model", model])
        #expect(result.status == 1 && result.stderr.contains(model))
    }
}
