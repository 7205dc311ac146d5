// folio-bench: Folio's speed and memory on synthetic corpora, as figures (see BENCHMARKS.md).
//
//   swift build -c release --product folio-bench --product folio
//   .build/release/folio-bench --papers 100000 [--corpus FILE] [--users 20] [--events 200] [--days 5]
//   .build/release/folio-bench --reuse --store DIR [--users 10] [--rounds 5]
//
// --reuse measures only the queries (today --refresh on the last listing day, recommend, search),
// in process and repeated, on a store that an earlier run left in DIR: steadier figures when
// comparing two builds than whole runs, whose stores compact differently.
//
// The corpus comes from ../shared/bench/make_corpus.py N (deterministic) unless --corpus names one.
import Folio
import Foundation

struct Options {
    var papers = 20_000
    var corpus: String?
    var users = 20
    var events = 200
    var days = 5
    var store: String?
    var cli: String?
    var reuse = false
    var rounds = 5

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--papers": papers = Int(iterator.next() ?? "") ?? papers
            case "--corpus": corpus = iterator.next()
            case "--users": users = Int(iterator.next() ?? "") ?? users
            case "--events": events = Int(iterator.next() ?? "") ?? events
            case "--days": days = Int(iterator.next() ?? "") ?? days
            case "--store": store = iterator.next()
            case "--cli": cli = iterator.next()
            case "--reuse": reuse = true
            case "--rounds": rounds = Int(iterator.next() ?? "") ?? rounds
            default:
                FileHandle.standardError.write(Data("usage: folio-bench [--papers N] [--corpus FILE] [--users U] [--events E] [--days D] [--store DIR] [--cli PATH] | --reuse --store DIR [--users U] [--rounds R]\n".utf8))
                exit(2)
            }
        }
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func milliseconds(_ value: Double) -> String { String(format: "%.1f ms", value * 1000) }

/// The median and 99th percentile of `times` (seconds), as a table cell.
func latencies(_ times: [Double]) -> String {
    "p50 \(milliseconds(percentile(times, 0.5))), p99 \(milliseconds(percentile(times, 0.99)))"
}

/// Peak resident memory of this process so far (VmHWM).
/// CPU time the whole process has used so far, every thread, user and system: on a shared machine it
/// moves less with the neighbours' load than wall time does.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func peakMemoryMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kilobytes / 1024
}

func directorySize(_ path: String) -> Int64 {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.reduce(0) { $0 + (((try? FileManager.default.attributesOfItem(atPath: "\(path)/\($1)"))?[.size] as? NSNumber)?.int64Value ?? 0) }
}

#if DEBUG
FileHandle.standardError.write(Data("folio-bench: this is a debug build; figures only count from `swift build -c release`\n".utf8))
#endif

if CommandLine.arguments.dropFirst().first == "--embed" {
    runEmbeddingBenchmark(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
let options = Options(CommandLine.arguments)
if options.reuse {
    guard let store = options.store else { fatalError("--reuse needs --store DIR") }
    try measureQueries(store: store, users: options.users, rounds: options.rounds)
    exit(0)
}
let work = FileManager.default.temporaryDirectory.appendingPathComponent("folio-bench-\(ProcessInfo.processInfo.processIdentifier)").path
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: work) }

// The corpus.
let corpus: String
if let given = options.corpus {
    corpus = given
} else {
    corpus = "\(work)/corpus.jsonl"
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/bench/make_corpus.py").standardized.path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script, String(options.papers)]
    _ = FileManager.default.createFile(atPath: corpus, contents: nil)
    process.standardOutput = FileHandle(forWritingAtPath: corpus)
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("make_corpus.py failed: is ../shared beside the project?") }
}
let corpusBytes = (try FileManager.default.attributesOfItem(atPath: corpus)[.size] as? NSNumber)?.intValue ?? 0

var rows: [(String, String)] = []
let store = options.store ?? "\(work)/store"
var engine = try Engine(path: store)

// Ingest.
var ingested = 0
let cpuBeforeIngest = processCPUSeconds()
let ingestTime = try seconds {
    ingested = try engine.ingest(files: [corpus], settling: false).reduce(0) { $0 + $1.added }
}
let ingestCPU = processCPUSeconds() - cpuBeforeIngest
rows.append(("ingest", String(format: "%d papers in %.2f s (CPU %.2f s): %.0f papers/s, %.1f MB/s", ingested, ingestTime, ingestCPU, Double(ingested) / ingestTime, Double(corpusBytes) / 1e6 / ingestTime)))
// What `folio ingest` does after that: LevelDB's compactions run to the end.
let settleTime = try seconds { try engine.settle() }
rows.append(("settling the store after ingest (part of `folio ingest`)", String(format: "%.2f s (ingest with it: %.2f s)", settleTime, ingestTime + settleTime)))
rows.append(("peak memory after ingest", String(format: "%.0f MB", peakMemoryMB())))

// Users with feedback on papers of the last weeks.
let recent = try engine.papers(limit: max(2000, options.events * 4))
let last = recent.first?.latestListing() ?? Day(Date())
/// A fixed-seed linear congruential generator: the same feedback on every run.
struct Random {
    var state: UInt64 = 7
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 17
    }
}
var random = Random()
let actions: [Action] = [.like, .like, .skip, .skip, .read, .dislike, .star]
var writeTimes: [Double] = []
for user in 0 ..< options.users {
    for index in 0 ..< options.events {
        let paper = recent[Int(random.next() % UInt64(recent.count))].id
        let time = last.start.addingTimeInterval(Double(index) - Double(options.events) - 86_400)
        let action = actions[Int(random.next() % UInt64(actions.count))]
        let elapsed = try seconds {
            try engine.record(action, papers: [paper], user: "user\(user)", at: time)
        }
        writeTimes.append(elapsed)
    }
}
rows.append(("feedback write (synced)", latencies(writeTimes)))

// today, in process: every user on several days (each a fresh queue).
// Days go forward from the last listing, as a user's do. The first queue after new feedback trains
// the user's taste (and stores it); later days use the stored taste until feedback changes.
var firstTimes: [Double] = []
var laterTimes: [Double] = []
for day in 0 ..< options.days {
    for user in 0 ..< options.users {
        let now = last.adding(days: day).start.addingTimeInterval(9 * 3600)
        let elapsed = try seconds { _ = try engine.today(user: "user\(user)", now: now) }
        if day == 0 { firstTimes.append(elapsed) } else { laterTimes.append(elapsed) }
    }
}
rows.append(("today, first queue after feedback (trains the taste)", latencies(firstTimes)))
if !laterTimes.isEmpty {
    rows.append(("today, later days (stored taste, new queue)", latencies(laterTimes)))
}

// recommend scans the whole catalogue: ten users are enough for its percentiles.
let recommendUsers = min(options.users, 10)
var recommendTimes: [Double] = []
for user in 0 ..< recommendUsers {
    recommendTimes.append(try seconds { _ = try engine.recommend(user: "user\(user)", now: last.start, limit: 50) })
}
rows.append(("recommend --limit 50 (in process)", latencies(recommendTimes)))

var searchTimes: [Double] = []
for _ in 0 ..< 3 { for query in searchQueries { searchTimes.append(try seconds { _ = try engine.search(query, limit: 20) }) } }
rows.append(("search (in process)", latencies(searchTimes)))
rows.append(("peak memory", String(format: "%.0f MB", peakMemoryMB())))
engine.close()
rows.append(("store size", String(format: "%.1f MB", Double(directorySize(store)) / 1e6)))

// today and recommend as whole processes, as a user runs them.
let cli = options.cli ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("folio").path
if FileManager.default.isExecutableFile(atPath: cli) {
    /// The seconds one `folio` process takes, its output dropped.
    func processSeconds(_ arguments: [String]) -> Double {
        // posix_spawn and waitpid, not Foundation's Process, whose wait polls and adds tens of milliseconds.
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = ([cli] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        return seconds {
            var pid: pid_t = 0
            guard posix_spawn(&pid, cli, &actions, nil, argv, environ) == 0 else { fatalError("cannot start \(cli)") }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
    var todayTimes: [Double] = []
    var recommendProcessTimes: [Double] = []
    for user in 0 ..< options.users {
        for day in [options.days, options.days + 1] {
            todayTimes.append(processSeconds(["today", "--db", store, "--user", "user\(user)", "--now", last.adding(days: day).description, "--json"]))
        }
        if user < recommendUsers {
            // The day the in-process pass used, so the stored taste serves.
            recommendProcessTimes.append(processSeconds(["recommend", "--limit", "50", "--db", store, "--user", "user\(user)", "--now", last.description, "--json"]))
        }
    }
    rows.append(("folio today (whole process, new queue, stored taste)", latencies(todayTimes)))
    rows.append(("folio recommend --limit 50 (whole process, stored taste)", latencies(recommendProcessTimes)))
    // Feedback as a user gives it, a process per command: each leaves a small table that the next
    // open adds to LevelDB's level 0, and about one in four finishes the compaction that starts.
    var likeTimes: [Double] = []
    for user in 0 ..< options.users {
        for _ in 0 ..< 4 {
            let paper = recent[Int(random.next() % UInt64(recent.count))].id
            likeTimes.append(processSeconds(["like", paper, "--db", store, "--user", "user\(user)", "--now", last.adding(days: options.days + 1).description]))
        }
    }
    rows.append(("folio like (whole process, with the compactions it finishes)", latencies(likeTimes)))
}

print("| \(options.papers) papers, \(options.users) users × \(options.events) events | |")
print("| --- | --- |")
for (name, value) in rows { print("| \(name) | \(value) |") }
