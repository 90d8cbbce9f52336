//! Any bytes read as the GitHub Actions event payload (`GITHUB_EVENT_PATH`)
//! of each event tollgate reads: a context or an error naming the payload,
//! never a panic.
//!
//! The first byte picks the event name; the rest is the payload, written to
//! a scratch file of this process (the reader takes the environment).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::context::actions_context;

#[path = "common.rs"]
mod common;

const EVENTS: [&str; 8] = [
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "push",
    "workflow_run",
    "workflow_dispatch",
    "schedule",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, payload)) = data.split_first() else {
        return;
    };
    let event = EVENTS[usize::from(pick) % EVENTS.len()];
    let path = common::scratch_file("event.json", payload);
    let path = path.display().to_string();
    let var = |name: &str| -> Option<String> {
        Some(match name {
            "GITHUB_ACTIONS" => "true".to_owned(),
            "GITHUB_EVENT_NAME" => event.to_owned(),
            "GITHUB_REPOSITORY" => "acme/widget".to_owned(),
            "GITHUB_SHA" => "f58718500e512c15d65807c025cdfc7aa10c1ad1".to_owned(),
            "GITHUB_REF" => "refs/heads/main".to_owned(),
            "GITHUB_EVENT_PATH" => path.clone(),
            _ => return None,
        })
    };
    if let Err(e) = actions_context(&var) {
        let _ = e.to_string();
    }
});
