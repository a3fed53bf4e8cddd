//! The subcommands, one file each: its own arguments and a short `run`.

pub mod convert;
pub mod inspect;
pub mod normalize;

use std::path::Path;

use jixiao::TemplateSet;

/// The built-in templates plus those in `dir`.
pub fn load_templates(dir: Option<&Path>) -> Result<TemplateSet, String> {
    let mut templates = TemplateSet::builtin();
    if let Some(dir) = dir {
        templates.add_dir(dir).map_err(|e| e.to_string())?;
    }
    Ok(templates)
}

/// A closed pipe on stdout (`jixiao inspect … | head`) is not an error.
pub fn ignore_broken_pipe(result: std::io::Result<()>) -> Result<(), String> {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}
