import Hummingbird
import NIOCore

/// The request context of the replay server: the basics, plus the event loop
/// of the request's connection, which paces its response body.
public struct ReplayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's event loop: timers and writes there need no thread hop.
    public let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        eventLoop = source.channel.eventLoop
    }
}
