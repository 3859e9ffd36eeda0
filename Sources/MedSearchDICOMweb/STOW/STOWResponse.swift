import MedSearchCore
import MedSearchImaging

/// Why one instance of a STOW-RS request was not stored: the Failure Reason code (0008,1197) of PS3.18
/// section 10.5.3 and PS3.4 Annex B, and a short text for people.
public struct STOWFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The Failure Reason codes MedSearch uses.
    public enum Reason: UInt16, Sendable, Equatable {
        /// 0x0110 Processing failure (for example an engine could not index the instance).
        case processingFailure = 0x0110
        /// 0x0111 Duplicate SOP Instance: the SOP Instance UID is already stored (or twice in one request).
        case duplicateSOPInstance = 0x0111
        /// 0x0122 Referenced SOP Class not supported (no image pixels to index).
        case sopClassNotSupported = 0x0122
        /// 0xA700 Refused, out of resources (the part is larger than the configured limit).
        case outOfResources = 0xA700
        /// 0xA900 Data set does not match SOP Class (missing identifying UIDs, or not in the addressed study).
        case dataSetDoesNotMatchSOPClass = 0xA900
        /// 0xC000 Cannot understand (not DICOM, truncated, malformed).
        case cannotUnderstand = 0xC000
        /// 0xC122 Referenced Transfer Syntax not supported.
        case transferSyntaxNotSupported = 0xC122
    }

    /// The code.
    public var reason: Reason
    /// What was wrong, for people (at most 64 characters: it is written as an LO value).
    public var text: String
    /// The instance's SOP Class UID, when it could be read.
    public var sopClassUID: String?
    /// The instance's SOP Instance UID, when it could be read.
    public var sopInstanceUID: String?

    /// A failure; `text` is cut to 64 characters.
    public init(_ reason: Reason, _ text: String, sopClassUID: String? = nil, sopInstanceUID: String? = nil) {
        self.reason = reason
        self.text = String(text.prefix(64))
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
    }

    public var description: String {
        "failure 0x" + String(reason.rawValue, radix: 16, uppercase: true) + ": " + text
    }
}

/// The body of a STOW-RS response (PS3.18 section 10.5.3): RetrieveURL of the study, ReferencedSOPSequence
/// for the stored instances and FailedSOPSequence for the refused ones, as one DICOM JSON object.
///
/// Each FailedSOPSequence item carries ReferencedSOPClassUID (0008,1150), ReferencedSOPInstanceUID
/// (0008,1155), FailureReason (0008,1197, US) and the reason text in ErrorComment (0000,0902, LO), the
/// attribute DICOM uses for a failure's free-text comment. A part that could not be read as DICOM has empty UIDs.
@MemberwiseInit(.public)
public struct STOWResponse: Sendable, Equatable {
    /// A stored instance.
    @MemberwiseInit(.public)
    public struct Stored: Sendable, Equatable {
        /// SOP Class UID.
        public var sopClassUID: String
        /// SOP Instance UID.
        public var sopInstanceUID: String
        /// Where WADO-RS retrieves it.
        public var retrieveURL: String
    }

    /// The study's RetrieveURL when the request addressed one study (or all stored instances share one).
    public var studyRetrieveURL: String? = nil
    /// Stored instances, in request order.
    public var stored: [Stored] = []
    /// Refused instances, in request order.
    public var failed: [STOWFailure] = []

    /// ReferencedSOPSequence (0008,1199).
    public static let referencedSOPSequence = DICOMTag(0x0008, 0x1199)
    /// FailedSOPSequence (0008,1198).
    public static let failedSOPSequence = DICOMTag(0x0008, 0x1198)
    /// FailureReason (0008,1197).
    public static let failureReason = DICOMTag(0x0008, 0x1197)
    /// ErrorComment (0000,0902).
    public static let errorComment = DICOMTag(0x0000, 0x0902)
    /// ReferencedSOPClassUID (0008,1150).
    public static let referencedSOPClassUID = DICOMTag(0x0008, 0x1150)
    /// ReferencedSOPInstanceUID (0008,1155).
    public static let referencedSOPInstanceUID = DICOMTag(0x0008, 0x1155)

    /// The HTTP status: 200 when every instance was stored, 202 when some were refused, 409 when all were
    /// (PS3.18 section 10.5.3.1), 400 for a request without any instance.
    public var httpStatus: Int {
        if failed.isEmpty { return stored.isEmpty ? 400 : 200 }
        return stored.isEmpty ? 409 : 202
    }

    /// The response as a data set.
    public func dataset() -> DICOMDataset {
        var dataset = DICOMDataset()
        if let studyRetrieveURL {
            dataset.set(DICOMElement(tag: DICOMwebAttributes.retrieveURL, vr: .UR, string: studyRetrieveURL))
        }
        if !failed.isEmpty {
            dataset.set(DICOMElement(tag: Self.failedSOPSequence, vr: .SQ, value: .sequence(failed.map { failure in
                let code = failure.reason.rawValue
                return DICOMDataset(elements: [
                    DICOMElement(tag: Self.errorComment, vr: .LO, string: failure.text),
                    DICOMElement(tag: Self.referencedSOPClassUID, vr: .UI, string: failure.sopClassUID ?? ""),
                    DICOMElement(tag: Self.referencedSOPInstanceUID, vr: .UI, string: failure.sopInstanceUID ?? ""),
                    DICOMElement(tag: Self.failureReason, vr: .US,
                                 value: .bytes([UInt8(code & 0xFF), UInt8(code >> 8)])),
                ])
            })))
        }
        if !stored.isEmpty {
            dataset.set(DICOMElement(tag: Self.referencedSOPSequence, vr: .SQ, value: .sequence(stored.map { item in
                DICOMDataset(elements: [
                    DICOMElement(tag: DICOMwebAttributes.retrieveURL, vr: .UR, string: item.retrieveURL),
                    DICOMElement(tag: Self.referencedSOPClassUID, vr: .UI, string: item.sopClassUID),
                    DICOMElement(tag: Self.referencedSOPInstanceUID, vr: .UI, string: item.sopInstanceUID),
                ])
            })))
        }
        return dataset
    }

    /// The response as DICOM JSON (`application/dicom+json`).
    public func json() -> String { DICOMJSON.encodeObject(dataset()) }
}
