public import Foundation

/// One entry of a user's interaction history: an append-only log that the rest of Folio replays.
public struct Event: Sendable, Hashable, Codable {
    public var user: String
    public var paperID: String
    public var action: Action
    /// When it happened (millisecond precision).
    public var time: Date
    /// Extra detail for some actions (a review grade, a priority).
    public var value: String?

    public init(user: String, paperID: String, action: Action, time: Date, value: String? = nil) {
        self.user = user
        self.paperID = paperID
        self.action = action
        self.time = Date(timeIntervalSince1970: (time.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        self.value = value
    }
}

/// What a user did with a paper. Open for new actions: the log stores the raw value.
public struct Action: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let like = Action(rawValue: "like")
    public static let dislike = Action(rawValue: "dislike")
    public static let skip = Action(rawValue: "skip")
    public static let read = Action(rawValue: "read")
    public static let star = Action(rawValue: "star")
    public static let unstar = Action(rawValue: "unstar")
    /// Not interested: never show again.
    public static let dismiss = Action(rawValue: "dismiss")

    public var description: String { rawValue }
}
