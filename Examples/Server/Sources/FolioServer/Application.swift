public import Folio
public import Foundation
public import Hummingbird
public import Logging
import NIOPosix

/// How the server runs: where it listens, what it accepts, and its clock.
public struct ServerConfiguration: Sendable {
    /// The address to listen on; loopback unless the operator asks for more.
    public var host: String
    public var port: Int
    /// Largest request body of the ordinary routes, in bytes.
    public var maxBodySize: Int
    /// Largest request body of `POST /v1/ingest`, in bytes (listings are uploaded whole).
    public var maxIngestBodySize: Int
    /// Log every request at this level, or not at all when `nil`.
    public var requestLogLevel: Logger.Level?
    /// "Now" for feedback, reviews and today's queue; tests pin it.
    public var clock: @Sendable () -> Date
    public var logger: Logger

    public init(
        host: String = "127.0.0.1", port: Int = 8080,
        maxBodySize: Int = 1 << 20, maxIngestBodySize: Int = 64 << 20,
        requestLogLevel: Logger.Level? = .info,
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "folio-server")
    ) {
        self.host = host
        self.port = port
        self.maxBodySize = maxBodySize
        self.maxIngestBodySize = maxIngestBodySize
        self.requestLogLevel = requestLogLevel
        self.clock = clock
        self.logger = logger
    }
}

/// The HTTP service over `engine`, for the users of `users`.
///
/// The engine stays the caller's: close it after the application has stopped.
public func buildApplication(engine: Engine, users: UserDirectory, configuration: ServerConfiguration = ServerConfiguration()) -> some ApplicationProtocol {
    let router = buildRouter(engine: engine, users: users, configuration: configuration)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "folio-server"),
        logger: configuration.logger
    )
}

/// The routes, for embedding in another Hummingbird application.
public func buildRouter(engine: Engine, users: UserDirectory, configuration: ServerConfiguration = ServerConfiguration()) -> Router<FolioRequestContext> {
    let router = Router(context: FolioRequestContext.self)
    if let level = configuration.requestLogLevel {
        router.add(middleware: LogRequestsMiddleware(level))
    }
    router.add(middleware: ErrorMiddleware())
    let routes = Routes(engine: EngineRunner(engine: engine, pool: .singleton), configuration: configuration)

    router.get("healthz") { _, _ in
        try JSON.response(["status": "ok"])
    }

    let v1 = router.group("v1").add(middleware: AuthenticationMiddleware(users: users))
    v1.get("queue", use: routes.queue)
    v1.post("feedback", use: routes.feedback)
    v1.post("reviews", use: routes.review)
    v1.get("papers/**", use: routes.paper)
    v1.get("search", use: routes.search)
    v1.get("history", use: routes.history)
    v1.get("digest", use: routes.digest)
    v1.group("ingest").add(middleware: AdminOnlyMiddleware()).post(use: routes.ingest)
    return router
}
