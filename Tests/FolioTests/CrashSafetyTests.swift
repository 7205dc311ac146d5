import Foundation
import Testing
@testable import Folio

/// Kills `folio` processes with SIGKILL at random moments while they write, then checks that
/// nothing acknowledged was lost and nothing is half-written (LevelDB's fault-injection idea,
/// from the outside).
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    static let kills = 120

    @Test func killedWritersLoseNothingAcknowledged() throws {
        let directory = TemporaryDirectory("crash")
        let store = directory.subpath("store")
        let base = Instant.parse("2025-09-10T08:00:00Z")!
        do {
            let engine = try Engine(path: store)
            try engine.ingest(files: Fixtures.dailyPages, now: base)
        }
        let ids = try Engine(path: store).papers().map(\.id)
        // Ingest files of fresh papers, so killed ingests have real work to interrupt.
        let batches = (0 ..< 20).map { batch in
            directory.file("batch-\(batch).jsonl", (0 ..< 150).map { index in
                "{\"id\": \"crash-\(batch)-\(index)\", \"title\": \"Crash test paper \(batch) \(index) on attention\", \"abstract\": \"Sparse attention with key value caches, batch \(batch), paper \(index).\", \"published\": \"2025-09-0\(1 + index % 9)\"}"
            }.joined(separator: "\n") + "\n")
        }

        var random = SplitMix64(seed: 42)
        var acknowledged: [(paper: String, milliseconds: Int64)] = []
        var acknowledgedBatches: Set<Int> = []
        var killed = 0
        var round = 0
        while killed < Self.kills {
            round += 1
            let time = base.addingTimeInterval(Double(round))
            let isIngest = round % 3 == 0
            let batch = Int(random.next() % UInt64(batches.count))
            let paper = ids[Int(random.next() % UInt64(ids.count))]
            let arguments = isIngest ? ["ingest", batches[batch]] : ["like", paper]
            let process = Process()
            process.executableURL = URL(fileURLWithPath: FolioProcess.binary)
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            environment["FOLIO_DB"] = store
            environment["FOLIO_USER"] = "crash"
            environment["FOLIO_NOW"] = ISO8601DateFormatter().string(from: time)
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(random.next() % 200_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if process.terminationReason == .uncaughtSignal {
                killed += 1
            } else if process.terminationStatus == 0 {
                // The command returned: what it wrote must survive.
                if isIngest { acknowledgedBatches.insert(batch) } else if printed.contains("like \(paper)") {
                    acknowledged.append((paper, Int64(time.timeIntervalSince1970 * 1000)))
                }
            }
        }

        let engine = try Engine(path: store)
        let events = try engine.history(user: "crash")
        let logged = Set(events.map { "\($0.paperID)@\(Int64($0.time.timeIntervalSince1970 * 1000))" })
        for event in acknowledged {
            #expect(logged.contains("\(event.paper)@\(event.milliseconds)"), "acknowledged like of \(event.paper) was lost")
        }
        for batch in acknowledgedBatches {
            #expect(try engine.paper("crash-\(batch)-149").id == "crash-\(batch)-149")
        }
        // Every paper whole, every index entry and statistic consistent, the counts equal to a full scan.
        let report = try engine.checkHealth()
        #expect(report.problems == [])
        let statistics = try engine.statistics()
        #expect(statistics.events == events.count && report.checked["events"] == events.count)
        #expect(statistics.papers == report.checked["papers"])
        // A batch is all there or not at all.
        for batch in 0 ..< batches.count {
            let present = (0 ..< 150).filter { (try? engine.paper("crash-\(batch)-\($0)")) != nil }.count
            #expect(present == 0 || present == 150, "batch \(batch) is half-ingested: \(present) of 150")
        }
        _ = try engine.today(user: "crash", now: base.addingTimeInterval(86_400))
        print("crash safety: \(killed) kills in \(round) rounds, \(acknowledged.count) acknowledged likes and \(acknowledgedBatches.count) ingests checked, \(events.count) events in the log")
    }
}
