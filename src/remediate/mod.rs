//! Remediation text. (being written)

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Cli,
    Bicep,
    Arm,
    Policy,
    Terraform,
}
