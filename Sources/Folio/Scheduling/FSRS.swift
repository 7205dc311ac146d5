import Foundation
internal import FolioModels

/// How well a starred paper was remembered when it resurfaced: the four FSRS grades.
public enum Grade: Int, Sendable, Codable, CaseIterable {
    /// Forgotten: what the paper said did not come back.
    case again = 1
    /// Remembered, with real effort.
    case hard
    /// Remembered.
    case good
    /// Remembered at once.
    case easy

    /// The grade called `again`, `hard`, `good` or `easy` (any letter case), or `nil`.
    public init?(name: String) {
        switch name.lowercased() {
        case "again": self = .again
        case "hard": self = .hard
        case "good": self = .good
        case "easy": self = .easy
        default: return nil
        }
    }

    /// The grade's lowercase name, as ``init(name:)`` accepts it.
    public var name: String {
        switch self {
        case .again: "again"
        case .hard: "hard"
        case .good: "good"
        case .easy: "easy"
        }
    }
}

/// What the memory model knows about one starred paper: how long it stays recallable and how hard it is.
public struct MemoryState: Sendable, Codable, Equatable {
    /// Days after a review until the chance of recalling the paper falls to 90 %.
    public var stability: Double
    /// How hard the paper is to remember, from 1 (easiest) to 10.
    public var difficulty: Double

    /// A state with the given stability (days) and difficulty (1…10).
    public init(stability: Double, difficulty: Double) {
        self.stability = stability
        self.difficulty = difficulty
    }
}

/// The numbers that shape resurfacing: the shipped `Models/fsrs-6-default.json`.
///
/// The card `Models/fsrs-6-default.md` says where they come from.
struct FSRSParameters: Sendable, Codable, Equatable {
    /// The parameter set's name and version, for stats and stored schedules.
    var name: String
    var version: Int
    /// The 21 FSRS-6 weights w0…w20.
    var weights: [Double]
    /// The chance of recall at which a paper is due again.
    var desiredRetention: Double
    /// No interval is longer than this many days.
    var maximumIntervalDays: Int

    /// The parameters shipped with Folio.
    static let standard: FSRSParameters = {
        guard let bytes = BundledModels.bytes(named: "fsrs-6-default.json") else {
            preconditionFailure("The bundled model fsrs-6-default.json is missing: the EmbedModels plugin did not compile Models/")
        }
        let parameters: FSRSParameters
        do {
            parameters = try JSONDecoder().decode(FSRSParameters.self, from: Data(bytes))
        } catch {
            preconditionFailure("The bundled FSRS parameters fsrs-6-default.json cannot be decoded: \(error)")
        }
        if let problem = parameters.problem {
            preconditionFailure("The bundled FSRS parameters fsrs-6-default.json are invalid: \(problem)")
        }
        return parameters
    }()

    /// The range each weight may take: the bounds py-fsrs 6.3.2 validates and fsrs-rs's optimizer clips to.
    /// Outside them the formulas stop making sense (a non-positive decay, a stability that shrinks on success).
    static let weightBounds: [ClosedRange<Double>] = [
        0.001 ... 100, 0.001 ... 100, 0.001 ... 100, 0.001 ... 100,
        1 ... 10, 0.001 ... 4, 0.001 ... 4, 0.001 ... 0.75, 0 ... 4.5, 0 ... 0.8, 0.001 ... 3.5,
        0.001 ... 5, 0.001 ... 0.25, 0.001 ... 0.9, 0 ... 4, 0 ... 1, 1 ... 6,
        0 ... 2, 0 ... 2, 0 ... 0.8, 0.1 ... 0.8,
    ]

    /// The first value out of its range, described, or `nil` when all are sensible.
    var problem: String? {
        guard weights.count == Self.weightBounds.count else {
            return "weights must hold \(Self.weightBounds.count) numbers (FSRS-6), found \(weights.count)"
        }
        for (index, (weight, bounds)) in zip(weights, Self.weightBounds).enumerated() where !bounds.contains(weight) {
            return "weights[\(index)] = \(weight) is outside \(bounds.lowerBound)…\(bounds.upperBound)"
        }
        guard desiredRetention > 0, desiredRetention < 1 else { return "desiredRetention must be between 0 and 1 (exclusive)" }
        guard maximumIntervalDays >= 1 else { return "maximumIntervalDays must be at least 1" }
        return nil
    }
}

/// The FSRS-6 memory model, day-granular and without learning steps: pure functions of a
/// memory state, the whole days since the last review and the grade.
///
/// The formulas and every detail of their order (pre-update values, clamps, rounding) follow
/// py-fsrs 6.3.2 and fsrs-rs; `Tests/FolioTests/Fixtures/fsrs-reference.json` pins them.
struct FSRS: Sendable {
    /// Stability bounds of fsrs-rs (`S_MIN`, `S_MAX`). py-fsrs has no upper bound, so its stability
    /// can run past 36,500 days after many Easy grades; the interval is capped either way.
    static let stabilityRange = 0.001 ... 36_500.0
    /// Difficulty bounds of both implementations.
    static let difficultyRange = 1.0 ... 10.0

    let parameters: FSRSParameters
    /// The forgetting curve's exponent, −w20.
    let decay: Double
    /// Chosen so that retrievability is exactly 0.9 after `stability` days.
    let factor: Double
    private let w: [Double]

    /// A model with valid `parameters` (`problem == nil`): check them where they are loaded.
    init(parameters: FSRSParameters = .standard) {
        precondition(parameters.problem == nil, "invalid FSRS parameters: \(parameters.problem ?? "")")
        self.parameters = parameters
        w = parameters.weights
        decay = -w[20]
        factor = pow(0.9, 1 / decay) - 1
    }

    /// The chance of recall `elapsedDays` after a review that left `stability`.
    func retrievability(elapsedDays: Int, stability: Double) -> Double {
        pow(1 + factor * Double(max(elapsedDays, 0)) / stability, decay)
    }

    /// The days until retrievability falls to `retention`, unrounded.
    func exactInterval(stability: Double, retention: Double) -> Double {
        stability / factor * (pow(retention, 1 / decay) - 1)
    }

    /// The days until the next review at the desired retention: whole days, at least 1, at most the maximum.
    func interval(stability: Double) -> Int {
        let exact = exactInterval(stability: stability, retention: parameters.desiredRetention)
        // Python's round() rounds halves to even; matching it keeps the reference table exact.
        let days = Int(exact.rounded(.toNearestOrEven))
        return min(max(days, 1), parameters.maximumIntervalDays)
    }

    /// The state after the first review (starring): S0 = w[G−1], D0.
    func initialState(grade: Grade) -> MemoryState {
        MemoryState(stability: initialStability(grade), difficulty: initialDifficulty(grade, clamped: true))
    }

    /// S0 = w[G−1]: the first four weights are the stabilities after a first Again, Hard, Good, Easy.
    func initialStability(_ grade: Grade) -> Double {
        clampStability(w[grade.rawValue - 1])
    }

    /// D0(G) = w4 − e^(w5·(G−1)) + 1; unclamped it is also the target of mean reversion.
    func initialDifficulty(_ grade: Grade, clamped: Bool) -> Double {
        let difficulty = w[4] - exp(w[5] * Double(grade.rawValue - 1)) + 1
        return clamped ? clampDifficulty(difficulty) : difficulty
    }

    /// The state after a later review, `elapsedDays` whole days after the previous one.
    ///
    /// Stability and difficulty are both computed from the state before this review. A review on
    /// the same day (`elapsedDays` 0, or less if the clock went back) uses the short-term formula.
    func nextState(state: MemoryState, elapsedDays: Int, grade: Grade) -> MemoryState {
        let stability: Double
        if elapsedDays <= 0 {
            stability = shortTermStability(state.stability, grade: grade)
        } else {
            let recall = retrievability(elapsedDays: elapsedDays, stability: state.stability)
            stability = grade == .again
                ? forgetStability(state: state, retrievability: recall)
                : recallStability(state: state, retrievability: recall, grade: grade)
        }
        return MemoryState(stability: stability, difficulty: nextDifficulty(state.difficulty, grade: grade))
    }

    /// Difficulty moves by −w6·(G−3), damped linearly as it nears 10, then reverts by w7 towards D0(Easy).
    func nextDifficulty(_ difficulty: Double, grade: Grade) -> Double {
        let delta = -(w[6] * Double(grade.rawValue - 3))
        let damped = difficulty + (10 - difficulty) * delta / 9
        let target = initialDifficulty(.easy, clamped: false)
        return clampDifficulty(w[7] * target + (1 - w[7]) * damped)
    }

    /// Stability after a successful recall (Hard, Good or Easy) on a later day.
    func recallStability(state: MemoryState, retrievability: Double, grade: Grade) -> Double {
        let hardPenalty = grade == .hard ? w[15] : 1
        let easyBonus = grade == .easy ? w[16] : 1
        let growth = exp(w[8]) * (11 - state.difficulty) * pow(state.stability, -w[9])
            * (exp((1 - retrievability) * w[10]) - 1) * hardPenalty * easyBonus
        return clampStability(state.stability * (1 + growth))
    }

    /// Stability after a lapse (Again) on a later day, never above what a same-day Again would leave.
    func forgetStability(state: MemoryState, retrievability: Double) -> Double {
        let longTerm = w[11] * pow(state.difficulty, -w[12]) * (pow(state.stability + 1, w[13]) - 1)
            * exp((1 - retrievability) * w[14])
        let shortTerm = state.stability / exp(w[17] * w[18])
        return clampStability(min(longTerm, shortTerm))
    }

    /// Stability after a second review on the same day: S · e^(w17·(G−3+w18)) · S^(−w19).
    ///
    /// For Hard, Good and Easy the factor is floored at 1, so remembering never lowers stability.
    /// This is fsrs-rs's rule (`rating >= 2` in its FSRS-6 `stability_short_term`); py-fsrs 6.3.2
    /// agrees. Some earlier versions of both floored only Good and Easy, letting a same-day Hard
    /// lower stability; Folio does not follow them.
    func shortTermStability(_ stability: Double, grade: Grade) -> Double {
        var increase = exp(w[17] * (Double(grade.rawValue) - 3 + w[18])) * pow(stability, -w[19])
        if grade != .again { increase = max(increase, 1) }
        return clampStability(stability * increase)
    }

    private func clampStability(_ stability: Double) -> Double {
        min(max(stability, Self.stabilityRange.lowerBound), Self.stabilityRange.upperBound)
    }

    private func clampDifficulty(_ difficulty: Double) -> Double {
        min(max(difficulty, Self.difficultyRange.lowerBound), Self.difficultyRange.upperBound)
    }
}
