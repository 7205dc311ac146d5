import ArgumentParser
import Folio
import Foundation

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Verify the store: checksums, records, indexes, statistics and counts.",
        discussion: "Exits with status 1 when it finds problems; `folio repair` recovers what can be recovered."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Rebuild every user's resurfacing schedule by replaying their event log (the log is the truth).") var rebuild = false

    func run() throws {
        let engine = try Engine(path: global.storePath, options: .init(createIfMissing: false, paranoidChecks: true))
        if rebuild {
            for user in try engine.users() {
                let unchanged = try engine.rebuildSchedule(user: user)
                Output.error("rebuilt the schedule of \(user)\(unchanged ? " (it matched the log)" : " (it differed from the log and was replaced)")")
            }
        }
        let report = try engine.checkHealth()
        if output.json {
            try Output.json(report)
        } else {
            let checked = report.checked.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            print("checked \(checked)")
            if report.isHealthy {
                print("no problems found")
            } else {
                for problem in report.problems { print("problem: \(problem)") }
            }
        }
        if !report.isHealthy { throw ExitCode(1) }
    }
}

struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Recover a damaged store: LevelDB's repair, then indexes, statistics and profiles rebuilt from papers and the event log."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let report = try Engine.repair(path: global.storePath)
        if output.json {
            try Output.json(report)
        } else {
            print("kept \(report.papersKept) papers and \(report.eventsKept) events; dropped \(report.papersDropped) unreadable papers, \(report.eventsDropped) unreadable events and \(report.queuesDropped) unreadable queues")
            if report.damagedEntriesDropped > 0 {
                print("dropped \(report.damagedEntriesDropped) store entries whose blocks failed their checksums")
            }
            let lost = report.papersNamedByEventsButLost
            if !lost.isEmpty {
                let (papers, them) = lost.count == 1 ? ("1 paper", "it is") : ("\(lost.count) papers", "they are")
                print("events name \(papers) that could not be saved; the events are kept, and count again once \(them) ingested again: \(lost.joined(separator: " "))")
            }
        }
    }
}

struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite all of the store's files, reclaiming the space of deleted and overwritten entries.",
        discussion: "`folio ingest`, `import` and `repair` already wait for the compactions their writes make necessary, so later commands find the store settled. `folio compact` goes further and rewrites every file (about 2.5 s at 100,000 papers): for a store written by an older Folio, which left that work to later commands (each started it and abandoned it when it closed the store, and ran slower beside it), or to reclaim space after many changes."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var bytesBefore: Int64
        var bytesAfter: Int64
        var seconds: Double
    }

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let sizes = try global.openEngine().compact()
        let elapsed = start.duration(to: clock.now)
        let report = Report(bytesBefore: sizes.before, bytesAfter: sizes.after,
                            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        if output.json {
            try Output.json(report)
        } else {
            print("compacted in \(String(format: "%.1f", report.seconds)) s: \(Output.megabytes(sizes.before)) → \(Output.megabytes(sizes.after)) on disk")
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a backup as JSON Lines to stdout: papers, events and stored queues.",
        discussion: "Every user's events unless --user is given on the command line: then only that user's events and queues (and every paper). `folio import` restores it into an empty store."
    )
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.openEngine()
        let stdout = FileHandle.standardOutput
        let counts = try engine.export(user: global.user) { stdout.write($0) }
        Output.error("exported \(counts.papers) papers, \(counts.events) events, \(counts.queues) queues")
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Restore a backup written by `folio export` into an empty store.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The backup file.") var file: String

    func run() throws {
        let counts = try global.openEngine().importBackup(path: file)
        print("imported \(counts.papers) papers, \(counts.events) events, \(counts.queues) queues")
    }
}
