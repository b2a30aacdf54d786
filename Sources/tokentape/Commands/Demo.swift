import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import TapeAnalysis
import TapeCapture
import TapeCore
import TapeReplay
import TapeServer
import TapeStore

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The whole loop with no network and no key: record through the proxy, analyse, replay.",
        discussion: """
            A made-up provider starts in this process (the same server as `tokentape serve`, \
            playing tapes from `tokentape simulate`) with four timing profiles: fast, a slow first \
            token, a stall, and an answer cut off early. The recording proxy sits in front of it, \
            exactly as `tokentape proxy` would in front of a real API; a batch of streaming requests \
            goes through the proxy and every stream is recorded. Then the stats and drop-off of \
            what was recorded, and the stalled tape replayed at its original timing. About 15 s; \
            the tapes are tagged `demo` and their profile.
            """)

    @OptionGroup var store: StoreOptions

    /// A timing profile of the made-up provider.
    struct Profile {
        var name: String
        var provider: Provider
        var timing: SyntheticTape.Timing

        static let all: [Profile] = {
            var fast = SyntheticTape.Timing()
            (fast.ttft, fast.icl, fast.jitter) = (250_000_000, 20_000_000, 8_000_000)
            var slow = SyntheticTape.Timing()
            (slow.ttft, slow.icl, slow.jitter) = (1_800_000_000, 25_000_000, 8_000_000)
            var stall = SyntheticTape.Timing()
            (stall.ttft, stall.icl, stall.jitter) = (300_000_000, 25_000_000, 8_000_000)
            stall.stalls = [.init(chunk: 20, ns: 1_500_000_000)]
            var cut = SyntheticTape.Timing()
            (cut.ttft, cut.icl, cut.jitter) = (300_000_000, 25_000_000, 8_000_000)
            cut.abortAfter = 25
            return [
                Profile(name: "fast", provider: .openaiChat, timing: fast),
                Profile(name: "slow-start", provider: .openaiChat, timing: slow),
                Profile(name: "stall", provider: .anthropic, timing: stall),
                Profile(name: "cut-off", provider: .anthropic, timing: cut),
            ]
        }()
    }

    static let requestsPerProfile = 3

    func run() throws {
        let store = try self.store.open()
        let path = self.store.path
        // The made-up provider's tapes, in memory: `serve` plays them, nothing of them is stored.
        var upstreamTapes: [(profile: Profile, tape: Tape)] = []
        for (p, profile) in Profile.all.enumerated() {
            for k in 0..<Self.requestsPerProfile {
                let tape = SyntheticTape.make(provider: profile.provider, timing: profile.timing, seed: UInt64(100 * p + k + 1))
                upstreamTapes.append((profile, tape))
            }
        }
        let byUID = Dictionary(uniqueKeysWithValues: upstreamTapes.map { ($0.tape.metadata.uid, $0.tape) })
        let library = TapeLibrary(upstreamTapes.map(\.tape.metadata)) { metadata in byUID[metadata.uid]! }
        var serveConfiguration = ReplayServer.Configuration()
        serveConfiguration.port = 0
        serveConfiguration.logLevel = .critical
        let upstream = ReplayServer(library: library, configuration: serveConfiguration)
        let recorder = Recorder(store: store)

        let requests = upstreamTapes
        print(Terminal.bold("▶ Starting a made-up provider (4 timing profiles) and the recording proxy in front of it"))
        let recorded = try AsyncWork<[String]>.wait {
            try await withThrowingTaskGroup(of: Void.self) { servers in
                let upstreamPort = try await Self.start(&servers) { ready in try await upstream.run(onListening: ready) }
                var proxyConfiguration = RecordingProxy.Configuration(upstream: URL(string: "http://127.0.0.1:\(upstreamPort)")!)
                proxyConfiguration.port = 0
                proxyConfiguration.tags = ["demo"]
                let proxy = RecordingProxy(configuration: proxyConfiguration, recorder: recorder)
                let finished = Finished()
                // The proxy in a group of its own, so it stops (closing its connections to the
                // provider) before the provider does: a provider stopped with clients on it complains.
                try await withThrowingTaskGroup(of: Void.self) { proxies in
                    let proxyPort = try await Self.start(&proxies) { ready in
                        try await proxy.run(onListening: ready) { tape in
                            finished.add(tape.uid)
                            print("  " + Proxy.logLine(tape))
                        }
                    }
                    print("  provider http://127.0.0.1:\(upstreamPort)  ←  proxy http://127.0.0.1:\(proxyPort), recording into \(path)")
                    print(Terminal.bold("\n▶ Sending \(requests.count) streaming requests through the proxy, 4 at a time (about 10 s)"))
                    try await Self.send(requests, proxyPort: proxyPort)
                    proxies.cancelAll()
                }
                servers.cancelAll()
                return finished.uids
            }
        }
        try recorder.close()

        let (all, groups) = try Stats.collect(store, TapeFilter(references: recorded.map { .uid($0) }), by: [.tag], settings: .standard, quiet: true)
        print(Terminal.bold("\n▶ What was recorded: \(all.tapes) tapes"))
        print(StatsText.render(all))
        print("\nBy profile")
        print(StatsText.groupTable(groups.filter { $0.key != [.tag: "demo"] }, dimensions: [.tag]))

        let stalled = try store.tapes(TapeFilter(references: recorded.map { .uid($0) }, tags: ["stall"])).first
        if let number = stalled?.number {
            print(Terminal.bold("\n▶ Replaying tape \(number) (a 1.5 s stall) at its original timing"))
            let replay = try Replay.parse(["\(number)", "--db", path])
            try replay.run()
        }
        let first = recorded.isEmpty ? 1 : try store.metadata(.uid(recorded[0])).number ?? 1
        print("""

            Saved in \(path). Try next:
              tokentape stats --by tag                              latency and drop-off by profile
              \("tokentape show \(first) --metrics".padding(toLength: 54, withPad: " ", startingAt: 0))one tape's timeline
              tokentape check --tag demo --ttft-p95 1s              a CI gate (exit 1 when it fails)
              tokentape serve --tag demo                            replay them as the provider, for an SDK or a UI
              tokentape replay last --speed 2 --max-gap 300ms       in the terminal, faster, gaps capped
              tokentape proxy --upstream https://api.openai.com     record your own application's streams
              tokentape record --openai gpt-4o-mini "Hi"            or make one request (key from OPENAI_API_KEY)
            """)
    }

    /// Starts a server in the group; returns once it listens, with its port.
    static func start(
        _ group: inout ThrowingTaskGroup<Void, any Error>, _ run: @escaping @Sendable (@escaping @Sendable (Int) -> Void) async throws -> Void
    ) async throws -> Int {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        group.addTask { try await run { continuation.yield($0) } }
        for await port in ports { return port }
        throw ValidationError("a demo server stopped before it listened")
    }

    /// The requests, four at a time, each naming the upstream tape that answers it.
    static func send(_ tapes: [(profile: Profile, tape: Tape)], proxyPort: Int) async throws {
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, (profile, tape)) in tapes.enumerated() {
                    if i >= 4 { try await group.next() }
                    group.addTask {
                        let path = profile.provider == .anthropic ? "/v1/messages" : "/v1/chat/completions"
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(proxyPort)\(path)")
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.headers.add(name: "X-Tokentape-Tape", value: tape.metadata.uid)
                        request.headers.add(name: "X-Tokentape-Tag", value: profile.name)
                        request.body = .bytes(ByteBuffer(string: #"{"model":"\#(tape.metadata.model ?? "m")","stream":true,"messages":[{"role":"user","content":"Tell me about tokentape."}]}"#))
                        let response = try await client.execute(request, timeout: .seconds(60))
                        for try await _ in response.body {}
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// The ids of the tapes the proxy finished, in order.
    final class Finished: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ uid: String) { lock.withLock { list.append(uid) } }
        var uids: [String] { lock.withLock { list } }
    }
}
