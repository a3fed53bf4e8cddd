//! A reading library's messages (calamine, zip, the XML parser) turned into reasons a clerk
//! follows. The library's own words are kept beside the reason (for `--verbose` and the log);
//! the manifest and the page show only the reason.

use crate::error::ErrorKind;

/// A workbook a library could not open: the reason in Chinese, the library's words kept apart.
pub fn unreadable(format: &'static str, library: impl Into<String>) -> ErrorKind {
    let library = library.into();
    ErrorKind::Unreadable {
        format,
        reason: explain(format, &library),
        detail: Some(Box::new(library)),
    }
}

/// What a library's message means for the clerk, said in one short sentence.
pub fn explain(format: &str, library: &str) -> String {
    let text = library.to_ascii_lowercase();
    let has = |needle: &str| text.contains(needle);
    let what = if has("password") {
        "工作簿设有打开密码".to_owned()
    } else if has("eocd") || has("central directory") || has("invalid zip archive") {
        "不是完整的压缩包（找不到压缩包目录），文件可能被截断或没有传完".to_owned()
    } else if has("unsupported zip archive") || has("compression method") {
        "压缩包使用了不支持的压缩方式".to_owned()
    } else if has("checksum") || has("crc") || has("corrupt deflate") || has("invalid deflate") {
        "压缩包中的数据校验不符，文件在保存或传输中损坏".to_owned()
    } else if has("codepage") {
        format!(
            "使用了无法识别的字符编码（{}）",
            code_after(library, "Codepage")
        )
    } else if has("past end of file") || has("sector") {
        "复合文档的扇区超出文件末尾，文件可能被截断".to_owned()
    } else if has("invalid ole") {
        "文件头不是 Excel 97-2003 格式的文件头".to_owned()
    } else if has("stream") && (has("cannot find") || has("not found")) {
        "文件中没有工作簿数据（可能不是 Excel 文件，或已损坏）".to_owned()
    } else if has("empty root directory") {
        "复合文档的目录为空".to_owned()
    } else if has("end of stream") {
        "数据提前结束，文件可能被截断".to_owned()
    } else if has("unrecognized entity") {
        "工作簿内部的 XML 中有无法识别的实体引用".to_owned()
    } else if has("sheet:type") {
        "含有无法识别的工作表类型".to_owned()
    } else if has("relationship") {
        "工作簿内部的部件关联缺失".to_owned()
    } else if has("mime") {
        "文件类型标记不是电子表格".to_owned()
    } else if has("worksheet") && has("not found") {
        "找不到工作表的内容".to_owned()
    } else if has("file not found") || has("not found in archive") {
        "缺少工作簿必需的部件".to_owned()
    } else if has("xml") || has("expecting") || has("node") {
        "工作簿内部的 XML 内容不完整或有误".to_owned()
    } else if has("formula") || has("stack") || has("ptg") || has("iftab") || has("etpg") {
        "公式记录有误".to_owned()
    } else if has("parse") || has("overflow") || has("alphanumeric") || has("dimension") {
        "单元格的位置或数值格式有误".to_owned()
    } else if has("i/o error") || has("unexpected eof") || has("failed to fill") {
        "数据提前结束，文件可能被截断".to_owned()
    } else if library.contains("读取库") {
        "读取库无法解析此文件的内容".to_owned()
    } else {
        "内容不符合该格式".to_owned()
    };
    format!("按 {format} 格式读取失败：{what}")
}

/// The hex code after `word` in a message ("Codepage 8001 not found" → "代码页 0x8001").
fn code_after(library: &str, word: &str) -> String {
    let code = library
        .find(word)
        .map(|at| &library[at + word.len()..])
        .map(|rest| {
            rest.trim_start()
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect::<String>()
        })
        .unwrap_or_default();
    if code.is_empty() {
        "代码页未知".to_owned()
    } else {
        format!("代码页 0x{code}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_messages_become_chinese_reasons() {
        for (library, expected) in [
            ("invalid Zip archive: Could not find EOCD", "截断"),
            ("Cfb error: Codepage 8001 not found", "代码页 0x8001"),
            (
                "Xml error: Error while escaping character at range 1..5: unrecognized entity `foo`",
                "实体引用",
            ),
            ("Cfb error: Sector 77 points past end of file", "扇区"),
            (
                "Unrecognized sheet:type: xl/macrosheets/sheet1.xml",
                "工作表类型",
            ),
            ("something no one has seen", "内容不符合"),
        ] {
            let reason = explain("xlsx", library);
            assert!(reason.contains(expected), "{library} → {reason}");
            assert!(!reason.is_ascii() && !reason.contains(library), "{reason}");
        }
    }
}
