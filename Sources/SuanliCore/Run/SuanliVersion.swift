import SuanliSchema

/// Suanli's version and how this build was compiled, recorded in every result file.
public enum SuanliVersion {
    public static let string = "0.1.0"
    #if DEBUG
    public static let configuration = "debug"
    #else
    public static let configuration = "release"
    #endif
}

extension ResultDocument.ToolInfo {
    /// This build of Suanli, with the OpenCL kernels' origin and the CPU kernel variant in use.
    public static func suanli(kernels: String, cpuVariant: CPUKernelVariant? = nil) -> Self {
        Self(name: "suanli", version: SuanliVersion.string, buildConfiguration: SuanliVersion.configuration,
             cpuKernelVariant: (cpuVariant ?? CPUKernelVariant.forThisMachine).rawValue, openCLKernels: kernels,
             gitCommit: EmbeddedKernels.gitCommit)
    }
}
