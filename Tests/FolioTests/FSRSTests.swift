import Foundation
import Testing
@testable import Folio

/// The reference table made once with py-fsrs 6.3.2 (see its "generator" field).
struct FSRSReference: Decodable {
    struct Review: Decodable {
        var grade: Int
        var elapsedDays: Int
        var stability: Double
        var difficulty: Double
        var intervalDays: Int
    }

    struct Sequence: Decodable {
        var name: String
        var reviews: [Review]
    }

    struct FuzzRanges: Decodable {
        var maximum: Int
        /// [interval, lower, upper]
        var rows: [[Int]]
    }

    var parameters: [Double]
    var desiredRetention: Double
    var maximumIntervalDays: Int
    var sequences: [Sequence]
    var sameDay: [Sequence]
    var fuzzRanges: [FuzzRanges]

    static let table: FSRSReference = {
        let path = "\(Fixtures.packageRoot)/Tests/FolioTests/Fixtures/fsrs-reference.json"
        let data = FileManager.default.contents(atPath: path)!
        return try! JSONDecoder().decode(FSRSReference.self, from: data)
    }()
}

/// Replays a sequence through Folio's model: the first review starts the state, later ones follow it.
private func replay(_ sequence: FSRSReference.Sequence, with fsrs: FSRS) -> [(state: MemoryState, interval: Int)] {
    var results: [(state: MemoryState, interval: Int)] = []
    var state: MemoryState?
    for review in sequence.reviews {
        let grade = Grade(rawValue: review.grade)!
        let next = state.map { fsrs.nextState(state: $0, elapsedDays: review.elapsedDays, grade: grade) } ?? fsrs.initialState(grade: grade)
        results.append((next, fsrs.interval(stability: next.stability)))
        state = next
    }
    return results
}

private func relativeError(_ value: Double, _ expected: Double) -> Double {
    abs(value - expected) / max(abs(expected), 1e-12)
}

@Suite("FSRS-6 memory model")
struct FSRSTests {
    /// The FSRS-6 defaults as the reference table records them, so these tests keep checking the
    /// formulas if the shipped parameters are ever refitted.
    static let defaults: FSRSParameters = {
        let table = FSRSReference.table
        return FSRSParameters(name: "fsrs-6-default", version: 1, weights: table.parameters,
                              desiredRetention: table.desiredRetention, maximumIntervalDays: table.maximumIntervalDays)
    }()

    let fsrs = FSRS(parameters: FSRSTests.defaults)
    let w = FSRSTests.defaults.weights

    @Test func bundledParametersAreFSRS6Defaults() {
        // Pins Models/fsrs-6-default.json; update it with the file if the parameters are refitted.
        let standard = FSRSParameters.standard
        #expect(standard.weights == [
            0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
            1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
        ])
        #expect(standard.desiredRetention == 0.9)
        #expect(standard.maximumIntervalDays == 36500)
        #expect(standard.name == "fsrs-6-default")
        #expect(standard.problem == nil)
        #expect(standard == FSRSTests.defaults)
        #expect(FSRS().parameters == standard)
    }

    @Test func invalidParametersAreDescribed() {
        var parameters = FSRSTests.defaults
        parameters.weights.removeLast()
        #expect(parameters.problem?.contains("21") == true)
        parameters = FSRSTests.defaults
        parameters.weights[20] = 0
        #expect(parameters.problem?.contains("weights[20]") == true)
        parameters = FSRSTests.defaults
        parameters.weights[3] = .nan
        #expect(parameters.problem?.contains("weights[3]") == true)
        parameters = FSRSTests.defaults
        parameters.desiredRetention = 1
        #expect(parameters.problem?.contains("desiredRetention") == true)
        parameters = FSRSTests.defaults
        parameters.maximumIntervalDays = 0
        #expect(parameters.problem?.contains("maximumIntervalDays") == true)
    }

    @Test func gradeNames() {
        #expect(Grade(name: "again") == .again)
        #expect(Grade(name: "Hard") == .hard)
        #expect(Grade(name: "GOOD") == .good)
        #expect(Grade(name: "easy") == .easy)
        #expect(Grade(name: "fine") == nil)
        #expect(Grade.allCases.map(\.rawValue) == [1, 2, 3, 4])
        #expect(Grade.allCases.allSatisfy { Grade(name: $0.name) == $0 })
    }

    @Test func initialStabilityIsTheFirstFourWeights() {
        #expect(Grade.allCases.map { fsrs.initialState(grade: $0).stability } == [0.212, 1.2931, 2.3065, 8.2956])
    }

    @Test func initialDifficultyPerGrade() {
        // D0(G) = w4 − e^(w5·(G−1)) + 1; Easy's value (−4.77) is clamped to 1.
        let expected = [6.4133, 5.112170705601056, 2.118103970459016, 1.0]
        for (grade, value) in zip(Grade.allCases, expected) {
            #expect(abs(fsrs.initialState(grade: grade).difficulty - value) < 1e-12)
        }
        #expect(abs(fsrs.initialDifficulty(.easy, clamped: false) - (6.4133 - exp(0.8334 * 3) + 1)) < 1e-12)
    }

    @Test func goodOnEachDueDate() {
        // The published check: Good, then Good on every due date.
        var state = fsrs.initialState(grade: .good)
        var intervals = [fsrs.interval(stability: state.stability)]
        var stabilities = [state.stability], difficulties = [state.difficulty]
        for _ in 0 ..< 6 {
            state = fsrs.nextState(state: state, elapsedDays: intervals.last!, grade: .good)
            intervals.append(fsrs.interval(stability: state.stability))
            stabilities.append(state.stability)
            difficulties.append(state.difficulty)
        }
        #expect(intervals == [2, 11, 46, 163, 497, 1346, 3292])
        for (value, expected) in zip(stabilities, [2.3065, 10.9643, 46.2802, 162.8622, 497.4472, 1345.5288, 3292.2796]) {
            #expect(abs(value - expected) < 1e-4)
        }
        for (value, expected) in zip(difficulties, [2.1181, 2.1112, 2.1043, 2.0975, 2.0906, 2.0837, 2.0769]) {
            #expect(abs(value - expected) < 1e-4)
        }
    }

    @Test func retrievabilityIsNinetyPercentAfterStabilityDays() {
        #expect(fsrs.retrievability(elapsedDays: 0, stability: 5) == 1)
        #expect(abs(fsrs.retrievability(elapsedDays: 10, stability: 10) - 0.9) < 1e-12)
        #expect(abs(fsrs.retrievability(elapsedDays: 100, stability: 100) - 0.9) < 1e-12)
        #expect(fsrs.retrievability(elapsedDays: 20, stability: 10) < 0.9)
        // The fsrs-rs forgetting-curve test values at the FSRS-6 default decay.
        #expect(abs(fsrs.retrievability(elapsedDays: 1, stability: 2) - 0.9403443) < 1e-6)
        #expect(abs(fsrs.retrievability(elapsedDays: 5, stability: 2) - 0.8261359) < 1e-6)
    }

    @Test(arguments: [(0.80, 3.32), (0.85, 1.91), (0.90, 1.00), (0.95, 0.40)])
    func intervalToStabilityRatio(retention: Double, ratio: Double) {
        #expect(abs(fsrs.exactInterval(stability: 1, retention: retention) - ratio) < 0.01)
        #expect(abs(fsrs.exactInterval(stability: 37, retention: retention) / 37 - ratio) < 0.01)
        var parameters = FSRSTests.defaults
        parameters.desiredRetention = retention
        #expect(abs(Double(FSRS(parameters: parameters).interval(stability: 100)) - 100 * ratio) <= 1)
    }

    @Test func intervalIsWholeDaysBetweenOneAndTheMaximum() {
        #expect(fsrs.interval(stability: 0.001) == 1)
        #expect(fsrs.interval(stability: 0.212) == 1)
        #expect(fsrs.interval(stability: 2.3065) == 2)
        #expect(fsrs.interval(stability: 2.6) == 3)
        #expect(fsrs.interval(stability: 36_500) == 36_500)
        var parameters = FSRSTests.defaults
        parameters.maximumIntervalDays = 100
        #expect(FSRS(parameters: parameters).interval(stability: 500) == 100)
    }

    @Test func stabilityAndDifficultyAreClamped() {
        // Seven Easy grades on their due dates: py-fsrs lets stability reach 68,949 days; fsrs-rs and Folio stop at 36,500.
        var state = fsrs.initialState(grade: .easy)
        for _ in 0 ..< 6 {
            state = fsrs.nextState(state: state, elapsedDays: fsrs.interval(stability: state.stability), grade: .easy)
        }
        #expect(state.stability == 36_500)
        #expect(fsrs.interval(stability: state.stability) == 36_500)
        #expect(state.difficulty == 1)

        // A lapse from the smallest stability would fall below it.
        let tiny = fsrs.nextState(state: MemoryState(stability: 0.001, difficulty: 5), elapsedDays: 1, grade: .again)
        #expect(tiny.stability == 0.001)

        var hard = MemoryState(stability: 1, difficulty: 9.9)
        for _ in 0 ..< 20 { hard = fsrs.nextState(state: hard, elapsedDays: 1, grade: .again) }
        #expect(hard.difficulty <= 10 && hard.difficulty > 9.9)
        // At 10 the linear damping stops the increase; only mean reversion (w7) moves it.
        #expect(abs(fsrs.nextDifficulty(10, grade: .again) - (10 - w[7] * (10 - fsrs.initialDifficulty(.easy, clamped: false)))) < 1e-12)
        #expect(fsrs.nextDifficulty(1, grade: .easy) == 1)
    }

    @Test func forgettingNeverRaisesStabilityAboveTheShortTermBound() {
        // A lapse long after due uses the long-term formula; one right after a review is capped at S / e^(w17·w18).
        let state = MemoryState(stability: 100, difficulty: 5)
        let capped = fsrs.forgetStability(state: state, retrievability: 1)
        #expect(capped <= 100 / exp(w[17] * w[18]))
        let late = fsrs.nextState(state: state, elapsedDays: 400, grade: .again)
        let longTerm = w[11] * pow(5, -w[12]) * (pow(101, w[13]) - 1) * exp((1 - fsrs.retrievability(elapsedDays: 400, stability: 100)) * w[14])
        #expect(abs(late.stability - longTerm) < 1e-9)
    }

    @Test func referenceTableParity() {
        let table = FSRSReference.table
        #expect(table.sequences.count >= 60)
        #expect(table.desiredRetention == fsrs.parameters.desiredRetention)
        #expect(table.maximumIntervalDays == fsrs.parameters.maximumIntervalDays)
        var checked = 0
        for sequence in table.sequences {
            let results = replay(sequence, with: fsrs)
            for (index, (review, result)) in zip(sequence.reviews, results).enumerated() {
                #expect(review.elapsedDays > 0 || index == 0, "same-day reviews belong in the sameDay section")
                #expect(relativeError(result.state.stability, review.stability) < 1e-4, "\(sequence.name) #\(index + 1): stability")
                #expect(abs(result.state.difficulty - review.difficulty) < 1e-4, "\(sequence.name) #\(index + 1): difficulty")
                #expect(result.interval == review.intervalDays, "\(sequence.name) #\(index + 1): interval")
                checked += 1
            }
        }
        #expect(checked > 400)
    }

    @Test func sameDayReviewsFollowTheShortTermRule() {
        // Hand check after Good (S 2.3065): the increase e^(w17·(G−3+w18)) · S^(−w19) is 0.3360 for
        // Again, 0.578 for Hard and 0.9945 for Good (both floored to 1), 1.7108 for Easy.
        let good = fsrs.initialState(grade: .good)
        let again = fsrs.nextState(state: good, elapsedDays: 0, grade: .again)
        let hard = fsrs.nextState(state: good, elapsedDays: 0, grade: .hard)
        let sameGood = fsrs.nextState(state: good, elapsedDays: 0, grade: .good)
        let easy = fsrs.nextState(state: good, elapsedDays: 0, grade: .easy)
        let shrink = pow(2.3065, -0.0658)
        #expect(abs(again.stability - 2.3065 * exp(0.5425 * (-2 + 0.0912)) * shrink) < 1e-12)
        #expect(abs(again.stability - 0.77508) < 1e-5)
        #expect(hard.stability == 2.3065)  // fsrs-rs: same-day Hard never lowers stability
        #expect(sameGood.stability == 2.3065)
        #expect(abs(easy.stability - 2.3065 * exp(0.5425 * (1 + 0.0912)) * shrink) < 1e-12)
        #expect(abs(easy.stability - 3.94605) < 1e-5)
        // Difficulty moves as on any other day.
        #expect(abs(again.difficulty - 7.39450) < 1e-5)
        #expect(abs(hard.difficulty - 4.75286) < 1e-5)
        #expect(hard.difficulty == fsrs.nextDifficulty(good.difficulty, grade: .hard))
        // A clock that went back counts as the same day.
        #expect(fsrs.nextState(state: good, elapsedDays: -1, grade: .again) == again)
    }

    @Test func sameDayTable() {
        let table = FSRSReference.table
        #expect(table.sameDay.count >= 5)
        for sequence in table.sameDay {
            #expect(sequence.reviews.dropFirst().contains { $0.elapsedDays == 0 })
            for (index, (review, result)) in zip(sequence.reviews, replay(sequence, with: fsrs)).enumerated() {
                #expect(relativeError(result.state.stability, review.stability) < 1e-9, "\(sequence.name) #\(index + 1): stability")
                #expect(abs(result.state.difficulty - review.difficulty) < 1e-9, "\(sequence.name) #\(index + 1): difficulty")
                #expect(result.interval == review.intervalDays, "\(sequence.name) #\(index + 1): interval")
            }
        }
    }
}

@Suite("FSRS interval fuzz and load balancing")
struct IntervalFuzzTests {
    @Test func rangesOfAnkisExamples() {
        #expect(IntervalFuzz.range(interval: 7, maximum: 36500) == 5 ... 9)
        #expect(IntervalFuzz.range(interval: 17, maximum: 36500) == 14 ... 20)
        #expect(IntervalFuzz.range(interval: 37, maximum: 36500) == 33 ... 41)
        // 100 ± 6.975: Anki's 92…99 and 101…108 are its constrained cases (maximum 99, minimum 101).
        #expect(IntervalFuzz.range(interval: 100, maximum: 36500) == 93 ... 107)
        #expect(IntervalFuzz.range(interval: 99, maximum: 99) == 92 ... 99)
        #expect(IntervalFuzz.range(interval: 3, maximum: 36500) == 2 ... 4)
        #expect(IntervalFuzz.range(interval: 2, maximum: 36500) == 2 ... 2)
        #expect(IntervalFuzz.range(interval: 1, maximum: 36500) == 1 ... 1)
    }

    @Test func rangesMatchPyFSRS() {
        var checked = 0
        for group in FSRSReference.table.fuzzRanges {
            for row in group.rows {
                #expect(IntervalFuzz.range(interval: row[0], maximum: group.maximum) == row[1] ... row[2], "interval \(row[0]), maximum \(group.maximum)")
                checked += 1
            }
        }
        #expect(checked > 400)
    }

    @Test func shortIntervalsAreNotFuzzed() {
        for interval in 1 ... 2 {
            #expect(IntervalFuzz.fuzzed(interval: interval, maximum: 36500, paperID: "2401.00001", reviewCount: 1) { _ in 0 } == interval)
        }
    }

    @Test func fuzzIsDeterministicAndInsideTheRange() {
        for interval in [3, 7, 17, 37, 100, 1000, 36500] {
            let range = IntervalFuzz.range(interval: interval, maximum: 36500)
            var seen = Set<Int>()
            for paper in 0 ..< 200 {
                let id = "2401.\(10000 + paper)"
                let load: (Int) -> Int = { ($0 * 7919 + paper) % 5 }
                let first = IntervalFuzz.fuzzed(interval: interval, maximum: 36500, paperID: id, reviewCount: 3, load: load)
                let again = IntervalFuzz.fuzzed(interval: interval, maximum: 36500, paperID: id, reviewCount: 3, load: load)
                #expect(first == again)
                #expect(range.contains(first))
                seen.insert(first)
            }
            // Fuzz spreads papers out: every day of a small range is used, a large one is well covered.
            #expect(seen.count >= min(range.count, 20))
        }
    }

    @Test func seedDependsOnPaperAndReviewCount() {
        let draws = (0 ..< 50).map { IntervalFuzz.fuzzed(interval: 100, maximum: 36500, paperID: "2401.00001", reviewCount: $0) { _ in 0 } }
        #expect(Set(draws).count > 5)
        var generator = IntervalFuzz.generator(paperID: "2401.00001", reviewCount: 4)
        var expected = SplitMix64(seedText: "2401.00001#4")
        #expect(generator.next() == expected.next())
    }

    @Test func withoutLoadTheDrawIsUniform() {
        var counts: [Int: Int] = [:]
        for paper in 0 ..< 2000 {
            let id = "paper-\(paper)"
            let day = IntervalFuzz.fuzzed(interval: 37, maximum: 36500, paperID: id, reviewCount: 1) { _ in 0 }
            // The same draw as a plain uniform pick with the seeded generator.
            var generator = IntervalFuzz.generator(paperID: id, reviewCount: 1)
            let unit = Double(generator.next() >> 11) * 0x1p-53
            #expect(day == 33 + Int(unit * 9))
            // Equal loads anywhere give equal weights, hence the same draw.
            #expect(IntervalFuzz.fuzzed(interval: 37, maximum: 36500, paperID: id, reviewCount: 1) { _ in 4 } == day)
            counts[day, default: 0] += 1
        }
        #expect(counts.keys.sorted() == Array(33 ... 41))
        #expect(counts.values.allSatisfy { $0 > 2000 / 9 / 2 })
    }

    @Test func loadBalancingPrefersLightDays() {
        // Interval 30 may land on 27…33; all but days 28 and 32 already hold 10 papers.
        #expect(IntervalFuzz.range(interval: 30, maximum: 36500) == 27 ... 33)
        let light: Set<Int> = [28, 32]
        let load: (Int) -> Int = { light.contains($0) ? 0 : 10 }
        let onLightDays = (0 ..< 200).filter { paper in
            light.contains(IntervalFuzz.fuzzed(interval: 30, maximum: 36500, paperID: "2402.\(20000 + paper)", reviewCount: 2, load: load))
        }.count
        #expect(onLightDays >= 180)

        // Weights follow (1 / (load + 1))^2.15.
        #expect(IntervalFuzz.weight(load: 0) == 1)
        #expect(abs(IntervalFuzz.weight(load: 1) - pow(0.5, 2.15)) < 1e-15)
        #expect(IntervalFuzz.weight(load: 3) < IntervalFuzz.weight(load: 2))
    }

    @Test func weightedPickFollowsTheWeights() {
        var generator = SplitMix64(seed: 7)
        var counts = [0, 0, 0]
        for _ in 0 ..< 30000 { counts[IntervalFuzz.pick(weights: [1, 2, 0], using: &generator)] += 1 }
        #expect(counts[2] == 0)
        #expect(abs(Double(counts[1]) / Double(counts[0]) - 2) < 0.15)
    }
}
