/// A failure of the storage engine, with LevelDB's own words kept for the details.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in categories a caller can act on.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case locked, corrupted, notFound, diskFull, readOnly, io, invalidArgument, closed
        }
        fileprivate let base: Base

        /// Another process (or another open handle in this process) holds the store.
        public static let locked = Kind(base: .locked)
        /// Checksums or structure do not match: run `folio doctor` and `folio repair`.
        public static let corrupted = Kind(base: .corrupted)
        /// There is no store at the path and creating one was not asked for.
        public static let notFound = Kind(base: .notFound)
        /// The disk is full.
        public static let diskFull = Kind(base: .diskFull)
        /// The store's files cannot be written (read-only file system or permissions).
        public static let readOnly = Kind(base: .readOnly)
        /// Any other input/output failure.
        public static let io = Kind(base: .io)
        /// LevelDB refused an argument.
        public static let invalidArgument = Kind(base: .invalidArgument)
        /// The store was used after it was closed.
        public static let closed = Kind(base: .closed)

        public var description: String { base.rawValue }
    }

    /// The category of the failure.
    public let kind: Kind
    /// The store's directory.
    public let path: String
    /// LevelDB's message, unchanged.
    public let message: String

    init(kind: Kind, path: String, message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    /// Classifies one of LevelDB's status strings ("IO error: …", "Corruption: …").
    init(levelDBMessage message: String, path: String) {
        let lowered = message.lowercased()
        let kind: Kind
        if lowered.hasPrefix("corruption") {
            kind = .corrupted
        } else if lowered.contains("/lock") && (lowered.contains("temporarily unavailable")
            || lowered.contains("already held") || lowered.contains("resource busy"))
        {
            kind = .locked
        } else if lowered.contains("does not exist") {
            kind = .notFound
        } else if lowered.contains("no space left") {
            kind = .diskFull
        } else if lowered.contains("read-only file system") || lowered.contains("permission denied") {
            kind = .readOnly
        } else if lowered.hasPrefix("invalid argument") {
            kind = .invalidArgument
        } else {
            kind = .io
        }
        self.init(kind: kind, path: path, message: message)
    }

    public var description: String {
        switch kind {
        case .locked:
            "the store at \(path) is in use (\(message)); wait for it to finish and try again"
        case .corrupted:
            "the store at \(path) is corrupted: \(message); run `folio doctor` to see what is damaged "
                + "and `folio repair` to recover what can be recovered"
        case .notFound:
            "there is no Folio store at \(path) (\(message))"
        case .diskFull:
            "the disk holding \(path) is full; nothing more was written (\(message))"
        case .readOnly:
            "the store at \(path) cannot be written: \(message)"
        case .closed:
            "the store at \(path) was used after it was closed"
        default:
            "storage error at \(path): \(message)"
        }
    }
}
