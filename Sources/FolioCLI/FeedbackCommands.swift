import ArgumentParser
import Folio
import Foundation

/// One kind of feedback: the action it records and what its command says about it.
protocol FeedbackKind {
    static var action: Action { get }
    static var abstract: String { get }
}

/// `folio like|dislike|skip|read|unstar|dismiss ID...`: records one kind of feedback on papers.
struct RecordFeedback<Kind: FeedbackKind>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: Kind.action.rawValue, abstract: Kind.abstract,
            discussion: "Ids may be unambiguous prefixes, or @N for the N-th item of today's queue. Recorded durably: when the command returns, the feedback is on disk. If any id is unknown, nothing is recorded."
        )
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Paper ids, id prefixes or @N queue positions.") var ids: [String]

    func run() throws {
        let engine = try global.openEngine()
        let events = try engine.record(Kind.action, papers: ids, user: global.userName, at: try global.instant())
        for event in events {
            let title = (try? engine.paper(event.paperID).title) ?? ""
            print("\(Kind.action.rawValue) \(event.paperID)  \(Output.truncate(title, to: 70))")
        }
    }
}

enum LikeFeedback: FeedbackKind {
    static let action = Action.like
    static let abstract = "Record that you like papers: more like these."
}

enum DislikeFeedback: FeedbackKind {
    static let action = Action.dislike
    static let abstract = "Record that you dislike papers: fewer like these, and never these again."
}

enum SkipFeedback: FeedbackKind {
    static let action = Action.skip
    static let abstract = "Record that you skipped papers: a weak signal against them."
}

enum ReadFeedback: FeedbackKind {
    static let action = Action.read
    static let abstract = "Record that you read papers."
}

enum UnstarFeedback: FeedbackKind {
    static let action = Action.unstar
    static let abstract = "Remove the star from papers: they stop coming back."
}

enum DismissFeedback: FeedbackKind {
    static let action = Action.dismiss
    static let abstract = "Not interested: never show these papers again."
}

struct Star: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "star",
        abstract: "Star papers: the strongest signal of taste, and they come back to be re-read at spaced intervals.",
        discussion: "Starring is the first review of a paper's resurfacing schedule (FSRS-6): --grade sets how well you know it now."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "How well you know the paper now: again, hard, good or easy.") var grade: String = "good"
    @Option(help: "Which comes first when more starred papers are due than fit a day: high, normal or low.") var priority: ScheduleCard.Priority?
    @Argument(help: "Paper ids, id prefixes or @N queue positions.") var ids: [String]

    func validate() throws {
        if Grade(name: grade) == nil { throw ValidationError("--grade must be again, hard, good or easy") }
    }

    func run() throws {
        let engine = try global.openEngine()
        let cards = try engine.star(ids, user: global.userName, at: try global.instant(), grade: Grade(name: grade)!, priority: priority)
        for card in cards {
            let title = (try? engine.paper(card.paperID).title) ?? ""
            print("star \(card.paperID)  \(Output.truncate(title, to: 60))  comes back \(card.due)")
        }
    }
}

extension ScheduleCard.Priority: ExpressibleByArgument {}

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "review", abstract: "Record how well you remembered a resurfaced paper, and schedule its next return.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "A starred paper's id, id prefix or @N queue position.") var id: String
    @Argument(help: "again, hard, good or easy.") var grade: String

    func validate() throws {
        if Grade(name: grade) == nil { throw ValidationError("the grade must be again, hard, good or easy, not \"\(grade)\"") }
    }

    func run() throws {
        let engine = try global.openEngine()
        let card = try engine.review(id, grade: Grade(name: grade)!, user: global.userName, at: try global.instant())
        print("review \(card.paperID) \(grade): comes back \(card.due) (stability \(String(format: "%.1f", card.stability)) days)")
    }
}

struct Due: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "due", abstract: "Starred papers due to resurface today, and those coming.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "How many days ahead to look.") var days = 7

    func validate() throws {
        if days < 0 || days > 36_500 { throw ValidationError("--days must be between 0 and 36500") }
    }

    func run() throws {
        let list = try global.openEngine().due(user: global.userName, now: try global.instant(), days: days)
        if output.json {
            try Output.json(list)
            return
        }
        print("Due on \(list.date): \(list.due.count) (a day's queue shows \(list.budget))")
        Output.table(["due", "recall", "priority", "id", "title"], list.due.map(row))
        if !list.upcoming.isEmpty {
            print("\nComing in the next \(days) days:")
            Output.table(["due", "recall", "priority", "id", "title"], list.upcoming.map(row))
        }
    }

    private func row(_ item: DueList.Item) -> [String] {
        [item.card.due.description, "\(Int((item.recallChance * 100).rounded()))%", item.card.priority.rawValue, item.card.paperID, item.title]
    }
}

struct Vacation: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "vacation", abstract: "Days off: starred papers that would fall due then come back after, spread out.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The first day off (YYYY-MM-DD).") var from: String
    @Argument(help: "The last day off (YYYY-MM-DD).") var to: String

    func run() throws {
        let first = try parseDay(from, option: "FROM")!, last = try parseDay(to, option: "TO")!
        try global.openEngine().vacation(from: first, to: last, user: global.userName, at: try global.instant())
        print("vacation from \(first) to \(last): nothing resurfaces then")
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Your feedback, newest first.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var limit: LimitOption

    func run() throws {
        let engine = try global.openEngine()
        let events = try engine.history(user: global.userName, limit: limit.limit)
        if output.json {
            struct Shown: Encodable { var user: String; var events: [Event] }
            try Output.json(Shown(user: global.userName, events: events))
            return
        }
        let formatter = ISO8601DateFormatter()
        Output.table(["time", "action", "paper", "title"], events.map { event in
            let title = event.paperID.isEmpty ? (event.value ?? "") : ((try? engine.paper(event.paperID).title) ?? "")
            return [formatter.string(from: event.time), event.action.rawValue, event.paperID.isEmpty ? "-" : event.paperID, title]
        })
    }
}

struct Interests: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interests",
        abstract: "Free-text interests that steer your queue like liked papers.",
        subcommands: [Add.self, Remove.self, ListInterests.self],
        defaultSubcommand: ListInterests.self
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add interests, e.g. \"diffusion models, kv cache\".")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Interests, separated by commas.") var texts: [String]
        func run() throws {
            let engine = try global.openEngine()
            try engine.addInterests(texts, user: global.userName, at: try global.instant())
            print(try engine.interests(user: global.userName, now: try global.instant()).joined(separator: "\n"))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove interests.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Interests, separated by commas.") var texts: [String]
        func run() throws {
            let engine = try global.openEngine()
            try engine.removeInterests(texts, user: global.userName, at: try global.instant())
            print(try engine.interests(user: global.userName, now: try global.instant()).joined(separator: "\n"))
        }
    }

    struct ListInterests: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List your interests.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        func run() throws {
            let interests = try global.openEngine().interests(user: global.userName, now: try global.instant())
            if output.json {
                struct Shown: Encodable { var user: String; var interests: [String] }
                try Output.json(Shown(user: global.userName, interests: interests))
            } else {
                print(interests.joined(separator: "\n"))
            }
        }
    }
}
