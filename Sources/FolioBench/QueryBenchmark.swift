import Folio
import Foundation

/// The queries whose `search` latency every run reports: single words, phrases, common and rare terms.
let searchQueries = ["attention", "sparse attention transformer", "graph neural network", "language model alignment", "protein structure", "diffusion", "memory cache", "reinforcement learning policy"]

/// Query latencies on an existing store, each repeated `rounds` times per user (see `--reuse`).
func measureQueries(store: String, users: Int, rounds: Int) throws {
    let engine = try Engine(path: store)
    defer { engine.close() }
    guard let last = try engine.papers(limit: 1).first?.latestListing() else { fatalError("\(store) holds no papers") }
    let now = last.start.addingTimeInterval(9 * 3600)
    let names = (0 ..< users).map { "user\($0)" }
    var today: [Double] = [], recommend: [Double] = []
    for _ in 0 ..< rounds {
        for user in names {
            today.append(try seconds { _ = try engine.today(user: user, now: now, refresh: true) })
            recommend.append(try seconds { _ = try engine.recommend(user: user, now: now, limit: 50) })
        }
    }
    var search: [Double] = []
    for _ in 0 ..< rounds { for query in searchQueries { search.append(try seconds { _ = try engine.search(query, limit: 20) }) } }
    func row(_ name: String, _ times: [Double]) {
        print("| \(name) | p50 \(milliseconds(percentile(times, 0.5))), p10 \(milliseconds(percentile(times, 0.1))), p90 \(milliseconds(percentile(times, 0.9))) |")
    }
    print("| \(store), \(users) users × \(rounds) rounds, \(last) | |")
    print("| --- | --- |")
    row("today --refresh on the last listing day (stored taste, full window)", today)
    row("recommend --limit 50", recommend)
    row("search", search)
}
