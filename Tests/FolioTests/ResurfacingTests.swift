import Foundation
import Testing
@testable import Folio

@Suite("Resurfacing schedule")
struct ResurfacingTests {
    let directory = TemporaryDirectory("resurfacing")
    let start = Instant.parse("2025-09-10T08:00:00Z")!
    let user = "ann"

    func engine() throws -> Engine {
        let engine = try Engine(path: directory.subpath("store"))
        try engine.ingest(files: Fixtures.dailyPages, now: start)
        return engine
    }

    func at(_ day: Day) -> Date { day.start.addingTimeInterval(9 * 3600) }

    @Test func reviewsOnDueDatesFollowFSRSWithBoundedFuzz() throws {
        let engine = try engine()
        let paper = try engine.papers(limit: 1)[0].id
        var card = try engine.star([paper], user: user, at: start)[0]
        let fsrs = FSRS()
        #expect(card.stability == fsrs.initialStability(.good))
        #expect(Day(start).days(until: card.due) == 2, "the first interval of Good is 2 days, too short to fuzz")
        var expectedState = fsrs.initialState(grade: .good)
        for _ in 0 ..< 5 {
            let day = card.due
            let elapsed = card.lastReview.days(until: day)
            card = try engine.review(paper, grade: .good, user: user, at: at(day))
            expectedState = fsrs.nextState(state: expectedState, elapsedDays: elapsed, grade: .good)
            #expect(abs(card.stability - expectedState.stability) < 1e-9)
            let interval = fsrs.interval(stability: card.stability)
            let range = IntervalFuzz.range(interval: interval, maximum: 36_500)
            #expect(range.contains(day.days(until: card.due)), "due \(card.due) outside the fuzz range \(range) of \(interval) days")
        }
        #expect(card.reps == 6 && card.lapses == 0)
    }

    @Test func dueStarredPapersResurfaceWithinTheBudgetLowestRecallFirst() throws {
        let engine = try engine()
        let papers = try engine.papers(limit: 6).map(\.id)
        // Starred on different days with different grades, so their recall chances differ.
        try engine.star([papers[0], papers[1]], user: user, at: start, grade: .hard)
        try engine.star([papers[2]], user: user, at: start, grade: .good, priority: .high)
        try engine.star([papers[3], papers[4]], user: user, at: start.addingTimeInterval(86_400), grade: .easy)
        try engine.star([papers[5]], user: user, at: start, grade: .good, priority: .low)
        let later = start.addingTimeInterval(40 * 86_400)
        let due = try engine.due(user: user, now: later)
        #expect(due.due.count == 6)
        let recalls = due.due.map(\.recallChance)
        #expect(recalls == recalls.sorted(), "triage takes the lowest recall chance first")
        let queue = try engine.today(user: user, now: later)
        let resurfaced = queue.items.filter { $0.kind == .resurface }
        #expect(resurfaced.count == 3)
        #expect(resurfaced.map(\.id) == Array(due.due.prefix(3).map(\.card.paperID)))
        #expect(queue.overdue == 3)
        #expect(queue.items.count == 3, "no new listings in the last week: only the resurfacing papers")
        let reason = try #require(resurfaced.first?.reasons.first)
        #expect(reason.hasPrefix("starred 40 days ago, 1st resurfacing, recall chance"), "\(reason)")
        // The rest wait, never dropped: after reviewing today's, the others come tomorrow.
        for item in resurfaced { try engine.review(item.id, grade: .good, user: user, at: later.addingTimeInterval(60)) }
        let tomorrow = try engine.today(user: user, now: later.addingTimeInterval(86_400))
        #expect(Set(tomorrow.items.filter { $0.kind == .resurface }.map(\.id)) == Set(due.due.dropFirst(3).map(\.card.paperID)))
        #expect(tomorrow.overdue == 0)
    }

    @Test func resurfacingItemsTakeTheirPositions() {
        func item(_ id: String, _ kind: QueueItem.Kind) -> QueueItem { QueueItem(id: id, title: id, kind: kind, score: 0, reasons: []) }
        let new = (1 ... 7).map { item("n\($0)", .new) }
        let back = (1 ... 3).map { item("r\($0)", .resurface) }
        let mixed = Recommender.interleave(new, back, at: [2, 5, 8])
        #expect(mixed.map(\.id) == ["n1", "r1", "n2", "n3", "r2", "n4", "n5", "r3", "n6", "n7"])
        #expect(Recommender.interleave([], back, at: [2, 5, 8]).map(\.id) == ["r1", "r2", "r3"])
        #expect(Recommender.ordinal(1) == "1st" && Recommender.ordinal(2) == "2nd" && Recommender.ordinal(3) == "3rd" && Recommender.ordinal(11) == "11th" && Recommender.ordinal(22) == "22nd")
    }

    @Test func priorityBreaksTriageTies() throws {
        let engine = try engine()
        let papers = try engine.papers(limit: 3).map(\.id)
        try engine.star([papers[0]], user: user, at: start, priority: .low)
        try engine.star([papers[1]], user: user, at: start, priority: .high)
        try engine.star([papers[2]], user: user, at: start)
        let due = try engine.due(user: user, now: start.addingTimeInterval(10 * 86_400)).due
        #expect(due.map(\.card.paperID) == [papers[1], papers[2], papers[0]])
    }

    @Test func vacationMovesDueDaysPastIt() throws {
        let engine = try engine()
        let papers = try engine.papers(limit: 5).map(\.id)
        try engine.star(papers, user: user, at: start)
        let dues = try papers.map { try engine.schedule(of: $0, user: user)!.due }
        let first = dues.min()!, last = first.adding(days: 6)
        try engine.vacation(from: first, to: last, user: user, at: start)
        for paper in papers {
            let card = try engine.schedule(of: paper, user: user)!
            #expect(card.due > last, "\(paper) still falls due during the vacation")
            #expect(card.due <= last.adding(days: 2), "spread over the days after, a budget a day")
        }
        // New reviews avoid the vacation too.
        let other = try engine.papers(limit: 8).map(\.id)[7]
        let card = try engine.star([other], user: user, at: at(first.adding(days: -2)))[0]
        #expect(!(first ... last).contains(card.due))
        #expect { try engine.vacation(from: last, to: first, user: user, at: start) } throws: { ($0 as? FolioError)?.kind == .invalidArgument }
    }

    @Test func rebuildingFromTheLogGivesTheSameSchedule() throws {
        let engine = try engine()
        let papers = try engine.papers(limit: 12).map(\.id)
        var random = SplitMix64(seed: 11)
        var time = start
        for step in 0 ..< 60 {
            time = time.addingTimeInterval(Double(random.next() % 5) * 86_400 + 60)
            let paper = papers[Int(random.next() % UInt64(papers.count))]
            let card = try engine.schedule(of: paper, user: user)
            switch random.next() % 6 {
            case 0, 1: try engine.star([paper], user: user, at: time, grade: Grade(rawValue: Int(random.next() % 4) + 1)!)
            case 2 where card?.state == .review: try engine.review(paper, grade: Grade(rawValue: Int(random.next() % 4) + 1)!, user: user, at: time)
            case 3 where step % 4 == 0: try engine.record(.unstar, papers: [paper], user: user, at: time)
            case 4: try engine.star([paper], user: user, at: time, priority: .high)
            case 5 where step % 10 == 0: try engine.vacation(from: Day(time).adding(days: 3), to: Day(time).adding(days: 6), user: user, at: time)
            default: try engine.record(.like, papers: [paper], user: user, at: time)
            }
        }
        // An event dated before the last one forces a replay on write; the stored state must still equal a replay.
        try engine.star([papers[0]], user: user, at: start.addingTimeInterval(3600))
        #expect(try engine.rebuildSchedule(user: user), "the incremental schedule differs from a replay of the log")
        #expect(try engine.checkHealth().problems == [])
    }

    @Test func reviewNeedsAStarAndUnstarRetires() throws {
        let engine = try engine()
        let paper = try engine.papers(limit: 1)[0].id
        #expect { try engine.review(paper, grade: .good, user: user, at: start) } throws: { ($0 as? FolioError)?.message.contains("is not starred") == true }
        try engine.star([paper], user: user, at: start)
        try engine.record(.unstar, papers: [paper], user: user, at: start.addingTimeInterval(60))
        #expect(try engine.schedule(of: paper, user: user)?.state == .retired)
        #expect(try engine.due(user: user, now: start.addingTimeInterval(30 * 86_400)).due.isEmpty)
        #expect(try engine.history(user: user).map(\.action) == [.unstar, .star])
    }

    @Test func cliShowsScheduleAndDue() throws {
        let folio = FolioProcess(store: directory.subpath("cli"))
        try folio.run(["ingest"] + Fixtures.dailyPages)
        let id = try #require((try folio.run(["list", "--json", "--limit", "1"]).json()["papers"] as? [[String: Any]])?.first?["id"] as? String)
        let starred = try folio.run(["star", id, "--grade", "easy", "--priority", "high"])
        #expect(starred.status == 0, "\(starred.stderr)")
        let shown = try folio.run(["show", id, "--json"]).json()
        let schedule = try #require(shown["schedule"] as? [String: Any])
        #expect(schedule["state"] as? String == "review")
        #expect(schedule["reps"] as? Int == 1 && schedule["lapses"] as? Int == 0)
        #expect(schedule["last_review"] as? String == "2025-09-10")
        #expect(abs((schedule["stability"] as? Double ?? 0) - 8.2956) < 1e-9)
        #expect(schedule["difficulty"] is Double && schedule["due"] is String)
        var later = folio
        later.now = "2025-12-01"
        let due = try later.run(["due", "--json"]).json()
        #expect((due["due"] as? [[String: Any]])?.count == 1)
        let reviewed = try later.run(["review", id, "good"])
        #expect(reviewed.status == 0, "\(reviewed.stderr)")
        #expect(try later.run(["review", id, "meh"]).status != 0)
        let doctor = try later.run(["doctor", "--rebuild"])
        #expect(doctor.status == 0 && doctor.stderr.contains("matched the log"), "\(doctor.stdout) \(doctor.stderr)")
    }
}
