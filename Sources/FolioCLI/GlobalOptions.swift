import ArgumentParser
import Folio
import Foundation

/// The options every command takes: which store, which user, which moment.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store's directory.", valueName: "path"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("Whose history and queue to use.", valueName: "name"))
    var user: String?

    @Option(name: .long, help: ArgumentHelp("Act as if it were this moment (YYYY-MM-DD or an ISO-8601 date-time).", valueName: "iso-8601"))
    var now: String?

    @Option(name: .long, help: ArgumentHelp("A ranking model file to use instead of the shipped one (default $FOLIO_MODEL, else Models/ranking-default.json built in).", valueName: "path"))
    var model: String?

    static let names = ["--db", "--user", "--now", "--model"]

    /// Lets the global options come before the command too (`folio --db X ingest F`), as scripts
    /// write them, by moving them after it, where every command reads them.
    static func movedAfterSubcommand(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if names.contains(where: { argument.hasPrefix($0 + "=") }) {
                leading.append(argument)
                index += 1
            } else if names.contains(argument), index + 1 < arguments.count {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        let rest = Array(arguments[index...])
        // Keep them before a `--` terminator, after which everything is positional.
        if let terminator = rest.firstIndex(of: "--") {
            return Array(rest[..<terminator]) + leading + Array(rest[terminator...])
        }
        return rest + leading
    }

    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    var storePath: String {
        if let db, !db.isEmpty { return db }
        if let path = environment["FOLIO_DB"], !path.isEmpty { return path }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/folio" }
        return NSHomeDirectory() + "/.local/share/folio"
    }

    var userName: String {
        if let user, !user.isEmpty { return user }
        if let user = environment["FOLIO_USER"], !user.isEmpty { return user }
        return "default"
    }

    func instant() throws -> Date {
        guard let text = now ?? environment["FOLIO_NOW"].flatMap({ $0.isEmpty ? nil : $0 }) else { return Date() }
        guard let date = Instant.parse(text) else {
            throw ValidationError("--now \"\(text)\" is not a date; expected YYYY-MM-DD or an ISO-8601 date-time such as 2024-08-14T09:30:00Z")
        }
        return date
    }

    func openEngine() throws -> Engine {
        var options = Engine.Options()
        if let path = model ?? environment["FOLIO_MODEL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            options.rankingModel = try RankingModel.load(path: path)
        }
        options.models = models
        return try Engine(path: storePath, options: options)
    }

    /// The embedding models the store uses: its own `models/`, else `$FOLIO_MODELS`.
    var models: ModelLibrary { ModelLibrary.forStore(storePath, environment: environment) }
}

/// `--limit N`, checked to be positive.
struct LimitOption: ParsableArguments {
    @Option(help: "At most this many items.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 || limit > 100_000 { throw ValidationError("--limit must be between 1 and 100000") }
    }
}

/// `--json` for commands that print a document.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document on stdout instead of a table.")
    var json = false
}

func parseDay(_ text: String?, option: String) throws -> Day? {
    guard let text else { return nil }
    guard let day = Day(iso: text) else { throw ValidationError("\(option) \"\(text)\" is not a date; expected YYYY-MM-DD") }
    return day
}
