//! Whether an .xlsx number format shows a date or a time, decided exactly as calamine decides it
//! (`formats.rs` of calamine 0.38, MIT licence, © Johann Tuffe), so that the fast reader and
//! calamine give the same cell for the same number.

/// What a number format shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    /// A plain number (or text, a percentage …).
    Other,
    /// A date or a time of day.
    DateTime,
    /// An elapsed time (`[h]:mm:ss`).
    TimeDelta,
}

/// A custom format code (`yyyy"年"m"月"d"日"`, `0.00_ `): only its first section counts.
pub fn custom(format: &str) -> NumberKind {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return NumberKind::Other,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return NumberKind::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberKind::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumberKind::DateTime;
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    NumberKind::Other
}

/// A built-in format by its id as written in the file ("14" is a date; East Asian ids 27–36
/// and 50–58 are dates too).
pub fn builtin(id: &str) -> NumberKind {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => {
            NumberKind::DateTime
        }
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51"
        | "52" | "53" | "54" | "55" | "56" | "57" | "58" => NumberKind::DateTime,
        "46" => NumberKind::TimeDelta,
        _ => NumberKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// calamine's own cases (ported from openpyxl's).
    #[test]
    fn date_formats_are_recognized_as_calamine_recognizes_them() {
        use NumberKind::*;
        for (format, kind) in [
            ("DD/MM/YY", DateTime),
            ("H:MM:SS;@", DateTime),
            ("#,##0\\ [$\\u20bd-46D]", Other),
            ("m\"M\"d\"D\";@", DateTime),
            ("[h]:mm:ss", TimeDelta),
            ("\"Y: \"0.00\"m\";\"Y: \"-0.00\"m\";\"Y: <num>m\";@", Other),
            ("\"$\"#,##0_);[Red](\"$\"#,##0)", Other),
            ("[$-404]e\"\\xfc\"m\"\\xfc\"d\"\\xfc\"", DateTime),
            ("0_ ;[Red]\\-0\\ ", Other),
            ("\\Y000000", Other),
            ("#,##0.0####\" YMD\"", Other),
            ("[h]", TimeDelta),
            ("[ss]", TimeDelta),
            ("[>=100][Magenta].00", Other),
            ("[>=100][Magenta]General", Other),
            ("ha/p\\\\m", DateTime),
            ("#,##0*y", Other),
            ("*-yyyy-mm-dd", DateTime),
            ("yyyy\"年\"m\"月\"d\"日\"", DateTime),
            ("0.00_ ", Other),
        ] {
            assert_eq!(custom(format), kind, "{format}");
        }
        assert_eq!(builtin("14"), DateTime);
        assert_eq!(builtin("57"), DateTime);
        assert_eq!(builtin("46"), TimeDelta);
        assert_eq!(builtin("0"), Other);
        assert_eq!(builtin("014"), Other);
    }
}
