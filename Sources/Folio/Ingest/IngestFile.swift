import Foundation
import Synchronization

/// The formats `ingest` reads.
public enum IngestFormat: String, Sendable, CaseIterable, Codable {
    /// The text of a Hugging Face "Daily Papers" page.
    case daily
    /// An arXiv API Atom feed.
    case atom
    /// JSON Lines, one paper per line.
    case jsonl

    /// Guesses the format from the first bytes of a file: `<` starts XML, `{` starts JSON, anything else is a page.
    static func detect(from prefix: [UInt8]) -> IngestFormat {
        var bytes = prefix[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        switch first {
        case UInt8(ascii: "<"): return .atom
        case UInt8(ascii: "{"): return .jsonl
        default: return .daily
        }
    }
}

/// What happened to one input file.
public struct IngestFileReport: Sendable, Codable, Equatable {
    public var file: String
    public var format: IngestFormat
    public var added = 0
    public var merged = 0
    public var unchanged = 0
    /// Records left out under `skipInvalid`, each with its line and reason.
    public var skipped: [SkippedRecord] = []

    public struct SkippedRecord: Sendable, Codable, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }
}

/// Progress of a long ingest, for a progress bar.
public struct IngestProgress: Sendable {
    public var file: String
    public var bytesRead: Int
    public var totalBytes: Int
    public var papers: Int
}

/// Applies one input file to the store: all of it or nothing.
///
/// A file up to ``Limits/singleBatchBytes`` is parsed once and written in one batch. A larger one is
/// read twice so that memory stays flat: a first pass checks every record without writing, then the
/// second writes in batches of about ``Limits/chunkBytes``, leaving a marker in the store until the
/// last batch; re-running an interrupted ingest completes it (re-ingesting changes nothing already stored).
struct FileIngest {
    struct Limits {
        var singleBatchBytes = 48 << 20
        var chunkBytes = 32 << 20
        var progressIntervalBytes = 1 << 20
    }

    let path: String
    let format: IngestFormat?
    /// The reference for dating pages that show no year: `--date`, else today.
    let listingReference: Day
    /// The day recorded for records that carry none.
    let today: Day
    let skipInvalid: Bool
    var limits = Limits()
    /// The current ranking space: papers get their vectors in their own batch (see ``RankingIndex``).
    var space: RankingSpace?

    func run(store: FolioStore, analyzer: TextAnalyzer, progress: ((IngestProgress) -> Void)?) throws -> IngestFileReport {
        let size = try fileSize()
        let format = try format ?? detectFormat()
        var report = IngestFileReport(file: path, format: format)
        let chunked = size > limits.singleBatchBytes
        // A file too big for one batch is read twice, so that memory stays flat: a first pass finds every
        // problem before anything is written. For JSON Lines it runs on other threads while the second
        // pass stages its first chunk, and nothing is committed until it has checked the whole file.
        // (XMLParser is not known to be safe to run side by side, so other formats check first.)
        var firstPass: BackgroundWork<Result<Void, any Error>>?
        let stopFirstPass = StopFlag()
        defer { stopFirstPass.set() }
        if chunked && format == .jsonl {
            firstPass = BackgroundWork { [self] in Result { try checkRecords(format: format, stop: stopFirstPass) } }
        } else if chunked {
            try checkRecords(format: format, stop: stopFirstPass)
        }
        func waitForFirstPass() throws {
            guard let pass = firstPass else { return }
            firstPass = nil
            try pass.result().get()
        }
        var ingester = try Ingester(store: store, analyzer: analyzer, space: space)
        var lastReport = 0
        try parse(format: format, analyzer: analyzer) { item, bytesRead in
            switch item {
            case let .invalid(problem):
                guard skipInvalid else { throw problem }
                report.skipped.append(.init(line: problem.line, reason: problem.message))
            case let .paper(paper, line):
                do {
                    switch try ingester.add(paper, defaultDay: today) {
                    case .added: report.added += 1
                    case .merged: report.merged += 1
                    case .unchanged: report.unchanged += 1
                    }
                } catch var problem as RecordProblem {
                    problem.line = line
                    guard skipInvalid else { throw problem }
                    report.skipped.append(.init(line: problem.line, reason: problem.message))
                }
            }
            if chunked, ingester.stagedBytes > limits.chunkBytes {
                try waitForFirstPass()
                try ingester.commit(durable: false, marker: path)
            }
            if let progress, bytesRead - lastReport >= limits.progressIntervalBytes {
                lastReport = bytesRead
                progress(IngestProgress(file: path, bytesRead: bytesRead, totalBytes: size, papers: report.added + report.merged + report.unchanged))
            }
        }
        try waitForFirstPass()
        try ingester.commit(durable: true, marker: nil)
        progress?(IngestProgress(file: path, bytesRead: size, totalBytes: size, papers: report.added + report.merged + report.unchanged))
        return report
    }

    /// The first pass over a big file: every record checked as the second will take it, nothing written.
    private func checkRecords(format: IngestFormat, stop: StopFlag) throws {
        try parse(format: format) { item, _ in
            // The second pass failed on its own: the result of this one is no longer wanted.
            if stop.isSet { throw CancellationError() }
            guard !skipInvalid else { return }
            switch item {
            case let .invalid(problem): throw problem
            case let .paper(paper, line): if let problem = Ingester.problem(with: paper) { throw RecordProblem(line: line, message: problem) }
            }
        }
    }

    private func fileSize() throws -> Int {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FolioError(.invalidInput, "no such file", file: path)
        }
        guard !isDirectory.boolValue else { throw FolioError(.invalidInput, "is a directory; expected a file", file: path) }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }

    private func open() throws -> FileHandle {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FolioError(.invalidInput, "cannot be read (permissions?)", file: path)
        }
        return handle
    }

    private func detectFormat() throws -> IngestFormat {
        let handle = try open()
        defer { try? handle.close() }
        let prefix = try handle.read(upToCount: 4096) ?? Data()
        guard !prefix.isEmpty else { throw FolioError(.invalidInput, "the file is empty; expected a daily-papers page, an Atom feed or JSON Lines", file: path, line: 1) }
        return IngestFormat.detect(from: [UInt8](prefix))
    }

    /// Runs the format's parser over the file, turning its problems into errors that name the file.
    /// - Parameter analyzer: when given, parsers that can (JSON Lines) also analyse each paper's text on
    ///   their worker threads, sparing the ingester that work.
    func parse(format: IngestFormat, analyzer: TextAnalyzer? = nil, _ body: (ParsedItem, _ bytesRead: Int) throws -> Void) throws {
        let handle = try open()
        defer { try? handle.close() }
        let position: () -> Int = { Int((try? handle.offset()) ?? UInt64(0)) }
        do {
            switch format {
            case .daily:
                var parser = DailyPageParser(lines: LineReader(handle: handle), referenceDay: listingReference)
                try parser.parse { try body($0, position()) }
            case .jsonl:
                var parser = JSONLinesParser(lines: LineReader(handle: handle), analyzer: analyzer)
                try parser.parse { try body($0, position()) }
            case .atom:
                // FoundationXML crashes on some invalid UTF-8 (found by fuzzing), so the text is checked first.
                var lines = LineReader(handle: handle)
                while try lines.nextLine() != nil {}
                guard let stream = InputStream(fileAtPath: path) else { throw FolioError(.invalidInput, "cannot be read", file: path) }
                var parser = AtomParser(stream: stream)
                // The XML parser reads the stream itself; its progress shows when the file is done.
                try parser.parse { try body($0, 0) }
            }
        } catch let problem as RecordProblem {
            throw FolioError(.invalidInput, problem.message, file: path, line: problem.line)
        }
    }
}

/// A flag one thread sets and another checks, to ask work it started to stop early.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .relaxed) }

    var isSet: Bool { flag.load(ordering: .relaxed) }
}
