import Testing
@testable import SuanliSizing

@Suite("Catalog")
struct CatalogTests {
    @Test func holdsTheAcceleratorsOfTheIssue() throws {
        let ids = Set(catalog.accelerators.map(\.id))
        for id in ["v100-sxm2", "a100-40gb", "a100-80gb", "a800", "h100-sxm", "h100-pcie", "h800", "h200", "b200",
                   "mi250x", "mi300x", "ascend-910b", "tpu-v4", "tpu-v5p"] {
            #expect(ids.contains(id), "\(id)")
        }
        #expect(ids.count == catalog.accelerators.count, "ids are unique")
    }

    @Test func everyFigureHasASourceAndIsPositive() {
        for a in catalog.accelerators {
            let figures = Array(a.denseTFLOPS.values) + Array(a.sparseTFLOPS.values)
                + [a.memoryGB, a.memoryBandwidthGBps, a.tdpWatts, a.interconnectGBps].compactMap { $0 }
            #expect(!a.denseTFLOPS.isEmpty, "\(a.id) has dense peaks")
            for f in figures {
                #expect(!f.source.isEmpty, "\(a.id)")
                #expect(f.value > 0 && f.value.isFinite, "\(a.id)")
            }
            for key in a.denseTFLOPS.keys { #expect(SizingPrecision(catalogKey: key) != nil, "\(a.id) \(key)") }
            for (key, sparse) in a.sparseTFLOPS {
                if let dense = a.denseTFLOPS[key] { #expect(sparse.value > dense.value, "\(a.id) \(key) sparse > dense") }
            }
            if let p = a.price { #expect(!p.currency.isEmpty && !p.source.isEmpty) }
        }
    }

    @Test func stepModelFiguresAreSourcedAndPlausible() throws {
        for a in catalog.accelerators {
            for f in [a.scaleOutGBps, a.maxGEMMEfficiency, a.computeUnits].compactMap({ $0 }) {
                #expect(!f.source.isEmpty && f.value > 0 && f.value.isFinite, "\(a.id)")
            }
            if let e = a.maxGEMMEfficiency { #expect(e.value <= 1, "\(a.id)") }
        }
        // DGX A100: 8 × 200 Gb/s HDR for 8 GPUs; DGX H100: 8 × 400 Gb/s.
        #expect(try catalog.lookup("a100-80gb").scaleOutGBps?.value == 25)
        #expect(try catalog.lookup("h100-sxm").scaleOutGBps?.value == 50)
        #expect(try catalog.lookup("a100-80gb").computeUnits?.value == 108)
    }

    @Test func secondHandFiguresAreFlagged() throws {
        for id in ["a800", "h800", "ascend-910b"] {
            let a = try catalog.lookup(id)
            #expect(a.denseTFLOPS.values.allSatisfy { !$0.verified }, "\(id)")
        }
        #expect(try catalog.lookup("h100-sxm").denseTFLOPS["bf16"]?.verified == true)
    }

    @Test func theArticlesPointSixPetaflopsIsTheSparseFigure() throws {
        let a100 = try catalog.lookup("a100-40gb")
        #expect(a100.sparseTFLOPS["fp16"]?.value == 624)
        #expect(a100.denseTFLOPS["fp16"]?.value == 312)
        #expect(a100.defaultPrecision == .bf16)
        #expect(try catalog.lookup("v100").defaultPrecision == .fp16)
    }

    @Test func lookupByAliasNamePrefixAndCase() throws {
        #expect(try catalog.lookup("V100").id == "v100-sxm2")
        #expect(try catalog.lookup("NVIDIA H200 SXM 141GB").id == "h200")
        #expect(try catalog.lookup("mi300").id == "mi300x")
        #expect(try catalog.lookup("A100_80GB").id == "a100-80gb")
        #expect(try catalog.lookup("tpu v5p").id == "tpu-v5p")
        #expect(try catalog.lookup("ascend").id == "ascend-910b")
        // NVIDIA's H20 is a different chip: no partial match onto h200.
        #expect(sizingError { _ = try catalog.lookup("h20") } != nil)
    }

    @Test func unknownAndAmbiguousNames() {
        let unknown = sizingError { _ = try catalog.lookup("h1000") }
        #expect(unknown?.description.contains("did you mean") == true)
        #expect(unknown?.description.contains("h100") == true)
        let ambiguous = sizingError { _ = try catalog.lookup("a100") }
        #expect(ambiguous?.description.contains("a100-40gb, a100-80gb") == true)
        let far = sizingError { _ = try catalog.lookup("rtx4090") }
        #expect(far?.description.contains("suanli size devices") == true)
    }

    @Test func listingShowsEveryDeviceAndMarksUnverified() {
        let table = CatalogListing.table(catalog)
        for a in catalog.accelerators { #expect(table.contains(a.id)) }
        #expect(table.contains("312*"))
        let json = CatalogListing.json(catalog).rendered()
        #expect(json.contains("\"sparse_tflops\""))
        #expect(json.contains("NVIDIA A100 datasheet (2021)"))
    }

    @Test func malformedCatalogIsADataError() {
        let e = sizingError { _ = try Catalog.decode(.init("{\"schema\": 1}".utf8), name: "bad.json") }
        #expect(e?.exitCode == 65)
    }
}
