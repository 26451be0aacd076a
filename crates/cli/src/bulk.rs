//! Import, export and synthetic data files.

use crate::Format;
use crate::records::{COLUMNS, Record};
use anyhow::{Context, bail};
use dinhdanh_app::App;
use dinhdanh_app::auth::Principal;
use dinhdanh_app::import::{ImportRow, RowOutcome};
use dinhdanh_domain::error::{FieldError, Invalid};
use dinhdanh_domain::person::PersonId;
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

#[derive(Debug, Default)]
pub struct Summary {
    pub imported: u64,
    pub already_present: u64,
    pub adjudication: u64,
    pub rejected: u64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "đã nhập / imported: {}, đã có / already present: {}, chờ xử lý trùng / to adjudication: {}, \
             từ chối / rejected: {}",
            self.imported, self.already_present, self.adjudication, self.rejected
        )
    }
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_owned());
    pb
}

/// Counts bytes read so the progress bar follows the file.
struct Counting<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// Rows of a file, each with its line number, parsed into records (or the reason it cannot be).
/// Rows of a file with their line numbers.
type Rows = Box<dyn Iterator<Item = (u64, Result<Record, String>)>>;

fn rows(path: &Path, format: Format, bar: ProgressBar) -> anyhow::Result<Rows> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = BufReader::with_capacity(1 << 20, Counting { inner: file, bar });
    match format {
        Format::Jsonl => Ok(Box::new(reader.lines().enumerate().filter_map(|(i, line)| {
            let line_no = i as u64 + 1;
            match line {
                Err(e) => Some((line_no, Err(format!("unreadable line: {e}")))),
                Ok(l) if l.trim().is_empty() => None,
                Ok(l) => Some((line_no, serde_json::from_str::<Record>(&l).map_err(|e| e.to_string()))),
            }
        }))),
        Format::Csv => {
            let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(reader);
            let headers = rdr.headers().context("cannot read the CSV header")?.clone();
            let unknown: Vec<_> = headers.iter().filter(|h| !COLUMNS.contains(h)).collect();
            if !unknown.is_empty() {
                bail!(
                    "cột không xác định / unknown columns: {} (expected a subset of: {})",
                    unknown.join(", "),
                    COLUMNS.join(", ")
                );
            }
            Ok(Box::new(
                rdr.into_deserialize::<Record>()
                    .map(|r| match r {
                        Ok(rec) => (0, Ok(rec)),
                        Err(e) => (e.position().map(|p| p.line()).unwrap_or(0), Err(e.to_string())),
                    })
                    .scan(1u64, |line, (pos, r)| {
                        // The csv reader knows the line of errors only; count records for the rest.
                        *line += 1;
                        Some((if pos > 0 { pos } else { *line }, r))
                    }),
            ))
        }
    }
}

const REPORT_HEADER: &str = "line,outcome,case_id,field,code,message_vi,message_en\n";

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

fn write_invalid(out: &mut impl Write, line: u64, inv: &Invalid) -> std::io::Result<()> {
    for FieldError { field, rule } in &inv.0 {
        writeln!(
            out,
            "{line},rejected,,{},{},{},{}",
            csv_cell(field),
            rule.code(),
            csv_cell(rule.message_vi()),
            csv_cell(rule.message_en())
        )?;
    }
    Ok(())
}

/// Imports a whole file in batches, one transaction per batch; every row's fate goes to the report.
pub async fn import_file(
    app: &App,
    path: &Path,
    format: Format,
    report: &Path,
    batch: usize,
) -> anyhow::Result<Summary> {
    let len = std::fs::metadata(path).with_context(|| format!("cannot open {}", path.display()))?.len();
    let pb = bar(len, "nhập / import");
    let source = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut out = BufWriter::new(File::create(report).with_context(|| format!("cannot write {}", report.display()))?);
    out.write_all(REPORT_HEADER.as_bytes())?;
    let system = Principal::system("cli import");
    let mut summary = Summary::default();
    let mut pending: Vec<ImportRow> = Vec::with_capacity(batch);
    let mut iter = rows(path, format, pb.clone())?.peekable();
    while iter.peek().is_some() {
        pending.clear();
        for (line, rec) in iter.by_ref().take(batch) {
            match rec {
                Ok(r) => pending.push(ImportRow { line, person: r.to_person(PersonId(app.rng.uuid())) }),
                Err(msg) => {
                    summary.rejected += 1;
                    writeln!(
                        out,
                        "{line},rejected,,row,record.malformed,{},{}",
                        csv_cell(&format!("Dòng không đọc được: {msg}")),
                        csv_cell(&format!("Malformed row: {msg}"))
                    )?;
                }
            }
        }
        let outcomes = app
            .import_batch(&system, std::mem::take(&mut pending), &source)
            .await
            .map_err(|e| anyhow::anyhow!("import stopped (earlier batches are committed; re-run is safe): {e}"))?;
        for (line, outcome) in outcomes {
            match outcome {
                RowOutcome::Imported => summary.imported += 1,
                RowOutcome::AlreadyPresent => {
                    summary.already_present += 1;
                    writeln!(out, "{line},already_present,,,,,")?;
                }
                RowOutcome::Adjudication(id) => {
                    summary.adjudication += 1;
                    writeln!(
                        out,
                        "{line},adjudication,{id},,duplicate.candidate,{},{}",
                        csv_cell("Trùng họ tên, ngày sinh, giới tính và tên mẹ với hồ sơ đã có: chờ cán bộ xử lý."),
                        csv_cell("Same name, date of birth, sex and mother as an existing record: an officer decides.")
                    )?;
                }
                RowOutcome::Rejected(inv) => {
                    summary.rejected += 1;
                    write_invalid(&mut out, line, &inv)?;
                }
            }
        }
    }
    pb.finish_and_clear();
    out.flush()?;
    Ok(summary)
}

enum Sink {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Jsonl(BufWriter<File>),
}

impl Sink {
    fn create(path: &Path, format: Format) -> anyhow::Result<Sink> {
        let f = BufWriter::new(File::create(path).with_context(|| format!("cannot write {}", path.display()))?);
        Ok(match format {
            Format::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(f))),
            Format::Jsonl => Sink::Jsonl(f),
        })
    }
    fn write(&mut self, r: &Record) -> anyhow::Result<()> {
        match self {
            Sink::Csv(w) => w.serialize(r)?,
            Sink::Jsonl(w) => {
                serde_json::to_writer(&mut *w, r)?;
                w.write_all(b"\n")?;
            }
        }
        Ok(())
    }
    fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Csv(mut w) => w.flush()?,
            Sink::Jsonl(mut w) => w.flush()?,
        }
        Ok(())
    }
}

pub async fn export_file(app: &App, path: &Path, format: Format, purpose: &str) -> anyhow::Result<u64> {
    let system = Principal::system("cli export");
    let total = app.store.count_persons().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let pb = ProgressBar::new(total);
    let mut sink = Sink::create(path, format)?;
    let mut after = None;
    let mut n = 0;
    loop {
        let page = app.export_page(&system, after, 1000, purpose).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let Some(last) = page.last() else { break };
        after = Some(last.person.id);
        for s in &page {
            sink.write(&Record::from_person(&s.person))?;
        }
        n += page.len() as u64;
        pb.inc(page.len() as u64);
    }
    sink.finish()?;
    pb.finish_and_clear();
    Ok(n)
}

pub fn write_synthetic(path: &Path, format: Format, n: usize, seed: u64) -> anyhow::Result<usize> {
    let today = time::OffsetDateTime::now_utc().date();
    // A fixed reference date keeps the file identical for a seed whatever day it is made.
    let reference = time::Date::from_calendar_date(2026, time::Month::January, 1).unwrap_or(today);
    let mut sink = Sink::create(path, format)?;
    let pb = ProgressBar::new(n as u64);
    for p in dinhdanh_synth::persons(seed, reference, n) {
        sink.write(&Record::from_person(&p))?;
        pb.inc(1);
    }
    sink.finish()?;
    pb.finish_and_clear();
    Ok(n)
}
