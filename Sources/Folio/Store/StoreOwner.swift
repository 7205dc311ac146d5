import Foundation

/// Who holds a store: LevelDB's lock says only that someone does, so the holder also writes its
/// process id and command line into `OWNER`, for a clear message to whoever waits.
enum StoreOwner {
    static let fileName = "OWNER"

    /// Opens the database, waiting up to `timeout` while another process holds it.
    static func open(path: String, settings: LevelDB.Options, timeout: Duration) throws(StoreError) -> LevelDB {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            do {
                let database = try LevelDB(path: path, options: settings)
                record(in: path)
                return database
            } catch where error.kind == .locked {
                guard clock.now < deadline else {
                    throw StoreError(kind: .locked, path: path, message: holder(of: path) ?? error.message)
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    private static func record(in path: String) {
        let command = CommandLine.arguments.map { ($0 as NSString).lastPathComponent }.prefix(3).joined(separator: " ")
        let text = "\(ProcessInfo.processInfo.processIdentifier)\n\(command)\n"
        // Written aside and renamed, so a reader never sees half a note; not synced, since a note
        // lost in a crash names a process that is gone anyway (Foundation's atomic write syncs).
        let note = "\(path)/\(fileName)", draft = "\(note).\(ProcessInfo.processInfo.processIdentifier)"
        guard let file = fopen(draft, "w") else { return }
        let written = fputs(text, file) >= 0
        if fclose(file) != 0 || !written || rename(draft, note) != 0 { unlink(draft) }
    }

    /// "held by process 4242 (folio ingest)", if the holder left its note.
    private static func holder(of path: String) -> String? {
        guard let text = try? String(contentsOfFile: "\(path)/\(fileName)", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        guard let pid = lines.first.flatMap({ Int32($0) }) else { return nil }
        if pid == ProcessInfo.processInfo.processIdentifier { return "held by another Engine in this process" }
        let command = lines.count > 1 ? " (\(lines[1]))" : ""
        return "held by process \(pid)\(command)"
    }
}
