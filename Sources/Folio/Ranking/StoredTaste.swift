import Foundation

/// A user's trained taste as kept under `U·<user>·taste`, with what it was trained from, so that
/// ranking uses it again instead of retraining on every call.
///
/// A cache: it is used only while everything it was made from is unchanged (the feedback up to
/// `now`, the ranking space's generation, the model's settings) and it is younger than
/// `learner.retrainAfterDays`; otherwise the taste is trained again and the record replaced.
struct StoredTaste: Sendable, Equatable {
    /// What the taste was trained from.
    struct Source: Sendable, Equatable {
        var generation: UInt32
        /// A fingerprint of the ranking model's features, feedback and learner settings.
        var model: UInt64
        /// A fingerprint of the user's events up to the day the taste is for.
        var feedback: UInt64
        var trainedOn: Day
        /// How many labelled papers had an embedding: a backfill (or the first ingest with the model)
        /// changes it, and the taste is trained again with its embedding part.
        var embedded: Int = 0

        /// Whether a taste from `self` can stand for one trained from `current`.
        func serves(_ current: Source, retrainAfterDays: Int) -> Bool {
            let age = trainedOn.days(until: current.trainedOn)
            return generation == current.generation && model == current.model && feedback == current.feedback
                && embedded == current.embedded && age >= 0 && age < retrainAfterDays
        }

        static func model(_ model: RankingModel) -> UInt64 {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let text = [try? encoder.encode(model.features), try? encoder.encode(model.feedback), try? encoder.encode(model.learner)]
                .map { $0.map { String(decoding: $0, as: UTF8.self) } ?? "" }.joined(separator: "|")
            return SplitMix64.hash(text)
        }

        /// The events that happened by `now`: their count and the time and sequence of the last one.
        static func feedback(_ events: [Event], now: Date) -> UInt64 {
            var count = 0
            var last = ""
            for event in events where event.time <= now {
                count += 1
                last = "\(event.time.timeIntervalSince1970) \(event.paperID) \(event.action.rawValue) \(event.value ?? "")"
            }
            return SplitMix64.hash("\(count) \(last)")
        }
    }

    var source: Source
    var parts: TasteModel.Parts

    /// Version 2 added the embedding part, version 3 the compact form of the SVM's weights; an older
    /// record fails to decode and is simply retrained.
    static let recordVersion: UInt8 = 3

    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: 8 * ((parts.svm?.weights.count ?? 0) + parts.centroid.count) + 256)
        writer.byte(Self.recordVersion)
        writer.varint(UInt64(source.generation))
        writer.bigEndian(source.model)
        writer.bigEndian(source.feedback)
        writer.signedVarint(Int64(source.trainedOn.daysSinceEpoch))
        writer.varint(source.embedded)
        if let svm = parts.svm {
            writer.byte(1)
            writer.bigEndian(svm.bias.bitPattern)
            svm.weights.writeCompact(to: &writer)
        } else {
            writer.byte(0)
        }
        writer.varint(parts.labeled.count)
        for paper in parts.labeled {
            writer.string(paper.id)
            writer.float64(paper.strength)
        }
        parts.centroid.write(to: &writer)
        writer.bigEndian(parts.centroidMeanScale.bitPattern)
        writer.bigEndian(parts.meanNormSquared.bitPattern)
        parts.authorProfile.write(to: &writer)
        writer.varint(parts.interests.count)
        for interest in parts.interests {
            writer.string(interest.text)
            interest.vector.write(to: &writer)
        }
        if let embedding = parts.embedding {
            writer.byte(1)
            embedding.write(to: &writer)
        } else {
            writer.byte(0)
        }
        return writer.bytes
    }

    init(source: Source, parts: TasteModel.Parts) {
        self.source = source
        self.parts = parts
    }

    init(record bytes: [UInt8]) throws(RecordCodec.Failure) {
        self = try RecordCodec.decode("taste", bytes, version: Self.recordVersion) { reader throws(BinaryReader.Failure) in
            let source = Source(generation: UInt32(truncatingIfNeeded: try reader.varint()), model: try reader.bigEndian64(),
                                feedback: try reader.bigEndian64(), trainedOn: try reader.day(), embedded: try reader.count(atMost: bytes.count))
            var svm: LinearSVM?
            if try reader.byte() == 1 {
                let bias = Float(bitPattern: try reader.bigEndian32())
                svm = LinearSVM(table: try WeightTable.readCompact(&reader, limit: bytes.count), bias: bias)
            }
            var labeled: [(id: String, strength: Double)] = []
            for _ in 0 ..< (try reader.count(atMost: bytes.count)) { labeled.append((try reader.string(), try reader.float64())) }
            let centroid = try SparseVector.read(&reader, limit: bytes.count)
            let scale = Float(bitPattern: try reader.bigEndian32())
            let meanNormSquared = Float(bitPattern: try reader.bigEndian32())
            let authors = try SparseVector.read(&reader, limit: bytes.count)
            var interests: [(text: String, vector: SparseVector)] = []
            for _ in 0 ..< (try reader.count(atMost: bytes.count)) { interests.append((try reader.string(), try SparseVector.read(&reader, limit: bytes.count))) }
            let embedding = try reader.byte() == 1 ? try EmbeddingTaste.read(&reader, limit: bytes.count) : nil
            return StoredTaste(source: source, parts: TasteModel.Parts(svm: svm, labeled: labeled, centroid: centroid, centroidMeanScale: scale,
                                                                        meanNormSquared: meanNormSquared, authorProfile: authors, interests: interests,
                                                                        embedding: embedding))
        }
    }
}
