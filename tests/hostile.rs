//! Hostile and broken input: every kind of bad file in one batch with good files mixed in — no
//! panic, no hang (the test bounds its own time), every good form converted, every broken file
//! rejected with its specific reason, the manifest complete. Plus the zip bomb's speed, and every
//! cut point of a truncated workbook through the library's per-file entry point.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jixiao::TemplateSet;
use jixiao::read::{Limits, read_workbook};

use crate::harness::{fixture, repo};
use crate::hostile_files::*;

/// What a file must become.
#[derive(Debug, Clone)]
enum Expect {
    /// Converted, with this many forms.
    Converted(usize),
    /// Rejected, the reason containing every one of these.
    Rejected(&'static [&'static str]),
    /// Skipped.
    Skipped,
}

fn build_corpus(dir: &Path) -> BTreeMap<String, Expect> {
    use Expect::*;
    let mut expect = BTreeMap::new();
    let mut add = |name: &str, bytes: &[u8], e: Expect| {
        put(dir, name, bytes);
        expect.insert(name.to_owned(), e);
    };
    let sample = sample_bytes();
    // Good files, some with misleading names.
    add("好的表.xlsx", &sample, Converted(1));
    add(
        "xls改名为xlsx.xlsx",
        &std::fs::read(fixture("field-corpus/应急救援（97-2003格式）.xls")).unwrap(),
        Converted(1),
    );
    add("xlsx改名为xls.xls", &sample, Converted(1));
    add(
        "ods.ods",
        &std::fs::read(fixture("field-corpus/标准网格化创建（ods）.ods")).unwrap(),
        Converted(1),
    );
    // Not workbooks at all.
    add("空文件.xlsx", b"", Rejected(&["0 字节"]));
    let noise: Vec<u8> = (0..65_536u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    add("随机字节.xlsx", &noise, Rejected(&["不是电子表格"]));
    add(
        "其实是CSV.xlsx",
        "项目名称,金额\n应急救援,54.44\n".as_bytes(),
        Rejected(&["CSV"]),
    );
    add(
        "其实是网页.xlsx",
        "<html><body><table><tr><td>项目名称</td></tr></table></body></html>".as_bytes(),
        Rejected(&["HTML"]),
    );
    add("说明.txt", "说明".as_bytes(), Skipped);
    // Damaged and protected.
    for cut in [100, 1_000, sample.len() / 2, sample.len() - 30] {
        add(
            &format!("截断于{cut}字节.xlsx"),
            &sample[..cut],
            Rejected(&["损坏"]),
        );
    }
    let mut looping = std::fs::read(fixture("field-corpus/应急救援（97-2003格式）.xls")).unwrap();
    let dir_start = u32::from_le_bytes(looping[48..52].try_into().unwrap()) as usize;
    let first_fat = u32::from_le_bytes(looping[76..80].try_into().unwrap()) as usize;
    let at = (first_fat + 1) * 512 + 4 * dir_start;
    looping[at..at + 4].copy_from_slice(&(dir_start as u32).to_le_bytes());
    add("扇区链循环.xls", &looping, Rejected(&["循环"]));
    add(
        "加密.xlsx",
        &std::fs::read(fixture("hostile/加密（密码123456）.xlsx")).unwrap(),
        Rejected(&["密码"]),
    );
    // [Content_Types].xml only names the parts' types; the cells can be read without it, so the
    // form is converted rather than lost (Excel would refuse the file).
    add(
        "缺ContentTypes.xlsx",
        &rewrite("[Content_Types].xml", |_| None),
        Converted(1),
    );
    add(
        "坏的ContentTypes.xlsx",
        &rewrite("[Content_Types].xml", |_| Some(b"<Types><Default".to_vec())),
        Converted(1),
    );
    add(
        "缺workbook.xlsx",
        &rewrite("xl/workbook.xml", |_| None),
        Rejected(&["不含工作簿"]),
    );
    add(
        "坏的workbook.xlsx",
        &rewrite("xl/workbook.xml", |_| {
            Some(b"<workbook><sheets><sheet name=".to_vec())
        }),
        Rejected(&["损坏"]),
    );
    // XML attacks: entity expansion and an external entity.
    let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>"#;
    let mut sheet = laughs.to_vec();
    sheet
        .extend_from_slice(&sheet_xml(&[("A1", "财政项目支出绩效目标表"), ("A2", "&lol9;")])[38..]);
    add("十亿笑声.xlsx", &with_sheet(sheet), Rejected(&["工作表"]));
    let external =
        br#"<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#;
    let shared = rewrite("xl/sharedStrings.xml", |data| {
        let text = String::from_utf8(data).unwrap();
        let body = &text[text.find("<sst").unwrap()..];
        let mut out = external.to_vec();
        out.extend_from_slice(
            body.replacen("残保金抚恤金专项", "&xxe;残保金抚恤金专项", 1)
                .as_bytes(),
        );
        Some(out)
    });
    add("外部实体.xlsx", &shared, Rejected(&["损坏"]));
    // Bombs and sizes past any sane form.
    add(
        "压缩炸弹.xlsx",
        &zip_bomb(10, false),
        Rejected(&["解压后", "10.0 GB", "--max-inflated"]),
    );
    add(
        "谎报大小的压缩炸弹.xlsx",
        &zip_bomb(1, true),
        Rejected(&["工作表"]),
    );
    add(
        "共享字符串数量造假.xlsx",
        &rewrite("xl/sharedStrings.xml", |data| {
            let text = String::from_utf8(data).unwrap();
            let at = text.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
            let end = at + text[at..].find('"').unwrap();
            Some(format!("{}100000000000{}", &text[..at], &text[end..]).into_bytes())
        }),
        // A declared count may cap what is reserved, never refuse a file that reads.
        Converted(1),
    );
    add(
        "一百万零一行.xlsx",
        &with_sheet(many_rows(1_000_001)),
        Rejected(&["单元格数", "--max-cells"]),
    );
    add(
        "相距很远的两个单元格.xlsx",
        &with_sheet(sheet_xml(&[("A1", "说明"), ("XFD1048576", "末")])),
        Rejected(&["没有可识别"]),
    );
    add(
        "相距很远的两个单元格.ods",
        &ods_far_apart(),
        Rejected(&["使用范围", "--max-cells"]),
    );
    let mut nested = sheet_xml(&[("A1", "财政项目支出绩效目标表")]);
    nested.truncate(nested.len() - "</sheetData></worksheet>".len());
    nested.extend("<row r=\"2\">".bytes());
    // Deep but under 100 KB, so the parser (not the inflate-ratio check) meets it.
    for _ in 0..8_000 {
        nested.extend_from_slice(b"<c><is><t>");
    }
    add(
        "深层嵌套未闭合.xlsx",
        &with_sheet(nested),
        Rejected(&["工作表"]),
    );
    // A form with a 10 MB 指标值: converted; the workbook cell is cut with a warning.
    let huge = varied_text(10 * 1024 * 1024 / 3);
    let long_text = rewrite("xl/sharedStrings.xml", |data| {
        let text = String::from_utf8(data).unwrap();
        Some(text.replace("完成缴纳工作", &huge).into_bytes())
    });
    add("一千万字的单元格.xlsx", &long_text, Converted(1));
    // 20,000 emoji: fewer characters than a cell holds but 40,000 UTF-16 units, which is what
    // Excel (and the workbook writer) count — cut as well, never an error that stops the run.
    let emoji = rewrite("xl/sharedStrings.xml", |data| {
        let text = String::from_utf8(data).unwrap();
        Some(
            text.replace("完成缴纳工作", &"😀".repeat(20_000))
                .into_bytes(),
        )
    });
    add("两万个表情符号.xlsx", &emoji, Converted(1));
    // A 主管部门 of 300 characters and 20,000 emoji: its 汇总 row is cut, and its formulas
    // match it by its first 253 characters and a wildcard (Excel reads no criterion longer
    // than 255).
    let department = rewrite("xl/sharedStrings.xml", |data| {
        let text = String::from_utf8(data).unwrap();
        let name = format!("{}{}", "局".repeat(300), "😀".repeat(20_000));
        Some(text.replace("吴淞镇人民政府", &name).into_bytes())
    });
    add("超长的主管部门.xlsx", &department, Converted(1));
    // Every label, garbage values: converted, with warnings.
    let garbage = rewrite("xl/sharedStrings.xml", |data| {
        let text = String::from_utf8(data).unwrap();
        Some(
            text.replace("专项资金 ☑ 经常性项目 □ 一次性项目 □", "？？？")
                .into_bytes(),
        )
    });
    let garbage = {
        let mut parts = parts(&garbage);
        for (name, data) in &mut parts {
            if name == "xl/worksheets/sheet1.xml" {
                let text = String::from_utf8(data.clone()).unwrap();
                // Amounts and dates become text nobody can read as such.
                let text = text.replace("<v>3.5</v>", "<is><t>###</t></is>").replace(
                    " s=\"7\"><v>",
                    " s=\"7\" t=\"inlineStr\"><is><t>x</t></is><v>",
                );
                *data = text
                    .replace("<c r=\"C6\" s=", "<c r=\"C6\" t=\"inlineStr\" s=")
                    .into_bytes();
            }
        }
        zip_parts(&parts)
    };
    add("乱填的表.xlsx", &garbage, Converted(1));
    add(
        "重复的工作表.xlsx",
        &rewrite("xl/workbook.xml", |data| {
            let text = String::from_utf8(data).unwrap();
            let start = text.find("<sheet ").unwrap();
            let end = start + text[start..].find("/>").unwrap() + 2;
            let sheet = text[start..end].to_owned();
            Some(
                text.replacen(&sheet, &format!("{sheet}{sheet}"), 1)
                    .into_bytes(),
            )
        }),
        Converted(1),
    );
    add("全是图表.xlsx", &chart_only(), Rejected(&["图表"]));
    expect
}

/// Runs `jixiao convert` on a folder, failing if it takes longer than `limit`.
fn convert_within(input: &Path, out: &Path, limit: Duration) -> (Option<i32>, String) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["convert", "-o"])
        .arg(out)
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("jixiao convert did not finish within {limit:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code(), stderr)
}

fn manifest(out: &Path) -> BTreeMap<String, (String, String, String)> {
    let text = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let name = r[0].rsplit('/').next().unwrap().to_owned();
            (name, (r[1].to_owned(), r[3].to_owned(), r[4].to_owned()))
        })
        .collect()
}

#[test]
fn every_broken_input_in_one_batch_is_rejected_for_its_reason_and_good_ones_convert() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let expect = build_corpus(&input);
    let out = dir.path().join("out");
    let (code, stderr) = convert_within(&input, &out, Duration::from_secs(120));
    assert_eq!(code, Some(0), "convert finished normally\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let manifest = manifest(&out);
    assert_eq!(
        manifest.len(),
        expect.len(),
        "every file is in the manifest: {manifest:#?}"
    );
    let mut wrong = Vec::new();
    for (name, expected) in &expect {
        let Some((status, forms, message)) = manifest.get(name) else {
            wrong.push(format!("{name}: not in the manifest"));
            continue;
        };
        let ok = match expected {
            Expect::Converted(n) => status == "converted" && forms == &n.to_string(),
            Expect::Skipped => status == "skipped",
            Expect::Rejected(words) => {
                status == "rejected" && words.iter().all(|w| message.contains(w))
            }
        };
        if !ok {
            wrong.push(format!(
                "{name}: expected {expected:?}, got {status} ({forms} forms): {message}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The external entity was never resolved, and the long text was cut in the workbook with a
    // warning but kept whole in the JSON.
    let jsonl = std::fs::read_to_string(out.join("projects.jsonl")).unwrap();
    assert!(
        !jsonl.contains("root:x:0:0"),
        "/etc/passwd leaked into the outputs"
    );
    assert!(
        jsonl.contains(&varied_text(10 * 1024 * 1024 / 3)),
        "the whole text is in the JSON"
    );
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook(out.join("summary.xlsx")).unwrap();
    use calamine::Reader;
    let summary = workbook.worksheet_range("汇总").unwrap();
    let long = summary
        .rows()
        .find(|r| r[0].to_string().starts_with("局局局"))
        .expect("the long 主管部门 has its 汇总 row");
    assert!(long[0].to_string().ends_with('…'), "cut to fit a cell");
    assert_eq!(long[1].to_string(), "1", "one project");
    let formulas = workbook.worksheet_formula("汇总").unwrap();
    let count = formulas
        .rows()
        .find(|r| r[0].contains(&"局".repeat(250)))
        .map(|r| r[0].clone())
        .expect("the long 主管部门's count formula");
    assert!(
        count.contains(&format!("\"={}*\"", "局".repeat(253))),
        "{}",
        count.chars().take(80).collect::<String>()
    );
    let issues = workbook.worksheet_range("问题清单").unwrap();
    assert!(
        issues.rows().any(|r| r[1] == "truncated"),
        "a cut text is reported"
    );
    let garbage: Vec<String> = issues
        .rows()
        .filter(|r| r[2].to_string().ends_with("乱填的表.xlsx"))
        .map(|r| r[1].to_string())
        .collect();
    assert!(
        garbage.contains(&"unparsed_category".to_owned()),
        "{garbage:?}"
    );
    assert!(
        garbage.contains(&"unparsed_amount".to_owned()),
        "{garbage:?}"
    );
}

#[test]
fn a_zip_bomb_is_rejected_in_well_under_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    put(&input, "压缩炸弹.xlsx", &zip_bomb(10, false));
    // For measuring by hand (`/usr/bin/time -v jixiao convert …`): keep a copy of the bomb.
    if let Some(copy) = std::env::var_os("JIXIAO_KEEP_BOMB") {
        std::fs::copy(input.join("压缩炸弹.xlsx"), copy).unwrap();
    }
    let started = Instant::now();
    let (code, stderr) = convert_within(&input, &dir.path().join("out"), Duration::from_secs(30));
    let elapsed = started.elapsed();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("--max-inflated"), "{stderr}");
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}

#[test]
fn a_workbook_cut_at_every_byte_never_panics_and_never_yields_a_form() {
    let sample = std::fs::read(repo("samples/残保金抚恤金专项.xlsx")).unwrap();
    let templates = TemplateSet::builtin();
    let limits = Limits::default();
    for cut in 0..sample.len() {
        let prefix = &sample[..cut];
        let result =
            std::panic::catch_unwind(|| read_workbook(prefix, "cut.xlsx", &templates, &limits));
        match result {
            Err(_) => panic!("reading the first {cut} bytes panicked"),
            Ok(Ok(read)) => assert!(read.records.is_empty(), "{cut} bytes yielded a form"),
            Ok(Err(_)) => {}
        }
    }
    let whole = read_workbook(&sample, "whole.xlsx", &templates, &limits).unwrap();
    assert_eq!(whole.records.len(), 1);
}

#[cfg(unix)]
#[test]
fn pipes_and_links_to_folders_are_skipped_and_broken_links_rejected_without_a_hang() {
    // Opening a named pipe waits for a writer forever; a link to a parent folder loops.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    put(&input, "好的表.xlsx", &sample_bytes());
    std::os::unix::fs::symlink("..", input.join("sub/上级")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/表.xlsx", input.join("断开的链接.xlsx")).unwrap();
    let made = Command::new("mkfifo")
        .arg(input.join("管道.xlsx"))
        .status()
        .unwrap();
    assert!(made.success());
    let out = dir.path().join("out");
    let (code, stderr) = convert_within(&input, &out, Duration::from_secs(60));
    assert_eq!(code, Some(0), "{stderr}");
    let manifest = manifest(&out);
    let status = |name: &str| manifest[name].0.as_str();
    assert_eq!(status("好的表.xlsx"), "converted");
    assert_eq!(status("管道.xlsx"), "skipped", "{manifest:?}");
    assert_eq!(status("上级"), "skipped", "{manifest:?}");
    assert_eq!(status("断开的链接.xlsx"), "rejected");
    assert!(
        manifest["断开的链接.xlsx"].2.contains("文件不存在"),
        "{manifest:?}"
    );
    assert_eq!(manifest.len(), 4);
}
