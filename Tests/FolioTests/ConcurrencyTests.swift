import Foundation
import Testing
@testable import Folio

@Suite("One Engine, many concurrent callers")
struct ConcurrencyTests {
    @Test func taskGroupHammeringFeedbackAndQueues() async throws {
        let directory = TemporaryDirectory("concurrency")
        let now = Instant.parse("2025-09-10T08:00:00Z")!
        let engine = try Engine(path: directory.subpath("store"))
        try engine.ingest(files: Fixtures.dailyPages, now: now)
        let ids = try engine.papers().map(\.id)
        let users = (0 ..< 8).map { "user\($0)" }

        // Each task records one like at its own millisecond, or reads a queue, a search or a history.
        let sent = await withTaskGroup(of: (String, String, Int)?.self) { group in
            for task in 0 ..< 240 {
                group.addTask {
                    let user = users[task % users.count]
                    switch task % 4 {
                    case 0, 1:
                        let paper = ids[(task * 7) % ids.count]
                        let time = now.addingTimeInterval(Double(task) / 1000)
                        guard (try? engine.record(.like, papers: [paper], user: user, at: time)) != nil else { return nil }
                        return (user, paper, task)
                    case 2:
                        _ = try? engine.today(user: user, now: now)
                    default:
                        _ = try? engine.search("instruction tuning", limit: 5)
                        _ = try? engine.history(user: user, limit: 3)
                    }
                    return nil
                }
            }
            var sent: [(String, String, Int)] = []
            for await result in group { if let result { sent.append(result) } }
            return sent
        }
        #expect(sent.count == 120)
        // The log holds exactly what each user sent, in time order.
        for user in users {
            let expected = sent.filter { $0.0 == user }.sorted { $0.2 < $1.2 }.map(\.1)
            let logged = try engine.history(user: user).reversed().filter { $0.action == .like }.map(\.paperID)
            #expect(logged == expected, "\(user)")
        }
        #expect(try engine.statistics().events == 120)
        #expect(try engine.checkHealth().problems == [])
        // Every user's queue for the day was stored once and reads back the same.
        for user in users { #expect(try engine.today(user: user, now: now).items.count == 10) }
    }
}
