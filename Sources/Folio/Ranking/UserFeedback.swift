import Foundation

/// A user's event log reduced to what ranking needs: per paper, the latest opinion and whether it
/// is starred; the free-text interests in force.
///
/// Replaying the log is the only way this is made, so it can never disagree with the log.
struct UserFeedback: Sendable {
    struct PaperState: Sendable {
        /// The latest of like, dislike, skip, read, dismiss.
        var opinion: Action?
        var starred = false
        var lastTime: Date
    }

    private(set) var papers: [String: PaperState] = [:]
    private(set) var interests: [String] = []

    /// Opinions; starring is tracked apart, since a starred paper may also be read or liked.
    static let opinions: Set<Action> = [.like, .dislike, .skip, .read, .dismiss]
    static let interest = Action(rawValue: "interest")
    static let interestRemoved = Action(rawValue: "interest-removed")

    /// Replays `events` (in time order) that happened no later than `now`.
    init(events: [Event], now: Date) {
        for event in events where event.time <= now {
            switch event.action {
            case Self.interest:
                if let text = event.value, !interests.contains(text) { interests.append(text) }
            case Self.interestRemoved:
                interests.removeAll { $0 == event.value }
            default:
                var state = papers[event.paperID] ?? PaperState(lastTime: event.time)
                state.lastTime = max(state.lastTime, event.time)
                if Self.opinions.contains(event.action) { state.opinion = event.action }
                if event.action == .star { state.starred = true }
                if event.action == .unstar { state.starred = false }
                papers[event.paperID] = state
            }
        }
    }

    /// Every paper the user reacted to in any way.
    var reactedPapers: Set<String> { Set(papers.keys) }

    /// Papers that must never be shown again: the latest opinion is a dislike or a dismissal.
    var rejectedPapers: Set<String> {
        Set(papers.filter { $0.value.opinion == .dislike || $0.value.opinion == .dismiss }.keys)
    }

    /// The signed strength of each paper's feedback at `now`, decayed by its age.
    func strengths(model: RankingModel, now: Date) -> [String: Double] {
        var strengths: [String: Double] = [:]
        for (id, state) in papers {
            let rejected = state.opinion == .dislike || state.opinion == .dismiss
            let base: Double? = state.starred && !rejected ? model.weight(of: .star) : state.opinion.flatMap(model.weight(of:))
            guard let base, base != 0 else { continue }
            let ageDays = max(0, now.timeIntervalSince(state.lastTime) / 86_400)
            strengths[id] = base * pow(0.5, ageDays / model.feedback.halfLifeDays)
        }
        return strengths
    }
}
