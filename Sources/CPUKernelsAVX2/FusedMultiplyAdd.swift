// The fused multiply-add of the FMA builds (AVX2 and, through a symlink, AVX-512): one rounding.
// SIMD `addingProduct` lowers to vfmadd231ps / vfmadd231pd there (ymm for 8 floats or 4 doubles,
// zmm for 16 floats under AVX-512). The portable build defines its own `madd`.

@inline(__always) func madd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: SIMD4<Double>, _ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<Double> { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: Float, _ a: Float, _ b: Float) -> Float { acc.addingProduct(a, b) }
@inline(__always) func madd(_ acc: Double, _ a: Double, _ b: Double) -> Double { acc.addingProduct(a, b) }
