//! The in-process driver: a [`Plan`] set up in a simulated lab (routers with their vendor
//! personalities and the engine as their IPsec stack, hosts, segments) with its jobs scheduled
//! on the lab's virtual clock.

use std::net::Ipv4Addr;

use ikelab_peers::ike::Engine;
use std::sync::Arc;

use ikelab_peers::personality::{Personality, WallClock};
use ikelab_peers::time::Instant;
use ikelab_sim::{HostConfig, Lab, LabConfig, LinkId, LinkParams, NodeId, PingId, PingSpec};

use super::load::{LoadError, Loaded};
use super::plan::{self, EndNode, Job, Plan, SegmentEnd, SegmentKind};
use crate::report::{HostState, PingOutcome, RouterState, RunResult};
use crate::stack::{EngineStack, StackHandle};

/// A router of a running scenario.
pub struct RouterRun {
    /// Node name.
    pub name: String,
    /// The device it imitates.
    pub personality: Arc<dyn Personality>,
    /// Lab node.
    pub node: NodeId,
    /// The engine, logs and events.
    pub stack: StackHandle,
    /// Every config it runs with, each with the moment it takes effect.
    pub configs: Vec<(Instant, ikelab_peers::personality::RouterConfig)>,
}

/// A scripted ping.
#[derive(Clone, Debug)]
pub struct PingRun {
    /// Host name.
    pub from: String,
    /// Destination.
    pub to: Ipv4Addr,
    /// The lab's handle.
    pub id: PingId,
}

/// A scenario set up in a lab, ready to run.
pub struct Built {
    /// The lab.
    pub lab: Lab,
    /// Routers.
    pub routers: Vec<RouterRun>,
    /// Hosts, by name.
    pub hosts: Vec<(String, NodeId)>,
    /// NATs, by name.
    pub nats: Vec<(String, NodeId)>,
    /// Links, by name.
    pub links: Vec<(String, LinkId)>,
    /// Pings of the script.
    pub pings: Vec<PingRun>,
    /// The links of each switch: a frame the switch forwards crosses two of them.
    pub switched: Vec<Vec<LinkId>>,
    /// The wall clock the vendor logs use.
    pub clock: WallClock,
    /// The plan it was built from (its jobs scheduled on the lab).
    plan: Plan,
    /// Each segment's links, by end (a cable's one link under each of its ends).
    segment_links: Vec<Vec<LinkId>>,
}

/// A segment end as the lab names it: a router's interface, a host, or a NAT's port.
fn lab_end<'a>(
    e: &'a SegmentEnd,
    routers: &[RouterRun],
    hosts: &[(String, NodeId)],
    nats: &[(String, NodeId)],
) -> ikelab_sim::End<'a> {
    match &e.node {
        EndNode::Router { router, iface, .. } => {
            ikelab_sim::End::Iface(routers[router.index()].node, iface.as_str())
        }
        EndNode::Host(h) => ikelab_sim::End::Node(hosts[h.index()].1),
        EndNode::Nat { nat, port } => ikelab_sim::End::Port(nats[*nat].1, *port),
    }
}

/// Builds the lab for `loaded`, with `seed` overriding the scenario's.
pub fn build(loaded: &Loaded, seed: Option<u64>) -> Result<Built, LoadError> {
    Built::new(plan::plan(loaded, seed)?)
}

impl Built {
    /// The host called `name`.
    pub fn host(&self, name: &str) -> Option<NodeId> {
        self.hosts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }

    /// The NAT called `name`.
    pub fn nat(&self, name: &str) -> Option<NodeId> {
        self.nats.iter().find(|(n, _)| n == name).map(|(_, id)| *id)
    }

    /// The link called `name` (a router's or host's cable, `wan-seil` say).
    pub fn link(&self, name: &str) -> Option<LinkId> {
        self.links
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }

    /// Sets up `plan` in a new lab and schedules its jobs.
    pub fn new(mut plan: Plan) -> Result<Built, LoadError> {
        let jobs = std::mem::take(&mut plan.jobs);
        let mut lab = Lab::new(LabConfig {
            seed: plan.seed,
            start: plan.start,
            deadline: Instant::from_duration(plan.duration),
            capture: true,
        });
        let mut routers = vec![];
        for r in &plan.routers {
            let engine = Engine::new(
                r.engine().clone(),
                lab.seed_for(&format!("engine:{}", r.name)),
            );
            let (stack, handle) = EngineStack::new(&r.name, engine, r.parsed.renderer(plan.clock));
            handle.borrow_mut().scope = r.parsed.router.policy_scope.clone();
            let node = lab
                .add_router_with_stack(r.sim.clone(), Box::new(stack))
                .map_err(|e| plan.error(r.line, e))?;
            routers.push(RouterRun {
                name: r.name.clone(),
                personality: r.personality.clone(),
                node,
                stack: handle,
                configs: r.configs(),
            });
        }
        let mut hosts = vec![];
        for h in &plan.hosts {
            let node = lab
                .add_host(HostConfig::new(h.name.clone(), h.address, h.gateway))
                .map_err(|e| plan.error(h.line, e))?;
            hosts.push((h.name.clone(), node));
        }
        let mut nats = vec![];
        for n in &plan.nats {
            let node = lab
                .add_nat(n.config.clone())
                .map_err(|e| plan.error(n.line, e))?;
            nats.push((n.config.name.clone(), node));
        }
        let mut links = vec![];
        let mut switched = vec![];
        let mut segment_links = vec![];
        for s in &plan.segments {
            let ids = match s.kind {
                SegmentKind::Cable => {
                    let id = lab
                        .connect(
                            &s.name,
                            lab_end(&s.ends[0], &routers, &hosts, &nats),
                            lab_end(&s.ends[1], &routers, &hosts, &nats),
                            LinkParams::default(),
                        )
                        .map_err(|e| plan.error(plan.line_of(&s.ends[0].node), e))?;
                    links.push((s.name.clone(), id));
                    vec![id; s.ends.len()]
                }
                SegmentKind::Switch => {
                    let sw = lab
                        .add_switch(&s.name)
                        .map_err(|e| plan.error(plan.line_of(&s.ends[0].node), e))?;
                    let mut group = vec![];
                    for end in &s.ends {
                        let id = lab
                            .connect(
                                &end.link,
                                lab_end(end, &routers, &hosts, &nats),
                                sw,
                                LinkParams::default(),
                            )
                            .map_err(|e| plan.error(plan.line_of(&end.node), e))?;
                        links.push((end.link.clone(), id));
                        group.push(id);
                    }
                    switched.push(group.clone());
                    group
                }
            };
            segment_links.push(ids);
        }
        let mut built = Built {
            lab,
            routers,
            hosts,
            nats,
            links,
            pings: vec![],
            switched,
            clock: plan.clock,
            plan,
            segment_links,
        };
        for (at, job) in jobs {
            built.apply(at, job)?;
        }
        Ok(built)
    }

    /// Schedules one job of the plan on the lab.
    fn apply(&mut self, at: Instant, job: Job) -> Result<(), LoadError> {
        match job {
            Job::Start(which) => {
                let handles: Vec<StackHandle> = which
                    .iter()
                    .map(|r| self.routers[r.index()].stack.clone())
                    .collect();
                self.lab
                    .at(at, move |lab| plan::start_engines(&handles, lab.now()));
            }
            Job::Ping(p) => {
                let p = &self.plan.pings[p.index()];
                let spec = PingSpec::new(p.to)
                    .count(p.count)
                    .interval(p.interval)
                    .size(p.size);
                let id = self
                    .lab
                    .ping(self.hosts[p.host.index()].1, at, spec)
                    .map_err(|e| self.plan.error(p.line, e))?;
                self.pings.push(PingRun {
                    from: p.from.clone(),
                    to: p.to,
                    id,
                });
            }
            Job::Link { link, up } => {
                let id = self.segment_links[link.segment][link.end];
                if up {
                    self.lab.link_up(at, id);
                } else {
                    self.lab.link_down(at, id);
                }
            }
            Job::Engine(r, job) => {
                let h = self.routers[r.index()].stack.clone();
                self.lab
                    .at(at, move |lab| plan::apply_engine(&h, lab.now(), job));
            }
        }
        Ok(())
    }

    /// What the run did so far: each router's engine, events and log, and the pings.
    pub fn result(&self) -> RunResult {
        RunResult {
            routers: self
                .routers
                .iter()
                .map(|r| RouterState {
                    name: r.name.clone(),
                    personality: r.personality.clone(),
                    stack: r.stack.clone(),
                    configs: r.configs.clone(),
                })
                .collect(),
            hosts: self
                .plan
                .hosts
                .iter()
                .map(|h| HostState::of(h, &self.plan.file))
                .collect(),
            pings: self
                .pings
                .iter()
                .filter_map(|p| {
                    let r = self.lab.ping_report(p.id)?;
                    Some(PingOutcome {
                        from: p.from.clone(),
                        to: p.to,
                        sent: r.sent,
                        received: r.received,
                    })
                })
                .collect(),
        }
    }
}
