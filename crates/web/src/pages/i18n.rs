//! Every string of the officer pages, in Vietnamese (the default) and English.
//!
//! Two tables with the same keys; a unit test keeps them in step and checks that every key the
//! templates and handlers use exists. Validation messages come from the domain's [`Rule`] so the
//! pages, the API and the import report word a broken rule alike.

use dinhdanh_app::ports::EventKind;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{Field, MaritalStatus, RelationKind, Sex};
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// The translator a template holds: `tr.s("key")`.
#[derive(Clone, Copy, Debug)]
pub struct Tr(pub Lang);

fn table(lang: Lang) -> &'static HashMap<&'static str, &'static str> {
    static VI_MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    static EN_MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    match lang {
        Lang::Vi => VI_MAP.get_or_init(|| VI.iter().copied().collect()),
        Lang::En => EN_MAP.get_or_init(|| EN.iter().copied().collect()),
    }
}

impl Tr {
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// The string for `key`; a missing key shows as itself in brackets (the tests forbid it).
    pub fn s(&self, key: &str) -> &'static str {
        self.opt(key).unwrap_or("[?]")
    }

    pub fn opt(&self, key: &str) -> Option<&'static str> {
        table(self.0).get(key).copied()
    }

    pub fn rule(&self, r: Rule) -> &'static str {
        match self.0 {
            Lang::Vi => r.message_vi(),
            Lang::En => r.message_en(),
        }
    }

    pub fn field(&self, f: Field) -> &'static str {
        self.s(&format!("f.{}", f.name()))
    }

    pub fn sex(&self, s: Sex) -> &'static str {
        self.s(&format!("sex.{}", s.code()))
    }

    pub fn marital(&self, m: MaritalStatus) -> &'static str {
        self.s(&format!("marital.{}", m.code()))
    }

    pub fn relation(&self, r: RelationKind) -> &'static str {
        self.s(&format!("rel.{}", r.code()))
    }

    pub fn event(&self, k: EventKind) -> &'static str {
        self.s(&format!("event.{}", k.code()))
    }

    /// A life status code (`alive`, `dead`, `missing`).
    pub fn status_code(&self, code: &str) -> &'static str {
        self.s(&format!("status.{code}"))
    }
}

pub const VI: &[(&str, &str)] = &[
    ("app.name", "Cơ sở dữ liệu quốc gia về dân cư"),
    ("nav.skip", "Bỏ qua, đến nội dung chính"),
    ("nav.label", "Chức năng"),
    ("nav.search", "Tra cứu"),
    ("nav.birth", "Đăng ký khai sinh"),
    ("nav.adjudication", "Hồ sơ nghi trùng"),
    ("nav.units", "Tra mã đơn vị hành chính"),
    ("nav.logout", "Đăng xuất"),
    ("form.errors", "Vui lòng sửa các lỗi sau:"),
    ("form.any", "Tất cả"),
    ("login.title", "Đăng nhập cán bộ"),
    ("login.submit", "Đăng nhập"),
    ("login.failed", "Tên đăng nhập hoặc mật khẩu không đúng."),
    ("login.locked", "Tài khoản tạm thời bị khóa do nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau."),
    ("login.expired", "Phiên của biểu mẫu đã hết hạn. Vui lòng đăng nhập lại."),
    ("error.code", "Mã lỗi"),
    ("error.home", "Về trang tra cứu"),
    ("error.400.title", "Yêu cầu không hợp lệ"),
    ("error.400.text", "Yêu cầu không thể thực hiện. Không có dữ liệu nào bị thay đổi."),
    ("error.403.title", "Không có quyền truy cập"),
    (
        "error.403.text",
        "Bạn không có quyền thực hiện thao tác này hoặc xem hồ sơ ngoài địa bàn quản lý. Không có dữ liệu nào bị thay đổi.",
    ),
    ("error.404.title", "Không tìm thấy"),
    ("error.404.text", "Không có trang hoặc hồ sơ này."),
    ("error.500.title", "Lỗi hệ thống"),
    ("error.500.text", "Đã xảy ra lỗi. Vui lòng thử lại sau."),
    ("error.503.title", "Dịch vụ tạm thời không khả dụng"),
    ("error.503.text", "Cơ sở dữ liệu đang bận hoặc không kết nối được. Vui lòng thử lại sau."),
    ("search.title", "Tra cứu công dân"),
    ("search.q_hint", "Số định danh cá nhân (12 chữ số) hoặc họ tên, có dấu hay không dấu."),
    ("search.submit", "Tìm"),
    ("search.results", "Kết quả"),
    ("search.none", "Không tìm thấy công dân nào."),
    ("search.pages", "Phân trang"),
    ("search.prev", "Trang trước"),
    ("search.next", "Trang sau"),
    ("search.page", "Trang"),
    ("person.as_of_shown", "Thông tin tại ngày"),
    ("person.current", "Xem thông tin hiện tại"),
    ("person.show", "Xem"),
    ("person.record", "Thông tin công dân"),
    ("person.residences", "Nơi cư trú"),
    ("person.relatives", "Thân nhân"),
    ("person.relation", "Quan hệ"),
    ("person.detail", "Ghi chú"),
    ("person.none", "Không có."),
    ("person.pin_history", "Lịch sử số định danh"),
    ("person.pin_current", "Số định danh hiện tại"),
    ("person.pin_cancelled", "Số đã hủy"),
    ("person.cancelled_on", "Ngày hủy"),
    ("person.events", "Cập nhật sự kiện hộ tịch"),
    ("person.history", "Lịch sử thay đổi thông tin"),
    ("hist.recorded", "Thời điểm ghi"),
    ("hist.effective", "Ngày có hiệu lực"),
    ("hist.event", "Sự kiện"),
    ("hist.actor", "Người thực hiện"),
    ("hist.changes", "Thay đổi"),
    ("hist.created", "Tạo hồ sơ"),
    ("event.record", "Ghi nhận"),
    ("event.birth_registration", "Đăng ký khai sinh"),
    ("event.marriage", "Đăng ký kết hôn"),
    ("event.divorce", "Ly hôn"),
    ("event.death", "Khai tử"),
    ("event.declared_missing", "Tuyên bố mất tích"),
    ("event.correction", "Điều chỉnh thông tin"),
    ("event.pin_reestablishment", "Xác lập lại số định danh"),
    ("event.import", "Nhập dữ liệu"),
    ("event.adjudication_decision", "Quyết định hồ sơ nghi trùng"),
    ("done.marriage", "Đã ghi nhận việc kết hôn."),
    ("done.divorce", "Đã ghi nhận việc ly hôn."),
    ("done.death", "Đã ghi nhận việc khai tử."),
    ("done.missing", "Đã ghi nhận việc tuyên bố mất tích."),
    ("done.correction", "Đã điều chỉnh thông tin."),
    ("done.birth", "Đã đăng ký khai sinh và cấp số định danh cá nhân."),
    (
        "correction.hint",
        "Để trống để xóa trường không bắt buộc. Nơi cư trú: mã xã, rồi địa chỉ chi tiết sau dấu phẩy (26743, 12 Lê Lợi). Ngày: YYYY, YYYY-MM hoặc YYYY-MM-DD. Tên khác: cách nhau bằng dấu chấm phẩy.",
    ),
    ("birth.title", "Đăng ký khai sinh"),
    ("birth.child", "Người được khai sinh"),
    ("birth.places", "Nơi đăng ký, nơi sinh, quê quán"),
    ("birth.unit_hint", "Nhập mã đơn vị hành chính theo danh mục từ 01/7/2025 (xã: 5 chữ số, tỉnh: 2 chữ số)."),
    ("birth.parents", "Cha, mẹ"),
    ("birth.parent_hint", "Nhập số định danh nếu cha, mẹ đã có trong Cơ sở dữ liệu; nếu chưa, nhập họ tên."),
    ("birth.nationality_hint", "Mã ISO 3 chữ cái, cách nhau bằng dấu phẩy (VNM)."),
    ("birth.submit", "Đăng ký khai sinh"),
    ("birth.case", "Có hồ sơ trùng khớp; hồ sơ đã được chuyển cán bộ có thẩm quyền xem xét. Mã hồ sơ:"),
    ("birth.outside", "Đơn vị đăng ký nằm ngoài địa bàn bạn quản lý."),
    ("case.list_title", "Hồ sơ nghi trùng"),
    ("case.title", "Hồ sơ nghi trùng"),
    ("case.filter", "Lọc theo trạng thái"),
    ("case.none", "Không có hồ sơ."),
    ("case.created", "Ngày tạo"),
    ("case.created_by", "Người tạo"),
    ("case.source", "Nguồn"),
    ("case.source.birth", "Đăng ký khai sinh"),
    ("case.source.import", "Nhập dữ liệu"),
    ("case.status.pending", "Chờ xử lý"),
    ("case.status.created", "Đã tạo hồ sơ mới"),
    ("case.status.duplicate", "Trùng"),
    ("case.status.all", "Tất cả"),
    ("case.candidate", "Hồ sơ đề nghị"),
    ("case.matches", "Hồ sơ hiện có trùng khớp"),
    ("case.match_outside", "(ngoài địa bàn quản lý)"),
    ("case.line", "Dòng trong tệp"),
    ("case.decision", "Quyết định"),
    ("case.decide", "Xử lý hồ sơ"),
    ("case.create", "Không trùng: tạo hồ sơ mới"),
    ("case.duplicate", "Trùng với hồ sơ hiện có: không tạo"),
    ("case.submit", "Lưu quyết định"),
    ("case.decided_notice", "Đã lưu quyết định."),
    ("units.title", "Tra mã đơn vị hành chính (từ 01/7/2025)"),
    ("units.code", "Mã"),
    ("units.name", "Tên đơn vị"),
    ("sex.M", "Nam"),
    ("sex.F", "Nữ"),
    ("status.alive", "Còn sống"),
    ("status.dead", "Đã chết"),
    ("status.missing", "Mất tích"),
    ("marital.single", "Chưa kết hôn"),
    ("marital.married", "Đã kết hôn"),
    ("marital.divorced", "Đã ly hôn"),
    ("marital.widowed", "Góa"),
    ("rel.father", "Cha"),
    ("rel.mother", "Mẹ"),
    ("rel.spouse", "Vợ/chồng"),
    ("rel.child", "Con"),
    ("rel.legal_representative", "Người đại diện hợp pháp"),
    ("rel.represented", "Người được đại diện"),
    ("f.pin", "Số định danh cá nhân"),
    ("f.cancelled_pins", "Số định danh đã hủy"),
    ("f.birth_name", "Họ, chữ đệm và tên khai sinh"),
    ("f.other_names", "Tên gọi khác"),
    ("f.date_of_birth", "Ngày, tháng, năm sinh"),
    ("f.sex", "Giới tính"),
    ("f.place_of_birth", "Nơi sinh"),
    ("f.birth_registration", "Nơi đăng ký khai sinh"),
    ("f.hometown", "Quê quán"),
    ("f.ethnicity", "Dân tộc"),
    ("f.religion", "Tôn giáo"),
    ("f.nationality", "Quốc tịch"),
    ("f.blood_group", "Nhóm máu"),
    ("f.cmnd9", "Số Chứng minh nhân dân 9 số"),
    ("f.cards", "Thẻ đã cấp"),
    ("f.relatives", "Thân nhân"),
    ("f.permanent_residence", "Nơi thường trú"),
    ("f.temporary_residence", "Nơi tạm trú"),
    ("f.current_residence", "Nơi ở hiện tại"),
    ("f.marital_status", "Tình trạng hôn nhân"),
    ("f.status", "Tình trạng"),
    ("f.phone", "Số điện thoại"),
    ("f.email", "Thư điện tử"),
    ("f.q", "Số định danh hoặc họ tên"),
    ("f.birth_year", "Năm sinh"),
    ("f.province", "Tỉnh, thành phố"),
    ("f.page", "Trang"),
    ("f.username", "Tên đăng nhập"),
    ("f.password", "Mật khẩu"),
    ("f.as_of", "Xem thông tin tại ngày"),
    ("f.spouse_pin", "Số định danh của vợ/chồng"),
    ("f.date", "Ngày"),
    ("f.date_partial", "Ngày (YYYY-MM-DD, YYYY-MM hoặc YYYY)"),
    ("f.legal_basis", "Căn cứ pháp lý"),
    ("f.reason", "Lý do"),
    ("f.note", "Ghi chú"),
    ("f.field", "Trường cần điều chỉnh"),
    ("f.value", "Giá trị mới"),
    ("f.registration_unit", "Mã xã nơi đăng ký khai sinh"),
    ("f.place_of_birth_unit", "Mã đơn vị nơi sinh"),
    ("f.place_of_birth_detail", "Nơi sinh chi tiết (cơ sở y tế, thôn…)"),
    ("f.hometown_unit", "Mã đơn vị quê quán"),
    ("f.hometown_detail", "Quê quán chi tiết"),
    ("f.father", "Cha"),
    ("f.mother", "Mẹ"),
    ("f.father_pin", "Số định danh của cha"),
    ("f.father_name", "Họ tên cha"),
    ("f.father_cmnd9", "Số CMND 9 số của cha"),
    ("f.mother_pin", "Số định danh của mẹ"),
    ("f.mother_name", "Họ tên mẹ"),
    ("f.mother_cmnd9", "Số CMND 9 số của mẹ"),
    ("f.permanent_unit", "Mã xã nơi thường trú"),
    ("f.permanent_detail", "Địa chỉ thường trú chi tiết"),
    ("f.current_unit", "Mã xã nơi ở hiện tại"),
    ("f.current_detail", "Địa chỉ nơi ở hiện tại chi tiết"),
    ("f.decision", "Quyết định"),
    // Identity cards.
    ("event.card_issued", "Cấp thẻ căn cước"),
];

pub const EN: &[(&str, &str)] = &[
    ("app.name", "National Population Database"),
    ("nav.skip", "Skip to main content"),
    ("nav.label", "Functions"),
    ("nav.search", "Search"),
    ("nav.birth", "Register a birth"),
    ("nav.adjudication", "Possible duplicates"),
    ("nav.units", "Administrative unit codes"),
    ("nav.logout", "Sign out"),
    ("form.errors", "Please correct the following:"),
    ("form.any", "Any"),
    ("login.title", "Officer sign-in"),
    ("login.submit", "Sign in"),
    ("login.failed", "Wrong user name or password."),
    ("login.locked", "The account is locked for a while after repeated wrong passwords. Please try again later."),
    ("login.expired", "The form has expired. Please sign in again."),
    ("error.code", "Error code"),
    ("error.home", "Back to search"),
    ("error.400.title", "Request not valid"),
    ("error.400.text", "The request cannot be carried out. Nothing was changed."),
    ("error.403.title", "Access denied"),
    ("error.403.text", "You may not do this, or the record lies outside your jurisdiction. Nothing was changed."),
    ("error.404.title", "Not found"),
    ("error.404.text", "There is no such page or record."),
    ("error.500.title", "System error"),
    ("error.500.text", "Something went wrong. Please try again later."),
    ("error.503.title", "Service temporarily unavailable"),
    ("error.503.text", "The database is busy or cannot be reached. Please try again later."),
    ("search.title", "Search citizens"),
    ("search.q_hint", "Personal identification number (12 digits) or name, with or without diacritics."),
    ("search.submit", "Search"),
    ("search.results", "Results"),
    ("search.none", "No citizen found."),
    ("search.pages", "Pages"),
    ("search.prev", "Previous page"),
    ("search.next", "Next page"),
    ("search.page", "Page"),
    ("person.as_of_shown", "Record as of"),
    ("person.current", "Show the current record"),
    ("person.show", "Show"),
    ("person.record", "Citizen record"),
    ("person.residences", "Residence"),
    ("person.relatives", "Relatives"),
    ("person.relation", "Relationship"),
    ("person.detail", "Notes"),
    ("person.none", "None."),
    ("person.pin_history", "Identification number history"),
    ("person.pin_current", "Current number"),
    ("person.pin_cancelled", "Cancelled number"),
    ("person.cancelled_on", "Cancelled on"),
    ("person.events", "Record a civil-status event"),
    ("person.history", "Change history"),
    ("hist.recorded", "Recorded"),
    ("hist.effective", "Effective"),
    ("hist.event", "Event"),
    ("hist.actor", "By"),
    ("hist.changes", "Changes"),
    ("hist.created", "Record created"),
    ("event.record", "Record"),
    ("event.birth_registration", "Birth registration"),
    ("event.marriage", "Marriage"),
    ("event.divorce", "Divorce"),
    ("event.death", "Death"),
    ("event.declared_missing", "Declaration of missing"),
    ("event.correction", "Correction"),
    ("event.pin_reestablishment", "Number re-established"),
    ("event.import", "Import"),
    ("event.adjudication_decision", "Duplicate decision"),
    ("done.marriage", "The marriage has been recorded."),
    ("done.divorce", "The divorce has been recorded."),
    ("done.death", "The death has been recorded."),
    ("done.missing", "The declaration of missing has been recorded."),
    ("done.correction", "The record has been corrected."),
    ("done.birth", "The birth has been registered and a personal identification number issued."),
    (
        "correction.hint",
        "Leave empty to clear an optional field. Residence: commune code, then the street address after a comma (26743, 12 Lê Lợi). Dates: YYYY, YYYY-MM or YYYY-MM-DD. Other names: separated by semicolons.",
    ),
    ("birth.title", "Register a birth"),
    ("birth.child", "The child"),
    ("birth.places", "Registration, place of birth, place of origin"),
    (
        "birth.unit_hint",
        "Enter administrative unit codes of the catalogue in force since 1 July 2025 (commune: 5 digits, province: 2 digits).",
    ),
    ("birth.parents", "Parents"),
    (
        "birth.parent_hint",
        "Enter the parent's identification number if they are in the register; otherwise their name.",
    ),
    ("birth.nationality_hint", "ISO three-letter codes, separated by commas (VNM)."),
    ("birth.submit", "Register the birth"),
    ("birth.case", "A matching record exists; the registration was sent to a supervisor for decision. Case number:"),
    ("birth.outside", "The registration unit lies outside your jurisdiction."),
    ("case.list_title", "Possible duplicates"),
    ("case.title", "Possible duplicate"),
    ("case.filter", "Filter by status"),
    ("case.none", "No cases."),
    ("case.created", "Created"),
    ("case.created_by", "Created by"),
    ("case.source", "Source"),
    ("case.source.birth", "Birth registration"),
    ("case.source.import", "Import"),
    ("case.status.pending", "Pending"),
    ("case.status.created", "Record created"),
    ("case.status.duplicate", "Duplicate"),
    ("case.status.all", "All"),
    ("case.candidate", "Proposed record"),
    ("case.matches", "Matching existing records"),
    ("case.match_outside", "(outside your jurisdiction)"),
    ("case.line", "Line in file"),
    ("case.decision", "Decision"),
    ("case.decide", "Decide"),
    ("case.create", "Not a duplicate: create the record"),
    ("case.duplicate", "Duplicate of an existing record: create nothing"),
    ("case.submit", "Save decision"),
    ("case.decided_notice", "The decision has been saved."),
    ("units.title", "Administrative unit codes (since 1 July 2025)"),
    ("units.code", "Code"),
    ("units.name", "Unit"),
    ("sex.M", "Male"),
    ("sex.F", "Female"),
    ("status.alive", "Alive"),
    ("status.dead", "Dead"),
    ("status.missing", "Missing"),
    ("marital.single", "Single"),
    ("marital.married", "Married"),
    ("marital.divorced", "Divorced"),
    ("marital.widowed", "Widowed"),
    ("rel.father", "Father"),
    ("rel.mother", "Mother"),
    ("rel.spouse", "Spouse"),
    ("rel.child", "Child"),
    ("rel.legal_representative", "Legal representative"),
    ("rel.represented", "Represented person"),
    ("f.pin", "Personal identification number"),
    ("f.cancelled_pins", "Cancelled numbers"),
    ("f.birth_name", "Full name at birth"),
    ("f.other_names", "Other names"),
    ("f.date_of_birth", "Date of birth"),
    ("f.sex", "Sex"),
    ("f.place_of_birth", "Place of birth"),
    ("f.birth_registration", "Birth registered at"),
    ("f.hometown", "Place of origin"),
    ("f.ethnicity", "Ethnicity"),
    ("f.religion", "Religion"),
    ("f.nationality", "Nationality"),
    ("f.blood_group", "Blood group"),
    ("f.cmnd9", "Old 9-digit identity card number"),
    ("f.cards", "Cards issued"),
    ("f.relatives", "Relatives"),
    ("f.permanent_residence", "Permanent residence"),
    ("f.temporary_residence", "Temporary residence"),
    ("f.current_residence", "Current residence"),
    ("f.marital_status", "Marital status"),
    ("f.status", "Status"),
    ("f.phone", "Phone"),
    ("f.email", "E-mail"),
    ("f.q", "Identification number or name"),
    ("f.birth_year", "Year of birth"),
    ("f.province", "Province"),
    ("f.page", "Page"),
    ("f.username", "User name"),
    ("f.password", "Password"),
    ("f.as_of", "Show the record as of"),
    ("f.spouse_pin", "Spouse's identification number"),
    ("f.date", "Date"),
    ("f.date_partial", "Date (YYYY-MM-DD, YYYY-MM or YYYY)"),
    ("f.legal_basis", "Legal basis"),
    ("f.reason", "Reason"),
    ("f.note", "Note"),
    ("f.field", "Field to correct"),
    ("f.value", "New value"),
    ("f.registration_unit", "Commune code of registration"),
    ("f.place_of_birth_unit", "Unit code of the place of birth"),
    ("f.place_of_birth_detail", "Place of birth in detail (hospital, village…)"),
    ("f.hometown_unit", "Unit code of the place of origin"),
    ("f.hometown_detail", "Place of origin in detail"),
    ("f.father", "Father"),
    ("f.mother", "Mother"),
    ("f.father_pin", "Father's identification number"),
    ("f.father_name", "Father's name"),
    ("f.father_cmnd9", "Father's old 9-digit card number"),
    ("f.mother_pin", "Mother's identification number"),
    ("f.mother_name", "Mother's name"),
    ("f.mother_cmnd9", "Mother's old 9-digit card number"),
    ("f.permanent_unit", "Commune code of permanent residence"),
    ("f.permanent_detail", "Permanent address in detail"),
    ("f.current_unit", "Commune code of current residence"),
    ("f.current_detail", "Current address in detail"),
    ("f.decision", "Decision"),
    // Identity cards.
    ("event.card_issued", "Identity card issued"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(t: &[(&'static str, &str)]) -> BTreeSet<&'static str> {
        let set: BTreeSet<_> = t.iter().map(|(k, _)| *k).collect();
        assert_eq!(set.len(), t.len(), "a key appears twice");
        set
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let (vi, en) = (keys(VI), keys(EN));
        assert_eq!(vi.difference(&en).collect::<Vec<_>>(), Vec::<&&str>::new(), "missing in English");
        assert_eq!(en.difference(&vi).collect::<Vec<_>>(), Vec::<&&str>::new(), "missing in Vietnamese");
        for ((k, v), (_, e)) in VI.iter().zip(EN) {
            assert!(!v.is_empty() && !e.is_empty(), "{k} is empty");
        }
    }

    /// Every literal key the templates and handlers look up, and every generated one, exists.
    #[test]
    fn every_used_key_exists() {
        let vi = keys(VI);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for sub in ["templates", "src/pages"] {
            for e in std::fs::read_dir(dir.join(sub)).expect("read dir") {
                files.push(e.expect("entry").path());
            }
        }
        let mut used = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read file");
            for (i, _) in text.match_indices("s(\"") {
                let rest = &text[i + 3..];
                let key = &rest[..rest.find('"').expect("closing quote")];
                if key.contains('.') {
                    used += 1;
                    assert!(vi.contains(key), "{}: key {key} is not in the tables", f.display());
                }
            }
        }
        assert!(used > 100, "the scan found only {used} keys");
        let tr = Tr(Lang::En);
        for f in Field::ALL {
            assert_ne!(tr.field(f), "[?]", "{}", f.name());
        }
        for k in EventKind::ALL {
            assert_ne!(tr.event(k), "[?]", "{}", k.code());
        }
        for r in RelationKind::ALL {
            assert_ne!(tr.relation(r), "[?]");
        }
        for m in MaritalStatus::ALL {
            assert_ne!(tr.marital(m), "[?]");
        }
        for s in ["alive", "dead", "missing"] {
            assert_ne!(tr.status_code(s), "[?]");
        }
        for k in ["marriage", "divorce", "death", "missing", "correction", "birth"] {
            assert!(vi.contains(format!("done.{k}").as_str()), "done.{k}");
        }
        for k in ["pending", "created", "duplicate", "all"] {
            assert!(vi.contains(format!("case.status.{k}").as_str()), "case.status.{k}");
        }
    }

    #[test]
    fn languages_parse() {
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Tr(Lang::Vi).s("nav.search"), "Tra cứu");
        assert_eq!(Tr(Lang::En).s("nokey"), "[?]");
    }
}
