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
    ("event.residence_change", "Đăng ký cư trú"),
    // e-ID accounts and the citizen pages.
    ("error.429.title", "Quá nhiều lần thử"),
    ("error.429.text", "Bạn đã thử quá nhiều lần trong thời gian ngắn. Vui lòng chờ một lát rồi thử lại."),
    ("nav.eid", "Định danh điện tử"),
    ("eid.app", "Định danh điện tử"),
    ("eid.level", "Mức độ"),
    ("eid.state", "Trạng thái"),
    ("eid.state.pending", "Chờ duyệt"),
    ("eid.state.approved", "Đã duyệt, chờ kích hoạt"),
    ("eid.state.active", "Đang hoạt động"),
    ("eid.state.locked", "Đang bị khóa"),
    ("eid.state.revoked", "Đã thu hồi"),
    ("eid.locked_by.holder", "Chủ tài khoản khóa"),
    ("eid.locked_by.officer", "Cán bộ công an khóa"),
    ("eid.locked_by.failures", "Khóa do đăng nhập sai nhiều lần"),
    ("eid.to_login", "Đến trang đăng nhập"),
    ("eid.or", "hoặc"),
    ("eid.f.pin", "Số định danh cá nhân"),
    ("eid.f.pin.hint", "12 chữ số, là tên đăng nhập của bạn"),
    ("eid.f.phone", "Số điện thoại"),
    ("eid.f.code", "Mã xác thực (SMS)"),
    ("eid.f.app_code", "Mã từ ứng dụng xác thực"),
    ("eid.f.new_password", "Mật khẩu mới"),
    ("eid.f.current_password", "Mật khẩu hiện tại"),
    (
        "eid.f.password.hint",
        "Ít nhất 8 ký tự; nên dùng một cụm từ dễ nhớ; không dùng số định danh, số điện thoại hay ngày sinh",
    ),
    ("eid.f.passcode", "Mã bảo vệ (6 số)"),
    ("eid.f.current_passcode", "Mã bảo vệ hiện tại"),
    ("eid.f.new_passcode", "Mã bảo vệ mới"),
    (
        "eid.f.passcode.hint",
        "6 chữ số dùng cho các thao tác quan trọng; không dùng số lặp, dãy liên tiếp hay ngày sinh",
    ),
    ("eid.f.reason", "Lý do"),
    ("eid.f.name_vi", "Tên tiếng Việt"),
    ("eid.f.name_abbr", "Tên viết tắt"),
    ("eid.f.name_foreign", "Tên nước ngoài"),
    ("eid.f.established", "Ngày thành lập"),
    ("eid.f.head_office", "Trụ sở chính"),
    ("eid.f.head_office_unit", "Mã xã/phường của trụ sở"),
    ("eid.f.head_office_unit.hint", "Mã 5 chữ số theo danh mục từ 01/7/2025, ví dụ 26743"),
    ("eid.f.head_office_detail", "Địa chỉ chi tiết"),
    ("eid.f.tax_code", "Mã số thuế"),
    ("eid.login.title", "Đăng nhập tài khoản định danh điện tử"),
    ("eid.login.submit", "Đăng nhập"),
    ("eid.login.failed", "Số định danh hoặc mật khẩu không đúng."),
    (
        "eid.login.locked",
        "Tài khoản đang bị khóa do đăng nhập sai nhiều lần hoặc theo yêu cầu. Hãy đặt lại mật khẩu bằng mã SMS hoặc liên hệ cơ quan công an.",
    ),
    ("eid.login.wait", "Vui lòng chờ vài giây rồi thử lại."),
    ("eid.locked.title", "Tài khoản bị khóa"),
    ("eid.locked.text", "Tài khoản đang bị khóa. Hãy đặt lại mật khẩu bằng mã SMS hoặc liên hệ cơ quan công an."),
    ("eid.locked_self.title", "Đã khóa tài khoản"),
    (
        "eid.locked_self.text",
        "Tài khoản của bạn đã được khóa và mọi phiên đăng nhập đã kết thúc. Để mở khóa, hãy đặt lại mật khẩu bằng mã SMS hoặc đến cơ quan công an.",
    ),
    ("eid.second.title", "Xác thực bước hai"),
    ("eid.second.intro", "Mật khẩu đúng. Hãy hoàn tất đăng nhập bằng một trong các cách sau."),
    ("eid.second.sms", "Mã gửi qua SMS"),
    ("eid.second.send", "Gửi mã"),
    ("eid.second.sent", "Đã gửi mã đến số điện thoại"),
    ("eid.second.still_valid", "Mã đã gửi chưa đầy một phút trước vẫn còn hiệu lực, hãy nhập mã đó. Số điện thoại:"),
    ("eid.second.confirm", "Xác nhận"),
    ("eid.second.totp", "Ứng dụng xác thực"),
    ("eid.second.passkey", "Khóa truy cập (passkey)"),
    ("eid.passkey.use", "Dùng khóa truy cập"),
    ("eid.passkey.login", "Đăng nhập bằng khóa truy cập"),
    ("eid.passkey.failed", "Khóa truy cập không được chấp nhận."),
    ("eid.passkey.needs_js", "Khóa truy cập cần trình duyệt có JavaScript và hỗ trợ WebAuthn."),
    (
        "eid.passkey.intro",
        "Khóa truy cập dùng vân tay, khuôn mặt hoặc mã khóa màn hình của thiết bị; không cần mật khẩu.",
    ),
    ("eid.passkey.name", "Tên khóa"),
    ("eid.passkey.default_name", "Điện thoại của tôi"),
    ("eid.passkey.add", "Thêm khóa truy cập"),
    ("eid.passkey.remove", "Xóa"),
    ("eid.passkey.created", "Tạo lúc"),
    ("eid.passkey.used", "dùng lần cuối"),
    ("eid.activate.title", "Kích hoạt tài khoản"),
    ("eid.activate.link", "Kích hoạt tài khoản đã được duyệt"),
    (
        "eid.activate.intro",
        "Nhập số định danh và số điện thoại đã đăng ký. Mã kích hoạt sẽ được gửi qua SMS; mật khẩu không bao giờ được gửi qua SMS.",
    ),
    ("eid.activate.submit", "Kích hoạt"),
    ("eid.activated.title", "Tài khoản đã được kích hoạt"),
    ("eid.activated.text", "Bạn có thể đăng nhập bằng số định danh và mật khẩu vừa đặt."),
    ("eid.reset.title", "Đặt lại mật khẩu"),
    ("eid.reset.link", "Quên mật khẩu hoặc tài khoản bị khóa"),
    ("eid.reset.intro", "Nhập số định danh và số điện thoại đã đăng ký; mã đặt lại sẽ được gửi qua SMS."),
    ("eid.reset.submit", "Đặt mật khẩu mới"),
    ("eid.reset.done.title", "Đã đặt lại mật khẩu"),
    ("eid.reset.done.text", "Mật khẩu mới đã có hiệu lực; mọi phiên đăng nhập cũ đã kết thúc."),
    ("eid.code.request", "Nhận mã qua SMS"),
    (
        "eid.code.sent_if",
        "Nếu thông tin khớp với tài khoản, mã đã được gửi đến số điện thoại trong vài giây (hoặc mã gửi chưa đầy \
         một phút trước vẫn dùng được). Mã có hiệu lực 5 phút.",
    ),
    ("eid.home.title", "Tài khoản của tôi"),
    ("eid.home.hello", "Xin chào,"),
    ("eid.home.factors", "Phương thức xác thực"),
    ("eid.home.signed_in_with", "Phiên này đăng nhập bằng"),
    ("eid.nav.profile", "Thông tin công dân"),
    ("eid.nav.security", "Bảo mật"),
    ("eid.nav.history", "Lịch sử đăng nhập"),
    ("eid.nav.dependants", "Người phụ thuộc"),
    ("eid.nav.orgs", "Tổ chức"),
    ("eid.nav.passkeys", "Khóa truy cập"),
    (
        "eid.profile.intro",
        "Thông tin của bạn trong Cơ sở dữ liệu quốc gia về dân cư. Mỗi lần xem đều được ghi nhật ký.",
    ),
    ("eid.history.intro", "Mọi lần đăng nhập, đăng nhập sai, khóa, mở khóa và thay đổi phương thức xác thực."),
    ("eid.history.when", "Thời gian"),
    ("eid.history.what", "Sự kiện"),
    ("eid.history.detail", "Chi tiết"),
    ("eid.history.officer", "cán bộ"),
    ("eid.audit.eid_login", "Đăng nhập"),
    ("eid.audit.eid_login_failed", "Xác thực không thành công"),
    ("eid.audit.eid_logout", "Đăng xuất"),
    ("eid.audit.eid_lock", "Khóa tài khoản"),
    ("eid.audit.eid_unlock", "Mở khóa tài khoản"),
    ("eid.audit.eid_factor", "Thay đổi phương thức xác thực"),
    ("eid.audit.eid_account", "Thay đổi tài khoản"),
    ("eid.audit.eid_code", "Gửi mã SMS"),
    ("eid.password.title", "Đổi mật khẩu"),
    ("eid.password.submit", "Đổi mật khẩu"),
    ("eid.passcode.title", "Đổi mã bảo vệ"),
    ("eid.passcode.submit", "Đổi mã bảo vệ"),
    (
        "eid.totp.intro",
        "Dùng ứng dụng xác thực (Google Authenticator, Microsoft Authenticator…) làm bước xác thực thứ hai.",
    ),
    ("eid.totp.begin", "Đăng ký ứng dụng xác thực"),
    ("eid.totp.scan", "Quét mã QR bằng ứng dụng xác thực, rồi nhập mã 6 số mà ứng dụng hiển thị."),
    ("eid.totp.qr", "Mã QR đăng ký ứng dụng xác thực"),
    ("eid.totp.manual", "Hoặc nhập khóa:"),
    ("eid.totp.open_app", "Mở bằng ứng dụng trên thiết bị này"),
    ("eid.totp.confirm", "Xác nhận"),
    ("eid.totp.enrolled", "Ứng dụng xác thực đã được đăng ký."),
    ("eid.totp.remove", "Gỡ ứng dụng xác thực"),
    ("eid.sessions.title", "Phiên đăng nhập"),
    ("eid.sessions.device", "Thiết bị"),
    ("eid.sessions.since", "Bắt đầu"),
    ("eid.sessions.seen", "Hoạt động gần nhất"),
    ("eid.sessions.current", "phiên này"),
    ("eid.sessions.end", "Kết thúc"),
    ("eid.sessions.end_others", "Đăng xuất khỏi mọi thiết bị khác"),
    ("eid.lock.title", "Khóa tài khoản"),
    ("eid.lock.intro", "Khi mất điện thoại hoặc nghi bị lộ mật khẩu: tài khoản bị khóa ngay và mọi phiên kết thúc."),
    ("eid.lock.submit", "Khóa tài khoản"),
    ("eid.done.password", "Đã đổi mật khẩu; các phiên khác đã kết thúc."),
    ("eid.done.passcode", "Đã đổi mã bảo vệ."),
    ("eid.done.totp", "Đã đăng ký ứng dụng xác thực."),
    ("eid.done.totp_removed", "Đã gỡ ứng dụng xác thực."),
    ("eid.done.passkey", "Đã thêm khóa truy cập."),
    ("eid.done.passkey_removed", "Đã xóa khóa truy cập."),
    ("eid.done.session", "Đã kết thúc phiên."),
    ("eid.done.sessions", "Đã đăng xuất khỏi các thiết bị khác."),
    (
        "eid.dep.intro",
        "Con dưới 14 tuổi và người được bạn đại diện theo pháp luật, theo Cơ sở dữ liệu quốc gia về dân cư. Mỗi lần xem được ghi là thao tác thay mặt.",
    ),
    ("eid.dep.none", "Không có người phụ thuộc."),
    ("eid.dep.on_behalf", "Bạn đang xem thông tin thay mặt người phụ thuộc; thao tác này được ghi nhật ký."),
    ("eid.dep.father", "cha"),
    ("eid.dep.mother", "mẹ"),
    ("eid.dep.legal_representative", "người đại diện theo pháp luật"),
    ("eid.role.legal_representative", "Người đại diện theo pháp luật"),
    ("eid.role.manager", "Quản lý"),
    ("eid.role.staff", "Nhân viên"),
    ("eid.org.none", "Bạn chưa thuộc tổ chức nào."),
    ("eid.org.done", "Đã lưu."),
    ("eid.org.your_role", "Vai trò của bạn"),
    ("eid.org.members", "Thành viên"),
    ("eid.org.role", "Vai trò"),
    ("eid.org.add", "Thêm thành viên"),
    ("eid.org.remove", "Xóa khỏi tổ chức"),
    ("eid.org.register", "Đăng ký tài khoản định danh tổ chức"),
    ("eid.org.register.submit", "Đăng ký"),
    ("eid.org.level2_only", "Chỉ người đại diện theo pháp luật có tài khoản mức độ 2 được đăng ký tổ chức."),
    ("eid.outbox.title", "Hộp thư SMS (chế độ thử)"),
    (
        "eid.outbox.intro",
        "Máy chủ thử nghiệm không gửi SMS thật; các tin nhắn được giữ ở đây. Trang này không có trên máy chủ thật.",
    ),
    ("eid.outbox.text", "Nội dung"),
    ("eid.officer.title", "Tài khoản định danh điện tử"),
    ("eid.officer.reviews", "Hồ sơ đăng ký chờ duyệt"),
    (
        "eid.officer.reviews_intro",
        "Đăng ký mức độ 1 chưa được đối chiếu khuôn mặt tự động; cán bộ xem xét và quyết định.",
    ),
    ("eid.officer.reviews_none", "Không có hồ sơ chờ duyệt."),
    ("eid.officer.approve", "Duyệt"),
    ("eid.officer.reject", "Từ chối"),
    ("eid.officer.decided", "Đã ghi quyết định."),
    ("eid.officer.lookup", "Tra cứu"),
    ("eid.officer.account", "Tài khoản của"),
    ("eid.officer.no_account", "Người này chưa có tài khoản định danh điện tử."),
    ("eid.officer.no_person", "Không tìm thấy người có số định danh này."),
    ("eid.officer.lock", "Khóa"),
    ("eid.officer.lock_submit", "Khóa tài khoản"),
    ("eid.officer.unlock", "Mở khóa tài khoản"),
    ("eid.officer.channel", "Hình thức đăng ký"),
    ("eid.officer.created", "Ngày tạo"),
    ("eid.officer.level2", "Cấp tài khoản mức độ 2 tại quầy"),
    ("eid.officer.phone_hint", "Bắt buộc nếu người này chưa có tài khoản; mã kích hoạt được gửi đến số này"),
    ("eid.officer.card_checked", "Đã kiểm tra thẻ căn cước gắn chip (thật, còn hạn, đúng chủ)"),
    ("eid.officer.person_checked", "Đã đối chiếu người đến làm thủ tục với dữ liệu (khuôn mặt, vân tay)"),
    ("eid.officer.note", "Ghi chú"),
    ("eid.officer.grant", "Cấp mức độ 2"),
    ("eid.officer.done.level2", "Đã cấp tài khoản mức độ 2."),
    ("eid.officer.done.lock", "Đã khóa tài khoản."),
    ("eid.officer.done.unlock", "Đã mở khóa tài khoản."),
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
    ("event.residence_change", "Residence registration"),
    // e-ID accounts and the citizen pages.
    ("error.429.title", "Too many attempts"),
    ("error.429.text", "You tried too many times in a short while. Please wait a moment and try again."),
    ("nav.eid", "e-ID accounts"),
    ("eid.app", "Electronic identification"),
    ("eid.level", "Level"),
    ("eid.state", "State"),
    ("eid.state.pending", "Pending review"),
    ("eid.state.approved", "Approved, awaiting activation"),
    ("eid.state.active", "Active"),
    ("eid.state.locked", "Locked"),
    ("eid.state.revoked", "Revoked"),
    ("eid.locked_by.holder", "Locked by the holder"),
    ("eid.locked_by.officer", "Locked by an officer"),
    ("eid.locked_by.failures", "Locked after repeated failed sign-ins"),
    ("eid.to_login", "Go to sign-in"),
    ("eid.or", "or"),
    ("eid.f.pin", "Personal identification number"),
    ("eid.f.pin.hint", "12 digits; it is your user name"),
    ("eid.f.phone", "Phone number"),
    ("eid.f.code", "Code (SMS)"),
    ("eid.f.app_code", "Code from the authenticator app"),
    ("eid.f.new_password", "New password"),
    ("eid.f.current_password", "Current password"),
    (
        "eid.f.password.hint",
        "At least 8 characters; a memorable phrase works well; no PIN, phone number or date of birth",
    ),
    ("eid.f.passcode", "Passcode (6 digits)"),
    ("eid.f.current_passcode", "Current passcode"),
    ("eid.f.new_passcode", "New passcode"),
    ("eid.f.passcode.hint", "6 digits for sensitive actions; no repeated or consecutive digits, no date of birth"),
    ("eid.f.reason", "Reason"),
    ("eid.f.name_vi", "Name in Vietnamese"),
    ("eid.f.name_abbr", "Abbreviated name"),
    ("eid.f.name_foreign", "Foreign name"),
    ("eid.f.established", "Establishment date"),
    ("eid.f.head_office", "Head office"),
    ("eid.f.head_office_unit", "Commune code of the head office"),
    ("eid.f.head_office_unit.hint", "The 5-digit code of the catalogue in force since 1 July 2025, e.g. 26743"),
    ("eid.f.head_office_detail", "Street address"),
    ("eid.f.tax_code", "Tax code"),
    ("eid.login.title", "Sign in to your e-ID account"),
    ("eid.login.submit", "Sign in"),
    ("eid.login.failed", "The identification number or password is wrong."),
    (
        "eid.login.locked",
        "The account is locked after repeated failed sign-ins or on request. Reset the password with an SMS code or contact the police.",
    ),
    ("eid.login.wait", "Please wait a few seconds and try again."),
    ("eid.locked.title", "Account locked"),
    ("eid.locked.text", "The account is locked. Reset the password with an SMS code or contact the police."),
    ("eid.locked_self.title", "Account locked"),
    (
        "eid.locked_self.text",
        "Your account is locked and every session has ended. To unlock it, reset the password with an SMS code or visit a police office.",
    ),
    ("eid.second.title", "Second step"),
    ("eid.second.intro", "The password is right. Finish signing in with one of these."),
    ("eid.second.sms", "Code by SMS"),
    ("eid.second.send", "Send a code"),
    ("eid.second.sent", "A code was sent to"),
    ("eid.second.still_valid", "The code sent less than a minute ago is still valid; type that one. Phone:"),
    ("eid.second.confirm", "Confirm"),
    ("eid.second.totp", "Authenticator app"),
    ("eid.second.passkey", "Passkey"),
    ("eid.passkey.use", "Use a passkey"),
    ("eid.passkey.login", "Sign in with a passkey"),
    ("eid.passkey.failed", "The passkey was not accepted."),
    ("eid.passkey.needs_js", "Passkeys need a browser with JavaScript and WebAuthn."),
    ("eid.passkey.intro", "A passkey uses your device's fingerprint, face or screen lock; no password is needed."),
    ("eid.passkey.name", "Name of the passkey"),
    ("eid.passkey.default_name", "My phone"),
    ("eid.passkey.add", "Add a passkey"),
    ("eid.passkey.remove", "Remove"),
    ("eid.passkey.created", "Created"),
    ("eid.passkey.used", "last used"),
    ("eid.activate.title", "Activate your account"),
    ("eid.activate.link", "Activate an approved account"),
    (
        "eid.activate.intro",
        "Enter your identification number and registered phone number. An activation code comes by SMS; a password is never sent by SMS.",
    ),
    ("eid.activate.submit", "Activate"),
    ("eid.activated.title", "Account activated"),
    ("eid.activated.text", "You can now sign in with your identification number and the password you set."),
    ("eid.reset.title", "Reset the password"),
    ("eid.reset.link", "Forgot the password or locked out"),
    ("eid.reset.intro", "Enter your identification number and registered phone number; a reset code comes by SMS."),
    ("eid.reset.submit", "Set the new password"),
    ("eid.reset.done.title", "Password reset"),
    ("eid.reset.done.text", "The new password is in force; every earlier session has ended."),
    ("eid.code.request", "Get a code by SMS"),
    (
        "eid.code.sent_if",
        "If the details match an account, a code is on its way to the phone (or the one sent less than a minute \
         ago is still usable). It is valid for 5 minutes.",
    ),
    ("eid.home.title", "My account"),
    ("eid.home.hello", "Hello,"),
    ("eid.home.factors", "Authentication methods"),
    ("eid.home.signed_in_with", "This session signed in with"),
    ("eid.nav.profile", "My record"),
    ("eid.nav.security", "Security"),
    ("eid.nav.history", "Sign-in history"),
    ("eid.nav.dependants", "Dependants"),
    ("eid.nav.orgs", "Organisations"),
    ("eid.nav.passkeys", "Passkeys"),
    ("eid.profile.intro", "Your record in the National Population Database. Every view is logged."),
    ("eid.history.intro", "Every sign-in, failed attempt, lock, unlock and change of authentication method."),
    ("eid.history.when", "When"),
    ("eid.history.what", "Event"),
    ("eid.history.detail", "Detail"),
    ("eid.history.officer", "officer"),
    ("eid.audit.eid_login", "Signed in"),
    ("eid.audit.eid_login_failed", "Authentication failed"),
    ("eid.audit.eid_logout", "Signed out"),
    ("eid.audit.eid_lock", "Account locked"),
    ("eid.audit.eid_unlock", "Account unlocked"),
    ("eid.audit.eid_factor", "Authentication method changed"),
    ("eid.audit.eid_account", "Account changed"),
    ("eid.audit.eid_code", "SMS code sent"),
    ("eid.password.title", "Change the password"),
    ("eid.password.submit", "Change password"),
    ("eid.passcode.title", "Change the passcode"),
    ("eid.passcode.submit", "Change passcode"),
    ("eid.totp.intro", "Use an authenticator app (Google Authenticator, Microsoft Authenticator…) as the second step."),
    ("eid.totp.begin", "Enrol an authenticator app"),
    ("eid.totp.scan", "Scan the QR code with the app, then enter the 6-digit code it shows."),
    ("eid.totp.qr", "QR code to enrol the authenticator app"),
    ("eid.totp.manual", "Or type the key:"),
    ("eid.totp.open_app", "Open in an app on this device"),
    ("eid.totp.confirm", "Confirm"),
    ("eid.totp.enrolled", "An authenticator app is enrolled."),
    ("eid.totp.remove", "Remove the authenticator app"),
    ("eid.sessions.title", "Sessions"),
    ("eid.sessions.device", "Device"),
    ("eid.sessions.since", "Since"),
    ("eid.sessions.seen", "Last active"),
    ("eid.sessions.current", "this session"),
    ("eid.sessions.end", "End"),
    ("eid.sessions.end_others", "Sign out everywhere else"),
    ("eid.lock.title", "Lock the account"),
    (
        "eid.lock.intro",
        "If the phone is lost or the password may be known: the account locks at once and every session ends.",
    ),
    ("eid.lock.submit", "Lock the account"),
    ("eid.done.password", "Password changed; other sessions have ended."),
    ("eid.done.passcode", "Passcode changed."),
    ("eid.done.totp", "Authenticator app enrolled."),
    ("eid.done.totp_removed", "Authenticator app removed."),
    ("eid.done.passkey", "Passkey added."),
    ("eid.done.passkey_removed", "Passkey removed."),
    ("eid.done.session", "Session ended."),
    ("eid.done.sessions", "Signed out everywhere else."),
    (
        "eid.dep.intro",
        "Children under 14 and persons you legally represent, as the National Population Database records them. Every view is logged as done on their behalf.",
    ),
    ("eid.dep.none", "No dependants."),
    ("eid.dep.on_behalf", "You are viewing this record on a dependant's behalf; the view is logged."),
    ("eid.dep.father", "father"),
    ("eid.dep.mother", "mother"),
    ("eid.dep.legal_representative", "legal representative"),
    ("eid.role.legal_representative", "Legal representative"),
    ("eid.role.manager", "Manager"),
    ("eid.role.staff", "Staff"),
    ("eid.org.none", "You belong to no organisation."),
    ("eid.org.done", "Saved."),
    ("eid.org.your_role", "Your role"),
    ("eid.org.members", "Members"),
    ("eid.org.role", "Role"),
    ("eid.org.add", "Add a member"),
    ("eid.org.remove", "Remove"),
    ("eid.org.register", "Register an organisation"),
    ("eid.org.register.submit", "Register"),
    ("eid.org.level2_only", "Only a legal representative with a level-2 account may register an organisation."),
    ("eid.outbox.title", "SMS outbox (demo mode)"),
    (
        "eid.outbox.intro",
        "The demo server sends no real SMS; messages are kept here. Production servers have no such page.",
    ),
    ("eid.outbox.text", "Text"),
    ("eid.officer.title", "e-ID accounts"),
    ("eid.officer.reviews", "Registrations awaiting review"),
    (
        "eid.officer.reviews_intro",
        "Level-1 registrations without an automatic face comparison; an officer reviews and decides.",
    ),
    ("eid.officer.reviews_none", "No registrations are waiting."),
    ("eid.officer.approve", "Approve"),
    ("eid.officer.reject", "Reject"),
    ("eid.officer.decided", "Decision recorded."),
    ("eid.officer.lookup", "Look up"),
    ("eid.officer.account", "Account of"),
    ("eid.officer.no_account", "This person has no e-ID account."),
    ("eid.officer.no_person", "No person has this identification number."),
    ("eid.officer.lock", "Lock"),
    ("eid.officer.lock_submit", "Lock the account"),
    ("eid.officer.unlock", "Unlock the account"),
    ("eid.officer.channel", "Registered through"),
    ("eid.officer.created", "Created"),
    ("eid.officer.level2", "Grant level 2 at the counter"),
    ("eid.officer.phone_hint", "Required when the person has no account yet; the activation code goes to this number"),
    ("eid.officer.card_checked", "The chip card was checked (genuine, valid, the holder's)"),
    ("eid.officer.person_checked", "The person was compared with the record (face, fingerprints)"),
    ("eid.officer.note", "Note"),
    ("eid.officer.grant", "Grant level 2"),
    ("eid.officer.done.level2", "Level 2 granted."),
    ("eid.officer.done.lock", "Account locked."),
    ("eid.officer.done.unlock", "Account unlocked."),
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
        let mut dirs = vec![dir.join("templates"), dir.join("src/pages")];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).expect("read dir") {
                let path = e.expect("entry").path();
                if path.is_dir() { dirs.push(path) } else { files.push(path) }
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
