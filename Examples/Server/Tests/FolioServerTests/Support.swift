import Folio
import FolioServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A temporary store with the sample pages ingested, and the three users of the tests.
final class Fixture: Sendable {
    /// The tests' "now": the day after the latest sample page.
    static let now = Date(timeIntervalSince1970: 1_757_491_200) // 2025-09-10T08:00:00Z
    static let today = "2025-09-10"

    static let annToken = "ann-secret-token-0001"
    static let bobToken = "bob-secret-token-0002"
    static let adminToken = "admin-secret-token-0003"

    /// The sample daily-papers pages of the root package, found from this file's path.
    static let samplePages: [String] = {
        let data = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent() // FolioServerTests
            .deletingLastPathComponent() // Tests
            .deletingLastPathComponent() // Server
            .deletingLastPathComponent() // Examples
            .appendingPathComponent("data")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: data.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted().map { data.appendingPathComponent($0).path }
    }()

    let directory: URL
    let storePath: String
    let usersPath: String
    let users: UserDirectory

    init(ingest: Bool = true) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-server-tests-\(UUID().uuidString)")
        storePath = directory.appendingPathComponent("store").path
        usersPath = directory.appendingPathComponent("users.json").path
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // The users file as an operator writes it: hashes only.
        let file = """
        {"users": [
          {"name": "ann", "token_sha256": "\(UserDirectory.hash(token: Self.annToken))", "admin": false},
          {"name": "bob", "token_sha256": "\(UserDirectory.hash(token: Self.bobToken))"},
          {"name": "admin", "token_sha256": "\(UserDirectory.hash(token: Self.adminToken))", "admin": true}
        ]}
        """
        try Data(file.utf8).write(to: URL(fileURLWithPath: usersPath))
        users = try UserDirectory(contentsOfFile: usersPath)
        if ingest {
            let engine = try Engine(path: storePath)
            defer { engine.close() }
            #expect(Self.samplePages.count == 4)
            try engine.ingest(files: Self.samplePages, now: Self.now)
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    static func configuration(maxBodySize: Int = 1 << 20, maxIngestBodySize: Int = 64 << 20) -> ServerConfiguration {
        var logger = Logger(label: "folio-server-tests")
        logger.logLevel = .warning
        return ServerConfiguration(maxBodySize: maxBodySize, maxIngestBodySize: maxIngestBodySize,
                                   requestLogLevel: nil, clock: { Fixture.now }, logger: logger)
    }

    /// Opens the store, runs `body` with an application over it in the router test framework, closes the store.
    func withApp<T: Sendable>(
        configuration: ServerConfiguration = Fixture.configuration(),
        _ body: @Sendable (any TestClientProtocol, Engine) async throws -> T
    ) async throws -> T {
        let engine = try Engine(path: storePath)
        defer { engine.close() }
        let app = buildApplication(engine: engine, users: users, configuration: configuration)
        return try await app.test(.router) { client in try await body(client, engine) }
    }
}

extension TestClientProtocol {
    /// Sends a request with a bearer token (when given) and a JSON body (when given).
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String?, json: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, token: String?, body: some Encodable) async throws -> TestResponse {
        let data = try JSONEncoder().encode(body)
        return try await send(method, uri, token: token, json: String(decoding: data, as: UTF8.self))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object.
    func object() throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(value as? [String: Any], "expected a JSON object, got \(text)")
    }

    /// The body decoded as `T` (dates as the server writes them).
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            return try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
        }
        return try decoder.decode(T.self, from: Data(text.utf8))
    }

    /// The `{"error": {"code", "message"}}` body of an error response.
    func error() throws -> (code: String, message: String) {
        let error = try #require(try object()["error"] as? [String: Any], "expected an error body, got \(text)")
        return (try #require(error["code"] as? String), try #require(error["message"] as? String))
    }
}

/// The events of `GET /v1/history`.
struct History: Decodable {
    var user: String
    var events: [Event]
}

/// The body of `POST /v1/feedback`.
struct FeedbackAnswer: Decodable {
    var events: [Event]
    var card: ScheduleCard?
}

struct Feedback: Encodable {
    var paper: String
    var action: String
}
