import ArgumentParser
import Folio
import Foundation

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Add papers from daily-papers pages, arXiv Atom feeds or JSON Lines.",
        discussion: "Each file is applied whole or not at all. Papers already stored (same id, or same title) are merged; ingesting a file twice changes nothing."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "The files' format (default: detected from each file's content).")
    var format: IngestFormat?

    @Option(help: ArgumentHelp("The date of daily-papers pages, whose date line has no year (default: the latest such date not after --now).", valueName: "yyyy-mm-dd"))
    var date: String?

    @Flag(help: "Skip malformed records, reporting each, instead of rejecting the whole file.")
    var skipInvalid = false

    @Argument(help: "The files to ingest.")
    var files: [String]

    func run() throws {
        let engine = try global.openEngine()
        var bar = ProgressBar()
        let reports: [IngestFileReport]
        do {
            reports = try engine.ingest(
                files: files, format: format, listingDate: try parseDay(date, option: "--date"),
                now: try global.instant(), skipInvalid: skipInvalid, progress: { bar.update($0) }, embedding: { bar.update($0) },
                settling: false
            )
            // After a large ingest this takes seconds (LevelDB's compactions run to the end).
            bar.status("settling the store's files…")
            try engine.settle()
            bar.finish()
        } catch {
            bar.finish()
            throw error
        }
        for report in reports {
            for skipped in report.skipped { Output.error("folio: skipped \(report.file):\(skipped.line): \(skipped.reason)") }
        }
        let added = reports.reduce(0) { $0 + $1.added }
        let merged = reports.reduce(0) { $0 + $1.merged }
        let unchanged = reports.reduce(0) { $0 + $1.unchanged }
        let skipped = reports.reduce(0) { $0 + $1.skipped.count }
        if output.json {
            struct Summary: Encodable { var added, merged, unchanged, skipped: Int; var files: [IngestFileReport] }
            try Output.json(Summary(added: added, merged: merged, unchanged: unchanged, skipped: skipped, files: reports))
        } else {
            if reports.count > 1 {
                Output.table(["file", "format", "added", "merged", "unchanged", "skipped"], reports.map {
                    [($0.file as NSString).lastPathComponent, $0.format.rawValue, "\($0.added)", "\($0.merged)", "\($0.unchanged)", "\($0.skipped.count)"]
                })
            }
            print("\(added) added, \(merged) merged, \(unchanged) unchanged, \(skipped) skipped")
        }
    }
}

extension IngestFormat: ExpressibleByArgument {}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one paper with everything stored about it.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The paper's id, or an unambiguous prefix of it.")
    var id: String

    func run() throws {
        let engine = try global.openEngine()
        let paper = try engine.paper(id)
        let terms = try engine.indexTerms(of: paper.id)
        let events = try engine.history(user: global.userName).filter { $0.paperID == paper.id }
        let card = try engine.schedule(of: paper.id, user: global.userName)
        if output.json {
            struct Schedule: Encodable {
                var state: String, due: Day, stability: Double, difficulty: Double, reps: Int, lapses: Int, lastReview: Day, priority: String
            }
            struct Shown: Encodable {
                var paper: Paper
                var indexTerms: [String: [String]]
                var dailyPages: Int
                var events: [Event]
                var schedule: Schedule?
                enum CodingKeys: String, CodingKey { case indexTerms, dailyPages, events, schedule }
                func encode(to encoder: any Encoder) throws {
                    try paper.encode(to: encoder)
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(indexTerms, forKey: .indexTerms)
                    try container.encode(dailyPages, forKey: .dailyPages)
                    try container.encode(events, forKey: .events)
                    try container.encode(schedule, forKey: .schedule)
                }
            }
            let schedule = card.map {
                Schedule(state: $0.state.rawValue, due: $0.due, stability: $0.stability, difficulty: $0.difficulty,
                         reps: $0.reps, lapses: $0.lapses, lastReview: $0.lastReview, priority: $0.priority.rawValue)
            }
            try Output.json(Shown(paper: paper, indexTerms: ["title": terms.title, "abstract": terms.abstract],
                                  dailyPages: paper.dailyPageCount, events: events, schedule: schedule))
            return
        }
        let width = min(Output.terminalWidth, 100)
        print("\(paper.id)  \(paper.title)")
        func field(_ name: String, _ value: String) {
            guard !value.isEmpty else { return }
            print(name.padding(toLength: 12, withPad: " ", startingAt: 0) + value)
        }
        field("published", paper.published.description)
        field("authors", paper.authors.joined(separator: ", "))
        field("categories", paper.categories.joined(separator: ", "))
        field("aliases", paper.aliases.joined(separator: ", "))
        field("listed", paper.appearances.map { "\($0.source) \($0.day)" }.joined(separator: ", "))
        for link in paper.links { field("link", link) }
        field("terms", (terms.title + terms.abstract).prefix(30).joined(separator: " "))
 if let card {
            field("schedule", "\(card.state.rawValue), due \(card.due), \(card.reps) reviews, \(card.lapses) lapses, stability \(String(format: "%.1f", card.stability)) days, \(card.priority.rawValue) priority")
        }
        for event in events { field("you", "\(event.action) \(ISO8601DateFormatter().string(from: event.time))\(event.value.map { " \($0)" } ?? "")") }
        if !paper.abstract.isEmpty {
            print("")
            print(Output.wrap(paper.abstract, width: width, indent: 2))
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List papers by listing date, newest first.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Only papers listed on or after this date.", valueName: "yyyy-mm-dd"))
    var since: String?

    @Option(help: ArgumentHelp("Only papers listed on or before this date.", valueName: "yyyy-mm-dd"))
    var until: String?

    @Option(help: "At most this many papers.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let engine = try global.openEngine()
        let (first, last) = (try parseDay(since, option: "--since"), try parseDay(until, option: "--until"))
        let papers = try engine.papers(since: first, until: last, limit: limit)
        if output.json {
            struct Listed: Encodable { var papers: [Paper] }
            try Output.json(Listed(papers: papers))
        } else {
            Output.table(["listed", "id", "pages", "title"], papers.map {
                [($0.latestListing(since: first, until: last) ?? $0.published).description, $0.id, "\($0.dailyPageCount)", $0.title]
            })
        }
    }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts of papers, users, events and terms; store size and schema version.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let statistics = try global.openEngine().statistics()
        if output.json {
            try Output.json(statistics)
        } else {
            let formatter = ByteCountFormatter()
            Output.table(["what", "value"], [
                ["papers", "\(statistics.papers)"],
                ["users", "\(statistics.users)"],
                ["events", "\(statistics.events)"],
                ["terms", "\(statistics.terms)"],
                ["size", formatter.string(fromByteCount: statistics.sizeBytes)],
                ["schema", "\(statistics.schemaVersion)"],
                ["store", statistics.path],
            ])
        }
    }
}
