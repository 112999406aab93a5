/// Exit codes of the commands (README: "Exit codes"). `compare`'s are `CompareExit`; `size`'s are
/// SuanliSizing's; a bad command line exits 64 (ArgumentParser's validation error).

/// `suanli bench` and `suanli burn`.
enum BenchExit {
    static let otherError: Int32 = 1
    static let measurementFailed: Int32 = 3
    static let interrupted: Int32 = 130
}

/// `suanli devices`.
enum DevicesExit {
    /// The replay file cannot be read or is not a device dump, or the dump cannot be written.
    static let fileError: Int32 = 1
}
