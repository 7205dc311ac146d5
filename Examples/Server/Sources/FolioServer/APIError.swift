public import Hummingbird
import Folio
import Foundation
import NIOCore

/// An error answered to the client as `{"error": {"code": "...", "message": "..."}}`.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable code (`unauthorized`, `unknown_paper`, …).
    public var code: String
    /// What went wrong, in plain words.
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    static func badRequest(_ code: String, _ message: String) -> APIError {
        APIError(.badRequest, code: code, message: message)
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, code: "unauthorized", message: message,
                 headers: [.wwwAuthenticate: "Bearer realm=\"folio\""])
    }

    static func tooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "payload_too_large", message: "the request body is larger than this route accepts (\(limit) bytes)")
    }

    /// The error as the client sees it.
    func response() -> Response {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String
                let message: String
            }

            let error: Detail
        }
        var response: Response
        do {
            response = try JSON.response(Body(error: .init(code: code, message: message)), status: status)
        } catch {
            response = Response(status: status)
        }
        response.headers.append(contentsOf: headers)
        return response
    }

    /// What any error thrown by a handler, the router or Folio means for the client.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as FolioError:
            return from(error)
        case let error as StoreError:
            return from(error)
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, code: "payload_too_large", message: "the request body is larger than this route accepts")
        case let error as DecodingError:
            return .badRequest("invalid_json", describe(error))
        case let error as HTTPError:
            return APIError(error.status, code: code(for: error.status), message: error.body ?? defaultMessage(for: error.status), headers: error.headers)
        case let error as any HTTPResponseError:
            return APIError(error.status, code: code(for: error.status), message: defaultMessage(for: error.status))
        default:
            return APIError(.internalServerError, code: "internal", message: "the server failed to answer this request; the server's log has the details")
        }
    }

    static func from(_ error: FolioError) -> APIError {
        switch error.kind {
        case .unknownPaper:
            APIError(.notFound, code: "unknown_paper", message: error.message)
        case .ambiguousPaperID:
            .badRequest("ambiguous_paper_id", error.message)
        case .invalidArgument:
            .badRequest("invalid_argument", error.message)
        case .invalidInput:
            .badRequest("invalid_input", error.description)
        case .incompatibleStore:
            APIError(.internalServerError, code: "incompatible_store", message: "the store cannot be used by this server: \(error.message)")
        case .damagedRecord:
            APIError(.internalServerError, code: "damaged_record", message: "a stored record is damaged; the operator should run `folio doctor`")
        default:
            APIError(.internalServerError, code: error.kind.description, message: error.message)
        }
    }

    static func from(_ error: StoreError) -> APIError {
        switch error.kind {
        case .locked:
            APIError(.serviceUnavailable, code: "store_locked", message: "the store is held by another process; try again later",
                     headers: [.retryAfter: "5"])
        case .closed:
            APIError(.serviceUnavailable, code: "store_closed", message: "the store is closed: the server is shutting down")
        case .diskFull:
            APIError(.serviceUnavailable, code: "store_disk_full", message: "the store's disk is full; nothing was written")
        case .readOnly:
            APIError(.serviceUnavailable, code: "store_read_only", message: "the store cannot be written at the moment; nothing was written")
        case .corrupted:
            APIError(.internalServerError, code: "store_corrupted", message: "the store is damaged; the operator should run `folio doctor`")
        default:
            APIError(.internalServerError, code: "store_error", message: "the store failed (\(error.kind)); the server's log has the details")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .badRequest: "bad_request"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "payload_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        case .serviceUnavailable: "unavailable"
        default: status.code >= 500 ? "internal" : "http_\(status.code)"
        }
    }

    static func defaultMessage(for status: HTTPResponse.Status) -> String {
        status == .notFound ? "no such route; see the server's README for its routes" : status.reasonPhrase
    }
}

/// One line that says what is wrong with a JSON body.
func describe(_ error: DecodingError) -> String {
    func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "the body" : "\"" + text + "\""
    }
    switch error {
    case let .typeMismatch(type, context):
        return "malformed JSON: \(path(context.codingPath)) should be \(typeName(type))"
    case let .valueNotFound(type, context):
        return "malformed JSON: \(path(context.codingPath)) should be \(typeName(type)), not null"
    case let .keyNotFound(key, context):
        return "malformed JSON: \(path(context.codingPath + [key])) is missing"
    case let .dataCorrupted(context):
        if context.codingPath.isEmpty { return "malformed JSON: the body is not valid JSON" }
        return "malformed JSON: \(path(context.codingPath)): \(context.debugDescription)"
    @unknown default:
        return "malformed JSON"
    }
}

private func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Bool.Type: "true or false"
    case is Int.Type, is Double.Type: "a number"
    default: "\(type)"
    }
}

/// Turns every error into the JSON error body, and logs what the client cannot see.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let answer = APIError.from(error)
            if answer.status == .serviceUnavailable {
                context.logger.warning("\(request.method) \(request.uri.path) refused: \(String(describing: error))")
            } else if answer.status.code >= 500 {
                context.logger.error("\(request.method) \(request.uri.path) failed: \(String(describing: error))")
            } else {
                context.logger.debug("\(request.method) \(request.uri.path): \(answer)")
            }
            return answer.response()
        }
    }
}
