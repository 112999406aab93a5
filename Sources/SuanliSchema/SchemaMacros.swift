/// The public memberwise initialiser of a record (Swift synthesises it only internally): one
/// parameter per stored property, in order, defaulting to the property's initial value or, for
/// an optional `var`, to `nil`. Expanded at build time (Sources/SuanliMacros); nothing is linked.
@attached(member, names: named(init))
public macro MemberwiseInit() = #externalMacro(module: "SuanliMacros", type: "MemberwiseInitMacro")

/// The `CodingKeys` of a record in a Suanli JSON file: every stored property under its snake-case
/// name (`cpuModel` → `cpu_model`, `sharedByCPUs` → `shared_by_cpus`; the rule is
/// `SnakeCase.key` in Sources/SuanliMacros), with the exceptions given as property → key.
@attached(member, names: named(CodingKeys))
public macro SnakeCaseCodingKeys(_ exceptions: [String: String] = [:]) =
    #externalMacro(module: "SuanliMacros", type: "SnakeCaseCodingKeysMacro")
