import Foundation
import PackagePlugin

/// Embeds top-level data folders into a target as Swift string literals, so the
/// `suanli` binary runs from any directory and as a single file on another machine.
///
/// - `SuanliCore` gets `Kernels/*.cl` and `Kernels/*.json` (OpenCL C sources and tuning
///   configurations) as `EmbeddedKernels`.
/// - `SuanliSizing` gets `Catalog/*.json` (the accelerator and model catalogs) as `EmbeddedCatalog`.
@main
struct EmbedResourcesPlugin: BuildToolPlugin {
    /// Which top-level folder, file extension and Swift type each target receives.
    static let embeddings: [String: (folder: String, fileExtensions: [String], typeName: String)] = [
        "SuanliCore": ("Kernels", ["cl", "json"], "EmbeddedKernels"),
        "SuanliSizing": ("Catalog", ["json"], "EmbeddedCatalog"),
    ]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let spec = Self.embeddings[target.name] else { return [] }
        let folder = context.package.directoryURL.appending(path: spec.folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let inputs = names.filter { name in spec.fileExtensions.contains { name.hasSuffix("." + $0) } }.sorted()
            .map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "\(spec.typeName).swift")
        // The commit the binary is built from, recorded in result files (SuanliCore only).
        var constants: [String] = []
        var gitInputs: [URL] = []
        if target.name == "SuanliCore" {
            let git = Self.gitCommit(packageDirectory: context.package.directoryURL)
            constants = ["--constant", "gitCommit=\(git?.commit ?? "unknown")"]
            gitInputs = git?.inputs ?? []
        }
        return [
            .buildCommand(
                displayName: "Embedding \(spec.folder) into \(target.name)",
                executable: try context.tool(named: "EmbedResourcesTool").url,
                arguments: [spec.typeName, output.path] + constants + inputs.map(\.path),
                inputFiles: inputs + gitInputs,
                outputFiles: [output]
            )
        ]
    }

    /// Reads HEAD without running git: `.git/HEAD`, then the ref it names (loose or packed).
    /// Follows a worktree's `.git` file. Returns nil outside a git checkout.
    static func gitCommit(packageDirectory: URL) -> (commit: String, inputs: [URL])? {
        let fm = FileManager.default
        var gitDir = packageDirectory.appending(path: ".git")
        if let text = try? String(contentsOf: gitDir, encoding: .utf8), text.hasPrefix("gitdir:") {
            let path = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespacesAndNewlines)
            gitDir = path.hasPrefix("/") ? URL(fileURLWithPath: path) : packageDirectory.appending(path: path)
        }
        let headURL = gitDir.appending(path: "HEAD")
        guard let head = try? String(contentsOf: headURL, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else {
            return nil
        }
        guard head.hasPrefix("ref:") else { return (head, [headURL]) }
        let ref = head.dropFirst(4).trimmingCharacters(in: .whitespaces)
        // A worktree keeps refs in the common folder.
        var commonDir = gitDir
        if let common = try? String(contentsOf: gitDir.appending(path: "commondir"), encoding: .utf8) {
            let path = common.trimmingCharacters(in: .whitespacesAndNewlines)
            commonDir = path.hasPrefix("/") ? URL(fileURLWithPath: path) : gitDir.appending(path: path)
        }
        for dir in [gitDir, commonDir] {
            let refURL = dir.appending(path: ref)
            if fm.fileExists(atPath: refURL.path), let sha = try? String(contentsOf: refURL, encoding: .utf8) {
                return (sha.trimmingCharacters(in: .whitespacesAndNewlines), [headURL, refURL])
            }
        }
        let packed = commonDir.appending(path: "packed-refs")
        if let text = try? String(contentsOf: packed, encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasSuffix(" " + ref) {
                return (String(line.prefix { $0 != " " }), [headURL, packed])
            }
        }
        return nil
    }
}
