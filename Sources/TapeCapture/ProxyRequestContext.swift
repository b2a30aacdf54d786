import Hummingbird
import NIOCore

/// The request context of the recording proxy: the basics, plus the client's
/// connection, whose closing stops the upstream request at once.
public struct ProxyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
