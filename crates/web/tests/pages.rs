//! The officer pages driven through the router, on every backend the run has.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dinhdanh_app::accounts::NewOfficer;
use dinhdanh_app::auth::{Principal, Role};
use dinhdanh_app::import::{ImportRow, RowOutcome};
use dinhdanh_domain::person::Jurisdiction;
use dinhdanh_testkit::{TestApp, sample};
use dinhdanh_web::AppState;
use http_body_util::BodyExt;
use std::collections::BTreeMap;
use tower::ServiceExt;

const PASSWORD: &str = "mật khẩu đủ dài 2026";

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Resp {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
    /// The value of the first hidden `csrf` field of the page.
    fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
        self.body[at..at + self.body[at..].find('"').expect("end of value")].to_owned()
    }
}

/// A browser: keeps the cookies the pages set and sends them back.
struct Browser {
    router: Router,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new(t: &TestApp) -> Browser {
        let router = dinhdanh_web::router(AppState { app: t.app.clone(), secure_cookies: false });
        Browser { router, cookies: BTreeMap::new() }
    }

    async fn send(&mut self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.expect("router answers");
        for c in res.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let pair = c.split(';').next().unwrap_or("");
            let (k, v) = pair.split_once('=').expect("cookie pair");
            if c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.expect("body").to_bytes();
        let body = String::from_utf8(body.to_vec()).expect("UTF-8 page");
        assert!(!body.contains("[?]"), "a string is missing from the tables: {body}");
        Resp { status, headers, body }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn get(&mut self, uri: &str) -> Resp {
        let req = Request::get(uri).header(header::COOKIE, self.cookie_header()).body(Body::empty()).expect("request");
        self.send(req).await
    }

    async fn post(&mut self, uri: &str, form: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(form).expect("form");
        let req = Request::post(uri)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Signs in through the form; returns the response of the POST.
    async fn login(&mut self, username: &str, password: &str) -> Resp {
        let form = self.get("/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.csrf();
        self.post("/login", &[("csrf", &csrf), ("username", username), ("password", password), ("next", "/")]).await
    }

    /// The CSRF token of the session, as any signed-in page carries it.
    async fn session_csrf(&mut self) -> String {
        let page = self.get("/").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        page.csrf()
    }
}

async fn officer(t: &TestApp, username: &str, role: Role, jurisdiction: &str) {
    t.app
        .create_officer(
            &Principal::system("test"),
            NewOfficer {
                username: username.to_owned(),
                display_name: format!("Cán bộ {username}"),
                password: PASSWORD.to_owned(),
                role,
                jurisdiction: Jurisdiction::parse(jurisdiction).expect("jurisdiction"),
            },
        )
        .await
        .expect("create officer");
}

/// Two adults in Phường Bến Thành (Hồ Chí Minh City), a supervisor there and an officer of a
/// Hà Nội commune.
async fn setup(t: &TestApp) {
    let rows = [sample::adult_man(), sample::adult_woman()]
        .into_iter()
        .enumerate()
        .map(|(i, p)| ImportRow { line: i as u64 + 1, person: Ok(p) })
        .collect();
    let out = t.app.import_batch(&Principal::system("test"), rows, "pages test").await.expect("import");
    assert!(out.iter().all(|(_, o)| matches!(o, RowOutcome::Imported)), "{out:?}");
    officer(t, "giamsat.hcm", Role::Supervisor, "province:79").await;
    officer(t, "canbo.badinh", Role::Officer, &format!("commune:{}", sample::BA_DINH)).await;
}

async fn signed_in(t: &TestApp, username: &str) -> Browser {
    let mut b = Browser::new(t);
    let r = b.login(username, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    b
}

#[tokio::test]
async fn login_sets_a_strict_session_cookie_and_logout_ends_it() {
    for t in TestApp::all().await {
        setup(&t).await;
        let mut b = Browser::new(&t);
        let r = b.get("/").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/login");
        let r = b.get("/persons/079090001234").await;
        assert_eq!(r.location(), "/login?next=%2Fpersons%2F079090001234");

        let wrong = b.login("giamsat.hcm", "not the password at all").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("Tên đăng nhập hoặc mật khẩu không đúng."), "{}", wrong.body);
        assert!(wrong.set_cookie("dd_session").is_none());

        let ok = b.login("giamsat.hcm", PASSWORD).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        assert_eq!(ok.location(), "/");
        let c = ok.set_cookie("dd_session").expect("session cookie");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(c.split("; ").any(|x| x == flag), "{flag} missing in {c}");
        }
        assert!(!c.contains("Secure"), "plain HTTP dev server: {c}");
        let home = b.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("giamsat.hcm"));

        let csrf = home.csrf();
        let out = b.post("/logout", &[("csrf", &csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(out.set_cookie("dd_session").is_some_and(|c| c.contains("Max-Age=0")));
        assert_eq!(b.get("/").await.location(), "/login");

        // Behind TLS the cookie is Secure.
        let mut tls = Browser {
            router: dinhdanh_web::router(AppState { app: t.app.clone(), secure_cookies: true }),
            cookies: BTreeMap::new(),
        };
        let r = tls.login("giamsat.hcm", PASSWORD).await;
        assert!(r.set_cookie("dd_session").is_some_and(|c| c.contains("; Secure")));
    }
}

#[tokio::test]
async fn login_form_needs_its_token_and_lockout_is_explained() {
    for t in TestApp::all().await {
        setup(&t).await;
        let mut b = Browser::new(&t);
        b.get("/login").await;
        let r = b.post("/login", &[("csrf", "forged"), ("username", "giamsat.hcm"), ("password", PASSWORD)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.set_cookie("dd_session").is_none());

        for _ in 0..5 {
            let r = b.login("canbo.badinh", "wrong password again").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
        let locked = b.login("canbo.badinh", PASSWORD).await;
        assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
        assert!(locked.body.contains("tạm thời bị khóa"), "{}", locked.body);
    }
}

#[tokio::test]
async fn search_finds_a_seeded_person_and_the_page_shows_the_record() {
    for t in TestApp::all().await {
        setup(&t).await;
        let mut b = signed_in(&t, "giamsat.hcm").await;
        let r = b.get("/?q=nguyen+van+an&province=79").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("href=\"/persons/079090001234\""), "{}", r.body);
        assert!(r.body.contains("Nguyễn Văn An"));
        assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
        assert!(r.header(header::CONTENT_SECURITY_POLICY).starts_with("default-src 'self'"));

        // Too broad a query: the error is shown and the input kept.
        let broad = b.get("/?q=an").await;
        assert_eq!(broad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(broad.body.contains("Tìm kiếm quá rộng"), "{}", broad.body);
        assert!(broad.body.contains("value=\"an\""));

        let p = b.get("/persons/079090001234").await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        assert_eq!(p.header(header::CACHE_CONTROL), "no-store");
        for text in
            ["Nguyễn Văn An", "1990-03-15", "12 Lê Lợi", "Phường Bến Thành", "Kinh", "Chưa kết hôn", "Nhập dữ liệu"]
        {
            assert!(p.body.contains(text), "{text} missing");
        }
        // A supervisor gets every event form, each with the session's token.
        for action in ["marriage", "death", "missing", "correction"] {
            assert!(p.body.contains(&format!("action=\"/persons/079090001234/{action}\"")), "{action}");
        }
        let before_birth = b.get("/persons/079090001234?as_of=1980-01-01").await;
        assert_eq!(before_birth.status, StatusCode::NOT_FOUND);
        let unknown = b.get("/persons/079090009999").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert!(unknown.body.contains("Không tìm thấy"));
        let nowhere = b.get("/no/such/page").await;
        assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
        assert!(nowhere.body.contains("<h1>Không tìm thấy</h1>"));
    }
}

fn birth_form<'a>(csrf: &'a str, name: &'a str, dob: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("birth_name", name),
        ("date_of_birth", dob),
        ("sex", "M"),
        ("registration_unit", sample::BEN_THANH),
        ("ethnicity", "01"),
        ("religion", ""),
        ("nationality", "VNM"),
        ("father_pin", "079090001234"),
        ("mother_pin", "079193004321"),
        ("permanent_unit", sample::BEN_THANH),
        ("permanent_detail", "12 Lê Lợi"),
        ("legal_basis", "Luật Hộ tịch 2014"),
    ]
}

#[tokio::test]
async fn a_birth_registered_through_the_form_exists_afterwards() {
    for t in TestApp::all().await {
        setup(&t).await;
        let mut b = signed_in(&t, "giamsat.hcm").await;
        let form = b.get("/births/new").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.csrf();

        // Bad input: every error shown in Vietnamese, what was typed kept, nothing written.
        let mut bad = birth_form(&csrf, "Trần Minh Khôi", "2026-13-01");
        bad.retain(|(k, _)| *k != "sex");
        let r = b.post("/births/new", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Ngày này không tồn tại."), "{}", r.body);
        assert!(r.body.contains("Trường này là bắt buộc."));
        assert!(r.body.contains("value=\"Trần Minh Khôi\""));
        assert!(r.body.contains("aria-invalid=\"true\""));

        // Decomposed input (as some keyboards send it) is normalised to NFC.
        let nfd = "Tra\u{0302}\u{0300}n Minh Kho\u{0302}i";
        let r = b.post("/births/new", &birth_form(&csrf, nfd, "2026-08-20")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let to = r.location().to_owned();
        assert!(to.starts_with("/persons/079") && to.ends_with("?done=birth"), "{to}");
        let p = b.get(&to).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("Trần Minh Khôi"), "{}", p.body);
        assert!(p.body.contains("Đã đăng ký khai sinh"));
        assert!(p.body.contains("href=\"/persons/079193004321\""), "mother linked by PIN");
        let found = b.get("/?q=tran+minh+khoi&birth_year=2026").await;
        assert!(found.body.contains("Trần Minh Khôi"));

        // The same child again is a possible duplicate: the supervisor lands on the case.
        let again = b.post("/births/new", &birth_form(&csrf, "Trần Minh Khôi", "2026-08-20")).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        let case_url = again.location().to_owned();
        assert!(case_url.starts_with("/adjudication/"), "{case_url}");
        let case = b.get(&case_url).await;
        assert_eq!(case.status, StatusCode::OK, "{}", case.body);
        assert!(case.body.contains(&to[..21]), "the existing record is listed: {}", case.body);
        let list = b.get("/adjudication").await;
        assert!(list.body.contains(&case_url));
        let decided = b.post(&case_url, &[("csrf", &csrf), ("decision", "duplicate"), ("note", "Cùng một trẻ")]).await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
        let after = b.get(decided.location()).await;
        assert!(after.body.contains("Cùng một trẻ") && !after.body.contains("name=\"decision\""));
    }
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    for t in TestApp::all().await {
        setup(&t).await;
        let mut b = signed_in(&t, "giamsat.hcm").await;
        for token in ["", "not-the-token"] {
            let r = b.post("/births/new", &birth_form(token, "Lê Văn Tám", "2026-08-01")).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            let r = b
                .post(
                    "/persons/079090001234/marriage",
                    &[("csrf", token), ("spouse_pin", "079193004321"), ("date", "2026-06-01"), ("legal_basis", "x")],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        }
        let none = b.get("/?q=le+van+tam&birth_year=2026").await;
        assert!(none.body.contains("Không tìm thấy công dân nào."), "{}", none.body);
        let p = b.get("/persons/079090001234").await;
        assert!(p.body.contains("Chưa kết hôn"));
        assert!(!p.body.contains("079193004321"), "no spouse linked");
    }
}

#[tokio::test]
async fn life_events_through_the_person_page() {
    for t in TestApp::all().await {
        setup(&t).await;
        let mut b = signed_in(&t, "giamsat.hcm").await;
        let csrf = b.session_csrf().await;
        let url = "/persons/079090001234/marriage";
        let bad = b.post(url, &[("csrf", &csrf), ("spouse_pin", "12345"), ("date", ""), ("legal_basis", "")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Số định danh cá nhân phải gồm đúng 12 chữ số."));
        assert!(bad.body.contains("Cần ghi căn cứ pháp lý."));
        assert!(bad.body.contains("value=\"12345\""));
        assert!(bad.body.contains("<details id=\"marriage\" open>"));

        let form = [
            ("csrf", csrf.as_str()),
            ("spouse_pin", "079193004321"),
            ("date", "2026-06-01"),
            ("legal_basis", "Luật Hôn nhân và gia đình 2014"),
        ];
        let ok = b.post(url, &form).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let p = b.get(ok.location()).await;
        assert!(p.body.contains("Đã ghi nhận việc kết hôn."));
        assert!(p.body.contains("Đã kết hôn"));
        assert!(p.body.contains("<a href=\"/persons/079193004321\">"), "spouse linked");
        assert!(p.body.contains("Luật Hôn nhân và gia đình 2014"), "history shows the legal basis");
        assert!(p.body.contains("giamsat.hcm"), "history shows who");
        // As of before the marriage the record was single.
        let before = b.get("/persons/079090001234?as_of=2026-05-01").await;
        assert!(before.body.contains("Chưa kết hôn"), "{}", before.body);

        let corr = [
            ("csrf", csrf.as_str()),
            ("field", "phone"),
            ("value", "0912 345 678"),
            ("reason", "Công dân cung cấp"),
            ("legal_basis", "Luật Căn cước 2023"),
        ];
        let r = b.post("/persons/079090001234/correction", &corr).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let p = b.get("/persons/079090001234").await;
        assert!(p.body.contains("0912345678"));
    }
}

#[tokio::test]
async fn a_person_outside_the_jurisdiction_gets_the_403_page() {
    for t in TestApp::all().await {
        setup(&t).await;
        let mut b = signed_in(&t, "canbo.badinh").await;
        let r = b.get("/persons/079090001234").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains("Không có quyền truy cập"));
        assert!(!r.body.contains("Nguyễn Văn An"), "nothing of the record leaks");
        // An officer has no adjudication list, and cannot register a birth elsewhere.
        assert_eq!(b.get("/adjudication").await.status, StatusCode::FORBIDDEN);
        let csrf = b.session_csrf().await;
        let r = b.post("/births/new", &birth_form(&csrf, "Lê Văn Tám", "2026-08-01")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains("ngoài địa bàn"), "{}", r.body);
    }
}

#[tokio::test]
async fn the_english_switch_changes_labels_and_is_remembered() {
    for t in TestApp::all().await {
        setup(&t).await;
        let mut b = Browser::new(&t);
        let vi = b.get("/login").await;
        assert!(vi.body.contains("<html lang=\"vi\">") && vi.body.contains("Đăng nhập cán bộ"));
        let en = b.get("/login?lang=en").await;
        assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("Officer sign-in"), "{}", en.body);
        assert!(en.set_cookie("dd_lang").is_some_and(|c| c.starts_with("dd_lang=en;")));
        b.login("giamsat.hcm", PASSWORD).await;
        let p = b.get("/persons/079090001234").await;
        assert!(p.body.contains("Date of birth") && p.body.contains("Single"), "{}", p.body);
        assert!(!p.body.contains("Ngày, tháng, năm sinh"));
        let csrf = p.csrf();
        let bad =
            b.post("/persons/079090001234/death", &[("csrf", &csrf), ("date", "2099"), ("legal_basis", "x")]).await;
        assert!(bad.body.contains("The date must not be in the future."), "{}", bad.body);
        let back = b.get("/?lang=vi").await;
        assert!(back.body.contains("Tra cứu công dân"));
    }
}

#[tokio::test]
async fn a_residence_procedure_filed_and_approved_through_the_pages() {
    for t in TestApp::all().await {
        setup(&t).await;
        let mut b = signed_in(&t, "giamsat.hcm").await;
        let form = b.get("/residence/new").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(form.body.contains("Đăng ký thường trú"), "{}", form.body);
        let csrf = form.csrf();
        let fields = |proof: &'static str| {
            vec![
                ("kind", "residence.permanent"),
                ("pin", "079090001234"),
                ("address_unit", "26743"),
                ("address_detail", "12 Lê Lợi"),
                ("proof", proof),
                ("applicant_relation", "self"),
            ]
        };
        // Bad input: the broken rule in Vietnamese next to its field, nothing written.
        let mut bad = fields("bought");
        bad.push(("csrf", &csrf));
        let r = b.post("/residence/new", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("Loại giấy tờ chứng minh chỗ ở hợp pháp không hợp lệ"), "{}", r.body);
        assert!(r.body.contains("value=\"12 Lê Lợi\""));
        assert!(t.app.store.registrations_of(sample::adult_man().id).await.unwrap().is_empty());

        let mut good = fields("owned");
        good.push(("csrf", &csrf));
        let r = b.post("/residence/new", &good).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let url = r.location().to_owned();
        assert!(url.starts_with("/residence/dossiers/"), "{url}");
        let page = b.get(&url).await;
        assert!(page.body.contains("TTR-26743-") && page.body.contains("Đã tiếp nhận"), "{}", page.body);
        // The worklist of the jurisdiction lists it, linked from the nav; filtered by status.
        let list = b.get("/residence/dossiers").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(list.body.contains("href=\"/residence/dossiers\""), "nav link");
        assert!(list.body.contains(&format!("href=\"{url}\"")) && list.body.contains("Nguyễn Văn An"), "{}", list.body);
        assert!(list.body.contains("Đăng ký thường trú"), "{}", list.body);
        let approved = b.get("/residence/dossiers?status=approved").await;
        assert!(!approved.body.contains(&format!("href=\"{url}\"")), "{}", approved.body);
        for action in ["start", "approve"] {
            let r = b.post(&url, &[("csrf", &csrf), ("action", action), ("note", "")]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.body);
        }
        let page = b.get(&format!("{url}?done=1")).await;
        assert!(page.body.contains("Đã phê duyệt") && page.body.contains("Đã thực hiện bước xử lý."), "{}", page.body);
        let approved = b.get("/residence/dossiers?status=approved").await;
        assert!(approved.body.contains(&format!("href=\"{url}\"")), "{}", approved.body);
        let received = b.get("/residence/dossiers?status=received").await;
        assert!(!received.body.contains(&format!("href=\"{url}\"")), "{}", received.body);
        let regs = t.app.store.registrations_of(sample::adult_man().id).await.unwrap();
        assert_eq!(regs.len(), 1);
        let household = regs[0].household_id.unwrap();
        let h = b.get(&format!("/households/{household}")).await;
        assert_eq!(h.status, StatusCode::OK, "{}", h.body);
        assert!(h.body.contains("Nguyễn Văn An") && h.body.contains("Chủ hộ"), "{}", h.body);
        // The person page links to the household and shows the registration in force.
        let person = b.get("/persons/079090001234").await;
        assert!(person.body.contains(&format!("href=\"/households/{household}\"")), "{}", person.body);
        assert!(
            person.body.contains("Đăng ký cư trú đang có hiệu lực") && person.body.contains("12 Lê Lợi"),
            "{}",
            person.body
        );
        // Outside the jurisdiction: the 403 page.
        let mut hn = signed_in(&t, "canbo.badinh").await;
        assert_eq!(hn.get(&format!("/households/{household}")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(hn.get(&url).await.status, StatusCode::FORBIDDEN);
        // Another commune's worklist does not list it.
        let other = hn.get("/residence/dossiers?status=all").await;
        assert_eq!(other.status, StatusCode::OK, "{}", other.body);
        assert!(!other.body.contains(&url) && other.body.contains("Không có hồ sơ nào."), "{}", other.body);
    }
}

/// A card application for the sample man, received and with his face captured (through the
/// use cases, as the counter would).
async fn card_application(t: &TestApp) -> (uuid::Uuid, String) {
    use dinhdanh_app::cards::application::CardApplicationInput;
    use dinhdanh_app::identity::{BiometricFormat, BiometricKind};
    use dinhdanh_app::workflow::{Applicant, ApplicantRelation};
    let man = sample::adult_man();
    let system = Principal::system("test");
    let input = CardApplicationInput {
        pin: man.pin,
        kind: dinhdanh_domain::card::ApplicationKind::FirstIssue,
        handling_unit: sample::unit(sample::BEN_THANH),
        applicant: Applicant {
            person_id: None,
            pin: None,
            name: String::new(),
            relation: ApplicantRelation::Subject,
            organisation: String::new(),
            contact: String::new(),
        },
    };
    let d = t.app.apply_for_card(&system, input).await.expect("application");
    let face = dinhdanh_testkit::synth::face::portrait_jpeg(5, false);
    t.app.capture_biometric(&system, &man.pin, BiometricKind::Face, BiometricFormat::Jpeg, &face).await.expect("face");
    (d.id, d.code)
}

#[tokio::test]
async fn card_applications_move_through_their_steps_on_the_pages() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        setup(&t).await;
        let (id, code) = card_application(&t).await;
        let man = sample::adult_man();
        let mut b = signed_in(&t, "giamsat.hcm").await;

        let list = b.get("/card-applications").await;
        assert_eq!(list.status, StatusCode::OK, "{e:?}");
        assert!(list.body.contains(&code) && list.body.contains(man.birth_name.as_str()), "{e:?}: {}", list.body);
        assert!(list.body.contains("Cấp lần đầu") && list.body.contains("Đã tiếp nhận"), "{e:?}");

        let page = b.get(&format!("/card-applications/{id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{e:?}");
        assert!(page.body.contains("Đã thu nhận") && page.body.contains("240 × 320"), "{e:?}: the face is captured");
        assert!(page.body.contains("value=\"capture_biometrics\""), "{e:?}: the next step is offered");
        assert!(!page.body.contains("value=\"produce\""), "{e:?}: not yet");
        let csrf = page.csrf();

        // A refusal needs its reason: the page says so and nothing moves.
        let r = b
            .post(
                &format!("/card-applications/{id}"),
                &[("csrf", &csrf), ("action", "refuse"), ("note", ""), ("version", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{e:?}: {}", r.body);
        assert!(r.body.contains("role=\"alert\""), "{e:?}");
        // A stale version is refused.
        let r = b
            .post(
                &format!("/card-applications/{id}"),
                &[("csrf", &csrf), ("action", "capture_biometrics"), ("note", ""), ("version", "99")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{e:?}");

        for action in ["capture_biometrics", "approve", "produce", "deliver"] {
            let v = t.app.dossier(&Principal::system("test"), id).await.unwrap().dossier.version.to_string();
            let r = b
                .post(
                    &format!("/card-applications/{id}"),
                    &[("csrf", &csrf), ("action", action), ("note", ""), ("version", &v)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{e:?} {action}: {}", r.body);
            assert_eq!(r.location(), format!("/card-applications/{id}?done=1"), "{e:?}");
        }
        let page = b.get(&format!("/card-applications/{id}?lang=en")).await;
        assert!(page.body.contains("Card delivered") && page.body.contains("Card produced"), "{e:?}: the log");
        assert!(!page.body.contains("name=\"action\""), "{e:?}: a delivered application has no next step");

        // The Hà Nội officer sees neither the application nor it in the list.
        let mut hanoi = signed_in(&t, "canbo.badinh").await;
        assert_eq!(hanoi.get(&format!("/card-applications/{id}")).await.status, StatusCode::FORBIDDEN, "{e:?}");
        let list = hanoi.get("/card-applications?all=1").await;
        assert_eq!(list.status, StatusCode::OK, "{e:?}");
        assert!(!list.body.contains(&code), "{e:?}");
    }
}

#[tokio::test]
async fn a_persons_cards_are_listed_reported_lost_and_revoked_on_the_pages() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        setup(&t).await;
        let (id, _) = card_application(&t).await;
        let system = Principal::system("test");
        for action in ["capture_biometrics", "approve", "produce"] {
            t.app.transition_dossier(&system, id, action, "", None).await.unwrap();
        }
        let man = sample::adult_man();
        let url = format!("/persons/{}/cards", man.pin);
        let mut b = signed_in(&t, "giamsat.hcm").await;
        let page = b.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{e:?}");
        assert!(page.body.contains("090001234") && page.body.contains("Đang có hiệu lực"), "{e:?}: {}", page.body);
        assert!(page.body.contains("value=\"revoke\"") && page.body.contains("value=\"lost\""), "{e:?}");
        let csrf = page.csrf();
        let card = t.app.cards(&system, &man.pin).await.unwrap()[0].id.to_string();

        // Without the token: refused, the card stays active.
        let r = b.post(&url, &[("action", "revoke"), ("card", &card), ("reason", "gian lận")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{e:?}");
        // Without a reason: the page names the field.
        let r = b.post(&url, &[("csrf", &csrf), ("action", "revoke"), ("card", &card), ("reason", " ")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{e:?}");
        assert!(r.body.contains("role=\"alert\""), "{e:?}");
        assert_eq!(t.app.cards(&system, &man.pin).await.unwrap()[0].status.code(), "active", "{e:?}");

        // An officer reports it lost (officers may, without the revoke form).
        let mut clerk_page = {
            officer(&t, "canbo.benthanh", Role::Officer, "province:79").await;
            signed_in(&t, "canbo.benthanh").await
        };
        let p = clerk_page.get(&url).await;
        assert!(p.body.contains("value=\"lost\"") && !p.body.contains("value=\"revoke\""), "{e:?}");
        let c = p.csrf();
        let r = clerk_page.post(&url, &[("csrf", &c), ("action", "lost")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{e:?}: {}", r.body);
        let p = clerk_page.get(r.location()).await;
        assert!(p.body.contains("Đã báo mất") && p.body.contains("role=\"status\""), "{e:?}");
        assert!(!p.body.contains("value=\"lost\""), "{e:?}: no active card left");
        // Revoking a card that is no longer active is refused.
        let r = b.post(&url, &[("csrf", &csrf), ("action", "revoke"), ("card", &card), ("reason", "cấp sai")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{e:?}");

        // Outside the jurisdiction: 403.
        let mut hanoi = signed_in(&t, "canbo.badinh").await;
        assert_eq!(hanoi.get(&url).await.status, StatusCode::FORBIDDEN, "{e:?}");
    }
}

fn stay_form<'a>(csrf: &'a str, pin: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("host_kind", "establishment"),
        ("host_name", "Khách sạn Bến Thành"),
        ("place_unit", "26743"),
        ("place_detail", "Phòng 305, 12 Lê Lợi"),
        ("g0-pin", "079090001234"),
        ("g0-name", "Nguyễn Văn An"),
        ("g0-arrival_at", "2026-09-01T08:00"),
        ("g0-departure_on", "2026-09-03"),
        ("g0-reason", "Du lịch"),
        ("g1-pin", pin),
        ("g1-name", "Nguyễn Văn An"),
        ("g1-arrival_at", "2026-09-01T08:00"),
        ("g1-departure_on", "2026-09-03"),
        ("g2-pin", ""),
    ]
}

#[tokio::test]
async fn stays_notified_on_the_page_are_listed_in_the_jurisdiction_only() {
    for t in TestApp::all().await {
        setup(&t).await;
        let mut b = signed_in(&t, "giamsat.hcm").await;
        let page = b.get("/stays").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("href=\"/stays\"") && page.body.contains("Không có thông báo lưu trú nào."));
        let csrf = page.csrf();
        // An unknown PIN in the second row: its error next to it, in both languages, nothing stored.
        let r = b.post("/stays", &stay_form(&csrf, "079090009999")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("id=\"g1-pin-err\">Không tìm thấy người có số định danh này."), "{}", r.body);
        assert!(r.body.contains("value=\"Phòng 305, 12 Lê Lợi\""), "{}", r.body);
        let r = b.post("/stays?lang=en", &stay_form(&csrf, "079090009999")).await;
        assert!(r.body.contains("id=\"g1-pin-err\">No person has this identification number."), "{}", r.body);
        assert!(b.get("/stays?lang=vi").await.body.contains("Không có thông báo lưu trú nào."));
        // Without the second guest the batch is stored and listed, flagged on time.
        let mut good = stay_form(&csrf, "");
        good.retain(|(k, _)| !k.starts_with("g1-"));
        let r = b.post("/stays", &good).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location().starts_with("/stays?done=1&from=2026-09-01"), "{}", r.location());
        let list = b.get(r.location()).await;
        assert!(list.body.contains("Đã tiếp nhận thông báo lưu trú."), "{}", list.body);
        assert!(list.body.contains("079090001234") && list.body.contains("Khách sạn Bến Thành"), "{}", list.body);
        assert!(!list.body.contains("Thông báo trễ"), "{}", list.body);
        let filtered = b.get("/stays?commune=26743&from=2026-09-01&to=2026-09-01").await;
        assert!(filtered.body.contains("Phòng 305, 12 Lê Lợi"), "{}", filtered.body);
        let other_day = b.get("/stays?from=2026-09-02&to=2026-09-03").await;
        assert!(!other_day.body.contains("079090001234"), "{}", other_day.body);
        // A bad filter date says so instead of listing.
        let bad = b.get("/stays?from=2026-13-01").await;
        assert!(bad.status == StatusCode::OK && !bad.body.contains("079090001234"), "{}", bad.body);
        // An officer of a Hà Nội commune does not see it.
        let mut hn = signed_in(&t, "canbo.badinh").await;
        let theirs = hn.get("/stays?from=2026-09-01&to=2026-09-01").await;
        assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
        assert!(!theirs.body.contains("079090001234"), "{}", theirs.body);
    }
}
