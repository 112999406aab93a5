import Foundation
import PackagePlugin

/// Embeds top-level data folders into a target as Swift string literals, so the
/// `suanli` binary runs from any directory and as a single file on another machine.
///
/// - `SuanliCore` gets `Kernels/*.cl` and `Kernels/*.json` (OpenCL C sources and tuning
///   configurations) as `EmbeddedKernels`.
/// - `SuanliSizing` gets `Catalog/*.json` (the accelerator catalog) as `EmbeddedCatalog`.
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
        return [
            .buildCommand(
                displayName: "Embedding \(spec.folder) into \(target.name)",
                executable: try context.tool(named: "EmbedResourcesTool").url,
                arguments: [spec.typeName, output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
