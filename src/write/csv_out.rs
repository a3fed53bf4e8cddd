//! The CSV hand-off for accounting: `projects.csv` and `indicators.csv`, with a stable header,
//! amounts written exactly in the chosen unit, text made inert against formula injection, and the
//! encoding accounting software wants (UTF-8 with BOM for Excel and WPS, or GB18030).

use std::borrow::Cow;
use std::io::Write;

use rust_decimal::Decimal;

use super::rows::{department_group, fixed2, neutralize, project_id};
use super::totals::indicator_count;
use crate::model::{FundKind, Project};

/// The encoding CSV files are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvEncoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark, which Excel and WPS need to open Chinese text correctly.
    #[default]
    Utf8Bom,
    /// GB18030, which many Chinese ledger programs import.
    Gb18030,
}

/// The unit amounts are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvUnit {
    /// 元, two decimals (what accounting imports).
    #[default]
    Yuan,
    /// 万元, as the forms and the model have them.
    Wan,
}

impl CsvUnit {
    /// The unit's label in column headers.
    pub fn label(self) -> &'static str {
        match self {
            CsvUnit::Yuan => "元",
            CsvUnit::Wan => "万元",
        }
    }

    /// An amount in 万元 written exactly in this unit.
    pub fn format(self, wan: Decimal) -> String {
        match self {
            CsvUnit::Yuan => fixed2(wan * Decimal::from(10_000)),
            CsvUnit::Wan => fixed2(wan),
        }
    }
}

/// A writer that turns the UTF-8 it is given into the chosen encoding.
pub struct EncodedWriter<W: Write> {
    inner: W,
    encoder: Option<encoding_rs::Encoder>,
    /// Bytes of a character cut in two between writes.
    pending: Vec<u8>,
    buffer: String,
    encoded: Vec<u8>,
}

impl<W: Write> EncodedWriter<W> {
    /// Starts writing; a UTF-8 BOM is written at once when asked for.
    pub fn new(mut inner: W, encoding: CsvEncoding) -> std::io::Result<Self> {
        if encoding == CsvEncoding::Utf8Bom {
            inner.write_all(b"\xEF\xBB\xBF")?;
        }
        let encoder =
            (encoding == CsvEncoding::Gb18030).then(|| encoding_rs::GB18030.new_encoder());
        Ok(EncodedWriter {
            inner,
            encoder,
            pending: Vec::new(),
            buffer: String::new(),
            encoded: Vec::new(),
        })
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.flush()?;
        if !self.pending.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "incomplete UTF-8 at the end of a CSV file",
            ));
        }
        Ok(self.inner)
    }
}

impl<W: Write> Write for EncodedWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let Some(encoder) = &mut self.encoder else {
            return self.inner.write(bytes);
        };
        self.pending.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        };
        self.buffer.clear();
        self.buffer
            .push_str(std::str::from_utf8(&self.pending[..valid]).unwrap_or_default());
        self.pending.drain(..valid);
        self.encoded.clear();
        self.encoded.reserve(self.buffer.len() * 2 + 16);
        let (_, _) = encoder.encode_from_utf8_to_vec_without_replacement(
            &self.buffer,
            &mut self.encoded,
            false,
        );
        self.inner.write_all(&self.encoded)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// CSV records over an encoded stream, with CRLF line ends as Excel expects: the bytes the csv
/// crate's writer writes with that one setting (checked against it in the tests) — a field
/// quoted only when it holds `,`, `"`, CR or LF (its quotes doubled), a record of one empty
/// field written `""`, every record as long as the first — made a record at a time in one
/// buffer. The csv crate's writer spent about 5,000 instructions on a record here (3 % of a
/// batch's), most of it in the bookkeeping of a writer that may stop at any byte.
pub struct CsvRows<W: Write> {
    out: EncodedWriter<W>,
    /// The record being made (reused).
    line: Vec<u8>,
    /// Fields of the first record.
    fields: Option<usize>,
}

impl<W: Write> CsvRows<W> {
    /// Starts writing into `inner` in `encoding` (a UTF-8 BOM is written at once when asked for).
    pub fn new(inner: W, encoding: CsvEncoding) -> std::io::Result<Self> {
        Ok(CsvRows {
            out: EncodedWriter::new(inner, encoding)?,
            line: Vec::with_capacity(256),
            fields: None,
        })
    }

    /// Writes one record.
    pub fn write_record<I, T>(&mut self, record: I) -> std::io::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let line = &mut self.line;
        line.clear();
        let mut count = 0;
        for field in record {
            if count > 0 {
                line.push(b',');
            }
            count += 1;
            let field = field.as_ref();
            if field
                .iter()
                .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
            {
                line.push(b'"');
                for part in field.split_inclusive(|&b| b == b'"') {
                    line.extend_from_slice(part);
                    if part.last() == Some(&b'"') {
                        line.push(b'"');
                    }
                }
                line.push(b'"');
            } else {
                line.extend_from_slice(field);
            }
        }
        match self.fields {
            None => self.fields = Some(count),
            Some(first) if first != count => {
                return Err(std::io::Error::other(format!(
                    "CSV 记录的字段数不一致：第一条 {first} 个，这一条 {count} 个"
                )));
            }
            Some(_) => {}
        }
        if line.is_empty() {
            line.extend_from_slice(b"\"\"");
        }
        line.extend_from_slice(b"\r\n");
        self.out.write_all(line)
    }

    /// Flushes everything and returns the inner writer.
    pub fn finish(self) -> std::io::Result<W> {
        self.out.finish()
    }
}

/// CSV rows as bytes in an encoding (a UTF-8 BOM, if asked for, is written before them).
pub fn rows_bytes<S: AsRef<str>>(
    rows: &[Vec<S>],
    encoding: CsvEncoding,
) -> std::io::Result<Vec<u8>> {
    let mut writer = CsvRows::new(Vec::new(), encoding)?;
    for row in rows {
        writer.write_record(row.iter().map(AsRef::as_ref))?;
    }
    writer.finish()
}

/// The columns of projects.csv, after 项目编号 … 项目类别 come the dates, the seven amounts (unit
/// in the header), and the rest.
pub fn project_header(unit: CsvUnit) -> Vec<String> {
    let mut header: Vec<String> = [
        "项目编号",
        "年度",
        "主管部门",
        "主管部门编码",
        "实施单位",
        "实施单位编码",
        "项目名称",
        "项目类别",
        "计划开始日期",
        "计划完成日期",
    ]
    .map(String::from)
    .into();
    header.extend(
        FUND_HEADERS
            .iter()
            .map(|h| format!("{h}（{}）", unit.label())),
    );
    header.extend(
        [
            "指标数",
            "警告",
            "模板",
            "来源文件",
            "工作表",
            "单元格",
            "项目编码",
        ]
        .map(String::from),
    );
    header
}

/// Column names of the seven amounts, in [`FundKind::ALL`] order.
pub const FUND_HEADERS: [&str; 7] = [
    "项目资金总额",
    "其中财政资金",
    "其他资金",
    "年度资金申请总额",
    "当年财政拨款",
    "上年结转资金",
    "年度其他资金",
];

/// The columns of indicators.csv.
pub const INDICATOR_HEADER: [&str; 20] = [
    "项目编号",
    "年度",
    "主管部门",
    "项目名称",
    "区块",
    "一级指标",
    "二级指标",
    "三级指标",
    "三级指标原文",
    "指标值",
    "指标类型",
    "比较符",
    "数值",
    "上限",
    "单位",
    "单位为推断",
    "方向",
    "来源文件",
    "工作表",
    "单元格",
];

/// The projects.csv row of a project.
pub fn project_row(project: &Project, unit: CsvUnit) -> Vec<String> {
    let text = |t: &str| neutralize(t).into_owned();
    let date = |d: Option<crate::model::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut row = vec![
        project_id(project),
        project.year.map(|y| y.to_string()).unwrap_or_default(),
        text(department_group(project)),
        text(project.department_code.as_deref().unwrap_or("")),
        text(&project.implementing_unit),
        text(project.implementing_unit_code.as_deref().unwrap_or("")),
        text(&project.project_name),
        text(project.category.as_deref().unwrap_or("")),
        date(project.start_date),
        date(project.end_date),
    ];
    row.extend(FundKind::ALL.iter().map(|k| {
        project
            .funds
            .get(*k)
            .map(|a| unit.format(a))
            .unwrap_or_default()
    }));
    let warnings: Vec<&str> = project
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    row.extend([
        indicator_count(project).to_string(),
        text(&warnings.join("；")),
        text(&project.template),
        text(&project.source.file),
        text(&project.source.sheet),
        project.source.cell.clone(),
        text(project.project_code.as_deref().unwrap_or("")),
    ]);
    row
}

/// The indicators.csv rows of a project whose 项目编号 is `id` and 年度 `year` (placeholder "无" rows are
/// not indicators and not listed), borrowing every field it can from the project.
pub fn indicator_rows<'a>(
    project: &'a Project,
    id: &'a str,
    year: &'a str,
) -> impl Iterator<Item = [Cow<'a, str>; 20]> {
    let text = |t: &'a str| neutralize(t);
    let (department, name) = (text(department_group(project)), text(&project.project_name));
    let (file, sheet) = (text(&project.source.file), text(&project.source.sheet));
    project
        .indicators
        .iter()
        .filter(|i| !i.is_placeholder())
        .map(move |i| {
            let n = i.normalized.as_ref();
            let m = n.map(|n| &n.measure);
            let level = |canonical: Option<&'a String>, written: &'a str| {
                text(canonical.map_or(written, |c| c.as_str()))
            };
            let label = |label: &'static str| Cow::Borrowed(label);
            let number = |d: Option<Decimal>| d.map_or(Cow::Borrowed(""), |d| d.to_string().into());
            [
                Cow::Borrowed(id),
                Cow::Borrowed(year),
                department.clone(),
                name.clone(),
                label(i.block.label()),
                level(n.map(|n| &n.level1), &i.level1),
                level(n.map(|n| &n.level2), &i.level2),
                level(n.map(|n| &n.level3), &i.level3),
                text(&i.level3),
                text(&i.value),
                label(m.map_or("", |m| m.kind.label())),
                label(m.and_then(|m| m.comparator).map_or("", |c| c.symbol())),
                number(m.and_then(|m| m.number)),
                number(m.and_then(|m| m.upper)),
                text(m.and_then(|m| m.unit.as_deref()).unwrap_or("")),
                label(if m.is_some_and(|m| m.unit_inferred) {
                    "是"
                } else {
                    ""
                }),
                label(m.and_then(|m| m.direction).map_or("", |d| d.label())),
                file.clone(),
                sheet.clone(),
                Cow::Borrowed(i.value_cell.as_str()),
            ]
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_the_bytes_the_csv_crate_writes() {
        let records: Vec<Vec<&str>> = vec![
            vec!["项目名称", "金额", ""],
            vec!["a,b", "say \"hi\"", "\"\""],
            vec!["line\nbreak", "cr\rhere", "crlf\r\n"],
            vec!["", "", ""],
            vec!["#comment", "=SUM(A1)", " spaced "],
            vec!["'quoted'", "tab\there", "吴泾镇😀"],
        ];
        for encoding in [
            CsvEncoding::Utf8,
            CsvEncoding::Utf8Bom,
            CsvEncoding::Gb18030,
        ] {
            let mut theirs = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(EncodedWriter::new(Vec::new(), encoding).unwrap());
            let mut ours = CsvRows::new(Vec::new(), encoding).unwrap();
            for record in &records {
                theirs.write_record(record).unwrap();
                ours.write_record(record).unwrap();
            }
            let theirs = theirs.into_inner().unwrap().finish().unwrap();
            assert_eq!(ours.finish().unwrap(), theirs, "{encoding:?}");
        }
        // One empty field, alone in its record, is quoted; so is a record of no field.
        for record in [vec![""], vec![]] {
            let mut theirs = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            theirs.write_record(&record).unwrap();
            let mut ours = CsvRows::new(Vec::new(), CsvEncoding::Utf8).unwrap();
            ours.write_record(&record).unwrap();
            assert_eq!(ours.finish().unwrap(), theirs.into_inner().unwrap());
        }
        // Every record as long as the first, as the csv crate's writer holds them.
        let mut ours = CsvRows::new(Vec::new(), CsvEncoding::Utf8).unwrap();
        ours.write_record(["a", "b"]).unwrap();
        assert!(ours.write_record(["a"]).is_err());
    }

    #[test]
    fn gb18030_survives_writes_cut_inside_a_character() {
        let text = "项目名称,金额\r\n吴泾镇😀,1.00\r\n";
        let mut writer = EncodedWriter::new(Vec::new(), CsvEncoding::Gb18030).unwrap();
        for byte in text.as_bytes() {
            writer.write_all(std::slice::from_ref(byte)).unwrap();
        }
        let bytes = writer.finish().unwrap();
        let (decoded, _, errors) = encoding_rs::GB18030.decode(&bytes);
        assert!(!errors);
        assert_eq!(decoded, text);
        assert_ne!(bytes, text.as_bytes());
    }

    #[test]
    fn amounts_are_exact_in_either_unit() {
        let wan: Decimal = "112.5".parse().unwrap();
        assert_eq!(CsvUnit::Yuan.format(wan), "1125000.00");
        assert_eq!(CsvUnit::Wan.format(wan), "112.50");
        assert_eq!(
            CsvUnit::Yuan.format("0.00000037".parse().unwrap()),
            "0.0037"
        );
    }
}
