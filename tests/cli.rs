//! `jixiao inspect` on files that are not forms: each bad file is one clear line on stderr and a
//! rejected entry with a specific reason; other files are skipped with a reason; the program
//! never panics and goes on with the rest.

use std::ffi::OsStr;

use crate::harness::{fixture, jixiao, repo};

#[test]
fn bad_files_get_one_clear_line_each_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("空文件.xlsx"), b"").unwrap();
    std::fs::write(d.join("其实是CSV.xlsx"), "项目名称,金额\n应急救援,54.44\n").unwrap();
    std::fs::write(
        d.join("网页导出.xls"),
        "<html><body><table><tr><td>项目名称</td></tr></table></body></html>",
    )
    .unwrap();
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(d.join("乱码.xlsx"), noise).unwrap();
    std::fs::copy(fixture("field-corpus/损坏文件.xlsx"), d.join("截断.xlsx")).unwrap();
    std::fs::write(d.join("说明.txt"), "说明").unwrap();
    std::fs::write(d.join("~$应急救援.xlsx"), b"lock").unwrap();
    std::fs::copy(
        repo("samples/残保金抚恤金专项.xlsx"),
        d.join("残保金抚恤金专项.xlsx"),
    )
    .unwrap();
    let missing = d.join("不存在.xlsx");

    let run = jixiao([OsStr::new("inspect"), d.as_os_str(), missing.as_os_str()]).expect_code(1);
    let report = run.json();
    let entry = |name: &str| {
        report
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["file"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not reported\n{}", run.describe()))
            .clone()
    };
    let rejected = [
        ("空文件.xlsx", "0 字节"),
        ("其实是CSV.xlsx", "CSV"),
        ("网页导出.xls", "HTML"),
        ("乱码.xlsx", "不是电子表格"),
        ("截断.xlsx", "损坏"),
        ("不存在.xlsx", "无法读取文件"),
    ];
    for (name, why) in rejected {
        let e = entry(name);
        assert_eq!(e["status"], "rejected", "{name}: {e:#}");
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains(why),
            "{name}: “{message}” should say {why}"
        );
        let lines: Vec<&str> = run.stderr.lines().filter(|l| l.contains(name)).collect();
        assert_eq!(
            lines.len(),
            1,
            "{name}: one line on stderr\n{}",
            run.describe()
        );
    }
    assert_eq!(
        run.stderr.lines().count(),
        rejected.len(),
        "{}",
        run.describe()
    );
    for (name, why) in [("说明.txt", ".txt"), ("~$应急救援.xlsx", "锁定文件")] {
        let e = entry(name);
        assert_eq!(e["status"], "skipped", "{name}: {e:#}");
        assert!(
            e["message"].as_str().unwrap().contains(why),
            "{name}: {e:#}"
        );
    }
    let good = entry("残保金抚恤金专项.xlsx");
    assert_eq!(good["status"], "converted");
    assert_eq!(good["forms"].as_array().unwrap().len(), 1);
}

#[test]
fn inspect_shows_each_field_with_its_cell() {
    let run = jixiao([
        OsStr::new("inspect"),
        repo("samples/残保金抚恤金专项.xlsx").as_os_str(),
    ])
    .expect_code(0);
    let form = &run.json()[0]["forms"][0];
    assert_eq!(form["project_name"]["value"], "残保金抚恤金专项");
    assert_eq!(form["project_name"]["cell"], "B3");
    assert_eq!(form["funds"]["total"]["value"], "3.5");
    assert_eq!(form["funds"]["total"]["cell"], "C6");
    assert_eq!(form["indicators"][0]["cell"], "D12");
    assert_eq!(form["indicators"][0]["value_cell"], "F12");
    assert_eq!(form["source"]["cell"], "A1");
}
