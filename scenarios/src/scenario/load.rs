//! Loading a scenario and its vendor configs, from a folder or from the built-in catalog, with
//! errors that name the file and line. Files are read as [`ikelab_sim::files`] reads any user
//! file (regular files only, 1 MiB at most, UTF-8), and the scenario's names and values are
//! checked ([`super::check`]) before anything runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ikelab_peers::personality::{ConfigErrors, Parsed, Personalities, Personality};
use ikelab_peers::prefix::{BareAddress, Ipv4Net};
use ikelab_sim::files::{self, FileError, Limit};

use super::catalog::{self, Builtin};
use super::check::{self, Field};
use super::lines::{Lines, Table, line_at};
use super::model::{Action, NatSpec, Scenario};
use super::topology::{self, Derived, RouterView};

/// Where a scenario's files come from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A folder on disk (the scenario file's).
    Dir(PathBuf),
    /// The catalog compiled into ikelab.
    Builtin(&'static Builtin),
}

impl Source {
    /// Reads `rel` (relative to the scenario), returning a name for messages and the text.
    pub fn read(&self, rel: &str) -> Result<(String, String), LoadError> {
        match self {
            Source::Dir(d) => {
                let p = d.join(rel);
                let text = files::read_text(&p, Limit::CONFIG)?;
                Ok((p.display().to_string(), text))
            }
            Source::Builtin(b) => b
                .file(rel)
                .map(|t| (format!("{}/{rel}", b.name), t.to_string()))
                .ok_or_else(|| LoadError::NotInBuiltin(format!("{}/{rel}", b.name))),
        }
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read (missing, not a regular file, too large, not text).
    #[error(transparent)]
    File(#[from] FileError),
    /// A built-in scenario has no file of that name.
    #[error("{0}: no such file in the built-in scenario")]
    NotInBuiltin(String),
    /// The scenario file is not valid.
    #[error("{file}:{line}: {message}")]
    Scenario {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A vendor config has errors.
    #[error("{0}")]
    Config(ConfigErrors),
    /// Neither a built-in name nor a file.
    #[error("no scenario named {0:?} (see `ikelab list`), and no such file")]
    NotFound(String),
    /// A scenario composed in code ([`add_reconfigure`]) names a router it does not have.
    #[error("the scenario has no router named {0:?}")]
    NoRouter(String),
    /// A router named in code ([`load_routers`]) has a name that could not name its files.
    #[error("router name {name:?}: {why}")]
    RouterName {
        /// The name.
        name: String,
        /// What is wrong with it.
        why: check::NameError,
    },
}

/// A router of a loaded scenario.
#[derive(Clone, Debug)]
pub struct LoadedRouter {
    /// Node name.
    pub name: String,
    /// The device it imitates.
    pub personality: Arc<dyn Personality>,
    /// The config file's name, for messages.
    pub file: String,
    /// The config text.
    pub text: String,
    /// The parsed config.
    pub parsed: Parsed,
}

/// A scenario with every config parsed.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The scenario.
    pub scenario: Scenario,
    /// Where its files come from.
    pub source: Source,
    /// Its routers, in file order.
    pub routers: Vec<LoadedRouter>,
    /// Configs named by `reconfigure` steps, by (router, file).
    pub reconfigs: Vec<((String, String), LoadedRouter)>,
    /// The scenario file's name, for messages.
    pub file: String,
    /// Where its tables and keys are, for messages (steps added after loading have none).
    pub lines: Lines,
    /// The hosts and pings derived from the configs, when the scenario declared no hosts.
    pub derived: Option<Derived>,
}

impl Loaded {
    /// Gives a lab without hosts a host on each router's LAN and, when its script has no
    /// pings, pings between the LANs ([`topology::derive`]); the run lasts long enough for them.
    fn derive_topology(&mut self) {
        if !self.scenario.hosts.is_empty() || self.routers.is_empty() {
            return;
        }
        let views: Vec<RouterView<'_>> = self
            .routers
            .iter()
            .map(|r| RouterView {
                name: &r.name,
                config: &r.parsed.router,
            })
            .collect();
        let sc = &mut self.scenario;
        let with_pings = !sc
            .steps
            .iter()
            .any(|s| matches!(s.action, Action::Ping { .. }));
        // A NAT's inside subnet is its router's way out, not a LAN (an address that does not
        // parse is the plan's error to report).
        let nat_insides: Vec<Ipv4Net> = sc
            .nats
            .iter()
            .filter_map(|n| Ipv4Net::parse(&n.inside, BareAddress::Refused).ok())
            .collect();
        let derived = topology::derive(&views, &nat_insides, with_pings);
        sc.hosts = derived.hosts.iter().map(|(h, _)| h.clone()).collect();
        sc.steps.extend(derived.pings.iter().cloned());
        sc.duration = sc.duration.max(derived.min_duration());
        self.derived = Some(derived);
    }
}

fn scenario_error(file: &str, text: &str, e: toml::de::Error) -> LoadError {
    let line = e.span().map_or(0, |s| line_at(text, s.start));
    LoadError::Scenario {
        file: file.to_string(),
        line,
        message: e.message().to_string(),
    }
}

/// Parses `text` as router `name`'s config in `personality`'s dialect.
fn parse_router(
    personality: &Arc<dyn Personality>,
    name: &str,
    file: &str,
    text: &str,
) -> Result<LoadedRouter, LoadError> {
    let parsed = personality.parse(file, text).map_err(LoadError::Config)?;
    Ok(LoadedRouter {
        name: name.to_string(),
        personality: personality.clone(),
        file: file.to_string(),
        text: text.to_string(),
        parsed,
    })
}

/// Reads `rel` and parses it as router `name`'s config.
fn load_router(
    personality: &Arc<dyn Personality>,
    source: &Source,
    name: &str,
    rel: &str,
) -> Result<LoadedRouter, LoadError> {
    let (shown, text) = source.read(rel)?;
    parse_router(personality, name, &shown, &text)
}

/// Parses a scenario text and loads the configs it names.
pub fn load(source: Source, file: &str, text: &str) -> Result<Loaded, LoadError> {
    load_with(&Personalities::builtin(), source, file, text)
}

/// [`load`] with the vendor names looked up in `table`.
pub fn load_with(
    table: &Personalities,
    source: Source,
    file: &str,
    text: &str,
) -> Result<Loaded, LoadError> {
    let scenario: Scenario = toml::from_str(text).map_err(|e| scenario_error(file, text, e))?;
    let lines = Lines::read(text);
    let at = |line: usize, message: String| LoadError::Scenario {
        file: file.to_string(),
        line,
        message,
    };
    if let Err((field, e)) = check::scenario(&scenario) {
        let (line, table) = match field {
            Field::Duration => (lines.duration(), String::new()),
            // The first step past the limit.
            Field::StepCount => (lines.of(Table::Step(check::MAX_STEPS), "at"), String::new()),
            Field::Router(i, k) => (lines.of(Table::Router(i), k), format!("router {}, ", i + 1)),
            Field::Host(i, k) => (lines.of(Table::Host(i), k), format!("host {}, ", i + 1)),
            Field::Step(i, k) => (lines.of(Table::Step(i), k), format!("step {}, ", i + 1)),
            Field::Nat(i, k) => (lines.of(Table::Nat(i), k), format!("nat {}, ", i + 1)),
        };
        return Err(at(line, format!("{table}`{}`: {e}", field.key())));
    }
    let mut personalities = vec![];
    let mut routers = vec![];
    for (i, r) in scenario.routers.iter().enumerate() {
        let p = table.get(&r.vendor).ok_or_else(|| {
            at(
                lines.of(Table::Router(i), "vendor"),
                format!(
                    "router {}: unknown vendor {:?} (expected {})",
                    r.name,
                    r.vendor,
                    table.expected(true)
                ),
            )
        })?;
        routers.push(load_router(&p, &source, &r.name, &r.config)?);
        personalities.push(p);
    }
    let mut reconfigs = vec![];
    for (i, s) in scenario.steps.iter().enumerate() {
        if let Action::Reconfigure { router, config } = &s.action {
            let Some(r) = scenario.routers.iter().position(|r| &r.name == router) else {
                return Err(at(
                    lines.of(Table::Step(i), "router"),
                    format!("reconfigure: no router named {router:?}"),
                ));
            };
            reconfigs.push((
                (router.clone(), config.clone()),
                load_router(&personalities[r], &source, router, config)?,
            ));
        }
    }
    let mut loaded = Loaded {
        scenario,
        source,
        file: file.to_string(),
        lines,
        routers,
        reconfigs,
        derived: None,
    };
    loaded.derive_topology();
    Ok(loaded)
}

/// Loads a built-in scenario by name, or a scenario file by path.
pub fn load_named(name_or_path: &str) -> Result<Loaded, LoadError> {
    if let Some(b) = catalog::find(name_or_path) {
        let text = b
            .file("scenario.toml")
            .expect("every built-in has a scenario.toml");
        return load(
            Source::Builtin(b),
            &format!("{}/scenario.toml", b.name),
            text,
        );
    }
    let path = Path::new(name_or_path);
    let path = if path.is_dir() {
        path.join("scenario.toml")
    } else {
        path.to_path_buf()
    };
    if !path.exists() {
        return Err(LoadError::NotFound(name_or_path.to_string()));
    }
    let shown = path.display().to_string();
    let text = files::read_text(&path, Limit::SCENARIO)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load(Source::Dir(dir), &shown, &text)
}

/// The document's lab as the built-in failing scenario has it (SEIL, IX, a host behind each),
/// whose routers [`load_pair`] and [`load_texts`] then give other configs.
fn document_lab() -> Result<Loaded, LoadError> {
    let base = catalog::find("proxy-id-mismatch").expect("built in");
    let text = base.file("scenario.toml").expect("built in");
    load(
        Source::Builtin(base),
        "proxy-id-mismatch/scenario.toml",
        text,
    )
}

/// A SEIL and an IX with the user's own configs (`ikelab run --seil F --ix F`): the hosts and
/// pings come from the configs ([`topology::derive`]), whatever their addressing.
pub fn load_pair(seil: &Path, ix: &Path) -> Result<Loaded, LoadError> {
    let mut loaded = document_lab()?;
    loaded.scenario.name = "custom".into();
    loaded.scenario.description = "a SEIL and an IX with your own configs".into();
    loaded.scenario.hosts.clear();
    loaded.scenario.steps.clear();
    loaded.scenario.expect = Default::default();
    loaded.lines = Lines::default();
    for (r, path) in loaded.routers.iter_mut().zip([seil, ix]) {
        let dir = Source::Dir(path.parent().map(Path::to_path_buf).unwrap_or_default());
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default();
        let (shown, text) = dir.read(&file)?;
        *r = parse_router(&r.personality, &r.name, &shown, &text)?;
    }
    loaded.derive_topology();
    Ok(loaded)
}

/// Routers of any personalities with config texts given directly, as (name, personality,
/// file name for messages, text): the hosts and pings come from the configs
/// ([`topology::derive`]), whatever their addressing (`ikelab matrix`'s cells).
pub fn load_routers(
    routers: &[(&str, Arc<dyn Personality>, &str, &str)],
) -> Result<Loaded, LoadError> {
    load_routers_with_nats(routers, vec![])
}

/// [`load_routers`] with `nats` in front of some of the routers (`ikelab matrix`'s NAT cells).
pub fn load_routers_with_nats(
    routers: &[(&str, Arc<dyn Personality>, &str, &str)],
    nats: Vec<NatSpec>,
) -> Result<Loaded, LoadError> {
    let mut loaded = document_lab()?;
    loaded.scenario.nats = nats;
    loaded.scenario.name = "composed".into();
    loaded.scenario.description = "routers with configs given directly".into();
    loaded.scenario.hosts.clear();
    loaded.scenario.steps.clear();
    loaded.scenario.expect = Default::default();
    loaded.lines = Lines::default();
    loaded.routers = routers
        .iter()
        .map(|(name, p, file, text)| {
            check::name(name).map_err(|why| LoadError::RouterName {
                name: name.to_string(),
                why,
            })?;
            parse_router(p, name, file, text)
        })
        .collect::<Result<_, _>>()?;
    loaded.derive_topology();
    Ok(loaded)
}

/// The document's lab (SEIL, IX, a host behind each) with config texts given directly and an
/// empty script, for tests that compose their own (the cucumber steps).
pub fn load_texts(seil: &str, ix: &str) -> Result<Loaded, LoadError> {
    let mut loaded = document_lab()?;
    loaded.scenario.name = "composed".into();
    loaded.scenario.steps.clear();
    loaded.scenario.expect = Default::default();
    loaded.lines.clear_steps();
    for (r, (file, t)) in loaded
        .routers
        .iter_mut()
        .zip([("seil.conf", seil), ("ix.conf", ix)])
    {
        *r = parse_router(&r.personality, &r.name, file, t)?;
    }
    Ok(loaded)
}

/// Adds a reconfiguration of `router` with `text` at `at` to a loaded scenario.
pub fn add_reconfigure(
    loaded: &mut Loaded,
    router: &str,
    at: std::time::Duration,
    text: &str,
) -> Result<(), LoadError> {
    let r = loaded
        .routers
        .iter()
        .find(|r| r.name == router)
        .ok_or_else(|| LoadError::NoRouter(router.into()))?;
    let file = format!("reconfigure-{}.conf", loaded.reconfigs.len());
    let lr = parse_router(&r.personality, router, &file, text)?;
    loaded.reconfigs.push(((router.into(), file.clone()), lr));
    loaded.scenario.steps.push(super::model::Step {
        at,
        action: super::model::Action::Reconfigure {
            router: router.into(),
            config: file,
        },
    });
    Ok(())
}
