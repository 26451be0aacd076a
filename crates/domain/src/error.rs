//! Field-level validation errors with stable codes and messages in Vietnamese and English.
//!
//! Every rule a user can break has one [`Rule`] variant, so the API, the pages and the import
//! report all name the same rule with the same words.

use std::fmt;

/// A broken rule on one input field. `field` is a dotted path in the wire names
/// (`birth_name`, `father.pin`, `permanent_residence.unit`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub rule: Rule,
}

impl FieldError {
    pub fn new(field: impl Into<String>, rule: Rule) -> Self {
        Self { field: field.into(), rule }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule.message_en())
    }
}

/// One or more field errors; the input as a whole is refused and nothing is changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, rule: Rule) -> Self {
        Self(vec![FieldError::new(field, rule)])
    }
}

/// Collects field errors while validating a whole input, so the caller sees every problem at once.
#[derive(Default, Debug)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, field: impl Into<String>, rule: Rule) {
        self.0.push(FieldError::new(field, rule));
    }
    /// Runs a fallible parse, recording its error under `field` (or under the error's own
    /// field prefixed by `field` when the error came from a nested input).
    pub fn check<T>(&mut self, field: &str, r: Result<T, Rule>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(rule) => {
                self.push(field, rule);
                None
            }
        }
    }
    pub fn extend_prefixed(&mut self, prefix: &str, inv: Invalid) {
        for e in inv.0 {
            let field = if prefix.is_empty() {
                e.field
            } else if e.field.is_empty() {
                prefix.to_string()
            } else {
                format!("{prefix}.{}", e.field)
            };
            self.0.push(FieldError { field, rule: e.rule });
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() { Ok(()) } else { Err(Invalid(self.0)) }
    }
}

macro_rules! rules {
    ($( $variant:ident => $code:literal, $vi:literal, $en:literal; )*) => {
        /// Every validation rule, with a stable machine code and a message in both languages.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Rule { $( $variant, )* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant, )* ];
            /// Stable code for programs (`pin.format`); never changes once published.
            pub fn code(self) -> &'static str { match self { $( Rule::$variant => $code, )* } }
            pub fn message_vi(self) -> &'static str { match self { $( Rule::$variant => $vi, )* } }
            pub fn message_en(self) -> &'static str { match self { $( Rule::$variant => $en, )* } }
        }
    };
}

rules! {
    Required => "required", "Trường này là bắt buộc.", "This field is required.";
    PinFormat => "pin.format", "Số định danh cá nhân phải gồm đúng 12 chữ số.", "A personal identification number has exactly 12 digits.";
    PinRegistrationCode => "pin.registration_code", "Ba chữ số đầu không phải mã tỉnh (001–096) hay mã quốc gia (101–295) hợp lệ.", "The first three digits are not a valid province code (001–096) or country code (101–295).";
    PinYearInFuture => "pin.year_in_future", "Năm sinh mã hóa trong số định danh nằm trong tương lai.", "The birth year encoded in the number lies in the future.";
    PinMismatchBirth => "pin.mismatch_birth", "Số định danh không khớp với năm sinh hoặc giới tính.", "The number does not match the year of birth or the sex.";
    PinUnknown => "pin.unknown", "Không tìm thấy người có số định danh này.", "No person has this identification number.";
    NameEmpty => "name.empty", "Họ và tên không được để trống.", "The name must not be empty.";
    NameNotNfc => "name.not_nfc", "Tên phải ở dạng Unicode NFC (dạng dựng sẵn).", "The name must be in Unicode NFC (precomposed) form.";
    NameTooLong => "name.too_long", "Tên dài quá 100 ký tự.", "The name is longer than 100 characters.";
    NameCharacters => "name.characters", "Tên chỉ được chứa chữ cái, dấu cách, dấu gạch nối và dấu nháy.", "A name may contain only letters, spaces, hyphens and apostrophes.";
    DateFormat => "date.format", "Ngày phải có dạng YYYY, YYYY-MM hoặc YYYY-MM-DD.", "A date is written YYYY, YYYY-MM or YYYY-MM-DD.";
    DateImpossible => "date.impossible", "Ngày này không tồn tại.", "This date does not exist.";
    DateInFuture => "date.in_future", "Ngày không được ở tương lai.", "The date must not be in the future.";
    DateBeforeBirth => "date.before_birth", "Ngày này trước ngày sinh.", "This date is before the date of birth.";
    DateFullRequired => "date.full_required", "Cần ngày đầy đủ (YYYY-MM-DD).", "A full date (YYYY-MM-DD) is required.";
    UnitFormat => "unit.format", "Mã đơn vị hành chính phải có dạng 2025:MÃ hoặc legacy:MÃ.", "An administrative unit is written 2025:CODE or legacy:CODE.";
    UnitUnknown => "unit.unknown", "Không có đơn vị hành chính với mã này trong danh mục.", "No administrative unit has this code in that catalogue.";
    UnitNotCommune => "unit.not_commune", "Cần mã cấp xã (5 chữ số).", "A commune-level code (5 digits) is required.";
    UnitLegacyNotAllowed => "unit.legacy_not_allowed", "Địa chỉ mới phải dùng danh mục đơn vị hành chính từ 01/7/2025.", "New addresses must use the administrative units in force since 1 July 2025.";
    TextTooLong => "text.too_long", "Nội dung quá dài.", "The text is too long.";
    TextControlChars => "text.control_chars", "Nội dung chứa ký tự điều khiển không hợp lệ.", "The text contains control characters.";
    Sex => "sex.invalid", "Giới tính phải là Nam (M) hoặc Nữ (F).", "Sex must be M (Nam) or F (Nữ).";
    Ethnicity => "ethnicity.unknown", "Dân tộc không có trong danh mục 54 dân tộc.", "The ethnicity is not one of the 54 groups.";
    Religion => "religion.unknown", "Tôn giáo không có trong danh mục.", "The religion is not in the list.";
    Nationality => "nationality.format", "Quốc tịch phải là mã ISO 3166 ba chữ cái (VNM).", "Nationality is an ISO 3166 alpha-3 code (VNM).";
    BloodGroup => "blood_group.invalid", "Nhóm máu phải là A, B, AB hoặc O kèm Rh + hoặc -.", "Blood group is A, B, AB or O with Rh + or -.";
    Cmnd9 => "cmnd9.format", "Số CMND cũ phải gồm đúng 9 chữ số.", "The old identity card number has exactly 9 digits.";
    Phone => "phone.format", "Số điện thoại phải có dạng 0xxxxxxxxx hoặc +84xxxxxxxxx.", "A phone number is written 0xxxxxxxxx or +84xxxxxxxxx.";
    Email => "email.format", "Địa chỉ thư điện tử không hợp lệ.", "The e-mail address is not valid.";
    MaritalStatus => "marital_status.invalid", "Tình trạng hôn nhân không hợp lệ.", "The marital status is not valid.";
    RelationKind => "relation.kind", "Quan hệ không hợp lệ.", "The relationship is not valid.";
    RelationSelf => "relation.self", "Một người không thể là thân nhân của chính mình.", "A person cannot be their own relative.";
    LegalBasisRequired => "legal_basis.required", "Cần ghi căn cứ pháp lý.", "A legal basis is required.";
    ReasonRequired => "reason.required", "Cần ghi lý do.", "A reason is required.";
    PersonDead => "person.dead", "Người này đã chết; không thể thực hiện thao tác.", "This person is dead; the action is refused.";
    PersonMissing => "person.missing", "Người này đã bị tuyên bố mất tích; không thể thực hiện thao tác.", "This person has been declared missing; the action is refused.";
    AlreadyMarried => "marriage.already_married", "Người này đang có vợ hoặc chồng.", "This person is already married.";
    NotMarriedToEachOther => "divorce.not_married", "Hai người này không phải vợ chồng của nhau.", "These two persons are not married to each other.";
    MarriageAge => "marriage.age", "Chưa đủ tuổi kết hôn (nam từ đủ 20, nữ từ đủ 18 tuổi).", "Below the marriage age (20 for men, 18 for women).";
    MarriageSameSex => "marriage.same_sex", "Nhà nước không thừa nhận hôn nhân giữa những người cùng giới tính.", "Marriage between persons of the same sex is not recognised.";
    MarriageKin => "marriage.kin", "Cấm kết hôn giữa những người có quan hệ trực hệ.", "Marriage between persons in the direct line is prohibited.";
    MarriageSelf => "marriage.self", "Không thể kết hôn với chính mình.", "A person cannot marry themselves.";
    WebhookUrl => "subscription.url", "Địa chỉ nhận sự kiện phải là URL https:// có tên máy (http://127.0.0.1 chỉ dùng khi thử nghiệm).", "The endpoint must be an https:// URL with a host name (http://127.0.0.1 only in tests and development).";
    EventKindUnknown => "subscription.event_kind", "Loại sự kiện không được hỗ trợ.", "This event kind is not offered.";
    EventFieldUnknown => "subscription.field", "Trường dữ liệu này không được chia sẻ qua sự kiện.", "This field cannot be shared through events.";
    ReplayFrom => "replay.from", "Cần đúng một điểm bắt đầu: số thứ tự sự kiện hoặc thời điểm.", "Give exactly one starting point: an event sequence number or a time.";
    SubscriptionState => "subscription.state", "Trạng thái của đăng ký nhận sự kiện không cho phép thao tác này.", "The subscription's state does not allow this.";
    HouseholdRelation => "household.relation", "Quan hệ với chủ hộ không hợp lệ.", "The relationship to the head of household is not valid.";
    HouseholdHasHead => "household.has_head", "Hộ gia đình đã có chủ hộ; mỗi hộ chỉ có một chủ hộ.", "The household already has a head; a household has exactly one.";
    HouseholdNeedsHead => "household.needs_head", "Hộ gia đình mới phải có chủ hộ.", "A new household needs a head.";
    HouseholdAddress => "household.address", "Địa chỉ đăng ký phải là địa chỉ của hộ gia đình.", "The registered address must be the household's address.";
    TemporaryTermTooLong => "temporary.term_too_long", "Thời hạn tạm trú tối đa là 02 năm (có thể gia hạn).", "A temporary registration lasts at most 2 years (it may be extended).";
    TemporaryTermEmpty => "temporary.term_empty", "Ngày hết hạn tạm trú phải sau ngày bắt đầu.", "The end of the temporary registration must be after its start.";
    TemporaryInPermanentCommune => "temporary.in_permanent_commune", "Không đăng ký tạm trú tại xã, phường, đặc khu nơi đã đăng ký thường trú.", "No temporary registration in the commune of one's permanent residence.";
    // Residence procedures (app/src/residence/procedures.rs).
    ResidenceProof => "residence.proof", "Loại giấy tờ chứng minh chỗ ở hợp pháp không hợp lệ (owned, consent, rented).", "The kind of proof of legal residence is not valid (owned, consent, rented).";
    FloorAreaInvalid => "residence.floor_area_invalid", "Diện tích sàn phải là số dương (m²).", "The floor area must be a positive number (m²).";
    FloorAreaTooSmall => "residence.floor_area_too_small", "Diện tích sàn bình quân mỗi người thấp hơn mức tối thiểu của tỉnh.", "The floor area per person is below the province's minimum.";
    NoPermanentRegistration => "residence.no_permanent", "Người này không có đăng ký thường trú hiện hành.", "This person has no current permanent registration.";
    NoTemporaryRegistration => "residence.no_temporary", "Người này không có đăng ký tạm trú hiện hành.", "This person has no current temporary registration.";
    NoResidence => "residence.none", "Người này không có nơi thường trú hoặc tạm trú hiện hành.", "This person has no current permanent or temporary residence.";
    ExtensionWindow => "temporary.extension_window", "Chỉ gia hạn tạm trú trong thời hạn trước ngày hết hạn tạm trú theo quy định.", "A temporary registration is extended only within the set period before it expires.";
    AbsenceCase => "absence.case", "Trường hợp khai báo tạm vắng không hợp lệ.", "The case of absence declaration is not valid.";
    AbsencePeriod => "absence.period", "Thời gian tạm vắng không hợp lệ (ngày kết thúc phải sau ngày bắt đầu).", "The absence period is not valid (it must end after it starts).";
    DeregistrationReason => "deregistration.reason", "Lý do xóa đăng ký cư trú không hợp lệ cho loại đăng ký này.", "The reason for deregistration is not valid for this kind of registration.";
    DeregistrationNotDead => "deregistration.not_dead", "Người này chưa chết hoặc chưa bị tuyên bố mất tích, chết.", "This person is neither dead nor declared missing or dead.";
    AbsenceRuleNotMet => "deregistration.absence_rule_not_met", "Cơ sở dữ liệu không cho thấy người này vắng mặt liên tục 12 tháng mà không đăng ký tạm trú hoặc khai báo tạm vắng.", "The register does not show 12 consecutive months of absence without a temporary registration or an absence declaration.";
    DeregistrationBeforeStart => "deregistration.before_start", "Ngày xóa đăng ký không được trước ngày đăng ký.", "Deregistration cannot take effect before the registration began.";
    ConversionChoice => "unit.conversion_choice", "Xã, phường được chọn không nằm trong các đơn vị mới tiếp nhận địa bàn của xã cũ.", "The chosen commune is not one of the new communes that took over the old commune's territory.";
    HouseholdUnknown => "household.unknown", "Không tìm thấy hộ gia đình.", "The household does not exist.";
    HouseholdNotMember => "household.not_member", "Người này không phải thành viên hiện tại của hộ.", "This person is not a current member of the household.";
    HouseholdHeadAdult => "household.head_adult", "Chủ hộ phải là người đã thành niên.", "The head of a household must be an adult.";
    HouseholdAlreadyHead => "household.already_head", "Người này đang là chủ hộ.", "This person already heads the household.";
    HouseholdMemberTwice => "household.member_twice", "Một người được nêu hai lần trong hồ sơ.", "A person is named twice in the dossier.";
    HouseholdSplitHead => "household.split_head", "Chủ hộ hiện tại không tách khỏi hộ của mình; hãy làm thủ tục thay đổi chủ hộ.", "The current head cannot split off from the household; change the head instead.";
    ApplicantNotAllowed => "applicant.not_allowed", "Người nộp này không được nộp hồ sơ này cho người đăng ký.", "This applicant may not file this dossier for this person.";
    ApplicantNotParent => "applicant.not_parent", "Người nộp không phải cha, mẹ của người đăng ký theo Cơ sở dữ liệu quốc gia về dân cư.", "The applicant is not a parent of the person in the population register.";
    ApplicantNotHead => "applicant.not_head", "Người nộp không phải chủ hộ hiện tại của người đăng ký.", "The applicant is not the current head of the person's household.";
    ApplicantSubjectMinor => "applicant.subject_minor", "Người chưa thành niên do cha, mẹ hoặc người giám hộ nộp hồ sơ.", "A minor's dossier is filed by a parent or guardian.";
    ApplicantSubjectAdult => "applicant.subject_adult", "Cha, mẹ chỉ nộp thay cho con chưa thành niên.", "A parent files only for a minor child.";
    ApplicantReference => "applicant.reference", "Cần số, ngày văn bản ủy quyền hoặc quyết định giám hộ.", "The reference of the written authorization or guardianship decision is required.";
    ParentSex => "parent.sex", "Giới tính của cha hoặc mẹ không phù hợp.", "The father's or mother's sex does not fit.";
    ParentAfterChild => "parent.younger", "Cha hoặc mẹ sinh sau con.", "The parent was born after the child.";
    CorrectionEmpty => "correction.empty", "Không có thay đổi nào để đính chính.", "The correction changes nothing.";
    CorrectionField => "correction.field", "Trường này không được đính chính bằng thủ tục này.", "This field cannot be changed by a correction.";
    NothingToReestablish => "pin.nothing_to_reestablish", "Số định danh đã khớp với ngày sinh và giới tính; không cần xác lập lại.", "The number already matches the date of birth and sex; nothing to re-establish.";
    Search => "search.too_broad", "Tìm kiếm quá rộng: thêm năm sinh hoặc tỉnh, hoặc nhập tên đầy đủ hơn.", "The search is too broad: add a year of birth or a province, or a fuller name.";
    SearchEmpty => "search.empty", "Nhập số định danh hoặc họ tên để tìm.", "Enter an identification number or a name to search.";
    Page => "page.invalid", "Số trang hoặc cỡ trang không hợp lệ.", "The page or page size is not valid.";
    Password => "password.weak", "Mật khẩu phải có ít nhất 12 ký tự.", "A password has at least 12 characters.";
    Username => "username.format", "Tên đăng nhập gồm 3–32 chữ thường, chữ số, dấu chấm, gạch dưới hoặc gạch nối.", "A user name has 3–32 lower-case letters, digits, dots, underscores or hyphens.";
    Role => "role.invalid", "Vai trò không hợp lệ.", "The role is not valid.";
    Jurisdiction => "jurisdiction.invalid", "Địa bàn phải là national, province:MÃ hoặc commune:MÃ (danh mục 2025).", "Jurisdiction is national, province:CODE or commune:CODE (2025 catalogue).";
    Scope => "scope.invalid", "Phạm vi quyền không hợp lệ.", "The scope is not valid.";
    Decision => "adjudication.decision", "Quyết định phải là create (tạo mới) hoặc duplicate (trùng).", "The decision is create or duplicate.";
    AlreadyDecided => "adjudication.decided", "Hồ sơ này đã được xử lý.", "This case has already been decided.";
    // Dossiers (the workflow of procedures) and their deadlines.
    DossierKind => "dossier.kind", "Loại hồ sơ không hợp lệ.", "The kind of dossier is not valid.";
    DossierAction => "dossier.action", "Không thể thực hiện bước này ở trạng thái hiện tại của hồ sơ.", "This step is not allowed in the dossier's current state.";
    DossierNoteRequired => "dossier.note_required", "Bước này cần ghi rõ lý do.", "This step needs a reason.";
    DossierChanged => "dossier.changed", "Hồ sơ đã được người khác cập nhật; hãy tải lại và thử lại.", "The dossier was changed by someone else; reload it and try again.";
    DossierAssignee => "dossier.assignee", "Không thể giao hồ sơ cho cán bộ này (không tồn tại, đã khóa hoặc ngoài địa bàn).", "The dossier cannot be assigned to this officer (unknown, inactive or outside the area).";
    ApplicantRelation => "applicant.relation", "Quan hệ của người nộp hồ sơ không hợp lệ.", "The applicant's relation is not valid.";
    CalendarNotCovered => "calendar.not_covered", "Lịch ngày nghỉ chưa có dữ liệu cho năm này nên không tính được thời hạn.", "The holiday calendar has no data for this year, so the deadline cannot be computed.";
    // Identity cards and the identity store.
    CardApplicationKind => "card.application_kind", "Loại hồ sơ cấp thẻ không hợp lệ.", "The kind of card application is not valid.";
    CardApplicationOpen => "card.application_open", "Người này đang có hồ sơ cấp thẻ chưa giải quyết xong.", "This person already has an open card application.";
    CardAlreadyHeld => "card.already_held", "Người này đang có thẻ căn cước còn hiệu lực; không cấp lần đầu.", "This person already holds a valid identity card; a first issue is refused.";
    CardNotFirst => "card.not_first", "Người này đã từng được cấp thẻ; hãy nộp hồ sơ cấp đổi hoặc cấp lại.", "This person has held a card before; apply for an exchange or a re-issue.";
    CardNoneToReplace => "card.none_to_replace", "Người này không có thẻ phù hợp để cấp đổi hoặc cấp lại.", "This person holds no card that this exchange or re-issue could replace.";
    CardExchangeTooEarly => "card.exchange_too_early", "Chưa đến thời hạn cấp đổi theo độ tuổi (từ 2 năm trước mốc tuổi).", "Too early for the exchange at a milestone age (possible from two years before it).";
    CardFaceRequired => "card.face_required", "Cần ảnh chân dung (người từ đủ 6 tuổi) trước khi phê duyệt.", "A face image is needed (holders aged 6 and over) before approval.";
    CardNotActive => "card.not_active", "Thẻ này không còn hiệu lực.", "This card is no longer valid.";
    CardDocumentNumber => "card.document_number", "Số thẻ trong MRZ gồm 9 chữ số (9 số cuối của số định danh).", "The document number has 9 digits (the last 9 of the identification number).";
    BiometricKind => "biometric.kind", "Loại sinh trắc học phải là face hoặc finger.1 … finger.10.", "The biometric kind is face or finger.1 … finger.10.";
    FaceNotJpeg => "biometric.face_format", "Ảnh chân dung phải là tệp JPEG.", "The face image must be a JPEG file.";
    FaceTooLarge => "biometric.face_size", "Ảnh chân dung không được lớn hơn 512 KiB.", "The face image must not exceed 512 KiB.";
    FaceDimensions => "biometric.face_dimensions", "Ảnh chân dung phải là ảnh dọc, từ 240 × 320 đến 4000 × 4000 điểm ảnh.", "The face image must be portrait, from 240 × 320 to 4000 × 4000 pixels.";
    FingerprintData => "biometric.fingerprint", "Vân tay phải là ảnh JPEG/PNG hoặc mẫu ISO/IEC 19794-2 hợp lệ, tối đa 1 MiB.", "A fingerprint is a JPEG/PNG image or a valid ISO/IEC 19794-2 template of at most 1 MiB.";
    BiometricContentType => "biometric.content_type", "Định dạng tệp sinh trắc học phải là image/jpeg, image/png hoặc application/octet-stream (mẫu ISO/IEC 19794-2).", "A biometric upload is image/jpeg, image/png or application/octet-stream (an ISO/IEC 19794-2 template).";
    ChipFile => "card.chip_file", "Tệp dữ liệu chip phải là base64 hợp lệ, tối đa 96 KiB.", "A chip file is valid base64 of at most 96 KiB.";
    ChipDataGroupNumber => "card.data_group_number", "Số nhóm dữ liệu (DG) phải từ 1 đến 16.", "A data group number is 1 to 16.";
    CardImageSide => "card.image_side", "Mặt thẻ phải là front hoặc back.", "The card side is front or back.";
    ImageFormat => "image.format", "Định dạng ảnh phải là svg hoặc png.", "The image format is svg or png.";
    // Stay notifications (lưu trú) and residence confirmations.
    StayHostKind => "stay.host_kind", "Loại nơi lưu trú phải là household (hộ gia đình) hoặc establishment (cơ sở lưu trú).", "The host kind is household or establishment.";
    StayNameMismatch => "stay.name_mismatch", "Họ tên không khớp với họ tên trong Cơ sở dữ liệu quốc gia về dân cư của số định danh này.", "The name does not match the register's name for this identification number.";
    StayDeparture => "stay.departure_before_arrival", "Ngày đi không được trước ngày đến.", "The departure must not be before the arrival.";
    StayTooLong => "stay.too_long", "Lưu trú phải dưới 30 ngày; từ 30 ngày trở lên phải đăng ký tạm trú.", "A stay is shorter than 30 days; 30 days or more need a temporary registration.";
    StayListPeriod => "stay.list_period", "Thời điểm kết thúc (to) phải sau thời điểm bắt đầu (from).", "The end of the period (to) must be after its start (from).";
    StayBatchSize => "stay.batch_size", "Mỗi lần thông báo gồm từ 1 đến 100 người lưu trú.", "A notification holds 1 to 100 guests.";
    StayDuplicateGuest => "stay.duplicate_guest", "Người này đã có trong cùng lần thông báo.", "This guest already appears in the same notification.";
    IdempotencyKey => "idempotency_key.format", "Khóa chống gửi trùng gồm 1–64 ký tự chữ, số, dấu chấm, gạch dưới hoặc gạch nối.", "An idempotency key has 1–64 letters, digits, dots, underscores or hyphens.";
    IdempotencyKeyReused => "idempotency_key.reused", "Khóa chống gửi trùng này đã được dùng cho một nội dung khác.", "This idempotency key was already used with a different request.";
    DateTimeFormat => "datetime.format", "Thời điểm phải theo RFC 3339, ví dụ 2026-09-01T14:30:00+07:00.", "An instant is RFC 3339, e.g. 2026-09-01T14:30:00+07:00.";
    ConfirmationToken => "residence_confirmation.malformed", "Không phải văn bản xác nhận cư trú có chữ ký (cần dạng JWS rút gọn).", "Not a signed residence confirmation (a compact JWS is expected).";
    // Electronic identification (e-ID accounts).
    EidPasswordShort => "eid.password.short", "Mật khẩu phải có ít nhất 8 ký tự.", "A password has at least 8 characters.";
    EidPasswordLong => "eid.password.long", "Mật khẩu dài quá 128 ký tự.", "A password has at most 128 characters.";
    EidPasswordWeak => "eid.password.weak", "Mật khẩu quá dễ đoán; hãy dùng một cụm từ dài hơn hoặc ít phổ biến hơn.", "The password is too easy to guess; use a longer or less common phrase.";
    EidPasswordCommon => "eid.password.common", "Mật khẩu này nằm trong danh sách mật khẩu phổ biến.", "This password is on the list of common passwords.";
    EidPasswordPersonal => "eid.password.personal", "Mật khẩu không được chứa số định danh, số điện thoại hoặc ngày sinh.", "The password must not contain the identification number, phone number or date of birth.";
    EidPasswordWrong => "eid.password.wrong", "Mật khẩu hiện tại không đúng.", "The current password is wrong.";
    EidPasscodeFormat => "eid.passcode.format", "Mã bảo vệ gồm đúng 6 chữ số.", "The passcode has exactly 6 digits.";
    EidPasscodeWeak => "eid.passcode.weak", "Mã bảo vệ quá dễ đoán (số lặp, dãy số liên tiếp, ngày sinh hoặc số định danh).", "The passcode is too easy to guess (repeated or consecutive digits, date of birth or identification number).";
    EidPasscodeWrong => "eid.passcode.wrong", "Mã bảo vệ không đúng.", "The passcode is wrong.";
    EidCodeFormat => "eid.code.format", "Mã xác thực gồm 6 chữ số.", "The code has 6 digits.";
    EidCodeWrong => "eid.code.wrong", "Mã xác thực không đúng.", "The code is wrong.";
    EidCodeExpired => "eid.code.expired", "Mã xác thực đã hết hạn; hãy yêu cầu mã mới.", "The code has expired; request a new one.";
    EidCodeUsed => "eid.code.used", "Mã xác thực này đã được sử dụng.", "This code has already been used.";
    EidCodeAttempts => "eid.code.attempts", "Đã nhập sai quá số lần cho phép; hãy yêu cầu mã mới.", "Too many wrong attempts; request a new code.";
    EidCodeNone => "eid.code.none", "Chưa có mã xác thực nào được gửi; hãy yêu cầu mã.", "No code has been sent; request one.";
    EidSmsLimit => "eid.sms.limit", "Đã gửi quá nhiều tin nhắn đến số điện thoại này; hãy thử lại sau.", "Too many messages were sent to this phone number; try again later.";
    EidAccountExists => "eid.account.exists", "Người này đã có tài khoản định danh điện tử.", "This person already has an e-ID account.";
    EidNoAccount => "eid.account.none", "Người này chưa có tài khoản định danh điện tử đang hoạt động.", "This person has no active e-ID account.";
    EidUnder14 => "eid.under_14", "Người dưới 14 tuổi được quản lý qua tài khoản của cha, mẹ hoặc người giám hộ.", "Persons under 14 are managed through a parent's or guardian's account.";
    EidState => "eid.state", "Trạng thái tài khoản không cho phép thao tác này.", "The account's state does not allow this.";
    EidLevel2Required => "eid.level2_required", "Cần tài khoản định danh điện tử mức độ 2.", "A level-2 e-ID account is required.";
    EidChecksRequired => "eid.checks_required", "Cán bộ phải xác nhận đã kiểm tra thẻ căn cước và đối chiếu người đến làm thủ tục.", "The officer must confirm that the card and the person were checked.";
    EidTotpWrong => "eid.totp.wrong", "Mã từ ứng dụng xác thực không đúng.", "The authenticator app code is wrong.";
    EidTotpNone => "eid.totp.none", "Tài khoản chưa đăng ký ứng dụng xác thực.", "No authenticator app is enrolled for this account.";
    EidPasskeyInvalid => "eid.passkey.invalid", "Khóa truy cập (passkey) không hợp lệ hoặc không khớp với yêu cầu.", "The passkey response is not valid for this request.";
    EidChallengeExpired => "eid.challenge.expired", "Yêu cầu đã hết hạn; hãy bắt đầu lại.", "The request has expired; start again.";
    EidChipInvalid => "eid.chip.invalid", "Dữ liệu chip không vượt qua xác thực thụ động: không phải dữ liệu do cơ quan cấp thẻ ký hoặc đã bị sửa đổi.", "The chip data fails passive authentication: it is not what the issuing authority signed, or it was altered.";
    EidChipAa => "eid.chip.active_authentication", "Chữ ký của chip không đúng với yêu cầu xác thực (có thể là bản sao dữ liệu chip); hãy đọc lại thẻ.", "The chip's signature does not answer the challenge (possibly copied chip data); read the card again.";
    EidChipMismatch => "eid.chip.mismatch", "Dữ liệu trên chip không khớp với thông tin của số định danh này trong Cơ sở dữ liệu quốc gia về dân cư.", "The chip data does not match the register's record of this identification number.";
    EidChipReading => "eid.chip.reading", "Tệp đọc thẻ không hợp lệ: cần tệp JSON do ứng dụng đọc thẻ tạo ra (sod, data_groups, aa_signature), tối đa 256 KiB.", "The card reading is not valid: it must be the JSON file a card reader app saves (sod, data_groups, aa_signature), at most 256 KiB.";
    EidCardNotValid => "eid.card.not_valid", "Thẻ căn cước này không còn giá trị (đã báo mất, bị thu hồi, đã thay thế hoặc hết hạn).", "This identity card is no longer valid (reported lost, revoked, replaced or expired).";
    EidFaceMismatch => "eid.face.mismatch", "Ảnh chụp không khớp với ảnh chân dung trên chip.", "The photo does not match the portrait on the chip.";
    EidMethod => "eid.method", "Phương thức xác thực này không dùng được cho tài khoản.", "This authentication method is not available for the account.";
    EidOrgCode => "eid.org.code", "Mã định danh tổ chức có dạng TC + 10 chữ số.", "An organisation e-ID code is TC followed by 10 digits.";
    EidOrgRole => "eid.org.role", "Vai trò phải là legal_representative, manager hoặc staff.", "The role is legal_representative, manager or staff.";
    TaxCode => "tax_code.format", "Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu gạch nối và 3 chữ số.", "A tax code has 10 digits, or 10 digits, a dash and 3 digits.";
    EidOrgTaxCodeTaken => "eid.org.tax_code_taken", "Đã có tổ chức đăng ký với mã số thuế này.", "An organisation with this tax code is already registered.";
    EidLegalRepOnly => "eid.org.legal_rep_only", "Chỉ người đại diện theo pháp luật được thực hiện thao tác này.", "Only the legal representative may do this.";
    EidMemberExists => "eid.org.member_exists", "Người này đã là thành viên của tổ chức.", "This person is already a member of the organisation.";
    EidNotMember => "eid.org.not_member", "Người này không phải thành viên của tổ chức.", "This person is not a member of the organisation.";
    EidNotDependant => "eid.not_dependant", "Người này không phải người phụ thuộc của tài khoản.", "This person is not a dependant of the account.";
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_messages_present() {
        let mut seen = HashSet::new();
        for r in Rule::ALL {
            assert!(seen.insert(r.code()), "duplicate code {}", r.code());
            assert!(!r.message_vi().is_empty() && !r.message_en().is_empty());
            assert_ne!(r.message_vi(), r.message_en(), "{} is not translated", r.code());
        }
    }

    #[test]
    fn errors_collect_and_prefix() {
        let mut e = Errors::new();
        e.push("birth_name", Rule::NameEmpty);
        e.extend_prefixed("father", Invalid::one("pin", Rule::PinFormat));
        let inv = e.finish().unwrap_err();
        assert_eq!(inv.0[1].field, "father.pin");
        assert_eq!(inv.0.len(), 2);
    }
}
