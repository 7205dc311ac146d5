import Foundation
import Testing
@testable import Folio

@Suite("Feedback, queues and search (store)")
struct QueueTests {
    let directory = TemporaryDirectory("queue")
    let now = Instant.parse("2025-09-10T08:00:00Z")!
    let user = "ann"

    func engine() throws -> Engine {
        let engine = try Engine(path: directory.subpath("store"))
        if try engine.statistics().papers == 0 { try engine.ingest(files: Fixtures.dailyPages, now: now) }
        return engine
    }

    @Test func coldStartQueueIsRecentAndPopular() throws {
        let engine = try engine()
        let queue = try engine.today(user: user, now: now)
        #expect(queue.items.count == RankingModel.standard.queue.defaultLimit)
        #expect(queue.date == .iso("2025-09-10"))
        #expect(queue.items.allSatisfy { $0.kind == .new && !$0.reasons.isEmpty })
        // Only papers listed in the window (here: the Sep 9 page).
        #expect(try queue.items.allSatisfy { try engine.paper($0.id).latestListing(since: .iso("2025-09-04")) != nil })
        // Popular papers (on several pages) come first.
        let pages = try queue.items.map { try engine.paper($0.id).dailyPageCount }
        #expect(pages.first! >= pages.last!)
        #expect(queue.items[0].reasons.contains { $0.hasPrefix("popular: on") })
    }

    @Test func feedbackPersistsAndUnknownIDsRecordNothing() throws {
        do {
            let engine = try engine()
            let papers = try engine.papers(limit: 3)
            try engine.record(.like, papers: [papers[0].id, String(papers[1].id.prefix(10))], user: user, at: now)
            #expect(throws: FolioError.self) { try engine.record(.dislike, papers: [papers[2].id, "no-such-paper"], user: user, at: now) }
        }
        let reopened = try engine()
        let history = try reopened.history(user: user)
        #expect(history.count == 2)
        #expect(history.allSatisfy { $0.action == .like })
        #expect(try reopened.statistics().events == 2)
    }

    @Test func dayQueueIsStableAndMarksFeedback() throws {
        let engine = try engine()
        let first = try engine.today(user: user, now: now)
        try engine.record(.like, papers: ["@2"], user: user, at: now.addingTimeInterval(60))
        try engine.record(.dismiss, papers: ["@3"], user: user, at: now.addingTimeInterval(120))
        let again = try engine.today(user: user, now: now.addingTimeInterval(3600))
        #expect(again.items.map(\.id) == first.items.map(\.id))
        #expect(again.items[1].feedback == "like" && again.items[2].feedback == "dismiss" && again.items[0].feedback == nil)
        // Refreshing takes the feedback into account: reacted papers drop out, taste reorders.
        let refreshed = try engine.today(user: user, now: now.addingTimeInterval(3600), refresh: true)
        #expect(!refreshed.items.contains { $0.id == first.items[1].id || $0.id == first.items[2].id })
        #expect(refreshed.items.contains { $0.reasons.contains { $0.hasPrefix("matches your interests") } })
    }

    @Test func rejectedPapersNeverReturn() throws {
        let engine = try engine()
        let queue = try engine.today(user: user, now: now)
        let disliked = queue.items[0].id, dismissed = queue.items[1].id
        try engine.record(.dislike, papers: [disliked], user: user, at: now)
        try engine.record(.dismiss, papers: [dismissed], user: user, at: now)
        try engine.record(.like, papers: [queue.items[2].id], user: user, at: now)
        for offset in 0 ..< 3 {
            let later = now.addingTimeInterval(Double(offset) * 86_400)
            let ids = try engine.today(user: user, now: later, limit: 50, refresh: true).items.map(\.id)
            #expect(!ids.contains(disliked) && !ids.contains(dismissed))
        }
        let recommended = try engine.recommend(user: user, now: now, limit: 1000).map(\.id)
        #expect(!recommended.contains(disliked) && !recommended.contains(dismissed) && !recommended.contains(queue.items[2].id))
        #expect(recommended.count == 229 - 3)
        let similar = try engine.similar(to: queue.items[2].id, user: user, now: now, limit: 1000).map(\.id)
        #expect(!similar.contains(disliked) && !similar.contains(dismissed))
    }

    @Test func papersShownWithoutReactionDropOut() throws {
        let engine = try engine()
        let limit = RankingModel.standard.queue.maximumShowsWithoutReaction
        var shownOnEveryDay: Set<String>?
        for offset in 0 ..< limit {
            let ids = Set(try engine.today(user: user, now: now.addingTimeInterval(Double(offset) * 86_400)).items.map(\.id))
            shownOnEveryDay = shownOnEveryDay.map { $0.intersection(ids) } ?? ids
        }
        #expect(!(shownOnEveryDay ?? []).isEmpty)
        let next = try engine.today(user: user, now: now.addingTimeInterval(Double(limit) * 86_400), limit: 100)
        #expect(next.items.allSatisfy { !(shownOnEveryDay ?? []).contains($0.id) })
    }

    @Test func likedTopicRisesInRecommendations() throws {
        let engine = try engine()
        let related = try engine.search("quantization low bit precision", limit: 6).map(\.id)
        #expect(related.count == 6)
        try engine.record(.like, papers: Array(related.prefix(3)), user: user, at: now)
        let recommended = try engine.recommend(user: user, now: now, limit: 20).map(\.id)
        let hits = related.dropFirst(3).filter(recommended.contains).count
        #expect(hits >= 2, "expected the other quantization papers near the top, got \(recommended)")
        #expect(try engine.recommend(user: user, now: now, limit: 20).allSatisfy { !$0.reasons.isEmpty })
    }

    @Test func interestsSeedColdStart() throws {
        let engine = try engine()
        try engine.addInterests(["kv cache, long context"], user: user, at: now)
        #expect(try engine.interests(user: user, now: now) == ["kv cache", "long context"])
        let top = try engine.recommend(user: user, now: now, limit: 5)
        let texts = try top.map { try engine.paper($0.id) }.map { ($0.title + " " + $0.abstract).lowercased() }
        #expect(texts.filter { $0.contains("cache") || $0.contains("long context") || $0.contains("long-context") }.count >= 4)
        try engine.removeInterests(["kv cache"], user: user, at: now)
        #expect(try engine.interests(user: user, now: now) == ["long context"])
        #expect(throws: FolioError.self) { try engine.removeInterests(["nothing"], user: user, at: now) }
    }

    @Test func interestsInCommonWordsStillPersonalise() throws {
        // Most of the sample pages are about instruction tuning: the words are common, yet they are what the user asked for.
        let engine = try engine()
        try engine.addInterests(["instruction tuning, code generation"], user: "ivy", at: now)
        let queue = try engine.today(user: "ivy", now: now)
        #expect(!queue.items.contains { $0.reasons.contains { $0.hasPrefix("no feedback yet") } })
        #expect(queue.items.contains { $0.reasons.contains { $0.contains("your interest") || $0.hasPrefix("matches your interests") } })
    }

    @Test func queueIsDeterministic() throws {
        let engine = try engine()
        try engine.record(.star, papers: [try engine.papers(limit: 1)[0].id], user: "bob", at: now)
        let a = try engine.today(user: "bob", now: now, refresh: true)
        let b = try engine.today(user: "bob", now: now, refresh: true)
        #expect(a == b)
        let other = TemporaryDirectory("queue-other")
        let second = try Engine(path: other.subpath("store"))
        try second.ingest(files: Fixtures.dailyPages, now: now)
        try second.record(.star, papers: [try second.papers(limit: 1)[0].id], user: "bob", at: now)
        #expect(try second.today(user: "bob", now: now) == a)
    }

    @Test func searchRanksTitleMatchesAndUsesTheIndex() throws {
        let engine = try engine()
        let hits = try engine.search("KV cache", limit: 10)
        #expect(!hits.isEmpty)
        let top = try engine.paper(hits[0].id)
        #expect(top.title.lowercased().contains("cache"))
        #expect(hits[0].reasons.first?.contains("cache") == true)
        #expect(hits.map(\.score) == hits.map(\.score).sorted(by: >))
        #expect(try engine.search("zzzqqq", limit: 10).isEmpty)
    }

    @Test func postingChunksShareIdPrefixesAndStillReadVersionOne() throws {
        let postings = ["2411.01234", "2411.01240", "2411.0124", "hf-ünïcode-1", "hf-ünïcode-2", "a", "2411.01234v2"].enumerated().map {
            Posting(paperID: $1, titleCount: $0 % 2, abstractCount: $0 + 1, length: 100 + $0)
        }
        let encoded = PostingChunk.encode(postings)
        #expect(try PostingChunk.decode(encoded) == postings)
        #expect(encoded.count < 2 + postings.reduce(0) { $0 + 5 + $1.paperID.utf8.count }, "shared prefixes are not written again")

        #expect(try PostingChunk.decode(Fixtures.versionOnePostingChunk(postings)) == postings)

        // The second id claims to share more bytes than the first has; a cut chunk ends early.
        var damaged = encoded
        let secondID = 2 + 2 + 10 + 3
        #expect(damaged[secondID] == 8, "\"2411.012\" is shared")
        damaged[secondID] = 11
        #expect(throws: RecordCodec.Failure.self) { try PostingChunk.decode(damaged) }
        #expect(throws: RecordCodec.Failure.self) { try PostingChunk.decode(Array(encoded.dropLast(4))) }
    }

    @Test func queuePositionsNeedAQueueItem() throws {
        let engine = try engine()
        #expect { try engine.record(.like, papers: ["@99"], user: user, at: now) } throws: { ($0 as? FolioError)?.message.contains("has 10 items") == true }
        #expect { try engine.record(.like, papers: ["@0"], user: user, at: now) } throws: { ($0 as? FolioError)?.kind == .invalidArgument }
        #expect { try engine.record(.like, papers: ["x"], user: "bad/user", at: now) } throws: { ($0 as? FolioError)?.kind == .invalidArgument }
    }

    @Test func digestsInMarkdownAndHTML() throws {
        let engine = try engine()
        let queue = try engine.today(user: "scout", now: now)
        try engine.star([queue.items[0].id], user: user, at: now.addingTimeInterval(-20 * 86_400))
        let markdown = try engine.digest(user: user, now: now, days: 1, format: .markdown)
        #expect(markdown.hasPrefix("# Folio digest for ann, 2025-09-10"))
        #expect(markdown.contains("## New for you (9)"), "ten items, one of them the starred paper coming back")
        #expect(markdown.contains(queue.items[1].title) || markdown.contains(queue.items[2].title))
        let quoted = markdown.split(separator: "\n").filter { $0.hasPrefix("   > ") }
        #expect(!quoted.isEmpty && quoted.allSatisfy { $0.count <= Digest.abstractLength + 10 })
        #expect(markdown.contains("## Coming back to re-read (1)") && markdown.contains(queue.items[0].title))
        let weekly = try engine.digest(user: user, now: now, days: 7, format: .markdown)
        #expect(weekly.contains("the 7 days to 2025-09-10"))
        let html = try engine.digest(user: user, now: now, format: .html)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<ol>") && html.hasSuffix("</html>\n"))
        #expect(!html.contains("<script"))
        #expect { try engine.digest(user: user, now: now, days: 0) } throws: { ($0 as? FolioError)?.kind == .invalidArgument }
        #expect(Digest.crop(String(repeating: "word ", count: 200)).hasSuffix(" …"))
    }
}
