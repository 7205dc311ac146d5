import Folio
import Foundation
import Hummingbird

/// The handlers of `/v1`. Every one acts for `context.user`, the user of the bearer token.
struct Routes: Sendable {
    let engine: EngineRunner
    let configuration: ServerConfiguration

    /// What `date=YYYY-MM-DD` means: that day at 09:00 UTC; without it, now.
    private func now(_ query: Query) throws -> Date {
        if let day = try query.day("date") { return day.start.addingTimeInterval(9 * 3600) }
        return configuration.clock()
    }

    // MARK: GET /v1/queue

    @Sendable func queue(_ request: Request, context: FolioRequestContext) async throws -> Response {
        let user = try context.requireUser().name
        let query = Query(request)
        let now = try now(query)
        let limit = try query.int("limit", in: 1 ... 500)
        let refresh = try query.bool("refresh")
        let queue = try await engine { try $0.today(user: user, now: now, limit: limit, refresh: refresh) }
        return try JSON.response(queue)
    }

    // MARK: POST /v1/feedback

    struct FeedbackBody: Decodable {
        let paper: String
        let action: String
        /// For `star`: how well the paper is understood now (sets the first interval).
        let grade: String?
        /// For `star`: `high`, `normal` or `low`, for triage.
        let priority: String?
        let user: String?
    }

    struct FeedbackAnswer: Encodable {
        let events: [Event]
        /// For `star`: the paper's resurfacing schedule.
        let card: ScheduleCard?
    }

    static let feedbackActions: [Action] = [.like, .dislike, .skip, .read, .star, .unstar, .dismiss]

    @Sendable func feedback(_ request: Request, context: FolioRequestContext) async throws -> Response {
        let user = try context.requireUser().name
        let body = try await JSON.decode(FeedbackBody.self, from: request, limit: configuration.maxBodySize)
        try Self.refuseUserField(body.user)
        let paper = try Self.paperID(body.paper)
        guard let action = Self.feedbackActions.first(where: { $0.rawValue == body.action }) else {
            throw APIError.badRequest("invalid_action", "action must be one of \(Self.feedbackActions.map(\.rawValue).joined(separator: ", ")), not \"\(body.action)\"")
        }
        let now = configuration.clock()
        if action == .star {
            let grade = try body.grade.map(Self.grade) ?? .good
            let priority = try body.priority.map { text in
                guard let priority = ScheduleCard.Priority(rawValue: text) else {
                    throw APIError.badRequest("invalid_priority", "priority must be high, normal or low, not \"\(text)\"")
                }
                return priority
            }
            let cards = try await engine { try $0.star([paper], user: user, at: now, grade: grade, priority: priority) }
            guard let card = cards.first else {
                throw APIError(.internalServerError, code: "internal", message: "the star was recorded but no schedule came back")
            }
            // What `star` appended to the log: the star with its grade, then the priority if one was given.
            var events = [Event(user: user, paperID: card.paperID, action: .star, time: now, value: grade.name)]
            if let priority { events.append(Event(user: user, paperID: card.paperID, action: Action(rawValue: "priority"), time: now, value: priority.rawValue)) }
            return try JSON.response(FeedbackAnswer(events: events, card: card))
        }
        guard body.grade == nil, body.priority == nil else {
            throw APIError.badRequest("invalid_argument", "grade and priority go with the action star only")
        }
        let events = try await engine { try $0.record(action, papers: [paper], user: user, at: now) }
        return try JSON.response(FeedbackAnswer(events: events, card: nil))
    }

    // MARK: POST /v1/reviews

    struct ReviewBody: Decodable {
        let paper: String
        let grade: String
        let user: String?
    }

    @Sendable func review(_ request: Request, context: FolioRequestContext) async throws -> Response {
        let user = try context.requireUser().name
        let body = try await JSON.decode(ReviewBody.self, from: request, limit: configuration.maxBodySize)
        try Self.refuseUserField(body.user)
        let paper = try Self.paperID(body.paper)
        let grade = try Self.grade(body.grade)
        let now = configuration.clock()
        let card = try await engine { try $0.review(paper, grade: grade, user: user, at: now) }
        return try JSON.response(card)
    }

    // MARK: GET /v1/papers/{id}

    @Sendable func paper(_ request: Request, context: FolioRequestContext) async throws -> Response {
        _ = try context.requireUser()
        // Ids such as math/0601001 hold a slash: taken as two path segments, or one percent-encoded.
        let raw = context.parameters.getCatchAll().joined(separator: "/")
        guard let id = raw.removingPercentEncoding, !id.isEmpty else {
            throw APIError.badRequest("invalid_paper_id", "the path should end in a paper id, as in /v1/papers/2408.01234")
        }
        let paper = try await engine { try $0.paper(id) }
        return try JSON.response(paper)
    }

    // MARK: GET /v1/search

    struct SearchAnswer: Encodable {
        let query: String
        let items: [RankedPaper]
    }

    @Sendable func search(_ request: Request, context: FolioRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let query = Query(request)
        guard let text = query.string("q")?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            throw APIError.badRequest("missing_parameter", "search needs words to look for: /v1/search?q=kv+cache")
        }
        let limit = try query.int("limit", in: 1 ... 200) ?? 20
        let items = try await engine { try $0.search(text, limit: limit) }
        return try JSON.response(SearchAnswer(query: text, items: items))
    }

    // MARK: GET /v1/history

    struct HistoryAnswer: Encodable {
        let user: String
        /// Newest first.
        let events: [Event]
    }

    @Sendable func history(_ request: Request, context: FolioRequestContext) async throws -> Response {
        let user = try context.requireUser().name
        let limit = try Query(request).int("limit", in: 1 ... 10000) ?? 100
        let events = try await engine { try $0.history(user: user, limit: limit) }
        return try JSON.response(HistoryAnswer(user: user, events: events))
    }

    // MARK: GET /v1/digest

    @Sendable func digest(_ request: Request, context: FolioRequestContext) async throws -> Response {
        let user = try context.requireUser().name
        let query = Query(request)
        let now = try now(query)
        let days = try query.int("days", in: 1 ... 31) ?? 1
        let formatName = query.string("format") ?? DigestFormat.markdown.rawValue
        guard let format = DigestFormat(rawValue: formatName) else {
            throw APIError.badRequest("invalid_parameter", "format must be markdown or html, not \"\(formatName)\"")
        }
        let text = try await engine { try $0.digest(user: user, now: now, days: days, format: format) }
        return textResponse(text, contentType: format == .html ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8")
    }

    // MARK: POST /v1/ingest (admins)

    struct IngestBody: Decodable {
        /// A file on the server's machine.
        let path: String?
        /// Or the listing itself.
        let content: String?
        /// `daily`, `atom` or `jsonl`; detected from the first bytes when absent.
        let format: String?
        /// The date of daily-papers pages, whose date line has no year (default: today).
        let listingDate: String?
        /// Skip malformed records and report them instead of rejecting the whole listing.
        let skipInvalid: Bool?
        let user: String?

        enum CodingKeys: String, CodingKey {
            case path, content, format, user
            case listingDate = "listing_date"
            case skipInvalid = "skip_invalid"
        }
    }

    struct IngestAnswer: Encodable {
        let reports: [IngestFileReport]
    }

    @Sendable func ingest(_ request: Request, context: FolioRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let body = try await JSON.decode(IngestBody.self, from: request, limit: configuration.maxIngestBodySize)
        try Self.refuseUserField(body.user)
        let format = try body.format.map { text in
            guard let format = IngestFormat(rawValue: text) else {
                throw APIError.badRequest("invalid_format", "format must be daily, atom or jsonl, not \"\(text)\"")
            }
            return format
        }
        let listingDate = try body.listingDate.map { text in
            guard let day = Day(iso: text) else {
                throw APIError.badRequest("invalid_date", "listing_date must be a date YYYY-MM-DD, not \"\(text)\"")
            }
            return day
        }
        let skipInvalid = body.skipInvalid ?? false
        let now = configuration.clock()

        switch (body.path, body.content) {
        case let (path?, nil):
            guard path.hasPrefix("/") else {
                throw APIError.badRequest("invalid_path", "path must be absolute (a file on the server's machine), not \"\(path)\"")
            }
            context.logger.info("ingest of \(path) by \(admin.name)")
            let reports = try await engine { try $0.ingest(files: [path], format: format, listingDate: listingDate, now: now, skipInvalid: skipInvalid) }
            return try JSON.response(IngestAnswer(reports: reports))
        case let (nil, content?):
            context.logger.info("ingest of \(content.utf8.count) uploaded bytes by \(admin.name)")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-server-\(UUID().uuidString)")
            let file = directory.appendingPathComponent("upload." + (format?.rawValue ?? "txt"))
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try Data(content.utf8).write(to: file)
            } catch {
                try? FileManager.default.removeItem(at: directory)
                throw APIError(.internalServerError, code: "internal", message: "the upload could not be stored for ingesting: \(error.localizedDescription)")
            }
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = file.path
            do {
                let reports = try await engine { try $0.ingest(files: [path], format: format, listingDate: listingDate, now: now, skipInvalid: skipInvalid) }
                return try JSON.response(IngestAnswer(reports: reports.map { report in
                    var report = report
                    report.file = "(content)"
                    return report
                }))
            } catch let error as FolioError where error.kind == .invalidInput {
                // The temporary file's name means nothing to the client: say where in the content.
                throw APIError.badRequest("invalid_input", (error.line.map { "content, line \($0): " } ?? "content: ") + error.message)
            }
        default:
            throw APIError.badRequest("invalid_argument", "give either \"path\" (a file on the server) or \"content\" (the listing itself), not both or neither")
        }
    }

    // MARK: Checks

    static func refuseUserField(_ user: String?) throws {
        if user != nil {
            throw APIError.badRequest("user_parameter", "requests act for the user of their token; remove the \"user\" field")
        }
    }

    static func paperID(_ text: String) throws -> String {
        let id = text.trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty else { throw APIError.badRequest("invalid_paper_id", "\"paper\" is empty; expected a paper id") }
        return id
    }

    static func grade(_ text: String) throws -> Grade {
        guard let grade = Grade(name: text) else {
            throw APIError.badRequest("invalid_grade", "grade must be again, hard, good or easy, not \"\(text)\"")
        }
        return grade
    }
}
