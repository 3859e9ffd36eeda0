/// The attribute actions of the PS3.15 Annex E Basic Application Level Confidentiality Profile (Table E.1-1),
/// with the Retain Longitudinal Temporal Information with Modified Dates Option for the study, series,
/// acquisition, content and instance-creation dates.
///
/// Where the table allows a choice (X/Z, X/D, Z/D...), the stricter one that keeps the file valid is used.
/// Rules that apply beyond this table (see ``Deidentifier``): every private attribute, curve (50xx) and
/// overlay data/comment (60xx,3000/4000) is removed; every PN value not listed is emptied; every other UID that
/// is not a DICOM-defined one (1.2.840.10008.*) is remapped; every other DA/DT value is shifted.
public enum AnnexEProfile {
    /// What the profile does to one attribute.
    public enum Action: Sendable, Equatable {
        /// X: remove the attribute.
        case remove
        /// Z: keep it with an empty value.
        case empty
        /// D: replace with a non-identifying dummy (a keyed pseudonym for patient name and ID).
        case dummy
        /// U: replace UIDs with consistently remapped ones.
        case remapUID
        /// Retain Longitudinal Temporal Information with Modified Dates: shift by the patient's offset.
        case shiftDate
    }

    /// The action for `tag`, or nil when the table does not list it (then the generic rules apply).
    public static func action(for tag: DICOMTag) -> Action? {
        var low = 0, high = table.count
        while low < high {
            let mid = (low + high) / 2
            if table[mid].0 < tag.rawValue { low = mid + 1 } else { high = mid }
        }
        return low < table.count && table[low].0 == tag.rawValue ? table[low].1 : nil
    }

    /// Number of attributes listed.
    public static var count: Int { table.count }

    static let table: [(UInt32, Action)] = [
        (0x00020003, .remapUID),  // MediaStorageSOPInstanceUID
        (0x00080012, .shiftDate),  // InstanceCreationDate
        (0x00080014, .remapUID),  // InstanceCreatorUID
        (0x00080018, .remapUID),  // SOPInstanceUID
        (0x00080020, .shiftDate),  // StudyDate
        (0x00080021, .shiftDate),  // SeriesDate
        (0x00080022, .shiftDate),  // AcquisitionDate
        (0x00080023, .shiftDate),  // ContentDate
        (0x00080024, .remove),  // OverlayDate
        (0x00080025, .remove),  // CurveDate
        (0x0008002A, .shiftDate),  // AcquisitionDateTime
        (0x00080030, .empty),  // StudyTime
        (0x00080031, .remove),  // SeriesTime
        (0x00080034, .remove),  // OverlayTime
        (0x00080035, .remove),  // CurveTime
        (0x00080050, .empty),  // AccessionNumber
        (0x00080058, .remapUID),  // FailedSOPInstanceUIDList
        (0x00080080, .remove),  // InstitutionName
        (0x00080081, .remove),  // InstitutionAddress
        (0x00080082, .remove),  // InstitutionCodeSequence
        (0x00080090, .empty),  // ReferringPhysicianName
        (0x00080092, .remove),  // ReferringPhysicianAddress
        (0x00080094, .remove),  // ReferringPhysicianTelephoneNumbers
        (0x00080096, .remove),  // ReferringPhysicianIdentificationSequence
        (0x0008010D, .remapUID),  // ContextGroupExtensionCreatorUID
        (0x00080201, .remove),  // TimezoneOffsetFromUTC
        (0x00081010, .remove),  // StationName
        (0x00081030, .remove),  // StudyDescription
        (0x0008103E, .remove),  // SeriesDescription
        (0x00081040, .remove),  // InstitutionalDepartmentName
        (0x00081048, .remove),  // PhysiciansOfRecord
        (0x00081049, .remove),  // PhysiciansOfRecordIdentificationSequence
        (0x00081050, .remove),  // PerformingPhysicianName
        (0x00081052, .remove),  // PerformingPhysicianIdentificationSequence
        (0x00081060, .remove),  // NameOfPhysiciansReadingStudy
        (0x00081062, .remove),  // PhysiciansReadingStudyIdentificationSequence
        (0x00081070, .remove),  // OperatorsName
        (0x00081072, .remove),  // OperatorIdentificationSequence
        (0x00081080, .remove),  // AdmittingDiagnosesDescription
        (0x00081084, .remove),  // AdmittingDiagnosesCodeSequence
        (0x00081110, .remove),  // ReferencedStudySequence
        (0x00081111, .remove),  // ReferencedPerformedProcedureStepSequence
        (0x00081120, .remove),  // ReferencedPatientSequence
        (0x00081155, .remapUID),  // ReferencedSOPInstanceUID
        (0x00082111, .remove),  // DerivationDescription
        (0x00083010, .remapUID),  // IrradiationEventUID
        (0x00084000, .remove),  // IdentifyingComments
        (0x00089123, .remapUID),  // CreatorVersionUID
        (0x00100010, .dummy),  // PatientName
        (0x00100020, .dummy),  // PatientID
        (0x00100021, .remove),  // IssuerOfPatientID
        (0x00100030, .empty),  // PatientBirthDate
        (0x00100032, .remove),  // PatientBirthTime
        (0x00100040, .empty),  // PatientSex
        (0x00100050, .remove),  // PatientInsurancePlanCodeSequence
        (0x00100101, .remove),  // PatientPrimaryLanguageCodeSequence
        (0x00100102, .remove),  // PatientPrimaryLanguageModifierCodeSequence
        (0x00101000, .remove),  // OtherPatientIDs
        (0x00101001, .remove),  // OtherPatientNames
        (0x00101002, .remove),  // OtherPatientIDsSequence
        (0x00101005, .remove),  // PatientBirthName
        (0x00101010, .remove),  // PatientAge
        (0x00101020, .remove),  // PatientSize
        (0x00101030, .remove),  // PatientWeight
        (0x00101040, .remove),  // PatientAddress
        (0x00101050, .remove),  // InsurancePlanIdentification
        (0x00101060, .remove),  // PatientMotherBirthName
        (0x00101080, .remove),  // MilitaryRank
        (0x00101081, .remove),  // BranchOfService
        (0x00101090, .remove),  // MedicalRecordLocator
        (0x00102000, .remove),  // MedicalAlerts
        (0x00102110, .remove),  // Allergies
        (0x00102150, .remove),  // CountryOfResidence
        (0x00102152, .remove),  // RegionOfResidence
        (0x00102154, .remove),  // PatientTelephoneNumbers
        (0x00102160, .remove),  // EthnicGroup
        (0x00102180, .remove),  // Occupation
        (0x001021A0, .remove),  // SmokingStatus
        (0x001021B0, .remove),  // AdditionalPatientHistory
        (0x001021C0, .remove),  // PregnancyStatus
        (0x001021D0, .remove),  // LastMenstrualDate
        (0x001021F0, .remove),  // PatientReligiousPreference
        (0x00102203, .remove),  // PatientSexNeutered
        (0x00102297, .remove),  // ResponsiblePerson
        (0x00102299, .remove),  // ResponsibleOrganization
        (0x00104000, .remove),  // PatientComments
        (0x00180010, .empty),  // ContrastBolusAgent
        (0x00181000, .remove),  // DeviceSerialNumber
        (0x00181002, .remapUID),  // DeviceUID
        (0x00181004, .remove),  // PlateID
        (0x00181005, .remove),  // GeneratorID
        (0x00181007, .remove),  // CassetteID
        (0x00181008, .remove),  // GantryID
        (0x00181020, .remove),  // SoftwareVersions
        (0x00181030, .remove),  // ProtocolName
        (0x00181200, .remove),  // DateOfLastCalibration
        (0x00181201, .remove),  // TimeOfLastCalibration
        (0x00181400, .remove),  // AcquisitionDeviceProcessingDescription
        (0x00184000, .remove),  // AcquisitionComments
        (0x0018700A, .remove),  // DetectorID
        (0x00189424, .remove),  // AcquisitionProtocolDescription
        (0x0018A003, .remove),  // ContributionDescription
        (0x0020000D, .remapUID),  // StudyInstanceUID
        (0x0020000E, .remapUID),  // SeriesInstanceUID
        (0x00200010, .empty),  // StudyID
        (0x00200052, .remapUID),  // FrameOfReferenceUID
        (0x00200200, .remapUID),  // SynchronizationFrameOfReferenceUID
        (0x00203401, .remove),  // ModifyingDeviceID
        (0x00203404, .remove),  // ModifyingDeviceManufacturer
        (0x00203406, .remove),  // ModifiedImageDescription
        (0x00204000, .remove),  // ImageComments
        (0x00209158, .remove),  // FrameComments
        (0x00209164, .remapUID),  // DimensionOrganizationUID
        (0x00281199, .remapUID),  // PaletteColorLookupTableUID
        (0x00281214, .remapUID),  // LargePaletteColorLookupTableUID
        (0x00284000, .remove),  // ImagePresentationComments
        (0x00320012, .remove),  // StudyIDIssuer
        (0x00321032, .remove),  // RequestingPhysician
        (0x00321033, .remove),  // RequestingService
        (0x00321060, .remove),  // RequestedProcedureDescription
        (0x00324000, .remove),  // StudyComments
        (0x00380010, .remove),  // AdmissionID
        (0x00380011, .remove),  // IssuerOfAdmissionID
        (0x00380020, .remove),  // AdmittingDate
        (0x00380021, .remove),  // AdmittingTime
        (0x00380040, .remove),  // DischargeDiagnosisDescription
        (0x00380050, .remove),  // SpecialNeeds
        (0x00380060, .remove),  // ServiceEpisodeID
        (0x00380061, .remove),  // IssuerOfServiceEpisodeID
        (0x00380062, .remove),  // ServiceEpisodeDescription
        (0x00380300, .remove),  // CurrentPatientLocation
        (0x00380400, .remove),  // PatientInstitutionResidence
        (0x00380500, .remove),  // PatientState
        (0x00384000, .remove),  // VisitComments
        (0x00400006, .remove),  // ScheduledPerformingPhysicianName
        (0x00400007, .remove),  // ScheduledProcedureStepDescription
        (0x00400009, .remove),  // ScheduledProcedureStepID
        (0x00400010, .remove),  // ScheduledStationName
        (0x00400011, .remove),  // ScheduledProcedureStepLocation
        (0x00400012, .remove),  // PreMedication
        (0x00400241, .remove),  // PerformedStationAETitle
        (0x00400242, .remove),  // PerformedStationName
        (0x00400243, .remove),  // PerformedLocation
        (0x00400244, .remove),  // PerformedProcedureStepStartDate
        (0x00400245, .remove),  // PerformedProcedureStepStartTime
        (0x00400250, .remove),  // PerformedProcedureStepEndDate
        (0x00400251, .remove),  // PerformedProcedureStepEndTime
        (0x00400253, .remove),  // PerformedProcedureStepID
        (0x00400254, .remove),  // PerformedProcedureStepDescription
        (0x00400275, .remove),  // RequestAttributesSequence
        (0x00400280, .remove),  // CommentsOnThePerformedProcedureStep
        (0x00400555, .remove),  // AcquisitionContextSequence
        (0x00401001, .remove),  // RequestedProcedureID
        (0x00401002, .remove),  // ReasonForTheRequestedProcedure
        (0x00401004, .remove),  // PatientTransportArrangements
        (0x00401010, .remove),  // NamesOfIntendedRecipientsOfResults
        (0x00401011, .remove),  // IntendedRecipientsOfResultsIdentificationSequence
        (0x00401101, .remove),  // PersonIdentificationCodeSequence
        (0x00401102, .remove),  // PersonAddress
        (0x00401103, .remove),  // PersonTelephoneNumbers
        (0x00401400, .remove),  // RequestedProcedureComments
        (0x00402008, .remove),  // OrderEnteredBy
        (0x00402009, .remove),  // OrderEntererLocation
        (0x00402010, .remove),  // OrderCallbackPhoneNumber
        (0x00402016, .empty),  // PlacerOrderNumberImagingServiceRequest
        (0x00402017, .empty),  // FillerOrderNumberImagingServiceRequest
        (0x00402400, .remove),  // ImagingServiceRequestComments
        (0x00403001, .remove),  // ConfidentialityConstraintOnPatientDataDescription
        (0x00404030, .remove),  // PerformedStationGeographicLocationCodeSequence
        (0x00404035, .remove),  // ActualHumanPerformersSequence
        (0x00404036, .remove),  // HumanPerformerOrganization
        (0x00404037, .remove),  // HumanPerformerName
        (0x0040A027, .remove),  // VerifyingOrganization
        (0x0040A073, .remove),  // VerifyingObserverSequence
        (0x0040A075, .remove),  // VerifyingObserverName
        (0x0040A078, .remove),  // AuthorObserverSequence
        (0x0040A07A, .remove),  // ParticipantSequence
        (0x0040A07C, .remove),  // CustodialOrganizationSequence
        (0x0040A123, .empty),  // PersonName
        (0x0040A124, .remapUID),  // UID
        (0x0040A171, .remapUID),  // ObservationUID
        (0x0040A730, .remove),  // ContentSequence
        (0x00700001, .remove),  // GraphicAnnotationSequence
        (0x00700084, .empty),  // ContentCreatorName
        (0x00700086, .remove),  // ContentCreatorIdentificationCodeSequence
        (0x0070031A, .remapUID),  // FiducialUID
        (0x00880140, .remapUID),  // StorageMediaFileSetUID
        (0x00880200, .remove),  // IconImageSequence
        (0x04000100, .remove),  // DigitalSignatureUID
        (0x04000404, .remove),  // MAC
        (0x04000550, .remove),  // ModifiedAttributesSequence
        (0x04000561, .remove),  // OriginalAttributesSequence
        (0x30060024, .remapUID),  // ReferencedFrameOfReferenceUID
        (0x300600C2, .remapUID),  // RelatedFrameOfReferenceUID
        (0x300A0013, .remapUID),  // DoseReferenceUID
        (0x40000010, .remove),  // Arbitrary
        (0x40080102, .remove),  // InterpretationRecorder
        (0x4008010A, .remove),  // InterpretationTranscriber
        (0x4008010B, .remove),  // InterpretationText
        (0x4008010C, .remove),  // InterpretationAuthor
        (0x40080111, .remove),  // InterpretationApproverSequence
        (0x40080114, .remove),  // PhysicianApprovingInterpretation
        (0x40080115, .remove),  // InterpretationDiagnosisDescription
        (0x40080119, .remove),  // DistributionName
        (0x4008011A, .remove),  // DistributionAddress
        (0x40080202, .remove),  // InterpretationIDIssuer
        (0x40080300, .remove),  // Impressions
        (0xFFFAFFFA, .remove),  // DigitalSignaturesSequence
        (0xFFFCFFFC, .remove),  // DataSetTrailingPadding
    ]
}
