//! Reading one cluster fresh, as an apply needs it: its own object (for the write's
//! body and entity tag) and its details as the details phase reads them for the
//! whole fleet (`azure::read_details`: maintenance configurations, the upgrade
//! profile, the region's versions, the latest node images); then assessed and planned,
//! so what was read and what would be done come from the same moment.
//!
//! The engine reads this way before it writes, after a 412, and to verify. A read
//! that could not get a part the plan depends on fails as a whole: a plan built on
//! half a read could look "changed" when it is only unread.

use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

use crate::azure::client::{ArmClient, ClientError};
use crate::azure::path::{self, ClusterRef, Path};
use crate::config::Config;
use crate::import::Element;
use crate::model::api::ARM_API_VERSION;
use crate::model::{Assessed, Cluster, DetailPart};
use crate::remediate::Scope;
use crate::remediate::plan::{self, Plan, Target};

/// How plans are made: the rules, waivers and remediation settings of `config`, the
/// rules `scope` asks for, and the clock that stamps what is read (its day judges
/// the waivers).
#[derive(Debug, Clone)]
pub struct Planner {
    pub config: Arc<Config>,
    pub scope: Scope,
    pub clock: fn() -> OffsetDateTime,
}

impl Planner {
    pub fn assess(&self, cluster: Cluster) -> Assessed {
        crate::rules::assess_one(cluster, &self.config, (self.clock)().date())
    }

    pub fn plan(&self, item: &Assessed) -> Plan {
        plan::plan(item, &self.config, self.scope)
    }

    /// The plans of `items` (those with something failing or waived), in a stable order.
    pub fn plans<'a>(&self, items: impl IntoIterator<Item = &'a Assessed>) -> Vec<Plan> {
        plan::plans(items, &self.config, self.scope)
    }
}

/// Why a cluster could not be read fresh.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A part of its details the plan depends on could not be read.
    #[error("{}: {code}: {message}", part.label())]
    Detail {
        part: DetailPart,
        code: String,
        message: String,
    },
}

impl ReadError {
    /// The ARM error code, or a short name of the failure.
    pub fn code(&self) -> &str {
        match self {
            ReadError::Client(err) => err.code(),
            ReadError::Detail { code, .. } => code,
        }
    }

    /// What went wrong, for people.
    pub fn message(&self) -> String {
        match self {
            ReadError::Client(err) => err.message(),
            ReadError::Detail { part, message, .. } => format!("{} could not be read: {message}", part.label()),
        }
    }
}

/// A cluster as just read: its ARM object, assessed, and its plan as of now.
#[derive(Debug, Clone)]
pub struct Fresh {
    /// The cluster's own object, as GET returned it.
    pub value: Value,
    /// Assessed from `value` and the details read with it (stamped with when they were
    /// read). Its subscription's display name is not in the object: a caller that had
    /// it keeps it.
    pub assessed: Assessed,
    pub plan: Plan,
}

/// The managed cluster `target` names, on the endpoint.
pub fn cluster_ref(target: &Target) -> Result<ClusterRef<'_>, ClientError> {
    Ok(ClusterRef::new(
        &target.subscription_id,
        &target.resource_group,
        &target.name,
    )?)
}

/// How many of one cluster's detail requests go at once.
const DETAIL_REQUESTS: usize = 4;

/// Reads `target` fresh, with its details, and plans it.
pub async fn read_cluster(client: &Arc<ArmClient>, planner: &Planner, target: &Target) -> Result<Fresh, ReadError> {
    let at = cluster_ref(target)?;
    let url = client.url(&Path::new(at.segments()).api_version(ARM_API_VERSION))?;
    let value = client.get(&url, client.deadline()).await?;
    let not_a_cluster = |message: String| ClientError::Malformed {
        url: crate::config::without_userinfo(&url),
        message,
    };
    let mut cluster = match crate::import::read_element(value.clone(), "$") {
        Ok(Element::Cluster(cluster)) => *cluster,
        Ok(_) => return Err(not_a_cluster("the answer is not a managed cluster".into()).into()),
        Err(shape) => return Err(not_a_cluster(shape.to_string()).into()),
    };
    // Whole seconds, as the snapshot stores them.
    let now = (planner.clock)();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    cluster.as_of = Some(now);
    let mut read = crate::azure::read_details(client.clone(), std::slice::from_ref(&cluster), DETAIL_REQUESTS, None)
        .await
        .clusters;
    let details = read.pop().flatten().unwrap_or_default();
    // The latest node images only inform the calendar's insights; every other part
    // decides a verdict or a plan.
    if let Some((part, error)) = details.failed.iter().find(|(part, _)| *part != DetailPart::NodeImages) {
        return Err(ReadError::Detail {
            part: *part,
            code: error.code.clone().unwrap_or_else(|| "Error".into()),
            message: error.message.clone(),
        });
    }
    details.apply(&mut cluster, now);
    let assessed = planner.assess(cluster);
    let plan = planner.plan(&assessed);
    Ok(Fresh { value, assessed, plan })
}

/// The URL of a path under the cluster `at`.
pub fn under(client: &ArmClient, at: &ClusterRef<'_>, tail: &[&str]) -> Result<reqwest::Url, ClientError> {
    let mut segments: Vec<&str> = at.segments().to_vec();
    for part in tail {
        segments.push(path::name("resource", part)?);
    }
    client.url(&Path::new(segments).api_version(ARM_API_VERSION))
}
