//! The root's part in a hot reload: handing out the children's handles so the coordinator can
//! send each its section and wait for acknowledgements without holding up supervision, and
//! restarting the children whose changed keys need a restart.

use std::sync::Arc;

use alys_config::AlysConfig;
use alys_eventlog::event::LifecycleChange;
use ractor::ActorRef;

use super::{RootMsg, RootState};
use crate::actors::spec::ChildHandle;

/// One child as a reload sees it.
#[derive(Clone)]
pub struct ReloadTarget {
    /// The actor's name.
    pub name: String,
    /// The running incarnation; `None` while the child is down.
    pub handle: Option<ChildHandle>,
    /// Makes later spawns use a config's section.
    pub update: Arc<dyn Fn(&AlysConfig) + Send + Sync>,
}

impl std::fmt::Debug for ReloadTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReloadTarget")
            .field("name", &self.name)
            .field("running", &self.handle.is_some())
            .finish()
    }
}

impl RootState {
    pub(super) fn reload_targets(&self) -> Vec<ReloadTarget> {
        self.children
            .iter()
            .map(|c| ReloadTarget {
                name: c.spec.name.clone(),
                handle: c.handle.clone(),
                update: c.spec.update.clone(),
            })
            .collect()
    }

    /// Stops the named children that run, in reverse start order, then starts every named
    /// child in start order with the section its spec now holds. A reload restart is not a
    /// failure: restart counters and policies are left alone.
    pub(super) async fn respawn(
        &mut self,
        myself: &ActorRef<RootMsg>,
        names: &[String],
    ) -> Result<(), String> {
        let chosen: Vec<usize> = (0..self.children.len())
            .filter(|&i| names.contains(&self.children[i].spec.name))
            .collect();
        for &i in chosen.iter().rev() {
            if self.children[i].handle.is_some() {
                self.stop_child(i).await;
                let name = self.children[i].spec.name.clone();
                self.record(&name, LifecycleChange::Stopped);
            }
        }
        for &i in &chosen {
            let name = self.children[i].spec.name.clone();
            if let Err(e) = self.start_child(myself, i).await {
                let error = format!("{name} did not start with the new section: {e}");
                tracing::warn!(target: "alys_node", actor = %name, error = %e, "reload restart failed");
                self.record(
                    &name,
                    LifecycleChange::Failed {
                        error: error.clone(),
                    },
                );
                return Err(error);
            }
            self.record(&name, LifecycleChange::Started);
            tracing::info!(target: "alys_node", actor = %name, "actor restarted for a reload");
        }
        Ok(())
    }
}
