import MedSearchImaging

/// The checks a STOW-RS part passes before anything is stored, each refusal with its own Failure Reason.
public enum STOWInstance {
    /// Transfer syntaxes whose pixels MedSearch decodes (the others are refused with 0xC122 before storing).
    public static let supportedTransferSyntaxes: Set<String> = [
        TransferSyntax.implicitVRLittleEndian.uid, TransferSyntax.explicitVRLittleEndian.uid,
        TransferSyntax.deflatedExplicitVRLittleEndian.uid, TransferSyntax.explicitVRBigEndian.uid,
        TransferSyntax.rleLossless.uid, TransferSyntax.jpegBaseline.uid, TransferSyntax.jpegLossless.uid,
        TransferSyntax.jpegLosslessSV1.uid,
    ]

    /// Reads a part as a DICOM instance and checks it can be indexed.
    ///
    /// In order: the part was kept (not over the size limit: 0xA700), it is `application/dicom` when it says
    /// (0xC000), it parses (not DICOM, truncated or malformed: 0xC000), it has SOP Class and Instance UIDs
    /// (0xA900), it belongs to `study` when one is addressed (0xA900), its transfer syntax is decodable
    /// (0xC122), it has pixel data (0x0122).
    /// - Throws: ``STOWFailure``.
    public static func examine(_ part: MultipartPart, maximumPartBytes: Int, study: String? = nil) throws -> DICOMFile {
        guard let body = part.body else {
            throw STOWFailure(.outOfResources, "part \(part.index + 1) is larger than \(maximumPartBytes) bytes")
        }
        if let type = part.contentType, type != "application/dicom" {
            throw STOWFailure(.cannotUnderstand, "part \(part.index + 1) is \(type.prefix(30)), not application/dicom")
        }
        let file: DICOMFile
        do { file = try DICOMFile(bytes: body) } catch {
            throw classify(error)
        }
        let sopClass = file.dataset.string(.sopClassUID) ?? file.meta.string(.mediaStorageSOPClassUID)
        let sopInstance = file.dataset.string(.sopInstanceUID) ?? file.meta.string(.mediaStorageSOPInstanceUID)
        guard let sopClass, !sopClass.isEmpty, let sopInstance, !sopInstance.isEmpty else {
            throw STOWFailure(.dataSetDoesNotMatchSOPClass, "no SOP Class UID or SOP Instance UID",
                              sopClassUID: sopClass, sopInstanceUID: sopInstance)
        }
        if let study, file.dataset.string(.studyInstanceUID) != study {
            throw STOWFailure(.dataSetDoesNotMatchSOPClass, "instance is not in the study of the request URL",
                              sopClassUID: sopClass, sopInstanceUID: sopInstance)
        }
        guard supportedTransferSyntaxes.contains(file.transferSyntax.uid) else {
            throw STOWFailure(.transferSyntaxNotSupported, "unsupported transfer syntax \(file.transferSyntax.uid)",
                              sopClassUID: sopClass, sopInstanceUID: sopInstance)
        }
        guard file.hasPixelData else {
            throw STOWFailure(.sopClassNotSupported, "no pixel data: only images are indexed",
                              sopClassUID: sopClass, sopInstanceUID: sopInstance)
        }
        return file
    }

    /// The STOW failure for an error met while reading or decoding an instance.
    public static func classify(_ error: any Error, sopClassUID: String? = nil, sopInstanceUID: String? = nil)
        -> STOWFailure {
        if let failure = error as? STOWFailure { return failure }
        let reason: STOWFailure.Reason
        let text: String
        switch error as? DICOMError {
        case .notDICOM?:
            (reason, text) = (.cannotUnderstand, "not a DICOM instance")
        case .truncated?, .invalidLength?, .pixelDataTooShort?:
            (reason, text) = (.cannotUnderstand, "truncated instance")
        case let .unsupportedTransferSyntax(uid, _)?:
            (reason, text) = (.transferSyntaxNotSupported, "unsupported transfer syntax \(uid)")
        case .noPixelData?:
            (reason, text) = (.sopClassNotSupported, "no pixel data: only images are indexed")
        case .limitExceeded?:
            (reason, text) = (.outOfResources, "beyond the decoding limits (pixels, frames or bytes)")
        case .unsupportedPixelFormat?:
            (reason, text) = (.sopClassNotSupported, "unsupported pixel format")
        case let dicomError?:
            (reason, text) = (.cannotUnderstand, "malformed: \(dicomError)")
        case nil:
            (reason, text) = (.processingFailure, "processing failed: \(error)")
        }
        return STOWFailure(reason, text, sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID)
    }
}
