import ArgumentParser
import Folio
import FolioServer
import Foundation
import Hummingbird
import Logging

@main
struct FolioServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio-server",
        abstract: "An HTTP service over a Folio store: daily queues, feedback, reviews, search and digests for the users of a users file.",
        subcommands: [Serve.self, HashToken.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server until SIGINT or SIGTERM (the default command).",
        discussion: """
        Every flag but --host has an environment fallback: FOLIO_SERVER_PORT, FOLIO_DB, FOLIO_SERVER_USERS. \
        Flags win over the environment.
        """
    )

    @Option(help: "The address to listen on (default 127.0.0.1; FOLIO_SERVER_HOST).")
    var host: String?

    @Option(help: "The port to listen on (default 8080; FOLIO_SERVER_PORT).")
    var port: Int?

    @Option(help: ArgumentHelp("The store directory, created if missing (FOLIO_DB).", valueName: "path"))
    var db: String?

    @Option(help: ArgumentHelp("The users file: JSON with each user's name, token hash and admin flag (FOLIO_SERVER_USERS).", valueName: "path"))
    var users: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "Largest request body of the ordinary routes, in bytes.")
    var maxBody: Int = 1 << 20

    @Option(help: "Largest request body of POST /v1/ingest, in bytes.")
    var maxIngestBody: Int = 64 << 20

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let host = host ?? environment["FOLIO_SERVER_HOST"] ?? "127.0.0.1"
        let port: Int
        if let flag = self.port {
            port = flag
        } else if let text = environment["FOLIO_SERVER_PORT"] {
            guard let value = Int(text) else { throw ValidationError("FOLIO_SERVER_PORT is \"\(text)\"; expected a port number") }
            port = value
        } else {
            port = 8080
        }
        guard (0 ... 65535).contains(port) else { throw ValidationError("the port must be from 0 to 65535, not \(port)") }
        guard let db = db ?? environment["FOLIO_DB"], !db.isEmpty else {
            throw ValidationError("no store: give --db PATH or set FOLIO_DB")
        }
        guard let usersPath = users ?? environment["FOLIO_SERVER_USERS"], !usersPath.isEmpty else {
            throw ValidationError("no users file: give --users PATH or set FOLIO_SERVER_USERS (see `folio-server hash-token --help`)")
        }
        guard maxBody > 0, maxIngestBody > 0 else { throw ValidationError("body limits must be positive") }

        var logger = Logger(label: "folio-server")
        logger.logLevel = level

        let directory: UserDirectory
        do {
            directory = try UserDirectory(contentsOfFile: usersPath)
        } catch {
            throw ServerError(error.message)
        }
        if directory.users.isEmpty {
            logger.warning("the users file \(usersPath) lists nobody: every request but /healthz will be refused")
        }
        logger.info("users: \(directory.users.map { $0.isAdmin ? "\($0.name) (admin)" : $0.name }.joined(separator: ", "))")

        let engine: Engine
        do {
            engine = try Engine(path: db)
        } catch {
            throw ServerError("cannot open the store at \(db): \(error)")
        }
        defer { engine.close() }
        logger.info("store: \(db)")

        let app = buildApplication(
            engine: engine, users: directory,
            configuration: ServerConfiguration(
                host: host, port: port, maxBodySize: maxBody, maxIngestBodySize: maxIngestBody,
                requestLogLevel: level <= .info ? .info : nil, logger: logger
            )
        )
        try await app.runService()
        logger.info("stopped; store closed")
    }
}

struct HashToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-token",
        abstract: "Print the SHA-256 of a token, for the token_sha256 field of the users file.",
        discussion: """
        Without TOKEN, the token is read from the first line of standard input (so that it stays out of \
        the shell's history). With --generate, a new random token is made and printed with its hash: \
        give the token to the user and keep only the hash.

        The users file:
          {"users": [{"name": "ann", "token_sha256": "<hash>", "admin": false}]}
        """
    )

    @Argument(help: "The token to hash (read from standard input when absent).")
    var token: String?

    @Flag(help: "Make a new random token (256 bits) and print it with its hash.")
    var generate = false

    func validate() throws {
        if generate && token != nil { throw ValidationError("give a TOKEN or --generate, not both") }
    }

    func run() throws {
        if generate {
            let token = UserDirectory.generateToken()
            print("token:        \(token)")
            print("token_sha256: \(UserDirectory.hash(token: token))")
            return
        }
        let token: String
        if let given = self.token {
            token = given
        } else {
            guard let line = readLine(strippingNewline: true) else { throw ValidationError("no token on standard input") }
            // The server trims the Authorization header's token the same way.
            token = line.trimmingCharacters(in: .whitespaces)
        }
        guard !token.isEmpty else { throw ValidationError("the token is empty") }
        if token.count < 16 {
            FileHandle.standardError.write(Data("warning: a token of fewer than 16 characters is easy to guess; `folio-server hash-token --generate` makes a strong one\n".utf8))
        }
        print(UserDirectory.hash(token: token))
    }
}

/// A failure at start-up that is no misuse of the flags: printed without the usage.
struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
