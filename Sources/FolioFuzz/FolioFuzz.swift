// Fuzz targets for every parser and record decoder.
//
// Fuzzing with libFuzzer, for a bounded time (see README, "Fuzzing"):
//   ASAN_OPTIONS=detect_leaks=0 swift build -c release --scratch-path .build-fuzz --product folio-fuzz \
//     -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld
//   .build-fuzz/release/folio-fuzz -max_total_time=60 -max_len=65536 WORKDIR Fuzz/corpus
// Replaying inputs (the corpus, crashes found) in an ordinary build, as the tests do:
//   swift run folio-fuzz Fuzz/corpus/*
import Folio
import Foundation

let scratch = FileManager.default.temporaryDirectory.path

func fuzzOne(_ bytes: [UInt8]) {
    _ = FuzzEntryPoints.parseListings(bytes, directory: scratch)
    _ = FuzzEntryPoints.decodeRecords(bytes)
}

#if FUZZING
/// libFuzzer's own driver, which its `main` would call; SwiftPM gives executables a `main` of their own.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

@main
struct FolioFuzz {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in
            fuzzOne(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
        #else
        var paths: [String] = []
        for argument in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
                paths += names.sorted().map { "\(argument)/\($0)" }
            } else {
                paths.append(argument)
            }
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("folio-fuzz: cannot read \(path)\n".utf8))
                exit(1)
            }
            fuzzOne([UInt8](data))
        }
        print("replayed \(paths.count) inputs without a crash")
        #endif
    }
}
