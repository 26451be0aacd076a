//! Name search over a token column that both engines index the same way.
//!
//! Each person has a `search_text` of ASCII tokens: the folded name words, `y<year>`,
//! `d<yyyymmdd>`, `s<m|f>`, and for jurisdiction `jc<2025 commune>` / `jp<2025 province>`.
//! SQLite indexes it with FTS5 (prefix indexes for 2- and 3-letter prefixes), PostgreSQL with a
//! GIN full-text index under the `simple` configuration. Because filters and jurisdiction are
//! tokens too, one index lookup intersects name, year and area: no join, no post-filtering of a
//! common surname's hundreds of thousands of rows.

use dinhdanh_app::ports::SearchQuery;
use dinhdanh_domain::person::{Jurisdiction, LifeStatus, Person};
use std::collections::BTreeSet;

/// The token text of a person.
pub fn search_text(p: &Person) -> String {
    let mut words: BTreeSet<String> = p.birth_name.folded_words().into_iter().collect();
    for n in &p.other_names {
        words.extend(n.folded_words());
    }
    let mut out: Vec<String> = words.into_iter().collect();
    out.push(format!("y{}", p.date_of_birth.year()));
    if let Some(d) = p.date_of_birth.full() {
        out.push(format!("d{:04}{:02}{:02}", d.year(), d.month() as u8, d.day()));
    }
    out.push(format!("s{}", p.sex.code().to_ascii_lowercase()));
    let keys = p.jurisdiction_keys();
    out.extend(keys.communes.iter().map(|c| format!("jc{c}")));
    out.extend(keys.provinces.iter().map(|c| format!("jp{c}")));
    out.join(" ")
}

pub fn status_code(p: &Person) -> &'static str {
    match p.status {
        LifeStatus::Alive => "alive",
        LifeStatus::Dead(_) => "dead",
        LifeStatus::Missing(_) => "missing",
    }
}

/// Keeps only what a token can hold, so user input can never inject query syntax.
fn clean(word: &str) -> String {
    word.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase()
}

/// The conditions of a query as (prefix-match, token) terms plus an optional any-of group.
fn terms(q: &SearchQuery) -> (Vec<(bool, String)>, Vec<String>) {
    let mut all: Vec<(bool, String)> =
        q.name_words.iter().map(|w| clean(w)).filter(|w| !w.is_empty()).map(|w| (true, w)).collect();
    if let Some(y) = q.birth_year {
        all.push((false, format!("y{y}")));
    }
    if let Some(d) = q.date_of_birth {
        all.push((false, format!("d{:04}{:02}{:02}", d.year(), d.month() as u8, d.day())));
    }
    if let Some(s) = q.sex {
        all.push((false, format!("s{}", s.code().to_ascii_lowercase())));
    }
    if let Some(p) = &q.province {
        all.push((false, format!("jp{}", clean(p))));
    }
    let scope = match &q.jurisdiction {
        Jurisdiction::National => vec![],
        Jurisdiction::Province(p) => vec![format!("jp{}", clean(p))],
        Jurisdiction::Commune(c) => vec![format!("jc{}", clean(c))],
    };
    (all, scope)
}

/// An FTS5 MATCH expression.
pub fn fts5_query(q: &SearchQuery) -> String {
    let (all, scope) = terms(q);
    let mut parts: Vec<String> = all.into_iter().map(|(prefix, t)| if prefix { format!("{t}*") } else { t }).collect();
    parts.extend(scope);
    parts.join(" AND ")
}

/// A PostgreSQL `to_tsquery('simple', …)` expression.
pub fn tsquery(q: &SearchQuery) -> String {
    let (all, scope) = terms(q);
    let mut parts: Vec<String> = all.into_iter().map(|(prefix, t)| if prefix { format!("{t}:*") } else { t }).collect();
    parts.extend(scope);
    parts.join(" & ")
}
