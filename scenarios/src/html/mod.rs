//! `ikelab report DIR` (and `ikelab run … --report`): one self-contained `report.html` per run,
//! made from the run's folder alone, for a class that learns why phase 2 fails. [`model`] reads
//! the run back, [`page`] draws it, [`configs`] is what a run records of its configs for it.

pub mod configs;
pub mod model;
pub mod page;

use std::path::{Path, PathBuf};

use ikelab_sim::files::{self, Access};

pub use model::ReportError;
pub use page::PageOptions;

/// Writes `report.html` into the run folder `dir`; its path.
pub fn write(dir: &Path, opts: PageOptions) -> Result<PathBuf, ReportError> {
    let run = model::read(dir)?;
    let html = page::render(&run, opts);
    let path = dir.join("report.html");
    files::write(&path, html, Access::Shared)?;
    Ok(path)
}
