import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import Folio

/// The JSON coding of every body the server reads and writes.
enum JSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Events keep milliseconds; ISO 8601 with fractional seconds keeps them too.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        return encoder
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder().encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(data.count)],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// Reads a request body of at most `limit` bytes and decodes it, or throws the client's error.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw APIError.tooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else {
            throw APIError.badRequest("missing_body", "this route expects a JSON body")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError.badRequest("invalid_json", describe(error))
        }
    }
}

/// A text response (the digest).
func textResponse(_ text: String, contentType: String) -> Response {
    var buffer = ByteBuffer()
    let count = buffer.writeString(text)
    return Response(
        status: .ok,
        headers: [.contentType: contentType, .contentLength: String(count)],
        body: .init(byteBuffer: buffer)
    )
}

/// The query string of a request, decoded as HTML forms encode it (`+` is a space).
struct Query {
    private var values: [String: String] = [:]

    init(_ request: Request) {
        guard let query = request.uri.query, !query.isEmpty else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count == 2 ? Self.decode(parts[1]) : ""
            if values[key] == nil { values[key] = value }
        }
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    func string(_ name: String) -> String? { values[name] }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("invalid_parameter", "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
        }
        return value
    }

    func bool(_ name: String) throws -> Bool {
        guard let text = values[name] else { return false }
        switch text.lowercased() {
        case "", "1", "true", "yes": return true
        case "0", "false", "no": return false
        default: throw APIError.badRequest("invalid_parameter", "\(name) must be true or false, not \"\(text)\"")
        }
    }

    func day(_ name: String) throws -> Day? {
        guard let text = values[name] else { return nil }
        guard let day = Day(iso: text) else {
            throw APIError.badRequest("invalid_date", "\(name) must be a date YYYY-MM-DD, not \"\(text)\"")
        }
        return day
    }
}

/// Runs the engine's blocking calls (LevelDB I/O behind a lock) on NIO's thread pool for blocking
/// work, so that they never hold up the event loops or Swift's cooperative threads.
struct EngineRunner: Sendable {
    let engine: Engine
    let pool: NIOThreadPool

    func callAsFunction<T: Sendable>(_ body: @escaping @Sendable (Engine) throws -> T) async throws -> T {
        let engine = engine
        return try await pool.runIfActive { try body(engine) }
    }
}
