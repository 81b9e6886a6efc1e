//! Running feature files with the step library: the files (or folders of them) named, a tag
//! expression, a deterministic shard of the scenarios, terminal output and an optional JUnit
//! file, and the verdict.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::gherkin::{Feature, GherkinEnv, Scenario};
use cucumber::tag::Ext as _;
use cucumber::writer;
use cucumber::{World as _, WriterExt as _};
use futures::FutureExt as _;

use super::world::LabWorld;

/// The K-th of N slices of a suite's scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, from 1.
    pub index: u32,
    /// How many slices.
    pub count: u32,
}

/// Why a `--shard` value is refused.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// Not `K/N` with numbers.
    #[error("--shard {0:?} is not K/N (e.g. 1/4)")]
    NotKOverN(String),
    /// K is 0 or above N.
    #[error("--shard {0:?}: K must be from 1 to N")]
    OutOfRange(String),
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| ShardError::NotKOverN(s.into()))?;
        let parse = |t: &str| {
            t.trim()
                .parse::<u32>()
                .map_err(|_| ShardError::NotKOverN(s.into()))
        };
        let (index, count) = (parse(k)?, parse(n)?);
        if index == 0 || index > count {
            return Err(ShardError::OutOfRange(s.into()));
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the scenario at place `position` of the whole suite (features in path order,
    /// scenarios in file order) is in this slice.
    pub fn holds(self, position: usize) -> bool {
        position % self.count as usize == (self.index - 1) as usize
    }
}

/// Why a suite could not be run (a usage or file error, not a failing scenario).
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A path named does not exist.
    #[error("{0}: no such file or folder")]
    Missing(PathBuf),
    /// A path named is neither a regular file nor a folder.
    #[error("{0}: not a regular file or a folder")]
    NotAFile(PathBuf),
    /// A folder could not be listed.
    #[error("{path}: {why}")]
    Unreadable {
        /// The folder.
        path: PathBuf,
        /// Why.
        why: std::io::Error,
    },
    /// A feature file could not be read (not a regular file, too large, not UTF-8).
    #[error(transparent)]
    File(#[from] ikelab_sim::FileError),
    /// A feature file is not valid Gherkin (or its examples do not expand).
    #[error("{path}: {why}")]
    Feature {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        why: String,
    },
    /// No feature file was found under the paths named.
    #[error("no .feature file under {0}")]
    NoFeatures(String),
    /// The tag expression does not parse.
    #[error("--tags {expr:?}: {why}")]
    Tags {
        /// The expression.
        expr: String,
        /// What the parser said.
        why: String,
    },
    /// The JUnit file could not be created.
    #[error("{path}: {why}")]
    Junit {
        /// The file.
        path: PathBuf,
        /// Why.
        why: std::io::Error,
    },
}

/// A parsed tag expression (`@smoke and not @slow`).
#[derive(Clone, Debug)]
pub struct Tags(TagOperation);

impl Tags {
    /// Parses `expr`.
    pub fn parse(expr: &str) -> Result<Tags, SuiteError> {
        expr.parse().map(Tags).map_err(|e| SuiteError::Tags {
            expr: expr.into(),
            why: e.to_string(),
        })
    }

    /// Whether a scenario with these tags (its feature's, then its own) is selected.
    pub fn select<'a>(&self, tags: impl Iterator<Item = &'a String> + Clone) -> bool {
        self.0.eval(tags)
    }
}

/// A filter over scenarios, by feature and scenario (true: run it).
pub type Keep = Box<dyn Fn(&Feature, &Scenario) -> bool>;

/// What to run and how.
#[derive(Default)]
pub struct Suite {
    /// Feature files, or folders searched for `*.feature` files.
    pub paths: Vec<PathBuf>,
    /// Only the scenarios these tags select.
    pub tags: Option<Tags>,
    /// Only this slice of the scenarios.
    pub shard: Option<Shard>,
    /// Where to write a JUnit report.
    pub junit: Option<PathBuf>,
    /// Only the scenarios this also keeps (by feature and scenario).
    pub keep: Option<Keep>,
    /// Scenarios run at once (`@serial` ones alone).
    pub concurrency: Option<usize>,
}

/// How a suite ended, in steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Steps that passed.
    pub passed_steps: usize,
    /// Steps that failed (an unknown step counts as failed).
    pub failed_steps: usize,
    /// Feature files that did not parse and hooks that failed.
    pub errors: usize,
}

impl Verdict {
    /// Whether every scenario passed.
    pub fn passed(&self) -> bool {
        self.failed_steps == 0 && self.errors == 0
    }
}

/// The feature files under `path` (itself if a file), in path order; in folders only regular
/// files named `*.feature` count.
fn feature_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), SuiteError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SuiteError::Missing(path.into()),
        _ => SuiteError::Unreadable {
            path: path.into(),
            why: e,
        },
    })?;
    if meta.is_file() {
        out.push(path.into());
        return Ok(());
    }
    if !meta.is_dir() {
        return Err(SuiteError::NotAFile(path.into()));
    }
    let unreadable = |why| SuiteError::Unreadable {
        path: path.into(),
        why,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(unreadable)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(unreadable)?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            feature_files(&p, out)?;
        } else if p.is_file()
            && p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("feature"))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Parses the suite's features (examples expanded) and keeps the scenarios it selects.
pub fn select(suite: &Suite) -> Result<Vec<Feature>, SuiteError> {
    use cucumber::feature::Ext as _;
    let mut files = vec![];
    for p in &suite.paths {
        feature_files(p, &mut files)?;
    }
    if files.is_empty() {
        let named: Vec<String> = suite
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(SuiteError::NoFeatures(named.join(", ")));
    }
    files.sort();
    files.dedup();
    let mut features = vec![];
    let mut position = 0;
    for path in files {
        let bad = |why: String| SuiteError::Feature {
            path: path.clone(),
            why,
        };
        let text = ikelab_sim::files::read_text(&path, ikelab_sim::Limit::FEATURE)?;
        let mut feature = Feature::parse(text, GherkinEnv::default())
            .map_err(|e| bad(e.to_string()))?
            .expand_examples()
            .map_err(|e| bad(e.to_string()))?;
        feature.path = Some(path.clone());
        let mut keep =
            |feature: &Feature, rule: Option<&cucumber::gherkin::Rule>, sc: &Scenario| {
                let in_shard = suite.shard.is_none_or(|s| s.holds(position));
                position += 1;
                let tags = feature
                    .tags
                    .iter()
                    .chain(rule.iter().flat_map(|r| &r.tags))
                    .chain(&sc.tags);
                in_shard
                    && suite.tags.as_ref().is_none_or(|t| t.select(tags))
                    && suite.keep.as_ref().is_none_or(|k| k(feature, sc))
            };
        let scenarios = std::mem::take(&mut feature.scenarios);
        let scenarios = scenarios
            .into_iter()
            .filter(|s| keep(&feature, None, s))
            .collect();
        let mut rules = std::mem::take(&mut feature.rules);
        for r in &mut rules {
            let taken = std::mem::take(&mut r.scenarios);
            r.scenarios = taken
                .into_iter()
                .filter(|s| keep(&feature, Some(r), s))
                .collect();
        }
        feature.scenarios = scenarios;
        feature.rules = rules;
        features.push(feature);
    }
    Ok(features)
}

/// Feeds already parsed and selected features to cucumber.
struct Parsed(Vec<Feature>);

impl cucumber::Parser<()> for Parsed {
    type Cli = cucumber::cli::Empty;
    type Output = futures::stream::Iter<std::vec::IntoIter<cucumber::parser::Result<Feature>>>;

    fn parse(self, _: (), _: Self::Cli) -> Self::Output {
        futures::stream::iter(self.0.into_iter().map(Ok).collect::<Vec<_>>())
    }
}

/// Runs the suite: prints each step as it runs and a summary, writes the JUnit report if
/// asked, and gives the verdict.
pub fn run(suite: Suite) -> Result<Verdict, SuiteError> {
    let features = select(&suite)?;
    let junit = suite
        .junit
        .as_ref()
        .map(|p| {
            std::fs::File::create(p).map_err(|why| SuiteError::Junit {
                path: p.clone(),
                why,
            })
        })
        .transpose()?;
    let cucumber = LabWorld::cucumber::<&str>()
        .with_parser(Parsed(features))
        .max_concurrent_scenarios(suite.concurrency.unwrap_or(4))
        .before(|feature, _, _, world| {
            if let Some(p) = &feature.path {
                world.feature = p.display().to_string();
                world.dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            }
            async {}.boxed_local()
        });
    let basic = || writer::Basic::raw(std::io::stdout(), writer::Coloring::Auto, 0);
    let stats = match junit {
        Some(file) => {
            let writer = basic()
                .summarized()
                .tee::<LabWorld, _>(writer::JUnit::for_tee(file, 0))
                .normalized()
                .fail_on_skipped();
            let w = futures::executor::block_on(
                cucumber.with_writer(writer).with_default_cli().run(()),
            );
            verdict(&w)
        }
        None => {
            let writer = basic().summarized().normalized().fail_on_skipped();
            let w = futures::executor::block_on(
                cucumber.with_writer(writer).with_default_cli().run(()),
            );
            verdict(&w)
        }
    };
    Ok(stats)
}

/// The verdict a finished writer's statistics give.
fn verdict(w: &impl writer::Stats<LabWorld>) -> Verdict {
    Verdict {
        passed_steps: w.passed_steps(),
        failed_steps: w.failed_steps(),
        errors: w.parsing_errors() + w.hook_errors(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_split_every_position_once() {
        assert_eq!(
            "2/4".parse::<Shard>().ok(),
            Some(Shard { index: 2, count: 4 })
        );
        for bad in ["0/2", "3/2", "1/0", "a/b", "1", "1/2/3", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        for count in 1..=5u32 {
            for position in 0..20 {
                let holding = (1..=count)
                    .filter(|&index| Shard { index, count }.holds(position))
                    .count();
                assert_eq!(holding, 1, "position {position} of {count} shards");
            }
        }
    }

    #[test]
    fn tag_expressions_select_by_feature_and_scenario_tags() {
        let t = Tags::parse("@smoke and not @slow").unwrap();
        let tags = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(t.select(tags(&["smoke"]).iter()));
        assert!(!t.select(tags(&["smoke", "slow"]).iter()));
        assert!(!t.select(tags(&[]).iter()));
        assert!(matches!(
            Tags::parse("@a and"),
            Err(SuiteError::Tags { .. })
        ));
    }
}
