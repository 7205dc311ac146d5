/// A failure that Folio explains in plain words: bad input, an unknown paper, an incompatible store.
///
/// Storage-engine failures arrive as ``StoreError`` instead.
public struct FolioError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in categories a caller can act on.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case invalidInput, unknownPaper, ambiguousPaperID, invalidArgument, incompatibleStore, damagedRecord, missingModel
        }
        fileprivate let base: Base

        /// An input file (or value) could not be read; ``FolioError/file`` and ``FolioError/line`` say where.
        public static let invalidInput = Kind(base: .invalidInput)
        /// No paper has the given id (or id prefix).
        public static let unknownPaper = Kind(base: .unknownPaper)
        /// An id prefix matches more than one paper.
        public static let ambiguousPaperID = Kind(base: .ambiguousPaperID)
        /// An argument is out of range or malformed.
        public static let invalidArgument = Kind(base: .invalidArgument)
        /// The store was written by a newer Folio, or is not a Folio store.
        public static let incompatibleStore = Kind(base: .incompatibleStore)
        /// A stored record cannot be decoded: run `folio doctor`.
        public static let damagedRecord = Kind(base: .damagedRecord)
        /// An embedding model the call needs is not installed: `folio model install minilm` installs it.
        public static let missingModel = Kind(base: .missingModel)

        public var description: String { base.rawValue }
    }

    public let kind: Kind
    /// What happened and what was expected, in plain words.
    public let message: String
    /// The input file, for ``Kind/invalidInput``.
    public let file: String?
    /// The 1-based line in ``file``, when known.
    public let line: Int?

    init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
    }

    /// A stored record this build cannot read: damage, with `advice` on what to run, unless its version
    /// is newer than this build reads.
    static func unreadable(_ failure: RecordCodec.Failure, inStoreAt path: String, advice: String) -> FolioError {
        guard failure.newerVersion == nil else {
            return FolioError(.incompatibleStore, "\(failure) in the store at \(path): a newer Folio wrote it, so upgrade Folio to use this store; if none did, the record is damaged and `folio doctor` says more")
        }
        return FolioError(.damagedRecord, "\(failure) in the store at \(path); \(advice)")
    }

    public var description: String {
        switch (file, line) {
        case let (file?, line?): "\(file):\(line): \(message)"
        case let (file?, nil): "\(file): \(message)"
        default: message
        }
    }
}
