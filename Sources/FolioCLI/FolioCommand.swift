import ArgumentParser
import Folio
import Foundation

/// Every command names itself in its configuration: a name left to ArgumentParser is derived from the
/// type's name at run time, and finding the one to run would derive all of them on every start.
@main
struct FolioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio",
        abstract: "A research-paper reading queue that learns your taste and brings starred papers back.",
        discussion: """
        Every command takes --db PATH (default $FOLIO_DB, else $XDG_DATA_HOME/folio, else ~/.local/share/folio), \
        --user NAME (default $FOLIO_USER, else "default") and --now ISO-8601 (default $FOLIO_NOW, else the clock).
        """,
        subcommands: [
            Today.self, RecordFeedback<LikeFeedback>.self, RecordFeedback<DislikeFeedback>.self, RecordFeedback<SkipFeedback>.self,
            RecordFeedback<ReadFeedback>.self, Star.self, RecordFeedback<UnstarFeedback>.self, RecordFeedback<DismissFeedback>.self,
            Review.self, Due.self, Vacation.self, DigestCommand.self, History.self, Interests.self, Recommend.self, Similar.self, Search.self,
            Ingest.self, Show.self, List.self, Stats.self, Export.self, Import.self, Doctor.self, Repair.self, Compact.self, ModelCommand.self, Embed.self,
        ]
    )

    /// Runs the command; Folio's own errors print as one plain line on stderr with exit status 1.
    static func main() {
        do {
            var command = try parseAsRoot(GlobalOptions.movedAfterSubcommand(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let error as FolioError {
            fail(error.description)
        } catch let error as StoreError {
            fail(error.description)
        } catch {
            exit(withError: error)
        }
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("folio: error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
