//! The matrix's output: a line per finished row, then the table
//! (Markdown), the reasons of the failures and their logs.

use std::time::Duration;

use crate::common::interop_required;
use crate::lab::{Role, Scenario};

/// How a row went.
#[derive(Clone, Debug)]
pub enum Outcome {
    Pass(Duration),
    /// The first line of the reason, the details, the time taken.
    Fail(String, String, Duration),
    Skip(String),
    /// The role cannot do the scenario (never a failure).
    NotApplicable(&'static str),
}

impl Outcome {
    pub fn fail(why: &str, details: String, took: Duration) -> Self {
        let first = why.lines().next().unwrap_or_default();
        let short: String = first.chars().take(160).collect();
        Self::Fail(short, details, took)
    }

    pub fn skip(why: &str) -> Self {
        Self::Skip(why.to_owned())
    }

    /// Whether it counts as a failure (a skip does where CI requires the
    /// interop tests).
    fn failed(&self) -> bool {
        match self {
            Self::Pass(_) => false,
            Self::Fail(..) => true,
            Self::Skip(_) => interop_required(),
            Self::NotApplicable(_) => false,
        }
    }
}

pub fn progress(scenario: &Scenario, role: Role, outcome: &Outcome) -> String {
    let row = format!("{} / {}", scenario.name, role.label());
    match outcome {
        Outcome::Pass(took) => format!("pass  {row} ({:.1} s)", took.as_secs_f64()),
        Outcome::Fail(why, _, took) => format!("FAIL  {row} ({:.1} s): {why}", took.as_secs_f64()),
        Outcome::Skip(why) => format!("SKIP  {row}: {why}"),
        Outcome::NotApplicable(why) => format!("n/a   {row}: {why}"),
    }
}

/// Prints the table and the failures; whether any row failed.
pub fn print(scenarios: &[Scenario], outcomes: &[[Outcome; 3]], took: Duration) -> bool {
    let mut notes = Vec::new();
    let mut table = String::from("| scenario |");
    for role in Role::ALL {
        table += &format!(" {} |", role.label());
    }
    table += "\n|---|---|---|---|\n";
    for (scenario, row) in scenarios.iter().zip(outcomes) {
        table += &format!("| {} |", scenario.name);
        for (role, outcome) in Role::ALL.into_iter().zip(row) {
            let cell = match outcome {
                Outcome::Pass(t) => format!("pass ({:.0} s)", t.as_secs_f64()),
                Outcome::Fail(why, details, _) => {
                    notes.push((scenario.name, role, why.clone(), details.clone()));
                    format!("FAIL [{}]", notes.len())
                }
                Outcome::Skip(why) if outcome.failed() => {
                    notes.push((
                        scenario.name,
                        role,
                        format!("skipped: {why}"),
                        String::new(),
                    ));
                    format!("FAIL [{}]", notes.len())
                }
                Outcome::Skip(why) => format!("SKIP ({why})"),
                Outcome::NotApplicable(why) => format!("n/a ({why})"),
            };
            table += &format!(" {cell} |");
        }
        table += "\n";
    }
    for (n, (name, _, _, details)) in notes.iter().enumerate() {
        if !details.is_empty() {
            println!("\n===== [{}] {name} =====\n{details}", n + 1);
        }
    }
    println!("\n{table}");
    for (n, (name, role, why, _)) in notes.iter().enumerate() {
        println!("[{}] {name}, {}: {why}", n + 1, role.label());
    }
    let rows = outcomes.len() * Role::ALL.len();
    let failed = outcomes.iter().flatten().filter(|o| o.failed()).count();
    println!(
        "\n{rows} rows, {failed} failed, in {:.0} s",
        took.as_secs_f64()
    );
    failed > 0
}
