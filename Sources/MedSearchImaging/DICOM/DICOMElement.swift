import MedSearchCore

/// The value of a data element: raw bytes, nested items, or encapsulated pixel fragments.
public enum DICOMValue: Sendable, Equatable {
    /// The value bytes as stored (in the data set's byte order); slices share the file's storage, no copy.
    case bytes(ArraySlice<UInt8>)
    /// The items of a sequence (SQ), each a data set.
    case sequence([DICOMDataset])
    /// Encapsulated (compressed) pixel data: the Basic Offset Table and the fragments, in order.
    case fragments(offsetTable: ArraySlice<UInt8>, fragments: [ArraySlice<UInt8>])
}

/// One data element: tag, VR and value.
@MemberwiseInit(.public)
public struct DICOMElement: Sendable, Equatable {
    /// The attribute tag.
    public var tag: DICOMTag
    /// The value representation (from the file when explicit, else from the dictionary, else UN).
    public var vr: DICOMVR
    /// The value.
    public var value: DICOMValue

    /// Creates a text element (padded to even length when written).
    public init(tag: DICOMTag, vr: DICOMVR, string: String) {
        self.init(tag: tag, vr: vr, value: .bytes(ArraySlice(Array(string.utf8))))
    }

    /// The raw value bytes, or nil for sequences and fragments.
    public var bytes: ArraySlice<UInt8>? {
        if case .bytes(let bytes) = value { return bytes }
        return nil
    }

    /// The items, or nil when the element is not a sequence.
    public var items: [DICOMDataset]? {
        if case .sequence(let items) = value { return items }
        return nil
    }
}
