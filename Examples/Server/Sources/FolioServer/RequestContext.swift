import Foundation
public import Hummingbird

/// The context of every request: Hummingbird's own, plus the user the bearer token named.
public struct FolioRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the authentication middleware; `nil` only on routes that need no token (`/healthz`).
    public var user: UserDirectory.User?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        user = nil
    }

    /// The authenticated user; routes behind the authentication middleware always have one.
    func requireUser() throws -> UserDirectory.User {
        guard let user else { throw APIError.unauthorized("this route needs a bearer token") }
        return user
    }
}

/// Answers 401 to requests without a valid `Authorization: Bearer TOKEN`, and puts the token's
/// user in the context of the others. That user is the only one a request can act for.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = FolioRequestContext
    let users: UserDirectory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("missing credentials: send the header \"Authorization: Bearer TOKEN\"")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("unsupported credentials: send the header \"Authorization: Bearer TOKEN\"")
        }
        let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, let user = users.authenticate(token: token) else {
            throw APIError.unauthorized("the bearer token is not valid")
        }
        // The user comes from the token alone: a request naming someone else is refused rather
        // than quietly answered for the token's user.
        if request.uri.queryParameters["user"] != nil {
            throw APIError.badRequest("user_parameter", "requests act for the user of their token; remove the \"user\" parameter")
        }
        var context = context
        context.user = user
        context.logger[metadataKey: "folio.user"] = .string(user.name)
        return try await next(request, context)
    }
}

/// Answers 403 to users who are not admins.
struct AdminOnlyMiddleware: RouterMiddleware {
    typealias Context = FolioRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let user = try context.requireUser()
        guard user.isAdmin else {
            throw APIError(.forbidden, code: "forbidden", message: "only admins may use \(request.uri.path); \"\(user.name)\" is not one")
        }
        return try await next(request, context)
    }
}
