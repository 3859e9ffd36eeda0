/// A DICOM data set: elements in ascending tag order, plus the byte order their values are stored in.
///
/// Reading values: ``string(_:)``, ``strings(_:)``, ``integer(_:)``, ``integers(_:)``, ``doubles(_:)``,
/// ``items(_:)``. Editing: ``set(_:)`` and ``remove(_:)``.
public struct DICOMDataset: Sendable, Equatable {
    /// The elements, sorted by tag.
    public private(set) var elements: [DICOMElement]
    /// Whether binary values in ``elements`` are little endian.
    public var isLittleEndian: Bool

    /// Creates a data set (the elements are sorted by tag; on duplicates the last one wins).
    public init(elements: [DICOMElement] = [], isLittleEndian: Bool = true) {
        self.isLittleEndian = isLittleEndian
        var sorted = elements
        if !zip(sorted, sorted.dropFirst()).allSatisfy({ $0.tag < $1.tag }) {
            sorted = Self.sortedUnique(sorted)
        }
        self.elements = sorted
    }

    private static func sortedUnique(_ elements: [DICOMElement]) -> [DICOMElement] {
        var byTag: [DICOMTag: DICOMElement] = [:]
        for element in elements { byTag[element.tag] = element }
        return byTag.values.sorted { $0.tag < $1.tag }
    }

    private func index(of tag: DICOMTag) -> (found: Bool, index: Int) {
        var low = 0, high = elements.count
        while low < high {
            let mid = (low + high) / 2
            if elements[mid].tag < tag { low = mid + 1 } else { high = mid }
        }
        return (low < elements.count && elements[low].tag == tag, low)
    }

    /// The element with `tag`, if present.
    public subscript(tag: DICOMTag) -> DICOMElement? {
        let (found, index) = index(of: tag)
        return found ? elements[index] : nil
    }

    /// Whether the data set contains `tag`.
    public func contains(_ tag: DICOMTag) -> Bool { index(of: tag).found }

    /// Inserts or replaces an element.
    public mutating func set(_ element: DICOMElement) {
        let (found, index) = index(of: element.tag)
        if found { elements[index] = element } else { elements.insert(element, at: index) }
    }

    /// Removes the element with `tag`, returning it.
    @discardableResult public mutating func remove(_ tag: DICOMTag) -> DICOMElement? {
        let (found, index) = index(of: tag)
        return found ? elements.remove(at: index) : nil
    }

    /// Removes every element for which `shouldRemove` is true.
    public mutating func removeAll(where shouldRemove: (DICOMElement) throws -> Bool) rethrows {
        try elements.removeAll(where: shouldRemove)
    }

    /// Replaces every element with `transform(element)` (nil removes it); tags must not change.
    public mutating func transformElements(_ transform: (DICOMElement) throws -> DICOMElement?) rethrows {
        elements = try elements.compactMap(transform)
    }

    // MARK: Typed access

    /// The whole text value of `tag` with leading/trailing spaces and trailing NULs removed, or nil.
    public func string(_ tag: DICOMTag) -> String? {
        guard let bytes = self[tag]?.bytes else { return nil }
        return Self.trimmedString(bytes)
    }

    /// The values of a multi-valued text attribute (split at backslashes, each trimmed).
    public func strings(_ tag: DICOMTag) -> [String] {
        guard let bytes = self[tag]?.bytes, !bytes.isEmpty else { return [] }
        return bytes.split(separator: 0x5C, omittingEmptySubsequences: false).map { Self.trimmedString($0) }
    }

    static func trimmedString(_ bytes: ArraySlice<UInt8>) -> String {
        var start = bytes.startIndex, end = bytes.endIndex
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0 { end -= 1 }
        while start < end, bytes[start] == 0x20 { start += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The binary values of `tag` as integers (US, SS, UL, SL, and OW/OB as 16/8-bit words), in stored order.
    /// - Throws: ``DICOMError/invalidValue(tag:reason:)`` if the length is not a multiple of the unit size.
    public func integers(_ tag: DICOMTag) throws -> [Int] {
        guard let element = self[tag] else { return [] }
        guard let bytes = element.bytes else {
            throw DICOMError.invalidValue(tag: tag, reason: "not a binary value")
        }
        let unit: Int, signed: Bool
        switch element.vr {
        case .US, .OW: (unit, signed) = (2, false)
        case .SS: (unit, signed) = (2, true)
        case .UL, .OL: (unit, signed) = (4, false)
        case .SL: (unit, signed) = (4, true)
        case .OB: (unit, signed) = (1, false)
        case .UN: (unit, signed) = (bytes.count % 2 == 0 ? 2 : 1, false)
        case .IS, .DS:
            return try doubles(tag).map { value in
                guard value.isFinite, abs(value) < 1e15 else {
                    throw DICOMError.invalidValue(tag: tag, reason: "number out of range")
                }
                return Int(value)
            }
        default: throw DICOMError.invalidValue(tag: tag, reason: "VR \(element.vr.rawValue) is not an integer")
        }
        let shift = UInt64(64 - unit * 8)
        return try words(bytes, unit: unit, tag: tag) { value in
            signed ? Int(Int64(bitPattern: value << shift) >> Int64(shift)) : Int(value)
        }
    }

    /// `bytes` read as consecutive `unit`-byte words in the dataset's byte order, each mapped by `transform`.
    /// - Throws: ``DICOMError/invalidValue(tag:reason:)`` if the length is not a multiple of `unit`.
    private func words<T>(_ bytes: ArraySlice<UInt8>, unit: Int, tag: DICOMTag,
                          _ transform: (UInt64) -> T) throws -> [T] {
        guard bytes.count % unit == 0 else {
            throw DICOMError.invalidValue(tag: tag, reason: "length \(bytes.count) not a multiple of \(unit)")
        }
        var out = [T]()
        out.reserveCapacity(bytes.count / unit)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            var value: UInt64 = 0
            for k in 0..<unit {
                let byte = UInt64(bytes[index + k])
                value |= isLittleEndian ? byte << (8 * UInt64(k)) : byte << (8 * UInt64(unit - 1 - k))
            }
            out.append(transform(value))
            index += unit
        }
        return out
    }

    /// The first integer value of `tag` (binary or IS/DS text), or nil when absent or empty.
    /// - Throws: ``DICOMError/invalidValue(tag:reason:)`` when present but not a number.
    public func integer(_ tag: DICOMTag) throws -> Int? {
        try integers(tag).first
    }

    /// The numeric values of `tag`: DS/IS text, or FL/FD binary.
    /// - Throws: ``DICOMError/invalidValue(tag:reason:)`` on a value that is not a number.
    public func doubles(_ tag: DICOMTag) throws -> [Double] {
        guard let element = self[tag] else { return [] }
        switch element.vr {
        case .DS, .IS, .UN, .LO, .SH, .CS:
            return try strings(tag).compactMap { text in
                if text.isEmpty { return nil }
                guard let value = Double(text), value.isFinite else {
                    throw DICOMError.invalidValue(tag: tag, reason: "not a number")
                }
                return value
            }
        case .FL, .FD, .OF, .OD:
            guard let bytes = element.bytes else { return [] }
            let unit = element.vr == .FL || element.vr == .OF ? 4 : 8
            return try words(bytes, unit: unit, tag: tag) { value in
                unit == 4 ? Double(Float(bitPattern: UInt32(value))) : Double(bitPattern: value)
            }
        default:
            return try integers(tag).map(Double.init)
        }
    }

    /// The items of sequence `tag`, or nil when absent or not a sequence.
    public func items(_ tag: DICOMTag) -> [DICOMDataset]? {
        self[tag]?.items
    }
}
