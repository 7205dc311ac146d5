// A minimal program that embeds Folio: open a store, ingest listings, record feedback, print a queue.
// Run it with `swift run folio-embedding-example [PAGE...]` (default: the sample pages in Examples/data).
import Folio
import Foundation

let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data")
let pages = CommandLine.arguments.count > 1
    ? Array(CommandLine.arguments.dropFirst())
    : try FileManager.default.contentsOfDirectory(atPath: samples.path).filter { $0.hasSuffix(".txt") }.sorted().map { samples.appendingPathComponent($0).path }

// A store is a directory; this one lives only as long as the program.
let store = FileManager.default.temporaryDirectory.appendingPathComponent("folio-embedding-\(ProcessInfo.processInfo.processIdentifier)").path
defer { try? FileManager.default.removeItem(atPath: store) }

do {
    let engine = try Engine(path: store)
    defer { engine.close() }

    // Pin the clock, so the example prints the same queue every day.
    let now = Instant.parse("2025-09-10T08:00:00Z")!
    let reports = try engine.ingest(files: pages, now: now)
    print("ingested \(reports.reduce(0) { $0 + $1.added }) papers")

    // Feedback goes to a user's log; the queue learns from it.
    try engine.addInterests(["kv cache, long context"], user: "ada", at: now)
    let first = try engine.today(user: "ada", now: now)
    try engine.record(.like, papers: [first.items[0].id], user: "ada", at: now)
    try engine.record(.dismiss, papers: [first.items[1].id], user: "ada", at: now)

    let queue = try engine.today(user: "ada", now: now.addingTimeInterval(86_400))
    print("queue for \(queue.user) on \(queue.date):")
    for (position, item) in queue.items.enumerated() {
        print("\(position + 1). \(item.title)")
        print("   \(item.reasons.joined(separator: "; "))")
    }
} catch {
    print("error: \(error)")
    exit(1)
}
