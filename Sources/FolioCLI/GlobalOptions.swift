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
        try Engine(path: storePath)
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
