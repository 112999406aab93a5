// The result schema is part of SuanliCore's interface: a client that imports SuanliCore reads
// and writes result documents without naming the schema module.
@_exported import SuanliSchema
