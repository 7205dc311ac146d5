import Foundation

/// Where a starred paper stands in its spaced re-reading.
public struct ScheduleCard: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        /// Starred: comes back on its due day.
        case review
        /// Unstarred: no longer comes back.
        case retired
    }

    public enum Priority: String, Sendable, Codable, CaseIterable, Comparable {
        case high, normal, low

        var rank: Int { self == .high ? 0 : self == .normal ? 1 : 2 }
        public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }
    }

    public var paperID: String
    public var state: State
    /// The day it should be re-read.
    public var due: Day
    public var stability: Double
    public var difficulty: Double
    /// Reviews so far, the starring included.
    public var reps: Int
    /// Reviews graded `again`.
    public var lapses: Int
    public var lastReview: Day
    public var starredOn: Day
    public var priority: Priority
}

/// The resurfacing schedule of one user, replayed from their event log: `star` starts a card
/// (its first review, graded Good unless the event says otherwise), `review` grades it, `unstar`
/// retires it, `priority` orders triage, `vacation` keeps due days out of a range of days.
///
/// Applying the same events in the same order always gives the same schedule: fuzz is seeded from
/// the paper id and review count, and load balancing reads only the schedule itself.
struct ResurfacingSchedule: Sendable, Codable, Equatable {
    static let review = Action(rawValue: "review")
    static let priority = Action(rawValue: "priority")
    static let vacation = Action(rawValue: "vacation")
    static let recordVersion = 1

    var version = Self.recordVersion
    private(set) var cards: [String: ScheduleCard] = [:]
    private(set) var vacations: [Vacation] = []
    /// The time of the latest event applied: a later event can be applied on top, an earlier one needs a replay.
    private(set) var lastApplied: Date?

    struct Vacation: Sendable, Codable, Equatable {
        var first: Day
        var last: Day
        func contains(_ day: Day) -> Bool { first <= day && day <= last }
    }

    /// Whether an event changes the schedule.
    static func concerns(_ action: Action) -> Bool {
        [.star, .unstar, review, priority, vacation].contains(action)
    }

    /// The vacation value of an event: `YYYY-MM-DD..YYYY-MM-DD`.
    static func vacationValue(from first: Day, to last: Day) -> String { "\(first)..\(last)" }

    /// Applies one event; events must come in time order.
    mutating func apply(_ event: Event, fsrs: FSRS, dailyBudget: Int) {
        defer { lastApplied = max(lastApplied ?? event.time, event.time) }
        let day = Day(event.time)
        switch event.action {
        case .star:
            if cards[event.paperID]?.state == .review { return }
            let grade = event.value.flatMap(Grade.init(name:)) ?? .good
            let memory = fsrs.initialState(grade: grade)
            let priority = cards[event.paperID]?.priority ?? .normal
            var card = ScheduleCard(paperID: event.paperID, state: .review, due: day, stability: memory.stability,
                                    difficulty: memory.difficulty, reps: 1, lapses: grade == .again ? 1 : 0,
                                    lastReview: day, starredOn: day, priority: priority)
            card.due = nextDue(for: card, from: day, fsrs: fsrs, dailyBudget: dailyBudget)
            cards[event.paperID] = card
        case .unstar:
            cards[event.paperID]?.state = .retired
        case Self.review:
            guard var card = cards[event.paperID], card.state == .review, let grade = event.value.flatMap(Grade.init(name:)) else { return }
            let memory = fsrs.nextState(state: MemoryState(stability: card.stability, difficulty: card.difficulty),
                                        elapsedDays: card.lastReview.days(until: day), grade: grade)
            card.stability = memory.stability
            card.difficulty = memory.difficulty
            card.reps += 1
            if grade == .again { card.lapses += 1 }
            card.lastReview = day
            card.due = nextDue(for: card, from: day, fsrs: fsrs, dailyBudget: dailyBudget)
            cards[event.paperID] = card
        case Self.priority:
            if let priority = event.value.flatMap(ScheduleCard.Priority.init(rawValue:)) { cards[event.paperID]?.priority = priority }
        case Self.vacation:
            guard let range = event.value.flatMap(Self.parseVacation) else { return }
            vacations.append(range)
            // What would fall due during the vacation is spread over the days after it, a budget a day.
            let affected = cards.values.filter { $0.state == .review && range.contains($0.due) }
                .sorted { ($0.due, $0.paperID) < ($1.due, $1.paperID) }
            for (index, card) in affected.enumerated() {
                var moved = card
                moved.due = firstWorkingDay(from: range.last.adding(days: 1 + index / max(1, dailyBudget)))
                cards[card.paperID] = moved
            }
        default:
            return
        }
    }

    /// The due day after a review on `day`: FSRS's interval, fuzzed towards lightly loaded days, off vacation.
    private func nextDue(for card: ScheduleCard, from day: Day, fsrs: FSRS, dailyBudget: Int) -> Day {
        let interval = fsrs.interval(stability: card.stability)
        let maximum = fsrs.parameters.maximumIntervalDays
        let fuzzed = IntervalFuzz.fuzzed(interval: interval, maximum: maximum, paperID: card.paperID, reviewCount: card.reps) { offset in
            let candidate = day.adding(days: offset)
            if vacations.contains(where: { $0.contains(candidate) }) { return 1_000_000 }
            return cards.values.count { $0.state == .review && $0.paperID != card.paperID && $0.due == candidate }
        }
        return firstWorkingDay(from: day.adding(days: fuzzed))
    }

    private func firstWorkingDay(from day: Day) -> Day {
        var candidate = day
        while let vacation = vacations.first(where: { $0.contains(candidate) }) { candidate = vacation.last.adding(days: 1) }
        return candidate
    }

    static func parseVacation(_ value: String) -> Vacation? {
        let parts = value.components(separatedBy: "..")
        guard parts.count == 2, let first = Day(iso: parts[0]), let last = Day(iso: parts[1]), first <= last else { return nil }
        return Vacation(first: first, last: last)
    }

    /// Replays a whole log.
    static func replay(_ events: [Event], fsrs: FSRS, dailyBudget: Int) -> ResurfacingSchedule {
        var schedule = ResurfacingSchedule()
        for event in events.sorted(by: { $0.time < $1.time }) where concerns(event.action) {
            schedule.apply(event, fsrs: fsrs, dailyBudget: dailyBudget)
        }
        return schedule
    }

    /// Cards due on or before `day`, in triage order: lowest chance of recall first, then priority, then id.
    func due(on day: Day, fsrs: FSRS) -> [(card: ScheduleCard, retrievability: Double)] {
        cards.values.filter { $0.state == .review && $0.due <= day }
            .map { ($0, fsrs.retrievability(elapsedDays: $0.lastReview.days(until: day), stability: $0.stability)) }
            .sorted { ($0.1, $0.0.priority.rank, $0.0.paperID) < ($1.1, $1.0.priority.rank, $1.0.paperID) }
    }

    /// Active cards due after `day` and no later than `last`, by due day.
    func upcoming(after day: Day, through last: Day) -> [ScheduleCard] {
        cards.values.filter { $0.state == .review && $0.due > day && $0.due <= last }
            .sorted { ($0.due, $0.paperID) < ($1.due, $1.paperID) }
    }
}
