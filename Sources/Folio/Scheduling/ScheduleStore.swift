import Foundation

extension FolioStore {
    /// The user's resurfacing schedule as stored (empty for a user who never starred anything).
    func schedule(of user: String, in reader: (any KeyValueReader)? = nil) throws -> ResurfacingSchedule {
        guard let bytes = try (reader ?? keyValues).value(for: Keys.schedule(of: user)) else { return ResurfacingSchedule() }
        do {
            return try JSONDecoder().decode(ResurfacingSchedule.self, from: Data(bytes))
        } catch {
            throw FolioError(.damagedRecord, "the resurfacing schedule of \(user) cannot be read (\(error)); `folio doctor --rebuild` rebuilds it from the log")
        }
    }

    /// Stages the schedule that results from adding `events` (all of `user`) to the log: applied on
    /// top of the stored schedule when they are newer than everything it holds, otherwise replayed
    /// from the whole log, so the stored schedule always equals a replay.
    func stageSchedule(of user: String, adding events: [Event], fsrs: FSRS, dailyBudget: Int, into staged: inout StagedWrites) throws {
        guard events.contains(where: { ResurfacingSchedule.concerns($0.action) }) else { return }
        var schedule = try schedule(of: user)
        let earliest = events.map(\.time).min()!
        if let last = schedule.lastApplied, earliest < last {
            schedule = ResurfacingSchedule.replay(try self.events(of: user) + events, fsrs: fsrs, dailyBudget: dailyBudget)
        } else {
            for event in events.sorted(by: { $0.time < $1.time }) where ResurfacingSchedule.concerns(event.action) {
                schedule.apply(event, fsrs: fsrs, dailyBudget: dailyBudget)
            }
        }
        staged.put(try encoded(schedule), for: Keys.schedule(of: user))
    }

    /// Replays the user's whole log into a fresh schedule and stores it.
    @discardableResult
    func rebuildSchedule(of user: String, fsrs: FSRS, dailyBudget: Int) throws -> ResurfacingSchedule {
        let schedule = ResurfacingSchedule.replay(try events(of: user), fsrs: fsrs, dailyBudget: dailyBudget)
        var staged = StagedWrites(base: keyValues)
        if schedule.cards.isEmpty && schedule.vacations.isEmpty {
            staged.delete(Keys.schedule(of: user))
        } else {
            staged.put(try encoded(schedule), for: Keys.schedule(of: user))
        }
        try commit(staged, durable: true)
        return schedule
    }

    private func encoded(_ schedule: ResurfacingSchedule) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return [UInt8](try encoder.encode(schedule))
    }
}
