/// One day's reading queue for one user, as `folio today` shows it.
public struct DailyQueue: Sendable, Codable, Equatable {
    public var date: Day
    public var user: String
    public var items: [QueueItem]
    /// Papers that would have come back today but did not fit the day's budget.
    public var overdue: Int

    public init(date: Day, user: String, items: [QueueItem], overdue: Int = 0) {
        self.date = date
        self.user = user
        self.items = items
        self.overdue = overdue
    }
}

/// A paper in a queue or a ranking, with why it is there.
public struct QueueItem: Sendable, Codable, Equatable {
    public var id: String
    public var title: String
    /// `new` for a recommendation, `resurface` for a starred paper coming back.
    public var kind: Kind
    public var score: Double
    /// Why it is here, in plain words.
    public var reasons: [String]
    /// The user's latest reaction to it since the queue was made (`like`, `skip`, …), if any.
    public var feedback: String?

    public struct Kind: RawRepresentable, Sendable, Codable, Equatable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let new = Kind(rawValue: "new")
        public static let resurface = Kind(rawValue: "resurface")
    }

    public init(id: String, title: String, kind: Kind, score: Double, reasons: [String], feedback: String? = nil) {
        self.id = id
        self.title = title
        self.kind = kind
        self.score = score
        self.reasons = reasons
        self.feedback = feedback
    }
}

/// A paper found by a search or a similarity query.
public struct RankedPaper: Sendable, Codable, Equatable {
    public var id: String
    public var title: String
    public var score: Double
    public var reasons: [String]

    public init(id: String, title: String, score: Double, reasons: [String]) {
        self.id = id
        self.title = title
        self.score = score
        self.reasons = reasons
    }
}
