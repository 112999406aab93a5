import SuanliSchema
#if canImport(Glibc)
import Glibc
#endif

/// A wall meter, PDU or BMC read through a shell command that prints watts (`--power-command`).
/// It measures the whole node, as MLPerf Power measures at the wall, and is attached to every
/// measurement. The meter samples it every `--power-interval` (100 ms by default).
public final class CommandSensor: PowerSensor, Sendable {
    public let command: String
    /// Longest a single reading may take.
    public let timeoutSeconds: Double
    public var id: String { "command" }
    public var name: String { command }
    public var source: String { "power-command" }
    public var scope: SensorScope { .wholeNode }

    public init(command: String, timeoutSeconds: Double = 5) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
    }

    public func read() throws -> SensorReading {
        let (status, output) = try runShell(command, timeoutSeconds: timeoutSeconds)
        guard status == 0 else {
            throw SensorError("power command '\(command)' exited with status \(status)")
        }
        guard let watts = Self.parseWatts(output) else {
            throw SensorError("power command '\(command)' printed '\(output.trimmed().prefix(60))', not a number of watts")
        }
        return SensorReading(watts: watts)
    }

    /// The first number in the output (`150`, `150.5 W`, `Power: 212 Watts`); nil when none, or
    /// when it is negative or not finite.
    public static func parseWatts(_ output: String) -> Double? {
        for token in output.split(whereSeparator: { $0.isWhitespace || $0 == ":" || $0 == "=" || $0 == "," }) {
            var text = Substring(token)
            while let last = text.last, last.isLetter { text.removeLast() }
            if let value = Double(text), value.isFinite { return value >= 0 ? value : nil }
        }
        return nil
    }
}

/// Runs `/bin/sh -c command`, returns its exit status and standard output; kills it after
/// `timeoutSeconds`.
func runShell(_ command: String, timeoutSeconds: Double) throws -> (status: Int32, output: String) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw SensorError("cannot create a pipe: errno \(errno)") }
    let (readEnd, writeEnd) = (fds[0], fds[1])
    // Neither end leaks into other children; dup2 onto 1 clears the flag for the shell's copy.
    _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
    _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    let arguments = ["/bin/sh", "-c", command]
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, &argv, environ)
    close(writeEnd)
    guard spawned == 0 else {
        close(readEnd)
        throw SensorError("cannot run /bin/sh: errno \(spawned)")
    }
    defer { close(readEnd) }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1024)
    let deadline = monotonicSeconds() + timeoutSeconds
    var timedOut = false
    while true {
        let left = deadline - monotonicSeconds()
        if left <= 0 { timedOut = true; break }
        var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(min(left, 1) * 1000) + 1)
        if ready < 0 && errno == EINTR { continue }
        if ready <= 0 { continue }
        let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        if output.count < 1 << 16 { output += buffer.prefix(n) }
    }
    if timedOut { kill(pid, SIGKILL) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if timedOut { throw SensorError("power command '\(command)' gave no answer within \(Int(timeoutSeconds)) s") }
    // WIFEXITED / WEXITSTATUS by hand (macros are not imported).
    let exited = status & 0x7F == 0
    return (exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F), String(decoding: output, as: UTF8.self))
}
