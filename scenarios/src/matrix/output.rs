//! What `ikelab matrix --out DIR` leaves in DIR:
//! `matrix.md`, `matrix.csv`, `matrix.html`, `matrix.json` (what the run covered,
//! [`super::manifest`]) and a folder `cells/<id>/` per cell that ran, as `ikelab run --report`
//! leaves; writing the tables.

use std::path::{Path, PathBuf};

use ikelab_sim::files::{self, Access, FileError};

use super::id::CellId;
use super::manifest::{self, Manifest};
use super::row::Row;
use super::{page, table};

/// The folder of the cells' folders.
pub const CELLS: &str = "cells";
/// The markdown table.
pub const MD: &str = "matrix.md";
/// The CSV table.
pub const CSV: &str = "matrix.csv";
/// The page.
pub const HTML: &str = "matrix.html";

/// The folder of the cell `id` in the output folder `dir`.
pub fn cell_dir(dir: &Path, id: &CellId) -> PathBuf {
    dir.join(CELLS).join(id.as_str())
}

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file or folder could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// The CSV writer failed.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: csv::Error,
    },
}

/// Makes the output folder `dir` (with its parents) and its `cells/` (not through a link).
pub fn prepare(dir: &Path) -> Result<(), OutputError> {
    files::create_root(dir)?;
    files::create_dir(&dir.join(CELLS), Access::Shared)?;
    Ok(())
}

/// Writes `matrix.md`, `matrix.csv`, `matrix.html` and `matrix.json` for `rows` into `dir`.
pub fn write(dir: &Path, rows: &[Row], manifest: &Manifest) -> Result<(), OutputError> {
    let csv_path = dir.join(CSV);
    let csv = table::csv(rows).map_err(|source| OutputError::Csv {
        path: csv_path.clone(),
        source,
    })?;
    files::create_root(dir)?;
    files::write(&dir.join(MD), table::markdown(rows), Access::Shared)?;
    files::write(&csv_path, csv, Access::Shared)?;
    files::write(&dir.join(HTML), page::render(rows), Access::Shared)?;
    files::write(
        &dir.join(manifest::FILE),
        manifest.to_json(),
        Access::Shared,
    )?;
    Ok(())
}
