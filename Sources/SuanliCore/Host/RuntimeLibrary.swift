#if canImport(Glibc)
import Glibc
#endif

/// A C library opened at run time (`dlopen`), so that Suanli runs where it is absent: the first
/// of its usual names that opens, or the one file an environment variable names instead. NVML,
/// AMD SMI and Open MPI are opened this way (OpenCLKit opens the OpenCL loader on its own).
struct RuntimeLibrary {
    let handle: UnsafeMutableRawPointer
    /// The name that opened.
    let path: String

    /// The names to try: `defaults`, or only the file `variable` names in `environment`.
    static func candidates(_ defaults: [String], override variable: String, environment: [String: String]) -> [String] {
        if let custom = environment[variable], !custom.isEmpty { return [custom] }
        return defaults
    }

    /// Opens the first of `names` that loads; nil when none does (`dlerrorText()` then says why).
    init?(firstOf names: [String], flags: Int32 = RTLD_NOW | RTLD_LOCAL) {
        for name in names {
            if let handle = dlopen(name, flags) {
                self.handle = handle
                path = name
                return
            }
        }
        return nil
    }

    /// The first of `names` the library exports, as a C function pointer (or a global's address).
    func symbol<T>(_ names: String...) -> T? {
        for name in names {
            if let address = dlsym(handle, name) { return unsafeBitCast(address, to: T.self) }
        }
        return nil
    }
}

/// Why the last `dlopen` failed.
func dlerrorText() -> String {
    guard let text = dlerror() else { return "unknown error" }
    return String(cString: text)
}

/// The process environment as a dictionary.
public func currentEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let eq = text.firstIndex(of: "=") {
            result[String(text[..<eq])] = String(text[text.index(after: eq)...])
        }
        pointer += 1
    }
    return result
}
