import ArgumentParser
import TapeCapture

/// Timeouts and TLS trust for talking to an upstream, shared by `proxy` and `record URL`.
struct UpstreamOptions: ParsableArguments {
    @Option(
        name: .long, help: ArgumentHelp("End a tape timeout_idle after this long without a byte (0 for never).", valueName: "duration"),
        transform: DurationText.argument)
    var idleTimeout: Double = 300

    @Option(
        name: .long, help: ArgumentHelp("End a tape timeout_total after this long in all (0 for never).", valueName: "duration"),
        transform: DurationText.argument)
    var totalTimeout: Double = 0

    @Option(name: .long, help: ArgumentHelp("Also trust the certificate authorities in this PEM file.", valueName: "path"))
    var caFile: String?

    @Flag(name: .long, help: "Accept any upstream certificate (a local test server only).")
    var insecure = false

    func validate() throws {
        if caFile != nil && insecure { throw ValidationError("--ca-file and --insecure exclude each other: pick one") }
    }

    var settings: UpstreamClient.Settings {
        var settings = UpstreamClient.Settings()
        settings.idleTimeout = idleTimeout > 0 ? .nanoseconds(Int64(idleTimeout * 1e9)) : nil
        settings.totalTimeout = totalTimeout > 0 ? .nanoseconds(Int64(totalTimeout * 1e9)) : nil
        if let caFile { settings.trust = .caFile(caFile) }
        if insecure { settings.trust = .insecure }
        return settings
    }
}
