import Folio
import FolioServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Folio server")
struct ServerTests {
    /// A few paper ids of the sample pages, newest listings first.
    static func paperIDs(_ engine: Engine, count: Int = 20) throws -> [String] {
        try engine.papers(limit: count).map(\.id)
    }

    @Test func healthNeedsNoToken() async throws {
        let fixture = try Fixture(ingest: false)
        try await fixture.withApp { client, _ in
            let response = try await client.send(.get, "/healthz", token: nil)
            #expect(response.status == .ok)
            #expect(try response.object()["status"] as? String == "ok")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test func missingOrWrongTokenIs401() async throws {
        let fixture = try Fixture(ingest: false)
        try await fixture.withApp { client, _ in
            for token in [nil, "not-a-token", ""] as [String?] {
                let response = try await client.send(.get, "/v1/history", token: token)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(try response.error().code == "unauthorized")
            }
            // Another scheme, and the hash in place of the token, are no credentials either.
            var headers: HTTPFields = [.authorization: "Basic \(Fixture.annToken)"]
            #expect(try await client.execute(uri: "/v1/queue", method: .get, headers: headers).status == .unauthorized)
            headers[.authorization] = "Bearer \(UserDirectory.hash(token: Fixture.annToken))"
            #expect(try await client.execute(uri: "/v1/queue", method: .get, headers: headers).status == .unauthorized)
            // Admin routes ask for the token before anything else.
            let ingest = try await client.send(.post, "/v1/ingest", token: nil, json: #"{"path": "/etc/passwd"}"#)
            #expect(ingest.status == .unauthorized)
            // The scheme's name is case-insensitive.
            headers[.authorization] = "bearer \(Fixture.annToken)"
            #expect(try await client.execute(uri: "/v1/history", method: .get, headers: headers).status == .ok)
        }
    }

    @Test func ingestIsForAdminsOnly() async throws {
        let fixture = try Fixture(ingest: false)
        try await fixture.withApp { client, engine in
            for token in [Fixture.annToken, Fixture.bobToken] {
                let response = try await client.send(.post, "/v1/ingest", token: token, body: ["path": Fixture.samplePages[0]])
                #expect(response.status == .forbidden)
                #expect(try response.error().code == "forbidden")
            }
            #expect(try engine.statistics().papers == 0)
        }
    }

    @Test func adminIngestsAPathAndUploadedContent() async throws {
        let fixture = try Fixture(ingest: false)
        try await fixture.withApp { client, engine in
            // A file on the server's machine.
            let byPath = try await client.send(.post, "/v1/ingest", token: Fixture.adminToken,
                                               body: ["path": Fixture.samplePages[0], "listing_date": "2025-09-10"])
            #expect(byPath.status == .ok, "\(byPath.text)")
            let reports = try #require(try byPath.object()["reports"] as? [[String: Any]])
            #expect(reports.count == 1)
            #expect(reports[0]["format"] as? String == "daily")
            let added = try #require(reports[0]["added"] as? Int)
            #expect(added > 0)
            #expect(try engine.statistics().papers == added)

            // The listing itself, as JSON Lines: an old-style arXiv id holds a slash.
            let lines = [
                #"{"id": "math/0601001", "title": "On the zeros of a slashed identifier", "abstract": "A paper whose id has a slash.", "published": "2006-01-01"}"#,
                #"{"id": "2509.00001", "title": "Uploaded listings for servers", "abstract": "Ingesting through HTTP.", "published": "2025-09-01"}"#,
            ]
            let upload = try await client.send(.post, "/v1/ingest", token: Fixture.adminToken,
                                               body: ["content": lines.joined(separator: "\n") + "\n", "format": "jsonl"])
            #expect(upload.status == .ok, "\(upload.text)")
            let uploaded = try #require(try upload.object()["reports"] as? [[String: Any]])
            #expect(uploaded.first?["added"] as? Int == 2)
            #expect(uploaded.first?["file"] as? String == "(content)")

            // The slashed id, percent-encoded or not.
            for uri in ["/v1/papers/math%2F0601001", "/v1/papers/math/0601001"] {
                let response = try await client.send(.get, uri, token: Fixture.annToken)
                #expect(response.status == .ok, "\(uri): \(response.text)")
                let paper = try response.decode(Paper.self)
                #expect(paper.id == "math/0601001")
                #expect(paper.title == "On the zeros of a slashed identifier")
            }

            // Malformed content: 400 naming the line, and nothing stored.
            let bad = try await client.send(.post, "/v1/ingest", token: Fixture.adminToken,
                                            body: ["content": #"{"id": "x1", "title": "fine"}"# + "\nnot json\n", "format": "jsonl"])
            #expect(bad.status == .badRequest)
            let error = try bad.error()
            #expect(error.code == "invalid_input")
            #expect(error.message.contains("line 2"))
            #expect(!error.message.contains("folio-server-"), "the temporary file's name leaked: \(error.message)")
            #expect(try engine.statistics().papers == added + 2)

            // Neither or both of path and content, a relative path, a missing file, an unknown format.
            let cases: [([String: String], String)] = [
                ([:], "invalid_argument"),
                (["path": "/x", "content": "y"], "invalid_argument"),
                (["path": "data/000.txt"], "invalid_path"),
                (["path": "/nonexistent/folio/page.txt"], "invalid_input"),
                (["content": "x", "format": "pdf"], "invalid_format"),
            ]
            for (body, code) in cases {
                let response = try await client.send(.post, "/v1/ingest", token: Fixture.adminToken, body: body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(try response.error().code == code, "\(body): \(response.text)")
            }
        }
    }

    @Test func queueForADate() async throws {
        let fixture = try Fixture()
        try await fixture.withApp { client, _ in
            let response = try await client.send(.get, "/v1/queue?date=2025-09-10", token: Fixture.annToken)
            #expect(response.status == .ok, "\(response.text)")
            let queue = try response.object()
            #expect(queue["date"] as? String == "2025-09-10")
            #expect(queue["user"] as? String == "ann")
            let items = try #require(queue["items"] as? [[String: Any]])
            #expect(!items.isEmpty)
            for item in items {
                #expect(item["id"] is String)
                #expect(item["title"] is String)
                #expect(item["kind"] as? String == "new")
                #expect(item["score"] is Double)
                #expect((item["reasons"] as? [String])?.isEmpty == false)
            }
            // The queue of a day is stored: asked again, the same items; `limit` crops it.
            let again = try await client.send(.get, "/v1/queue?date=2025-09-10", token: Fixture.annToken).decode(DailyQueue.self)
            #expect(again.items.map(\.id) == items.compactMap { $0["id"] as? String })
            let limited = try await client.send(.get, "/v1/queue?date=2025-09-10&limit=3&refresh=true", token: Fixture.annToken)
            #expect(try limited.decode(DailyQueue.self).items.count == 3)
            // Without a date: today by the server's clock.
            #expect(try await client.send(.get, "/v1/queue", token: Fixture.annToken).decode(DailyQueue.self).date.description == Fixture.today)
            // Bad parameters.
            for uri in ["/v1/queue?date=2025-13-01", "/v1/queue?date=yesterday", "/v1/queue?limit=0", "/v1/queue?limit=ten", "/v1/queue?refresh=maybe"] {
                let bad = try await client.send(.get, uri, token: Fixture.annToken)
                #expect(bad.status == .badRequest, "\(uri)")
                #expect(try ["invalid_date", "invalid_parameter"].contains(bad.error().code))
            }
        }
    }

    @Test func feedbackShowsInHistory() async throws {
        let fixture = try Fixture()
        try await fixture.withApp { client, engine in
            let paper = try Self.paperIDs(engine)[0]
            let response = try await client.send(.post, "/v1/feedback", token: Fixture.annToken, body: Feedback(paper: paper, action: "like"))
            #expect(response.status == .ok, "\(response.text)")
            let answer = try response.decode(FeedbackAnswer.self)
            #expect(answer.events.count == 1)
            #expect(answer.events[0] == Event(user: "ann", paperID: paper, action: .like, time: Fixture.now))
            #expect(answer.card == nil)

            let history = try await client.send(.get, "/v1/history", token: Fixture.annToken).decode(History.self)
            #expect(history.user == "ann")
            #expect(history.events == answer.events)

            // Every action of the list; an unknown one is refused.
            for action in ["dislike", "skip", "read", "unstar", "dismiss"] {
                let other = try await client.send(.post, "/v1/feedback", token: Fixture.annToken, body: Feedback(paper: paper, action: action))
                #expect(other.status == .ok, "\(action): \(other.text)")
            }
            #expect(try await client.send(.get, "/v1/history?limit=3", token: Fixture.annToken).decode(History.self).events.count == 3)
            #expect(try await client.send(.get, "/v1/history", token: Fixture.annToken).decode(History.self).events.map(\.action.rawValue).sorted()
                == ["dislike", "dismiss", "like", "read", "skip", "unstar"])
            let unknown = try await client.send(.post, "/v1/feedback", token: Fixture.annToken, body: Feedback(paper: paper, action: "love"))
            #expect(unknown.status == .badRequest)
            #expect(try unknown.error().code == "invalid_action")
            // `review` is an action of the log, but it goes through /v1/reviews.
            let review = try await client.send(.post, "/v1/feedback", token: Fixture.annToken, body: Feedback(paper: paper, action: "review"))
            #expect(review.status == .badRequest)
        }
    }

    @Test func starThenReview() async throws {
        let fixture = try Fixture()
        try await fixture.withApp { client, engine in
            let paper = try Self.paperIDs(engine)[1]
            let star = try await client.send(.post, "/v1/feedback", token: Fixture.bobToken, json: #"{"paper": "\#(paper)", "action": "star"}"#)
            #expect(star.status == .ok, "\(star.text)")
            let starred = try star.decode(FeedbackAnswer.self)
            #expect(starred.events.map(\.action) == [.star])
            #expect(starred.events[0].value == "good")
            let card = try #require(starred.card)
            #expect(card.paperID == paper)
            #expect(card.state == .review)
            #expect(card.reps == 1)
            #expect(card.due > Day(Fixture.now))

            let review = try await client.send(.post, "/v1/reviews", token: Fixture.bobToken, json: #"{"paper": "\#(paper)", "grade": "easy"}"#)
            #expect(review.status == .ok, "\(review.text)")
            let reviewed = try review.decode(ScheduleCard.self)
            #expect(reviewed.paperID == paper)
            #expect(reviewed.reps == 2)
            #expect(reviewed == (try engine.schedule(of: paper, user: "bob")))

            let history = try await client.send(.get, "/v1/history", token: Fixture.bobToken).decode(History.self)
            #expect(history.events.map(\.action.rawValue) == ["review", "star"])
            #expect(history.events[0].value == "easy")

            // A star with a grade and a priority; a bad grade.
            let other = try Self.paperIDs(engine)[2]
            let graded = try await client.send(.post, "/v1/feedback", token: Fixture.bobToken,
                                               json: #"{"paper": "\#(other)", "action": "star", "grade": "hard", "priority": "high"}"#)
            #expect(graded.status == .ok, "\(graded.text)")
            #expect(try graded.decode(FeedbackAnswer.self).card?.priority == .high)
            let badGrade = try await client.send(.post, "/v1/reviews", token: Fixture.bobToken, json: #"{"paper": "\#(paper)", "grade": "perfect"}"#)
            #expect(badGrade.status == .badRequest)
            #expect(try badGrade.error().code == "invalid_grade")
        }
    }

    @Test func reviewOfAnUnstarredPaperIs400() async throws {
        let fixture = try Fixture()
        try await fixture.withApp { client, engine in
            let paper = try Self.paperIDs(engine)[0]
            let response = try await client.send(.post, "/v1/reviews", token: Fixture.annToken, json: #"{"paper": "\#(paper)", "grade": "good"}"#)
            #expect(response.status == .badRequest)
            let error = try response.error()
            #expect(error.code == "invalid_argument")
            #expect(error.message.contains("not starred"))
            #expect(try engine.history(user: "ann").isEmpty)
        }
    }

    @Test func unknownPapersAre404() async throws {
        let fixture = try Fixture()
        try await fixture.withApp { client, _ in
            let paper = try await client.send(.get, "/v1/papers/9999.99999", token: Fixture.annToken)
            #expect(paper.status == .notFound)
            #expect(try paper.error().code == "unknown_paper")
            let feedback = try await client.send(.post, "/v1/feedback", token: Fixture.annToken, body: Feedback(paper: "9999.99999", action: "like"))
            #expect(feedback.status == .notFound)
            #expect(try feedback.error().code == "unknown_paper")
            let review = try await client.send(.post, "/v1/reviews", token: Fixture.annToken, json: #"{"paper": "nope", "grade": "good"}"#)
            #expect(review.status == .notFound)
            // An unknown route is a 404 with the same error body.
            let route = try await client.send(.get, "/v1/nothing-here", token: Fixture.annToken)
            #expect(route.status == .notFound)
            #expect(try route.error().code == "not_found")
        }
    }

    @Test func paperAndSearch() async throws {
        let fixture = try Fixture()
        try await fixture.withApp { client, engine in
            let id = try Self.paperIDs(engine)[0]
            let paper = try await client.send(.get, "/v1/papers/\(id)", token: Fixture.annToken).decode(Paper.self)
            #expect(paper == (try engine.paper(id)))

            let search = try await client.send(.get, "/v1/search?q=instruction+tuning&limit=5", token: Fixture.annToken)
            #expect(search.status == .ok, "\(search.text)")
            let object = try search.object()
            #expect(object["query"] as? String == "instruction tuning")
            let items = try #require(object["items"] as? [[String: Any]])
            #expect((1 ... 5).contains(items.count))
            struct SearchAnswer: Decodable {
                var query: String
                var items: [RankedPaper]
            }
            let ranked = try search.decode(SearchAnswer.self).items
            #expect(ranked.map(\.id) == (try engine.search("instruction tuning", limit: 5)).map(\.id))

            let empty = try await client.send(.get, "/v1/search?q=+", token: Fixture.annToken)
            #expect(empty.status == .badRequest)
            #expect(try empty.error().code == "missing_parameter")
        }
    }

    @Test func malformedBodiesAre400WithAJSONError() async throws {
        let fixture = try Fixture()
        try await fixture.withApp { client, engine in
            let paper = try Self.paperIDs(engine)[0]
            let bodies: [(String, String, String)] = [
                ("/v1/feedback", #"{"paper": "\#(paper)", "action": "like""#, "invalid_json"),
                ("/v1/feedback", "not json at all", "invalid_json"),
                ("/v1/feedback", #"{"paper": 42, "action": "like"}"#, "invalid_json"),
                ("/v1/feedback", #"{"action": "like"}"#, "invalid_json"),
                ("/v1/feedback", #"[1, 2, 3]"#, "invalid_json"),
                ("/v1/feedback", "", "missing_body"),
                ("/v1/feedback", #"{"paper": "", "action": "like"}"#, "invalid_paper_id"),
                ("/v1/reviews", #"{"paper": "\#(paper)"}"#, "invalid_json"),
                ("/v1/reviews", #"{"paper": "\#(paper)", "grade": 3}"#, "invalid_json"),
            ]
            for (uri, body, code) in bodies {
                let response = try await client.send(.post, uri, token: Fixture.annToken, json: body)
                #expect(response.status == .badRequest, "\(uri) \(body)")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let error = try response.error()
                #expect(error.code == code, "\(uri) \(body): \(error)")
                #expect(!error.message.isEmpty)
            }
            let missing = try await client.send(.post, "/v1/feedback", token: Fixture.annToken, json: #"{"action": "like"}"#)
            #expect(try missing.error().message.contains("\"paper\" is missing"))
            #expect(try engine.history(user: "ann").isEmpty)
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        let fixture = try Fixture(ingest: false)
        try await fixture.withApp { client, engine in
            let padding = String(repeating: "x", count: 1 << 20)
            let response = try await client.send(.post, "/v1/feedback", token: Fixture.annToken, body: Feedback(paper: padding, action: "like"))
            #expect(response.status == .contentTooLarge)
            #expect(try response.error().code == "payload_too_large")

            // Ingest takes more: a listing of about 1.5 MiB goes through.
            let abstract = String(repeating: "long abstract words about kv caches and attention ", count: 20)
            let lines = (0 ..< 1500).map { #"{"id": "2509.\#(String(10000 + $0))", "title": "Paper number \#($0)", "abstract": "\#(abstract)", "published": "2025-09-01"}"# }
            let content = lines.joined(separator: "\n")
            #expect(content.utf8.count > 1 << 20)
            let ingest = try await client.send(.post, "/v1/ingest", token: Fixture.adminToken, body: ["content": content, "format": "jsonl"])
            #expect(ingest.status == .ok, "\(ingest.text.prefix(300))")
            #expect(try engine.statistics().papers == 1500)
        }
        // And has a limit of its own.
        try await fixture.withApp(configuration: Fixture.configuration(maxIngestBodySize: 4096)) { client, _ in
            let content = String(repeating: "y", count: 5000)
            let ingest = try await client.send(.post, "/v1/ingest", token: Fixture.adminToken, body: ["content": content])
            #expect(ingest.status == .contentTooLarge)
            #expect(try ingest.error().code == "payload_too_large")
        }
    }

    @Test func usersAreIsolated() async throws {
        let fixture = try Fixture()
        try await fixture.withApp { client, engine in
            let papers = try Self.paperIDs(engine)
            for (paper, action) in [(papers[0], "like"), (papers[1], "dislike"), (papers[2], "star")] {
                let response = try await client.send(.post, "/v1/feedback", token: Fixture.annToken, body: Feedback(paper: paper, action: action))
                #expect(response.status == .ok)
            }
            let bob = try await client.send(.get, "/v1/history", token: Fixture.bobToken).decode(History.self)
            #expect(bob.user == "bob")
            #expect(bob.events.isEmpty)

            // No parameter names another user: refused, and nothing of ann's in the answer.
            for uri in ["/v1/history?user=ann", "/v1/queue?user=ann&date=2025-09-10", "/v1/digest?user=ann"] {
                let response = try await client.send(.get, uri, token: Fixture.bobToken)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(try response.error().code == "user_parameter")
                #expect(!response.text.contains(papers[0]))
            }
            let posing = try await client.send(.post, "/v1/feedback", token: Fixture.bobToken,
                                               json: #"{"paper": "\#(papers[3])", "action": "like", "user": "ann"}"#)
            #expect(posing.status == .badRequest)
            #expect(try engine.history(user: "ann").count == 3)
            #expect(try engine.history(user: "bob").isEmpty)

            // Queues are per user too: ann's shows her reactions, bob's is his own.
            let annQueue = try await client.send(.get, "/v1/queue?date=2025-09-10", token: Fixture.annToken).decode(DailyQueue.self)
            let bobQueue = try await client.send(.get, "/v1/queue?date=2025-09-10", token: Fixture.bobToken).decode(DailyQueue.self)
            #expect(annQueue.user == "ann")
            #expect(bobQueue.user == "bob")
            #expect(bobQueue.items.allSatisfy { $0.feedback == nil })
            #expect(!annQueue.items.contains { $0.id == papers[1] }, "a disliked paper came back")
            // Bob cannot review ann's starred paper: it is not starred for him.
            let review = try await client.send(.post, "/v1/reviews", token: Fixture.bobToken, json: #"{"paper": "\#(papers[2])", "grade": "good"}"#)
            #expect(review.status == .badRequest)
        }
    }

    @Test func concurrentRequestsFromSeveralUsers() async throws {
        let fixture = try Fixture()
        try await fixture.withApp { client, engine in
            let papers = try Self.paperIDs(engine, count: 30)
            let tokens = ["ann": Fixture.annToken, "bob": Fixture.bobToken, "admin": Fixture.adminToken]
            let names = ["ann", "bob", "admin"]
            let actions = ["like", "dislike", "skip", "read"]
            // 50 feedback posts and 10 queue reads, all at once.
            let plan = (0 ..< 50).map { index in (user: names[index % 3], paper: papers[index % papers.count], action: actions[index % actions.count]) }
            let statuses = try await withThrowingTaskGroup(of: (Int, HTTPResponse.Status).self) { group in
                for (index, step) in plan.enumerated() {
                    group.addTask {
                        let response = try await client.send(.post, "/v1/feedback", token: tokens[step.user], body: Feedback(paper: step.paper, action: step.action))
                        return (index, response.status)
                    }
                }
                for index in 0 ..< 10 {
                    group.addTask {
                        let response = try await client.send(.get, "/v1/queue?date=2025-09-10", token: tokens[names[index % 3]])
                        return (50 + index, response.status)
                    }
                }
                var statuses: [Int: HTTPResponse.Status] = [:]
                for try await (index, status) in group { statuses[index] = status }
                return statuses
            }
            #expect(statuses.count == 60)
            #expect(statuses.values.allSatisfy { $0 == .ok }, "\(statuses.filter { $0.value != .ok })")

            for name in names {
                let history = try await client.send(.get, "/v1/history?limit=1000", token: tokens[name]).decode(History.self)
                let sent = plan.filter { $0.user == name }.map { "\($0.paper) \($0.action)" }.sorted()
                let stored = history.events.map { "\($0.paperID) \($0.action.rawValue)" }.sorted()
                #expect(history.events.allSatisfy { $0.user == name })
                #expect(stored == sent, "\(name)")
            }
        }
    }

    @Test func restartKeepsEverything() async throws {
        let fixture = try Fixture()
        let papers = try await fixture.withApp { client, engine in
            let papers = try Self.paperIDs(engine)
            _ = try await client.send(.post, "/v1/feedback", token: Fixture.annToken, body: Feedback(paper: papers[0], action: "like"))
            _ = try await client.send(.post, "/v1/feedback", token: Fixture.annToken, body: Feedback(paper: papers[1], action: "star"))
            let queue = try await client.send(.get, "/v1/queue?date=2025-09-10", token: Fixture.annToken)
            #expect(queue.status == .ok)

            // After the engine is closed the server answers 503, not a crash.
            engine.close()
            let closed = try await client.send(.get, "/v1/history", token: Fixture.annToken)
            #expect(closed.status == .serviceUnavailable)
            #expect(try closed.error().code == "store_closed")
            return (papers: papers, queue: try queue.decode(DailyQueue.self))
        }

        // A new engine on the same path and a new application: all of it is still there.
        try await fixture.withApp { client, _ in
            let history = try await client.send(.get, "/v1/history", token: Fixture.annToken).decode(History.self)
            #expect(history.events.map { "\($0.paperID) \($0.action.rawValue)" } == ["\(papers.papers[1]) star", "\(papers.papers[0]) like"])
            let queue = try await client.send(.get, "/v1/queue?date=2025-09-10", token: Fixture.annToken).decode(DailyQueue.self)
            #expect(queue.items.map(\.id) == papers.queue.items.map(\.id))
            #expect(queue.items.first { $0.id == papers.papers[0] }.map { $0.feedback == "like" } ?? true)
            let review = try await client.send(.post, "/v1/reviews", token: Fixture.annToken, json: #"{"paper": "\#(papers.papers[1])", "grade": "good"}"#)
            #expect(review.status == .ok, "\(review.text)")
            let paper = try await client.send(.get, "/v1/papers/\(papers.papers[0])", token: Fixture.bobToken)
            #expect(paper.status == .ok)
        }
    }

    @Test func digestAsMarkdownAndHTML() async throws {
        let fixture = try Fixture()
        try await fixture.withApp { client, _ in
            let markdown = try await client.send(.get, "/v1/digest?date=2025-09-10", token: Fixture.annToken)
            #expect(markdown.status == .ok, "\(markdown.text)")
            #expect(markdown.headers[.contentType] == "text/markdown; charset=utf-8")
            #expect(markdown.text.hasPrefix("# Folio digest for ann, 2025-09-10"))
            #expect(markdown.text.contains("## New for you"))

            let html = try await client.send(.get, "/v1/digest?date=2025-09-10&days=7&format=html", token: Fixture.bobToken)
            #expect(html.status == .ok, "\(html.text)")
            #expect(html.headers[.contentType] == "text/html; charset=utf-8")
            #expect(html.text.hasPrefix("<!DOCTYPE html>"))
            #expect(html.text.contains("Folio digest for bob"))

            for uri in ["/v1/digest?format=pdf", "/v1/digest?days=0", "/v1/digest?days=32"] {
                let bad = try await client.send(.get, uri, token: Fixture.annToken)
                #expect(bad.status == .badRequest, "\(uri)")
            }
        }
    }

    @Test func usersFileIsChecked() throws {
        let hash = UserDirectory.hash(token: "t")
        #expect(hash.count == 64)
        #expect(hash == "e3b98a4da31a127d4bde6e43033f66ba274cab0eb7eb1c70ec41402bf6273dd8")
        let directory = try UserDirectory(data: Data(#"{"users": [{"name": "ann", "token_sha256": "\#(hash.uppercased())"}]}"#.utf8))
        #expect(directory.authenticate(token: "t") == UserDirectory.User(name: "ann", isAdmin: false))
        #expect(directory.authenticate(token: "T") == nil)
        #expect(directory.authenticate(token: hash) == nil)

        let bad: [(String, String)] = [
            (#"{"users": [{"name": "ann", "token": "t"}]}"#, "token_sha256"),
            (#"{"users": [{"name": "ann", "token_sha256": "abc"}]}"#, "64 hex"),
            (#"{"users": [{"name": "a b", "token_sha256": "\#(hash)"}]}"#, "user names"),
            (#"{"users": [{"name": "ann", "token_sha256": "\#(hash)"}, {"name": "bob", "token_sha256": "\#(hash)"}]}"#, "same token"),
            (#"{"people": []}"#, "expected"),
        ]
        for (text, expected) in bad {
            #expect(throws: UserDirectory.ConfigurationError.self, "\(text)") { try UserDirectory(data: Data(text.utf8)) }
            do {
                _ = try UserDirectory(data: Data(text.utf8))
            } catch {
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
    }
}
