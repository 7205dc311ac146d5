import Foundation

/// Backups as JSON Lines: a header, then every paper, every event and every stored queue, one per line.
///
/// The event log is the truth: importing a backup into an empty store reproduces the same
/// histories, interests, queues and schedules, because all of them are replayed from it.
enum Backup {
    static let format = "folio-backup"
    static let version = 1

    struct Header: Codable {
        var type = "header"
        var format: String
        var version: Int
        var schema: Int
        var user: String?
    }

    struct PaperLine: Codable {
        var type = "paper"
        var paper: Paper
    }

    struct EventLine: Codable {
        var type = "event"
        var user: String
        var paper: String
        var action: String
        /// Milliseconds since 1970, exactly as stored.
        var timeMs: Int64
        var value: String?
    }

    /// Term ids are kept, so that a restored store's vectors, and so its rankings, are the same to the bit.
    struct TermLine: Codable {
        var type = "term"
        var term: String
        var id: UInt32
    }

    struct QueueLine: Codable {
        var type = "queue"
        var queue: DailyQueue
    }

    private struct TypeOnly: Decodable { var type: String }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    /// Writes the store (or one user's part of it, with every paper) through `write`, a line at a time.
    static func export(store: FolioStore, user: String?, write: (Data) throws -> Void) throws -> (papers: Int, events: Int, queues: Int) {
        let encoder = encoder()
        func line(_ value: some Encodable) throws {
            var data = try encoder.encode(value)
            data.append(UInt8(ascii: "\n"))
            try write(data)
        }
        try line(Header(format: format, version: version, schema: Int(Keys.schemaVersion), user: user))
        var papers = 0, events = 0, queues = 0
        try store.keyValues.scan(prefix: Keys.termNames) { key, value in
            let id = key.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            try line(TermLine(term: String(decoding: value, as: UTF8.self), id: id))
            return true
        }
        try store.keyValues.scan(prefix: Keys.papers) { _, value in
            try line(PaperLine(paper: try Paper(record: value)))
            papers += 1
            return true
        }
        let users = try user.map { [$0] } ?? store.users()
        for name in users {
            for event in try store.events(of: name) {
                try line(EventLine(user: name, paper: event.paperID, action: event.action.rawValue, timeMs: event.milliseconds, value: event.value))
                events += 1
            }
            try store.keyValues.scan(prefix: Keys.queues(of: name)) { _, value in
                try line(QueueLine(queue: try JSONDecoder().decode(DailyQueue.self, from: Data(value))))
                queues += 1
                return true
            }
        }
        return (papers, events, queues)
    }

    /// Restores a backup into an empty store; any error leaves the store as it was.
    static func restore(path: String, store: FolioStore, analyzer: TextAnalyzer, fsrs: FSRS, dailyBudget: Int) throws -> (papers: Int, events: Int, queues: Int) {
        let (storedPapers, storedEvents) = (try store.counts().papers, try store.userTotals().events)
        guard storedPapers == 0, storedEvents == 0 else {
            throw FolioError(.invalidArgument, "import restores a backup into an empty store, and \(store.path) holds \(storedPapers) papers and \(storedEvents) events; import into a new --db")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FolioError(.invalidInput, "cannot be read", file: path) }
        defer { try? handle.close() }
        var lines = LineReader(handle: handle)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var ingester = try Ingester(store: store, analyzer: analyzer)
        var events: [Event] = []
        var queues: [DailyQueue] = []
        var papers = 0
        var sawHeader = false
        do {
            while let bytes = try lines.nextLineBytes() {
                let line = lines.lineNumber
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                let data = Data(bytes)
                let type: String
                do { type = try decoder.decode(TypeOnly.self, from: data).type } catch {
                    throw RecordProblem(line: line, message: "expected a JSON object with a \"type\"")
                }
                do {
                    switch type {
                    case "header":
                        let header = try decoder.decode(Header.self, from: data)
                        guard header.format == format, header.version <= version else {
                            throw RecordProblem(line: line, message: "a \(header.format) version \(header.version) file; this build reads \(format) version \(version) and older")
                        }
                        sawHeader = true
                    case "term":
                        let entry = try decoder.decode(TermLine.self, from: data)
                        guard ingester.seed(term: entry.term, id: entry.id) else {
                            throw RecordProblem(line: line, message: "term \"\(entry.term)\" or id \(entry.id) appears twice")
                        }
                    case "paper":
                        _ = try ingester.restore(try decoder.decode(PaperLine.self, from: data).paper)
                        papers += 1
                    case "event":
                        let entry = try decoder.decode(EventLine.self, from: data)
                        events.append(Event(user: entry.user, paperID: entry.paper, action: Action(rawValue: entry.action),
                                            time: Date(timeIntervalSince1970: Double(entry.timeMs) / 1000), value: entry.value))
                    case "queue":
                        queues.append(try decoder.decode(QueueLine.self, from: data).queue)
                    default:
                        throw RecordProblem(line: line, message: "unknown line type \"\(type)\"; expected header, term, paper, event or queue")
                    }
                } catch let error as DecodingError {
                    throw RecordProblem(line: line, message: "a \(type) line that cannot be read: \(describe(error))")
                }
                guard sawHeader else { throw RecordProblem(line: line, message: "expected the backup's header line first") }
            }
            guard sawHeader else { throw RecordProblem(line: 1, message: "the file is empty; expected a Folio backup") }
        } catch let problem as RecordProblem {
            throw FolioError(.invalidInput, problem.message, file: path, line: problem.line)
        }
        // Papers, then events and queues: every part is checked before anything is written.
        for event in events where !event.paperID.isEmpty {
            guard try !ingester.hasPaper(event.paperID) else { continue }
            throw FolioError(.invalidInput, "an event of \(event.user) names paper \(event.paperID), which the backup does not hold", file: path)
        }
        try ingester.commit(durable: true, marker: nil)
        try store.append(events.sorted { $0.time < $1.time })
        var staged = StagedWrites(base: store.keyValues)
        for queue in queues { staged.put([UInt8](try JSONEncoder().encode(queue)), for: Keys.queue(of: queue.user, on: queue.date)) }
        try store.commit(staged, durable: true)
        for user in Set(events.map(\.user)).sorted() { try store.rebuildSchedule(of: user, fsrs: fsrs, dailyBudget: dailyBudget) }
        return (papers, events.count, queues.count)
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .keyNotFound(key, context): "missing field \"\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))\""
        case let .typeMismatch(type, context): "field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" should be \(type)"
        case let .valueNotFound(type, context): "field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" should be \(type)"
        case let .dataCorrupted(context): context.debugDescription
        @unknown default: "\(error)"
        }
    }
}
