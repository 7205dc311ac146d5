import Foundation

/// Entry points for the fuzzers in `Sources/FolioFuzz`: every parser and record decoder, fed
/// arbitrary bytes. Visible inside the package only.
package enum FuzzEntryPoints {
    /// Parses `bytes` as each listing format, through a temporary file as ingest reads them.
    /// Returns how many papers and problems were found; must never crash, whatever the bytes.
    package static func parseListings(_ bytes: [UInt8], directory: String) -> Int {
        let path = "\(directory)/fuzz-\(ProcessInfo.processInfo.processIdentifier).input"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return 0 }
        defer { try? FileManager.default.removeItem(atPath: path) }
        var found = 0
        for format in IngestFormat.allCases {
            let ingest = FileIngest(path: path, format: format, listingReference: Day(daysSinceEpoch: 20_000), today: Day(daysSinceEpoch: 20_000), skipInvalid: true)
            found += (try? ingest.parseOnly()) ?? 0
        }
        return found
    }

    /// Decodes `bytes` as every stored record type; must throw cleanly, never crash.
    package static func decodeRecords(_ bytes: [UInt8]) -> Int {
        var decoded = 0
        if (try? Paper(record: bytes)) != nil { decoded += 1 }
        if (try? Event(user: "fuzz", record: bytes)) != nil { decoded += 1 }
        if (try? PaperTerms(record: bytes)) != nil { decoded += 1 }
        if (try? TermEntry(record: bytes)) != nil { decoded += 1 }
        if (try? StoreCounts(record: bytes)) != nil { decoded += 1 }
        if (try? UserProfile(record: bytes)) != nil { decoded += 1 }
        if let postings = try? PostingChunk.decode(bytes) {
            decoded += 1
            // What search reads in place must be what the decoder reads.
            var inPlace: [Posting] = []
            try? bytes.withUnsafeBufferPointer { buffer in
                try PostingChunk.forEach(in: buffer) { id, title, abstract, length in
                    inPlace.append(Posting(paperID: String(decoding: id, as: UTF8.self), titleCount: title, abstractCount: abstract, length: length))
                }
            }
            precondition(inPlace == postings, "postings read in place differ from the decoded ones")
        } else {
            bytes.withUnsafeBufferPointer { buffer in _ = try? PostingChunk.forEach(in: buffer) { _, _, _, _ in } }
        }
        if (try? JSONDecoder().decode(DailyQueue.self, from: Data(bytes))) != nil { decoded += 1 }
        if (try? JSONDecoder().decode(ResurfacingSchedule.self, from: Data(bytes))) != nil { decoded += 1 }
        return decoded
    }
}

extension FileIngest {
    /// Runs the parser over the file without touching a store: the number of papers and problems seen.
    func parseOnly() throws -> Int {
        var seen = 0
        try parse(format: format ?? .daily) { _, _ in seen += 1 }
        return seen
    }
}
