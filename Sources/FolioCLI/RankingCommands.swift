import ArgumentParser
import Folio
import Foundation

struct Today: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "today",
        abstract: "Your reading queue for today (the day of --now).",
        discussion: "Made once a day and kept: running it again shows the same papers, marked with your feedback. --refresh makes it anew."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var limit: LimitOption
    @Flag(help: "Make the queue anew from your current feedback.") var refresh = false

    func run() throws {
        let queue = try global.openEngine().today(user: global.userName, now: try global.instant(), limit: limit.limit, refresh: refresh)
        if output.json {
            try Output.json(queue)
            return
        }
        print("Reading queue for \(queue.user), \(queue.date)")
        if queue.items.isEmpty { print("Nothing new in the last days: ingest today's listings with `folio ingest`.") }
        for (index, item) in queue.items.enumerated() {
            let mark = item.feedback.map { "  [\($0)]" } ?? ""
            print("")
            print("@\(index + 1)  \(item.title)\(mark)")
            print("    \(item.id)  score \(String(format: "%.2f", item.score))\(item.kind == .resurface ? "  resurfacing" : "")")
            for reason in item.reasons { print("    · \(reason)") }
        }
        if queue.overdue > 0 { print("\n\(queue.overdue) more starred papers are due and wait for the next days.") }
    }
}

struct Recommend: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recommend", abstract: "The whole catalogue ranked by your taste alone, without papers you reacted to.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var limit: LimitOption

    func run() throws {
        let items = try global.openEngine().recommend(user: global.userName, now: try global.instant(), limit: limit.limit ?? 20)
        try printRanked(items, json: output.json, header: ["user": global.userName])
    }
}

struct Similar: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "similar", abstract: "Papers most like one paper.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var limit: LimitOption
    @Argument(help: "A paper id, id prefix or @N queue position.") var id: String

    func run() throws {
        let items = try global.openEngine().similar(to: id, user: global.userName, now: try global.instant(), limit: limit.limit ?? 10)
        try printRanked(items, json: output.json, header: ["paper": id])
    }
}

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Ranked keyword search over titles and abstracts.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var limit: LimitOption
    @Argument(help: "Words to look for.") var words: [String]

    func run() throws {
        let query = words.joined(separator: " ")
        let items = try global.openEngine().search(query, limit: limit.limit ?? 20)
        try printRanked(items, json: output.json, header: ["query": query])
    }
}

private func printRanked(_ items: [RankedPaper], json: Bool, header: [String: String]) throws {
    if json {
        struct Document: Encodable {
            var header: [String: String]
            var items: [RankedPaper]
            enum CodingKeys: String, CodingKey { case items }
            func encode(to encoder: any Encoder) throws {
                try header.encode(to: encoder)
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(items, forKey: .items)
            }
        }
        try Output.json(Document(header: header, items: items))
        return
    }
    Output.table(["score", "id", "title"], items.map { [String(format: "%.3f", $0.score), $0.id, $0.title] })
}

struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "A reading digest ready to mail: picked papers with cropped abstracts, links and reasons, and what comes back."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "markdown or html.") var format: DigestFormat = .markdown
    @Option(help: "The days it covers: 1 for a daily digest, 7 for a weekly one.") var days = 1

    func run() throws {
        let text = try global.openEngine().digest(user: global.userName, now: try global.instant(), days: days, format: format)
        print(text, terminator: "")
    }
}

extension DigestFormat: ExpressibleByArgument {}
