import Folio
import Foundation

/// `folio-bench --embed MODEL_DIR [PAPERS.jsonl]`: sentence-encoder throughput on real papers (title and
/// abstract), by default the CiteULike sample in ../shared. Prints papers per second and word pieces per paper.
func runEmbeddingBenchmark(_ arguments: [String]) {
    guard let directory = arguments.first else {
        FileHandle.standardError.write(Data("usage: folio-bench --embed MODEL_DIR [PAPERS.jsonl]\n".utf8))
        exit(2)
    }
    let source = arguments.dropFirst().first ?? "../shared/data/citeulike/papers.jsonl"
    do {
        var texts: [String] = []
        for line in try String(contentsOfFile: source, encoding: .utf8).split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            texts.append("\(object["title"] as? String ?? "") \(object["abstract"] as? String ?? "")")
        }
        var encoder: SentenceEncoder?
        let load = try seconds { encoder = try SentenceEncoder(directory: directory) }
        guard let encoder else { return }
        _ = encoder.encode(Array(texts.prefix(16)))
        let pieces = texts.reduce(0) { $0 + encoder.wordPieces($1).count + 2 }
        let cpuBefore = cpuSeconds()
        let elapsed = seconds { _ = encoder.encode(texts) }
        // CPU time shows the cost even when other processes share the cores; wall time is what a user waits.
        let cpu = cpuSeconds() - cpuBefore
        print(String(format: "embed: %d papers (%.0f word pieces each on average) in %.2f s: %.1f papers/s (%.1f per CPU-second); model loaded in %.2f s; %d cores; peak memory %.0f MB",
                     texts.count, Double(pieces) / Double(texts.count), elapsed, Double(texts.count) / elapsed, Double(texts.count) / cpu, load,
                     ProcessInfo.processInfo.activeProcessorCount, peakMemoryMB()) + "; OpenBLAS \(SentenceEncoder.blasKernel) kernels")
    } catch {
        FileHandle.standardError.write(Data("folio-bench: \(error)\n".utf8))
        exit(1)
    }
}

/// CPU time of this process so far, all threads.
private func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
