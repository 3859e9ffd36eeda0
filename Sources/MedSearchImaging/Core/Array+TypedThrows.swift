/// `withUnsafe...` variants that keep a typed error (the standard library's are `rethrows`, which erases it).
extension Array {
    @inline(__always)
    func withUnsafeBytesTyped<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withUnsafeBytes { buffer in Result { () throws(E) -> R in try body(buffer) } }.get()
    }

    @inline(__always)
    func withUnsafeBufferPointerTyped<R, E: Error>(_ body: (UnsafeBufferPointer<Element>) throws(E) -> R) throws(E) -> R {
        try withUnsafeBufferPointer { buffer in Result { () throws(E) -> R in try body(buffer) } }.get()
    }

    @inline(__always)
    mutating func withUnsafeMutableBytesTyped<R, E: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withUnsafeMutableBytes { buffer in Result { () throws(E) -> R in try body(buffer) } }.get()
    }
}
