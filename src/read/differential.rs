//! The fast .xlsx reader checked against calamine, sheet by sheet: the same sheets, the same
//! cells, and never a workbook or sheet only one of them reads. For the tests and the fuzz target.

use std::io::Cursor;

use super::xlsx_fast::Book;

/// How the fast reader fared on a workbook, checked against calamine.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Agreement {
    /// Sheets both readers read, with the same cells.
    pub same: usize,
    /// Sheets the fast reader gave up on (calamine reads them).
    pub bailed: usize,
    /// True when the fast reader gave up on the whole workbook.
    pub book_bailed: bool,
}

/// Reads every sheet of an .xlsx with both readers (calamine on the copy jixiao gives it, see
/// `xlsx_compat`): `Err` names the first difference — in the sheet list, in a sheet's cells, or
/// a workbook or sheet only one of them reads (the fast reader must give up where calamine
/// fails). For the tests and the fuzz target.
pub fn check_against_calamine(bytes: &[u8]) -> Result<Agreement, String> {
    use calamine::Reader;
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(Agreement::default());
    };
    let Some(book) = Book::open(&mut archive) else {
        return Ok(Agreement {
            book_bailed: true,
            ..Agreement::default()
        });
    };
    let copy = match super::xlsx_compat::calamine_copy(&mut archive) {
        Ok(Some(copy)) => std::borrow::Cow::Owned(copy),
        Ok(None) => std::borrow::Cow::Borrowed(bytes),
        Err(e) => return Err(format!("only the fast reader opens the workbook: {e}")),
    };
    let mut calamine = match crate::panic_guard::guarded(|| calamine::Xlsx::new(Cursor::new(copy)))
    {
        Ok(Ok(calamine)) => calamine,
        Ok(Err(e)) => return Err(format!("only the fast reader opens the workbook: {e}")),
        Err(panic) => return Err(format!("only the fast reader opens the workbook: {panic}")),
    };
    let theirs: Vec<(String, bool, bool)> = super::sheet::sheet_infos(calamine.sheets_metadata())
        .into_iter()
        .map(|s| (s.name, s.is_worksheet, s.hidden))
        .collect();
    let ours: Vec<(String, bool, bool)> = book
        .sheets()
        .into_iter()
        .map(|s| (s.name, s.is_worksheet, s.hidden))
        .collect();
    if ours != theirs {
        return Err(format!("sheets differ: fast {ours:?}, calamine {theirs:?}"));
    }
    let mut agreement = Agreement::default();
    for (name, is_worksheet, _) in &ours {
        if !is_worksheet {
            continue;
        }
        let Some(xml) = book
            .path(name)
            .and_then(|path| super::xlsx_merges::sheet_xml(&mut archive, path))
        else {
            agreement.bailed += 1;
            continue;
        };
        let fast = book.cells(&xml, &mut || Ok(()));
        if let Ok((_, merges)) = &fast
            && block_after_rows(&xml)
            && *merges != super::xlsx_merges::merges_in(&xml)
        {
            return Err(format!(
                "sheet {name}: the merged regions differ from the whole part's"
            ));
        }
        let fast = fast.map(|(cells, _)| cells);
        check_streamed(&book, &xml, fast.as_ref().ok())
            .map_err(|e| format!("sheet {name}: {e}"))?;
        let slow =
            crate::panic_guard::guarded(|| super::sheet::calamine_cells(&mut calamine, name));
        match (fast, slow) {
            (Ok(fast), Ok(Ok(slow))) => {
                if let Some(at) = first_difference(&fast, &slow) {
                    return Err(format!(
                        "sheet {name}: cell {at} differs: fast {:?}, calamine {:?}",
                        fast.get(at),
                        slow.get(at)
                    ));
                }
                agreement.same += 1;
            }
            (Err(_), _) => agreement.bailed += 1,
            (Ok(_), Ok(Err(e))) => {
                return Err(format!("sheet {name}: only the fast reader reads it: {e}"));
            }
            (Ok(_), Err(panic)) => {
                return Err(format!(
                    "sheet {name}: only the fast reader reads it: {panic}"
                ));
            }
        }
    }
    Ok(agreement)
}

/// True when every "mergeCells" of a sheet part stands after its last "sheetData" (or there is
/// none): where the whole part's byte search and the fast reader's search outside the rows must
/// agree.
fn block_after_rows(xml: &[u8]) -> bool {
    match (
        memchr::memmem::find(xml, b"mergeCells"),
        memchr::memmem::rfind(xml, b"sheetData"),
    ) {
        (Some(block), Some(rows)) => block > rows,
        _ => true,
    }
}

/// The part read piece by piece (a piece after every few rows) gives what it gives read whole:
/// the same cells, or a refusal where the whole is refused, and the merged regions.
fn check_streamed(
    book: &Book,
    xml: &[u8],
    whole: Option<&Vec<super::grid::Cell>>,
) -> Result<(), String> {
    for piece in [1, 97, 4096] {
        let streamed = book.cells_streamed(&mut &xml[..], 0, piece, &mut || Ok(()));
        match (whole, streamed) {
            (Some(whole), Ok((cells, merges))) => {
                if let Some(at) = first_difference(whole, &cells) {
                    return Err(format!(
                        "read in pieces of {piece} bytes, cell {at} differs: whole {:?}, in pieces {:?}",
                        whole.get(at),
                        cells.get(at)
                    ));
                }
                // One <mergeCells> block (start and end tag) after the rows, where spreadsheets
                // write it: the same regions. (The name within the rows can only be text or an
                // attribute's value there; read in pieces, the block is looked for only before
                // and after the rows, while the whole part's search takes the last start tag
                // anywhere — a difference in malformed parts only, found by fuzzing.)
                let blocks = memchr::memmem::find_iter(xml, b"mergeCells").count();
                if blocks <= 2
                    && block_after_rows(xml)
                    && merges != super::xlsx_merges::merges_in(xml)
                {
                    return Err(format!(
                        "read in pieces of {piece} bytes, the merged regions differ"
                    ));
                }
            }
            (None, Err(_)) => {}
            // A piece is cut after a '</row>' found by a byte search; one that is not a row's
            // end (inside a quoted attribute value) leaves a piece the scanner gives up on, and
            // calamine reads the sheet. Anywhere else, giving up is a fault.
            (Some(_), Err(_)) if !all_row_ends_are_end_tags(xml) => {}
            (Some(_), Err(_)) => {
                return Err(format!("read in pieces of {piece} bytes, it gives up"));
            }
            (None, Ok(_)) => {
                return Err(format!("only read in pieces of {piece} bytes is it read"));
            }
        }
    }
    Ok(())
}

/// True when every '</row>' before the end of a part's rows is a row's end tag (a part read
/// whole, so the scan reaches the end of its rows).
fn all_row_ends_are_end_tags(xml: &[u8]) -> bool {
    use super::xml_scan::{Scanner, Token, local};
    let mut scanner = Scanner::new(xml);
    let mut ends = Vec::new();
    let rows_end = loop {
        match scanner.next_token() {
            Ok(Some(Token::End(name))) if local(name) == b"row" => ends.push(scanner.position()),
            Ok(Some(Token::End(name))) if local(name) == b"sheetData" => break scanner.position(),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return false,
        }
    };
    memchr::memmem::find_iter(&xml[..rows_end], b"</row>")
        .all(|at| ends.binary_search(&(at + b"</row>".len())).is_ok())
}

/// The first position where two lists of cells differ (one ending early counts).
fn first_difference(a: &[super::grid::Cell], b: &[super::grid::Cell]) -> Option<usize> {
    (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i))
}
